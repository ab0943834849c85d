"""The analyses of the paper (§8-9) and past them: non-semantic channels, neighbourhoods, class
pairs, motifs, few-channel classifiers, channels matched between models, training seeds, the
findings with their support."""
