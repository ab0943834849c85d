"""Which model output each class folder is: the map between a dataset and a model's outputs.

A class id is a model output everywhere in the study (the pass's true-class influences and
predictions, accuracy, faithfulness's logits, examples), so the map is applied once, to the
dataset's labels. Without ``dataset.class_index`` it is the identity over the sorted class
folders (one output per folder). With it, a model with more outputs (1000 for ImageNet) can
be studied on a folder holding a few of its classes: ``imagenet`` is the built-in map of
ImageNet's WordNet ids to torchvision's output order, or a file maps folder names to outputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from summit.errors import DataError

KEY = "dataset.class_index"
BUILT_IN = {"imagenet": "imagenet_classes.tsv"}
WORDNET_ID = re.compile(r"n\d{8}\s")
FORMATS = ("a text file with one line per model output in output order (the class folder's "
           "name, optionally followed by a tab and a display name), a JSON or YAML list of "
           "folder names, a JSON object of output index to [folder, name] (Keras' "
           "imagenet_class_index.json) or of folder name to output index")


@dataclass(frozen=True)
class ClassIndex:
    """Display names of the model's outputs and the output each known class folder is.

    ``names`` has one entry per output where the map states the model's output count
    (``exact``); a map of only some folders (``{folder: index}``) names the outputs up to its
    largest index, and the model may have more. ``given`` tells a map the user set from the
    identity (one output per folder).
    """

    names: tuple[str, ...]
    folders: dict[str, int]
    source: str
    exact: bool = True
    given: bool = True  # set by the user, not the identity

    @classmethod
    def identity(cls, folders: list[str], source: str = "dataset.root") -> ClassIndex:
        """One output per folder, in sorted-name order (the study's rule without a map)."""
        return cls(tuple(folders), {f: i for i, f in enumerate(folders)}, source, given=False)

    def fits(self, n_outputs: int) -> bool:
        """Whether a model with ``n_outputs`` outputs has the outputs this map names."""
        return n_outputs == len(self.names) if self.exact else n_outputs >= len(self.names)

    def class_id(self, value: int | str, present: dict[int, str],
                 key: str = "dataset.classes") -> int:
        """A class given by output id, folder name or display name in setting ``key``, as
        its id; ``present`` maps the ids of the dataset's folders to their folder names."""
        if isinstance(value, int):
            if value in present:
                return value
            raise DataError(f"{key}: {value!r} is not a class of the dataset; "
                                  f"its classes are outputs {_few(sorted(present))}")
        if value in self.folders and self.folders[value] in present:
            return self.folders[value]
        named = [i for i in present if self.names[i] == value]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise DataError(f"{key}: {value!r} names outputs {named}; give "
                                  "the class's id or folder name instead")
        raise DataError(f"{key}: {value!r} is not a class of the dataset; "
                              f"valid are ids, folder names or names such as "
                              f"{_few([present[i] for i in sorted(present)])}")


def _few(items: list[Any], n: int = 5) -> str:
    return ", ".join(map(str, items[:n])) + (f" … ({len(items)} in all)" if len(items) > n
                                             else "")


def load(setting: str) -> ClassIndex:
    """The map named by ``dataset.class_index``: a built-in name or a file."""
    if setting in BUILT_IN:
        text = resources.files("summit.io").joinpath(BUILT_IN[setting]).read_text("utf-8")
        rows = [line.split("\t") for line in text.splitlines()]
        return ClassIndex(tuple(r[1] for r in rows), {r[0]: i for i, r in enumerate(rows)},
                          f"{KEY} ({setting})")
    path = Path(setting)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise DataError(f"{KEY}: {setting} {what}; give {', '.join(BUILT_IN)} or a file: "
                              f"{FORMATS}")
    source = f"{KEY} ({path})"
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not a name
        if path.suffix.lower() in (".json", ".yaml", ".yml"):
            return _from_structure(yaml.safe_load(text), source)
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise DataError(f"{KEY}: {path} cannot be read ({type(e).__name__}); give "
                              f"{FORMATS}") from e
    return _from_lines(text, source)


def _row(line: str) -> tuple[str, str]:
    """A line's folder name and display name: split at a tab, or after a WordNet id at a
    space (``n01440764 tench, Tinca tinca``); otherwise the whole line names the folder (folder
    names may hold spaces)."""
    if "\t" in line:
        folder, name = (x.strip() for x in line.split("\t", 1))
        return folder, name or folder
    if WORDNET_ID.match(line):
        folder, name = line.split(maxsplit=1)
        return folder, name.strip()
    return line, line


def _from_lines(text: str, source: str) -> ClassIndex:
    """One line per output: folder name, then optionally its display name."""
    lines = [line.strip() for line in text.splitlines()]
    rows = [_row(line) for line in lines if line and not line.startswith("#")]
    if not rows:
        raise DataError(f"{source}: no lines; give {FORMATS}")
    return _checked(rows, source)


def _from_structure(data: Any, source: str) -> ClassIndex:
    """A list of folder names, ``{index: [folder, name]}`` or ``{folder: index}``."""
    if isinstance(data, list) and data and all(isinstance(x, str) for x in data):
        return _checked([(x, x) for x in data], source)
    if isinstance(data, dict) and data:
        keys = [str(k) for k in data]
        if all(k.isdigit() for k in keys):
            by_index = {int(k): v for k, v in data.items()}
            if sorted(by_index) != list(range(len(by_index))):
                raise DataError(f"{source}: its output indices are not 0 to "
                                      f"{len(by_index) - 1}; list every output once")
            rows = [by_index[i] for i in range(len(by_index))]
            if all(isinstance(r, str) for r in rows):
                return _checked([(r, r) for r in rows], source)
            if all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r)
                   for r in rows):
                return _checked([(r[0], r[1]) for r in rows], source)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in data.values()):
            return _partial({str(k): v for k, v in data.items()}, source)
    raise DataError(f"{source}: not a format the study reads; give {FORMATS}")


def _checked(rows: list[tuple[str, str]], source: str) -> ClassIndex:
    """An exact map from (folder, name) rows in output order; a folder listed twice is an
    error (its images would belong to two outputs)."""
    folders: dict[str, int] = {}
    for i, (folder, _) in enumerate(rows):
        if folder in folders:
            raise DataError(f"{source}: folder {folder!r} is listed for outputs "
                                  f"{folders[folder]} and {i}; list each folder once")
        folders[folder] = i
    return ClassIndex(tuple(name for _, name in rows), folders, source)


def _partial(folders: dict[str, int], source: str) -> ClassIndex:
    """``{folder: index}``: outputs not listed are named by their index."""
    bad = [f"{k}: {v}" for k, v in folders.items() if v < 0]
    if bad:
        raise DataError(f"{source}: negative output index ({bad[0]}); outputs count "
                              "from 0")
    seen: dict[int, str] = {}
    for folder, i in folders.items():
        if i in seen:
            raise DataError(f"{source}: folders {seen[i]!r} and {folder!r} are both "
                                  f"output {i}; map each output to one folder")
        seen[i] = folder
    names = tuple(seen.get(i, f"output {i}") for i in range(max(seen) + 1))
    return ClassIndex(names, folders, source, exact=False)

