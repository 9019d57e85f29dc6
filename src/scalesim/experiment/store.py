"""The results store: the one place that names results folders, builds their manifests and lists their files.

Every command writes into ``<out>/<scenario>/<label>-<digest>/``. The digest covers what determines the numbers
(never the number of replications, so asking for more resumes the same folder), and :func:`result_folder` is
the only function that derives it. Every folder holds a ``manifest.json`` with the same keys whatever the kind
(:data:`MANIFEST_KEYS`): what is particular to a kind goes under ``details``.

A folder's manifest is written once, last, by :func:`finish`: what else goes into the folder (a decision's
tables, a figure, the report, the workbook) is written first by the :data:`Writer` functions it is given, so the
manifest lists every file and records the caller's command. Only a later ``scalesim report`` of a finished folder
adds to it (:func:`register`). Files and folders are written atomically (:mod:`scalesim.experiment.atomic`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import platform
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from scalesim.errors import ScenarioError
from scalesim.experiment import atomic
from scalesim.ops.eventlog import write_xes
from scalesim.ops.result import RunResult
from scalesim.scenario.schema import Scenario

Writer = Callable[[Path, dict[str, Any]], object]
"""Writes more files into a result folder (given the folder and its manifest-to-be) before the manifest is."""
THIS_FOLDER = "<this folder>"
"""Where a library call on an in-memory scenario records it: the folder's own manifest (see :func:`library_call`)."""

DEPENDENCIES = ("simpy", "numpy", "pandas", "scipy", "pydantic", "pyarrow", "pyyaml", "matplotlib", "SALib")
MANIFEST = "manifest.json"
MANIFEST_KEYS = (
    "kind",
    "scenario",
    "status",
    "seed",
    "replications",
    "seeds",
    "designs",
    "command",
    "executor",
    "versions",
    "platform",
    "created_utc",
    "updated_utc",
    "files",
    "details",
    "resolved_scenario",
)


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


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def scenario_identity(scenario: Scenario) -> dict[str, Any]:
    """The scenario as it goes into a result's identity: all of it but the ``workshop`` block (the app's lever
    prices), which changes no number of a stored run, so adding one must not move the folders already stored."""
    return _without_unset(scenario.model_dump(mode="json", by_alias=True, exclude={"workshop"}))


ADDED_OPTIONAL = frozenset({"process", "activity", "case_hashes", "conflict_p"})
"""Optional fields added after results were stored, whose absence (``None``) means what the scenario meant before:
left out of an identity when unset, so adding them moved no stored folder."""


def _without_unset(value: Any) -> Any:
    """``value`` without the :data:`ADDED_OPTIONAL` keys that are ``None``, at any depth."""
    if isinstance(value, dict):
        return {k: _without_unset(v) for k, v in value.items() if not (k in ADDED_OPTIONAL and v is None)}
    if isinstance(value, list):
        return [_without_unset(v) for v in value]
    return value


def result_folder(out: str | Path, scenario: str, label: str, identity: dict[str, Any]) -> Path:
    """``out/scenario/label-digest``: the digest of ``identity`` (what determines the numbers, with the scenario
    as :func:`scenario_identity` gives it) names the folder."""
    digest = hashlib.sha256(json.dumps(jsonable(identity), sort_keys=True).encode()).hexdigest()[:10]
    return Path(out) / scenario / f"{label}-{digest}"


def replication_seeds(root: int | str, replications: int) -> list[dict[str, Any]]:
    """How each replication's streams are seeded: ``SeedSequence(entropy, spawn_key)``."""
    return [{"replication": r, "entropy": root, "spawn_key": [r]} for r in range(replications)]


@dataclass(frozen=True)
class Call:
    """A library call given as an argument of another (``write_run(run(...))``), rendered as the call itself."""

    function: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        shown = [_argument(a) for a in self.args]
        shown += [f"{k}={_argument(v)}" for k, v in self.kwargs.items() if v not in (None, (), [], {}, "results")]
        return f"api.{self.function}({', '.join(shown)})"


def library_call(function: str, *args: Any, **kwargs: Any) -> list[str]:
    """The command of a result made by a library call (the CLI records its own command line instead), such that
    running it makes the same folder again: a scenario given as a file is named by its path; one given in memory
    (a :class:`Scenario`) is read back from the folder's own manifest, where its resolved form is stored."""
    return ["python", "-c", f"from scalesim import api; {Call(function, args, kwargs).text()}"]


def _argument(value: Any) -> str:
    if isinstance(value, Call):
        return value.text()
    if isinstance(value, Scenario):
        return f"api.stored_scenario({THIS_FOLDER!r})"
    if isinstance(value, Path):
        return repr(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_argument(v) for v in value) + "]"
    return repr(value)


