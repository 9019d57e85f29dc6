"""CPU time to calibrate real-sized logs (target: under 60 s each on the 2-core machine), against 0.6.0.

Two logs: the BPI Challenge 2012 XES log from ``../shared/logs`` (262,200 events with start/complete/schedule;
skipped where the folder is missing), calibrated with a 30 % hold-out and back-tested on it; and a 1,000,000-event
CSV made from the shipped insurance example repeated day after day (each copy a new set of cases on the next
working day), so its shape is a real process's. Each is timed in interleaved rounds (``compare.py``) against
scalesim 0.6.0, which read XES through pm4py and did not pair lifecycle events:

    python benchmarks/bench_calibrate.py [--events 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from compare import ROOT, Variant, interleaved, previous_source, table

EXAMPLE = ROOT / "examples" / "insurance-claims" / "Insurance_Claims_train.csv"
BPIC = ROOT.parent / "shared" / "logs" / "BPIC2012.xes.gz"


def big_log(events: int, folder: Path) -> Path:
    day = pd.read_csv(EXAMPLE)
    copies = -(-events // len(day))
    frames = []
    for k in range(copies):
        shift = pd.offsets.BDay(k)
        copy = day.copy()
        copy["case_id"] = copy["case_id"] + k * 10_000
        for column in ("start_time", "end_time"):
            copy[column] = (pd.to_datetime(copy[column], format="ISO8601") + shift).dt.strftime(
                "%Y-%m-%d %H:%M:%S.%f%z"
            )
        frames.append(copy)
    log = pd.concat(frames, ignore_index=True).iloc[:events]
    path = folder / "big.csv"
    log.to_csv(path, index=False)
    return path


def calibrate_code(log: Path, out: Path, holdout: bool) -> str:
    """A program that calibrates ``log`` (the current API; 0.6.0 had no hold-out) and back-tests."""
    held = f"{out}.held.csv"
    if holdout:
        return (
            f"import scalesim.api as a; c = a.calibrate({str(log)!r}, holdout=0.3); open({str(out)!r}, 'w')"
            f".write(c.text); open({held!r}, 'w').write(c.held_out_csv()); a.backtest({str(out)!r}, {held!r})"
        )
    return f"import scalesim.api as a; a.calibrate({str(log)!r})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    previous = previous_source()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        big = big_log(args.events, work)
        runs = {f"{args.events:,} CSV events": (big, False)}
        if BPIC.exists():
            runs["BPIC 2012 XES, held-out back-test"] = (BPIC, True)
        else:
            print(f"{BPIC} is not here: the BPIC 2012 rows are skipped")
        for title, (log, holdout) in runs.items():
            variants = {"0.7.0": Variant(["-c", calibrate_code(log, work / "now.yaml", holdout)])}
            if previous is not None:
                # 0.6.0 calibrates only (no hold-out, no back-test of a held-out part)
                variants["0.6.0 (calibrate only)"] = Variant(
                    ["-c", calibrate_code(log, work / "old.yaml", False)], previous
                )
            times = interleaved(variants, args.rounds, cwd=work)
            print(table(times, "0.7.0", f"{title} (target < 60 s)"), "\n", flush=True)
    if previous is None:
        print("the previous version is not in this clone's history: no ratio against it")


if __name__ == "__main__":
    main()
