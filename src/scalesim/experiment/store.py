"""The results store: every run's files land in one folder, written atomically, with a manifest.

A folder is built under a temporary name next to its destination and renamed into place only when every
file is written, so a crash or a bad input never leaves a half-written result where a reader looks.
The folder name is derived from what determines the numbers (resolved scenario, designs, seed), so the
same inputs always map to the same place and re-running replaces it instead of piling up copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from scalesim.experiment import atomic
from scalesim.ops.result import RunResult

DEPENDENCIES = ("simpy", "numpy", "pandas", "pydantic", "pyarrow", "pyyaml", "matplotlib")


def jsonable(value: Any) -> Any:
    """Plain JSON data: NaN and infinities become null (JSON has no NaN), tuples become lists, numpy scalars
    (e.g. parameter values read back from Parquet) become Python numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value: Any) -> str:
    """Deterministic JSON text (same data -> same bytes)."""
    return json.dumps(jsonable(value), indent=2, allow_nan=False) + "\n"


def versions() -> dict[str, str]:
    """scalesim's, Python's and the dependencies' versions, for the manifest."""
    found = {"scalesim": _version("scalesim"), "python": platform.python_version()}
    found |= {name: _version(name) for name in DEPENDENCIES}
    return found


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def run_id(result: RunResult) -> str:
    """A stable folder name: seed plus a digest of the resolved scenario and the designs run."""
    payload = json.dumps(
        {
            "scenario": result.scenario.model_dump(mode="json", by_alias=True),
            "designs": result.designs,
            "seed": repr(result.seed),
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
    seed = result.seed if isinstance(result.seed, int) else "ss"
    return f"seed{seed}-{digest}"


def manifest(result: RunResult, command: list[str] | None = None, extra: dict[str, Any] | None = None) -> dict:
    """Everything needed to trace a number back: resolved scenario, seed, designs, versions, command, time."""
    return {
        "kind": "run",
        "scenario": result.scenario.name,
        "seed": result.seed if isinstance(result.seed, int) else repr(result.seed),
        "designs": result.designs,
        "cases": result.cases.count,
        "command": command if command is not None else sys.argv,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "platform": platform.platform(),
        **(extra or {}),
        "resolved_scenario": result.scenario.model_dump(mode="json", by_alias=True),
    }


def write_run(
    result: RunResult,
    root: str | Path = "results",
    *,
    ledger: bool = True,
    command: list[str] | None = None,
) -> Path:
    """Write a run to ``root/<scenario>/<run-id>/``: manifest, summary, teams and (optionally) the ledger."""
    destination = Path(root) / result.scenario.name / run_id(result)
    summary = result.summary()

    def fill(folder: Path) -> None:
        files = [
            "manifest.json",
            "summary.json",
            "summary.csv",
            "teams.csv",
            "weekly.csv",
            "weekly_teams.csv",
            "events.csv",
        ]
        if ledger:
            result.ledger_table().to_parquet(folder / "ledger.parquet", index=False)
            files.append("ledger.parquet")
        (folder / "summary.json").write_text(dumps(summary))
        result.summary_table().to_csv(folder / "summary.csv", index=False)
        result.teams_table().to_csv(folder / "teams.csv", index=False)
        result.weekly_table().to_csv(folder / "weekly.csv", index=False)
        result.weekly_teams_table().to_csv(folder / "weekly_teams.csv", index=False)
        result.events_table().to_csv(folder / "events.csv", index=False)
        (folder / "manifest.json").write_text(dumps(manifest(result, command, {"files": files})))

    return atomic.write_folder(destination, fill)
