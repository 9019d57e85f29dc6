"""The value of a finite pilot (EVSI): against the closed form, and its bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from scalesim.experiment import evsi
from scalesim.scenario.beliefs import Measurement

PRIOR_SD, CASE_SD, OFFSET = 1.0, 4.0, 0.1


def _closed_form(n: int) -> float:
    """Normal prior N(0, 1) on theta, the mean of n values N(theta, 4^2) observed, net benefit 0 or 0.1 + theta:
    the posterior mean is normal with sd s = 1 / sqrt(1 + 16 / n), so EVSI = E[max(0, 0.1 + m)] - 0.1."""
    if n == 0:
        return 0.0
    s = PRIOR_SD**2 / math.sqrt(PRIOR_SD**2 + CASE_SD**2 / n)
    z = OFFSET / s
    return OFFSET * stats.norm.cdf(z) + s * stats.norm.pdf(z) - OFFSET


def _worlds(count: int = 4000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u = (np.arange(count) + 0.5) / count
    np.random.default_rng(3).shuffle(u)
    theta = stats.norm.ppf(u) * PRIOR_SD
    nb = np.column_stack([np.zeros(count), OFFSET + theta])
    return nb, u, theta


NORMAL = stats.norm(0, PRIOR_SD).ppf
ADOPTION = stats.beta(17, 3).ppf
MEAN = Measurement(kind="mean", column="value", counts="values", cost_per_case=1e-4, case_sd=CASE_SD)
SIZES = [0, 1, 4, 16, 64, 256, 4096]


def test_evsi_matches_the_normal_closed_form_at_every_size() -> None:
    """The sum over the pilot's possible results is exact given the regression's fit: within 2 % at every size."""
    nb, u, theta = _worlds()
    ceiling, points = evsi.curve(nb, u, theta, MEAN, SIZES, quantile=NORMAL)
    assert ceiling == pytest.approx(_closed_form(10**12), rel=0.02)  # EVPPI
    for point in points:
        assert point.evsi == pytest.approx(_closed_form(point.n), rel=0.02, abs=1e-12), point.n


def test_evsi_is_zero_without_cases_rises_with_them_and_never_exceeds_evppi() -> None:
    nb, u, theta = _worlds(1000)
    ceiling, points = evsi.curve(nb, u, theta, MEAN, SIZES, quantile=NORMAL)
    values = [p.evsi for p in points]
    assert values[0] == 0.0 and points[0].cost == 0.0
    assert all(b >= a - 1e-3 * ceiling for a, b in itertools.pairwise(values))
    assert max(values) <= ceiling
    assert values[-1] > 0.9 * ceiling


def test_a_share_measured_on_more_cases_is_worth_more_and_an_inert_input_nothing() -> None:
    rng = np.random.default_rng(5)
    theta = rng.beta(17, 3, 2000)  # adoption around 0.85
    u = stats.beta.cdf(theta, 17, 3)
    noise = rng.normal(0, 2000, 2000)  # what the other inputs do
    nb = np.column_stack([np.zeros(2000), 40000 * (theta - 0.83) + noise])
    share = Measurement(kind="share", column="followed", counts="outputs followed", cost_per_case=1.0)
    ceiling, points = evsi.curve(nb, u, theta, share, [10, 100, 1000], quantile=ADOPTION)
    assert 0 < points[0].evsi < points[1].evsi < points[2].evsi <= ceiling
    inert = np.column_stack([np.zeros(2000), 500 + noise])  # the design wins whatever adoption is
    ceiling, points = evsi.curve(inert, u, theta, share, [10, 100, 1000], quantile=ADOPTION)
    assert ceiling < 0.02 * 500 and all(p.evsi <= ceiling for p in points)


def test_the_same_decision_gives_the_same_curve() -> None:
    nb, u, theta = _worlds(500)
    first = evsi.curve(nb, u, theta, MEAN, SIZES, quantile=NORMAL)
    again = evsi.curve(nb, u, theta, MEAN, SIZES, quantile=NORMAL)
    assert first == again


def test_the_board_sentence_names_the_best_measurement_and_where_more_stops_paying() -> None:
    sizes = [
        {"n": n, "evsi": v, "cost": c, "net": v - c}
        for n, v, c in [(100, 50000, 2000), (400, 110000, 8000), (800, 116000, 16000), (1600, 118000, 32000)]
    ]
    study = [
        {
            "label": "adoption with an owner",
            "counts": "outputs followed",
            "sizes": sizes,
            "best_n": 400,
            "best_net": 102000,
            "enough_n": 800,
            "evppi": 120000,
        }
    ]
    sentence = evsi.pilot_headline(study, 150000, "EUR", lambda x: f"{x / 1e3:.0f}k")
    assert sentence == (
        "Before scaling, measure adoption with an owner on 400 cases (outputs followed; worth 110k EUR in expected "
        "value, costs 8k); beyond 800 cases adds under 5%."
    )
    assert evsi.pilot_headline(study, 0.0, "EUR", str).startswith("No pilot is worth running")


def test_an_input_that_cannot_change_the_choice_makes_a_pilot_worth_exactly_nothing() -> None:
    _, u, theta = _worlds(1000)
    dominated = np.column_stack([np.zeros(1000), 5.0 + 0.0 * theta])  # the design wins whatever theta is
    ceiling, points = evsi.curve(dominated, u, theta, MEAN, SIZES, quantile=NORMAL)
    assert ceiling == 0.0 and all(p.evsi == 0.0 for p in points)


@pytest.mark.parametrize("count", [32, 64, 200])
def test_evsi_tends_to_the_evppi_it_is_reported_beside(count: int) -> None:
    """Issue 37 row 3. Before: EVPPI was the mean over the worlds, EVSI an integral over the belief; with few worlds
    an extreme one weighed 1/n in one and almost nothing in the other (claims-triage: EVSI(10^6) 10.6 EUR against
    EVPPI 65.8). Now both are the same integral: EVSI at a million cases is EVPPI to within 1 %."""
    nb, u, theta = _worlds(count)
    nb[:, 1] += 0.3 * np.where(theta > 1.8, 1.0, 0.0)  # a kink in the tail, as a share near its bound gives
    ceiling, points = evsi.curve(nb, u, theta, MEAN, [10**6], quantile=NORMAL)
    assert ceiling > 0
    assert points[0].evsi == pytest.approx(ceiling, rel=0.01)
    # the integral, written out: the regression's fit at the belief's equally likely points
    g = evsi.benefit_on_prior(nb, u, theta, NORMAL((np.arange(evsi.PRIOR_POINTS) + 0.5) / evsi.PRIOR_POINTS))
    assert ceiling == pytest.approx(g.max(axis=1).mean() - g.mean(axis=0).max(), rel=1e-12)


@pytest.mark.parametrize("n", [4, 16, 64, 400])
def test_go_no_go_on_what_the_pilot_observes_is_bayes_rule_on_its_mean(n: int) -> None:
    """Issue 37 row 7. Prior theta ~ N(0, 1), the design worth 0.1 + theta more than today, a pilot's mean of n values
    N(theta, 4^2): go when the posterior mean of 0.1 + theta is above 0, i.e. the observed mean above
    -0.1 (1 + 16 / n) — further from the true value's break-even (-0.1) the smaller the pilot."""
    nb, u, theta = _worlds()
    found = evsi.observed_threshold(nb[:, 1] - nb[:, 0], u, theta, NORMAL, n, MEAN)
    assert found is not None
    cut, go_above = found
    assert go_above
    assert cut == pytest.approx(-OFFSET * (1 + CASE_SD**2 / n), rel=0.02)


def test_an_input_that_cannot_change_the_choice_has_no_observed_go_no_go() -> None:
    _, u, theta = _worlds()
    assert evsi.observed_threshold(np.full(len(theta), 5.0), u, theta, NORMAL, 100, MEAN) is None
