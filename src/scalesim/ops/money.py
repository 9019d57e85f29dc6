"""Money over time: when a design's costs are paid and its value arrives, and what that is worth today.

A flat "net value per year" hides the shape that decides most roll-outs: the build is paid before go-live,
change management at go-live, running costs every day, while value arrives only as cases are worked (slowly
at first, with the roll-out ramp, the learning curve and trust). Here each design's cash flow is laid out on
the run's clock (day 0 = go-live; the build runs over the ``build_days`` before it):

- **value** is each case's realised value at the moment its fate is decided (the ledger's end time);
- **build** (``one_off``) is spent evenly over ``[-build_days, 0)``; ``change_management`` is paid at day 0;
- **running costs** (recurring, monitoring, new teams, added staff) accrue evenly over ``[0, horizon)``.

The **net present value** is taken at the start of spending (the decision), discounting each flow at its own
moment at the yearly ``discount_rate`` (continuous-time discounting of uniform flows, closed form; e.g. Brealey,
Myers & Allen, *Principles of Corporate Finance*, ch. 2). **Payback** is the first day-end from go-live at which
cumulative net value is no longer negative. **Time to value** is the first day-end from go-live at which the
value realised over a whole trailing window of 28 days is positive and covers the running costs of those days:
the operation pays its way. Both are moments of the *live* operation, from go-live to the horizon (when cases stop
arriving and running costs stop): a moment that comes only in the drain, or never, is ``None`` ("never while
live"). A design that spends nothing has nothing to pay back (``None`` too, said so); today's process adds
nothing and costs nothing, so for it neither moment applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalesim.labels import short_money
from scalesim.ops.summary import CashFlowFigures

DAYS_PER_YEAR = 365.0
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
PAYS_ITS_WAY_WINDOW = 28
"""Days of the trailing window that time to value compares value with running costs over."""


@dataclass(frozen=True)
class CostPlan:
    """When a design's costs fall due."""

    build: float
    build_days: float
    change_management: float
    running_per_year: float
    horizon_days: float

    def running_per_day(self) -> float:
        return self.running_per_year / DAYS_PER_YEAR


@dataclass(frozen=True)
class CashFlow:
    """A design's money over a run: headline figures and the daily series behind them."""

    npv: float
    net_value: float
    payback_day: float | None
    time_to_value_days: float | None
    day_end: np.ndarray  # right edge of each day, relative to go-live
    value: np.ndarray  # realised value per day
    costs: np.ndarray  # costs per day

    @property
    def spends(self) -> bool:
        """Whether the design costs anything: one that spends nothing has nothing to pay back."""
        return bool(self.costs.sum() > 0)

    def as_dict(self) -> CashFlowFigures:
        return {
            "npv": self.npv,
            "net_value": self.net_value,
            "payback_day": self.payback_day,
            "time_to_value_days": self.time_to_value_days,
            "spends": self.spends,
        }

    def monthly(self, projected: np.ndarray | None = None) -> pd.DataFrame:
        """Per month from the start of the build (month 0 starts at go-live): value, costs, net and cumulative net;
        with ``projected`` (daily value the pilot promised), the same costs against it for contrast."""
        month = np.floor((self.day_end - 1.0) / DAYS_PER_MONTH).astype(int)
        frame = pd.DataFrame({"month": month, "value": self.value, "costs": self.costs})
        if projected is not None:
            frame["pilot_projection"] = projected
        grouped = frame.groupby("month", sort=True).sum()
        grouped["net"] = grouped["value"] - grouped["costs"]
        grouped["cumulative_net"] = grouped["net"].cumsum()
        if projected is not None:
            grouped["pilot_projection_cumulative_net"] = (grouped["pilot_projection"] - grouped["costs"]).cumsum()
            grouped = grouped.drop(columns="pilot_projection")
        grouped.insert(0, "start_day", grouped.index * DAYS_PER_MONTH)
        return grouped.reset_index()


def pays_verdict(npv: float, net_value_per_year: float, currency: str) -> tuple[bool, str]:
    """Whether a design pays over the run, against today's process (whose every figure is 0), in words.

    It pays when its net present value over the run is above zero. A design whose running value beats its running
    costs but whose build is not yet recovered by the end of the run "does not pay within the run"; one that loses
    money every year "loses money".
    """
    npv_words = f"NPV {short_money(npv)} {currency} over the run"
    if npv > 0:
        return True, f"pays: {npv_words}"
    if net_value_per_year > 0:
        return False, (
            f"does not pay within the run: {npv_words}, though it nets {short_money(net_value_per_year)} "
            f"{currency} a year once running"
        )
    return False, f"loses money: {npv_words}, {short_money(net_value_per_year)} {currency} a year"


