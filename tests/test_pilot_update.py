"""A pilot's results taken back in (``scalesim update``): exact conjugate updates, the file kept, bad data refused,
and a decision that moves towards the truth."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from scalesim import api
from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.evidence.pilot import update_scenario
from scalesim.experiment.decide import draw_worlds
from scalesim.scenario.beliefs import BetaBelief
from scalesim.scenario.load import load_scenario
from scalesim.scenario.provenance import origins

from conftest import SCENARIOS

CLAIMS = SCENARIOS / "claims-triage.yaml"


def _pilot(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _cases(n: int, **columns: list[object]) -> list[dict[str, object]]:
    return [{"case": f"C{i}", **{name: values[i] for name, values in columns.items()}} for i in range(n)]


def test_a_share_is_updated_by_the_exact_beta_binomial_posterior(tmp_path: Path) -> None:
    followed = [1] * 286 + [0] * 114
    result = update_scenario(CLAIMS, _pilot(tmp_path / "p.csv", _cases(400, followed=followed)))
    prior = load_scenario(CLAIMS).beliefs.inputs["production.adoption.with_owner"]  # type: ignore[union-attr]
    a, b = prior.shapes  # type: ignore[union-attr]
    a, b = a + 286, b + 114
    belief = result.updated.beliefs.inputs["production.adoption.with_owner"]  # type: ignore[union-attr]
    assert belief.dist == "beta"
    assert belief.mean_ == pytest.approx(a / (a + b), rel=1e-5)  # type: ignore[union-attr]
    assert belief.sd == pytest.approx(math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))), rel=1e-5)  # type: ignore[union-attr]
    (record,) = result.evidence
    assert (record.cases, record.observed, record.column) == (400, 286 / 400, "followed")
    assert record.method.startswith("beta-binomial")


def test_a_mean_with_a_normal_prior_is_updated_exactly(tmp_path: Path) -> None:
    text = CLAIMS.read_text().replace(
        "{dist: lognormal, mean: 60, sd: 15, label: the value of a correct triage",
        "{dist: normal, mean: 60, sd: 10, label: the value of a correct triage",
    )
    scenario = tmp_path / "normal.yaml"
    scenario.write_text(text)
    values = list(np.linspace(20, 60, 150))  # mean 40
    result = update_scenario(scenario, _pilot(tmp_path / "p.csv", _cases(150, value=values)))
    precision = 1 / 10**2 + 150 / 60**2
    belief = result.updated.beliefs.inputs["value.uplift.mean"]  # type: ignore[union-attr]
    assert belief.mean_ == pytest.approx((60 / 10**2 + 150 * 40 / 60**2) / precision, rel=1e-5)  # type: ignore[union-attr]
    assert belief.sd == pytest.approx(math.sqrt(1 / precision), rel=1e-5)  # type: ignore[union-attr]


def test_a_lognormal_prior_is_reweighted_and_moves_towards_the_data(tmp_path: Path) -> None:
    values = list(np.linspace(20, 60, 150))
    result = update_scenario(CLAIMS, _pilot(tmp_path / "p.csv", _cases(150, value=values)))
    belief = result.updated.beliefs.inputs["value.uplift.mean"]  # type: ignore[union-attr]
    assert belief.dist == "lognormal"
    assert 40 < belief.mean_ < 60 and belief.sd < 15  # type: ignore[union-attr]


def test_the_new_file_keeps_every_comment_and_every_other_value(tmp_path: Path) -> None:
    pilot = _pilot(tmp_path / "p.csv", _cases(50, followed=[1, 1, 1, 1, 0] * 10, right=[1] * 40 + [""] * 10))
    result = update_scenario(CLAIMS, pilot)
    original = CLAIMS.read_text()
    comments = [line.split("#", 1)[1].strip() for line in original.splitlines() if line.lstrip().startswith("#")]
    assert all(comment in result.text for comment in comments)
    before, after = yaml.safe_load(original), yaml.safe_load(result.text)
    changed = {"production.adoption.with_owner", "production.accuracy"}
    for name, belief in before["beliefs"]["inputs"].items():
        if name not in changed:
            assert after["beliefs"]["inputs"][name] == belief
    posterior = {e["input"]: e["posterior"]["mean"] for e in after["beliefs"]["evidence"]}
    before["production"]["adoption"]["with_owner"] = posterior["production.adoption.with_owner"]
    before["production"]["accuracy"] = posterior["production.accuracy"]  # the measured fields: posterior means
    assert {k: v for k, v in after.items() if k != "beliefs"} == {k: v for k, v in before.items() if k != "beliefs"}
    assert [e["input"] for e in after["beliefs"]["evidence"]] == [
        "production.adoption.with_owner",
        "production.accuracy",
    ]
    assert after["beliefs"]["evidence"][1]["cases"] == 40  # the empty cells were not measured


def test_a_second_update_adds_its_evidence_to_the_first(tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text(update_scenario(CLAIMS, _pilot(tmp_path / "a.csv", _cases(20, followed=[1] * 20))).text)
    second = update_scenario(first, _pilot(tmp_path / "b.csv", _cases(20, exception=[0] * 18 + [1, 1])))
    evidence = second.updated.beliefs.evidence  # type: ignore[union-attr]
    assert [(e.file, e.input) for e in evidence] == [
        ("a.csv", "production.adoption.with_owner"),
        ("b.csv", "production.exception_rate"),
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (_cases(20, folowed=[1] * 20), "column 'folowed' is not one the scenario measures"),
        (_cases(20, followed=[1] * 19 + [2]), "row 21: column 'followed' is '2'"),
        (_cases(20, value=[1.0] * 19 + ["lots"]), "row 21: column 'value' is 'lots'"),
        (_cases(20, value=[1.0] * 19 + ["inf"]), "a mean's column holds one finite number"),
        (_cases(5, followed=[1] * 5), "5 case(s) measured; at least 10"),
        ([{"claim number": "x", "followed": 1}] * 12, "no case column"),
        ([{"case": "C1", "followed": 1}] * 12, "row 3: case 'C1' twice"),
    ],
)
def test_bad_pilot_data_is_refused_naming_what_is_wrong(tmp_path: Path, rows, expected) -> None:
    with pytest.raises(ScenarioError, match=None) as refused:
        update_scenario(CLAIMS, _pilot(tmp_path / "p.csv", rows))
    assert expected in str(refused.value)


def test_the_command_refuses_in_one_line_and_writes_nothing(tmp_path: Path, capsys) -> None:
    target = tmp_path / "new.yaml"
    pilot = _pilot(tmp_path / "p.csv", _cases(20, followed=["maybe"] * 20))
    assert main(["update", str(CLAIMS), str(pilot), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'maybe'" in err and "Traceback" not in err
    assert not target.exists()
    assert main(["update", str(CLAIMS), str(tmp_path / "missing.csv"), "--out", str(target)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["update", str(SCENARIOS / "invoice-exceptions.yaml"), str(pilot), "--out", str(target)]) == 2
    assert not target.exists()


def test_the_command_writes_a_scenario_that_validates(tmp_path: Path, capsys) -> None:
    target = tmp_path / "new.yaml"
    pilot = _pilot(tmp_path / "p.csv", _cases(30, followed=[1, 1, 0] * 10))
    assert main(["update", str(CLAIMS), str(pilot), "--out", str(target)]) == 0
    out = capsys.readouterr().out
    assert "adoption with an owner: 66.7% on 30 cases" in out and f"scalesim decide {target}" in out
    assert main(["validate", str(target)]) == 0
    assert main(["update", str(CLAIMS), str(pilot), "--out", str(target)]) == 2  # it exists: --force replaces it


@pytest.mark.slow
def test_a_pilot_that_shows_the_truth_moves_the_decision_towards_it(tmp_path: Path, capsys) -> None:
    """In truth a correct triage is worth 35 EUR, not the 60 believed (near the redesign's break-even): after a
    pilot of 300 observed values every design is worth less and today's process is at least as often best, both
    reweighted and simulated."""
    options = ["--samples", "16", "--days", "120", "--format", "json", "--quiet", "-j", "2"]
    before_out = tmp_path / "before"
    assert main(["decide", str(CLAIMS), "--out", str(before_out), *options]) == 0
    before = yaml.safe_load(capsys.readouterr().out)
    rng = np.random.default_rng(1)
    values = list(np.round(rng.normal(35, 60, 300), 2))
    pilot = _pilot(tmp_path / "p.csv", _cases(300, value=values))
    target = tmp_path / "new.yaml"
    folder = next(before_out.glob("claims-triage/decide-*"))
    assert main(["update", str(CLAIMS), str(pilot), "--out", str(target), "--decision", str(folder)]) == 0
    moved = capsys.readouterr().out
    effective = float(moved.split("effective worlds: ")[1].split(")")[0])
    # a reweighting onto fewer than 20 effective worlds says so instead of showing shares (issue 40, row 6)
    shown = "probability best, after the pilot" if effective >= 20 else "too few to say how the choice moves"
    assert shown in moved
    assert main(["decide", str(target), "--out", str(tmp_path / "after"), *options]) == 0
    after = yaml.safe_load(capsys.readouterr().out)
    assert after["designs"]["today"]["probability_best"] >= before["designs"]["today"]["probability_best"]
    for design in ("bolt_on", "redesigned"):
        assert after["designs"][design]["net_value"]["mean"] < before["designs"][design]["net_value"]["mean"]


def test_the_same_pilot_file_twice_is_refused_naming_the_earlier_evidence(tmp_path: Path, capsys) -> None:
    """Before: a second `update` with the same file narrowed the beliefs again and recorded a second entry with the
    same SHA-256 (issue 40, row 2). Now exit 2, one line naming the earlier entry, nothing written."""
    pilot = _pilot(tmp_path / "a.csv", _cases(20, followed=[1] * 20))
    after = tmp_path / "after.yaml"
    assert main(["update", str(CLAIMS), str(pilot), "--out", str(after)]) == 0
    capsys.readouterr()
    twice = tmp_path / "twice.yaml"
    assert main(["update", str(after), str(pilot), "--out", str(twice)]) == 2
    err = capsys.readouterr().err
    assert "already evidence" in err and "a.csv, 20 cases of 'followed'" in err and len(err.strip().splitlines()) == 1
    assert not twice.exists()


def _bad_pilot(tmp_path: Path) -> Path:
    """400 claims in which the adjusters followed 65.5 %, 68.5 % of 200 audited were right (bad news)."""
    followed = [1] * 262 + [0] * 138
    right = [1] * 137 + [0] * 63 + [""] * 200
    values = list(np.linspace(10, 74, 150)) + [""] * 250  # mean 42
    return _pilot(tmp_path / "bad.csv", _cases(400, followed=followed, right=right, value=values))


def _measured_as_set(result: object) -> list[str]:
    """The ``--set`` items that give the original file the values the update wrote (the evidence as written)."""
    return [f"{e.input}={e.posterior.mean!r}" for e in result.updated.beliefs.evidence]  # type: ignore[attr-defined]


def test_every_measured_field_takes_its_posterior_mean_and_says_so(tmp_path: Path) -> None:
    result = update_scenario(CLAIMS, _bad_pilot(tmp_path))
    after = tmp_path / "after.yaml"
    after.write_text(result.text)
    updated = api.resolve(after)
    again = api.resolve(CLAIMS, overrides=_measured_as_set(result))
    same = {"exclude": {"beliefs"}, "mode": "json"}
    assert updated.model_dump(**same) == again.model_dump(**same)  # type: ignore[arg-type]
    assert updated.production.adoption.with_owner == pytest.approx(0.6704, abs=1e-4)
    lines = result.text.splitlines()
    line = next(x for x in lines if x.strip().startswith("with_owner:") and "posterior" in x)
    assert "posterior mean after pilot bad.csv (400 cases); was workers deviate" in line  # the prior's source kept
    found = origins(updated)
    assert {o.input: o.kind for o in found} == {
        "production.accuracy": "measured",
        "production.adoption.with_owner": "measured",
        "production.adoption.without_owner": "assumption",
        "production.exception_rate": "assumption",
        "value.uplift.mean": "measured",
        "production.dynamics.trust.fall_per_day": "assumption",
        "designs.redesigned.costs.one_off": "assumption",
    }
    moved = {o.input: o.kind for o in origins(updated, ["production.accuracy=0.8"])}
    assert moved["production.accuracy"] == "set"
    edited = tmp_path / "edited.yaml"
    edited.write_text(
        result.text.replace("accuracy: 0.685", "accuracy: 0.80", 1).replace(
            f"accuracy: {result.updated.production.accuracy!r}", "accuracy: 0.80", 1
        )
    )
    assert {o.input: o.kind for o in origins(api.resolve(edited))}["production.accuracy"] == "edited"


def test_a_second_pilot_replaces_the_first_pilots_note_not_the_original_source(tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text(update_scenario(CLAIMS, _pilot(tmp_path / "a.csv", _cases(20, followed=[1] * 20))).text)
    rows = [{"case": f"B{i}", "followed": int(i < 15)} for i in range(30)]  # other cases than a.csv's
    second = update_scenario(first, _pilot(tmp_path / "b.csv", rows)).text
    line = next(x for x in second.splitlines() if x.strip().startswith("with_owner:") and "posterior" in x)
    assert "after pilot b.csv (30 cases); was workers deviate" in line and "a.csv" not in line


def test_a_cross_field_rule_is_not_tried_on_one_beliefs_tail_against_a_point(tmp_path: Path) -> None:
    """Bad news on adoption with an owner (0.670) leaves adoption without one believed at 0.45 +- 0.08: its tail
    crosses 0.670, which is no reason to refuse the file; the worlds that cross are drawn again."""
    result = update_scenario(CLAIMS, _bad_pilot(tmp_path))
    assert result.updated.production.adoption.with_owner < 0.8  # the tail 0.80 of without_owner is above it
    scenario = result.updated.model_copy(
        update={
            "beliefs": result.updated.beliefs.model_copy(
                update={
                    "inputs": {
                        **result.updated.beliefs.inputs,
                        "production.adoption.without_owner": BetaBelief(  # type: ignore[union-attr]
                            mean=0.62, sd=0.08
                        ),
                    }
                }
            )
        }
    )
    worlds = draw_worlds(scenario, 64, 7)
    assert worlds.refused > 0 and "without_owner" in worlds.rule
    assert all(w["production.adoption.without_owner"] <= w["production.adoption.with_owner"] for w in worlds.values)
    assert len(worlds.values) == 64 and worlds.u.shape == (64, len(worlds.names))
    again = draw_worlds(scenario, 64, 7)
    assert again.values == worlds.values  # the replacement draws are the sequence's next points: deterministic


def test_worlds_the_rules_refuse_mostly_are_a_contradiction_refused(tmp_path: Path) -> None:
    scenario = load_scenario(CLAIMS)
    beliefs = scenario.beliefs.model_copy(
        update={
            "inputs": {  # type: ignore[union-attr]
                **scenario.beliefs.inputs,
                "production.adoption.without_owner": BetaBelief(mean=0.9, sd=0.03),
            }
        }
    )  # type: ignore[union-attr]
    with pytest.raises(ScenarioError, match="contradict the scenario's rules"):
        draw_worlds(scenario.model_copy(update={"beliefs": beliefs}), 32, 7)


def test_no_refused_world_leaves_the_draws_as_before() -> None:
    """The bundled beliefs never cross a rule: the worlds are the Sobol' sequence's first n, as in 0.7."""
    worlds = draw_worlds(load_scenario(CLAIMS), 64, 20261126)
    assert worlds.refused == 0 and len(worlds.values) == 64


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["run", "--no-ledger"],
        ["compare", "--replications", "2"],
        ["breakeven", "--design", "redesigned", "--input", "production.accuracy", "--replications", "2"],
    ],
)
def test_every_command_on_the_updated_file_gives_the_posterior_means_numbers(
    tmp_path: Path, capsys, command: list[str]
) -> None:
    """Issue 40 row 1. Before: `run`, `compare`, `breakeven` on an updated file kept the prior's point values."""
    result = update_scenario(CLAIMS, _bad_pilot(tmp_path))
    after = tmp_path / "after.yaml"
    after.write_text(result.text)
    common = ["--days", "30", "--format", "json", "--quiet", "-j", "1"]

    def figures(*args: str) -> dict[str, object]:
        assert main([*command[:1], *args, *command[1:], *common]) == 0
        data = yaml.safe_load(capsys.readouterr().out)
        return {k: v for k, v in data.items() if k not in ("folder", "command", "created_utc")}

    updated = figures(str(after), "--out", str(tmp_path / "a"))
    sets = [x for item in _measured_as_set(result) for x in ("--set", item)]
    assert updated == figures(str(CLAIMS), *sets, "--out", str(tmp_path / "b"))
    assert updated != figures(str(CLAIMS), "--out", str(tmp_path / "c"))  # the prior's values give other numbers


def test_the_output_says_which_numbers_a_pilot_measured_and_flags_one_set_apart(tmp_path: Path, capsys) -> None:
    after = tmp_path / "after.yaml"
    after.write_text(update_scenario(CLAIMS, _bad_pilot(tmp_path)).text)
    options = ["--days", "7", "--no-ledger", "--out", str(tmp_path / "out"), "--design", "bolt_on"]
    assert main(["run", str(after), *options, "--set", "production.accuracy=0.8"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "measured by pilot bad.csv (posterior means): adoption with an owner 0.6704 (400 cases)" in out
    assert "set for this run: field accuracy 0.8 (pilot bad.csv's posterior mean is 0.7125)" in out
    assert "still assumptions: adoption without an owner 0.45" in out
    assert main(["run", str(CLAIMS), *options]) == 0
    assert "measured by pilot" not in capsys.readouterr().out  # no evidence, no line


def test_a_pilot_file_with_cases_already_measured_is_refused_naming_one(tmp_path: Path, capsys) -> None:
    """Issue 40 row 2: a different file (another SHA-256) whose cases overlap an earlier pilot's, for the same
    input, would count those cases twice. Other cases, or the same cases measured for another input, are fine."""
    first = _pilot(tmp_path / "a.csv", _cases(20, followed=[1] * 20))
    after = tmp_path / "after.yaml"
    assert main(["update", str(CLAIMS), str(first), "--out", str(after)]) == 0
    overlapping = [{"case": f"C{i}", "followed": 0} for i in range(15, 35)]  # C15..C19 were measured before
    second = _pilot(tmp_path / "b.csv", overlapping)
    capsys.readouterr()
    twice = tmp_path / "twice.yaml"
    assert main(["update", str(after), str(second), "--out", str(twice)]) == 2
    err = capsys.readouterr().err
    assert "5 of its cases measured for 'followed' were already measured in a.csv" in err and "'C15'" in err
    assert not twice.exists()
    fresh = _pilot(tmp_path / "c.csv", [{"case": f"C{i}", "followed": 0} for i in range(20, 40)])
    assert main(["update", str(after), str(fresh), "--out", str(twice)]) == 0
    other_input = _pilot(tmp_path / "d.csv", _cases(20, exception=[0] * 18 + [1, 1]))  # the same ids, another input
    assert main(["update", str(twice), str(other_input), "--out", str(tmp_path / "three.yaml")]) == 0


def _far_mean(tmp_path: Path, mean: float = 200.0) -> Path:
    values = list(np.linspace(mean - 50, mean + 50, 150))
    return _pilot(tmp_path / "far.csv", _cases(150, value=values))


def test_a_mean_far_in_a_lognormal_priors_tail_is_updated_and_flagged_not_refused(tmp_path: Path, capsys) -> None:
    """Issue 37 row 6. Before: a mean of 200 on 150 cases was refused under the lognormal prior 60 +- 15 (its grid of
    quantiles stopped at 143), while a normal prior took it silently. Now the posterior is computed on a grid that
    spans the data too, and the prior predictive check (Box 1980) flags the conflict under every family."""
    result = update_scenario(CLAIMS, _far_mean(tmp_path))
    (record,) = result.evidence
    assert record.posterior.mean > 190 and record.conflict_p is not None and record.conflict_p < 1e-6
    out = tmp_path / "after.yaml"
    assert main(["update", str(CLAIMS), str(_far_mean(tmp_path)), "--out", str(out)]) == 0
    assert "CONFLICT: the value of a correct triage" in capsys.readouterr().out


def test_the_conflict_check_is_the_same_under_a_normal_prior(tmp_path: Path) -> None:
    text = CLAIMS.read_text().replace(
        "{dist: lognormal, mean: 60, sd: 15, label: the value of a correct triage",
        "{dist: normal, mean: 60, sd: 10, label: the value of a correct triage",
    )
    scenario = tmp_path / "normal.yaml"
    scenario.write_text(text)
    (record,) = update_scenario(scenario, _far_mean(tmp_path)).evidence
    assert record.method.startswith("normal-normal") and record.conflict_p is not None and record.conflict_p < 1e-6
    (calm,) = update_scenario(scenario, _far_mean(tmp_path, 62.0)).evidence
    assert calm.conflict_p is not None and calm.conflict_p > 0.5


def test_a_shares_prior_predictive_p_is_the_beta_binomials(tmp_path: Path) -> None:
    """The check against its closed form: the beta-binomial's two tails at the observed count."""
    from scipy.stats import betabinom

    followed = [1] * 300 + [0] * 100  # 75 % against a belief of 85 % +- 6 %
    (record,) = update_scenario(CLAIMS, _pilot(tmp_path / "p.csv", _cases(400, followed=followed))).evidence
    prior = load_scenario(CLAIMS).beliefs.inputs["production.adoption.with_owner"]  # type: ignore[union-attr]
    a, b = prior.shapes  # type: ignore[union-attr]
    exact = 2 * min(betabinom.cdf(300, 400, a, b), betabinom.sf(299, 400, a, b))
    assert record.conflict_p == pytest.approx(exact, rel=0.01)
