"""The analyses' figures with matplotlib, one module per figure: ``nonsemantic`` (the
evidence for non-semantic channels, the paper's Figure 10), ``neighbours`` (neighbourhoods
across layers, Figure 8), ``separability`` (few-channel classifiers, §8.5),
``model_comparison`` (two models' graphs, all classes), ``matching`` (two models' channels
matched), ``faithfulness`` (the ablation tests), ``stability`` (graphs over resampled
images) and ``explained`` (an image's own graph); ``common`` holds what they share. Graph
drawings are in ``summit.render.figures``; which figures a study draws, and their titles,
in ``summit.render.registry``."""
