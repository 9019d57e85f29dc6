"""The design a person builds in the app: one of the scenario's designs with the levers they chose, priced.

The levers and their options come from the scenario (:mod:`scalesim.scenario.levers`); so do the prices. The
built design is validated like any scenario, so a combination the model cannot serve is refused with the
scenario's own message.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalesim.errors import ScenarioError
from scalesim.scenario.levers import chosen, levers, priced
from scalesim.scenario.load import validate
from scalesim.scenario.schema import Costs, Scenario

CUSTOM = "your_design"
ASSUMPTIONS = ("production.accuracy", "production.adoption.with_owner", "production.exception_rate")
"""The sliders: the inputs the bundled scenarios' beliefs rank as mattering (docs/how-to/how-sure-are-we.md)."""


@dataclass(frozen=True)
class Built:
    """A scenario whose only design is :data:`CUSTOM`; ``costs`` is None when the scenario cannot price it (its
    money is then not shown: the design's costs would be a guess)."""

    scenario: Scenario
    choices: dict[str, str]
    costs: Costs | None

    @property
    def key(self) -> str:
        """The scenario as JSON text: what a run's answer is remembered under."""
        return json.dumps(self.scenario.model_dump(mode="json", by_alias=True), sort_keys=True)


def build(scenario: Scenario, base: str, choices: dict[str, str], assumptions: dict[str, float]) -> Built:
    """``base`` with the chosen options (a lever not in ``choices`` keeps the base's option) and the assumptions set."""
    _check_choices(scenario, choices)
    raw = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    design = copy.deepcopy(raw["designs"][base])
    design["description"] = "built in the app from the levers chosen"  # the same for every base: one cache key
    design.pop("owner", None)  # a role's name for the pilot plan: it changes no number, and goes with process_owner
    full = {**chosen(scenario, base), **choices}
    for lever in levers(scenario):
        setting = lever.setting(full[lever.name])
        if lever.name == "integration_point":
            design["integration_point"] = setting["integration_point"]
            design.pop("side_channel", None)
            if setting["side_channel"] is not None:
                design["side_channel"] = setting["side_channel"]
        elif setting is None:
            design.pop(lever.name, None)
        else:
            design[lever.name] = setting
    costs = priced(scenario, full, base)
    if costs is not None:
        design["costs"] = costs.model_dump(mode="json")
    raw["designs"] = {CUSTOM: design}
    for block in ("sensitivity", "beliefs", "workshop"):  # about the scenario's designs, not this one
        raw.pop(block, None)
    for path, value in assumptions.items():
        node = raw
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = float(value)
    return Built(validate(raw, source=f"{scenario.name} in the app"), full, costs)


def _check_choices(scenario: Scenario, choices: dict[str, str]) -> None:
    """A lever or option the scenario does not offer is refused by name: a page sends what its menus hold, but a
    forged request can send anything, and it must get a message, not a server error."""
    offered = {lever.name: lever.names for lever in levers(scenario)}
    for name, option in choices.items():
        if name not in offered:
            raise ScenarioError(f"lever {name!r} is not one of this scenario's: {', '.join(offered)}")
        if option not in offered[name]:
            raise ScenarioError(f"lever {name}: {option!r} is not an option; choose one of {', '.join(offered[name])}")


def closest(scenario: Scenario, choices: dict[str, str]) -> str:
    """The scenario's design sharing the most options with ``choices`` (the first on a tie): a table that picks
    exactly some design's options gets exactly that design, its route and staff included."""
    return max(
        scenario.designs,
        key=lambda name: sum(option == choices.get(lever) for lever, option in chosen(scenario, name).items()),
    )


def likely(scenario: Scenario) -> Iterator[Built]:
    """The designs a room tries first, to run before anyone asks: each design with one lever changed, then
    every combination of options from each design (the ones the model refuses are left out)."""
    catalogue = levers(scenario)
    for base in scenario.designs:
        start = chosen(scenario, base)
        for lever in catalogue:
            for option in lever.names:
                if option != start[lever.name]:
                    yield from _valid(scenario, base, {lever.name: option})
    for base in scenario.designs:
        for options in itertools.product(*(lever.names for lever in catalogue)):
            yield from _valid(scenario, base, dict(zip((lever.name for lever in catalogue), options, strict=True)))


def _valid(scenario: Scenario, base: str, choices: dict[str, str]) -> Iterator[Built]:
    try:
        yield build(scenario, base, choices, {})
    except ScenarioError:
        return


def slider_range(scenario: Scenario, path: str) -> tuple[float, float, float]:
    """(low, value, high) for an assumption's slider: the belief's 5-95 % range when the scenario has one,
    else +-25 % of the value, within 0..1 for the shares the sliders move."""
    node: Any = scenario.model_dump(mode="json", by_alias=True)
    for key in path.split("."):
        node = node[key]
    value = float(node)
    beliefs = scenario.beliefs
    if beliefs is not None and path in beliefs.inputs:
        low, high = beliefs.inputs[path].quantile(np.array([0.05, 0.95]))
    else:
        low, high = value * 0.75, value * 1.25
    return round(max(0.0, min(low, value)), 3), value, round(min(1.0, max(high, value)), 3)
