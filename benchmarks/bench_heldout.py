"""Held-out accuracy against the published simulators: scalesim's five log distances (mean ± sd of 10 simulated
logs), the floor (the training log against the test log), the skill scores, and the published rows beside them,
for BPIC 2012 W and Academic credentials, both splits of ``logs/benchmark/README.md``, with the CPU time of each
step.

    python benchmarks/bench_heldout.py [--logs ../shared/logs/benchmark] [--runs 10] [--markdown]

Split 1 calibrates on the ``_train`` file and tests on the ``_test`` file; split 2 calibrates on the whole log
less its last 20 % of events (cases the split cuts dropped from both parts) and tests on those events. The
simulated logs are read through both windows (:mod:`scalesim.evidence.heldout`): ``cut`` (events after the test
log's last one left out, the default) and ``complete`` (every case to its end). The published rows are the
README's (AgentSimulator's evaluation, split 2); the floor is computed here the way the README's was.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from scalesim.evidence.calibrate import calibrate
from scalesim.evidence.distances import NAMES
from scalesim.evidence.heldout import COMPLETE, CUT, DISJOINT, EVENTS, evaluate, simulated_log
from scalesim.evidence.log import read_log

LOGS = {"BPIC_2012_W": "BPIC 2012 W", "AcademicCredentials": "Academic credentials"}
PUBLISHED = {  # logs/benchmark/README.md: mean of 10 simulated logs, split 2
    "BPIC_2012_W": {
        "Simod": (0.720, 72.0, 1.72, 95.7, 155.5),
        "DeepSimulator": (0.655, 78.6, 2.89, 119.1, 173.5),
        "RIMS": (0.558, 73.8, 3.01, 99.1, 150.9),
        "AgentSimulator": (0.151, 115.4, 1.85, 54.9, 89.1),
    },
    "AcademicCredentials": {
        "Simod": (0.239, 287.3, 2.60, 32.5, 93.5),
        "RIMS": (0.259, 241.9, 3.07, 18.5, 41.6),
        "AgentSimulator": (0.362, 328.7, 7.61, 22.9, 62.5),
    },
}


def _row(label: str, values: dict[str, float], spread: dict[str, float] | None = None) -> str:
    cells = []
    for name in NAMES:
        v = values.get(name, math.nan)
        text = f"{v:.3f}" if name == "NGD" else f"{v:.1f}"
        if spread is not None and math.isfinite(spread.get(name, math.nan)):
            text += f" ± {spread[name]:.3f}" if name == "NGD" else f" ± {spread[name]:.1f}"
        cells.append(text)
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=Path, default=Path(__file__).resolve().parents[2] / "shared/logs/benchmark")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    for key, title in LOGS.items():
        for split in (DISJOINT, EVENTS):
            clock = time.process_time()
            if split == DISJOINT:
                calibration = calibrate(args.logs / f"{key}_train.csv.gz")
                train = read_log(args.logs / f"{key}_train.csv.gz").events
                test = read_log(args.logs / f"{key}_test.csv.gz").events
                said = "split 1, disjoint windows"
            else:
                calibration = calibrate(args.logs / f"{key}.csv.gz", holdout=0.2, holdout_by="events")
                assert calibration.training is not None and calibration.held_out is not None
                train, test = calibration.training, calibration.held_out
                said = "split 2, last 20 % of events"
            calibrated = time.process_time() - clock
            clock = time.process_time()
            cases, first = int(test["case"].nunique()), test["start"].min()
            made = [simulated_log(calibration.scenario, "as_is", first, cases, r) for r in range(args.runs)]
            simulated = time.process_time() - clock
            clock = time.process_time()
            results = {
                window: evaluate(calibration.scenario, "as_is", test, train, split, logs=made, window=window)[0]
                for window in (CUT, COMPLETE)
            }
            measured = time.process_time() - clock
            cut = results[CUT]
            assert cut.floor is not None
            print(f"\n### {title}, {said}: {cases:,} test cases, {args.runs} simulated logs\n")
            print("| | " + " | ".join(NAMES) + " |")
            print("|---|" + "---|" * len(NAMES))
            for window, result in results.items():
                print(_row(f"scalesim ({window})", result.model_mean, result.model_sd))
            print(_row("floor: training log", cut.floor))
            for window, result in results.items():
                skill = result.skill()
                print("| skill (" + window + ") | " + " | ".join(f"{skill[n]:.2f}" for n in NAMES) + " |")
            if split == EVENTS:
                for method, values in PUBLISHED[key].items():
                    print(_row(f"{method} (published)", dict(zip(NAMES, values, strict=True))))
            print(
                f"\nCPU: calibrate {calibrated:.1f} s, {args.runs} simulated logs {simulated:.1f} s, "
                f"distances (both windows) {measured:.1f} s; total {calibrated + simulated + measured:.1f} s"
            )


if __name__ == "__main__":
    main()
