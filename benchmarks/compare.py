"""Shared by the benchmarks: CPU time of commands in interleaved rounds, against the previous version, as ratios.

The machine is shared, so a best-of wall time says little. Each variant runs as its own process, the variants
take turns round after round (so a burst of load hits them alike), and what is compared is the CPU time the
process used (user + system, from the operating system's accounting of the finished child), reported as the median
and range over rounds, and as a ratio against a baseline variant measured in the same run.

The previous version is the source tree at ``PREVIOUS`` (the release before this round), unpacked from git into a
temporary folder and put first on ``PYTHONPATH``; where the clone has no history, it is skipped and said so.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = "8bd7c44"
"""scalesim 0.6.0, the release before this round."""


@dataclass(frozen=True)
class Variant:
    """A command to time: its arguments (after ``python``) and the source tree it imports scalesim from."""

    argv: Sequence[str]
    source: Path | None = None  # None: the installed (current) scalesim
    exit_code: int = 0  # what the command must end with (2 for a refusal being timed)


def previous_source(ref: str = PREVIOUS) -> Path | None:
    """``src/`` of the previous version, unpacked from git; None when the history is not here."""
    folder = Path(tempfile.mkdtemp(prefix="scalesim-previous-"))
    archive = folder / "src.tar"
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), ref, "src"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def cpu_seconds(variant: Variant, cwd: Path | None = None) -> float:
    """The CPU time (user + system) of one run of ``variant`` as a child process."""
    env = dict(os.environ)
    if variant.source is not None:
        env["PYTHONPATH"] = str(variant.source) + os.pathsep + env.get("PYTHONPATH", "")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, *variant.argv], env=env, cwd=cwd, check=False, capture_output=True)
    if done.returncode != variant.exit_code:
        raise RuntimeError(f"{variant.argv} ended with {done.returncode}, not {variant.exit_code}: {done.stderr!r}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(variants: Mapping[str, Variant], rounds: int, cwd: Path | None = None) -> dict[str, list[float]]:
    """Each variant once per round, in turn, ``rounds`` times: CPU seconds per variant."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, variant in variants.items():
            times[name].append(cpu_seconds(variant, cwd))
    return times


def spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def ratios(times: Mapping[str, Sequence[float]], baseline: str) -> dict[str, str]:
    """Per variant: the median and range of its CPU time over the baseline's, round by round."""
    out = {}
    for name, values in times.items():
        per_round = [value / base for value, base in zip(values, times[baseline], strict=True)]
        out[name] = f"{statistics.median(per_round):.2f}x ({min(per_round):.2f}-{max(per_round):.2f})"
    return out


def table(times: Mapping[str, Sequence[float]], baseline: str, title: str) -> str:
    """A Markdown table: variant, CPU time (median and range), ratio to the baseline (median and range)."""
    shown = ratios(times, baseline)
    lines = [f"**{title}**", "", f"| variant | CPU time, median (range) | against {baseline} |", "|---|---|---|"]
    lines += [f"| {name} | {spread(values)} | {shown[name]} |" for name, values in times.items()]
    return "\n".join(lines)
