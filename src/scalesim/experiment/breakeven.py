"""Break-even: the value of one input at which a design starts (or stops) paying — "what value per case, or what
build cost, makes it pay?".

The difference D(v) = metric(design) - metric(against), at input value v, averaged over R replications, is a
deterministic function of v: every evaluation runs the same replications' random streams (common random numbers),
so D changes only because v does and a bracketing root-finder can follow it. Brent's method (Brent 1973, via
``scipy.optimize.brentq``) finds the root v* of D inside a range where D changes sign. Against today's process
(do not scale) D is the design's own metric, today's being exactly 0.

The interval is the set of values at which a zero difference cannot be told from the replications' noise —
the roots of D(v) - h(v) and D(v) + h(v), h the 95% half-width of the paired difference at v. It is the
inversion of a test, as Fieller's interval for a ratio is (Fieller 1954): a value is inside when a zero
difference there is within the interval. Where D ± h does not cross zero inside the range, that end is open.

Every evaluation is a point of an experiment (parallel, stored, resumable); the search is determined by what is
asked (the input, the range, the metric, the designs, the replications), so the same question resumes the same
folder and a different one gets its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from scalesim.errors import ScenarioError
from scalesim.experiment import atomic
from scalesim.experiment.executors import Runner
from scalesim.experiment.experiment import ExperimentResult, ExperimentSpec, freeze_points, run_experiment
from scalesim.experiment.stats import paired_difference
from scalesim.experiment.store import Writer, dumps, finish
from scalesim.labels import field_words, number
from scalesim.limits import DEFAULT_MAX_RUNS
from scalesim.ops.check import Batch, check_batch, estimate, select_designs
from scalesim.scenario.load import apply_override, validate
from scalesim.scenario.paths import field_type, locate
from scalesim.scenario.schema import TODAY, Scenario

BREAKEVEN = "breakeven.json"
METRICS = {
    "npv": "net present value over the run",
    "net_value_per_year": "net value a year",
    "net_value_run": "net value over the run",
}
STEPS = 60
"""Halvings to find where a range end stops being a valid value of the field (a share's 1, a rate's 0)."""
TOLERANCE = 1e-4
"""The root is found to this share of the range's width."""


@dataclass(frozen=True)
class Evaluation:
    """The paired difference at one value of the input, over the replications."""

    value: float
    mean: float
    half_width: float


@dataclass
class Search:
    """The evaluations so far, each an experiment point, run when first asked for (and never twice)."""

    spec: ExperimentSpec
    path: str
    design: str
    against: str
    metric: str
    out: str | Path
    runner: Runner
    command: Sequence[str]
    details: dict[str, Any]
    values: list[float] = field(default_factory=list)
    found: dict[float, Evaluation] = field(default_factory=dict)
    result: ExperimentResult | None = None

    def at(self, value: float) -> Evaluation:
        value = float(value)
        if value in self.found:
            return self.found[value]
        self.values.append(value)
        spec = ExperimentSpec(
            "breakeven",
            self.spec.scenario,
            self.spec.designs,
            self.spec.replications,
            keep_weekly=False,
            explicit_points=freeze_points([{self.path: v} for v in self.values]),
            search=self.spec.search,
        )
        point = len(self.values) - 1
        self.result = run_experiment(
            spec, self.out, self.runner, self.command, only=range(point + 1), details=self.details, last=False
        )
        self.found[value] = evaluation(self.result.runs, point, value, self.design, self.against, self.metric)
        return self.found[value]


def evaluation(runs: pd.DataFrame, point: int, value: float, design: str, against: str, metric: str) -> Evaluation:
    """The paired difference ``design`` - ``against`` of ``metric`` at one point, from its runs."""
    rows = runs[runs["point"] == point]
    ours = rows[rows["design"] == design].sort_values("replication")[metric].to_numpy(float)
    if against == TODAY and not (rows["design"] == TODAY).any():
        theirs = np.zeros_like(ours)  # today's process: exactly 0, nothing to simulate
    else:
        theirs = rows[rows["design"] == against].sort_values("replication")[metric].to_numpy(float)
    diff = paired_difference(theirs, ours)
    hw = diff["half_width"]
    return Evaluation(value, diff["mean"], 0.0 if not math.isfinite(hw) else hw)


