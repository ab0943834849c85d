"""Does it find what we hid? Planted features (``dataset.plant``) measured on a study's model:
the channels that respond to each pattern (``response``, from the passes of ``probe``), the
shortcut the model learnt and what ablating the pattern channels does to it (``measure``), the
graphs' recovery of them (``recovery``), stamp by stamp (``study``), and the report over the
model and its training seeds (``summary``)."""
