"""Weights files as users have them (state dicts, training checkpoints, wrapper prefixes,
safetensors) load to the saved model's logits; every bad file gets one line naming it and
the fix."""

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from summit.model.models import ModelError, build_model, load_model
from summit.model.weights import model_weights

DEMO = {"kind": "demo", "width": 0.25}


def _demo_state(n_out: int = 4, n_in: int = 1) -> dict[str, torch.Tensor]:
    return build_model(DEMO, n_out, n_in).state_dict()


def _bad_files(d: Path) -> dict[str, Path]:
    """One weights file per way of getting it wrong."""
    files = {}

    def save(name: str, obj: object) -> None:
        files[name] = d / f"{name}.pt"
        torch.save(obj, files[name])

    save("tensor", torch.zeros(3))
    save("module", build_model(DEMO, 4, 1))
    save("not_tensors", {"epoch": 3, "optimizer": {"lr": 0.1}})
    save("fc_rows", _demo_state(n_out=7))
    save("first_conv", _demo_state(n_in=3))
    save("data_parallel_rows", {f"module.{k}": v for k, v in _demo_state(n_out=7).items()})
    save("other_key", {"epoch": 3, "ema": _demo_state()})
    save("nan", _with(_demo_state(), lambda t: t.flatten()[:2].fill_(float("nan")), 1))
    save("inf", _with(_demo_state(), lambda t: t.flatten()[0].fill_(float("-inf")), 4))
    save("extra_keys", {**_demo_state(), "aux1.weight": torch.zeros(2)})
    save("missing_keys", dict(list(_demo_state().items())[:-5]))
    files["torchscript"] = d / "torchscript.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), files["torchscript"])
    files["junk"] = d / "junk.pt"
    files["junk"].write_bytes(b"not a checkpoint")
    files["truncated"] = d / "truncated.pt"
    files["truncated"].write_bytes(files["fc_rows"].read_bytes()[:1000])
    files["missing"] = d / "missing.pt"
    return files


@pytest.mark.parametrize("case, words", [
    ("missing", ["does not exist"]),
    ("tensor", ["single tensor, not a state dict", "model.state_dict()"]),
    ("module", ["pickled Python objects", "DemoInception", "model.state_dict()"]),
    ("not_tensors", ["not a plain state dict but a checkpoint with keys 'epoch', 'optimizer'",
                     "no weights under state_dict, model, model_state_dict, net",
                     "torch.save(torch.load(path)['<key>'], 'weights.pt')", "model.state_dict()"]),
    ("other_key", ["keys 'epoch', 'ema'", "torch.save(torch.load(path)['ema'], 'weights.pt')"]),
    ("nan", ["holds non-finite values in 1 tensor(s) (", ": 2 NaN)",
             "the training diverged or the file is damaged: use an earlier checkpoint"]),
    ("inf", ["non-finite values in 4 tensor(s) (", ": 1 inf, ", "and 1 more)"]),
    ("torchscript", ["is a TorchScript program (torch.jit.save), not weights",
                     "torch.save(torch.jit.load(path).state_dict(), 'weights.pt')"]),
    ("junk", ["not a PyTorch weights file or is damaged"]),
    ("truncated", ["not a PyTorch weights file or is damaged"]),
    ("fc_rows", ["is (7,", "in the file but (4,", "model.kwargs"]),
    ("first_conv", ["first convolution", "takes 3 input channel", "input.channels is 1",
                    "set input.channels: 3"]),
    ("data_parallel_rows", ["(read with 'module.' stripped from its keys)", "is (7,",
                            "in the file but (4,"]),
    ("extra_keys", ["1 unexpected key(s)", "aux1.weight", "drop those keys"]),
    ("missing_keys", ["4 key(s) missing from the file", "and 1 more"]),
])
def test_a_bad_weights_file_gets_one_sentence_naming_the_file_and_fix(tmp_path, case, words):
    path = _bad_files(tmp_path)[case]
    with pytest.raises(ModelError) as e:
        load_model(DEMO, path, 4, 1, torch.device("cpu"))
    message = str(e.value)
    assert message.startswith("model.weights: ") and str(path) in message
    assert "\n" not in message and "weights_only" not in message
    for w in words:
        assert w in message, message


