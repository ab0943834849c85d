"""Stage ``examples``: every channel's top dataset examples, cropped to its receptive field
and packed into one atlas per layer (paper §7.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from summit.io.artifacts import ExamplesIndex
from summit.model.structure import Structure
from summit.model.study import study_model
from summit.settings import ExamplesSettings
from summit.steps import step


@step
def examples(p: dict[str, Any], *, layer: str, weights: Path, structure: Path,
             stores: list[Path], atlas: Path, index: Path) -> None:
    """Dataset-wide top-N image patches per channel of one layer, packed into one atlas."""
    import torch

    from summit.io import data
    from summit.io.atlas import examples_per_row, pack_examples
    from summit.io.store import ClassStore
    from summit.method.examples import crop_examples, merge_top_n, receptive_fields

    model, spec = study_model(p, weights, torch.device("cpu"))
    rf = receptive_fields(model, p["layers"],
                          torch.zeros(1, spec.channels, spec.size, spec.size))[layer]
    shape = Structure.load(structure).layer(layer)
    candidates = [ClassStore(s).examples(layer) for s in stores]
    settings = ExamplesSettings.from_config(p["examples"])
    n = settings.n
    value, image, position = merge_top_n(*([c[key] for c in candidates]
                                           for key in ("value", "image", "position")), n)
    dataset = data.open_dataset(p["dataset"], spec, "train", p.get("download"))
    patches = crop_examples(lambda i: data.display_image(dataset, i), value, image, position,
                            rf, shape.width)
    channels = [[{"image": int(image[k, c]), "class": int(dataset.labels[image[k, c]]),
                  "value": round(float(value[k, c]), 5),
                  "position": divmod(int(position[k, c]), shape.width)}
                 for k in range(value.shape[0]) if np.isfinite(value[k, c])]
                for c in range(shape.channels)]
    thumbnail = settings.thumbnail
    atlas.parent.mkdir(parents=True, exist_ok=True)
    pack_examples(patches, n, thumbnail, rgb=spec.channels != 1).save(atlas, optimize=True)
    ExamplesIndex(layer=layer, thumbnail=thumbnail, n=n,
                  per_row=examples_per_row(shape.channels, n),
                  receptive_field={"jump": rf.jump, "size": rf.size}, atlas=atlas.name,
                  channels=channels).save(index)
