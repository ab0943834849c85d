"""Benchmarks of the two heavy stages, with the numbers the README reports.

``python -m summit.dev.bench aggregation`` runs, in one process on the same images, torchvision's
GoogLeNet
(architecture only, or real weights with ``--weights``) at 224×224:

- (a) a plain inference forward pass;
- (b) the project's aggregation pass (``Aggregator``): channel maxima of the 9 mixed layers,
  exact influence tallies of every hop, predictions and dataset-example candidates;
- (c) a port of the authors' approach on the same hooks: for every branch convolution, a
  depthwise convolution producing all input × output channel maps at stride 1, then their
  spatial max, tallied the same way;

and prints a table and one JSON line: images per second, the ratios b/a and c/b, peak memory
of each phase, and the largest difference between (b)'s and (c)'s influences (GoogLeNet's
branch convolutions have stride 1, so both are exact there and must agree).

``python -m summit.dev.bench graphs`` times the graph stage for 1000 synthetic classes of
GoogLeNet size (tallies drawn per hop, ~5.5 k vertices and up to ~250 k edges per class):
assembling each class's graph from its tallies, then PageRank and extraction, and checks a
few classes against ``networkx.pagerank`` (largest score difference, same extracted vertices),
printing the speed-up.

``python -m summit.dev.bench analyses`` extracts the attribution graphs of synthetic GoogLeNet
classes the same way and times the analyses that read all graphs at once: the vertex
Jaccard of every pair of classes and motif mining (at ``--min-classes``).

``python -m summit.dev.bench faithfulness`` reports the faithfulness stage's cost: on a finished
study (``--results``, e.g. the demo's ``results``) its jobs' times from the run's benchmark
files next to the per-class aggregation's; and an estimate for ImageNet with InceptionV1 at
224×224 (``--class-images`` per class, default 50; 1000 classes; graphs of ``--vertices``, default
56, the median of the authors' published graphs): the stage's conditions for one class are
planned with the schema's defaults, the rest of the network after each layer is timed on
stacked conditions, and so is the aggregation pass over 1300 images (ImageNet's per class).

``python -m summit.dev.bench stability`` reports what stability costs: the class stores' growth
from keeping the tallies per image group (the same tallies written with ``--groups`` groups
and with one), and the time of rebuilding a class's graph for every bootstrap resample and
split half (``--resamples``, ``--halves``), for one synthetic GoogLeNet class (a 1300-image
class's tallies, each mark filed under a random group) and, with ``--results``, for a
finished study (its stores, and its stability jobs' times from the benchmark files next to
the graph and aggregation jobs').

``python -m summit.dev.bench families`` runs one member of every torchvision CNN family at 224
px (random weights, ``layers: auto``): a plain forward pass and the Summit pass on the same
images, and their ratio; ``--readme README.md`` writes the README's table of families.

Without a sub-command all but ``families`` run (``faithfulness`` without ``--results`` only
estimates).
"""
