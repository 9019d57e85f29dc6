"""Evidence in: an event log calibrates a production environment that validates, recovers what made the log,
and a malformed log is refused with a reason and nothing written."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalesim.cli import main
from scalesim.evidence.calibrate import calibrate
from scalesim.ops.run import simulate

from conftest import ROOT, tiny

SHARED = ROOT.parent / "shared" / "logs"
EXAMPLE = ROOT / "examples" / "insurance-claims" / "Insurance_Claims_train.csv"
LOANS = ROOT / "examples" / "loan-applications"
LOAN_LOG = LOANS / "LoanApp_simplified.csv.gz"
SHIFT = {"hours_per_day": 8, "days_per_week": 5, "start_hour": 9}


def production_log(folder: Path, *overrides: str) -> Path:
    """The production event log of ``tiny`` with ``overrides``, written as ``known.csv`` in ``folder``."""
    scenario = tiny("run.horizon_days=84", "run.drain_days=14", *overrides)
    table = simulate(scenario, event_log=True).event_log_table()
    table = table[(table["environment"] == "production")].drop(columns=["environment", "design"])
    path = folder / "known.csv"
    table.to_csv(path, index=False)
    return path


def team(staff: int, mean_hours: float) -> str:
    return f"{{staff: {staff}, service_hours: {{dist: exponential, mean: {mean_hours}}}, calendar: {SHIFT}}}"


@pytest.fixture(scope="module")
def simulated_log(tmp_path_factory) -> Path:
    """A known production environment's event log: 40 cases a day through desk (3 people) then approvers (2),
    10 % lost between them, exponential service times."""
    path = production_log(
        tmp_path_factory.mktemp("log"),
        "workload.arrival_rate=40",
        f"production.teams.desk={team(3, 0.4)}",
        f"production.teams.approvers={team(2, 0.3)}",
        "production.handoffs=[{team: desk}, {team: approvers, loss_probability: 0.1}]",
    )
    return path


@pytest.fixture(scope="module")
def parallel_log(tmp_path_factory) -> Path:
    """A log with parallel work: 15 cases a day through intake (3 people), then appraisers (2) and checkers (2)
    at the same time, then officers (2), 20 % lost before the officers."""
    return production_log(
        tmp_path_factory.mktemp("parallel"),
        "workload.arrival_rate=15",
        f"production.teams={{intake: {team(3, 0.3)}, appraisers: {team(2, 0.5)}, checkers: {team(2, 0.4)}, "
        f"officers: {team(2, 0.3)}}}",
        "production.handoffs=[{team: intake}, {team: appraisers, parallel_with: [checkers]}, "
        "{team: officers, loss_probability: 0.2}]",
    )


def test_calibration_finds_parallel_work_and_its_backtest_passes(parallel_log, tmp_path, capsys):
    """Parallel branches are one step of the route (not rework, not two steps in a varying order), the loss after
    them and the service times are recovered, and the calibrated model reproduces the log."""
    found = calibrate(parallel_log).found
    assert [step.teams for step in found.route] == [("intake",), ("appraisers", "checkers"), ("officers",)]
    assert found.route[2].loss_probability == pytest.approx(0.2, abs=5 * math.sqrt(0.16 / found.route[1].reached))
    assert found.exception_rate == 0 and found.exit_visits == 0
    for name, mean in {"intake": 0.3, "appraisers": 0.5, "checkers": 0.4, "officers": 0.3}.items():
        assert found.teams[name].service.mean == pytest.approx(mean, rel=0.1), name
    scenario = tmp_path / "parallel.yaml"
    assert main(["calibrate", str(parallel_log), "--out", str(scenario)]) == 0
    assert "(appraisers + checkers)" in capsys.readouterr().out
    assert "parallel_with: [checkers]" in scenario.read_text()
    assert main(["backtest", str(scenario), str(parallel_log), "--out", str(tmp_path / "o"), "--format", "json"]) == 0
    measures = json.loads(capsys.readouterr().out)["measures"]
    assert not [(m["measure"], m["team"]) for m in measures if m["verdict"] == "warn"]


def test_calibration_recovers_the_environment_that_made_the_log(simulated_log):
    path = simulated_log
    found = calibrate(path).found
    assert found.arrival_rate == pytest.approx(40, rel=0.05)
    assert [step.team for step in found.route] == ["desk", "approvers"]
    reached = found.route[0].reached
    assert found.route[1].loss_probability == pytest.approx(0.1, abs=5 * math.sqrt(0.09 / reached))
    assert found.teams["desk"].staff == 3 and found.teams["approvers"].staff == 2
    assert found.teams["desk"].service.mean == pytest.approx(0.4, rel=0.1)
    assert found.teams["approvers"].service.mean == pytest.approx(0.3, rel=0.1)
    assert found.teams["desk"].service.dist["dist"] in ("exponential", "gamma")
    calendar = found.teams["desk"]
    assert (calendar.start_hour, calendar.start_hour + calendar.hours_per_day, calendar.days_per_week) == (9, 17, 5)


def test_the_calibrated_file_validates_and_the_cli_writes_it_and_its_report(simulated_log, tmp_path, capsys):
    path = simulated_log
    out = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(path), "--out", str(out), "--report"]) == 0
    assert "2 teams" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    text = out.read_text()
    assert "STUB" in text and "# median people at work" in text
    assert (tmp_path / "calibrated.fit.md").read_text().startswith("# Calibration of")
    assert main(["calibrate", str(path), "--out", str(out)]) == 2  # exists: refused without --force
    assert "--force" in capsys.readouterr().err


def test_a_completion_only_log_calibrates_with_upper_bound_service_times(simulated_log, tmp_path):
    path = simulated_log
    table = pd.read_csv(path).drop(columns=["start_time", "enable_time"])
    completion = tmp_path / "completion.csv"
    table.to_csv(completion, index=False)
    found = calibrate(completion).found
    assert found.estimated_starts and any("completion times only" in line for line in found.reading)
    assert found.teams["desk"].service.mean >= 0.4 * 0.9  # biased upwards, never below the truth


@pytest.mark.parametrize("example", [EXAMPLE, LOAN_LOG], ids=["insurance", "loan"])
def test_the_shipped_examples_are_unchanged_copies_with_their_attribution(example):
    assert "Apache License 2.0" in (example.parent / "README.md").read_text()
    original = SHARED / example.name
    if not original.exists():
        pytest.skip(f"{original} is not on this machine")
    assert example.read_bytes() == original.read_bytes()


def test_the_loan_log_with_a_mapping_has_parallel_checks_an_approval_and_exits():
    found = calibrate(LOAN_LOG, LOANS / "mapping.yaml").found
    assert found.approval is not None and float(found.approval["rejection_rate"]) == pytest.approx(185 / 310, abs=1e-4)
    # the three checks run in parallel; the approval is not a route step; the clerks' rejection letters are how
    # rejected cases leave (exit work), not rework
    assert [s.teams for s in found.route] == [
        ("Clerk",),
        ("AML Investigator", "Appraiser", "Clerk"),
        ("Loan Officer",),
        ("Applicant",),
    ]
    assert found.route[3].loss_probability == pytest.approx(190 / 500, abs=1e-4)
    assert found.exit_visits == 190 and found.exception_rate < 0.05
    assert any("Applicant's work follows the approval" in note for note in found.notes)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("log", "mapping", "most_warnings"),
    [
        (LOAN_LOG, None, 0),
        # approvals are simulated after the process (the design's lever), but the log approves before the
        # applicant's step (calibration says so): the applicant's wait and the cycle time's mean and median move
        (LOAN_LOG, LOANS / "mapping.yaml", 3),
        (EXAMPLE, None, 1),  # the cycle times' KS distance (see docs/how-to/from-an-event-log.md)
    ],
    ids=["loan", "loan-with-approvals", "insurance"],
)
def test_the_shipped_logs_backtest_against_themselves(log, mapping, most_warnings, tmp_path, capsys):
    scenario = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(log), "--out", str(scenario), *(["--mapping", str(mapping)] if mapping else [])]) == 0
    capsys.readouterr()
    assert main(["backtest", str(scenario), str(log), "--out", str(tmp_path / "o"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warned"] <= most_warnings, [m for m in data["measures"] if m["verdict"] != "pass"]


def test_the_shipped_example_calibrates():
    calibration = calibrate(EXAMPLE)
    assert [s.team for s in calibration.found.route] == ["Call Centre Operator", "Claims Handler"]


GOOD = (
    "case_id,activity,start_time,end_time,resource\n"
    "1,a,2024-01-01T09:00,2024-01-01T09:10,r1\n1,b,2024-01-01T09:20,2024-01-01T09:30,r2\n"
)


@pytest.mark.parametrize(
    ("content", "mapping", "expected"),
    [
        ("case_id,activity,when\n1,a,2024-01-01\n", None, "no end column"),
        (GOOD.replace("2024-01-01T09:30", "yesterday"), None, "row 3: 'yesterday'"),
        (GOOD.replace("2024-01-01T09:30", "2024-01-01T09:15"), None, "reversed timestamps"),
        ("", None, "empty"),
        ("case_id,activity,start_time,end_time\n1,a,2024-01-01T09:00,2024-01-01T09:10\n", None, "single piece of work"),
        (GOOD, "columns: {case: caseid}\n", "no column 'caseid'"),
        (GOOD, "approvals: [approve]\n", "'approve' is not in the log"),
        ("\x00\x01binary", None, "not a readable CSV"),
        ("name: claims\n", None, "not an event log"),
    ],
    ids=[
        "missing-column",
        "bad-time",
        "reversed",
        "empty",
        "one-event",
        "bad-mapping",
        "no-activity",
        "binary",
        "scenario-file",
    ],
)
def test_a_malformed_log_is_refused_and_nothing_is_written(tmp_path, capsys, content, mapping, expected):
    log = tmp_path / ("log.yaml" if content.startswith("name:") else "log.csv")
    log.write_text(content)
    args = ["calibrate", str(log), "--out", str(tmp_path / "out.yaml")]
    if mapping is not None:
        (tmp_path / "map.yaml").write_text(mapping)
        args += ["--mapping", str(tmp_path / "map.yaml")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "out.yaml").exists()


def test_an_xes_written_by_pm4py_calibrates(tmp_path, simulated_log):
    pm4py = pytest.importorskip("pm4py")
    path = simulated_log
    table = pd.read_csv(path)
    table["start_time"] = pd.to_datetime(table["start_time"], utc=True, format="ISO8601")
    table["end_time"] = pd.to_datetime(table["end_time"], utc=True, format="ISO8601")
    frame = pm4py.format_dataframe(
        table.rename(columns={"team": "org:role"}), case_id="case_id", activity_key="activity", timestamp_key="end_time"
    )
    xes = tmp_path / "known.xes"
    pm4py.write_xes(frame, str(xes))
    found = calibrate(xes).found
    assert found.arrival_rate == pytest.approx(40, rel=0.05)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_backtest_of_a_calibrated_log_passes_its_measures(simulated_log, tmp_path, capsys):
    """Everything but the queue of the busiest team passes; at an offered load near 0.9 one log's queue is one
    draw from a wide spread, so there the log's cycle time must lie within the spread of the simulated runs."""
    path = simulated_log
    scenario = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(path), "--out", str(scenario)]) == 0
    capsys.readouterr()
    assert main(["backtest", str(scenario), str(path), "--out", str(tmp_path / "out"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    verdicts = {(m["measure"], m["team"]): m["verdict"] for m in data["measures"]}
    warned = {k for k, v in verdicts.items() if v == "warn"}
    queue = {("cycle time", "mean (days)"), ("cycle time", "median (days)"), ("waiting days", "approvers")}
    assert warned <= queue, warned
    (folder,) = (tmp_path / "out" / "known").iterdir()
    assert {"backtest.json", "measures.csv", "backtest.png", "cycle_times.csv", "manifest.json"} <= {
        p.name for p in folder.iterdir()
    }
    runs = sorted((folder / "simulated").glob("run-*.csv.gz"))
    assert len(runs) == 10
    means = []
    for run in runs:
        log = pd.read_csv(run, parse_dates=["start_time", "end_time"])
        grouped = log.groupby("case_id")
        means.append(float((grouped["end_time"].max() - grouped["start_time"].min()).dt.total_seconds().mean()) / 86400)
    real = next(m["real"] for m in data["measures"] if m["measure"] == "cycle time" and m["team"] == "mean (days)")
    assert min(means) <= real <= max(means), (real, means)


def test_a_backtest_with_a_wrong_design_or_a_foreign_log_is_refused(simulated_log, tmp_path, capsys):
    path = simulated_log
    scenario = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(path), "--out", str(scenario)]) == 0
    assert main(["backtest", str(scenario), str(path), "--design", "as_si", "--out", str(tmp_path / "o")]) == 2
    assert "no such design" in capsys.readouterr().err
    assert main(["backtest", str(scenario), str(EXAMPLE), "--out", str(tmp_path / "o")]) == 2
    assert "none of the log's work is the model's" in capsys.readouterr().err
    assert main(["backtest", str(path), str(scenario), "--out", str(tmp_path / "o")]) == 2  # swapped
    assert "this is an event log, not a scenario file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_the_how_to_runs_as_written(tmp_path, monkeypatch, capsys):
    """Every command of the event-log how-to (up to the what-if, which needs your own pilot) runs on the shipped
    examples and prints what the how-to shows, line for line."""
    text = (ROOT / "docs" / "how-to" / "from-an-event-log.md").read_text().split("## 5.")[0]
    blocks = re.findall(r"```(bash|text)\n(.*?)```", text, flags=re.DOTALL)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    checked = 0
    printed = ""
    for kind, body in blocks:
        if kind == "bash":
            for line in body.strip().splitlines():
                argv = shlex.split(line)
                assert argv[0] == "scalesim", line
                assert main(argv[1:]) == 0, line
                printed = capsys.readouterr().out
        else:
            for line in body.strip().splitlines():
                assert line.strip() in printed, f"the how-to shows a line the command did not print: {line!r}"
                checked += 1
    assert checked >= 40


@given(
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60),
    st.randoms(use_true_random=False),
)
@settings(max_examples=60, deadline=None)
def test_the_log_distances_agree_with_scipy_and_do_not_depend_on_order(a, b, shuffle):
    """The back-test's Wasserstein distance is scipy's, and the same to the bit for the values in any order (a
    re-run back-test must write the same bytes, whatever layout its arrays get)."""
    from scipy import stats

    from scalesim.evidence.distances import wasserstein_distance as _wasserstein

    distance = _wasserstein(np.array(a), np.array(b))
    assert distance == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-9, abs=1e-9)
    shuffle.shuffle(a)
    shuffle.shuffle(b)
    assert _wasserstein(np.array(a), np.array(b)) == distance


