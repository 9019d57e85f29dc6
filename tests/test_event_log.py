"""The simulated event log: consistent with the run it comes from, readable by process-mining tools, off by default."""

from __future__ import annotations

import pandas as pd
import pytest

from scalesim.cli import main
from scalesim.ops.run import simulate

from conftest import SCENARIOS, tiny

CLAIMS = SCENARIOS / "claims-triage.yaml"


@pytest.fixture(scope="module")
def logged():
    from scalesim.api import resolve

    # without error reviews or go-live training: work that belongs to no case is not in the log
    scenario = resolve(
        CLAIMS,
        days=21,
        overrides=["designs.redesigned.accountability=null", "designs.redesigned.go_live.training_hours=0"],
    )
    return simulate(scenario, event_log=True)


def test_the_log_has_the_simod_columns_and_every_environment(logged):
    table = logged.event_log_table()
    assert list(table.columns[:6]) == ["case_id", "activity", "resource", "enable_time", "start_time", "end_time"]
    assert set(zip(table["environment"], table["design"], strict=True)) == {
        ("pilot", "pilot"),
        ("production", "bolt_on"),
        ("production", "redesigned"),
    }
    assert (table["enable_time"] <= table["start_time"]).all() and (table["start_time"] <= table["end_time"]).all()


def test_every_piece_of_work_of_a_team_is_a_row(logged):
    """Without checks or reviews (work that belongs to no case), a team's rows are exactly what it served."""
    table = logged.event_log_table()
    runs = {"pilot": logged.pilot, **logged.production}
    for design, run in runs.items():
        rows = table[(table["design"] == design) & (table["resource"] != "committee")]
        for stats in run.teams:
            assert (rows["team"] == stats.team).sum() == stats.served, (design, stats.team)


def test_a_person_never_does_two_things_at_once_and_a_team_never_has_more_people_than_staff(logged):
    table = logged.event_log_table()
    for (design, team), rows in table[table["resource"] != "committee"].groupby(["design", "team"]):
        staff = {t.team: t.staff for t in ({"pilot": logged.pilot, **logged.production}[design]).teams}[team]
        people = rows["resource"].str.rsplit("_", n=1).str[1].astype(int)
        assert people.between(1, staff).all()
        for _, work in rows.sort_values("start_time").groupby("resource"):
            # a person's next piece of work starts when the previous one has ended (or later)
            assert (work["start_time"].iloc[1:].to_numpy() >= work["end_time"].iloc[:-1].to_numpy()).all()


def test_keeping_the_log_changes_no_number():
    scenario = tiny("run.horizon_days=14", "designs.plain.approval={policy: committee, committee: {every_days: 7}}")
    plain = simulate(scenario).summary()
    logged = simulate(scenario, event_log=True)
    assert logged.summary() == plain
    committee = logged.event_log_table().query("activity == 'committee approval'")
    assert len(committee) and (committee["start_time"] == committee["end_time"]).all()


def test_a_run_without_the_log_says_so(logged):
    with pytest.raises(ValueError, match="kept no event log"):
        simulate(tiny("run.horizon_days=7")).event_log_table()


@pytest.mark.slow
def test_cli_writes_csv_and_xes_that_pm4py_reads(tmp_path, capsys):
    pm4py = pytest.importorskip("pm4py")  # in the dev extra; AGPL-licensed, so never a dependency of scalesim
    args = ["run", str(CLAIMS), "--days", "14", "--event-log", "--no-ledger", "--out", str(tmp_path)]
    assert main(args) == 0
    assert "event log:" in capsys.readouterr().out
    (folder,) = (tmp_path / "claims-triage").iterdir()
    csv = pd.read_csv(folder / "event_log.csv")
    xes = pm4py.read_xes(str(folder / "event_log.xes"))
    enabled = pd.to_datetime(csv["enable_time"], format="ISO8601")
    waited = int((enabled < pd.to_datetime(csv["start_time"], format="ISO8601")).sum())
    assert len(xes) == 2 * len(csv) + waited  # start and complete per activity, and schedule where it waited
    assert (xes["lifecycle:transition"] == "schedule").sum() == waited
    assert xes["case:concept:name"].nunique() == csv.groupby(["environment", "design", "case_id"]).ngroups
    assert set(xes["org:resource"]) == set(csv["resource"])
    manifest_files = set(pd.read_json(folder / "manifest.json", typ="series")["files"])
    assert {"event_log.csv", "event_log.xes"} <= manifest_files


def test_event_log_with_replications_is_refused(tmp_path, capsys):
    args = ["run", str(CLAIMS), "--days", "7", "--event-log", "--replications", "2", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "--event-log" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
