"""Experiments: replications, paired comparisons, precision, sweeps, executors, the resumable store."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml

import scalesim
from scalesim.cli import main
from scalesim.experiment.stats import half_width, paired_difference
from scalesim.experiment.sweep import grid_points, parse_grid
from scalesim.experiment.tasks import replication_seed
from scalesim.ops import simulate

from conftest import ROOT, SCENARIOS, tiny

CLAIMS = SCENARIOS / "claims-triage.yaml"
SHORT = {"days": 20}


def test_student_t_half_width_and_paired_difference():
    # t(0.975, 4) = 2.7764; sd of 1..5 = 1.5811
    assert half_width([1, 2, 3, 4, 5]) == pytest.approx(2.7764 * 1.5811 / np.sqrt(5), rel=1e-4)
    assert np.isnan(half_width([3.0]))
    a = np.array([10.0, 12.0, 9.0, 15.0])
    diff = paired_difference(a, a + 2.0)  # perfectly correlated: the difference is known exactly
    assert diff["mean"] == pytest.approx(2.0) and diff["half_width"] == 0.0 and diff["unpaired_half_width"] > 1


def test_replication_seeds_are_spawned_children_of_the_root():
    children = np.random.SeedSequence(42).spawn(3)
    for r, child in enumerate(children):
        ours = replication_seed(42, r)
        assert ours.spawn_key == child.spawn_key and ours.entropy == child.entropy


def test_each_replication_row_is_the_run_with_that_seed(tmp_path):
    result = scalesim.replicate(tiny(), replications=3, out=tmp_path, jobs=1)
    assert len(result.runs) == 3 and list(result.runs["replication"]) == [0, 1, 2]
    alone = simulate(tiny(), seed=replication_seed(3, 2)).summary_table()
    row = result.runs[result.runs["replication"] == 2].iloc[0]
    assert row["production_value_per_case"] == alone["production_value_per_case"].iloc[0]


@pytest.mark.slow
def test_more_replications_reuse_the_ones_already_run(tmp_path):
    first = scalesim.replicate(CLAIMS, replications=2, out=tmp_path, jobs=1, **SHORT)
    second = scalesim.replicate(CLAIMS, replications=4, out=tmp_path, jobs=1, **SHORT)
    assert second.folder == first.folder
    assert (first.ran, second.ran, second.reused) == (2, 2, 2)
    pd.testing.assert_frame_equal(second.runs[second.runs["replication"] < 2].reset_index(drop=True), first.runs)
    assert len(pd.read_parquet(second.folder / "runs.parquet")) == 8


@pytest.fixture(scope="module")
def executor_runs(tmp_path_factory):
    """The same small sweep, serially, on a process pool of 2 and on a dask LocalCluster."""
    grid = {"production.teams.adjusters.staff": [12, 16]}
    out = {}
    for name, options in {
        "serial": {"jobs": 1},
        "pool": {"jobs": 2},
        "dask": {"jobs": 2, "scheduler": "local"},
    }.items():
        result = scalesim.sweep(CLAIMS, grid, replications=2, out=tmp_path_factory.mktemp(name), **options, **SHORT)
        out[name] = result
    return out


@pytest.mark.slow
def test_serial_pool_and_dask_give_identical_run_tables(executor_runs):
    serial = executor_runs["serial"].runs
    assert len(serial) == 2 * 2 * 2
    for name in ("pool", "dask"):
        pd.testing.assert_frame_equal(executor_runs[name].runs, serial, check_exact=True)


@pytest.mark.slow
def test_sweep_table_is_tidy_with_parameters_as_columns(executor_runs):
    runs = executor_runs["serial"].runs
    assert {"point", "replication", "design", "production.teams.adjusters.staff", "retention"} <= set(runs.columns)
    assert runs.groupby(["point", "replication", "design"]).size().eq(1).all()
    assert sorted(runs["production.teams.adjusters.staff"].unique()) == [12, 16]
    manifest = json.loads((executor_runs["serial"].folder / "manifest.json").read_text())
    assert manifest["details"]["grid"] == {"production.teams.adjusters.staff": [12, 16]}
    assert manifest["seeds"] == [{"replication": r, "entropy": 20261126, "spawn_key": [r]} for r in range(2)]
    assert manifest["status"] == "complete" and manifest["versions"]["scalesim"]


@pytest.mark.slow
def test_compare_pairing_narrows_the_interval_on_the_claims_scenario(tmp_path):
    """Designs share the replication's streams: a twin of ``redesigned`` that differs only in its running costs
    has the same production, case by case, so its paired difference is exactly the extra cost with no noise, where
    an unpaired comparison would see the whole spread of the replications. (Between two designs that differ in how
    cases flow the pairing gains only as much as their outcomes move together: too little in 60 days to test.)"""
    raw = yaml.safe_load(CLAIMS.read_text())
    twin = copy.deepcopy(raw["designs"]["redesigned"])
    twin["costs"]["recurring_per_year"] += 100_000
    raw["designs"]["redesigned_dearer"] = twin
    path = tmp_path / "claims-twin.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    result = scalesim.compare(path, replications=6, out=tmp_path / "out", jobs=2, days=60)
    data = result.to_dict()
    net = next(c for c in data["comparisons"] if c["metric"] == "net_value_per_year" and c["design"] == "redesigned")
    assert net["baseline"] == "bolt_on" and net["mean"] > 0
    retention = next(c for c in data["comparisons"] if c["metric"] == "retention" and c["design"] == "redesigned")
    assert retention["mean"] - retention["half_width"] > 0.2  # a difference the interval cannot explain away
    runs = pd.read_parquet(result.folder / "runs.parquet").pivot(index="replication", columns="design")
    net_value = runs["net_value_per_year"]
    twin_minus = paired_difference(net_value["redesigned"], net_value["redesigned_dearer"])
    assert twin_minus["mean"] == pytest.approx(-100_000)
    assert twin_minus["half_width"] < 1e-6 * abs(twin_minus["mean"])
    assert twin_minus["unpaired_half_width"] > 1_000  # the replications' spread, which pairing removes
    per_case = runs["production_value_per_case"]
    assert (per_case["redesigned"] == per_case["redesigned_dearer"]).all()


@pytest.mark.slow
def test_precision_adds_replications_until_met(tmp_path):
    result = scalesim.replicate(
        tiny("production.accuracy=0.6"), replications=2, precision=0.01, out=tmp_path, jobs=1, max_replications=40
    )
    assert result.precision["met"] and result.replications > 2
    values = result.runs["retention"].to_numpy()
    assert half_width(values) / values.mean() <= 0.01
    capped = scalesim.replicate(
        tiny("production.accuracy=0.6"), replications=2, precision=0.0001, out=tmp_path, jobs=1, max_replications=4
    )
    assert not capped.precision["met"] and capped.replications == 4


def test_grid_parsing_and_points():
    grid = parse_grid(["a.b=1,2", "c=x,1e-3,true"])
    assert grid == {"a.b": [1, 2], "c": ["x", 0.001, True]}
    assert grid_points(grid)[:2] == [{"a.b": 1, "c": "x"}, {"a.b": 1, "c": 0.001}]
    assert len(grid_points(grid)) == 6
    with pytest.raises(scalesim.ScenarioError, match=r"expected path\.to\.field=v1,v2"):
        parse_grid(["nothing"])


def test_a_bad_grid_value_is_reported_before_anything_runs(tmp_path, capsys):
    code = main(["sweep", str(CLAIMS), "--grid", "production.accuracy=0.5,1.7", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "grid point 1 (production.accuracy=1.7)" in err and "production.accuracy" in err
    assert not any(tmp_path.iterdir())


def test_sweep_file_and_json_output(tmp_path, capsys):
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text("grid:\n  production.data_quality: [0.8, 0.95]\ndesigns: [redesigned]\nreplications: 2\n")
    code = main(
        [
            "sweep",
            str(CLAIMS),
            "--sweep-file",
            str(sweep_file),
            "--days",
            "10",
            "--format",
            "json",
            "--out",
            str(tmp_path / "out"),
            "-j",
            "1",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["kind"] == "sweep" and data["replications"] == 2
    assert [p["parameters"] for p in data["points"]] == [
        {"production.data_quality": 0.8},
        {"production.data_quality": 0.95},
    ]
    low, high = (p["designs"]["redesigned"]["retention"]["mean"] for p in data["points"])
    assert low < high
    # the points are paired against the first, replication by replication (common random numbers)
    assert data["against"] == {"production.data_quality": 0.8}
    (difference,) = [d for d in data["point_differences"] if d["metric"] == "retention"]
    assert difference["parameters"] == {"production.data_quality": 0.95}
    assert difference["mean"] == pytest.approx(high - low, rel=1e-9)


def test_sweep_pairs_the_points_against_a_named_one(tmp_path, capsys):
    common = ["sweep", str(CLAIMS), "--grid", "production.teams.adjusters.staff=14,16", "--design", "redesigned"]
    common += ["--days", "10", "--replications", "2", "--out", str(tmp_path), "-j", "1", "--quiet"]
    assert main([*common, "--against", "production.teams.adjusters.staff=16"]) == 0
    text = capsys.readouterr().out
    assert "paired differences against production.teams.adjusters.staff=16" in text
    assert "production.teams.adjusters.staff=14  redesigned  net value per year" in text
    assert main([*common, "--against", "production.teams.adjusters.staff=15"]) == 2
    assert "not a value of the sweep; its values are 14, 16" in capsys.readouterr().err
    assert main([*common, "--against", "production.teams.adjuster.staff=16"]) == 2
    assert "did you mean 'production.teams.adjusters.staff'" in capsys.readouterr().err
    assert main([*common, "--against", "production.teams.adjusters.staff=14,16"]) == 2
    assert "one value" in capsys.readouterr().err


def test_compare_pairs_against_todays_process(tmp_path, capsys):
    argv = ["compare", str(CLAIMS), "--designs", "today,redesigned", "--days", "10", "--replications", "2"]
    assert main([*argv, "--out", str(tmp_path), "-j", "1", "--quiet", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    npv = next(c for c in data["comparisons"] if c["metric"] == "npv")
    assert npv["baseline"] == "today" and npv["mean"] == pytest.approx(data["designs"]["redesigned"]["npv"]["mean"])
    assert data["designs"]["today"]["npv"]["mean"] == 0.0 and data["designs"]["today"]["pays_share"] is None


def test_run_with_replications_prints_mean_and_half_width(tmp_path, capsys):
    code = main(["run", str(CLAIMS), "--days", "10", "--replications", "3", "--out", str(tmp_path), "-j", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "3 replications" in out and " ± " in out and "retention" in out


def test_bad_experiment_options_exit_2(tmp_path, capsys):
    assert main(["compare", str(CLAIMS), "--designs", "bolt_on,nope", "--out", str(tmp_path)]) == 2
    assert "no such design" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", str(CLAIMS), "--precision", "1.5"])
    assert "share between 0 and 1" in capsys.readouterr().err
    assert main(["sweep", str(CLAIMS), "--out", str(tmp_path)]) == 2
    assert "at least one --grid" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_killed_sweep_resumes_with_exactly_one_row_per_run(tmp_path):
    """SIGKILL a sweep half-way, re-run the same command: it runs only what is missing, and nothing doubles."""
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "scalesim.cli",
        "sweep",
        str(CLAIMS),
        "--days",
        "15",
        "--grid",
        "production.teams.intake.staff=5,6,7",
        "--replications",
        "4",
        "-j",
        "1",
        "--quiet",
        "--out",
        str(out),
        "--format",
        "json",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    parts: list = []
    while time.monotonic() < deadline and len(parts) < 3:
        parts = list(out.glob("claims-triage/sweep-*/parts/*.rows.parquet"))
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= len(parts) < 12, "the sweep should have been killed part-way"
    finished = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    data = json.loads(finished.stdout)
    assert data["replications"] == 4 and len(data["points"]) == 3
    (folder,) = out.glob("claims-triage/sweep-*")
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 3 * 4 * 2
    assert not runs.duplicated(["point", "replication", "design"]).any()
    assert not (folder / "parts").exists()
    assert not list(folder.glob(".tmp-*"))


def test_welch_finds_the_end_of_a_ramp():
    from scalesim.experiment.warmup import welch

    rng = np.random.default_rng(0)
    rows = []
    for r in range(5):
        for week in range(40):
            level = 10.0 * min(1.0, (week + 1) / 8)  # ramps up over 8 weeks, then steady
            rows.append(
                {
                    "replication": r,
                    "week": week,
                    "arrivals": 100,
                    "production_value": 100 * (level + rng.normal(0, 0.3)),
                }
            )
    result = welch(pd.DataFrame(rows))
    assert result.steady == pytest.approx(10.0, rel=0.02)
    assert 6 <= result.warmup_weeks <= 9 and result.warmup_days == 7 * result.warmup_weeks
    flat = welch(pd.DataFrame([{**row, "production_value": 1000.0} for row in rows]))
    assert flat.warmup_weeks == 0


def test_compare_and_sweep_text_output(tmp_path, capsys):
    assert main(["compare", str(CLAIMS), "--days", "10", "--replications", "2", "-j", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "paired differences against bolt_on" in out and "pairing narrowed it" in out
    assert "net value per year" in out and "results:" in out
    code = main(
        [
            "sweep",
            str(CLAIMS),
            "--days",
            "10",
            "--replications",
            "2",
            "-j",
            "1",
            "--out",
            str(tmp_path),
            "--grid",
            "production.accuracy=0.7,0.9",
            "--design",
            "redesigned",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "2 points x 1 designs x 2 replications" in out and "production.accuracy" in out


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error_and_writes_nothing(tmp_path, capsys):
    code = main(
        [
            "compare",
            str(CLAIMS),
            "--days",
            "7",
            "--replications",
            "2",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2 and "cannot reach the dask scheduler" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("*.parquet"))
