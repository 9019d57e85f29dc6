"""Which of a scenario's numbers a pilot measured, and which are still assumptions.

After ``scalesim update`` a measured field holds the posterior's mean and its belief the posterior, so every
command reads what the pilot showed. A reader still has to know which numbers those are: a decision resting on
four measured inputs and three assumptions is not one resting on seven assumptions. This module says it for each
input the beliefs name, and flags the two ways the file and its evidence can part: a measured field set to
another value for this run (``--set``), or edited by hand after the update.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from scalesim.scenario.beliefs import Evidence
from scalesim.scenario.paths import locate
from scalesim.scenario.schema import Scenario

Kind = Literal["measured", "set", "edited", "assumption"]
AGREES = 1e-5
"""A field agrees with its posterior's mean within this relative difference: ``update`` writes six significant
figures."""


@dataclass(frozen=True)
class Origin:
    """Where the value one input takes in this run comes from."""

    input: str
    label: str
    value: float
    kind: Kind
    evidence: tuple[Evidence, ...] = ()
    measured_mean: float | None = None  # the posterior's mean, for a measured input

    @property
    def cases(self) -> int:
        return sum(record.cases for record in self.evidence)

    @property
    def pilots(self) -> str:
        return ", ".join(dict.fromkeys(record.file for record in self.evidence))


def origins(scenario: Scenario, overrides: Iterable[str] = ()) -> list[Origin]:
    """Each input of the scenario's beliefs with the value this run uses and where it comes from (none without
    beliefs). ``overrides`` are the run's ``--set`` items."""
    if scenario.beliefs is None:
        return []
    raw = scenario.model_dump(mode="json", by_alias=True)
    set_now = {item.split("=", 1)[0].strip() for item in overrides}
    found = []
    for name, belief in scenario.beliefs.inputs.items():
        container, key = locate(raw, name, Scenario, create=False)
        value = float(container[key])
        records = tuple(record for record in scenario.beliefs.evidence if record.input == name)
        label = belief.label or name
        if not records:
            found.append(Origin(name, label, value, "set" if name in set_now else "assumption"))
            continue
        mean = records[-1].posterior.mean
        if name in set_now:
            kind: Kind = "set"
        elif math.isclose(value, mean, rel_tol=AGREES) or (isinstance(container[key], int) and round(mean) == value):
            kind = "measured"
        else:
            kind = "edited"
        found.append(Origin(name, label, value, kind, records, mean))
    return found


def has_evidence(found: list[Origin]) -> bool:
    """Whether any input was measured: only then is the split worth a line of its own."""
    return any(origin.evidence for origin in found)
