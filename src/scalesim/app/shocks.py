"""Shocks a facilitator can bring into the next round of a workshop: the world changes, the tables react.

Each shock is a change to the production environment the room has already met, named in the room's words and
applied to the scenario by field path, exactly as ``--set`` would. The model has no mid-run events, so a shock
holds from the first day of the next round's runs (the round is a new year with the changed world), and the
tables see what it changed, from and to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scalesim.errors import ScenarioError
from scalesim.ops.route import acting_team, route_of
from scalesim.scenario.load import validate
from scalesim.scenario.schema import TODAYS_PROCESS, Scenario


@dataclass(frozen=True)
class Shock:
    name: str
    words: str
    path: Callable[[Scenario], str]
    change: Callable[[float], float]


def _acting(scenario: Scenario) -> str:
    return f"production.teams.{acting_team(route_of(scenario.production, TODAYS_PROCESS))}.staff"


SHOCKS = (
    Shock(
        "accuracy",
        "the model's accuracy drops by 10 points",
        lambda s: "production.accuracy",
        lambda v: max(0.5, round(v - 0.10, 4)),
    ),
    Shock("key_person", "a key person leaves the acting team", _acting, lambda v: max(1, int(v) - 1)),
    Shock(
        "data_quality",
        "a data feed breaks: 10 points fewer cases can be scored",
        lambda s: "production.data_quality",
        lambda v: max(0.0, round(v - 0.10, 4)),
    ),
    Shock(
        "drift",
        "the market shifts: the model drifts 15 points a year faster",
        lambda s: "production.dynamics.drift.per_year",
        lambda v: min(0.95, round(v + 0.15, 4)),
    ),
)
BY_NAME = {shock.name: shock for shock in SHOCKS}


def _get(raw: dict[str, Any], path: str) -> float:
    node: Any = raw
    for key in path.split("."):
        node = node[key]
    return float(node)


def _set(raw: dict[str, Any], path: str, value: float) -> None:
    *parents, leaf = path.split(".")
    node: Any = raw
    for key in parents:
        node = node[key]
    node[leaf] = value


def shocked(scenario: Scenario, names: list[str]) -> tuple[Scenario, list[str]]:
    """The scenario with these shocks applied in order, and what each changed, in words (from and to)."""
    raw = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    said = []
    for name in names:
        shock = BY_NAME.get(name)
        if shock is None:
            raise ScenarioError(f"shock {name!r} is not one of {', '.join(BY_NAME)}")
        path = shock.path(scenario)
        before = _get(raw, path)
        after = shock.change(before)
        _set(raw, path, after)
        said.append(f"{shock.words} ({path.removeprefix('production.')}: {before:g} -> {after:g})")
    return validate(raw, source=f"{scenario.name} with shocks"), said
