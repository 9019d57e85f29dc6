"""Value of information from a probabilistic sensitivity analysis: pure functions of a net-benefit matrix.

``nb`` has one row per drawn world and one column per design. The definitions are decision theory's (Raiffa &
Schlaifer 1961; for health technology, Claxton 1999): the expected loss of a choice is what it forgoes against the
best design in each world, on average; EVPI is the expected loss of the choice that is best on average — what
knowing everything would be worth. EVPPI, the value of learning some inputs only, is estimated by the regression
method of Strong, Oakley & Brennan (2014): regress each design's net benefit (relative to the first) on the
inputs of interest; the fitted values are the expected net benefit given those inputs, and EVPPI is the mean of
their maximum less the maximum of their mean. The regression here is, per input, the constant, a polynomial up to
a cubic, or a cubic regression spline, the shape chosen by the Bayesian information criterion (Schwarz 1978), plus
the pairwise products of the inputs for a group — an additive model with linear-by-linear interactions, lighter
than the Gaussian process Strong et al. use for large groups, and enough for the effects the bundled scenarios
show (smooth, mostly additive). Inputs enter on their probability scale (0..1), where draws are evenly spread.
"""

from __future__ import annotations

import numpy as np

SHAPES = ((0, 0), (1, 0), (2, 0), (3, 0), (3, 1), (3, 2), (3, 3), (3, 5), (3, 8))
"""The regressions tried, simplest first, as (polynomial degree, interior knots of the cubic spline): from the
constant (the inputs tell nothing: EVPPI exactly 0) to a cubic spline with 8 knots. BIC picks among those the
sample can support. Starting from the constant, and choosing by BIC rather than generalised cross-validation, is
what keeps an inert input's EVPPI at or near zero in a small sample, where a fitted curve turns noise into
apparent value: on 64 draws of a noisy difference, an inert input got 7 % of EVPI on average by GCV and 1 % by BIC,
while a real driver's estimate did not move (docs/background/decision.md)."""
MIN_DRAWS_PER_TERM = 4
"""A basis is only tried if the draws number at least this many times its terms."""


def probability_best(nb: np.ndarray) -> np.ndarray:
    """The share of worlds in which each design has the highest net benefit (ties go to the first listed)."""
    winners = np.argmax(nb, axis=1)
    return np.bincount(winners, minlength=nb.shape[1]) / nb.shape[0]


def expected_loss(nb: np.ndarray) -> np.ndarray:
    """For each design, the mean over worlds of (best net benefit in that world - this design's)."""
    return np.mean(nb.max(axis=1)[:, None] - nb, axis=0)


def evpi(nb: np.ndarray) -> float:
    """Expected value of perfect information: E[max_d NB] - max_d E[NB]; exactly 0 when one design wins always."""
    return float(expected_loss(nb).min())


def _basis(x: np.ndarray, degree: int, knots: int) -> np.ndarray:
    """Polynomial terms of one input in 0..1 up to ``degree``, then truncated cubic spline terms at ``knots``
    quantiles, without the intercept."""
    columns = [x**power for power in range(1, degree + 1)]
    for k in np.quantile(x, np.linspace(0, 1, knots + 2)[1:-1]):
        columns.append(np.clip(x - k, 0, None) ** 3)
    return np.column_stack(columns) if columns else np.empty((x.shape[0], 0))


def _design_matrix(x: np.ndarray, degree: int, knots: int) -> np.ndarray:
    parts = [np.ones((x.shape[0], 1))]
    parts += [_basis(x[:, j], degree, knots) for j in range(x.shape[1])]
    if degree:
        parts += [(x[:, i] * x[:, j])[:, None] for i in range(x.shape[1]) for j in range(i + 1, x.shape[1])]
    return np.hstack(parts)


def fitted(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """E[y | x] estimated by the regression shape with the lowest Bayesian information criterion."""
    n = x.shape[0]
    best: tuple[float, np.ndarray] | None = None
    for degree, knots in SHAPES:
        matrix = _design_matrix(x, degree, knots)
        terms = matrix.shape[1]
        if n < MIN_DRAWS_PER_TERM * terms and best is not None:
            break
        # an orthonormal basis of the columns: stable where the raw powers are nearly collinear
        q, r = np.linalg.qr(matrix)
        keep = np.abs(np.diag(r)) > 1e-10 * np.abs(np.diag(r)).max()
        q = q[:, keep]
        fit = q @ (q.T @ y)
        rss = float(np.sum((y - fit) ** 2))
        bic = n * np.log(max(rss / n, 1e-300)) + q.shape[1] * np.log(n)
        if best is None or bic < best[0]:
            best = (bic, fit)
    assert best is not None
    return best[1]


def expected_given(nb: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Worlds x designs: each design's expected net benefit relative to the first, given the inputs in ``x``.

    Each design's net benefit relative to the first is regressed on ``x``; the first design's relative benefit is
    zero. The regression has an intercept, so the fitted values keep the mean."""
    relative = nb[:, 1:] - nb[:, :1]
    return np.column_stack([np.zeros(nb.shape[0])] + [fitted(x, relative[:, d]) for d in range(relative.shape[1])])


def evppi(nb: np.ndarray, x: np.ndarray) -> float:
    """EVPPI of the inputs in the columns of ``x`` (probability scale), at most EVPI.

    The mean of the best expected relative benefit given ``x`` less the best mean; never below zero (the fitted
    values keep the mean), and capped at EVPI, which it cannot exceed in truth but can in a small sample.
    """
    return value_of_knowing(nb, expected_given(nb, x))


def value_of_knowing(nb: np.ndarray, expected: np.ndarray) -> float:
    """EVPPI from the expected relative benefit given the inputs (:func:`expected_given`), at most EVPI."""
    relative = nb[:, 1:] - nb[:, :1]
    value = float(np.mean(expected.max(axis=1)) - max(0.0, float(np.mean(relative, axis=0).max())))
    return min(max(value, 0.0), evpi(nb))
