"""Seconds to calibrate a 1,000,000-event log (target: under 60 s on the 2-core machine).

The log is the shipped insurance-claims example repeated day after day (each copy a new set of cases on the next
working day) until it holds a million events, so its shape is a real process's:
    python benchmarks/bench_calibrate.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from scalesim.evidence.calibrate import calibrate

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "insurance-claims" / "Insurance_Claims_train.csv"


def big_log(events: int, folder: Path) -> Path:
    day = pd.read_csv(EXAMPLE)
    copies = -(-events // len(day))
    frames = []
    for k in range(copies):
        shift = pd.offsets.BDay(k)
        copy = day.copy()
        copy["case_id"] = copy["case_id"] + k * 10_000
        for column in ("start_time", "end_time"):
            copy[column] = (pd.to_datetime(copy[column]) + shift).dt.strftime("%Y-%m-%d %H:%M:%S.%f%z")
        frames.append(copy)
    log = pd.concat(frames, ignore_index=True).iloc[:events]
    path = folder / "big.csv"
    log.to_csv(path, index=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = big_log(args.events, Path(folder))
        started = time.perf_counter()
        calibration = calibrate(path)
        elapsed = time.perf_counter() - started
    found = calibration.found
    print(f"calibrate: {found.events:,} events, {found.cases:,} cases, {len(found.teams)} teams")
    print(f"seconds: {elapsed:.1f} (target < 60)")


if __name__ == "__main__":
    main()
