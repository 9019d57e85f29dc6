"""The inputs that drive a decision's largest losses but are held fixed, and default beliefs for the behavioural ones.

``decide`` varies only what ``beliefs`` names. A verdict can rest on an input it never varies: in a scenario where
every design stalls by trust collapse, how fast trust falls decides the stall's day (halving it moved one from day
69 to day 221), yet a decision without it among the beliefs says nothing about it. This module reads, from the
decision's own simulated runs, each design's largest cause of lost value and its stalls, maps each to the inputs
that govern that mechanism in the model (:data:`DRIVERS`, in the model's words), and names those the beliefs hold
fixed. For the behavioural ones — trust, adoption, the visibility of outcomes, drift, pickup from a side channel —
it offers a default belief around the scenario's own value (:func:`default_belief`), every one marked as an
assumption with the published direction it rests on, which ``decide --vary-behaviour`` adds to the beliefs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from scalesim.errors import ScenarioError
from scalesim.labels import CAUSES, REASONS, field_words
from scalesim.scenario.beliefs import Beliefs
from scalesim.scenario.paths import locate
from scalesim.scenario.schema import TODAY, Scenario

STALLS_COUNT = 0.1
"""A stall reason counts as driving a design's verdict from this share of its simulated runs up."""


@dataclass(frozen=True)
class Driver:
    """An input that governs a mechanism: its field path (``{design}`` is filled in) and whether it describes
    people's behaviour (and so gets a default belief) rather than the operation's facts."""

    path: str
    behavioural: bool


_TRUST = (
    Driver("production.dynamics.trust.fall_per_day", True),
    Driver("production.dynamics.trust.recovery_per_day", True),
    Driver("production.dynamics.visibility.errors", True),
)
DRIVERS: dict[str, tuple[Driver, ...]] = {
    # causes of lost value (the erosion ledger's), then stall reasons as "stall:<reason>"
    "not_adopted": (Driver("production.adoption.{adoption}", True), *_TRUST),
    "reverted": (Driver("production.dynamics.reversion.commitment_threshold", True), *_TRUST),
    "orphaned": (Driver("designs.{design}.side_channel.pickup_probability", True),),
    "wrong_action": (Driver("production.accuracy", False), Driver("production.dynamics.drift.per_year", True)),
    "caught": (Driver("production.accuracy", False), Driver("production.dynamics.drift.per_year", True)),
    "exception": (Driver("production.exception_rate", False),),
    "no_score": (Driver("production.data_quality", False),),
    "delay": (Driver("value.decay.days", False),),
    "stall:trust_collapse": _TRUST,
    "stall:reverted": (Driver("production.dynamics.reversion.commitment_threshold", True), *_TRUST),
    "stall:drift": (Driver("production.dynamics.drift.per_year", True),),
}
"""Which inputs govern each cause of lost value and each stall, in the model: not following an output is base
adoption (with or without an owner) times trust, and trust falls with the share of visible errors
(docs/background/model.md, "Trust"); the return to the old way follows adoption below the commitment threshold;
a side channel loses what nobody picks up; wrong actions and caught errors follow field accuracy and its drift."""

SOURCES = {
    "production.dynamics.trust.fall_per_day": (
        "assumption: half to twice the scenario's value; algorithm aversion (Dietvorst, Simmons & Massey 2015) "
        "gives the direction, not the size"
    ),
    "production.dynamics.trust.recovery_per_day": (
        "assumption: half to twice the scenario's value; trust is built more slowly than it is lost (Slovic 1993)"
    ),
    "production.dynamics.visibility.errors": "assumption: the scenario's value, sd 0.4 x its distance to 0 or 1",
    "production.dynamics.reversion.commitment_threshold": (
        "assumption: the scenario's value, sd 0.4 x its distance to 0 or 1 (Repenning 2002 gives the form)"
    ),
    "production.dynamics.drift.per_year": (
        "assumption: half to twice the scenario's value; 91% of models degrade, at rates that vary widely "
        "(Vela et al. 2022)"
    ),
    "production.adoption": (
        "assumption: the scenario's value, sd 0.4 x its distance to 0 or 1 (at most 0.1); deviation from "
        "algorithms runs 5.8% overall to ~30% on hard cases (Kellogg warehouse study)"
    ),
    "side_channel.pickup_probability": (
        "assumption: the scenario's value, sd 0.4 x its distance to 0 or 1 (at most 0.1); alerts are overridden "
        "49-96% of the time (van der Sijs et al. 2006)"
    ),
}
RATES = ("trust.fall_per_day", "trust.recovery_per_day", "drift.per_year")
"""Rates get a triangular belief from half to twice the value; the other behavioural inputs are shares (beta)."""


def _source(path: str) -> str:
    return next(said for key, said in SOURCES.items() if key in path)


