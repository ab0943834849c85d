"""The study's picture of a model: its primary layers and the convolutions ("hops") between
consecutive ones. Plain data, saved as ``results/model/structure.json`` by tracing
(``summit.hops``) and read by every later step without importing PyTorch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from summit.artifacts import check_version, read_json, write_json
from summit.errors import SummitError

IDENTITY = "identity"


class StructureError(SummitError):
    """The model cannot be decomposed into hops between the configured primary layers."""


@dataclass(frozen=True)
class Hop:
    """One linear map whose per-input-channel contributions Summit ranks.

    ``conv`` is the convolution's module name, or ``"identity"`` for a skip connection.
    The hop reads node ``source`` (a primary layer or a hidden node) and adds into channels
    ``target_offset .. target_offset + out_channels`` of node ``target``.
    """

    name: str
    conv: str
    bn: str | None
    source: str
    target: str
    target_offset: int
    in_channels: int
    out_channels: int


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

    VERSION: ClassVar[int] = 1

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

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Structure:
        return cls([Layer(**x) for x in d["layers"]],
                   [Block(b["source"], b["target"], dict(b["hidden"]),
                          [Hop(**h) for h in b["hops"]]) for b in d["blocks"]])

    def hops(self) -> list[Hop]:
        return [h for b in self.blocks for h in b.hops]

    def layer(self, name: str) -> Layer:
        for x in self.layers:
            if x.name == name:
                return x
        raise StructureError(f"{name!r} is not a primary layer of this model's structure "
                             f"({[x.name for x in self.layers]}); re-run describe_model")
