"""A model's weights file as users have it, read safely and fitted to the built model.

A state dict, a training checkpoint holding one (PyTorch Lightning's, a training loop's),
with the key prefixes wrappers add (DataParallel, Lightning, ``torch.compile``), or a
``.safetensors`` file: loaded without unpickling Python objects, checked for non-finite
values, and compared key by key and shape by shape with the model (BatchNorm step counters
that old files lack are added), each problem a one-line error that names the file and the
fix.
"""

from __future__ import annotations

import pickle
import pickletools
import re
import zipfile
from pathlib import Path

import torch
from torch import nn

from summit.errors import ModelError

CHECKPOINT_KEYS = ("state_dict", "model", "model_state_dict", "net")
"""Where training checkpoints keep the weights, in the order they are looked for."""
CHECKPOINT_MARKERS = {"epoch", "global_step", "optimizer", "optimizer_states",
                      "optimizer_state_dict", "hyper_parameters"}
"""Keys only a training checkpoint holds next to its weights."""
WRAPPER_PREFIXES = ("module.", "model.", "_orig_mod.")
"""What DataParallel/DDP, PyTorch Lightning (``self.model``) and torch.compile put before
every key of the network they wrap."""
SAVE_WEIGHTS = "torch.save(model.state_dict(), path)"


def _examples(keys: list[str], n: int = 3) -> str:
    return ", ".join(keys[:n]) + (f" and {len(keys) - n} more" if len(keys) > n else "")


def _pickled_fix(weights: Path) -> str:
    """How to save the weights alone from a file refused for its pickled objects: for what
    looks like a training checkpoint (a weights key next to e.g. 'epoch', found by reading the
    pickle's opcodes, which runs nothing), the line taking them out of it."""
    try:
        with zipfile.ZipFile(weights) as archive:
            data = archive.read(next(n for n in archive.namelist() if n.endswith("/data.pkl")))
        strings = {arg for _, arg, _ in pickletools.genops(data) if isinstance(arg, str)}
    except Exception:  # noqa: BLE001 - an older or odd layout: give the general fix
        strings = set()
    key = next((k for k in CHECKPOINT_KEYS if k in strings), None)
    if key is None or not strings & CHECKPOINT_MARKERS:
        return f"save the weights alone with {SAVE_WEIGHTS}"
    return (f"it looks like a training checkpoint: if you trust the file, save its weights alone "
            f"with torch.save(torch.load(path, weights_only=False)[{key!r}], 'weights.pt')")