def test_repeated_events_and_a_blank_start_column_are_read_as_what_they_are(tmp_path, capsys):
    """The same piece logged twice is batched work (said with its count, not refused); an export that keeps an
    empty start column is a completion-only log; Disco's column names are recognised without a mapping."""
    frame = pd.read_csv(EXAMPLE)
    repeated = tmp_path / "repeated.csv"
    pd.concat([frame, frame.iloc[[7, 7, 9]]]).to_csv(repeated, index=False)
    assert main(["calibrate", str(repeated), "--out", str(tmp_path / "r.yaml")]) == 0
    out = capsys.readouterr().out
    assert "3 pieces of work repeat another of the same case, activity, resource and times (in 2 cases)" in out
    disco = tmp_path / "disco.csv"
    frame.rename(
        columns={
            "case_id": "Case ID",
            "activity": "Activity",
            "start_time": "Start Timestamp",
            "end_time": "Complete Timestamp",
            "resource": "Resource",
        }
    ).assign(**{"Start Timestamp": ""}).to_csv(disco, index=False)
    assert main(["calibrate", str(disco), "--out", str(tmp_path / "d.yaml")]) == 0
    out = capsys.readouterr().out
    assert "column 'Start Timestamp' (start) is empty everywhere: read as a log without start times" in out
    assert "completion times only: its starts are estimated" in out