def day_edges(plan: CostPlan, end: float) -> np.ndarray:
    """Whole days from the first day of the build to the end of the run (go-live is an edge)."""
    return np.arange(-math.ceil(plan.build_days), math.ceil(end) + 1, dtype=float)


def daily_costs(plan: CostPlan, edges: np.ndarray) -> np.ndarray:
    """Costs falling in each day ``[edges[k], edges[k+1])``."""
    lo, hi = edges[:-1], edges[1:]
    costs = np.zeros(len(lo))
    if plan.build_days > 0:
        costs += plan.build / plan.build_days * _overlap(lo, hi, -plan.build_days, 0.0)
    else:
        costs[lo == 0.0] += plan.build
    costs[lo == 0.0] += plan.change_management
    costs += plan.running_per_day() * _overlap(lo, hi, 0.0, plan.horizon_days)
    return costs


def _overlap(lo: np.ndarray, hi: np.ndarray, a: float, b: float) -> np.ndarray:
    return np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)


def present_value_of_costs(plan: CostPlan, rate: float) -> float:
    """Discounted costs at the start of the build: uniform flows integrate in closed form."""
    delta = math.log1p(rate) / DAYS_PER_YEAR  # continuous rate per day
    start = plan.build_days  # go-live is this many days after the decision

    def uniform(amount_per_day: float, a: float, b: float) -> float:
        """Present value of ``amount_per_day`` paid continuously over [a, b] days after the decision."""
        if b <= a:
            return 0.0
        if delta == 0.0:
            return amount_per_day * (b - a)
        return amount_per_day * (math.exp(-delta * a) - math.exp(-delta * b)) / delta

    # without a build period the build is paid at go-live, which is then the decision
    build = plan.build if plan.build_days == 0 else uniform(plan.build / plan.build_days, 0.0, start)
    at_go_live = plan.change_management * math.exp(-delta * start)
    running = uniform(plan.running_per_day(), start, start + plan.horizon_days)
    return build + at_go_live + running


def cash_flow(times: np.ndarray, values: np.ndarray, plan: CostPlan, end: float, rate: float) -> CashFlow:
    """A design's cash flow from the value its cases realised (``values`` at ``times``, days from go-live)."""
    finite = np.isfinite(times)
    times, values = times[finite], values[finite]
    edges = day_edges(plan, end)
    value = np.histogram(times, bins=edges, weights=values)[0] if len(times) else np.zeros(len(edges) - 1)
    costs = daily_costs(plan, edges)
    delta = math.log1p(rate) / DAYS_PER_YEAR
    npv = float(np.sum(values * np.exp(-delta * (times + plan.build_days)))) - present_value_of_costs(plan, rate)
    day_end = edges[1:]
    spends = costs.sum() > 0
    return CashFlow(
        npv=npv,
        net_value=float(values.sum()) - float(costs.sum()),
        payback_day=_payback(day_end, np.cumsum(value - costs), plan.horizon_days) if spends else None,
        time_to_value_days=_time_to_value(day_end, value, plan),
        day_end=day_end,
        value=value,
        costs=costs,
    )


def _payback(day_end: np.ndarray, cumulative: np.ndarray, horizon: float) -> float | None:
    """The first day-end of the live operation (go-live to the horizon) with cumulative net value not negative."""
    live = (day_end >= 0.0) & (day_end <= horizon)
    covered = np.flatnonzero(live & (cumulative >= -1e-9 * max(1.0, float(np.abs(cumulative).max(initial=0.0)))))
    return float(day_end[covered[0]]) if len(covered) else None


def _time_to_value(day_end: np.ndarray, value: np.ndarray, plan: CostPlan) -> float | None:
    """The first day-end of the live operation whose whole trailing window's value is positive and covers the
    window's running costs (a shorter window at the start would let one good day read as paying its way)."""
    live = day_end > 0.0
    v, ends = value[live], day_end[live]
    trailing = np.convolve(v, np.ones(PAYS_ITS_WAY_WINDOW))[: len(v)]
    running = plan.running_per_day() * PAYS_ITS_WAY_WINDOW  # change management is paid once, not for running
    full = (ends >= PAYS_ITS_WAY_WINDOW) & (ends <= plan.horizon_days)
    ok = np.flatnonzero(full & (trailing > 0.0) & (trailing >= running))
    return float(ends[ok[0]]) if len(ok) else None
