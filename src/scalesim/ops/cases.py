"""The stream of cases, drawn once per run and shared by every environment and design.

Pilot and production (and every design) see the same cases: the same arrival times, values, difficulty and
the same per-case uniforms behind each decision (data quality, exception, pickup, adoption, correctness,
rejection, losses in handoffs, service times). Each is an array indexed by case number, drawn from its own
named stream, so the difference between two environments is the organisation, not luck.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

import numpy as np

from scalesim.ops.streams import Streams
from scalesim.scenario.distributions import Distribution
from scalesim.scenario.schema import Scenario, Workload


def arrival_times(workload: Workload, horizon: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrivals over ``[0, horizon)`` with a day-of-week (and optionally hour-of-day) rate, by inverting
    the cumulative rate.

    A unit-rate Poisson process mapped through the inverse of the cumulative intensity is a Poisson process
    with that intensity; with a piecewise-constant rate (per day, or per hour) the inverse is exact and vectorised.
    """
    pattern = np.asarray(workload.weekly_pattern, dtype=float)
    daily = workload.arrival_rate * pattern / pattern.mean()
    per_day = 1 if workload.hourly_pattern is None else 24
    bins = int(np.ceil(horizon * per_day))
    index = np.arange(bins)
    rate = daily[(index // per_day) % 7] / per_day  # cases a bin
    if workload.hourly_pattern is not None:
        hourly = np.asarray(workload.hourly_pattern, dtype=float)
        rate = rate * (hourly / hourly.mean())[index % 24]
    widths = np.minimum(1.0, horizon * per_day - index)
    knots = np.concatenate(([0.0], np.cumsum(rate * widths)))
    total = knots[-1]
    chunks: list[np.ndarray] = []
    reached = 0.0
    while reached <= total:
        n = int(total - reached + 6 * np.sqrt(total + 1) + 64)
        chunk = reached + np.cumsum(rng.standard_exponential(n))
        chunks.append(chunk)
        reached = chunk[-1]
    cumulative = np.concatenate(chunks)
    cumulative = cumulative[cumulative < total]
    slot = np.searchsorted(knots, cumulative, side="right") - 1
    return (slot + (cumulative - knots[slot]) / rate[slot]) / per_day


def window_arrivals(workload: Workload, start: float, count: int, rng: np.random.Generator) -> np.ndarray:
    """The first ``count`` arrivals at or after day ``start`` (a back-test's window: as many cases as the real log
    holds, from its first arrival), from the same Poisson process as :func:`arrival_times`."""
    horizon = start + max(7.0, 1.5 * count / max(workload.arrival_rate, 1e-9))
    while True:
        times = arrival_times(workload, horizon, rng)
        times = times[times >= start]
        if len(times) >= count:
            return times[:count]
        horizon = start + 2.0 * (horizon - start)


class Cases:
    """Arrival times, values and per-case random draws, keyed by stream name and memoised.

    With ``window`` (start day, count), the cases are the first ``count`` arrivals from that day on (a back-test
    against a log of that many cases), not the run's horizon of arrivals."""

    def __init__(self, scenario: Scenario, streams: Streams, window: tuple[float, int] | None = None) -> None:
        self.streams = streams
        if window is None:
            self.arrival = arrival_times(scenario.workload, scenario.run.horizon_days, streams.generator("arrivals"))
        else:
            self.arrival = window_arrivals(scenario.workload, *window, streams.generator("arrivals"))
        self.count = len(self.arrival)
        self.value = scenario.value.uplift.sample(streams.generator("case:value"), self.count)
        self.hard = streams.generator("case:difficulty").random(self.count) < scenario.workload.hard_case_share
        share = scenario.pilot.sample_share
        self.sampled: np.ndarray | None = (
            None if share >= 1.0 else streams.generator("case:pilot_sample").random(self.count) < share
        )
        """The cases the pilot works (None: all of them)."""
        self._drawn: dict[tuple[str, str], array[float]] = {}

    def uniform(self, name: str) -> array[float]:
        """One U(0,1) per case from stream ``case:<name>``.

        Kept as ``array('d')``: 8 bytes a value (a list costs 32) and ~20 ns more per read than a list, against
        ~20 us of simulation per case.
        """
        return self._memo(name, "uniform", lambda rng: rng.random(self.count))

    def normal(self, name: str) -> array[float]:
        """One standard normal per case from stream ``case:<name>`` (e.g. the noise in the model's score)."""
        return self._memo(name, "normal", lambda rng: rng.standard_normal(self.count))

    def draws(self, name: str, dist: Distribution) -> array[float]:
        """One draw of ``dist`` per case from stream ``name`` (e.g. a team's service hours)."""
        return self._memo(name, dist.model_dump_json(), lambda rng: dist.sample(rng, self.count))

    def _memo(self, name: str, kind: str, draw: Callable[[np.random.Generator], np.ndarray]) -> array[float]:
        key = (name, kind)
        if key not in self._drawn:
            values = np.ascontiguousarray(draw(self.streams.generator(f"case:{name}")), dtype=np.float64)
            self._drawn[key] = array("d", values.tobytes())
        return self._drawn[key]
