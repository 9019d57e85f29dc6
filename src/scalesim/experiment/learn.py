"""How a stored decision moves with a pilot's results, without a new run (``scalesim update --decision``).

The decision's worlds are a sample of the prior; weighting each by the likelihood of what the pilot saw in it
gives a sample of the posterior (importance reweighting; Menzies 2016 uses the same step for EVSI). The effective
number of worlds, 1 / sum(w^2), says how far to trust it: when the pilot lands where few worlds are, the answer is
the decision on the updated file, simulated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scalesim.errors import ScenarioError
from scalesim.experiment.decide import Decision


def log_likelihood(theta: np.ndarray, kind: str, cases: int, observed: float, case_sd: float | None) -> np.ndarray:
    """The log-likelihood of a pilot's share (or mean) on ``cases`` cases, at each world's value (up to a constant)."""
    if kind == "share":
        t = np.clip(theta, 1e-12, 1 - 1e-12)
        hits = observed * cases
        return np.asarray(hits * np.log(t) + (cases - hits) * np.log1p(-t))
    assert case_sd is not None  # the schema insists on it for a mean
    return np.asarray(-0.5 * cases * ((observed - theta) / case_sd) ** 2)


def reweighted(decision: Decision, observed: Sequence[tuple[str, int, float]]) -> dict[str, Any]:
    """Each design's probability of being best and mean net benefit before and after the pilot's results
    (``observed``: input, cases measured, the share or mean seen)."""
    beliefs = decision.beliefs
    log_w = np.zeros(len(decision.worlds.values))
    for name, cases, value in observed:
        if name not in decision.worlds.names:
            raise ScenarioError(f"the stored decision did not draw {name!r}; run decide on the updated file")
        theta = decision.worlds.values_of(name)
        measurement = beliefs.measurements[name]
        log_w += log_likelihood(theta, measurement.kind, cases, value, measurement.case_sd)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    nb = decision.net_benefit()
    winners = np.argmax(nb, axis=1)
    designs = list(decision.designs)
    before = {
        d: {"probability_best": float(np.mean(winners == j)), "mean": float(nb[:, j].mean())}
        for j, d in enumerate(designs)
    }
    after = {
        d: {"probability_best": float(w[winners == j].sum()), "mean": float(w @ nb[:, j])}
        for j, d in enumerate(designs)
    }
    return {
        "designs": designs,
        "before": before,
        "after": after,
        "best_before": max(designs, key=lambda d: before[d]["mean"]),
        "best_after": max(designs, key=lambda d: after[d]["mean"]),
        "effective_worlds": float(1 / np.sum(w**2)),
        "worlds": len(w),
        "metric": decision.metric,
        "currency": decision.scenario.currency,
    }
