"""Parameter grids for sweeps: ``--grid path=1,2,4`` options or a sweep file, expanded to the full product."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from scalesim.errors import ScenarioError
from scalesim.scenario.load import parse_value, read_yaml
from scalesim.scenario.paths import suggest

SWEEP_FILE_KEYS = ("grid", "designs", "replications")


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """``["a.b=1,2", "c=x,y"]`` -> ``{"a.b": [1, 2], "c": ["x", "y"]}``, in the order given."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        path, sep, values = item.partition("=")
        path = path.strip()
        if not sep or not path or not values.strip():
            raise ScenarioError(
                f"--grid {item!r}: expected path.to.field=v1,v2,..., e.g. production.teams.intake.staff=5,7,9"
            )
        if path in grid:
            raise ScenarioError(f"--grid {item!r}: {path} is given twice")
        grid[path] = [parse_value(v) for v in values.split(",")]
    return grid


def parse_point(items: list[str], option: str = "--against") -> dict[str, Any]:
    """``["a.b=3"]`` -> ``{"a.b": 3}``: one value per parameter, naming a grid point (``sweep --against``, or
    ``keep --instead``, the ``option`` errors name)."""
    point: dict[str, Any] = {}
    for item in items:
        path, sep, value = item.partition("=")
        path = path.strip()
        if not sep or not path or not value.strip() or "," in value:
            raise ScenarioError(f"{option} {item!r}: expected path.to.field=value (one value), e.g. staff=5")
        if path in point:
            raise ScenarioError(f"{option} {item!r}: {path} is given twice")
        point[path] = parse_value(value)
    return point


def check_point(grid: dict[str, list[Any]], point: dict[str, Any]) -> None:
    """Refuse a point (``--against``) that names a path or a value the grid does not have."""
    for path, value in point.items():
        if path not in grid:
            hint, known = suggest(path, list(grid)), ", ".join(grid)
            raise ScenarioError(f"--against {path}: not a parameter of this sweep{hint}; its parameters are {known}")
        if value not in grid[path]:
            allowed = ", ".join(map(str, grid[path]))
            raise ScenarioError(f"--against {path}={value}: not a value of the sweep; its values are {allowed}")


def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """A YAML sweep file: ``grid`` (path -> list of values), optional ``designs`` and ``replications``."""
    raw = read_yaml(path, expect="sweep")
    unknown = sorted(set(raw) - set(SWEEP_FILE_KEYS))
    if unknown:
        raise ScenarioError(
            f"{path}: unknown field {unknown[0]!r} in sweep file; allowed: {', '.join(SWEEP_FILE_KEYS)}"
        )
    grid = raw.get("grid")
    if not isinstance(grid, dict) or not grid or not all(isinstance(v, list) and v for v in grid.values()):
        raise ScenarioError(f"{path}: grid must map each field path to a non-empty list of values")
    return raw


def grid_points(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (the first path varies slowest)."""
    if not grid:
        return [{}]
    paths = list(grid)
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(grid[p] for p in paths))]


def as_override(path: str, value: Any) -> str:
    """An override string whose value parses back to ``value``."""
    return f"{path}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"
