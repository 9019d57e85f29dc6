"""What the process graph costs: CPU time of a production run of each bundled (linear) scenario with the engine as
it was (0.7.0), with today's engine, and with the same route written as a process graph, from interleaved rounds.

    python benchmarks/bench_route.py [--rounds 5]

The graph twin has one step per handoff (parallel teams as parallel work, the next handoff's loss as the share
``lost``, a handoff's transfer delay as a delay of the same mean in working hours), so it works the same teams the
same number of times; its numbers differ a little (a delay counted in working hours is not a calendar delay), its
CPU is what is measured. Each variant runs ``scalesim run SCENARIO --no-ledger --quiet`` as its own process; the
ratios are taken round by round against 0.7.0 (the source at ``BEFORE``) and reported as median and range.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

import yaml

from compare import ROOT, Variant, interleaved, previous_source, spread

BEFORE = "4c285de"
"""The main branch before the route graph (0.7.0 with its last fixes)."""
SCENARIOS = ["claims-triage", "stall-demo", "invoice-exceptions", "credit-decisioning"]


def graph_of(handoffs: list[dict[str, Any]]) -> dict[str, Any]:
    """The handoffs as a process graph of the same steps (module docstring)."""
    names = [f"step{k + 1}" for k in range(len(handoffs))]
    steps: dict[str, Any] = {}
    for k, handoff in enumerate(handoffs):
        following = handoffs[k + 1] if k + 1 < len(handoffs) else None
        lost = float(following.get("loss_probability", 0.0)) if following else 0.0
        row = {names[k + 1]: 1.0 - lost, "lost": lost} if following else {"end": 1.0}
        step: dict[str, Any] = {"team": handoff["team"], "next": [{t: p for t, p in row.items() if p > 0}]}
        if handoff.get("parallel_with"):
            step["parallel"] = [{"activity": team, "team": team} for team in handoff["parallel_with"]]
        delay = handoff.get("transfer_delay_days")
        if isinstance(delay, dict) and delay.get("dist") == "triangular":
            step["delay_hours"] = 24.0 * (delay["low"] + delay["mode"] + delay["high"]) / 3.0
        elif isinstance(delay, int | float) and delay:
            step["delay_hours"] = 24.0 * float(delay)
        steps[names[k]] = step
    return {"start": {names[0]: 1.0}, "steps": steps}


def twin(path: Path, folder: Path) -> Path:
    raw = yaml.safe_load(path.read_text())
    for block in [raw["production"], raw["pilot"]]:
        block["process"] = graph_of(block.pop("handoffs"))
    for design in raw["designs"].values():
        if design.get("handoffs"):
            design["process"] = graph_of(design.pop("handoffs"))
    raw.pop("workshop", None)  # its lever prices name route choices the twin writes otherwise
    out = folder / f"{path.stem}-graph.yaml"
    out.write_text(yaml.safe_dump(raw, sort_keys=False))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    before = previous_source(BEFORE)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in SCENARIOS:
            path = ROOT / "scenarios" / f"{name}.yaml"
            argv = ["-m", "scalesim.cli", "run", "--no-ledger", "--quiet", "--out", str(folder / "out")]
            variants = {
                "today's engine": Variant([*argv, str(path)]),
                "graph twin": Variant([*argv, str(twin(path, folder))]),
            }
            if before is not None:
                variants = {"0.7.0": Variant([*argv, str(path)], source=before), **variants}
            times = interleaved(variants, args.rounds, folder)
            print(f"\n{name} (CPU of `run --no-ledger`, {args.rounds} interleaved rounds)")
            base = "0.7.0" if before is not None else "today's engine"
            for variant, values in times.items():
                ratios = [v / b for v, b in zip(values, times[base], strict=True)]
                print(
                    f"  {variant:<16} {spread(values)}   x {statistics.median(ratios):.2f} of {base} "
                    f"({min(ratios):.2f}-{max(ratios):.2f})"
                )


if __name__ == "__main__":
    main()