def _load(weights: Path) -> object:
    """What the file holds, loaded safely: files holding pickled objects are refused, never
    loaded with ``weights_only=False``, since unpickling can run code."""
    if not weights.is_file():
        what = "is a folder" if weights.is_dir() else "does not exist"
        raise ModelError(f"model.weights: {weights} {what}; give a state-dict file")
    if weights.suffix == ".safetensors":
        return _load_safetensors(weights)
    if _is_torchscript(weights):
        raise ModelError(f"model.weights: {weights} is a TorchScript program (torch.jit.save), "
                         "not weights; save its weights with torch.save(torch.jit.load(path)"
                         ".state_dict(), 'weights.pt') and give that file")
    try:
        return torch.load(weights, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "Unsupported global" not in str(e):
            raise ModelError(f"model.weights: {weights} is not a PyTorch weights file or is "
                             f"damaged; save the weights with {SAVE_WEIGHTS}") from e
        found = re.search(r"GLOBAL ([\w.]+)", str(e))
        what = f" (a {found.group(1)})" if found else ""
        raise ModelError(f"model.weights: {weights} holds pickled Python objects{what}, which "
                         "are not loaded because unpickling can run code; "
                         f"{_pickled_fix(weights)}") from e
    except Exception as e:  # noqa: BLE001 - not a torch file, or damaged: the fix is the same
        raise ModelError(f"model.weights: {weights} is not a PyTorch weights file or is damaged "
                         f"({type(e).__name__}: {str(e).split('.')[0]}); save the weights with "
                         f"{SAVE_WEIGHTS}") from e


def _is_torchscript(weights: Path) -> bool:
    """Whether the file is a TorchScript archive (its code and constants beside the data)."""
    if not zipfile.is_zipfile(weights):
        return False
    with zipfile.ZipFile(weights) as archive:
        return any(n.endswith("/constants.pkl") for n in archive.namelist())


def _load_safetensors(weights: Path) -> dict[str, torch.Tensor]:
    """A ``.safetensors`` file (Hugging Face's and timm's format): tensors only, by design."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(weights, device="cpu")
    except (SafetensorError, OSError) as e:
        raise ModelError(f"model.weights: {weights} is not a safetensors file or is damaged "
                         f"({e}); save the weights with safetensors.torch.save_file"
                         "(model.state_dict(), path)") from e


def _is_state_dict(obj: object) -> bool:
    return (isinstance(obj, dict) and bool(obj)
            and all(isinstance(v, torch.Tensor) for v in obj.values()))


def _unwrap(obj: object, weights: Path) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The state dict in what the file holds: itself, or a training checkpoint's under the
    first of the usual keys; a note says which."""
    if _is_state_dict(obj):
        return obj, []
    if isinstance(obj, torch.Tensor):
        raise ModelError(f"model.weights: {weights} holds a single tensor, not a state dict "
                         f"(parameter names mapped to tensors); save it with {SAVE_WEIGHTS}")
    if not isinstance(obj, dict) or not obj:
        raise ModelError(f"model.weights: {weights} holds a {type(obj).__name__}, not a state "
                         f"dict; save it with {SAVE_WEIGHTS}")
    key = next((k for k in CHECKPOINT_KEYS if _is_state_dict(obj.get(k))), None)
    if key is not None:
        others = [str(k) for k in obj if k != key]
        also = f" (the file also holds {_examples(others, 5)})" if others else ""
        return obj[key], [f"took the state dict under {key!r}{also}"]
    inner = next((k for k, v in obj.items() if _is_state_dict(v)), "<key>")
    raise ModelError(f"model.weights: {weights} is not a plain state dict but a checkpoint "
                     f"with keys {_examples([repr(k) for k in obj], 5)} and no weights under "
                     f"{', '.join(CHECKPOINT_KEYS)}; save the weights alone with "
                     f"torch.save(torch.load(path)[{inner!r}], 'weights.pt') from the key "
                     f"holding them, or with {SAVE_WEIGHTS}")


def _check_finite(state: dict[str, torch.Tensor], weights: Path) -> None:
    """Refuse NaN or infinite weights: they load silently and turn every activation to NaN."""
    bad = []
    for name, tensor in state.items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            counts = [(int(torch.isnan(tensor).sum()), "NaN"),
                      (int(torch.isinf(tensor).sum()), "inf")]
            bad.append(f"{name}: " + " and ".join(f"{n} {w}" for n, w in counts if n))
    if bad:
        raise ModelError(f"model.weights: {weights} holds non-finite values in {len(bad)} "
                         f"tensor(s) ({_examples(bad)}); the training diverged or the file is "
                         "damaged: use an earlier checkpoint")


def _is_counter(key: str) -> bool:
    """BatchNorm's step counter: not a weight, and absent from files saved before PyTorch 0.4
    (torchvision's early ImageNet weights among them)."""
    return key.rsplit(".", 1)[-1] == "num_batches_tracked"


def _with_counters(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]
                   ) -> tuple[dict[str, torch.Tensor], list[str]]:
    """``state`` with the model's step counters it lacks (as zeros) and a note saying so."""
    absent = [k for k in expected if k not in state and _is_counter(k)]
    if not absent:
        return state, []
    return ({**state, **{k: torch.zeros_like(expected[k]) for k in absent}},
            [f"added {len(absent)} BatchNorm step counter(s) (num_batches_tracked) the file "
             "lacks"])


def _stripped(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """``state`` with ``prefix`` cut from the keys that start with it; the others as they are."""
    return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state.items()}


