"""Deciding under uncertainty: beliefs, the value of information, and the ``decide`` command.

The synthetic decision: an owned design is worth ~4,700 more over the run than an unowned one, and its build cost
is uncertain over 0..9,440, so which design is best depends on that one input; the other two inputs touch nothing
that a design's net value depends on.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from scipy import stats

from scalesim.api import decide
from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.experiment import voi
from scalesim.experiment.decide import draw_worlds
from scalesim.scenario.load import check_analyses, load_scenario

from conftest import OPERATIONS, SCENARIOS, tiny

DRIVER = "designs.owned.costs.one_off"
INERT = ("production.teams.triage.cost_per_staff_year", "production.teams.approvers.staff")
DESIGNS = {"unowned": {"process_owner": False}, "owned": {}}


def decision_scenario(*extra: str, driver: str = "{dist: uniform, low: 0, high: 9440}"):
    beliefs = (
        "beliefs={metric: net_value_run, inputs: {"
        f"{DRIVER}: {driver}, "
        f"{INERT[0]}: {{dist: gamma, mean: 1000, sd: 300, label: triage pay}}, "
        f"{INERT[1]}: {{dist: triangular, low: 10, mode: 40, high: 60}}}}, "
        f"groups: {{unused: [{INERT[0]}, {INERT[1]}]}}}}"
    )
    return tiny(
        "workload.arrival_rate=30",
        "run.horizon_days=30",
        "production.adoption.without_owner=0.5",
        beliefs,
        *extra,
        designs=DESIGNS,
    )


@pytest.fixture(scope="module")
def synthetic_decision(tmp_path_factory):
    return decide(decision_scenario(), samples=32, out=tmp_path_factory.mktemp("decide"))


def test_the_single_driver_ranks_first_and_the_inert_inputs_near_zero(synthetic_decision):
    data = synthetic_decision.to_dict()
    ranked = {item["name"]: item for item in data["evppi"]}
    assert data["evppi"][0]["name"] == DRIVER
    assert data["evpi"] > 100  # the choice really is uncertain: the owned design wins in some worlds, not all
    assert 0.05 < data["designs"]["owned"]["probability_best"] < 0.95
    assert ranked[DRIVER]["share_of_evpi"] > 0.9
    for name in (*INERT, "unused"):
        assert ranked[name]["share_of_evpi"] < 0.05, name
    assert data["convergence"]["stable"]
    assert "Measure designs.owned.costs.one_off first" in data["headline"]


def test_expected_losses_and_evpi_follow_from_the_worlds(synthetic_decision):
    data = synthetic_decision.to_dict()
    nb = synthetic_decision.net_benefit()
    best = nb.max(axis=1)
    for j, design in enumerate(synthetic_decision.designs):
        assert data["designs"][design]["expected_loss"] == pytest.approx(np.mean(best - nb[:, j]))
    assert data["evpi"] == pytest.approx(min(d["expected_loss"] for d in data["designs"].values()))
    assert sum(d["probability_best"] for d in data["designs"].values()) == pytest.approx(1.0)
    # the integer field is drawn as whole numbers; the worlds table has every input and design
    assert set(synthetic_decision.table[INERT[1]]) <= set(range(10, 61))
    assert len(synthetic_decision.table) == 32 * 3  # the two designs and today's process


def test_a_design_dominating_in_every_world_gives_evpi_exactly_zero(tmp_path):
    # the owned design's build cost stays below its ~4,700 advantage: it is best in every world
    scenario = decision_scenario(driver="{dist: uniform, low: 0, high: 3000}")
    data = decide(scenario, samples=16, out=tmp_path).to_dict()
    assert data["evpi"] == 0.0
    assert all(item["evppi"] == 0.0 for item in data["evppi"])
    assert data["designs"]["owned"]["probability_best"] == 1.0
    assert data["headline"].startswith("owned is best in every one of the 16 plausible worlds")


def test_when_no_design_pays_in_any_world_the_board_hears_do_not_scale(tmp_path):
    """Both designs' builds cost more than the ~6,000 the run's cases are worth, in every world: today's process
    (do not scale) is best everywhere, the sentence says so, and no empty EVPPI figure is drawn."""
    scenario = decision_scenario(
        "designs.unowned.costs.one_off=50000", driver="{dist: uniform, low: 40000, high: 60000}"
    )
    decision = decide(scenario, samples=16, out=tmp_path)
    data = decision.to_dict()
    assert data["design_names"][0] == "today" and data["best"] == "today"
    assert data["designs"]["today"]["probability_best"] == 1.0 and data["evpi"] == 0.0
    assert data["headline"].startswith("Do not scale: no design pays (net value over the run above 0) in any of")
    assert data["designs"]["owned"]["probability_above_threshold"] == 0.0
    assert not (decision.experiment.folder / "decide-evppi.png").exists()
    assert (decision.experiment.folder / "decide-acceptability.png").exists()


def test_one_world_where_a_design_pays_makes_do_not_scale_less_than_certain(tmp_path):
    scenario = decision_scenario("designs.unowned.costs.one_off=50000", driver="{dist: uniform, low: 0, high: 60000}")
    data = decide(scenario, samples=32, out=tmp_path).to_dict()
    today = data["designs"]["today"]["probability_best"]
    assert 0.5 < today < 1.0 and data["designs"]["owned"]["probability_best"] == pytest.approx(1.0 - today)
    assert data["best"] == "today" and data["headline"].startswith(
        f"Do not scale: no design pays (net value over the run above 0) in {today:.0%}"
    )
    assert data["evpi"] > 0


def test_without_the_baseline_the_choice_is_among_the_designs_only(tmp_path):
    scenario = decision_scenario(
        "designs.unowned.costs.one_off=50000", driver="{dist: uniform, low: 40000, high: 60000}"
    )
    data = decide(scenario, samples=16, out=tmp_path, baseline=False).to_dict()
    assert "today" not in data["design_names"] and data["best"] == "owned"


def test_evpi_of_normally_distributed_net_benefit_matches_the_closed_form():
    """Two designs, incremental net benefit N(mu, sigma): EVPI = sigma*phi(mu/sigma) + mu*Phi(mu/sigma) - max(0, mu)."""
    rng = np.random.default_rng(7)
    n, mu, sigma = 200_000, 300.0, 1000.0
    delta = rng.normal(mu, sigma, n)
    nb = np.column_stack([np.zeros(n), delta])
    exact = sigma * stats.norm.pdf(mu / sigma) + mu * stats.norm.cdf(mu / sigma) - mu
    error = np.std(np.maximum(delta, 0) - delta) / np.sqrt(n)  # EVPI = E[max(0, -delta)] here (mu > 0)
    assert abs(voi.evpi(nb) - exact) < 4 * error
    # with the one input that makes delta known, EVPPI is the EVPI
    x = stats.norm.cdf((delta - mu) / sigma)[:, None]
    assert voi.evppi(nb, x) == pytest.approx(voi.evpi(nb), rel=0.02)
    # and an input unrelated to delta is worth (almost) nothing
    assert voi.evppi(nb, rng.random((n, 1))) < 0.01 * voi.evpi(nb)


def test_same_seed_same_decision_serially_and_in_parallel(tmp_path):
    scenario = decision_scenario()
    serial = decide(scenario, samples=16, out=tmp_path / "serial").to_dict()
    pooled = decide(scenario, samples=16, out=tmp_path / "pool", jobs=2).to_dict()
    assert serial == pooled


@pytest.mark.slow
def test_same_decision_on_dask(tmp_path):
    pytest.importorskip("distributed")
    scenario = decision_scenario()
    serial = decide(scenario, samples=16, out=tmp_path / "serial").to_dict()
    on_dask = decide(scenario, samples=16, out=tmp_path / "dask", jobs=2, scheduler="local").to_dict()
    assert serial == on_dask


def test_correlated_beliefs_keep_their_marginals_and_their_rank_correlation():
    scenario = load_scenario(SCENARIOS / "claims-triage.yaml")
    worlds = draw_worlds(scenario, 1024, seed=5)
    names = worlds.names
    i, j = names.index("production.adoption.with_owner"), names.index("production.adoption.without_owner")
    z = stats.norm.ppf(worlds.u)
    assert np.corrcoef(z[:, i], z[:, j])[0, 1] == pytest.approx(0.5, abs=0.05)
    others = [k for k in range(len(names)) if k not in (i, j)]
    assert abs(np.corrcoef(z[:, others[0]], z[:, others[1]])[0, 1]) < 0.1
    accuracy = np.array([w["production.accuracy"] for w in worlds.values])
    assert accuracy.mean() == pytest.approx(0.80, abs=0.005)
    assert accuracy.std() == pytest.approx(0.05, abs=0.005)
    # the same seed draws the same worlds; another seed other worlds
    assert draw_worlds(scenario, 8, seed=5).values == worlds.values[:8]
    assert draw_worlds(scenario, 8, seed=6).values != worlds.values[:8]


@pytest.mark.parametrize(
    ("belief", "message"),
    [
        ("{production.acuracy: {dist: beta, mean: 0.8, sd: 0.05}}", "did you mean 'accuracy'"),
        ("{production.accuracy: {dist: beta, mean: 0.8, sd: 0.5}}", "too wide for a share"),
        ("{production.accuracy: {dist: lognormal, mean: 0.8, sd: 0.2}}", "is not a valid value"),
        ("{production.accuracy: {dist: gaussian, mean: 0.8, sd: 0.2}}", "beta"),
        ("{production.accuracy: {dist: normal, mean: 0.8, sd: 0.2}}", "quantile\\): -0.15"),  # a normal's tail < 0
        ("{production.accuracy: {dist: uniform, low: 0.9, high: 0.8}}", "must be below high"),
        ("{run.seed: {dist: uniform, low: 1, high: 9}}", "not an input of the model"),
        ("{production.accuracy: {dist: beta, mean: .nan, sd: 0.1}}", "production.accuracy"),
    ],
)
def test_bad_beliefs_are_refused_naming_the_field(belief, message):
    with pytest.raises(ScenarioError, match=message):
        check_analyses(tiny(f"beliefs={{inputs: {belief}}}", designs=DESIGNS), "tiny")


def test_impossible_correlations_and_unknown_group_members_are_refused():
    inputs = (
        "{production.accuracy: {dist: beta, mean: 0.8, sd: 0.05}, production.data_quality: {dist: beta, mean: "
        "0.9, sd: 0.03}, production.exception_rate: {dist: beta, mean: 0.1, sd: 0.02}}"
    )
    a, b, c = "production.accuracy", "production.data_quality", "production.exception_rate"
    bad = f"[{{inputs: [{a}, {b}], rho: 0.9}}, {{inputs: [{b}, {c}], rho: 0.9}}, {{inputs: [{a}, {c}], rho: -0.9}}]"
    with pytest.raises(ScenarioError, match="not positive definite"):
        tiny(f"beliefs={{inputs: {inputs}, correlation: {bad}}}", designs=DESIGNS)
    with pytest.raises(ScenarioError, match="not one of the inputs"):
        tiny(f"beliefs={{inputs: {inputs}, groups: {{g: [{a}, production.rate]}}}}", designs=DESIGNS)


def test_cli_decide_prints_the_board_sentence_and_writes_figures_and_report(tmp_path, capsys):
    scenario = tmp_path / "decision.yaml"
    scenario.write_text(yaml.safe_dump(decision_scenario().model_dump(mode="json", by_alias=True)))
    out = tmp_path / "results"
    assert main(["decide", str(scenario), "--samples", "16", "--out", str(out), "--report", "--threshold", "2000"]) == 0
    text = capsys.readouterr().out
    first = " ".join(text.split("\n\n")[0].split())  # the board sentence, wrapped over lines
    assert "of plausible worlds" in first and "expected regret" in first and "exceeds 2,000 EUR" in first
    assert "What to measure before scaling" in text and "convergence:" in text
    folder = next(out.glob("tiny/decide-*"))
    for name in ("decision.json", "worlds.csv", "evppi.csv", "decide-evppi.png", "report.html"):
        assert (folder / name).exists(), name
    assert main(["decide", str(scenario), "--samples", "16", "--out", str(out), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "decide" and data["worlds"] == 16 and data["threshold"] == 0


def exit_code(argv: list[str]) -> int:
    """The CLI's exit code, whether argparse exits or the command returns."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_cli_decide_refuses_what_it_cannot_answer(tmp_path, capsys):
    stall = str(SCENARIOS / "stall-demo.yaml")
    cases = [
        (["decide", stall, "--samples", "8"], "at least 16 worlds"),
        (["decide", stall, "--design", "redesigned", "--no-baseline"], "name at least two"),
        (["decide", stall, "--design", "bolt_on", "--design", "bolt_on", "--no-baseline"], "name at least two"),
        (["decide", stall, "--design", "today", "--no-baseline"], "name at least two"),
        (["decide", stall, "--design", "redesign", "--design", "bolt_on"], "no such design"),
        (["decide", stall, "--threshold", "nan"], "a finite number"),
        (["decide", str(SCENARIOS / "stall-demo.yaml"), "--set", "beliefs.inputs.x=1"], "beliefs"),
    ]
    for argv, message in cases:
        assert exit_code([*argv, "--out", str(tmp_path / "r")]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").rglob("*.json"))
    plain = tmp_path / "plain.yaml"
    plain.write_text((SCENARIOS / "stall-demo.yaml").read_text().split("\nbeliefs:")[0])
    assert exit_code(["decide", str(plain), "--out", str(tmp_path / "r")]) == 2
    assert "no 'beliefs' block" in capsys.readouterr().err


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_every_bundled_scenario_has_beliefs_each_sourced_or_marked_an_assumption(path):
    beliefs = load_scenario(path).beliefs
    assert beliefs is not None
    for name, belief in beliefs.inputs.items():
        assert belief.source, f"{path.name}: beliefs.inputs.{name} has no source"
        assert belief.label, f"{path.name}: beliefs.inputs.{name} has no label for the board sentence"


def test_a_world_breaking_a_rule_between_two_inputs_is_drawn_again_and_said(tmp_path):
    """Each belief alone is valid, but together they can draw adoption without an owner above adoption with one.
    Before (0.7) the decision was refused; such a world is not one anyone believes in, so it is replaced by the
    sequence's next point (the beliefs conditioned on the rule) and the decision says how many were."""
    scenario = tiny(
        "production.adoption.without_owner=0.3",
        "beliefs={inputs: {production.adoption.with_owner: {dist: uniform, low: 0.5, high: 1.0}, "
        "production.adoption.without_owner: {dist: uniform, low: 0.1, high: 0.95}}}",
        designs=DESIGNS,
    )
    decision = decide(scenario, samples=16, out=tmp_path)
    worlds = decision.worlds.values
    assert len(worlds) == 16 and decision.worlds.refused > 0
    assert all(w["production.adoption.without_owner"] <= w["production.adoption.with_owner"] for w in worlds)
    data = decision.to_dict()
    assert data["refused_worlds"]["count"] == decision.worlds.refused
    assert "cannot exceed with_owner" in data["refused_worlds"]["rule"]
    from scalesim.report.text import decision_summary

    assert "drawn again" in decision_summary(data)


def test_beliefs_a_rule_between_two_inputs_mostly_refuses_are_refused_before_any_world_runs(tmp_path):
    scenario = tiny(
        "production.adoption.without_owner=0.3",
        "beliefs={inputs: {production.adoption.with_owner: {dist: uniform, low: 0.5, high: 0.6}, "
        "production.adoption.without_owner: {dist: uniform, low: 0.55, high: 0.95}}}",
        designs=DESIGNS,
    )
    with pytest.raises(ScenarioError, match=r"contradict the scenario's rules"):
        decide(scenario, samples=16, out=tmp_path)
    assert not list(tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize(
    ("belief", "mean", "sd"),
    [
        ({"dist": "beta", "mean": 0.8, "sd": 0.05}, 0.8, 0.05),
        ({"dist": "lognormal", "mean": 300000, "sd": 90000}, 300000, 90000),
        ({"dist": "gamma", "mean": 0.5, "sd": 0.2}, 0.5, 0.2),
        ({"dist": "uniform", "low": 2, "high": 8}, 5, 6 / np.sqrt(12)),
        ({"dist": "triangular", "low": 0, "mode": 3, "high": 6}, 3, np.sqrt(6**2 / 24)),
    ],
)
def test_each_belief_family_has_the_moments_it_is_given(belief, mean, sd):
    from scalesim.scenario.beliefs import Beliefs

    frozen = Beliefs.model_validate({"inputs": {"x": belief}}).inputs["x"].frozen()
    assert frozen.mean() == pytest.approx(mean)
    assert frozen.std() == pytest.approx(sd)


def test_a_stored_decision_loads_back_with_the_same_answer(synthetic_decision):
    from scalesim.experiment.decide import Decision

    again = Decision.load(synthetic_decision.experiment.folder)
    assert again.to_dict() == synthetic_decision.to_dict()
    pd_equal = again.table.equals(synthetic_decision.table)
    assert pd_equal


def test_the_board_sentence_says_best_bet_when_the_best_on_average_rarely_wins():
    from scalesim.experiment.decide import headline

    data = {
        "best": "monitoring_only",
        "currency": "EUR",
        "metric": "npv",
        "threshold": 0,
        "worlds": 128,
        "evpi": 8005.0,
        "designs": {
            "monitoring_only": {"probability_best": 0.35, "expected_loss": 8005.0, "probability_above_threshold": 0.71}
        },
        "evppi": [{"kind": "input", "label": "the reversion threshold", "evppi": 4785.0, "share_of_evpi": 0.6}],
        "convergence": {"stable": True},
    }
    text = headline(data)
    assert text.startswith("monitoring_only is the best bet on average, though best in only 35% of plausible worlds")
    assert "costs 8,005 EUR in expected regret" in text and "Measure the reversion threshold first" in text
    assert "worth up to 4,785 EUR" in text and "not yet stable" not in text
    data["convergence"]["stable"] = False
    assert "not yet stable" in headline(data)


def test_a_what_if_override_is_not_refused_for_beliefs_that_only_decide_reads(tmp_path, capsys):
    """claims-triage believes adoption without an owner may reach 0.80; ``--set with_owner=0.7`` is a valid
    what-if. Before (0.7) ``validate`` and ``decide`` refused it because a 1e-6 tail of one belief crossed the
    other field's point value (issue 37 row 5); a rule between fields is now applied to each drawn world, where
    adoption with an owner is drawn from its own belief too."""
    claims = str(SCENARIOS / "claims-triage.yaml")
    what_if = ["--set", "production.adoption.with_owner=0.7"]
    assert exit_code(["validate", claims, *what_if]) == 0
    capsys.readouterr()
    from scalesim.api import resolve
    from scalesim.experiment.decide import draw_worlds

    worlds = draw_worlds(resolve(claims, overrides=what_if[1:]), 64, 20261126)
    assert all(w["production.adoption.without_owner"] <= w["production.adoption.with_owner"] for w in worlds.values)
    from scalesim.api import run

    assert run(claims, days=7, overrides=["production.adoption.with_owner=0.7"]).summary()["designs"]


def test_evpis_bootstrap_error_is_the_spread_of_evpi_over_repeated_samples():
    """Issue 37 row 2. EVPI of a design worth theta ~ N(0.1, 1) against nothing, on 64 worlds: the bootstrap's
    standard error should match how EVPI's estimate actually varies from one set of 64 worlds to another."""
    from scalesim.experiment import voi, voi_error

    rng = np.random.default_rng(5)
    estimates, errors = [], []
    for _ in range(300):
        theta = rng.normal(0.1, 1.0, 64)
        nb = np.column_stack([np.zeros(64), theta])
        estimates.append(voi.evpi(nb))
        errors.append(voi_error.evpi_error(nb, voi_error.resamples(64, rng, 400)).se)
    assert np.mean(errors) == pytest.approx(np.std(estimates, ddof=1), rel=0.2)


def test_precision_adds_worlds_until_the_run_limit_and_says_why_it_stopped(tmp_path):
    scenario = decision_scenario()
    decision = decide(scenario, samples=16, out=tmp_path, full=True, precision=0.001, max_runs=100)
    data = decision.to_dict()
    assert data["precision"]["worlds"] == 32 and len(decision.worlds.values) == 32  # 64 x 3 would exceed 100 runs
    assert data["precision"]["met"] is False and data["precision"]["why"] == "the run limit (--max-runs)"
    from scalesim.report.text import decision_summary

    assert "precision: EVPI's 95% half-width is" in decision_summary(data)
    with pytest.raises(ScenarioError, match=r"--precision 1\.5"):
        decide(scenario, samples=16, out=tmp_path, precision=1.5)
