"""Why this image? Chosen images explained one by one: each image's own attribution graph
(``image_graph``), how it relates to its true and predicted classes' graphs (``relate``) and
ablation evidence (``evidence``); ``choose`` picks the images from the class pass's
predictions."""
