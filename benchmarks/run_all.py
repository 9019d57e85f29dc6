"""Run every benchmark, one after the other: ``python benchmarks/run_all.py`` (about fifteen minutes on 2 cores)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_ops.py",
    "bench_tandem.py",
    "bench_scale.py",
    "bench_parallel.py",
    "bench_eventlog.py",
    "bench_calibrate.py",
    "bench_decide.py",
    "bench_speed.py",
    "bench_app.py",
)

if __name__ == "__main__":
    for script in SCRIPTS:
        print(f"\n== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True)
