"""Sensitivity analysis: every method finds the one parameter that matters and leaves the inert ones near zero."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scalesim
from scalesim.api import sensitivity
from scalesim.cli import main
from scalesim.experiment.sensitivity import model_runs, problem, to_value

from conftest import SCENARIOS, tiny

ACTIVE = "production.accuracy"
PARAMETERS = (
    "sensitivity={design: plain, key: retention, parameters: {"
    "production.teams.triage.cost_per_staff_year: {low: 0, high: 1000}, "
    f"{ACTIVE}: {{low: 0.5, high: 0.95}}, "
    "designs.plain.costs.one_off: {low: 0, high: 5}, "
    "production.teams.triage.staff: {values: [1, 2, 3]}}}"
)


@pytest.fixture(scope="module")
def synthetic():
    """Only production.accuracy can change retention here: the triage team is unused, costs do not touch it."""
    return tiny("workload.arrival_rate=30", "run.horizon_days=30", PARAMETERS)


@pytest.mark.parametrize(
    ("method", "samples", "index", "conf"),
    [
        ("oat", 1, "swing", None),
        pytest.param("morris", 8, "mu_star", "mu_star_conf", marks=pytest.mark.slow),
        pytest.param("sobol", 16, "ST", "ST_conf", marks=pytest.mark.slow),
    ],
)
def test_every_method_ranks_the_only_active_parameter_first(synthetic, tmp_path, method, samples, index, conf):
    result = sensitivity(synthetic, method, samples=samples, out=tmp_path, jobs=1)
    table = result.table
    assert table["parameter"].iloc[0] == ACTIVE
    assert table[index].iloc[0] > 0.1
    inert = table[table["parameter"] != ACTIVE]
    assert np.allclose(inert[index], 0.0, atol=1e-9)
    if conf is not None:
        assert (table[conf] >= 0).all()
    assert result.runs == model_runs(method, synthetic.sensitivity, samples) == len(result.experiment.runs)


def test_discrete_levers_are_sampled_as_an_index():
    spec = tiny(PARAMETERS).sensitivity
    prob = problem(spec)
    assert prob["bounds"][3] == [0.0, 3.0]
    lever = spec.parameters["production.teams.triage.staff"]
    assert [to_value(lever, x) for x in (0.0, 0.99, 1.0, 2.5, 3.0)] == [1, 1, 2, 3, 3]


@pytest.mark.slow
def test_sobol_on_a_bundled_scenario_has_confidence_intervals_and_announces_its_runs(tmp_path, capsys):
    code = main(
        [
            "sensitivity",
            str(SCENARIOS / "claims-triage.yaml"),
            "--method",
            "sobol",
            "--samples",
            "4",
            "--days",
            "14",
            "-j",
            "2",
            "--format",
            "json",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert code == 0
    assert "sensitivity --samples 4: sobol of 7 parameters, 36 points x 1 replication(s): expect ~" in captured.err
    assert data["model_runs"] == 36 and len(data["table"]) == 7
    assert all({"S1", "S1_conf", "ST", "ST_conf"} <= set(row) for row in data["table"])
    assert all(row["ST_conf"] >= 0 for row in data["table"])
    (folder,) = (tmp_path / "claims-triage").iterdir()
    assert (folder / "sensitivity-sobol.png").stat().st_size > 10_000


def test_sensitivity_needs_a_block_and_a_known_key(tmp_path, capsys):
    with pytest.raises(scalesim.ScenarioError, match="has no 'sensitivity' block"):
        sensitivity(tiny(), out=tmp_path)
    with pytest.raises(scalesim.ScenarioError, match=r"sensitivity\.key 'nonsense'"):
        sensitivity(tiny(PARAMETERS, "sensitivity.key=nonsense"), out=tmp_path)
    with pytest.raises(scalesim.ScenarioError, match="low < high"):
        tiny("sensitivity={design: plain, parameters: {production.accuracy: {low: 0.9, high: 0.5}}}")
    with pytest.raises(scalesim.ScenarioError, match=r"sensitivity\.design: unknown design 'nope'"):
        tiny("sensitivity={design: nope, parameters: {production.accuracy: {low: 0.5, high: 0.9}}}")