@dataclass(frozen=True)
class Breakeven:
    """The answer: the break-even value with its interval, every evaluation behind it, and the experiment."""

    scenario: Scenario
    design: str
    against: str
    path: str
    metric: str
    current: float
    low: float
    high: float
    evaluations: list[Evaluation]
    root: float | None
    interval: tuple[float | None, float | None]
    increasing: bool
    status: str  # "found", "pays_everywhere", "never_pays"
    experiment: ExperimentResult

    def to_dict(self) -> dict[str, Any]:
        now = next(e for e in self.evaluations if e.value == self.current)
        data: dict[str, Any] = {
            "kind": "breakeven",
            "scenario": self.scenario.name,
            "seed": self.scenario.run.seed,
            "currency": self.scenario.currency,
            "design": self.design,
            "against": self.against,
            "input": self.path,
            "input_words": field_words(self.path),
            "metric": self.metric,
            "replications": self.experiment.replications,
            "current": self.current,
            "current_difference": {"mean": now.mean, "half_width": now.half_width},
            "range": [self.low, self.high],
            "increasing": self.increasing,
            "status": self.status,
            "break_even": self.root,
            "interval": list(self.interval),
            "evaluations": [
                {"value": e.value, "mean": e.mean, "half_width": e.half_width}
                for e in sorted(self.evaluations, key=lambda e: e.value)
            ],
        }
        data["headline"] = headline(data)
        return data

    def write(self, folder: Path, manifest: dict[str, Any]) -> None:
        """``breakeven.json`` and ``evaluations.csv``."""
        data = self.to_dict()
        atomic.write_text(folder / BREAKEVEN, dumps(data))
        atomic.write_text(folder / "evaluations.csv", pd.DataFrame(data["evaluations"]).to_csv(index=False))


def headline(data: dict[str, Any]) -> str:
    """The answer in one sentence: the value, which side pays, the interval, and where the scenario stands."""
    cur = data["currency"]
    words, metric = data["input_words"], METRICS[data["metric"]]
    against = "today's process (do not scale)" if data["against"] == TODAY else data["against"]
    gain = f"{metric} of {data['design']} above {against}"
    now = data["current_difference"]
    where = (
        f"In the scenario it is {number(data['current'])}, where the difference is "
        f"{now['mean']:+,.0f} {cur} ± {now['half_width']:,.0f}."
    )
    low, high = data["range"]
    if data["status"] != "found":
        sign = "positive" if data["status"] == "pays_everywhere" else "negative"
        every = f"every {words} from {number(low)} to {number(high)}"
        return f"The {gain} is {sign} for {every}: no break-even there. {where}"
    side = "at least" if data["increasing"] else "at most"
    a, b = data["interval"]
    span = (
        f"{number(a)} to {number(b)}"
        if a is not None and b is not None
        else f"from {number(a)} up"
        if a is not None
        else f"up to {number(b)}"
        if b is not None
        else "open"
    )
    return (
        f"{data['design']} beats {against} on {metric} when {words} is {side} {number(data['break_even'])} "
        f"(95% interval {span}, {data['replications']} replications on common random numbers). {where}"
    )


ANALYSIS_BLOCKS = ("beliefs", "sensitivity", "workshop")
"""Top-level blocks that set up an analysis or its reading, not the world a run simulates: no break-even in them."""


def _check_input(scenario: Scenario, path: str) -> float:
    """The input's value in the scenario; refused unless it is one continuous number of the simulated world."""
    block = path.split(".", 1)[0]
    if block in ANALYSIS_BLOCKS:
        raise ScenarioError(
            f"--input {path}: not a model input ('{block}' sets up the analysis, not the world a run simulates); "
            "give a field of workload, value, pilot, production or designs, e.g. value.uplift.mean"
        )
    raw = scenario.model_dump(mode="json", by_alias=True)
    kind = field_type(raw, path, Scenario)
    container, key = locate(raw, path, Scenario, create=False)
    value = container.get(key) if isinstance(container, dict) else container[key]
    if kind is bool or kind is int:
        raise ScenarioError(
            f"--input {path}: a {'yes/no' if kind is bool else 'whole-number'} field has no break-even point between "
            "its values; compare its values with: scalesim sweep --grid"
        )
    if kind is not float or not isinstance(value, int | float) or isinstance(value, bool):
        if isinstance(value, dict):
            inside = next((k for k in ("value", "mean", "mode") if k in value), None)
            hint = f"give a number inside it ({path}.{inside})" if inside else "give a number inside it"
            raise ScenarioError(f"--input {path}: is a distribution, not one number; {hint} or another field")
        raise ScenarioError(f"--input {path}: is {value!r}, not a number; give a numeric field")
    return float(value)


def _valid(scenario: Scenario, path: str, value: float) -> bool:
    raw = scenario.model_dump(mode="json", by_alias=True)
    apply_override(raw, f"{path}={float(value)!r}")
    try:
        validate(raw, source="break-even")
    except ScenarioError:
        return False
    return True


def _inside(scenario: Scenario, path: str, start: float, end: float) -> float:
    """The value nearest ``end`` on the way from ``start`` (valid) that the field accepts."""
    if _valid(scenario, path, end):
        return end
    good, bad = start, end
    for _ in range(STEPS):
        middle = (good + bad) / 2
        good, bad = (middle, bad) if _valid(scenario, path, middle) else (good, middle)
    return good


def default_range(scenario: Scenario, path: str, current: float) -> tuple[float, float]:
    """A quarter to four times the current value (0 to 1 around a 0), kept to what the field accepts."""
    low, high = (current / 4, current * 4) if current > 0 else (current * 4, current / 4) if current < 0 else (0.0, 1.0)
    return _inside(scenario, path, current, low), _inside(scenario, path, current, high)


