"""What a finite pilot is worth: the expected value of sample information (EVSI), per measurement and pilot size.

EVPPI says what knowing an input exactly would be worth; no pilot knows it exactly. EVSI is what a pilot of ``n``
cases is worth: the expected gain from choosing after seeing its result rather than now,
EVSI(n) = E_x[max_d E(NB_d | x)] - max_d E(NB_d).

It is computed by preposterior analysis (Raiffa & Schlaifer 1961) of the EVPPI regression's fit (Strong, Oakley &
Brennan 2014), with no further simulation run:

1. ``g_d(theta)``, each design's expected net benefit given the measured input alone, is the EVPPI regression's
   fit on the decision's worlds (:func:`scalesim.experiment.voi.expected_given`), carried to 2,000 quantiles of
   the input's belief (equally likely points of its prior; interpolated in the input, held level beyond the
   worlds' range). The input's EVPPI is the same integral with the input known: the mean over the prior's points
   of the best ``g_d`` less the best mean, so EVSI(n) tends to exactly the EVPPI reported beside it (a mean
   over the worlds would weigh the lowest of 64 worlds 1/64 where the prior puts 0.15 %, and EVSI(10^6 cases)
   came out 10.6 EUR under an EVPPI of 65.8).
2. Every result ``x`` the pilot could show is enumerated: for a ``share``, each count of ``0..n`` cases (binomial);
   for a ``mean``, a fine grid of the observed mean (normal, spread ``case_sd / sqrt(n)``). Its probability and the
   posterior mean of each ``g_d`` given it follow from the likelihood at each prior point.
3. EVSI is the sum over results of their probability times the best design's posterior mean, less the best
   design's prior mean.

Given g this is exact — no Monte Carlo over pilot results — so a curve is smooth in ``n``, exactly 0 at ``n = 0``,
bounded by the input's EVPPI (a posterior mean of g is an average of g), and the same in any process.

Why not the simulation estimators: Strong, Oakley, Brennan & Breeze (2015) regress net benefit on one simulated
pilot result per world, and Menzies (2016) reweights the worlds by its likelihood. On claims-triage's decisions
(32 and 200 worlds) both gave curves that jumped between sizes — the regression chose a flat line or a curve size
by size (field accuracy worth 0 at 200 cases, 1,591 EUR at 400, 0 at 800, on 32 worlds), and the reweighting
read a noisy small pilot beyond the drawn worlds as perfect information (the value of a correct triage 238 EUR at
50 cases, 0 at 200, 238 at 800, on 200 worlds). Moment matching (Heath, Manolopoulos & Baio 2018) needs new
simulation runs for each size; the Gaussian approximation (Jalal & Alarid-Escudero 2018) assumes a normal input,
which a share near 0 or 1 is not. The price of the exact sum: one measured input at a time (a pilot measuring
two inputs is valued as two measurements).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import binom

from scalesim.experiment import voi
from scalesim.scenario.beliefs import Beliefs, Measurement

Quantile = Callable[[np.ndarray], np.ndarray]
"""A belief's quantile function: probabilities in, the input's values out."""
PRIOR_POINTS = 2000
"""The measured input's prior is represented by this many of its quantiles (equally likely points)."""
ENOUGH = 0.05
"""A larger pilot "adds under 5 %" once the largest size's value exceeds this size's by less than this share."""


EXACT_COUNTS = 5000
"""Up to this many cases a share's results are enumerated count by count; above, on ``RESULT_POINTS`` shares."""
RESULT_POINTS = 2001
"""Points of the grid of possible results where they are not enumerated (a mean; a share of very many cases)."""


def results_of(grid: np.ndarray, n: int, measurement: Measurement) -> np.ndarray:
    """The results a pilot of ``n`` cases could show, as the statistic it reports (a share, or a mean): the rows of
    :func:`result_likelihood`."""
    if measurement.kind == "share":
        return np.arange(n + 1) / n if n <= EXACT_COUNTS else np.linspace(0.0, 1.0, RESULT_POINTS)
    assert measurement.case_sd is not None  # the schema insists on it for a mean
    spread = measurement.case_sd / np.sqrt(n)
    return np.linspace(grid.min() - 6 * spread, grid.max() + 6 * spread, RESULT_POINTS)


