"""The cost of the simulated event log: a production year of claims-triage with ``event_log`` off and on.

Keeping the log appends a row per piece of case work inside the simulation; writing it (CSV and XES) happens
after. Both are measured against the same run without the log, best of three, in this process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from scalesim.api import resolve
from scalesim.experiment.store import write_run
from scalesim.ops.run import simulate

CLAIMS = Path(__file__).resolve().parents[1] / "scenarios" / "claims-triage.yaml"


def best(seconds: list[float]) -> float:
    return min(seconds)


def main() -> None:
    scenario = resolve(CLAIMS)
    off, on, written = [], [], []
    for _ in range(3):
        start = time.perf_counter()
        simulate(scenario)
        off.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = simulate(scenario, event_log=True)
        on.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            folder = write_run(result, out, ledger=False)
            written.append(time.perf_counter() - start)
            rows = (folder / "event_log.csv").read_text().count("\n") - 1
    print(
        f"claims-triage production year, pilot + 2 designs, {result.cases.count:,} cases, {rows:,} log rows; best of 3"
    )
    print(f"simulate, log off      {best(off):7.2f} s   1.00x")
    print(f"simulate, log on       {best(on):7.2f} s   {best(on) / best(off):.2f}x   (target <= 1.3x)")
    print(f"write run with the log {best(written):7.2f} s   (summary, tables, event_log.csv and .xes)")


if __name__ == "__main__":
    main()
