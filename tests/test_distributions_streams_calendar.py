"""Building blocks: distributions hit their stated moments, streams are named and independent, calendars pause."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from scalesim.ops.calendar import WorkCalendar, next_tick
from scalesim.ops.streams import Streams
from scalesim.scenario.distributions import Distribution
from scalesim.scenario.schema import Calendar

ADAPTER = TypeAdapter(Distribution)
N = 200_000


@pytest.mark.parametrize(
    ("spec", "mean", "cv"),
    [
        (3.0, 3.0, 0.0),
        ({"dist": "exponential", "mean": 2.0}, 2.0, 1.0),
        ({"dist": "lognormal", "mean": 2.0, "cv": 0.5}, 2.0, 0.5),
        ({"dist": "gamma", "mean": 2.0, "cv": 0.5}, 2.0, 0.5),
        ({"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0, (2 / np.sqrt(12)) / 2),
        ({"dist": "triangular", "low": 0.0, "mode": 0.0, "high": 6.0}, 2.0, np.sqrt(2.0) / 2),
        ({"dist": "empirical", "values": [1.0, 3.0]}, 2.0, 0.5),
    ],
)
def test_distributions_have_their_stated_mean_and_cv(spec, mean, cv):
    dist = ADAPTER.validate_python(spec)
    draws = dist.sample(np.random.default_rng(1), N)
    assert dist.mean == pytest.approx(mean)
    # standard error of the mean is mean*cv/sqrt(N); 5 standard errors cannot fail by chance in practice
    assert draws.mean() == pytest.approx(mean, abs=5 * mean * max(cv, 1e-9) / np.sqrt(N) + 1e-12)
    assert draws.std() / draws.mean() == pytest.approx(cv, abs=0.02)
    assert (draws >= 0).all()


def test_same_name_same_draws_other_name_other_draws():
    streams = Streams(42)
    a1 = streams.generator("arrivals").random(5)
    a2 = streams.generator("arrivals").random(5)
    b = streams.generator("service:desk").random(5)
    assert np.array_equal(a1, a2)
    assert not np.array_equal(a1, b)


def test_a_stream_does_not_depend_on_which_other_streams_exist():
    only = Streams(7).generator("case:adopt").random(3)
    busy = Streams(7)
    for name in ("arrivals", "new:mechanism", "service:x"):
        busy.generator(name).random(100)
    assert np.array_equal(only, busy.generator("case:adopt").random(3))


def test_different_seeds_and_spawned_replications_differ():
    root = np.random.SeedSequence(5)
    r0, r1 = root.spawn(2)
    draws = [Streams(s).generator("arrivals").random(3) for s in (5, 6, r0, r1)]
    for i in range(4):
        for j in range(i + 1, 4):
            assert not np.array_equal(draws[i], draws[j])


def test_block_stream_matches_one_big_draw():
    streams = Streams(9)
    it = streams.blocks("x", lambda rng, n: rng.random(n))
    first = [next(it) for _ in range(5000)]
    assert np.allclose(first, streams.generator("x").random(8192)[:5000])


OFFICE = WorkCalendar(Calendar(hours_per_day=8, days_per_week=5, start_hour=9))


@pytest.mark.parametrize(
    ("now", "hours", "done"),
    [
        (0.0, 1.0, 10 / 24),  # Monday 00:00 -> waits for 09:00, done 10:00
        (9 / 24, 8.0, 17 / 24),  # a full shift
        (16 / 24, 2.0, 1 + 10 / 24),  # one hour today, one tomorrow
        (4 + 16 / 24, 2.0, 7 + 10 / 24),  # Friday 16:00 -> Monday 10:00
        (5.5, 0.0, 7 + 9 / 24),  # Saturday: zero-length work still waits for someone at work
        (0.0, 80.0, 11 + 17 / 24),  # two working weeks: Friday of week 2, 17:00
    ],
)
def test_office_calendar_pauses_work_outside_shifts(now, hours, done):
    assert OFFICE.finish(now, hours) == pytest.approx(done)


def test_open_hours_counts_only_shifts():
    assert OFFICE.open_hours(0, 7) == pytest.approx(40.0)
    assert OFFICE.open_hours(0, 0.5) == pytest.approx(3.0)  # 09:00-12:00
    always = WorkCalendar(Calendar(hours_per_day=24, days_per_week=7, start_hour=0))
    assert always.finish(1.25, 6) == pytest.approx(1.5)
    assert always.open_hours(0, 2) == pytest.approx(48)


def test_next_tick():
    assert next_tick(0.0, 7) == 0.0
    assert next_tick(0.1, 7) == 7.0
    assert next_tick(7.0, 7) == 7.0
    assert next_tick(2.0, 7, offset=3) == 3.0
    assert next_tick(3.5, 7, offset=3) == 10.0


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"hours_per_day": 7, "days_per_week": 5, "start_hour": 8},
        {"hours_per_day": 24, "days_per_week": 7, "start_hour": 0},
        {"hours_per_day": 4, "days_per_week": 1, "start_hour": 20},
    ],
)
def test_next_open_is_the_vectorised_start_of_work(spec):
    calendar = WorkCalendar(Calendar(**spec))
    times = np.random.default_rng(1).uniform(0, 60, 2000)
    assert np.array_equal(calendar.next_open(times), np.array([calendar.finish(t, 0.0) for t in times]))


def test_light_quantiles_and_tails_equal_scipy_stats_to_the_last_bit():
    """Beliefs' quantiles and distributions' tails are computed without importing scipy.stats (every command checks
    a file's beliefs; a refusal should not wait for it): the same special functions, the same values."""
    import numpy as np
    from scipy import stats

    from scalesim.scenario.beliefs import Beliefs
    from scalesim.scenario.distributions import Exponential, Gamma, Lognormal

    u = np.clip(np.random.default_rng(3).random(5000), 1e-12, 1 - 1e-12)
    inputs = {
        "a": {"dist": "beta", "mean": 0.8, "sd": 0.05},
        "b": {"dist": "lognormal", "mean": 60, "sd": 15},
        "c": {"dist": "gamma", "mean": 3, "sd": 0.7},
        "d": {"dist": "uniform", "low": 0.2, "high": 0.4},
        "e": {"dist": "triangular", "low": 0.015, "mode": 0.03, "high": 0.06},
        "f": {"dist": "triangular", "low": 1, "mode": 1, "high": 4},
    }
    for name, belief in Beliefs.model_validate({"inputs": inputs}).inputs.items():
        assert np.array_equal(belief.quantile(u), belief.frozen().ppf(u)), name
    for dist in (Exponential(mean=2.0), Lognormal(mean=60, cv=1.5), Gamma(mean=350, cv=1.2)):
        for x in (-1.0, 0.0, 1e-3, 0.5, 40.0, 600.0, 1e5):
            assert dist.exceeds(x) == float(dist.frozen().sf(x)), (dist, x)
    assert stats  # the reference is scipy.stats itself
