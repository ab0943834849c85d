"""``summit explain --config FILE --image PATH`` (summit.explain_image): one-line errors for
an unreadable image, one of the wrong size or channels and a study that has not run; on the
tiny study, the same graph for an image as the explain stage found for it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from summit.errors import SummitError
from summit.explain_image import explain_image, read_image
from summit.io.pixels import InputSpec, to_model_input
from tests.e2e import REPO, e2e

SPEC = InputSpec(size=8, channels=1, mean=[0.5], std=[0.25])


def test_an_image_of_the_models_size_and_channels_is_read_as_the_study_reads_it(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (8, 8), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    x, shown = read_image(tmp_path / "a.png", SPEC, fit=False)
    torch.testing.assert_close(x, to_model_input(Image.fromarray(pixels), SPEC))
    assert np.array_equal(shown, pixels)


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text("not an image"), "not a readable image"),
    (lambda p: Image.new("L", (9, 8)).save(p, format="PNG"), "9×8 pixels, but the study's "
     "model reads 8×8 (input.size)"),
    (lambda p: Image.new("RGB", (8, 8)).save(p, format="PNG"), "3 channels (RGB), but the "
     "study's model reads 1 (input.channels)"),
])
def test_a_bad_image_is_one_line_naming_it_and_the_fix(tmp_path, make, words):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(SummitError) as e:
        read_image(path, SPEC, fit=False)
    assert words in str(e.value) and str(path) in str(e.value) and "\n" not in str(e.value)
    if "pixels" in words or "channels" in words:
        assert "--fit" in str(e.value)
        assert read_image(path, SPEC, fit=True)[0].shape == (1, 8, 8)


def test_a_study_that_has_not_run_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # config.yaml is merged under the config, as by snakemake
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"results": str(tmp_path / "results")}))
    Image.new("L", (28, 28)).save(tmp_path / "a.png")
    with pytest.raises(SummitError, match="the study has not run .*weights.pt is missing"):
        explain_image(config, tmp_path / "a.png", None, None, fit=False)
    assert not (tmp_path / "results").exists()


@e2e
def test_an_image_explained_by_the_command_as_by_the_stage(study, tmp_path):
    results, config = study
    record = json.loads((results / "explain" / "0.json").read_text())
    image = record["images"][0]
    path = tmp_path / "image.png"
    path.write_bytes(base64.b64decode(image["image"].split(",", 1)[1]))
    run = subprocess.run([sys.executable, "-m", "summit", "explain", "--config", str(config),
                          "--image", str(path), "--label", "0"], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    written = [results / "explain" / "images" / f"image.{ext}" for ext in ("json", "png", "pdf")]
    assert all(p.stat().st_size > 0 for p in written), run.stdout
    got = json.loads(written[0].read_text())
    assert got["activation_set"] == image["activation_set"]
    assert got["graph"]["nodes"] == image["graph"]["nodes"]
    assert got["true_class"]["uses"] == image["true_class"]["uses"]
    assert got["evidence"]["own_graph"]["logit_drop"] == pytest.approx(
        image["evidence"]["own_graph"]["logit_drop"], abs=1e-5)