def result_likelihood(grid: np.ndarray, n: int, measurement: Measurement) -> np.ndarray:
    """Possible results x prior points: the probability of each result the pilot could show, at each true value.

    Columns sum to 1 (up to the grid's resolution): every prior point's results are all accounted for."""
    if measurement.kind == "share" and n <= EXACT_COUNTS:
        counts = np.arange(n + 1)
        t = np.clip(grid, 1e-12, 1 - 1e-12)
        return np.exp(binom.logpmf(counts[:, None], n, t[None, :]))
    results = results_of(grid, n, measurement)
    if measurement.kind == "share":
        spread = np.sqrt(np.clip(grid * (1 - grid), 1e-12, None) / n)
    else:
        assert measurement.case_sd is not None
        spread = np.full_like(grid, measurement.case_sd / np.sqrt(n))
    density = np.exp(-0.5 * ((results[:, None] - grid[None, :]) / spread[None, :]) ** 2) / spread[None, :]
    return np.asarray(density / density.sum(axis=0, keepdims=True))


def observed_threshold(
    difference: np.ndarray, u: np.ndarray, theta: np.ndarray, quantile: Quantile, n: int, measurement: Measurement
) -> tuple[float, bool] | None:
    """The result of a pilot of ``n`` cases at which going ahead and not are worth the same, by Bayes' rule: the
    observed share or mean where the posterior expected ``difference`` (a design's net benefit less today's, on
    the worlds) crosses zero, and whether higher results favour going. None when no result could change it.

    This is the go / no-go a pilot can apply: it sees its statistic, not the true value, and a small pilot's
    statistic must be further from the break-even before it is evidence (at 25 cases a mean of 43.6 where the
    true value's break-even is 49.75)."""
    grid = prior_grid(quantile)
    g = benefit_on_prior(np.column_stack([np.zeros_like(difference), difference]), u, theta, grid)[:, 1]
    likelihood = result_likelihood(grid, n, measurement)
    weight = likelihood.sum(axis=1)
    seen = weight > 1e-12 * weight.max()
    posterior = (likelihood @ g)[seen] / weight[seen]  # E[difference | result], for the results that can occur
    results = results_of(grid, n, measurement)[seen]
    sign = np.sign(posterior)
    crossings = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    if not len(crossings):
        return None
    middle = float(np.sum(weight[seen] * results) / weight[seen].sum())
    k = min(crossings, key=lambda c: abs(results[c] - middle))
    y0, y1 = posterior[k], posterior[k + 1]
    return float(results[k] + (results[k + 1] - results[k]) * (0 - y0) / (y1 - y0)), bool(y1 > y0)


def evsi(g: np.ndarray, likelihood: np.ndarray) -> float:
    """EVSI from the smoothed benefit at equally likely prior points (points x designs) and the results' likelihood
    (results x points): sum over results of max over designs of E[g_d; result], less the best prior mean."""
    joint = likelihood @ g / g.shape[0]  # results x designs: P(result) x E[g_d | result]
    value = float(joint.max(axis=1).sum() - g.mean(axis=0).max())
    return max(value, 0.0)


@dataclass(frozen=True)
class PilotSize:
    n: int
    evsi: float
    cost: float

    @property
    def net(self) -> float:
        """The expected net gain of the pilot: what it is worth less what it costs."""
        return self.evsi - self.cost


def prior_grid(quantile: Quantile) -> np.ndarray:
    """``PRIOR_POINTS`` equally likely points of an input's belief (its quantiles at the cells' middles)."""
    return np.asarray(quantile((np.arange(PRIOR_POINTS) + 0.5) / PRIOR_POINTS), dtype=float)


