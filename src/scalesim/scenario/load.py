"""Load a scenario file, apply ``path=value`` overrides, validate, and explain what is wrong.

Errors name the file (or the ``--set`` option), the field path, the value given and what is allowed, in one
:class:`~scalesim.errors.ScenarioError` — the CLI prints it and exits 2 without a traceback.
"""

from __future__ import annotations

import contextlib
import copy
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scalesim.errors import ScenarioError
from scalesim.scenario.schema import Scenario

M = TypeVar("M", bound=BaseModel)


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read a YAML scenario file, apply ``overrides`` (``"a.b.c=value"``) and validate it."""
    raw = read_yaml(path)
    if is_portfolio(raw):
        raise ScenarioError(f"{path}: this is a portfolio scenario; run it with: scalesim portfolio {path}")
    for item in overrides:
        apply_override(raw, item)
    return validate(raw, source=str(path))


def is_portfolio(raw: Mapping[str, Any]) -> bool:
    """Portfolio scenarios describe proposals of initiatives, operations scenarios a workload of cases."""
    return "proposals_per_year" in raw and "workload" not in raw


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The file's top-level mapping, read with the safe loader."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{p}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{p}: a scenario file must be a mapping of fields, got {type(data).__name__}")
    return data


def apply_override(raw: dict[str, Any], item: str) -> None:
    """Set ``raw[a][b][c] = value`` for ``item = "a.b.c=value"``; the value is parsed as YAML (3, true, [1,2])."""
    path, sep, text = item.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"--set {item!r}: expected path.to.field=value, e.g. production.teams.intake.staff=4")
    keys = path.strip().split(".")
    value = parse_value(text)
    node: Any = raw
    for depth, key in enumerate(keys[:-1]):
        step = _child(node, key)
        if step is None:
            where = ".".join(keys[: depth + 1])
            raise ScenarioError(f"--set {item!r}: {where} does not exist in the scenario")
        node = step
    last = keys[-1]
    if isinstance(node, list):
        if not (last.isdigit() and int(last) < len(node)):
            raise ScenarioError(f"--set {item!r}: {path} is not an index of a list of {len(node)} items")
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"--set {item!r}: {'.'.join(keys[:-1])} is a value, not a group of fields")


def parse_value(text: str) -> Any:
    """A value typed on the command line, read as YAML (3, true, [1, 2], {a: 1}); text if it is not YAML."""
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text; a user typing it means a number
        with contextlib.suppress(ValueError):
            value = float(value)
    return value


def _child(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        if key not in node:
            node[key] = {}
        return node[key]
    if isinstance(node, list) and key.isdigit() and int(key) < len(node):
        return node[int(key)]
    return None


def validate(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a raw mapping into a :class:`Scenario`, or raise one readable :class:`ScenarioError`."""
    return validate_model(Scenario, raw, source)


def validate_model(model: type[M], raw: Mapping[str, Any], source: str) -> M:
    """Validate a raw mapping into ``model`` (a scenario or portfolio), or raise one readable error."""
    try:
        return model.model_validate(copy.deepcopy(dict(raw)))
    except ValidationError as exc:
        lines = [_explain(err, model) for err in exc.errors(include_url=False)]
        head = f"{source}: invalid scenario ({len(lines)} problem{'s' if len(lines) > 1 else ''})"
        raise ScenarioError("\n  ".join([head, *lines])) from None


def _explain(err: Mapping[str, Any], root: type[BaseModel]) -> str:
    path, model = _display_path(err["loc"], root)
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(_field_names(model)) if model else "see `scalesim schema`"
        return f"{path}: unknown field; allowed here: {allowed}"
    if kind == "missing":
        return f"{path}: required field is missing"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:
        return msg
    return f"{path}: {msg} (got {_show(err.get('input'))})"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _display_path(loc: tuple[Any, ...], root: type[BaseModel]) -> tuple[str, type[BaseModel] | None]:
    """Turn a pydantic error location into a dotted field path, and the model that owns its last key.

    Discriminated unions insert their tag (e.g. ``lognormal``) into the location; it is dropped here so the
    path is what the user wrote. The owning model is used to list the allowed keys of an unknown field.
    """
    parts: list[str] = []
    current: Any = root
    owner: type[BaseModel] | None = None
    for item in loc:
        owner = _model_in(current)
        current, step = _descend(current, item)
        if step != "tag":
            parts.append(str(item))
    return ".".join(parts) or "(top level)", owner


def _descend(current: Any, item: Any) -> tuple[Any, str]:
    """Step from a type into ``item``: a model field, a dict value, a list element or a union tag."""
    current = _unwrap(current)
    model = _model_in(current)
    if model is not None and isinstance(item, str):
        for name, field in model.model_fields.items():
            if item in (name, field.alias):
                return field.annotation, "field"
        return None, "field"
    origin = typing.get_origin(current)
    if origin in (dict, list) or origin is typing.Union or isinstance(current, types.UnionType):
        args = [a for a in typing.get_args(current) if a is not type(None)]
        if origin is dict:
            return args[-1], "item"
        if origin is list:
            return args[0], "item"
        for arg in args:
            arg = _unwrap(arg)
            tag = getattr(arg, "model_fields", {}).get("dist")
            if tag is not None and tag.default == item:
                return arg, "tag"
        if len(args) == 1:
            return _descend(args[0], item)
    return None, "item"


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp


def _model_in(tp: Any) -> type[BaseModel] | None:
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]
