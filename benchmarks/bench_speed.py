"""Every row of the speed table (issue "fast enough to ask many questions"): CPU time of the current version against
0.6.0 and a bare SimPy model, from interleaved rounds, with the wall time beside it.

    python benchmarks/bench_speed.py [--rounds 3] [--heavy-rounds 1] [--skip-previous-heavy]

Each command runs as its own process (``compare.py``): CPU is the process's and its workers' (user + system), the
ratio is taken round by round against the baseline named in the row, and reported as the median and range. The
heavy rows (a 200-world decision, a Morris analysis, ten replications) take minutes each for 0.6.0, so they get
``--heavy-rounds`` (default 1); with ``--skip-previous-heavy`` 0.6.0's decision is estimated from a 16-world one
(its cost is linear in the worlds: every world runs in full), and said so.

The bare SimPy reference is ``bench_ops.reference``: the same production year by hand, with no bookkeeping.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from compare import ROOT, Variant, cpu_seconds, previous_source, spread, table

SCENARIOS = ROOT / "scenarios"
CLAIMS = str(SCENARIOS / "claims-triage.yaml")
STALL = str(SCENARIOS / "stall-demo.yaml")
CLI = ["-m", "scalesim.cli"]


def wall_and_cpu(variant: Variant, cwd: Path) -> tuple[float, float]:
    started = time.perf_counter()
    cpu = cpu_seconds(variant, cwd)
    return time.perf_counter() - started, cpu


def run_row(title: str, argv: list[str], previous: Path | None, rounds: int, cwd: Path, exit_code: int = 0) -> None:
    variants = {"0.7.0": Variant(argv, exit_code=exit_code)}
    if previous is not None:
        variants["0.6.0"] = Variant(argv, previous, exit_code)
    walls: dict[str, list[float]] = {name: [] for name in variants}
    cpus: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, variant in variants.items():
            wall, cpu = wall_and_cpu(variant, cwd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    print(table(cpus, "0.6.0" if previous is not None else "0.7.0", f"{title} — CPU"))
    print("wall: " + "; ".join(f"{name} {spread(values)}" for name, values in walls.items()), "\n", flush=True)


def engine_row(rounds: int) -> None:
    """One production year of each claims-triage design, in this process: scalesim against bare SimPy."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_ops import reference  # the reference model lives with the operations benchmark
    from scalesim.ops.cases import Cases
    from scalesim.ops.run import run_environment
    from scalesim.ops.streams import Streams
    from scalesim.scenario import load_scenario

    scenario = load_scenario(CLAIMS)
    for design in scenario.designs:
        ours, bare = [], []
        for r in range(rounds):
            t = time.process_time()
            run_environment(scenario, scenario.production, scenario.designs[design], Cases(scenario, Streams(r)))
            ours.append(time.process_time() - t)
            t = time.process_time()
            reference(scenario, scenario.designs[design], r)
            bare.append(time.process_time() - t)
        per_round = [a / b for a, b in zip(ours, bare, strict=True)]
        print(
            f"engine, a production year of {design}: scalesim {spread(ours)}, bare SimPy {spread(bare)}: "
            f"{statistics.median(per_round):.2f}x ({min(per_round):.2f}-{max(per_round):.2f})"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--heavy-rounds", type=int, default=1)
    parser.add_argument("--skip-previous-heavy", action="store_true")
    args = parser.parse_args()
    previous = previous_source()
    if previous is None:
        print("0.6.0 is not in this clone's history: no ratio against it")
    engine_row(args.rounds)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        out = ["--out", str(work / "r"), "--quiet"]
        light = {
            "scalesim --version": [*CLI, "--version"],
            "scalesim validate claims-triage": [*CLI, "validate", CLAIMS],
            "a refusal (a misspelt design in --set)": [
                *CLI,
                "run",
                CLAIMS,
                "--set",
                "designs.bolt_ob.process_owner=true",
                *out,
            ],
            "one run of claims-triage (a production year, pilot and two designs)": [
                *CLI,
                "run",
                CLAIMS,
                "--no-ledger",
                *out,
            ],
        }
        for title, argv in light.items():
            run_row(title, argv, previous, args.rounds, work, exit_code=2 if title.startswith("a refusal") else 0)
        heavy = {
            "compare claims-triage --replications 10 -j 2": [
                *CLI,
                "compare",
                CLAIMS,
                "--replications",
                "10",
                "-j",
                "2",
            ],
            "sensitivity claims-triage --method morris (128 points) -j 2": [
                *CLI,
                "sensitivity",
                CLAIMS,
                "--method",
                "morris",
                "-j",
                "2",
            ],
        }
        for title, argv in heavy.items():  # a fresh results folder each time: nothing reused
            for r in range(args.heavy_rounds):
                run_row(title, [*argv, "--out", str(work / f"h{r}-{len(title)}"), "--quiet"], previous, 1, work)
        decide = [*CLI, "decide", CLAIMS, "--samples", "200", "-j", "2", "--quiet"]
        for r in range(args.heavy_rounds):
            wall, cpu = wall_and_cpu(Variant([*decide, "--out", str(work / f"d{r}")]), work)
            print(f"decide claims-triage --samples 200 -j 2 (0.7.0): wall {wall:.1f} s, CPU {cpu:.1f} s", flush=True)
        if previous is not None:
            if args.skip_previous_heavy:
                small = [*CLI, "decide", CLAIMS, "--samples", "16", "-j", "2", "--quiet", "--out", str(work / "p16")]
                wall, cpu = wall_and_cpu(Variant(small, previous), work)
                scaled = f"wall {wall * 12.5:.0f} s, CPU {cpu * 12.5:.0f} s"
                print(f"decide, 0.6.0, estimated from 16 worlds x 200/16: {scaled}")
            else:
                wall, cpu = wall_and_cpu(Variant([*decide, "--out", str(work / "p200")], previous), work)
                print(f"decide claims-triage --samples 200 -j 2 (0.6.0): wall {wall:.1f} s, CPU {cpu:.1f} s")
    print("\nthe live app answer is measured in bench_app.py (the browser on the app)")


if __name__ == "__main__":
    main()
