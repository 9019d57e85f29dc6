"""The resumable part of the results store: one file per finished task, merged when the experiment ends.

A task's rows are written to ``parts/<key>.parquet`` under a temporary name and renamed into place, so a part
either exists whole or not at all; its weekly series (if kept) is written first, so a rows file also means
its series is there. Re-running the same experiment skips every key already in ``runs.parquet`` or ``parts/``;
merging drops duplicate keys, so a run is never counted twice however often the experiment was interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from scalesim.experiment.atomic import write_parquet
from scalesim.experiment.executors import Runner, TaskFunction, run_tasks
from scalesim.experiment.tasks import TaskOutput, execute

RUNS = "runs.parquet"


class PartStore:
    """Task outputs of one experiment folder; ``series`` names its time series (``weekly``: per ``week``)."""

    def __init__(self, folder: Path, series: str = "weekly", period: str = "week") -> None:
        self.folder = folder
        self.parts = folder / "parts"
        self.series = series
        self.period = period

    def done(self) -> set[str]:
        keys: set[str] = set()
        runs = self.folder / RUNS
        if runs.exists():
            keys |= set(pd.read_parquet(runs, columns=["key"])["key"])
        if self.parts.exists():
            keys |= {p.name.removesuffix(".rows.parquet") for p in self.parts.glob("*.rows.parquet")}
        return keys

    def save(self, output: TaskOutput) -> None:
        self.parts.mkdir(parents=True, exist_ok=True)
        tables = dict(output.extra)
        if output.series is not None:
            tables[self.series] = output.series
        for name, table in tables.items():
            write_parquet(table.assign(key=output.key), self.parts / f"{output.key}.{name}.parquet")
        write_parquet(output.rows, self.parts / f"{output.key}.rows.parquet")

    def merge(
        self, extra: Mapping[str, list[str]] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
        """Fold the parts into ``runs.parquet``, the series (``weekly.parquet``) and one file per ``extra`` table
        (name -> the columns that identify a row), without duplicates, sorted by key."""
        runs = self._merge_one(RUNS, "rows", ["key", "design"])
        done = set(runs["key"]) if len(runs) else set()
        series = self._merge_one(f"{self.series}.parquet", self.series, ["key", "design", self.period], done=done)
        tables = {
            name: self._merge_one(f"{name}.parquet", name, ["key", *unique], done=done)
            for name, unique in (extra or {}).items()
        }
        if self.parts.exists():
            for path in self.parts.iterdir():
                path.unlink()
            self.parts.rmdir()
        return runs, series, tables

    def _merge_one(self, name: str, kind: str, unique: list[str], done: set[str] | None = None) -> pd.DataFrame:
        frames = []
        target = self.folder / name
        if target.exists():
            frames.append(pd.read_parquet(target))
        if self.parts.exists():
            frames += [pd.read_parquet(p) for p in sorted(self.parts.glob(f"*.{kind}.parquet"))]
        if not frames:
            return pd.DataFrame()
        merged = pd.concat(frames, ignore_index=True)
        if done is not None:
            merged = merged[merged["key"].isin(done)]
        # a stable sort on the key alone keeps each task's own order (designs as asked, weeks ascending)
        merged = merged.drop_duplicates(subset=unique, keep="first").sort_values("key", kind="stable")
        merged = merged.reset_index(drop=True)
        write_parquet(merged, target)
        return merged


def complete(
    store: PartStore,
    tasks: Sequence[Any],
    runner: Runner,
    *,
    runs_per_task: int = 1,
    fn: TaskFunction = execute,
    label: str = "runs",
    extra: Mapping[str, list[str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame], int]:
    """Run the tasks not stored yet (progress on stderr), store each as it finishes, merge; also return how many ran."""
    done = store.done()
    todo = [t for t in tasks if t.key not in done]
    ran = 0
    with tqdm(
        total=len(todo) * runs_per_task,
        unit="run",
        disable=not runner.progress or not sys.stderr.isatty(),
        delay=2.0,
        file=sys.stderr,
        desc=label,
    ) as bar:
        for output in run_tasks(todo, jobs=runner.jobs, scheduler=runner.scheduler, fn=fn):
            store.save(output)
            ran += 1
            bar.update(runs_per_task)
    runs, series, tables = store.merge(extra)
    return runs, series, tables, ran
