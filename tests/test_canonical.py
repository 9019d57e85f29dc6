"""The canonical results in results/canonical/ are reproduced by fresh runs from their manifests."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from scalesim.canonical import COMMANDS, result_folders, verify
from scalesim.cli import main

from conftest import ROOT

pytestmark = pytest.mark.slow  # executes notebooks / re-runs stored results

CANONICAL = ROOT / "results" / "canonical"
FOLDERS = result_folders(CANONICAL)


def test_every_canonical_command_left_a_result():
    kinds = sorted(f.name.split("-")[0] for f in FOLDERS)
    assert len(FOLDERS) == len(COMMANDS) + 1  # the portfolio command stores both portfolios
    assert kinds.count("compare") == 3 and kinds.count("sensitivity") == 3 and kinds.count("portfolio") == 2
    for folder in FOLDERS:
        assert (folder / "report.html").exists()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f"{f.parent.name}/{f.name}")
def test_stored_result_is_reproduced_from_its_manifest(folder):
    assert verify(folder) == []


def test_a_changed_number_is_caught(tmp_path):
    single = next(f for f in FOLDERS if f.parent.name == "claims-triage" and f.name.startswith("seed"))
    copy = tmp_path / single.name
    shutil.copytree(single, copy)
    table = pd.read_csv(copy / "summary.csv")
    table.loc[0, "retention"] += 1e-6
    table.to_csv(copy / "summary.csv", index=False)
    assert verify(copy) == [f"{copy}: retention differs from the stored value"]


def test_reproduce_check_command(tmp_path, capsys):
    single = next(f for f in FOLDERS if f.parent.name == "credit-decisioning")
    shutil.copytree(single, tmp_path / "credit-decisioning" / single.name)
    assert main(["reproduce", "--check", "--out", str(tmp_path)]) == 0
    assert "checked 1 stored results: all reproduced" in capsys.readouterr().out
    assert main(["reproduce", "--check", "--out", str(tmp_path / "empty")]) == 2