def _with(state: dict[str, torch.Tensor], spoil: Callable[[torch.Tensor], object], n: int
          ) -> dict[str, torch.Tensor]:
    """``state`` with ``spoil`` applied to its first ``n`` floating tensors."""
    for t in [t for t in state.values() if t.is_floating_point()][:n]:
        spoil(t)
    return state


def _prefixed(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {prefix + k: v for k, v in state.items()}


def _plus_one(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v + 1 if v.is_floating_point() else v for k, v in state.items()}


# name: (what the user saved, given the model's state dict; the notes, given its key count)
LAYOUTS: dict[str, tuple[Callable[[dict], object], Callable[[int], list[str]]]] = {
    "plain": (lambda s: s, lambda n: []),
    **{f"checkpoint_{key}": (
        lambda s, key=key: {"epoch": 3, key: s, "optimizer": {"lr": 0.1}},
        lambda n, key=key: [f"took the state dict under {key!r} (the file also holds epoch, "
                            "optimizer)"]) for key in ("state_dict", "model", "model_state_dict",
                                                       "net")},
    "first_usual_key_of_tensors": (
        lambda s: {"state_dict": {"note": "not tensors"}, "model_state_dict": s,
                   "net": _plus_one(s)},
        lambda n: ["took the state dict under 'model_state_dict' (the file also holds "
                   "state_dict, net)"]),
    **{f"prefix_{p}": (lambda s, p=p: _prefixed(s, p),
                       lambda n, p=p: [f"stripped {p!r} from {n} keys"])
       for p in ("module.", "model.", "_orig_mod.", "module._orig_mod.")},
    "lightning": (
        lambda s: {"epoch": 3, "hyper_parameters": {"lr": 0.1},
                   "state_dict": {**_prefixed(s, "model."), "criterion.weight": torch.ones(2),
                                  "loss_fn.pos_weight": torch.ones(1)}},
        lambda n: ["took the state dict under 'state_dict' (the file also holds epoch, "
                   "hyper_parameters)", f"stripped 'model.' from {n} keys",
                   "dropped 2 key(s) outside 'model.' (criterion.weight, loss_fn.pos_weight)"]),
    "lightning_compiled": (
        lambda s: {"state_dict": {**_prefixed(s, "model._orig_mod."),
                                  "criterion.weight": torch.ones(2)}},
        lambda n: ["took the state dict under 'state_dict'",
                   f"stripped 'model._orig_mod.' from {n} keys",
                   "dropped 1 key(s) outside 'model._orig_mod.' (criterion.weight)"]),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("cfg, n_in", [
    ({"kind": "demo", "width": 0.25}, 1),
    ({"kind": "factory", "factory": "tests.test_models:tiny_factory"}, 1),
    ({"kind": "factory", "factory": "tests.test_models:has_model"}, 1),
])
def test_weights_files_as_users_have_them_load_to_the_same_logits(tmp_path, cfg, n_in, layout):
    """Every layout gives the saved model's logits exactly; _HasModel's own 'model.' is never
    stripped (plain: no notes; Lightning: one 'model.' stripped)."""
    torch.manual_seed(0)
    model = build_model(cfg, 4, n_in).eval()
    saved, notes = LAYOUTS[layout]
    path = tmp_path / "w.pt"
    torch.save(saved(model.state_dict()), path)
    _, got = model_weights(build_model(cfg, 4, n_in), path, n_in)
    assert got == notes(len(model.state_dict()))
    loaded = load_model(cfg, path, 4, n_in, torch.device("cpu"))
    x = torch.randn(2, n_in, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_load_model_logs_what_it_unwrapped(tmp_path, caplog):
    torch.save({"state_dict": _prefixed(_demo_state(), "module."), "epoch": 1}, tmp_path / "c.pt")
    with caplog.at_level(logging.INFO, logger="summit"):
        load_model(DEMO, tmp_path / "c.pt", 4, 1, torch.device("cpu"))
    logged = [r.getMessage() for r in caplog.records]
    assert logged == [f"model.weights: {tmp_path / 'c.pt'}: took the state dict under "
                      "'state_dict' (the file also holds epoch)",
                      f"model.weights: {tmp_path / 'c.pt'}: stripped 'module.' from "
                      f"{len(_demo_state())} keys"]


def test_a_checkpoint_with_pickled_hyper_parameters_says_how_to_extract_the_weights(tmp_path):
    """Lightning keeps e.g. an argparse.Namespace in hyper_parameters: never unpickled, but the
    message gives the line taking the weights out (the user decides to trust the file); a
    pickled model is no checkpoint and gets the general fix."""
    path = tmp_path / "last.ckpt"
    torch.save({"epoch": 3, "state_dict": _prefixed(_demo_state(), "model."),
                "hyper_parameters": {"args": argparse.Namespace(lr=0.1)}}, path)
    with pytest.raises(ModelError) as e:
        load_model(DEMO, path, 4, 1, torch.device("cpu"))
    message = str(e.value)
    assert message.startswith(f"model.weights: {path} holds pickled Python objects (a "
                              "argparse.Namespace)") and "\n" not in message
    assert ("it looks like a training checkpoint: if you trust the file, save its weights alone "
            "with torch.save(torch.load(path, weights_only=False)['state_dict'], 'weights.pt')"
            ) in message
    torch.save(build_model(DEMO, 4, 1), tmp_path / "module.pt")
    with pytest.raises(ModelError, match=r"save the weights alone with torch\.save\(model\."
                                         r"state_dict\(\), path\)$"):
        load_model(DEMO, tmp_path / "module.pt", 4, 1, torch.device("cpu"))




def test_safetensors_files_load_and_a_damaged_one_is_one_line(tmp_path):
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = build_model(DEMO, 4, 1).eval()
    path = tmp_path / "w.safetensors"
    save_file({f"module.{k}": v.contiguous() for k, v in model.state_dict().items()}, path)
    state, notes = model_weights(build_model(DEMO, 4, 1), path, 1)
    assert notes == [f"stripped 'module.' from {len(state)} keys"]
    loaded = load_model(DEMO, path, 4, 1, torch.device("cpu"))
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    (tmp_path / "bad.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelError, match=r"^model\.weights: .*bad\.safetensors is not a "
                                         r"safetensors file or is damaged \(.*\); save"):
        model_weights(build_model(DEMO, 4, 1), tmp_path / "bad.safetensors", 1)


@pytest.mark.parametrize("wrap, dropped", [(lambda s: s, []), (
    lambda s: {"state_dict": {**{f"model.{k}": v for k, v in s.items()},
                              "criterion.weight": torch.ones(2)}},
    ["took the state dict under 'state_dict'", "stripped 'model.' from {n} keys",
     "dropped 1 key(s) outside 'model.' (criterion.weight)"])])
def test_files_without_batchnorm_step_counters_load(tmp_path, wrap, dropped):
    """Files saved before PyTorch 0.4 lack BatchNorm's num_batches_tracked (not a weight)."""
    torch.manual_seed(0)
    model = build_model(DEMO, 4, 1).eval()
    old = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    counters = len(model.state_dict()) - len(old)
    assert counters > 0
    torch.save(wrap(old), tmp_path / "old.pt")
    _, notes = model_weights(build_model(DEMO, 4, 1), tmp_path / "old.pt", 1)
    assert notes == [*(n.format(n=len(old)) for n in dropped),
                     f"added {counters} BatchNorm step counter(s) (num_batches_tracked) the "
                     "file lacks"]
    loaded = load_model(DEMO, tmp_path / "old.pt", 4, 1, torch.device("cpu"))
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