def _wrapper_prefix(state: dict[str, torch.Tensor], expected: set[str]) -> str:
    """The (possibly stacked) wrapper prefix whose stripping fits the most keys to the model's;
    '' when none fits more, so a submodule named 'model' keeps its name. Breadth first, so
    on a tie the fewest prefixes are stripped."""
    best, best_fit = "", len(expected & state.keys())
    prefixes = [""]
    for prefix in prefixes:
        for wrapper in WRAPPER_PREFIXES:
            longer = prefix + wrapper
            if any(k.startswith(longer) for k in state):
                prefixes.append(longer)
                fit = len(expected & _stripped(state, longer).keys())
                if fit > best_fit:
                    best, best_fit = longer, fit
    return best


def state_dict_mismatch(model: nn.Module, state: dict[str, torch.Tensor], in_channels: int
                        ) -> str | None:
    """Why ``state`` does not fit ``model`` (every differing key and shape, summarised, with
    the likely fix), or None when it fits."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if not (missing or unexpected or shapes):
        return None
    first_conv = next((f"{n}.weight" for n, m in model.named_modules()
                       if isinstance(m, nn.Conv2d)), None)
    if (first_conv in shapes and state[first_conv].ndim == 4
            and state[first_conv].shape[1] != expected[first_conv].shape[1]):
        c = state[first_conv].shape[1]
        return (f"its first convolution ({first_conv}) takes {c} input channel(s) but "
                f"input.channels is {in_channels}; set input.channels: {c}, with {c} "
                "input.mean and input.std values")
    parts = [f"{k} is {tuple(state[k].shape)} in the file but {tuple(expected[k].shape)} in "
             "the model" for k in shapes[:3]]
    if len(shapes) > 3:
        parts.append(f"{len(shapes) - 3} more tensors differ in shape")
    if missing:
        parts.append(f"{len(missing)} key(s) missing from the file ({_examples(missing)})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected key(s) in the file "
                     f"({_examples(unexpected)})")
    hint = "check model.architecture and model.kwargs"
    last = next((f"{n}.weight" for n, m in reversed(list(model.named_modules()))
                 if isinstance(m, nn.Linear | nn.Conv2d)), None)
    if last in shapes and state[last].shape[1:] == expected[last].shape[1:]:
        hint = (f"the file's classifier ({last}) has {state[last].shape[0]} outputs: set "
                f"model.kwargs: {{num_classes: {state[last].shape[0]}}} if the architecture "
                "takes it, and study a dataset with as many classes")
    if unexpected and not missing and not shapes:
        hint = ("drop those keys from the file, or set model.kwargs so the model has them "
                "(e.g. aux_logits: true)")
    return "; ".join(parts) + f"; {hint}"


def model_weights(model: nn.Module, weights: str | Path, in_channels: int
                  ) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The weights file's state dict ready for ``model.load_state_dict``, as users have it:
    a training checkpoint's, under a wrapper's key prefix, with a training module's extra
    keys; and notes of what was unwrapped. A one-line ModelError if the values are not finite
    or the keys or shapes do not fit (``in_channels`` is input.channels, for the hint)."""
    weights = Path(weights)
    state, notes = _unwrap(_load(weights), weights)
    expected = model.state_dict()
    prefix = _wrapper_prefix(state, set(expected))
    if prefix:
        under = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        notes.append(f"stripped {prefix!r} from {len(under)} keys")
        outside = [k for k in state if not k.startswith(prefix)]
        if under.keys() <= expected.keys() and all(k in under or _is_counter(k)
                                                   for k in expected):
            if outside:
                notes.append(f"dropped {len(outside)} key(s) outside {prefix!r} "
                             f"({_examples(outside)})")
            state = under
        else:
            state = _stripped(state, prefix)
    state, added = _with_counters(state, expected)
    notes += added
    _check_finite(state, weights)
    problem = state_dict_mismatch(model, state, in_channels)
    if problem:
        read = f" (read with {prefix!r} stripped from its keys)" if prefix else ""
        raise ModelError(f"model.weights: {weights} does not fit the configured model{read}: "
                         f"{problem}")
    return state, notes


