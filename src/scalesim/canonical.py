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

from scalesim.about import CANONICAL
from scalesim.kinds import verify

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


def verify_all(root: Path = CANONICAL) -> tuple[int, list[str]]:
    """Verify every stored result under ``root`` (:func:`scalesim.kinds.verify`): (how many were checked, the
    differences found)."""
    folders = result_folders(root)
    return len(folders), [problem for folder in folders for problem in verify(folder)]