def test_side_files_are_refused_before_any_work_without_force(simulated_log, tmp_path, capsys):
    scenario = tmp_path / "c.yaml"
    report = tmp_path / "c.fit.md"
    report.write_text("mine")
    assert main(["calibrate", str(simulated_log), "--out", str(scenario), "--report"]) == 2
    assert "c.fit.md exists" in capsys.readouterr().err
    assert report.read_text() == "mine" and not scenario.exists()
    held = tmp_path / "c.holdout.csv"
    report.unlink()
    held.write_text("mine")
    assert main(["calibrate", str(simulated_log), "--out", str(scenario), "--holdout", "0.3"]) == 2
    assert held.read_text() == "mine" and not scenario.exists()


def test_a_log_without_resources_in_lifecycle_pairs_calibrates(tmp_path, capsys):
    """Before: KeyError 'resource' from a lifecycle log without a resource column."""
    rows = []
    for case in range(40):
        for k, activity in enumerate("ABC"):
            t0 = pd.Timestamp("2024-01-01 09:00") + pd.Timedelta(days=case % 20, hours=k, minutes=case)
            rows += [(case, activity, "start", t0), (case, activity, "complete", t0 + pd.Timedelta(minutes=20))]
    log = tmp_path / "lifecycle.csv"
    pd.DataFrame(rows, columns=["case_id", "activity", "lifecycle:transition", "time:timestamp"]).to_csv(
        log, index=False
    )
    assert main(["calibrate", str(log), "--out", str(tmp_path / "l.yaml")]) == 0
    assert "the log names no resources" in capsys.readouterr().out
