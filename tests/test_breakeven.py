"""Break-even against closed forms: a cost the NPV falls by one for one, and a value per case the NPV is linear
in; the interval from the replications' spread; what cannot have a break-even is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scalesim
from scalesim.cli import main
from scalesim.experiment.breakeven import TOLERANCE
from scalesim.experiment.stats import half_width
from scalesim.experiment.tasks import replication_seed
from scalesim.ops.run import simulate
from scalesim.scenario.load import apply_override, validate

from conftest import tiny

NOISY = (
    "value.uplift={dist: lognormal, mean: 10, cv: 1}",
    "production.adoption={with_owner: 0.8, without_owner: 0.8}",
    "designs.plain.costs={one_off: 0, recurring_per_year: 2000, build_days: 0}",
)


def npv_per_replication(scenario, replications: int = 5) -> np.ndarray:
    seed = scenario.run.seed
    return np.array(
        [
            simulate(scenario, ["plain"], replication_seed(seed, r)).design_summary("plain")["money"]["npv"]
            for r in range(replications)
        ]
    )


def with_(scenario, *items: str):
    raw = scenario.model_dump(mode="json", by_alias=True)
    for item in items:
        apply_override(raw, item)
    return validate(raw, source="test")


def test_a_cost_paid_at_go_live_breaks_even_at_the_npv_without_it(tmp_path):
    """Paid on day 0 (no build days), a one-off cost lowers every replication's NPV by exactly itself: the
    break-even cost is the mean NPV without it, and the interval that mean's 95% interval."""
    scenario = tiny(*NOISY)
    npv = npv_per_replication(scenario)
    result = scalesim.breakeven(
        scenario, "plain", "designs.plain.costs.one_off", span=(0.0, 4 * npv.mean()), out=tmp_path, jobs=1
    )
    data = result.to_dict()
    width = 4 * npv.mean()
    assert data["status"] == "found" and not data["increasing"]
    assert data["break_even"] == pytest.approx(npv.mean(), abs=2 * TOLERANCE * width)
    low, high = data["interval"]
    assert low == pytest.approx(npv.mean() - half_width(npv), abs=2 * TOLERANCE * width)
    assert high == pytest.approx(npv.mean() + half_width(npv), abs=2 * TOLERANCE * width)
    assert "at most" in data["headline"]


def test_a_value_per_case_breaks_even_where_the_line_through_two_runs_crosses_zero(tmp_path):
    """With a fixed value per case and no value-dependent routing, every case's value scales with it, so the NPV
    is a straight line in it, offset by the costs: its root from two direct runs is the break-even."""
    base = tiny(
        "production.adoption={with_owner: 0.8, without_owner: 0.8}", "designs.plain.costs={recurring_per_year: 30000}"
    )
    at = {v: npv_per_replication(with_(base, f"value.uplift={v}")).mean() for v in (5.0, 20.0)}
    slope = (at[20.0] - at[5.0]) / 15.0
    expected = 5.0 - at[5.0] / slope
    result = scalesim.breakeven(base, "plain", "value.uplift.value", span=(1.0, 40.0), out=tmp_path, jobs=1)
    result = result.to_dict()
    assert result["increasing"] and result["status"] == "found"
    assert result["break_even"] == pytest.approx(expected, abs=2 * TOLERANCE * 39.0)


def test_no_crossing_in_the_range_says_so_and_gives_no_value(tmp_path):
    result = scalesim.breakeven(
        tiny(*NOISY), "plain", "designs.plain.costs.one_off", span=(0.0, 10.0), out=tmp_path, jobs=1
    ).to_dict()
    assert result["status"] == "pays_everywhere" and result["break_even"] is None
    assert result["interval"] == [None, None]
    assert "no break-even there" in result["headline"]


def test_the_same_question_resumes_its_folder(tmp_path):
    first = scalesim.breakeven(tiny(*NOISY), "plain", "value.uplift.mean", span=(1.0, 30.0), out=tmp_path, jobs=1)
    again = scalesim.breakeven(tiny(*NOISY), "plain", "value.uplift.mean", span=(1.0, 30.0), out=tmp_path, jobs=1)
    assert again.experiment.folder == first.experiment.folder and again.experiment.ran == 0
    assert again.to_dict() == first.to_dict()
    assert scalesim.verify(first.experiment.folder) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "production.teams.desk.staff"], "a whole-number field has no break-even point"),
        (["--input", "value.uplift"], "is a distribution, not one number; give a number inside it (value.uplift.mean)"),
        (["--input", "production.acuracy"], "no field 'acuracy' in production (did you mean 'accuracy'?)"),
        (["--input", "production.accuracy", "--range", "0.5,1.5"], "production.accuracy=1.5 is not a value the"),
        (["--input", "production.accuracy", "--range", "0.9,0.5"], "LOW below HIGH"),
        (["--input", "production.accuracy", "--against", "plain"], "--against plain: the design itself"),
        (["--input", "production.accuracy", "--against", "nope"], "nope"),
        (["--input", "production.accuracy", "--replications", "1"], "need at least 2"),
    ],
)
def test_what_cannot_have_a_break_even_is_refused(args, message, tmp_path, capsys):
    scenario = tmp_path / "noisy.yaml"
    import yaml

    scenario.write_text(yaml.safe_dump(tiny(*NOISY).model_dump(mode="json", by_alias=True)))
    try:
        code = main(["breakeven", str(scenario), "--design", "plain", *args, "--out", str(tmp_path / "out")])
    except SystemExit as exit:  # an option argparse refuses exits from the parser, with its usage line
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2 and message in err.strip().splitlines()[-1], (
        err
    )  # the last line says it (argparse: its usage above)
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("manifest.json"))


def test_the_cli_writes_the_answer_and_its_report(tmp_path, capsys):
    scenario = tmp_path / "noisy.yaml"
    import yaml

    scenario.write_text(yaml.safe_dump(tiny(*NOISY).model_dump(mode="json", by_alias=True)))
    line = ["breakeven", str(scenario), "--design", "plain", "--input", "value.uplift.mean", "--range", "1,30"]
    assert main([*line, "--out", str(tmp_path / "out"), "--report", "--format", "json", "-j", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    (folder,) = (tmp_path / "out" / "tiny").iterdir()
    assert json.loads((folder / "breakeven.json").read_text())["break_even"] == data["break_even"]
    assert {"report.html", "breakeven.png", "evaluations.csv"} <= {p.name for p in folder.iterdir()}