def default_belief(path: str, value: float) -> dict[str, Any] | None:
    """A belief around ``value`` for a behavioural input (None where no belief fits: a share of exactly 0 or 1,
    a rate of 0 — the mechanism is off, and varying it would switch it on)."""
    if value <= 0 or value >= 1:
        return None
    if any(path.endswith(rate) for rate in RATES):
        high = min(2 * value, 0.999)
        return {"dist": "triangular", "low": value / 2, "mode": value, "high": high, "source": _source(path)}
    sd = min(0.1, 0.4 * min(value, 1 - value))
    return {"dist": "beta", "mean": value, "sd": sd, "source": _source(path)}


def _paths(key: str, design: str, scenario: Scenario) -> list[Driver]:
    chosen = scenario.designs[design]
    adoption = "with_owner" if chosen.process_owner else "without_owner"
    trust_on = scenario.production.dynamics.trust is not None
    found = []
    for driver in DRIVERS.get(key, ()):
        if not trust_on and ".trust." in driver.path:
            continue
        if "{design}" in driver.path and chosen.side_channel is None:
            continue
        found.append(Driver(driver.path.format(design=design, adoption=adoption), driver.behavioural))
    return found


def _value(raw: dict[str, Any], path: str) -> float | None:
    try:
        container, key = locate(raw, path, Scenario, create=False)
    except ScenarioError:
        return None
    value = container.get(key) if isinstance(container, dict) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def held_fixed(scenario: Scenario, runs: pd.DataFrame) -> dict[str, Any]:
    """What drives the designs' verdicts in these runs (``effects``: each design's largest cause of lost value,
    and its stalls from :data:`STALLS_COUNT` of its runs up) and the inputs that govern those mechanisms but that
    the beliefs hold fixed (``inputs``), each with a default belief where it is behavioural."""
    beliefs = scenario.beliefs.inputs if scenario.beliefs is not None else {}
    raw = scenario.model_dump(mode="json", by_alias=True)
    effects: dict[str, dict[str, float]] = {}
    drives: dict[str, list[str]] = {}
    behavioural: dict[str, bool] = {}
    causes = [c for c in CAUSES if f"erosion_{c}" in runs]
    for key_, rows in runs.groupby("design", sort=False):
        design = str(key_)
        if design == TODAY or design not in scenario.designs:
            continue
        means = rows[[f"erosion_{c}" for c in causes]].mean().to_numpy(float)
        found: dict[str, float] = {}
        if len(means) and means.max() > 0:
            found[causes[int(means.argmax())]] = 1.0
        reasons = rows["stall_reason"].dropna().astype(str) if "stall_reason" in rows else pd.Series(dtype=str)
        for reason, count in reasons.value_counts().items():
            if count / len(rows) >= STALLS_COUNT:
                found[f"stall:{reason}"] = count / len(rows)
        for key, share in found.items():
            governed = [d for d in _paths(key, design, scenario) if d.path not in beliefs]
            governed = [d for d in governed if _value(raw, d.path) is not None]
            if not governed:
                continue
            effects.setdefault(key, {})[design] = share
            for driver in governed:
                drives.setdefault(driver.path, [])
                drives[driver.path] += [key] if key not in drives[driver.path] else []
                behavioural[driver.path] = driver.behavioural
    inputs = []
    for path, keys in drives.items():
        value = _value(raw, path)
        assert value is not None
        belief = default_belief(path, value) if behavioural[path] else None
        inputs.append({"input": path, "label": field_words(path), "value": value, "drives": keys, "default": belief})
    return {"effects": [{"what": key, "designs": designs} for key, designs in effects.items()], "inputs": inputs}


def effect_words(key: str) -> str:
    """A driven effect in words: a cause of lost value, or "stalls: <reason>"."""
    if key.startswith("stall:"):
        reason = key.removeprefix("stall:")
        return f"stalls ({REASONS.get(reason, reason)})"
    return CAUSES[key].text


def with_behaviour_beliefs(scenario: Scenario) -> Scenario:
    """The scenario with a default belief for every behavioural input it holds fixed whose mechanism is on
    (``decide --vary-behaviour``); its own beliefs win where it has one. Refused without a ``beliefs`` block."""
    if scenario.beliefs is None:
        raise ScenarioError(
            "--vary-behaviour: the scenario has no 'beliefs' block to add to; add one (metric, threshold and at "
            "least one input)"
        )
    raw = scenario.model_dump(mode="json", by_alias=True)
    added: dict[str, Any] = {}
    for key in DRIVERS:
        for design in scenario.designs:
            for driver in _paths(key, design, scenario):
                value = _value(raw, driver.path)
                if not driver.behavioural or driver.path in scenario.beliefs.inputs or value is None:
                    continue
                belief = default_belief(driver.path, value)
                if belief is not None:
                    added[driver.path] = {**belief, "label": f"{field_words(driver.path)} (default belief)"}
    if not added:
        return scenario
    inputs = {**scenario.beliefs.model_dump(mode="json", by_alias=True)["inputs"], **added}
    beliefs = Beliefs.model_validate({**scenario.beliefs.model_dump(mode="json", by_alias=True), "inputs": inputs})
    return scenario.model_copy(update={"beliefs": beliefs})
