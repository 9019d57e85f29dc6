"""What the value of a pilot (EVSI) adds to a decision: CPU time of analysing a stored decision with and without
the scenario's measurements, in interleaved rounds (median and range), and EVSI's share of the whole decision.

    python benchmarks/bench_evsi.py FOLDER [--rounds 7]

FOLDER is a ``decide`` folder of claims-triage (e.g. ``scalesim decide scenarios/claims-triage.yaml --samples 200
--out /tmp/bench``): its four measurements x six sizes are what issue 28 asks to cost under 30 s. The analysis is
a pure function of the stored runs, so no simulation runs here; the decision's own time is read from its manifest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from scalesim.experiment.decide import Decision, analyse


def _cpu(decision: Decision) -> float:
    start = time.process_time()
    analyse(decision)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with_pilot = Decision.load(args.folder)
    beliefs = with_pilot.scenario.beliefs
    assert beliefs is not None and beliefs.measurements, "a decision of a scenario with measurements"
    bare = Decision(
        with_pilot.scenario.model_copy(update={"beliefs": beliefs.model_copy(update={"measurements": {}})}),
        with_pilot.designs,
        with_pilot.worlds,
        with_pilot.table,
        with_pilot.metric,
        with_pilot.threshold,
        with_pilot.experiment,
        with_pilot.emulation,
    )
    times: dict[str, list[float]] = {"with measurements": [], "without": []}
    for _ in range(args.rounds):  # interleaved: a burst of load hits both alike
        times["with measurements"].append(_cpu(with_pilot))
        times["without"].append(_cpu(bare))
    added = [a - b for a, b in zip(times["with measurements"], times["without"], strict=True)]
    sizes = len(beliefs.pilot_sizes)
    print(f"{len(with_pilot.worlds.values)} worlds, {len(beliefs.measurements)} measurements x {sizes} sizes")
    for name, values in times.items():
        print(
            f"  analyse {name:<18} CPU {statistics.median(values):6.2f} s (range {min(values):.2f}-{max(values):.2f})"
        )
    print(f"  EVSI adds            CPU {statistics.median(added):6.2f} s (range {min(added):.2f}-{max(added):.2f})")
    manifest = json.loads((args.folder / "manifest.json").read_text())
    if "elapsed_seconds" in manifest:
        print(f"  the decision itself took {manifest['elapsed_seconds']:.0f} s wall")


if __name__ == "__main__":
    main()
