"""Summit's method (paper §6-7): the per-class pass (channel maxima, exact influence tallies,
dataset-example candidates), A^l, attribution graphs by PageRank, class embeddings, dataset
examples, feature visualizations, per-class statistics."""