def benefit_on_prior(nb: np.ndarray, u: np.ndarray, theta: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Prior points x designs: each design's expected benefit (relative to the first) given the input, the EVPPI
    regression's fit on the worlds carried to the prior's points (interpolated in the input's value, held level
    beyond the worlds' range)."""
    smoothed = voi.expected_given(nb, u[:, None])
    order = np.argsort(theta, kind="stable")
    return np.column_stack([np.interp(grid, theta[order], smoothed[order, d]) for d in range(smoothed.shape[1])])


def evppi_on_prior(g: np.ndarray, nb: np.ndarray) -> float:
    """One input's EVPPI as the integral over its belief of the best expected benefit given it, less the best
    expected benefit: the same integral EVSI is taken over, so EVSI(n) rises to exactly this as n grows (a
    posterior that has settled on one prior point picks that point's best design). At most EVPI."""
    value = float(g.max(axis=1).mean() - g.mean(axis=0).max())
    return min(max(value, 0.0), voi.evpi(nb))


def single_evppi(nb: np.ndarray, u: np.ndarray, theta: np.ndarray, quantile: Quantile) -> float:
    """One input's EVPPI (see :func:`evppi_on_prior`) from the worlds' net benefit and the input's belief."""
    return evppi_on_prior(benefit_on_prior(nb, u, theta, prior_grid(quantile)), nb)


def curve(
    nb: np.ndarray,
    u: np.ndarray,
    theta: np.ndarray,
    measurement: Measurement,
    sizes: Sequence[int],
    quantile: Quantile,
) -> tuple[float, list[PilotSize]]:
    """The input's EVPPI and the pilot's value and cost at each size.

    ``u`` and ``theta`` are the input in the decision's worlds (probability scale and value); ``quantile`` is its
    belief's quantile function, whose ``PRIOR_POINTS`` quantiles carry the smoothed benefit."""
    grid = prior_grid(quantile)
    g = benefit_on_prior(nb, u, theta, grid)
    ceiling = evppi_on_prior(g, nb)
    if ceiling <= 0:
        return ceiling, [PilotSize(n, 0.0, measurement.cost(n)) for n in sizes]
    points = []
    for n in sizes:
        value = evsi(g, result_likelihood(grid, n, measurement)) if n > 0 else 0.0
        points.append(PilotSize(n, min(value, ceiling), measurement.cost(n)))
    return ceiling, points


def enough(points: list[PilotSize]) -> int | None:
    """The smallest size beyond which the largest pilot adds under ``ENOUGH`` of its value; ``None`` when value still
    rises that much at the largest size (the grid does not reach where more cases stop paying) or there is none."""
    top = points[-1].evsi
    if top <= 0:
        return None
    for point in points[:-1]:
        if top - point.evsi < ENOUGH * top:
            return point.n
    return None


def pilot_value(
    beliefs: Beliefs, names: list[str], u: np.ndarray, values: list[dict[str, float | int]], nb: np.ndarray
) -> list[dict[str, Any]]:
    """Every measurement's curve over the beliefs' pilot sizes, as plain data (the decision's ``pilot_study``)."""
    out = []
    for name, measurement in beliefs.measurements.items():
        j = names.index(name)
        theta = np.array([float(world[name]) for world in values])
        quantile = beliefs.inputs[name].quantile
        ceiling, points = curve(nb, u[:, j], theta, measurement, beliefs.pilot_sizes, quantile)
        best = max(points, key=lambda p: p.net)
        out.append(
            {
                "input": name,
                "label": beliefs.label(name),
                "kind": measurement.kind,
                "counts": measurement.counts,
                "column": measurement.column,
                "evppi": ceiling,
                "sizes": [{"n": p.n, "evsi": p.evsi, "cost": p.cost, "net": p.net} for p in points],
                "best_n": best.n if best.net > 0 else None,
                "best_net": best.net,
                "enough_n": enough(points),
            }
        )
    return out


def pilot_headline(study: list[dict[str, Any]], evpi: float, currency: str, money: Any) -> str:
    """The board sentence: which measurement, on how many cases, worth and costing what, and where more stops
    paying; or that no pilot pays for itself."""
    if not study:
        return ""
    if evpi == 0:
        return "No pilot is worth running before this choice: no input it could measure would change it."
    best = max(study, key=lambda m: m["best_net"])
    if best["best_n"] is None:
        top = max(study, key=lambda m: max(s["evsi"] for s in m["sizes"]))
        worth = max(s["evsi"] for s in top["sizes"])
        return (
            f"No pilot measurement pays for itself: the most any is worth is {money(worth)} {currency} "
            f"({top['label']}), less than measuring it costs."
        )
    point = next(s for s in best["sizes"] if s["n"] == best["best_n"])
    error = point.get("error")
    spread = ""
    if error is not None:  # the bootstrap's interval, and whether the worth could be nothing
        spread = f", 95% interval {money(max(error['low'], 0.0))} to {money(error['high'])}"
        spread += ": it could be worth nothing" if error["low"] <= 0 else ""
    sentence = (
        f"Before scaling, measure {best['label']} on {best['best_n']:,} cases ({best['counts']}; worth "
        f"{money(point['evsi'])} {currency} in expected value{spread}, costs {money(point['cost'])})"
    )
    if best["enough_n"] is not None:
        return f"{sentence}; beyond {best['enough_n']:,} cases adds under {ENOUGH:.0%}."
    return f"{sentence}; its value still rises at {best['sizes'][-1]['n']:,} cases."