PILOT_UNTOUCHED = ("production", "designs", "value")
"""Blocks of the scenario a break-even input may lie in without changing the pilot's pass (its fates, or only
their value): the pilot pass is then remembered between evaluations (:mod:`scalesim.ops.pilotpass`)."""
CROSSING_EVALUATIONS = 15
"""Evaluations a search typically needs after its three ends when the difference crosses zero: Brent's method to
the value and to each end of its interval (8-20 on claims-triage's inputs)."""
MOST_EVALUATIONS = 3 + 3 * 10
"""What the estimate and the run limit allow for at most: the ends, then three roots of about ten steps each."""


def run_breakeven(
    scenario: Scenario,
    design: str,
    path: str,
    out: str | Path,
    runner: Runner,
    command: Sequence[str],
    *,
    against: str = TODAY,
    metric: str = "npv",
    replications: int = 5,
    span: tuple[float, float] | None = None,
    writers: Sequence[Writer] = (),
    sources: dict[str, str] | None = None,
    announce: Callable[[str], None] | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
) -> Breakeven:
    """Find where ``design``'s ``metric`` crosses ``against``'s (today's process: zero) as ``path`` varies."""
    select_designs(scenario, [design])
    if against != TODAY:
        select_designs(scenario, [against])
    if against == design:
        raise ScenarioError(f"--against {against}: the design itself; give another design, or leave it out (today)")
    if metric not in METRICS:
        raise ScenarioError(f"--metric {metric!r}: choose one of {', '.join(METRICS)}")
    if replications < 2:
        raise ScenarioError(f"--replications {replications}: need at least 2 for the interval")
    current = _check_input(scenario, path)
    low, high = (float(x) for x in span) if span is not None else default_range(scenario, path, current)
    if not low < high:
        raise ScenarioError(f"--range {low:g},{high:g}: the low end must be below the high end")
    for end in (low, high):
        if not _valid(scenario, path, end):
            raise ScenarioError(f"--range: {path}={end:g} is not a value the scenario accepts; give a range inside it")
    designs = (design,) if against == TODAY else (against, design)
    asked = {"input": path, "metric": metric, "against": against, "range": (low, high), "replications": replications}
    spec = ExperimentSpec("breakeven", scenario, designs, replications, keep_weekly=False, search=tuple(asked.items()))
    details = {"search": asked, "sources": sources or {}}
    search = Search(spec, path, design, against, metric, out, runner, command, details)
    size = estimate(scenario, designs)
    # an input outside the pilot (production, a design, the value) leaves the pilot pass to be reused by the
    # workers after their first evaluation: later evaluations cost the designs' passes alone
    later = size.design_seconds if path.split(".")[0] in PILOT_UNTOUCHED else size.seconds
    per_task = (size.seconds + 2 * later) / 3
    what = f"breakeven of {path} in [{low:g}, {high:g}]: 3 evaluations x {replications} replication(s) first"
    batch = Batch(what, 3 * replications, per_task, runner.workers, MOST_EVALUATIONS * replications)
    check_batch(batch, max_runs, MOST_EVALUATIONS * replications * len(designs), announce)
    ends = [search.at(current), search.at(low), search.at(high)]
    increasing = ends[2].mean >= ends[1].mean
    if announce is not None and (ends[1].mean > 0) != (ends[2].mean > 0):
        more = Batch(
            f"it crosses inside the range: about {CROSSING_EVALUATIONS} more evaluations x {replications}",
            CROSSING_EVALUATIONS * replications,
            later,
            runner.workers,
        )
        announce(more.describe())
    width = high - low

    def root(shift: float) -> float | None:
        """Where D + shift * h crosses zero inside the range (None: it does not)."""
        f_low = search.at(low).mean + shift * search.at(low).half_width
        f_high = search.at(high).mean + shift * search.at(high).half_width
        if f_low == 0:
            return low
        if f_high == 0:
            return high
        if (f_low > 0) == (f_high > 0):
            return None
        found = optimize.brentq(
            lambda v: search.at(v).mean + shift * search.at(v).half_width, low, high, xtol=TOLERANCE * width
        )
        return float(found)

    value = root(0.0)
    if value is None:
        status = "pays_everywhere" if ends[1].mean > 0 else "never_pays"
        interval: tuple[float | None, float | None] = (None, None)
    else:
        status = "found"
        plus, minus = root(1.0), root(-1.0)
        # a rising D: D + h reaches zero first (the lower end), D - h last (the upper end); a falling D, the reverse
        interval = (plus, minus) if increasing else (minus, plus)
    assert search.result is not None
    result = Breakeven(
        scenario,
        design,
        against,
        path,
        metric,
        current,
        low,
        high,
        list(search.found.values()),
        value,
        interval,
        increasing,
        status,
        search.result,
    )
    finish(search.result.folder, search.result.manifest, [result.write, *writers])
    return result
