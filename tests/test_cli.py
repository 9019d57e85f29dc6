"""The ``scalesim`` command end to end: output, files, determinism and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from scalesim.cli import main
from scalesim.scenario.load import read_yaml

from conftest import SCENARIOS

CLAIMS = str(SCENARIOS / "claims-triage.yaml")


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_has_the_documented_keys_and_erosion_adds_up(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "run", CLAIMS, "--days", "90", "--format", "json", "--out", str(tmp_path))
    assert code == 0
    data = json.loads(out)
    designs = data["designs"]
    assert {"bolt_on", "redesigned"} <= set(designs)
    for d in designs.values():
        for key in ("retention", "erosion", "net_value_per_year", "lead_time"):
            assert key in d
        assert "value_per_case" in d["pilot"] and "value_per_case" in d["production"]
        gap = d["pilot"]["value_per_case"] - d["production"]["value_per_case"]
        assert sum(d["erosion"].values()) == pytest.approx(gap, rel=1e-9)
        assert set(d["lead_time"]) >= {"mean", "p90"}
    assert designs["bolt_on"]["retention"] + 0.15 < designs["redesigned"]["retention"] < 1.0


def test_same_seed_same_bytes_other_seed_other_numbers(capsys, tmp_path):
    args = ("run", CLAIMS, "--days", "30", "--format", "json", "--out", str(tmp_path), "--no-ledger")
    _, first, _ = run_cli(capsys, *args)
    _, second, _ = run_cli(capsys, *args)
    _, other, _ = run_cli(capsys, *args, "--seed", "99")
    assert first == second
    a, b = json.loads(first), json.loads(other)
    assert (
        a["designs"]["bolt_on"]["production"]["value_per_case"]
        != b["designs"]["bolt_on"]["production"]["value_per_case"]
    )


def test_run_writes_manifest_summary_and_ledger(capsys, tmp_path):
    code, out, _ = run_cli(
        capsys,
        "run",
        CLAIMS,
        "--days",
        "20",
        "--design",
        "redesigned",
        "--seed",
        "5",
        "--set",
        "production.teams.adjusters.staff=20",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    assert "redesigned" in out and "bolt_on" not in out and "retention" in out
    (folder,) = (tmp_path / "claims-triage").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["designs"] == ["redesigned"]
    assert manifest["resolved_scenario"]["production"]["teams"]["adjusters"]["staff"] == 20
    assert manifest["resolved_scenario"]["run"]["horizon_days"] == 20
    assert manifest["versions"]["simpy"] and manifest["versions"]["scalesim"]
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary["design"]) == ["redesigned"]
    ledger = pd.read_parquet(folder / "ledger.parquet")
    assert len(ledger) == summary["cases"].iloc[0]
    assert set(ledger["production_fate"].astype(str)) <= {
        "realized",
        "no_score",
        "exception",
        "orphaned",
        "lost_in_handoff",
        "rejected",
        "caught",
        "not_adopted",
        "wrong_action",
        "unfinished",
    }
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_no_ledger_skips_the_parquet(capsys, tmp_path):
    run_cli(capsys, "run", CLAIMS, "--days", "10", "--no-ledger", "--out", str(tmp_path))
    (folder,) = (tmp_path / "claims-triage").iterdir()
    assert not (folder / "ledger.parquet").exists()
    files = json.loads((folder / "manifest.json").read_text())["files"]
    assert "ledger.parquet" not in files
    assert sorted(files) == sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("production.data_quality: 1.5", "production.data_quality"),
        ("production.colour: red", "production.colour: unknown field"),
        ("production.handoffs.0.team: nobody", "unknown team 'nobody'"),
    ],
)
def test_bad_scenario_exits_2_with_one_message_and_writes_nothing(capsys, tmp_path, content, expected):
    raw = read_yaml(CLAIMS)
    path, value = content.split(": ")
    *parents, key = path.split(".")
    node = raw
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[key] = yaml.safe_load(value)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "run", str(bad), "--out", str(out_dir))
    assert code == 2
    assert out == ""
    assert str(bad) in err and expected in err
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_bad_options_exit_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", CLAIMS, "--design", "nope", "--out", str(tmp_path))
    assert code == 2 and "no such design in scenario 'claims-triage'; designs: bolt_on, redesigned" in err
    code, _, err = run_cli(capsys, "run", CLAIMS, "--set", "workload.arrival_rate=-4", "--out", str(tmp_path))
    assert code == 2 and "workload.arrival_rate" in err and "-4" in err
    with pytest.raises(SystemExit) as info:
        main(["run", CLAIMS, "--days", "-3"])
    assert info.value.code == 2
    assert "expected a number of days > 0" in capsys.readouterr().err
    assert not (tmp_path / "claims-triage").exists()


def test_validate_and_schema(capsys):
    code, out, _ = run_cli(capsys, "validate", CLAIMS)
    assert code == 0 and "valid scenario 'claims-triage'" in out
    code, out, _ = run_cli(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "scalesim scenario" and "designs" in schema["properties"]


@pytest.mark.slow
def test_console_script_runs_without_traceback_on_bad_input(tmp_path):
    """The installed entry point, in a real process: exit code and stderr as a user sees them."""
    proc = subprocess.run(
        [sys.executable, "-m", "scalesim.cli", "validate", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"scalesim: error: {tmp_path / 'missing.yaml'}: no such scenario file"


def test_validate_accepts_portfolio_files(capsys):
    code, out, _ = run_cli(capsys, "validate", str(SCENARIOS / "portfolio-status-quo.yaml"))
    assert code == 0 and "valid portfolio scenario 'portfolio-status-quo'" in out


@pytest.mark.slow
def test_output_piped_into_a_reader_that_stops_early_is_not_an_error():
    # `true` exits at once, long before the interpreter has started and written: the write meets a closed pipe
    command = f"set -o pipefail; {sys.executable} -m scalesim.cli schema | true"
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stderr == ""
