"""The study's picture of a model: its primary layers and the convolutions ("hops") between
consecutive ones. Plain data, saved as ``results/model/structure.json`` by tracing
(``summit.model.hops``) and read by every later step without importing PyTorch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from summit.errors import SummitError
from summit.io.files import check_version, read_json, write_json

IDENTITY = "identity"


class StructureError(SummitError):
    """The model cannot be decomposed into hops between the configured primary layers."""


@dataclass(frozen=True)
class Hop:
    """One linear map whose per-input-channel contributions Summit ranks.

    ``conv`` is the convolution's (or channels-last ``Linear``'s) module name, or
    ``"identity"`` for a skip connection. The hop reads node ``source`` (a primary layer or a
    hidden node) and adds into channels ``target_offset .. target_offset + out_channels`` of
    node ``target``, or into ``target_channels`` where a permutation (channel shuffle) lies
    between; its input c is the source's channel c, or ``source_channels[c]`` where it reads
    a slice or permutation of the source. ``bn`` (a batch norm after it) and ``scale`` (a
    per-channel parameter multiplying its output, e.g. ConvNeXt's layer scale) are folded
    into its kernel. Output channel j reads only the inputs of its group, ``groups`` of
    them in all (1: every input; ``in_channels``: depthwise; an identity is depthwise).
    """

    name: str
    conv: str
    bn: str | None
    source: str
    target: str
    target_offset: int
    in_channels: int
    out_channels: int
    groups: int = 1
    source_channels: tuple[int, ...] | None = None
    target_channels: tuple[int, ...] | None = None
    scale: str | None = None

    @property
    def candidates(self) -> int:
        """Inputs competing for each output channel: its group's inputs."""
        return self.in_channels // self.groups

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Hop input and output index of each candidate slot: two (candidates, out) arrays.

        Influences and tallies are kept in this compact form: slot (a, j) is input
        ``(j // (out/groups))·(in/groups) + a`` on output j, so a depthwise hop keeps one row.
        """
        per_in, per_out = self.candidates, self.out_channels // self.groups
        outputs = np.broadcast_to(np.arange(self.out_channels), (per_in, self.out_channels))
        inputs = (outputs // per_out) * per_in + np.arange(per_in)[:, None]
        return inputs, outputs

    def sources(self) -> np.ndarray:
        """The source node's channel read by each hop input."""
        return (np.asarray(self.source_channels) if self.source_channels is not None
                else np.arange(self.in_channels))

    def targets(self) -> np.ndarray:
        """The target node's channel written by each hop output."""
        return (np.asarray(self.target_channels) if self.target_channels is not None
                else np.arange(self.target_offset, self.target_offset + self.out_channels))


@dataclass
class Block:
    """Everything between two consecutive primary layers ``source`` → ``target``."""

    source: str
    target: str
    hidden: dict[str, int] = field(default_factory=dict)  # hidden node → channels, topo order
    hops: list[Hop] = field(default_factory=list)


@dataclass(frozen=True)
class Layer:
    name: str
    channels: int
    height: int
    width: int


@dataclass
class Structure:
    """Primary layers (input side first) and the blocks of hops between them."""

    VERSION: ClassVar[int] = 2

    layers: list[Layer]
    blocks: list[Block]

    def save(self, path: str | Path) -> None:
        write_json(path, {**self.to_json(), "version": self.VERSION})

    @classmethod
    def load(cls, path: str | Path) -> Structure:
        d = read_json(path)
        check_version(path, cls.__name__, d.get("version"), cls.VERSION)
        return cls.from_json(d)

    def to_json(self) -> dict[str, Any]:
        return {"layers": [asdict(x) for x in self.layers],
                "blocks": [{"source": b.source, "target": b.target, "hidden": b.hidden,
                            "hops": [asdict(h) for h in b.hops]} for b in self.blocks]}

    @staticmethod
    def _hop(d: dict[str, Any]) -> Hop:
        channels = {k: tuple(d[k]) for k in ("source_channels", "target_channels")
                    if d.get(k) is not None}
        return Hop(**{**d, **channels})

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Structure:
        return cls([Layer(**x) for x in d["layers"]],
                   [Block(b["source"], b["target"], dict(b["hidden"]),
                          [cls._hop(h) for h in b["hops"]]) for b in d["blocks"]])

    def hops(self) -> list[Hop]:
        return [h for b in self.blocks for h in b.hops]

    def layer(self, name: str) -> Layer:
        for x in self.layers:
            if x.name == name:
                return x
        raise StructureError(f"{name!r} is not a primary layer of this model's structure "
                             f"({[x.name for x in self.layers]}); re-run describe_model")
