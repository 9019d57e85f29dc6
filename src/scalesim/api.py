"""The library calls behind the CLI, so notebooks and programs take the same path as the command line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scalesim.ops.result import RunResult
from scalesim.ops.run import simulate
from scalesim.scenario.load import apply_override, load_scenario, validate
from scalesim.scenario.schema import Scenario


def resolve(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
) -> Scenario:
    """Load (if a path) and apply overrides; ``seed`` and ``days`` are overrides of ``run.seed``/``run.horizon_days``.

    They go through the same validation as the file, so ``--days -3`` is reported like a bad field.
    """
    items = list(overrides)
    if seed is not None:
        items.append(f"run.seed={seed}")
    if days is not None:
        items.append(f"run.horizon_days={days}")
    if isinstance(scenario, Scenario):
        raw = scenario.model_dump(mode="json", by_alias=True)
        for item in items:
            apply_override(raw, item)
        return validate(raw, source=f"scenario {scenario.name!r}") if items else scenario
    return load_scenario(scenario, items)


def run(
    scenario: str | Path | Scenario,
    designs: Iterable[str] | None = None,
    *,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
) -> RunResult:
    """Run the pilot and each design's production environment over the same cases (one replication)."""
    resolved = resolve(scenario, seed=seed, days=days, overrides=overrides)
    return simulate(resolved, designs)
