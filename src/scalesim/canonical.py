"""The canonical results in ``results/canonical/``: the commands that make them, and a check that they still hold.

``scalesim reproduce`` runs every command below (a few minutes on two cores); ``scalesim reproduce --check``
re-executes a sample of the stored runs from their manifests — the resolved scenario and seed — and compares the
numbers to the stored tables exactly. The same check runs in the test suite.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scalesim.about import CANONICAL
from scalesim.experiment.experiment import ExperimentResult
from scalesim.experiment.portfolio import PortfolioResult, PortfolioTask, execute_portfolio
from scalesim.experiment.store import read_manifest
from scalesim.experiment.tasks import Task, execute
from scalesim.ops.run import simulate
from scalesim.scenario.load import validate

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("run", "scenarios/claims-triage.yaml", "--no-ledger"),
    ("run", "scenarios/invoice-exceptions.yaml", "--no-ledger"),
    ("run", "scenarios/credit-decisioning.yaml", "--no-ledger"),
    ("run", "scenarios/stall-demo.yaml", "--no-ledger"),
    ("compare", "scenarios/claims-triage.yaml", "--replications", "10"),
    ("compare", "scenarios/invoice-exceptions.yaml", "--replications", "10"),
    ("compare", "scenarios/stall-demo.yaml", "--replications", "10"),
    (
        "portfolio",
        "scenarios/portfolio-status-quo.yaml",
        "--against",
        "scenarios/portfolio-production-first.yaml",
        "--replications",
        "20",
    ),
    ("sensitivity", "scenarios/claims-triage.yaml", "--method", "morris", "--samples", "8", "--days", "180"),
    ("sensitivity", "scenarios/claims-triage.yaml", "--method", "sobol", "--samples", "16", "--days", "90"),
    ("sensitivity", "scenarios/stall-demo.yaml", "--method", "morris", "--samples", "8"),
)


def reproduce_all(run: Callable[[Sequence[str]], int], out: Path = CANONICAL, jobs: int | None = None) -> None:
    """Regenerate every canonical result from scratch (through ``run``, the CLI's entry point), with reports.

    Experiments resume from stored runs, so regenerating in place would silently reuse them: the old folder is
    set aside first and every number is computed anew. It is restored if a command fails, deleted otherwise.
    """
    out = Path(out)
    retired = out.with_name(f".{out.name}.previous")
    shutil.rmtree(retired, ignore_errors=True)
    if out.exists():
        os.replace(out, retired)
    extra = ["--out", str(out), "--quiet", "--report", *(["-j", str(jobs)] if jobs else [])]
    try:
        for command in COMMANDS:
            code = run([*command, *extra])
            if code != 0:
                raise RuntimeError(f"scalesim {' '.join(command)} failed with exit code {code}")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        if retired.exists():
            os.replace(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def result_folders(root: Path = CANONICAL) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/*/manifest.json"))


def verify(folder: Path, replications: Sequence[int] = (0,)) -> list[str]:
    """Re-execute runs of a stored result from its manifest; return the mismatches (empty: reproduced)."""
    manifest = read_manifest(folder)
    if manifest["kind"] == "run":
        scenario = validate(manifest["resolved_scenario"], source=str(folder / "manifest.json"))
        table = simulate(scenario, manifest["designs"], manifest["seed"]).summary_table()
        return _compare(table, pd.read_csv(folder / "summary.csv"), folder)
    if manifest["kind"] == "portfolio":
        stored = PortfolioResult.load(folder)
        operations = tuple(stored.operations.items())
        fresh = [execute_portfolio(PortfolioTask(r, stored.scenario, operations)).rows for r in replications]
        return _compare(pd.concat(fresh, ignore_index=True), stored.runs, folder)
    result = ExperimentResult.load(folder)
    spec = result.spec
    params, point_scenario = spec.points()[0]
    fresh = [
        execute(Task(0, r, point_scenario, spec.designs, spec.seed, tuple(params.items()))).rows for r in replications
    ]
    return _compare(pd.concat(fresh, ignore_index=True), result.runs, folder)


def verify_all(root: Path = CANONICAL) -> tuple[int, list[str]]:
    """Verify every stored result under ``root``: (how many were checked, the differences found)."""
    folders = result_folders(root)
    return len(folders), [problem for folder in folders for problem in verify(folder)]


def _compare(fresh: pd.DataFrame, stored: pd.DataFrame, folder: Path) -> list[str]:
    keys = [c for c in ("key", "design") if c in fresh.columns]
    merged = fresh.merge(stored, on=keys, suffixes=("", "__stored"), how="left")
    problems = []
    for column in fresh.columns:
        if column in keys or f"{column}__stored" not in merged:
            continue
        a, b = merged[column], merged[f"{column}__stored"]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            same = np.allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, atol=0, equal_nan=True)
        else:
            same = a.fillna("").astype(str).tolist() == b.fillna("").astype(str).tolist()
        if not same:
            problems.append(f"{folder}: {column} differs from the stored value")
    return problems
