"""Study configuration: JSON-schema validation with defaults, one-line errors, and the README's
configuration table generated from the schema.

The schema, ``config.schema.yaml`` next to this module (shipped as package data), is the one
place where each key is documented (``description``) and given its default (``default``).
``python -m summit.config --readme README.md`` rewrites the README's table from it.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from summit.errors import SummitError

SCHEMA: Traversable = resources.files("summit").joinpath("config.schema.yaml")
TABLE_START = "<!-- config-table:start -->"
TABLE_END = "<!-- config-table:end -->"
README_COMMAND = "python -m summit.config --readme README.md"


class ConfigError(SummitError):
    """A configuration value is wrong; the message names the key and how to fix it."""


@functools.cache
def _read_schema(path: Traversable) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def schema() -> dict[str, Any]:
    """The parsed configuration schema (a fresh copy)."""
    return copy.deepcopy(_read_schema(SCHEMA))


def section_schema(path: Sequence[str]) -> dict[str, Any]:
    """The schema of the section at ``path``, e.g. ``("graph",)`` or ``("model", "train")``."""
    node = _read_schema(SCHEMA)
    for name in path:
        node = node["properties"][name]
    return copy.deepcopy(node)


def _fill_defaults(validator_class: type) -> type:
    """A validator that also writes each property's ``default`` into the instance."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):  # noqa: ANN001 - jsonschema API
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _validated(instance: Any, schema: dict[str, Any], source: str,
               prefix: Sequence[str] = ()) -> Any:
    """A copy of ``instance`` with defaults filled in, or ConfigError naming the first bad key."""
    instance = copy.deepcopy(instance)
    validator = _fill_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        key = ".".join(str(p) for p in [*prefix, *e.absolute_path]) or "(top level)"
        if e.validator == "additionalProperties":
            allowed = sorted(e.schema.get("properties", {}))
            raise ConfigError(f"{source}: {key}: {e.message}; allowed keys are {allowed}")
        raise ConfigError(f"{source}: {key}: {e.message}; see README.md, Configuration")
    return instance


def validate(config: dict[str, Any], schema_path: Traversable = SCHEMA,
             source: str = "config") -> dict[str, Any]:
    """Return a validated copy of ``config`` with defaults filled in, or raise ConfigError."""
    config = _validated(config, _read_schema(schema_path), source)
    if schema_path == SCHEMA:
        check_relations(config, source)
    return config


# What a model kind needs besides `kind`, and an example of each.
MODEL_NEEDS = {"torchvision": ("architecture", "e.g. googlenet (torchvision.models.list_models())"),
               "factory": ("factory", "e.g. mypackage.nets:build")}


def check_relations(config: dict[str, Any], source: str = "config") -> None:
    """Checks across keys that the schema cannot state, each a one-line ConfigError."""
    inp = config["input"]
    for key in ("mean", "std"):
        if len(inp[key]) != inp["channels"]:
            raise ConfigError(f"{source}: input.{key}: {len(inp[key])} value(s) but "
                              f"input.channels is {inp['channels']}; give one value per channel")
    model = config["model"]
    if model["kind"] in MODEL_NEEDS:
        key, example = MODEL_NEEDS[model["kind"]]
        if not model.get(key):
            raise ConfigError(f"{source}: model.{key}: required with model.kind: "
                              f"{model['kind']}; set it, {example}")
    if config["dataset"]["class_index"] and not model["weights"]:
        raise ConfigError(f"{source}: dataset.class_index: the model is trained here "
                          "(model.weights: null), with one output per class folder; remove "
                          "dataset.class_index, or give the trained model's model.weights")
    if config["gpus"] not in ("auto", 0) and not config["device"].startswith(("auto", "cuda")):
        raise ConfigError(f"{source}: gpus: {config['gpus']} with device: {config['device']} "
                          "would hold GPUs the jobs do not use; set device: auto or cuda, or "
                          "gpus: 0")
    check_results_folder(config["results"], source)


def check_results_folder(results: str, source: str = "config") -> None:
    """``results`` must be (or can become) a writable folder: not a file, nor under one."""
    path = Path(results).absolute()
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                what = "is a file" if parent == path else f"is under {parent}, which is a file"
                raise ConfigError(f"{source}: results: {results} {what}; choose a folder path")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ConfigError(f"{source}: results: cannot write in {parent}; choose a "
                                  "folder you can write to")
            return


