"""The portfolio over years (issue 38): its CPU against the one-off cull it replaces, from interleaved rounds.

`portfolio scenarios/portfolio-status-quo.yaml --replications 20` with a four-year follow-up, as a subprocess with
two workers in a fresh results folder, in turn with the model before this change (the source and the scenario
files at ``BEFORE``, with ``--set run.follow_up_days=1460``) and the one in this tree (whose bundled files follow up
four years, live two use cases, and carry each operation on for three years). CPU is user + system of the command
and its workers; the median and range of the ratio over rounds are printed with the machine's load. The target:
within 3x.

    python benchmarks/bench_portfolio.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from compare import ROOT, Variant, interleaved, previous_source, ratios, spread

BEFORE = "fce603a"
"""The main branch before the portfolio over years (0.7.0 with this round's other issues)."""
FILES = ("portfolio-status-quo.yaml", "claims-triage.yaml")


def old_scenarios(folder: Path) -> Path | None:
    """The bundled files as they were at ``BEFORE`` (the old schema refuses the new ones)."""
    folder.mkdir()
    for name in FILES:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BEFORE}:scenarios/{name}"], capture_output=True, check=False
        )
        if done.returncode != 0:
            return None
        (folder / name).write_bytes(done.stdout)
    return folder / FILES[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        argv = ["-m", "scalesim.cli", "portfolio", "--quiet", "-j", "2", "--replications", str(args.replications)]
        before, path = previous_source(BEFORE), old_scenarios(work / "old")

        def variants(k: int) -> dict[str, Variant]:
            """Round ``k``'s commands, each with a fresh results folder (a stored portfolio would resume)."""
            now = Variant([*argv, "--out", str(work / f"now{k}"), str(ROOT / "scenarios" / FILES[0])])
            if before is None or path is None:
                return {"now": now}
            old = [*argv, "--set", "run.follow_up_days=1460", "--out", str(work / f"before{k}"), str(path)]
            return {"before": Variant(old, source=before), "now": now}

        times: dict[str, list[float]] = {}
        for k in range(args.rounds):
            for name, values in interleaved(variants(k), 1, work).items():
                times.setdefault(name, []).extend(values)
        load = os.getloadavg()[0]
        print(
            f"portfolio-status-quo, {args.replications} replications, 4-year follow-up, {args.rounds} rounds "
            f"(load {load:.1f})"
        )
        base = "before" if "before" in times else "now"
        shown = ratios(times, base)
        for name, values in times.items():
            print(f"  {name:<8} CPU {spread(values)}   x {shown[name]} of {base}")
        if base == "now":
            print("the model before this change is not in this clone's history: no ratio against it")


if __name__ == "__main__":
    main()
