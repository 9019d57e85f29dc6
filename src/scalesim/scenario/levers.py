"""A design's levers as plain choices, and what each choice costs (the scenario's ``workshop`` block).

A lever's options are never invented: each is a setting some design of the scenario already uses (its
``monitoring`` block, its approval, its side channel...), plus "without" for a lever a design may go without.
A design assembled from options is therefore one the scenario's author could have written.

What such a design costs cannot be read off the designs: the author priced whole designs, not levers. The
``workshop`` block splits those prices: a design costs ``baseline`` plus the costs of its options (its build
takes the longest of their ``build_days``). The split is checked against every design of the scenario, so it is
the author's own prices, divided, and never a new estimate; a scenario without the block cannot price a design
it does not name, and the app says so instead of showing a number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scalesim.errors import ScenarioError
from scalesim.scenario.paths import suggest
from scalesim.scenario.schema import Costs, Scenario

LEVERS = {
    "integration_point": "where the output enters the workflow",
    "process_owner": "a named process owner",
    "approval": "approval policy",
    "exception_handling": "exception handling",
    "monitoring": "performance monitoring",
    "accountability": "accountability for errors",
    "human_review": "human review of uncertain outputs",
    "go_live": "go-live support (training, parallel run)",
}
"""Each lever (a field of a design, or a pair for the integration point) and what a person calls it."""
OPTIONAL = ("monitoring", "accountability", "human_review", "go_live")
WITH, WITHOUT = "with", "without"
"""Option names for a lever that is present or absent (not on/off or yes/no, which YAML reads as booleans)."""
MONEY = ("one_off", "change_management", "recurring_per_year")


def _setting(design: dict[str, Any], lever: str) -> Any:
    if lever == "integration_point":
        return {
            "integration_point": design.get("integration_point", "embedded"),
            "side_channel": design.get("side_channel"),
        }
    return design.get(lever)


def _describe(lever: str, setting: Any) -> str:
    """A short name for an option: what differs, in the scenario's own words."""
    if setting is None:
        return WITHOUT
    if lever == "integration_point":
        return str(setting["integration_point"])
    if lever == "process_owner":
        return WITH if setting else WITHOUT
    if lever == "approval":
        return str(setting.get("policy", "none"))
    if lever == "exception_handling":
        return str(setting.get("mode", "ad_hoc"))
    return WITH


@dataclass(frozen=True)
class Lever:
    """One lever: its options (name -> setting, JSON text so they hash) in the order the designs give them."""

    name: str
    label: str
    options: tuple[tuple[str, str], ...]

    def setting(self, option: str) -> Any:
        return json.loads(dict(self.options)[option])

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.options]


def _designs(scenario: Scenario) -> dict[str, dict[str, Any]]:
    return {
        name: design.model_dump(mode="json", by_alias=True, exclude_none=True)
        for name, design in scenario.designs.items()
    }


def levers(scenario: Scenario) -> list[Lever]:
    """Every lever with the settings the scenario's designs use for it (and "without" where one may be left out)."""
    out = []
    for lever, label in LEVERS.items():
        options: dict[str, str] = {}
        for design in _designs(scenario).values():
            setting = _setting(design, lever)
            name = _describe(lever, setting)
            if name in options and options[name] != json.dumps(setting, sort_keys=True):
                name = f"{name} ({len(options) + 1})"
            options.setdefault(name, json.dumps(setting, sort_keys=True))
        if lever in OPTIONAL:
            options.setdefault(WITHOUT, json.dumps(None))
        out.append(Lever(lever, label, tuple(options.items())))
    return out


def chosen(scenario: Scenario, design: str) -> dict[str, str]:
    """The option each lever has in one of the scenario's designs."""
    raw = _designs(scenario)[design]
    result = {}
    for lever in levers(scenario):
        setting = json.dumps(_setting(raw, lever.name), sort_keys=True)
        result[lever.name] = next(name for name, text in lever.options if text == setting)
    return result


def priced(scenario: Scenario, choices: dict[str, str], base: str) -> Costs | None:
    """What design ``base`` with these options costs: the scenario's split when it has one; else the base's own
    costs if these are its options; else None (not known, and not guessed)."""
    if scenario.workshop is not None:
        split = scenario.workshop
        parts = [split.lever_costs.get(lever, {}).get(option, Costs()) for lever, option in choices.items()]
        return Costs(
            **{key: getattr(split.baseline, key) + sum(getattr(p, key) for p in parts) for key in MONEY},
            build_days=max([split.baseline.build_days, *(p.build_days for p in parts)]),
        )
    return scenario.designs[base].costs if chosen(scenario, base) == choices else None


def up_front(costs: Costs) -> float:
    """What a design commits before it earns anything: the build and the change management (the budget's unit)."""
    return costs.one_off + costs.change_management


def check_workshop(scenario: Scenario, source: str) -> None:
    """Refuse a ``workshop`` block that names a lever or option the designs do not have, or whose budget no
    design could meet (whether its prices add up is :func:`check_prices`' job, done where they are used)."""
    split = scenario.workshop
    if split is None:
        return
    catalogue = {lever.name: lever for lever in levers(scenario)}
    for name, options in split.lever_costs.items():
        where = f"{source}: workshop.lever_costs.{name}"
        if name not in catalogue:
            hint = suggest(name, list(catalogue))
            raise ScenarioError(f"{where}: no such lever{hint}; levers: {', '.join(catalogue)}")
        for option in options:
            if option not in catalogue[name].names:
                raise ScenarioError(
                    f"{where}.{option}: not an option the scenario's designs use for this lever"
                    f"{suggest(option, catalogue[name].names)}; options: {', '.join(catalogue[name].names)}"
                )
    if split.budget is not None and split.budget < up_front(split.baseline):
        raise ScenarioError(
            f"{source}: workshop.budget: {split.budget:,.10g} is below the baseline's up-front cost "
            f"{up_front(split.baseline):,.10g} (one_off + change_management); no design would fit"
        )


def check_prices(scenario: Scenario, source: str) -> None:
    """Refuse lever prices that do not add up to each design's written costs: the app would then price a
    design two ways, by its name and by its levers.

    Only the app asks (and ``validate`` mentions it): a design added for a what-if with ``run`` is not refused
    because the app's prices do not cover it.
    """
    if scenario.workshop is None:
        return
    for design_name, design in scenario.designs.items():
        split_costs = priced(scenario, chosen(scenario, design_name), design_name)
        assert split_costs is not None
        for key in (*MONEY, "build_days"):
            mine, written = getattr(split_costs, key), getattr(design.costs, key)
            if abs(mine - written) > 1e-6 * max(1.0, abs(written)):
                raise ScenarioError(
                    f"{source}: workshop: the lever costs give design '{design_name}' {key} {mine:,.10g}, "
                    f"but its costs say {written:,.10g}; baseline plus the costs of its options must add up to "
                    "the design's own costs"
                )