def validate_section(path: Sequence[str], section: dict[str, Any] | None,
                     source: str = "config") -> dict[str, Any]:
    """Validate one section (``None`` is an empty one) and fill in its defaults."""
    return _validated({} if section is None else section, section_schema(path), source, path)


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a YAML config file."""
    return validate(read_yaml(path), source=str(path))


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; a syntax error names the file, line and column."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: YAML syntax error: {e.problem or e.context}; "
                          "fix the file (mind brackets, colons and indentation)") from e
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not a YAML file ({e})") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: holds a {type(data).__name__}, not a mapping of keys to "
                          "values; write `key: value` lines")
    return data


# --- the README's configuration table -------------------------------------------------------


def _value(x: Any) -> str:
    """A default or bound as YAML would write it inline: null, true, [1.0, 0.95], {}, 1e-6."""
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        text = repr(x)
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{int(exponent)}"
        return text
    if isinstance(x, list):
        return "[" + ", ".join(_value(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in x.items()) + "}"
    return str(x)


def _code(x: Any) -> str:
    return f"`{_value(x)}`"


def _one_of(values: list[Any]) -> str:
    codes = [_code(v) for v in values]
    return codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " or " + codes[-1]


def _range(s: dict[str, Any]) -> str:
    """Bounds of a number, e.g. ``≥ 1``, ``> 0``, ``in (0, 1]``."""
    low = ("[", s["minimum"]) if "minimum" in s else (
        ("(", s["exclusiveMinimum"]) if "exclusiveMinimum" in s else None)
    high = ("]", s["maximum"]) if "maximum" in s else (
        (")", s["exclusiveMaximum"]) if "exclusiveMaximum" in s else None)
    if low and high:
        return f" in {low[0]}{_value(low[1])}, {_value(high[1])}{high[0]}"
    if low:
        return f" {'≥' if low[0] == '[' else '>'} {_value(low[1])}"
    if high:
        return f" {'≤' if high[0] == ']' else '<'} {_value(high[1])}"
    return ""


def _type(s: dict[str, Any]) -> str:
    """The type and allowed values of a schema node, in words."""
    if "enum" in s:
        return _one_of(s["enum"])
    types = s.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    words = []
    for t in types:
        if t == "null":
            continue
        if t in ("integer", "number"):
            words.append(t + _range(s))
        elif t == "string":
            text = "string"
            if "minLength" in s:
                text += " (not empty)"
            if "pattern" in s:
                text += f" matching `{s['pattern']}`"
            words.append(text)
        elif t == "array":
            words.append(_array(s))
        elif t == "object":
            if "properties" in s:
                words.append("section")
            elif isinstance(s.get("additionalProperties"), dict):
                words.append(f"mapping to {_type(s['additionalProperties'])}")
            else:
                words.append("mapping")
        else:
            words.append(t)
    if "null" in types:
        words.append("`null`")
    return " or ".join(words)


def _array(s: dict[str, Any]) -> str:
    items = s.get("items", {})
    text = _type(items) or "anything"
    if items.get("type") == "array":
        text = f"({text})"
    low, high = s.get("minItems"), s.get("maxItems")
    words = [f"list of {text}"]
    if low is not None and low == high:
        words.append(f"{low} items")
    elif low is not None and high is not None:
        words.append(f"{low}–{high} items")
    elif low is not None:
        words.append(f"at least {low} items")
    elif high is not None:
        words.append(f"at most {high} items")
    if s.get("uniqueItems"):
        words.append("unique")
    return ", ".join(words)


def _rows(node: dict[str, Any], prefix: str, required: Sequence[str]) -> Iterator[list[str]]:
    for name, sub in node.get("properties", {}).items():
        key = f"{prefix}{name}"
        if "properties" in sub:
            default = ""
        elif "default" in sub:
            default = _code(sub["default"])
        elif name in required:
            default = "required"
        else:
            default = "unset"
        description = " ".join(sub.get("description", "").split())
        yield [f"`{key}`", _type(sub), default, description]
        if "properties" in sub:
            yield from _rows(sub, f"{key}.", sub.get("required", []))
        items = sub.get("items", {})
        if "properties" in items:  # a list of sections: each item's keys
            yield from _rows(items, f"{key}[].", items.get("required", []))


def _cell(text: str) -> str:
    """Escape a table cell for GitHub Markdown (``|`` also inside code spans)."""
    return text.replace("|", "\\|")


def config_table() -> str:
    """The README's configuration table (GitHub Markdown), generated from the schema."""
    s = _read_schema(SCHEMA)
    lines = ["| key | type or allowed values | default | description |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |"
              for row in _rows(s, "", s.get("required", []))]
    return "\n".join(lines) + "\n"


def replace_region(text: str, start_marker: str, end_marker: str, body: str) -> str:
    """``text`` with what lies between two marker lines replaced by ``body`` (generated
    README tables)."""
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise ConfigError(f"the README has no region {start_marker} ... {end_marker}")
    return text[:start + len(start_marker)] + "\n" + body + text[end:]


def readme_with_table(text: str) -> str:
    """``text`` with the region between the config-table markers replaced by the table."""
    return replace_region(text, TABLE_START, TABLE_END, config_table())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m summit.config",
        description="Print the configuration table generated from the schema, rewrite it in "
                    "a README, or validate config files.")
    parser.add_argument("--readme", type=Path, metavar="README.md",
                        help=f"rewrite the region between {TABLE_START} and {TABLE_END}")
    parser.add_argument("--check", action="store_true",
                        help="with --readme: only report (exit 1) if the region is out of date")
    parser.add_argument("configs", nargs="*", type=Path,
                        help="config files to validate (prints the result as JSON)")
    args = parser.parse_args(argv)
    try:
        for path in args.configs:
            print(json.dumps(load(path), indent=1))
        if args.readme:
            old = args.readme.read_text(encoding="utf-8")
            new = readme_with_table(old)
            if args.check:
                if new != old:
                    print(f"{args.readme}: the configuration table is out of date; "
                          f"run {README_COMMAND}", file=sys.stderr)
                    return 1
            elif new != old:
                args.readme.write_text(new, encoding="utf-8")
                print(f"{args.readme}: configuration table rewritten")
        elif not args.configs:
            print(config_table(), end="")
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
