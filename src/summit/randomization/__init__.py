"""Randomization sanity checks (Adebayo et al. 2018): an explanation that does not change
when the model's weights are randomized, or when it is trained on shuffled labels, explains
the data, not the model. ``cascade`` re-initializes the model from the output down,
``compare`` sets each randomized model's study against the trained model's, ``study``
measures them all and ``summary`` states the result."""
