"""One store owns every results folder: the same manifest keys for every kind, the true command, every file listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scalesim
from scalesim.cli import main
from scalesim.errors import ScenarioError
from scalesim.experiment.store import MANIFEST_KEYS, files_in, read_manifest, result_folder

from conftest import SCENARIOS

CLAIMS = str(SCENARIOS / "claims-triage.yaml")
COMMANDS = {
    "run": ["run", CLAIMS, "--days", "7", "--no-ledger"],
    "replications": ["run", CLAIMS, "--days", "7", "--replications", "2", "-j", "1"],
    "compare": ["compare", CLAIMS, "--days", "7", "--replications", "2", "-j", "1"],
    "sweep": [
        "sweep",
        CLAIMS,
        "--days",
        "7",
        "--replications",
        "2",
        "-j",
        "1",
        "--grid",
        "production.accuracy=0.7,0.8",
    ],
    "sensitivity": ["sensitivity", CLAIMS, "--days", "7", "--method", "oat", "-j", "1"],
    "portfolio": [
        "portfolio",
        str(SCENARIOS / "portfolio-status-quo.yaml"),
        "--years",
        "1",
        "--replications",
        "2",
        "-j",
        "1",
    ],
}


@pytest.mark.parametrize("kind", [k if k == "run" else pytest.param(k, marks=pytest.mark.slow) for k in COMMANDS])
def test_every_kind_has_the_same_manifest_the_true_command_and_lists_every_file(tmp_path, capsys, kind):
    args = [*COMMANDS[kind], "--out", str(tmp_path), "--quiet", "--report"]
    assert main(args) == 0
    capsys.readouterr()
    (folder,) = [p.parent for p in tmp_path.glob("*/*/manifest.json")]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert tuple(manifest) == MANIFEST_KEYS
    assert manifest["command"] == ["scalesim", *args]
    assert manifest["status"] == "complete"
    assert manifest["files"] == files_in(folder)
    assert {"report.html", "report.md"} <= set(manifest["files"])
    if kind == "sensitivity":  # its figure is drawn once, next to its ranked table, and embedded in the report
        assert {"sensitivity-oat.csv", "sensitivity-oat.png"} <= set(manifest["files"])
    else:
        assert any(f.startswith("figures/") for f in manifest["files"])


def test_a_library_call_records_itself_as_the_command(tmp_path):
    result = scalesim.compare(CLAIMS, replications=2, days=7, jobs=1, out=tmp_path)
    command = read_manifest(result.folder)["command"]
    assert command[:2] == ["python", "-c"] and "api.compare(" in command[2] and "replications=2" in command[2]


def test_a_stored_experiment_loads_back_as_the_same_result(tmp_path):
    result = scalesim.compare(CLAIMS, replications=2, days=7, jobs=1, out=tmp_path)
    loaded = scalesim.ExperimentResult.load(result.folder)
    assert loaded.to_dict() == result.to_dict()
    assert loaded.spec == result.spec


def test_one_function_names_every_folder(tmp_path):
    a = result_folder(tmp_path, "x", "compare", {"b": 1, "a": [1, 2]})
    assert a == result_folder(tmp_path, "x", "compare", {"a": [1, 2], "b": 1})
    assert a != result_folder(tmp_path, "x", "compare", {"a": [1, 2], "b": 2})
    assert a.parent == Path(tmp_path) / "x" and a.name.startswith("compare-")


def test_a_folder_that_is_not_a_result_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="not a scalesim results folder"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"kind": "run"}')
    with pytest.raises(ScenarioError, match="written by another version of scalesim"):
        read_manifest(tmp_path)
