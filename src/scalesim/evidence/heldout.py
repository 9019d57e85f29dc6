"""Held-out evaluation as the field runs it: simulated logs of the test log's size against the real test log, in
the five log distances (:mod:`scalesim.evidence.distances`), beside the floor a model can hardly beat.

- **the simulated logs**: ``RUNS`` independent runs (replication ``r`` draws from ``SeedSequence(seed,
  spawn_key=(r,))``, as an experiment's replications do), each of as many cases as the test log holds, arriving
  from its first case's start on (the protocol of the published comparisons, Kirchdorfer et al. 2024); each
  distance's mean and standard deviation over the runs;
- **the window**: a log taken as an extract of a stretch of time holds no event after its last one, so a simulated
  log is seen the same way (``cut``): its events after the test log's last end left out, cases that run on past
  it appear in part, as the real log's do. A log of whole cases (none unfinished at its end) is compared with
  every simulated case to its end (``complete``). ``auto`` (the default) tells the two apart by the cases the log
  cut at its end (:func:`scalesim.evidence.log.unfinished_at_end`); the published comparisons appear to keep
  every case whole, so ``bench_heldout.py`` reports both;
- **the floor**: the real training log against the real test log, by the same measures (drift between the
  windows plus sampling noise: a model calibrated on the training log can hardly be closer). For AEDD the
  training log is shifted so that its first event falls on the test log's first; where the training log holds
  more cases than the test log (the last-20 %-of-events split) its most recent cases are kept, as many as the
  test log holds;
- **the skill score** of each distance: ``1 - d(model, test) / d(train, test)``: 0 is as far as the floor is,
  1 is the test log itself, below 0 farther than the training log.

The splits: ``disjoint`` (a training and a test log given apart) and ``events`` (of one log, the last share of
events by end time is the test log; cases the split cuts are dropped from both sides: AgentSimulator's split).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalesim.evidence.distances import NAMES, Distances, aedd, cedd, ctdd, distances, ngd, redd
from scalesim.evidence.hours import week_start
from scalesim.evidence.log import unfinished_at_end
from scalesim.ops.eventlog import EPOCH
from scalesim.ops.ledger import CASE_FATES
from scalesim.ops.run import run_window
from scalesim.scenario.schema import Scenario

RUNS = 10
SIZES_APART = 1.25
"""A training log with more than this many times the test log's cases is cut to its most recent cases for the two
distances that count events (as the published floor of split 2 is); split 1's logs are within 2 % of each other."""
CUT = "cut"
COMPLETE = "complete"
AUTO = "auto"
WINDOWS = {
    CUT: "events after the log's last one left out (the log is an extract of that window; it cannot hold them)",
    COMPLETE: "every simulated case worked to its end, also after the log's last event",
}
CHOICES = (AUTO, CUT, COMPLETE)


def window_for(test: pd.DataFrame, window: str) -> str:
    """``auto``: ``cut`` where the test log holds cases unfinished at its end (a window extract), else
    ``complete`` (a log of whole cases); otherwise the window asked for."""
    if window != AUTO:
        return window
    return CUT if unfinished_at_end(test) else COMPLETE


DISJOINT = "disjoint"
EVENTS = "events"
SPLITS = {
    DISJOINT: "disjoint windows (a training log and a test log given apart)",
    EVENTS: "the last share of events by end time (cases cut by the split dropped)",
}
MIN_CASES = 10


@dataclass(frozen=True)
class HeldOut:
    """The five distances of the model (mean and sd over the runs), the floor and the skill scores."""

    runs: int
    cases: int
    model_mean: dict[str, float]
    model_sd: dict[str, float]
    floor: dict[str, float] | None
    split: str
    per_run: list[dict[str, float]]
    window: str = CUT

    def skill(self) -> dict[str, float]:
        """``1 - d(model, test) / d(train, test)`` per distance (NaN where the floor is 0 or unknown)."""
        if self.floor is None:
            return {name: math.nan for name in NAMES}
        return {
            name: 1.0 - self.model_mean[name] / self.floor[name] if self.floor[name] > 0 else math.nan for name in NAMES
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "split": self.split,
            "window": self.window,
            "runs": self.runs,
            "cases": self.cases,
            "model_mean": self.model_mean,
            "model_sd": self.model_sd,
            "floor": self.floor,
            "skill": self.skill(),
            "per_run": self.per_run,
        }


