"""The portfolio over years: survival with censoring, and each mechanism of an initiative's life after go-live
(the owner leaving, rescue, keeping at low value, persistent sponsors, use cases) with its null effect and sign."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.experiment.portfolio import operations_by_design, operations_error
from scalesim.experiment.tasks import replication_seed
from scalesim.portfolio import load_portfolio
from scalesim.portfolio.measures import (
    archive_series,
    figures,
    initiative_frame,
    kaplan_meier,
    simulate_portfolio,
    survival,
)
from scalesim.portfolio.model import Initiative, Operation

from conftest import SCENARIOS, of_every_use_case

STATUS_QUO = SCENARIOS / "portfolio-status-quo.yaml"
YEARS = 157  # weeks in the bundled files' three-year operations

# Freireich et al. (1963), the 6-MP arm: weeks in remission, "+" censored; the textbook Kaplan-Meier example
# (Kleinbaum & Klein, Survival Analysis, 3rd ed., ch. 2), whose estimates are printed there to three decimals.
REMISSION = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"
PRINTED = {5.9: 1.0, 6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448, 35: 0.448}
QUIET = ("quiet_stall.base_per_day=0", "demo_kill_probability=0", "endorsement.probability=1")
OFF = ("life.owner_lost_per_year=0", "life.rescue_probability=0", "review.decommission_probability=1")


def test_kaplan_meier_gives_the_textbook_estimates():
    words = REMISSION.split()
    durations = np.array([float(w.rstrip("+")) for w in words])
    ended = np.array([not w.endswith("+") for w in words])
    estimates = kaplan_meier(durations, ended, list(PRINTED))
    assert estimates == pytest.approx(list(PRINTED.values()), abs=5e-4)
    assert math.isnan(kaplan_meier(durations, ended, [36.0])[0])  # past the last (censored) life: unknown
    assert kaplan_meier(np.array([1.0, 2.0]), np.array([True, True]), [5.0])[0] == 0.0  # all ended: zero stays


def test_survival_censors_where_a_life_stops_being_observed():
    """A hand-made set of go-lives: two leave production, one is censored by the end of the run, one by its
    operation's length, and one retired after its operation's simulation ended (on extrapolated value: censored
    where the simulation ended, not an observed end); each censored life is at risk until its censoring."""
    frame = pd.DataFrame(
        {
            "production": [0.0, 0.0, 100.0, 0.0, math.nan, 0.0],
            "observed_until": [900.0, 800.0, 400.0, 700.0, math.nan, 150.0],
            "fate": ["retired", "decommissioned", "delivering", "kept_at_low_value", "killed_at_demo", "retired"],
            "fate_day": [200.0, 500.0, 300.0, 650.0, 10.0, 600.0],
        }
    )
    # the 150-day one is censored first; at 200 days 1 of the 4 at risk ended -> 3/4; the 100-day go-live is censored
    # at 300 (its 400 - 100); at 500 days 1 of the 2 still at risk ended -> 3/4 x 1/2; the last is censored at 700
    assert survival(frame, (199.0, 200.0, 365.0, 500.0, 700.0, 701.0)) == pytest.approx(
        [1.0, 0.75, 0.75, 0.375, 0.375, math.nan], nan_ok=True
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 2000.0), st.booleans()), min_size=1, max_size=40))
def test_a_survival_curve_never_rises_and_stays_in_zero_to_one(lives):
    durations = np.array([d for d, _ in lives])
    ended = np.array([e for _, e in lives])
    curve = kaplan_meier(durations, ended, np.linspace(0.0, 2000.0, 81))
    known = curve[~np.isnan(curve)]
    assert np.all((known >= 0.0) & (known <= 1.0)) and np.all(np.diff(known) <= 1e-15)
    assert not np.isnan(curve[0])  # day 0 is always known: nothing has ended before it


def _lives(operations: dict, *overrides: str, seed: int = 4) -> tuple[dict, list[Initiative]]:
    spec = load_portfolio(STATUS_QUO, [*QUIET, *overrides])
    initiatives = simulate_portfolio(spec, operations, np.random.SeedSequence(seed))
    return figures(spec, initiatives), [x for x in initiatives if not math.isnan(x.production)]


STEADY_FOR_YEARS = of_every_use_case(
    {
        "redesigned": (Operation(tuple([0.6] * YEARS), None, "scaled"),),
        "bolt_on": (Operation(tuple([0.6] * YEARS), None, "scaled"),),
    }
)
OWNERLESS_STALLS = of_every_use_case(
    {
        "redesigned": (Operation(tuple([0.6] * YEARS), None, "scaled"),),
        "bolt_on": (Operation(tuple([0.1] * 20 + [0.0] * (YEARS - 20)), 140.0, "trust collapse"),),
    }
)


def test_without_drift_turnover_or_reviews_an_initiative_in_production_stays_there():
    f, lived = _lives(STEADY_FOR_YEARS, *OFF, "review.min_share=0")
    assert lived and all(x.fate in ("in_production", "delivering") for x in lived)
    assert f["survival_1y"] == f["survival_2y"] == f["survival_3y"] == 1.0


def test_an_owner_leaving_moves_the_rest_of_the_life_to_the_design_without_one():
    still = _lives(OWNERLESS_STALLS, *OFF)[1]
    assert not [x for x in still if x.design == "redesigned" and x.fate == "retired"]  # the cause absent: no effect
    assert all(math.isnan(x.owner_lost) for x in still)
    f, lived = _lives(OWNERLESS_STALLS, *OFF, "life.owner_lost_per_year=0.5")
    owned = [x for x in lived if x.design == "redesigned"]
    left = [x for x in owned if not math.isnan(x.owner_lost)]
    assert left and f["owner_lost"] == len(left)
    assert all(x.design == "redesigned" for x in lived if not math.isnan(x.owner_lost))  # a bolt-on has none
    # the owner left: from then on the operation is the bolt-on's, which had stalled by day 140 of its life
    for x in left:
        assert x.fate == "retired" and x.stall_reason == "trust collapse"
        assert x.fate_day == pytest.approx(max(x.owner_lost, x.production + 140.0), abs=7.0)
    assert f["survival_3y"] < 1.0


def test_a_rescue_relaunches_a_stalled_operation_once_at_its_cost_and_after_its_delay():
    base_f, base = _lives(OWNERLESS_STALLS, *OFF)
    assert base_f["relaunched"] == 0 and all(math.isnan(x.relaunched) for x in base)
    rescue = ("life.rescue_probability=1", "life.rescue_delay_days=60", "life.rescue_cost=100000")
    f, lived = _lives(OWNERLESS_STALLS, *OFF, *rescue)
    relaunched = [x for x in lived if not math.isnan(x.relaunched)]
    stalled_before = [x for x in base if x.fate == "retired"]
    assert len(relaunched) == len(stalled_before) > 0  # everyone who stalled was relaunched (probability 1)
    by_start = {x.proposed: x for x in stalled_before}
    for x in relaunched:
        was = by_start[x.proposed]
        assert x.relaunched == pytest.approx(was.fate_day + 60.0)
        assert x.spent == pytest.approx(was.spent + 100_000)
        assert x.fate != "retired"  # relaunched as the redesign (the first rule's design), which does not stall
    assert f["retired"] < base_f["retired"] and f["value_per_year"] > base_f["value_per_year"]
    assert f["survival_3y"] > base_f["survival_3y"]


def test_a_second_stall_after_a_relaunch_is_final():
    stalls = of_every_use_case(
        {d: (Operation(tuple([0.6] * 10 + [0.0] * (YEARS - 10)), 70.0, "backlog"),) for d in ("redesigned", "bolt_on")}
    )
    _, lived = _lives(stalls, *OFF, "life.rescue_probability=1", "life.rescue_delay_days=30", "run.follow_up_days=2000")
    assert lived and all(x.fate == "retired" and x.fate_day == pytest.approx(x.relaunched + 70.0) for x in lived)


def test_a_review_that_keeps_a_failing_system_keeps_it_at_low_value():
    fading = of_every_use_case(
        {d: (Operation(tuple([0.6] * 20 + [0.05] * (YEARS - 20)), None, "eroded"),) for d in ("redesigned", "bolt_on")}
    )
    f, lived = _lives(fading, *OFF, "review.noise_cv=0")
    assert f["kept_at_low_value"] == 0 and all(x.fate == "decommissioned" for x in lived)
    kept_f, kept = _lives(fading, *OFF, "review.noise_cv=0", "review.decommission_probability=0")
    assert kept and all(x.fate == "kept_at_low_value" and x.kept_at_low_value > 0 for x in kept)
    assert kept_f["survival_1y"] == 1.0 > f["survival_1y"]
    assert kept_f["value_per_year"] > f["value_per_year"]  # low value is still value, and the system stays


def test_persistent_sponsors_arrive_late_instead_of_stalling_quietly():
    """A long queue for integration (one team): with every sponsor persistent, nothing stalls quietly and the
    initiatives that waited arrive, late; with none, the waiters stall. The share moves the split, nothing else."""

    def funnel(share: float) -> dict[str, float]:
        sets = ["integration.team_size=1", "quiet_stall.base_per_day=0.01", f"quiet_stall.persistent_share={share}"]
        spec = load_portfolio(STATUS_QUO, sets)
        runs = [
            figures(spec, simulate_portfolio(spec, STEADY_FOR_YEARS, np.random.SeedSequence(9, spawn_key=(r,))))
            for r in range(4)
        ]
        return {k: float(np.mean([f[k] for f in runs])) for k in ("quiet_stalls", "late_arrivals", "started")}

    none, half, every = funnel(0.0), funnel(0.5), funnel(1.0)
    assert every["quiet_stalls"] == 0 < half["quiet_stalls"] < none["quiet_stalls"]
    assert none["late_arrivals"] < half["late_arrivals"] < every["late_arrivals"]
    assert none["started"] == half["started"] == every["started"]  # the same proposals and pilots


def test_use_cases_share_the_proposals_and_each_lives_its_own_operations():
    ops = {
        use_case: {d: (Operation(tuple([r] * YEARS), None, "scaled"),) for d in ("redesigned", "bolt_on")}
        for use_case, r in (("claims-triage", 0.5), ("credit-decisioning", 0.2))
    }
    spec = load_portfolio(STATUS_QUO, [*QUIET, *OFF, "proposals_per_year=400", "review.noise_cv=0"])
    initiatives = simulate_portfolio(spec, ops, np.random.SeedSequence(1))
    claims = np.mean([x.use_case == "claims-triage" for x in initiatives])
    n = len(initiatives)
    assert claims == pytest.approx(0.6, abs=4 * math.sqrt(0.24 / n))
    live = [x for x in initiatives if not math.isnan(x.production) and x.fate != "decommissioned"]
    assert {x.use_case for x in live} == set(ops)
    for x in live:  # retention is its own use case's
        assert x.retention == pytest.approx(0.5 if x.use_case == "claims-triage" else 0.2, rel=1e-9)


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("life.rescue_design=embedded", ["life.rescue_design", "'embedded'", "redesigned, bolt_on"]),
        ("operations.1.scenario=claims-triage.yaml", ["claims-triage", "named twice"]),
        ("operations.0.share=0", ["operations.0.share", "greater than 0"]),
        ("quiet_stall.persistent_share=1.5", ["persistent_share", "1.5"]),
        ("life.owner_lost_per_year=-1", ["owner_lost_per_year", "-1"]),
        ("operations.2.days=90", ["operations.2", "list of 2 items"]),
    ],
)
def test_a_wrong_life_or_use_case_is_refused_naming_the_field(override, words, tmp_path, capsys):
    assert main(["portfolio", str(STATUS_QUO), "--set", override, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
    assert "Traceback" not in err and not (tmp_path / "x").exists()


def test_an_operation_shorter_than_the_follow_up_censors_survival_instead_of_extrapolating_it():
    year = of_every_use_case({d: (Operation(tuple([0.6] * 60), None, "scaled"),) for d in ("redesigned", "bolt_on")})
    f, lived = _lives(year, *OFF, "review.min_share=0")
    assert lived and f["survival_1y"] == 1.0
    assert math.isnan(f["survival_2y"]) and math.isnan(f["survival_3y"])  # nobody observed past the operation
    assert all(x.observed_until <= x.production + 60 * 7.0 for x in lived)


TODAY = {
    # the initiatives of today's model (before lives over years), hashed: status quo and production first, three
    # replications each, one-year operations of two drawn variants, a four-year follow-up
    "portfolio-status-quo": ("bc89a44aaa4268e0", "7e51d566c0051840", "5d022a40ebbb2853"),
    "portfolio-production-first": ("aea11e5c0047574a", "88952eb1a1fd247e", "690a4395ef30ecf0"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TODAY))
def test_with_the_new_mechanisms_off_the_model_is_todays_on_the_same_seeds(name, tmp_path):
    """One use case (claims-triage, as before), one-year operations, no owner loss, no rescue, every failing
    review decommissioning, no persistent sponsors: the initiatives are bit for bit those of the model before."""
    import hashlib
    import json

    import yaml

    raw = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())
    raw["operations"] = raw["operations"][0]
    del raw["operations"]["share"], raw["operations"]["fixed"]
    del raw["operations"]["vary"]["production.dynamics.drift.per_year"]
    raw["operations"]["scenario"] = str(SCENARIOS / "claims-triage.yaml")
    path = tmp_path / "before.yaml"
    path.write_text(yaml.safe_dump(raw))
    sets = [*OFF, "quiet_stall.persistent_share=0", "operations.days=365", "operations.variants=2"]
    sets.append("quiet_stall.base_per_day=0.004")  # the calibration before (a longer follow-up moved it since)
    spec = load_portfolio(path, [*sets, "run.follow_up_days=1460"])
    operations = operations_by_design(spec, SCENARIOS)
    for r, expected in enumerate(TODAY[name]):
        lives = simulate_portfolio(spec, operations, replication_seed(spec.run.seed, r))
        rows = [
            [x.proposed, x.design, x.pilot_start, x.production, x.fate, x.fate_day, x.spent, x.value, x.operation]
            for x in lives
        ]
        assert hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16] == expected


def test_a_fault_in_one_use_case_names_it():
    spec = load_portfolio(STATUS_QUO, ["operations.0.days=28", "operations.1.days=28"])
    assert [link.name for link in spec.use_cases] == ["claims-triage", "credit-decisioning"]
    credit = spec.use_cases[1]
    wrong = credit.model_copy(update={"vary": {"production.acuracy": credit.vary["production.accuracy"]}})
    with pytest.raises(ScenarioError, match=r"^operations\.1 \(credit-decisioning\): .*acuracy"):
        operations_by_design(spec.model_copy(update={"operations": [spec.use_cases[0], wrong]}), SCENARIOS)


def test_the_monthly_series_counts_the_systems_still_running():
    spec = load_portfolio(STATUS_QUO, [*QUIET, *OFF])
    initiatives = simulate_portfolio(spec, OWNERLESS_STALLS, np.random.SeedSequence(6))
    series = archive_series(spec, initiatives)
    assert (series["live"] <= series["in_production"]).all() and series["live"].max() > 0
    still = sum(1 for x in initiatives if not math.isnan(x.production) and x.fate not in ("retired", "decommissioned"))
    assert series["live"].iloc[-1] == still  # at the end: exactly the initiatives whose fate is in production
    assert series["live"].iloc[-1] < series["in_production"].iloc[-1]  # the bolt-ons stalled and were retired


def _table(operations: dict, replications: int = 4) -> pd.DataFrame:
    spec = load_portfolio(STATUS_QUO, [*QUIET, *OFF, "review.min_share=0"])
    seeds = [np.random.SeedSequence(8, spawn_key=(r,)) for r in range(replications)]
    lives = [simulate_portfolio(spec, operations, seed) for seed in seeds]
    return pd.concat([initiative_frame(x).assign(replication=r) for r, x in enumerate(lives)], ignore_index=True)


def test_which_operations_were_drawn_moves_survival_only_when_they_differ():
    steady, stalls = Operation(tuple([0.6] * YEARS), None, "scaled"), Operation(tuple([0.6] * YEARS), 200.0, "backlog")
    same = of_every_use_case({d: (steady,) * 4 for d in ("redesigned", "bolt_on")})
    assert all(e == 0.0 for e in operations_error(_table(same), 4).values())  # the cause absent: no error
    one_stalls = (steady,) * 3 + (stalls,)
    differ = of_every_use_case({d: one_stalls for d in ("redesigned", "bolt_on")})
    errors = operations_error(_table(differ), 4)
    assert all(e > 0.0 for e in errors.values())
    # a quarter of the go-lives stall at day 200: the jackknife's spread is that of leaving the stalling group out
    assert errors["survival_1y"] > 0.05
    assert all(math.isnan(e) for e in operations_error(_table(differ), 1).values())  # one draw: no spread to see


def test_the_text_says_a_survival_nobody_observed_so_long_and_the_operations_draw_error(tmp_path):
    from scalesim.experiment.executors import Runner
    from scalesim.experiment.portfolio import run_portfolio
    from scalesim.report.text import portfolio_summary

    year = of_every_use_case(
        {d: tuple(Operation(tuple([0.6] * 60), s, "backlog") for s in (None, 300.0)) for d in ("redesigned", "bolt_on")}
    )
    spec = load_portfolio(STATUS_QUO, [*QUIET, *OFF, "review.min_share=0", "run.years=1"])
    result = run_portfolio(spec, year, 3, tmp_path, Runner(1), ["test"])
    text = portfolio_summary([result.to_dict()])
    assert "still in production 3 years after go-live (KM)" in text and "not observed so long" in text
    assert "another draw of its operations would move survival" in text
    data = result.to_dict()["figures"]
    assert data["survival_1y"]["operations_half_width"] > 0  # half the drawn operations stall at day 300
    assert math.isnan(data["survival_3y"]["mean"])


def test_an_owner_leaving_a_relaunch_switches_within_the_relaunchs_own_drawn_operation():
    """The relaunch lives drawn operation k of the redesign; when its owner leaves, the rest is drawn operation k
    without an owner — here the first bolt-on draw stalls (drift, day 30), the second never does."""
    steady = Operation(tuple([0.6] * YEARS), None, "scaled")
    ops = of_every_use_case(
        {
            "redesigned": (steady, steady),
            "bolt_on": (Operation(tuple([0.6] * 4 + [0.0] * (YEARS - 4)), 30.0, "drift"), steady),
        }
    )
    sets = ["life.rescue_probability=1", "life.rescue_delay_days=10", "life.owner_lost_per_year=3"]
    _, lived = _lives(ops, *sets, "review.min_share=0", "run.follow_up_days=2000", "readiness.process_owner=0")
    relaunched = [x for x in lived if not math.isnan(x.relaunched) and not math.isnan(x.owner_lost)]
    assert {x.relaunch_operation for x in relaunched} == {0, 1}
    for x in relaunched:
        assert x.design == "bolt_on" and x.owner_lost > x.relaunched
        assert (x.fate == "retired") == (x.relaunch_operation == 0), x
