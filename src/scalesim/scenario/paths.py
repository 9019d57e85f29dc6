"""Field paths (``designs.redesigned.approval.policy``): resolved against the scenario *and* its schema.

A path addresses a field in ``--set``, ``--grid``, a sweep file and a sensitivity block. Each step is checked
before anything changes: a model's field must exist in the schema, a named entry (a design, a team) must exist
in the scenario, a list index must be in range. A typo is an error that names the nearest names — never a new
key that validation would ignore or a default that silently wins. Sub-blocks the schema defines (e.g. a
design's ``monitoring``) may be created by a path; names (designs, teams) never are.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from scalesim.errors import ScenarioError

MISSING = object()


def unwrap(tp: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if _is_union(tp):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return unwrap(args[0])
    return tp


def model_in(tp: Any) -> type[BaseModel] | None:
    """The pydantic model a (wrapped) type is, if it is one."""
    tp = unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def suggest(word: str, names: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest name, or nothing."""
    close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


def _noun(container: str) -> str:
    """``designs`` -> ``design``: what one entry of a named mapping is called in messages."""
    return {"added_staff": "team", "parameters": "parameter"}.get(container, container.removesuffix("s"))


def _shaped(tp: Any, node: Any) -> Any:
    """Pick the member of a union of one group of fields and a list of them (one use case, or several) that the
    scenario's value is; None for any other union."""
    members = [unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    lists = [m for m in members if typing.get_origin(m) is list]
    models = [m for m in members if model_in(m) is not None]
    if len(lists) != 1 or len(models) != 1 or len(members) != 2:
        return None
    return lists[0] if isinstance(node, list) else models[0]


def _tagged(tp: Any, node: Any, where: str) -> Any:
    """Pick the member of a tagged union (a distribution) that the scenario's value is."""
    members = [unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    tags = {getattr(m, "model_fields", {}).get("dist") for m in members}
    if None in tags:
        return None
    if isinstance(node, dict) and "dist" in node:
        for member in members:
            if member.model_fields["dist"].default == node["dist"]:
                return member
    shown = node if not isinstance(node, dict) else "a mapping without 'dist'"
    raise ScenarioError(
        f"{where}: is a fixed number or a distribution without parameters here ({shown}); "
        f"set it whole, e.g. {where}=0.5 or {where}={{dist: lognormal, mean: 0.5, cv: 0.6}}"
    )


def locate(raw: dict[str, Any], path: str, root: type[BaseModel], *, create: bool) -> tuple[Any, str | int]:
    """The container in ``raw`` that holds the field ``path`` names, and its key there.

    With ``create``, missing sub-blocks that the schema defines are added as empty mappings (their defaults
    apply); without it nothing changes and a missing sub-block is followed in the schema alone.
    """
    container, key, _ = _walk(raw, path, root, create=create)
    return container, key


def field_type(raw: dict[str, Any], path: str, root: type[BaseModel]) -> Any:
    """The type the schema declares for the field ``path`` names (wrappers removed): ``int`` for staff."""
    return unwrap(_walk(raw, path, root, create=False)[2])


def _walk(raw: dict[str, Any], path: str, root: type[BaseModel], *, create: bool) -> tuple[Any, str | int, Any]:
    keys = path.split(".")
    if not all(keys):
        raise ScenarioError(f"{path}: not a field path (empty part); write it like production.teams.intake.staff")
    node: Any = raw
    tp: Any = root
    for depth, key in enumerate(keys):
        where = ".".join(keys[: depth + 1])
        parent = ".".join(keys[:depth]) or "the top level"
        last = depth == len(keys) - 1
        tp = unwrap(tp)
        if _is_union(tp):
            tp = _shaped(tp, node) or _tagged(tp, node, parent)
            if tp is None:
                raise ScenarioError(f"{where}: {parent} is a single value, not a group of fields")
        model = model_in(tp)
        origin = typing.get_origin(tp)
        if model is not None:
            if node is not MISSING and not isinstance(node, dict):
                raise ScenarioError(f"{where}: {parent} is {node!r} in the scenario, not a group of fields")
            names = field_names(model)
            if key not in names:
                raise ScenarioError(
                    f"{where}: no field {key!r} in {parent}{suggest(key, names)}; fields there: {', '.join(names)}"
                )
            name = next(n for n, f in model.model_fields.items() if key in (n, f.alias))
            child_tp = model.model_fields[name].annotation
        elif origin is dict:
            if node is MISSING or not isinstance(node, dict):
                node = {} if node is MISSING else node
            entries = list(node) if isinstance(node, dict) else []
            value_tp = typing.get_args(tp)[1]
            if key not in entries and (model_in(value_tp) is not None or not last):
                noun = _noun(keys[depth - 1]) if depth else "entry"
                listed = ", ".join(entries) if entries else "none"
                raise ScenarioError(f"{where}: no such {noun}{suggest(key, entries)}; {noun}s are {listed}")
            child_tp = value_tp
        elif origin is list:
            size = len(node) if isinstance(node, list) else 0
            if not (key.isdigit() and int(key) < size):
                raise ScenarioError(f"{where}: {parent} is a list of {size} items; give an index from 0 to {size - 1}")
            if last:
                return node, int(key), typing.get_args(tp)[0]
            node, tp = node[int(key)], typing.get_args(tp)[0]
            continue
        else:
            raise ScenarioError(f"{where}: {parent} is a single value, not a group of fields")
        if last:
            return ({} if node is MISSING else node), key, child_tp
        child = node.get(key, MISSING) if isinstance(node, dict) else MISSING
        if (child is MISSING or child is None) and create and isinstance(node, dict):
            node[key] = child = {}
        elif child is None:
            child = MISSING
        node, tp = child, child_tp
    raise AssertionError("unreachable")  # pragma: no cover


def set_path(raw: dict[str, Any], path: str, value: Any, root: type[BaseModel]) -> None:
    """Set the field ``path`` of ``raw`` to ``value`` after checking that the path exists."""
    container, key = locate(raw, path, root, create=True)
    container[key] = value


def check_path(raw: dict[str, Any], path: str, root: type[BaseModel]) -> None:
    """Raise :class:`ScenarioError` if ``path`` does not name a field of this scenario; change nothing."""
    locate(raw, path, root, create=False)