def new_manifest(
    kind: str,
    folder: Path,
    scenario: str,
    resolved_scenario: dict[str, Any],
    *,
    seed: int | str,
    replications: int,
    designs: Sequence[str],
    command: Sequence[str],
    executor: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    seeds: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A manifest with every key of :data:`MANIFEST_KEYS`, status ``running`` until :func:`finish` writes it.

    ``folder`` is where it will be written: a library call on an in-memory scenario names it in its command."""
    created = now_utc()
    command = [part.replace(repr(THIS_FOLDER), repr(str(folder))) for part in command]
    manifest = {
        "kind": kind,
        "scenario": scenario,
        "status": "running",
        "seed": seed,
        "replications": replications,
        "seeds": seeds if seeds is not None else replication_seeds(seed, replications),
        "designs": list(designs),
        "command": list(command),
        "executor": executor or {"jobs": 1, "scheduler": None},
        "versions": versions(),
        "platform": platform.platform(),
        "created_utc": created,
        "updated_utc": created,
        "files": [MANIFEST],
        "details": details or {},
        "resolved_scenario": resolved_scenario,
    }
    assert tuple(manifest) == MANIFEST_KEYS
    return manifest


def files_in(folder: Path) -> list[str]:
    """Every file below ``folder``, relative to it, sorted (temporary names of atomic writes left out)."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith((".tmp-", ".old-"))
    )


def finish(
    folder: Path, manifest: dict[str, Any], writers: Sequence[Writer] = (), *, final: Path | None = None
) -> None:
    """Let ``writers`` add their files, then write the manifest of the complete folder (status ``complete``),
    listing every file in it — the one write of the manifest. ``final`` is where the folder ends up when it is
    filled under a temporary name (a resumed experiment keeps its birth date from the manifest found there)."""
    for write in writers:
        write(folder, manifest)
    previous = (final or folder) / MANIFEST
    if previous.exists():  # resuming or extending: keep the folder's birth date
        manifest["created_utc"] = read_manifest(previous.parent).get("created_utc", manifest["created_utc"])
    manifest |= {"status": "complete", "updated_utc": now_utc()}
    manifest["files"] = sorted({MANIFEST, *files_in(folder)})
    atomic.write_text(folder / MANIFEST, dumps(manifest))


def register(folder: Path, names: Iterable[str]) -> None:
    """Add files written into a finished folder later (``scalesim report`` of a stored result) to its manifest."""
    manifest = read_manifest(folder)
    added = set(names)
    missing = sorted(n for n in added if not (folder / n).is_file())
    if missing:
        raise FileNotFoundError(f"{folder}: registered files do not exist: {', '.join(missing)}")
    manifest["files"] = sorted({*manifest["files"], *added})
    manifest["updated_utc"] = now_utc()
    atomic.write_text(folder / MANIFEST, dumps(manifest))


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """A results folder's manifest; a clear error for a folder that is not one, or not finished."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        if (folder / "parts").exists():
            raise ScenarioError(f"{folder}: an unfinished experiment; run its command again to complete it")
        raise ScenarioError(f"{folder}: not a scalesim results folder (no {MANIFEST})")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ScenarioError(f"{path}: not a scalesim manifest (not JSON)") from None
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        raise ScenarioError(
            f"{path}: written by another version of scalesim (no {', '.join(missing[:3])}); "
            "re-run the command in its 'command' field"
        )
    return manifest


def run_folder(result: RunResult, out: str | Path) -> Path:
    """Where a single run is stored: its seed as the label, a digest of scenario, designs and seed."""
    seed = result.seed if isinstance(result.seed, int) else "ss"
    identity = {
        "scenario": scenario_identity(result.scenario),
        "designs": result.designs,
        "seed": repr(result.seed),
    }
    return result_folder(out, result.scenario.name, f"seed{seed}", identity)


def write_run(
    result: RunResult,
    out: str | Path = "results",
    *,
    ledger: bool = True,
    command: Sequence[str] | None = None,
    writers: Sequence[Writer] = (),
) -> Path:
    """Write a run to its folder: manifest, summary, teams, weekly series, events, (optionally) the ledger, and
    the simulated event log if the run kept one (``event_log.csv`` and ``event_log.xes``); then what ``writers``
    add (the report, the workbook), all before the folder appears.

    ``command`` is the caller's (the CLI's command line); without it, the library calls that re-run this one.
    """
    seed = result.seed if isinstance(result.seed, int) else repr(result.seed)
    folder = run_folder(result, out)
    if command is None:
        run = Call("run", (result.scenario, result.designs), {"event_log": result.kept_event_log or None})
        command = library_call("write_run", run, str(out), ledger=ledger)
    manifest = new_manifest(
        "run",
        folder,
        result.scenario.name,
        result.scenario.model_dump(mode="json", by_alias=True),
        seed=seed,
        replications=1,
        designs=result.designs,
        command=command,
        seeds=[{"replication": 0, "entropy": seed, "spawn_key": []}],
        details={"cases": result.cases.count, "ledger": ledger, "sources": result.sources},
    )
    summary = result.summary()

    def fill(temporary: Path) -> None:
        if ledger:
            result.ledger_table().to_parquet(temporary / "ledger.parquet", index=False)
        (temporary / "summary.json").write_text(dumps(summary))
        result.summary_table().to_csv(temporary / "summary.csv", index=False)
        result.teams_table().to_csv(temporary / "teams.csv", index=False)
        result.weekly_table().to_csv(temporary / "weekly.csv", index=False)
        result.weekly_teams_table().to_csv(temporary / "weekly_teams.csv", index=False)
        result.events_table().to_csv(temporary / "events.csv", index=False)
        result.money_table().to_csv(temporary / "money.csv", index=False)
        if result.kept_event_log:
            log = result.event_log_table()
            log.to_csv(temporary / "event_log.csv", index=False)
            write_xes(log, temporary / "event_log.xes")
        finish(temporary, manifest, writers, final=folder)

    return atomic.write_folder(folder, fill)