def simulated_log(scenario: Scenario, design: str, first: pd.Timestamp, cases: int, run: int) -> pd.DataFrame:
    """One simulated log of ``cases`` cases arriving from ``first`` on (run ``run`` of the scenario's seed), in the
    log's columns and clock: ``case, activity, enable, start, end, resource, team`` (enable: when the work
    became possible, before a step's delay)."""
    monday = week_start(first)
    start_day = (first - monday).total_seconds() / 86400.0
    seed = np.random.SeedSequence(scenario.run.seed, spawn_key=(run,))
    done = run_window(scenario, design, start_day, cases, seed)
    assert done.events is not None  # run_window keeps the event log
    table = done.events.table("production", design, done.ledger.fate, done.ledger.value, CASE_FATES)
    table = table[table["case_id"] >= 0]
    shift = monday.tz_convert("UTC") - pd.Timestamp(EPOCH)
    return pd.DataFrame(
        {
            "case": table["case_id"].astype(str).to_numpy(),
            "activity": table["activity"].to_numpy(),
            "enable": (table["enable_time"] + shift).to_numpy(),
            "start": (table["start_time"] + shift).to_numpy(),
            "end": (table["end_time"] + shift).to_numpy(),
            "resource": table["resource"].astype(str).to_numpy(),
            "team": table["team"].to_numpy(),
        }
    ).assign(
        enable=lambda f: pd.to_datetime(f["enable"], utc=True),
        start=lambda f: pd.to_datetime(f["start"], utc=True),
        end=lambda f: pd.to_datetime(f["end"], utc=True),
    )


def floor(train: pd.DataFrame, test: pd.DataFrame, recent: bool) -> Distances:
    """The training log against the test log (module docstring): AEDD on the training log shifted to the test
    log's first start; with ``recent``, the two measures that count events (NGD, AEDD) on the training log's most
    recent cases, as many as the test log holds, the three that compare distributions (CEDD, REDD, CTDD) on the
    whole training log (how the published floor was computed)."""
    cases = test["case"].nunique()
    begins = train.groupby("case")["start"].min().sort_values(kind="stable")
    sized = train[train["case"].isin(set(begins.index[-cases:]))] if recent and len(begins) > cases else train
    shift = test["start"].min() - sized["start"].min()
    shifted = sized.assign(start=sized["start"] + shift, end=sized["end"] + shift)
    return Distances(ngd(test, sized), aedd(test, shifted), cedd(test, train), redd(test, train), ctdd(test, train))


def observed(simulated: pd.DataFrame, test: pd.DataFrame, window: str) -> pd.DataFrame:
    """What of a simulated log the test log's window could hold: with ``cut``, its events up to the test log's last
    end (module docstring); with ``complete``, all of them."""
    if window == COMPLETE:
        return simulated
    return simulated[simulated["end"] <= test["end"].max()].reset_index(drop=True)


def evaluate(
    scenario: Scenario,
    design: str,
    test: pd.DataFrame,
    train: pd.DataFrame | None,
    split: str,
    runs: int = RUNS,
    logs: list[pd.DataFrame] | None = None,
    window: str = AUTO,
) -> tuple[HeldOut, list[pd.DataFrame]]:
    """The model's distances to ``test`` over ``runs`` simulated logs (or the ``logs`` given, as simulated), seen
    through the test log's ``window``, and the floor from ``train`` where one is given. Returns the logs as seen."""
    window = window_for(test, window)
    cases = int(test["case"].nunique())
    first = test["start"].min()
    made = logs if logs is not None else [simulated_log(scenario, design, first, cases, r) for r in range(runs)]
    simulated = [observed(log, test, window) for log in made]
    measured = [distances(test, log).as_dict() for log in simulated]
    mean = {n: float(np.mean([m[n] for m in measured])) for n in NAMES}
    sd = {n: float(np.std([m[n] for m in measured], ddof=1)) if len(measured) > 1 else math.nan for n in NAMES}
    base = None
    if train is not None:  # the counting measures want logs of one size (NGD sums counts of 3-grams)
        larger = train["case"].nunique() > SIZES_APART * cases
        base = floor(train, test, recent=split == EVENTS or larger).as_dict()
    return HeldOut(len(simulated), cases, mean, sd, base, split, measured, window), simulated
