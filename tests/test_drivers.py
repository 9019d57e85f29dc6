"""Issue 40 row 4: a decision names the inputs that drive its largest losses and stalls but that its beliefs hold
fixed, and offers default beliefs (assumptions) for the behavioural ones, which --vary-behaviour draws."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.experiment.drivers import default_belief, held_fixed, with_behaviour_beliefs
from scalesim.scenario.load import load_scenario

from conftest import SCENARIOS

CLAIMS = SCENARIOS / "claims-triage.yaml"


def _runs(design: str, erosion: dict[str, float], stalls: list[str | None]) -> pd.DataFrame:
    rows = [
        {"design": design, "stall_reason": reason, **{f"erosion_{c}": v for c, v in erosion.items()}}
        for reason in stalls
    ]
    return pd.DataFrame(rows)


def test_a_trust_stall_names_the_trust_inputs_the_beliefs_hold_fixed() -> None:
    scenario = load_scenario(CLAIMS)  # believes trust.fall_per_day, holds recovery_per_day and visibility fixed
    runs = _runs("redesigned", {"not_adopted": 9.0, "exception": 2.0}, ["trust_collapse"] * 3 + [None])
    held = held_fixed(scenario, runs)
    inputs = {h["input"]: h for h in held["inputs"]}
    assert "production.dynamics.trust.fall_per_day" not in inputs  # varied by the beliefs already
    assert "production.adoption.with_owner" not in inputs
    recovery = inputs["production.dynamics.trust.recovery_per_day"]
    assert recovery["value"] == 0.01 and recovery["drives"] == ["not_adopted", "stall:trust_collapse"]
    assert recovery["default"]["dist"] == "triangular" and recovery["default"]["source"].startswith("assumption")
    assert (recovery["default"]["low"], recovery["default"]["high"]) == (0.005, 0.02)
    assert {"what": "stall:trust_collapse", "designs": {"redesigned": 0.75}} in held["effects"]


def test_no_mechanism_no_driver() -> None:
    """Null effect: with no trust block, a stall or a loss names no trust input; a stall seen in fewer than 10 %
    of runs, and a design whose runs lose nothing, name nothing."""
    scenario = load_scenario(CLAIMS)
    calm = scenario.model_copy(
        update={
            "production": scenario.production.model_copy(
                update={"dynamics": scenario.production.dynamics.model_copy(update={"trust": None})}
            )
        }
    )
    runs = _runs("redesigned", {"not_adopted": 9.0}, ["trust_collapse"] + [None] * 19)
    assert not any("trust" in h["input"] for h in held_fixed(calm, runs)["inputs"])
    assert held_fixed(scenario, _runs("redesigned", {"not_adopted": 0.0}, [None] * 10)) == {"effects": [], "inputs": []}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "production.dynamics.trust.fall_per_day",
            0.03,
            {"dist": "triangular", "low": 0.015, "mode": 0.03, "high": 0.06},
        ),
        ("production.adoption.without_owner", 0.45, {"dist": "beta", "mean": 0.45, "sd": 0.1}),
        ("production.dynamics.visibility.errors", 0.9, {"dist": "beta", "mean": 0.9, "sd": pytest.approx(0.04)}),
        ("production.dynamics.drift.per_year", 0.0, None),  # drift off: varying it would switch it on
    ],
)
def test_default_beliefs_sit_around_the_scenarios_value(path: str, value: float, expected: dict | None) -> None:
    belief = default_belief(path, value)
    if expected is None:
        assert belief is None
    else:
        assert {k: belief[k] for k in expected} == expected  # type: ignore[index]


def test_vary_behaviour_adds_default_beliefs_marked_as_such_and_keeps_the_scenarios_own() -> None:
    scenario = load_scenario(CLAIMS)
    varied = with_behaviour_beliefs(scenario)
    inputs = varied.beliefs.inputs  # type: ignore[union-attr]
    assert (
        inputs["production.dynamics.trust.fall_per_day"]
        == scenario.beliefs.inputs[  # type: ignore[union-attr]
            "production.dynamics.trust.fall_per_day"
        ]
    )
    added = set(inputs) - set(scenario.beliefs.inputs)  # type: ignore[union-attr]
    assert {
        "production.dynamics.trust.recovery_per_day",
        "production.dynamics.visibility.errors",
        "designs.bolt_on.side_channel.pickup_probability",
    } <= added
    assert all(
        inputs[name].label.endswith("(default belief)") and inputs[name].source.startswith("assumption")
        for name in added
    )
    bare = scenario.model_copy(update={"beliefs": None})
    with pytest.raises(ScenarioError, match="--vary-behaviour: the scenario has no 'beliefs' block"):
        with_behaviour_beliefs(bare)


@pytest.mark.slow
def test_decide_names_what_it_holds_fixed_and_varies_it_when_asked(tmp_path: Path, capsys) -> None:
    options = ["--samples", "16", "--days", "60", "-j", "1", "--quiet", "--out", str(tmp_path)]
    assert main(["decide", str(CLAIMS), *options]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "held fixed, though they govern it:" in out and "--vary-behaviour" in out
    assert main(["decide", str(CLAIMS), *options, "--vary-behaviour", "--format", "json"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert "production.dynamics.trust.recovery_per_day" in data["inputs"]
    assert not any(h["input"] == "production.dynamics.trust.recovery_per_day" for h in data["held_fixed"]["inputs"])
