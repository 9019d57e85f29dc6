"""Every kind of result folder loads as its object, re-runs from its manifest, writes its manifest once with the
caller's command, and — made by a library call — records a command that makes the same folder again."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import scalesim
from scalesim import kinds
from scalesim.cli import main
from scalesim.experiment import atomic
from scalesim.experiment.experiment import ExperimentResult
from scalesim.experiment.portfolio import PortfolioResult
from scalesim.experiment.sensitivity import SensitivityResult

from conftest import ROOT, SCENARIOS
from test_decide import decision_scenario
from test_evidence import production_log, team

CLAIMS = SCENARIOS / "claims-triage.yaml"


def make(kind: str, out: Path) -> Path:
    """A small folder of each kind, made by the library (recorded as library calls)."""
    if kind == "run":
        return scalesim.write_run(scalesim.run(CLAIMS, days=10), out, ledger=False)
    if kind == "replications":
        return scalesim.replicate(CLAIMS, days=10, replications=2, out=out, jobs=1).folder
    if kind == "compare":
        return scalesim.compare(CLAIMS, days=10, replications=2, out=out, jobs=1).folder
    if kind == "sweep":
        grid = {"production.accuracy": [0.7, 0.9]}
        return scalesim.sweep(CLAIMS, grid, days=10, replications=2, out=out, jobs=1).folder
    if kind == "sensitivity":
        return scalesim.sensitivity(CLAIMS, "oat", days=7, out=out, jobs=1).experiment.folder
    if kind == "decide":
        return scalesim.decide(decision_scenario(), samples=16, out=out, jobs=1).experiment.folder
    if kind == "backtest":
        out.mkdir(parents=True, exist_ok=True)
        log = production_log(
            out,
            "workload.arrival_rate=20",
            f"production.teams.desk={team(3, 0.4)}",
            f"production.teams.approvers={team(2, 0.3)}",
            "production.handoffs=[{team: desk}, {team: approvers}]",
        )
        scenario = out / "calibrated.yaml"
        assert main(["calibrate", str(log), "--out", str(scenario)]) == 0
        return scalesim.write_backtest(scalesim.backtest(scenario, log), out)
    if kind == "breakeven":
        return scalesim.breakeven(
            CLAIMS, "redesigned", "value.uplift.mean", days=10, replications=2, span=(5.0, 120.0), out=out, jobs=1
        ).experiment.folder
    if kind == "portfolio":
        return scalesim.run_portfolio(
            SCENARIOS / "portfolio-status-quo.yaml", years=1, replications=2, out=out, jobs=1
        ).folder
    raise AssertionError(kind)


LOADED = {
    "run": kinds.StoredRun,
    "replications": ExperimentResult,
    "compare": ExperimentResult,
    "sweep": ExperimentResult,
    "sensitivity": SensitivityResult,
    "decide": kinds.StoredDecision,
    "backtest": kinds.StoredBacktest,
    "portfolio": PortfolioResult,
    "breakeven": kinds.StoredBreakeven,
}
FAST = ["run", "replications", "compare", "decide"]
SLOW = ["sweep", "sensitivity", "backtest", "portfolio", "breakeven"]
ALL = [*FAST, *(pytest.param(k, marks=pytest.mark.slow) for k in SLOW)]


def test_every_kind_is_in_the_registry():
    assert set(kinds.KINDS) == set(LOADED)


@pytest.mark.parametrize("kind", ALL)
def test_a_folder_of_every_kind_loads_re_runs_and_reports(kind, tmp_path, capsys):
    folder = make(kind, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert kinds.kind_of(manifest).name == kind
    assert isinstance(kinds.load(folder), LOADED[kind])
    assert kinds.verify(folder) == [], "re-executed from its manifest, it gives what it stored"
    assert main(["reproduce", "--check", "--out", str(tmp_path)]) == 0  # every kind, the replicated run included
    assert "all reproduced" in capsys.readouterr().out
    html_path, _ = scalesim.write_report(folder, workbook=True)
    listed = json.loads((folder / "manifest.json").read_text())["files"]
    assert {"report.html", "report.md", "workbook.xlsx"} <= set(listed)
    assert "<section class='first-page'>" in html_path.read_text()


def test_a_changed_number_is_found_by_the_re_run(tmp_path):
    folder = make("replications", tmp_path)
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.loc[0, "npv"] += 1.0
    runs.to_parquet(folder / "runs.parquet", index=False)
    assert kinds.verify(folder) == [f"{folder}: npv differs from the stored value"]


def test_a_changed_decision_is_found_by_deriving_it_again(tmp_path):
    folder = make("decide", tmp_path)
    data = json.loads((folder / "decision.json").read_text())
    data["evpi"] += 1.0
    (folder / "decision.json").write_text(json.dumps(data, indent=2) + "\n")
    assert kinds.verify(folder) == [f"{folder}: decision.json differs from the analysis of its worlds"]


def test_a_folder_missing_a_file_of_its_kind_is_refused_by_name(tmp_path):
    folder = make("run", tmp_path)
    (folder / "money.csv").unlink()
    with pytest.raises(scalesim.ScenarioError, match=r"a run result without money\.csv; run its command again"):
        kinds.load(folder)


def test_an_unknown_kind_is_refused(tmp_path):
    folder = make("run", tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["kind"] = "forecast"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(scalesim.ScenarioError, match="a 'forecast' result: this version of scalesim knows run,"):
        kinds.load(folder)
    assert main(["report", str(folder)]) == 2


@pytest.mark.parametrize(
    "command",
    [
        ["run", str(CLAIMS), "--days", "10", "--no-ledger"],
        ["compare", str(CLAIMS), "--days", "10", "--replications", "2", "-j", "1"],
        pytest.param(["decide", str(CLAIMS), "--days", "10", "--samples", "16", "-j", "1"], marks=pytest.mark.slow),
        pytest.param(["sensitivity", str(CLAIMS), "--method", "oat", "--days", "7", "-j", "1"], marks=pytest.mark.slow),
    ],
)
def test_the_manifest_is_written_once_with_the_command_line(command, tmp_path, monkeypatch, capsys):
    writes: list[Path] = []
    real = atomic.write_text

    def counted(path: Path, text: str) -> None:
        if path.name == "manifest.json":
            writes.append(path)
        real(path, text)

    monkeypatch.setattr(atomic, "write_text", counted)
    line = [*command, "--out", str(tmp_path), "--report", "--xlsx", "--quiet"]
    assert main(line) == 0
    capsys.readouterr()
    assert len(writes) == 1, writes
    (manifest,) = tmp_path.glob("*/*/manifest.json")
    data = json.loads(manifest.read_text())
    assert data["command"] == ["scalesim", *line]
    assert {"report.html", "workbook.xlsx"} <= set(data["files"])


def _rerun(command: list[str]) -> None:
    assert command[:2] == ["python", "-c"]
    subprocess.run([sys.executable, "-c", command[2]], cwd=ROOT, check=True, capture_output=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "sensitivity", "backtest"])
def test_the_command_a_library_call_records_makes_the_same_folder(kind, tmp_path):
    out = tmp_path / "out"
    folder = make(kind, out)
    manifest = json.loads((folder / "manifest.json").read_text())
    names = ("summary.csv", "runs.parquet", "measures.csv", "cycle_times.csv")
    kept = {name: (folder / name).read_bytes() for name in names if (folder / name).exists()}
    assert kept
    for name in kept:  # the numbers go; the manifest stays, as a stored result's does
        (folder / name).unlink()
    _rerun(manifest["command"])
    for name, data in kept.items():
        assert (folder / name).exists(), f"the recorded command writes {name} again"
        if name.endswith(".parquet"):
            assert pd.read_parquet(folder / name).equals(pd.read_parquet(io.BytesIO(data)))
        else:
            assert (folder / name).read_bytes() == data


@pytest.mark.slow
def test_a_library_call_on_an_in_memory_scenario_records_its_folder(tmp_path):
    scenario = scalesim.resolve(CLAIMS, days=10, overrides=["production.accuracy=0.75"])
    folder = scalesim.compare(scenario, replications=2, out=tmp_path, jobs=1).folder
    command = json.loads((folder / "manifest.json").read_text())["command"]
    assert f"api.stored_scenario({str(folder)!r})" in command[2]
    runs = pd.read_parquet(folder / "runs.parquet")
    (folder / "runs.parquet").unlink()  # the folder's runs are made again from its own manifest's scenario
    _rerun(command)
    assert pd.read_parquet(folder / "runs.parquet").equals(runs)
