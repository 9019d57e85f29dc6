"""Held-out evaluation as the field runs it: the five log distances equal the reference package's, the splits are
the published ones, and the benchmark logs (when ../shared/logs is there) calibrate and back-test on the
published test window with every team of the test log simulated."""

from __future__ import annotations

import datetime
import json
import sys

import numpy as np
import pandas as pd
import pytest

from scalesim.cli import main
from scalesim.evidence.distances import distances
from scalesim.evidence.heldout import floor
from scalesim.evidence.log import read_log, split_log_by_events

from conftest import ROOT

BENCHMARK = ROOT.parent / "shared" / "logs" / "benchmark"
LOANS = ROOT / "examples" / "loan-applications" / "LoanApp_simplified.csv.gz"
INSURANCE = ROOT / "examples" / "insurance-claims" / "Insurance_Claims_train.csv"
needs_logs = pytest.mark.skipif(not BENCHMARK.is_dir(), reason="../shared/logs/benchmark is not here (test data)")


def _reference(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, float]:
    """The five distances by log-distance-measures (the reference package), with the defaults every published
    comparison uses."""
    ldm = pytest.importorskip("log_distance_measures", reason="log-distance-measures (dev extra, Python < 3.13)")
    from log_distance_measures.absolute_event_distribution import absolute_event_distribution_distance
    from log_distance_measures.circadian_event_distribution import circadian_event_distribution_distance
    from log_distance_measures.config import AbsoluteTimestampType, EventLogIDs, discretize_to_hour
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
    from log_distance_measures.n_gram_distribution import n_gram_distribution_distance
    from log_distance_measures.relative_event_distribution import relative_event_distribution_distance

    assert ldm is not None
    ids = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end", resource="resource")
    both = AbsoluteTimestampType.BOTH
    return {
        "NGD": n_gram_distribution_distance(a, ids, b, ids, n=3),
        "AEDD": absolute_event_distribution_distance(a, ids, b, ids, both, discretize_to_hour),
        "CEDD": circadian_event_distribution_distance(a, ids, b, ids, both),
        "REDD": relative_event_distribution_distance(a, ids, b, ids, both, discretize_to_hour),
        "CTDD": cycle_time_distribution_distance(a, ids, b, ids, datetime.timedelta(hours=1)),
    }


@pytest.mark.parametrize("log", [LOANS, INSURANCE], ids=["loans", "insurance"])
def test_the_five_distances_are_the_reference_packages(log):
    """Equal to log-distance-measures to 1e-6 on a pair of shipped logs (the first and last part of each)."""
    events = read_log(log).events[["case", "activity", "start", "end", "resource"]]
    cases = events["case"].unique()
    a = events[events["case"].isin(cases[: len(cases) // 2])].reset_index(drop=True)
    b = events[events["case"].isin(cases[len(cases) // 2 :])].reset_index(drop=True)
    reference = _reference(a, b)
    mine = distances(a, b).as_dict()
    for name, value in reference.items():
        assert mine[name] == pytest.approx(value, abs=1e-6), name


@needs_logs
@pytest.mark.skipif(sys.version_info >= (3, 13), reason="log-distance-measures supports Python < 3.13")
@pytest.mark.parametrize("name", ["BPIC_2012_W", "AcademicCredentials"])
def test_the_floor_of_split_1_is_the_published_one(name):
    """The training log against the test log, by this code, is the floor the benchmark README publishes."""
    published = {
        "BPIC_2012_W": {"NGD": 0.075, "AEDD": 69.4, "CEDD": 0.88, "REDD": 9.7, "CTDD": 28.0},
        "AcademicCredentials": {"NGD": 0.170, "AEDD": 108.9, "CEDD": 1.29, "REDD": 24.0, "CTDD": 26.2},
    }[name]
    train = read_log(BENCHMARK / f"{name}_train.csv.gz").events
    test = read_log(BENCHMARK / f"{name}_test.csv.gz").events
    found = floor(train, test, recent=False).as_dict()
    for key, value in published.items():
        assert found[key] == pytest.approx(value, abs=0.05 * value + 0.005), key


def test_the_split_by_events_drops_the_cases_it_cuts():
    log = read_log(LOANS)
    train, test = split_log_by_events(log, 0.2)
    train_cases, test_cases = set(train.events["case"]), set(test["case"])
    assert not train_cases & test_cases
    assert test["end"].min() >= train.events["end"].max()
    cut = set(log.events["case"]) - train_cases - test_cases
    assert cut, "some cases straddle the split"
    share = len(test) / (len(train.events) + len(test))
    assert 0.1 < share <= 0.2
    from scalesim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="between 0 and 1"):
        split_log_by_events(log, 1.2)


def test_a_test_log_with_work_the_model_never_saw_is_reported_not_fatal(tmp_path, capsys):
    scenario = tmp_path / "loans.yaml"
    assert main(["calibrate", str(LOANS), "--out", str(scenario)]) == 0
    events = pd.read_csv(LOANS)
    events.loc[events.index[::9], "concept:name"] = "Phone the notary"
    odd = tmp_path / "odd.csv"
    events.to_csv(odd, index=False)
    capsys.readouterr()
    assert main(["backtest", str(scenario), str(odd), "--runs", "2", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "not in the model: activity 'Phone the notary': 11.1% of the log's work" in out


@needs_logs
@pytest.mark.slow
@pytest.mark.parametrize("name", ["BPIC_2012_W", "AcademicCredentials"])
def test_a_benchmark_log_back_tests_on_the_published_test_window(name, tmp_path, capsys):
    """Calibrate on the training window, back-test on the test window read through the model: every team of the
    test log is simulated, nothing of it is unknown, the five distances come with the floor, and the simulated
    logs are written for anyone to check."""
    scenario = tmp_path / f"{name}.yaml"
    assert main(["calibrate", str(BENCHMARK / f"{name}_train.csv.gz"), "--out", str(scenario)]) == 0
    capsys.readouterr()
    args = [str(BENCHMARK / f"{name}_test.csv.gz"), "--train", str(BENCHMARK / f"{name}_train.csv.gz")]
    assert (
        main(["backtest", str(scenario), *args, "--runs", "3", "--out", str(tmp_path / "o"), "--format", "json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    # what the model never saw (an activity only cases cut at the training window's edges did) is named, and small
    shares = [float(line.rsplit(": ", 1)[1].split("%")[0]) for line in data["unseen"]]
    assert sum(shares) < 1.0, data["unseen"]
    teams = {m["team"]: m["simulated"] for m in data["measures"] if m["measure"] == "utilisation"}
    assert teams and all(np.isfinite(v) and v > 0 for v in teams.values()), teams
    distances_ = data["distances"]
    assert distances_["floor"] is not None and set(distances_["skill"]) == {"NGD", "AEDD", "CEDD", "REDD", "CTDD"}
    (folder,) = (tmp_path / "o").glob("*/backtest-*")
    assert len(list((folder / "simulated").glob("run-*.csv.gz"))) == 3
