"""Deciding under uncertainty: how sure are we that a design pays, and what should the pilot measure first?

Probabilistic sensitivity analysis (Briggs, Claxton & Sculpher 2006) with value of information (Claxton 1999;
Strong, Oakley & Brennan 2014). The outer loop draws whole worlds from the scenario's ``beliefs``: a scrambled
Sobol' sequence (quasi-random, so a few hundred worlds cover the space evenly; Owen 1998) made into correlated
draws by a Gaussian copula, then into each input's own distribution by its quantile function. The inner loop runs
every design in each world through the experiment layer — parallel, resumable and stored like any experiment —
and all designs and worlds share the replications' random streams (common random numbers), so the spread between
worlds is the beliefs', not the per-case noise's. The decision figures are :mod:`scalesim.experiment.voi`'s.
"""

from __future__ import annotations

import copy
import json
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from scalesim.errors import ScenarioError
from scalesim.experiment import atomic, evsi, voi, voi_error
from scalesim.experiment.drivers import held_fixed
from scalesim.experiment.emulate import Emulation, Z, emulate
from scalesim.experiment.executors import Runner
from scalesim.experiment.experiment import ExperimentResult, ExperimentSpec, freeze_points, run_experiment
from scalesim.experiment.store import Writer, dumps, finish
from scalesim.labels import short_money
from scalesim.limits import DEFAULT_MAX_RUNS
from scalesim.ops.check import Batch, check_batch, estimate, select_designs
from scalesim.ops.streams import Streams
from scalesim.scenario.beliefs import Beliefs
from scalesim.scenario.load import check_analyses, world_refusal
from scalesim.scenario.paths import field_type, set_path
from scalesim.scenario.schema import TODAY, Scenario

DECISION = "decision.json"
MIN_WORLDS = 16
"""Fewer worlds cannot support the regression behind EVPPI, nor its check at half the sample."""
MATERIAL = 0.05
"""An input whose EVPPI is below this share of EVPI is immaterial: its place in the ranking is noise."""
METRIC_WORDS = {
    "npv": "NPV over the run",
    "net_value_per_year": "net value a year",
    "net_value_run": "net value over the run",
}


@dataclass(frozen=True)
class Worlds:
    """The drawn worlds: each input's probability (0..1, the regression's scale) and the value it gives.

    ``refused`` worlds were drawn and replaced because the scenario's rules between fields refused them
    (``rule`` says the first such refusal): the beliefs are read as conditional on those rules."""

    names: list[str]
    u: np.ndarray
    values: list[dict[str, float | int]]
    refused: int = 0
    rule: str = ""

    def values_of(self, name: str) -> np.ndarray:
        """One input's value in every world."""
        return np.array([float(world[name]) for world in self.values])


REFUSED_AT_MOST = 0.5
"""If more than this share of the drawn worlds break a rule of the scenario, the beliefs contradict it: refused,
rather than a decision on the sliver of the beliefs the rules let through."""


def draw_worlds(scenario: Scenario, n: int, seed: int) -> Worlds:
    """``n`` worlds from the scenario's beliefs, from the named stream ``beliefs`` of ``seed``.

    The first half of the draws is itself an evenly spread sample (Sobol' points are nested), which is what
    the convergence check compares against. Integer fields (staff) get the nearest whole number.

    A world the scenario's rules between fields refuse (adoption without an owner above adoption with one, when
    both are drawn) is not a world anyone believes in: it is dropped and the Sobol' sequence continued until
    ``n`` worlds are kept — the beliefs conditioned on the rules, by rejection (Robert & Casella 2004, ch. 2).
    """
    beliefs = _beliefs(scenario)
    names = list(beliefs.inputs)
    engine = qmc.Sobol(len(names), scramble=True, rng=Streams(seed).generator("beliefs"))
    base = scenario.model_dump(mode="json", by_alias=True)
    integer = [field_type(base, name, Scenario) is int for name in names]
    kept_u: list[np.ndarray] = []
    values: list[dict[str, float | int]] = []
    refused, rule, drawn = 0, "", 0
    while len(values) < n:
        if refused > REFUSED_AT_MOST * max(drawn, n):
            raise ScenarioError(
                f"beliefs: {refused} of {drawn} worlds drawn break a rule of the scenario ({rule}): the beliefs "
                "contradict the scenario's rules; narrow or move the beliefs involved"
            )
        u = _uniforms(engine, n - len(values), beliefs)
        drawn += len(u)
        columns = [beliefs.inputs[name].quantile(u[:, j]) for j, name in enumerate(names)]
        for i in range(len(u)):
            world = {
                name: round(float(columns[j][i])) if integer[j] else float(columns[j][i])
                for j, name in enumerate(names)
            }
            why = world_refusal(_with(base, world))
            if why:
                refused, rule = refused + 1, rule or why
                continue
            kept_u.append(u[i])
            values.append(world)
    return Worlds(names, np.array(kept_u), values, refused, rule)


def _uniforms(engine: qmc.Sobol, n: int, beliefs: Beliefs) -> np.ndarray:
    """The next ``n`` points of the sequence, correlated by the Gaussian copula, each input's probability."""
    with warnings.catch_warnings():  # any n is a valid sample; powers of two are only better balanced
        warnings.simplefilter("ignore", UserWarning)
        u = np.clip(engine.random(n), 1e-12, 1 - 1e-12)
    if beliefs.correlation:
        z = stats.norm.ppf(u) @ np.linalg.cholesky(beliefs.correlation_matrix()).T
        u = np.clip(stats.norm.cdf(z), 1e-12, 1 - 1e-12)
    return u


def _with(base: dict[str, Any], world: dict[str, float | int]) -> dict[str, Any]:
    trial = copy.deepcopy(base)
    for name, value in world.items():
        set_path(trial, name, value, Scenario)
    return trial


def _beliefs(scenario: Scenario) -> Beliefs:
    if scenario.beliefs is None:
        raise ScenarioError(
            f"scenario {scenario.name!r} has no 'beliefs' block: add one naming the uncertain inputs and their "
            "distributions (see docs/how-to/how-sure-are-we.md)"
        )
    return scenario.beliefs


@dataclass(frozen=True)
class Decision:
    """A decision analysis: the worlds, every design's figures in each, and what follows for the choice."""

    scenario: Scenario
    designs: tuple[str, ...]
    worlds: Worlds
    table: pd.DataFrame  # one row per world and design: the inputs' values and the design's figures
    metric: str
    threshold: float
    experiment: ExperimentResult
    emulation: Emulation | None = None  # None: every world simulated
    precision: dict[str, Any] | None = None  # with --precision: the target on EVPI's half-width, and whether it was met

    @property
    def beliefs(self) -> Beliefs:
        return _beliefs(self.scenario)

    @property
    def simulated(self) -> np.ndarray:
        """Which worlds were simulated in full (the others emulated)."""
        if self.emulation is None:
            return np.ones(len(self.worlds.values), dtype=bool)
        return self.emulation.simulated

    def net_benefit(self) -> np.ndarray:
        """Worlds x designs: the metric, averaged over each world's replications."""
        wide = self.table.pivot(index="world", columns="design", values=self.metric)
        return wide[list(self.designs)].to_numpy(float)

    def to_dict(self) -> dict[str, Any]:
        """The analysis (computed once: its bootstrap refits the regressions a few hundred times)."""
        cached = self.__dict__.get("_analysis")
        if cached is None:
            cached = analyse(self)
            object.__setattr__(self, "_analysis", cached)
        return copy.deepcopy(cached)

    def write(self, folder: Path, manifest: dict[str, Any]) -> None:
        """``decision.json``, ``worlds.csv`` (each world's inputs and every design's figures) and ``evppi.csv``."""
        data = self.to_dict()
        atomic.write_text(folder / DECISION, dumps(data))
        atomic.write_text(folder / "worlds.csv", self.table.to_csv(index=False))
        atomic.write_text(folder / "evppi.csv", pd.DataFrame(data["evppi"]).to_csv(index=False))

    @classmethod
    def load(cls, folder: str | Path, manifest: dict[str, Any] | None = None) -> Decision:
        """The decision stored in ``folder``, re-derived from its runs (the analysis is a pure function of them),
        with the threshold it was asked with."""
        folder = Path(folder)
        experiment = ExperimentResult.load(folder, manifest)
        scenario = experiment.spec.scenario
        points = [dict(point) for point in experiment.spec.explicit_points]
        worlds = draw_worlds(scenario, len(points), scenario.run.seed)
        if worlds.values != points:
            raise ScenarioError(f"{folder}: its worlds are not the ones its scenario draws; re-run its command")
        stored = folder / DECISION
        threshold = json.loads(stored.read_text())["threshold"] if stored.exists() else _beliefs(scenario).threshold
        designs = experiment.spec.designs
        simulated = np.zeros(len(points), dtype=bool)
        simulated[experiment.runs["point"].unique()] = True
        emulation = None if simulated.all() else _emulation(experiment, worlds, designs, simulated)[0]
        table = world_table(experiment, worlds, designs, emulation)
        return cls(scenario, designs, worlds, table, _beliefs(scenario).metric, threshold, experiment, emulation)


def world_table(
    experiment: ExperimentResult, worlds: Worlds, designs: Sequence[str], emulation: Emulation | None = None
) -> pd.DataFrame:
    """One row per world and design: the inputs' values, whether the world was simulated, then the design's figures
    averaged over replications — for an emulated world, its emulated metric only (the rest is NaN)."""
    metric = _beliefs(experiment.spec.scenario).metric
    figures = ["retention", "payback_day", *dict.fromkeys((metric, "npv"))]
    means = experiment.runs.groupby(["point", "design"], sort=True)[figures].mean().reset_index()
    means = means.rename(columns={"point": "world"}).assign(simulated=True)
    if emulation is not None:
        missing = np.flatnonzero(~emulation.simulated)
        emulated = pd.DataFrame(
            [
                {"world": int(w), "design": design, metric: float(emulation.nb[w, j]), "simulated": False}
                for w in missing
                for j, design in enumerate(designs)
            ]
        )
        means = pd.concat([means, emulated], ignore_index=True)
    inputs = pd.DataFrame(worlds.values).rename_axis("world").reset_index()
    order = {design: i for i, design in enumerate(designs)}
    table = inputs.merge(means, on="world")
    return table.iloc[np.lexsort((table["design"].map(order), table["world"]))].reset_index(drop=True)


def _emulation(
    experiment: ExperimentResult, worlds: Worlds, designs: Sequence[str], simulated: np.ndarray
) -> tuple[Emulation, np.ndarray]:
    """The emulated worlds (and which of them are unsure) from the simulated ones' metric."""
    metric = _beliefs(experiment.spec.scenario).metric
    wide = experiment.runs.groupby(["point", "design"], sort=True)[metric].mean().unstack("design")
    nb = np.full((len(worlds.values), len(designs)), np.nan)
    nb[wide.index.to_numpy()] = wide[list(designs)].to_numpy(float)
    draws = Streams(experiment.spec.seed).generator("emulator").standard_normal(nb.shape)
    return emulate(worlds.u, nb, simulated, list(designs), {TODAY}, draws)


def run_decision(
    scenario: Scenario,
    samples: int,
    replications: int,
    out: str | Path,
    runner: Runner,
    command: Sequence[str],
    *,
    designs: Sequence[str] | None = None,
    threshold: float | None = None,
    announce: Callable[[str], None] | None = None,
    baseline: bool = True,
    max_runs: int = DEFAULT_MAX_RUNS,
    full: bool = False,
    budget: float | None = None,
    writers: Sequence[Writer] = (),
    sources: dict[str, str] | None = None,
) -> Decision:
    """Draw ``samples`` worlds from the scenario's beliefs and run every design in each (``replications`` each).

    With ``baseline`` (the default) today's process — do not scale — is one of the options, listed first: it is
    what the choice is against, and a tie goes to it (a design that adds exactly nothing is not worth the effort).

    Unless ``full``, not every world is simulated: a first batch (a balanced prefix of the worlds) is, then an
    emulator (:mod:`scalesim.experiment.emulate`) predicts the rest, and every world whose best design it is unsure
    of is simulated, batch after batch, until none is (or ``budget`` seconds have passed: the worlds still unsure
    are then emulated, and the answer says how many). The folder's manifest is written once, when the decision's
    tables and what ``writers`` add (figures, the report) are in it.
    """
    started = time.monotonic()
    beliefs = _beliefs(scenario)
    check_analyses(scenario, scenario.name, ("beliefs",))
    asked = list(dict.fromkeys(designs or scenario.designs))
    select_designs(scenario, asked)
    names = tuple(dict.fromkeys([TODAY, *asked] if baseline else asked))
    if len(names) < 2:
        raise ScenarioError(
            "decide compares options: name at least two designs, or keep today's process in (drop --no-baseline)"
        )
    if samples < MIN_WORLDS:
        raise ScenarioError(f"--samples {samples}: decide needs at least {MIN_WORLDS} worlds (64 or more is usual)")
    what = f"decide --samples {samples:,}: {samples:,} worlds x {len(names)} designs x {replications} replication(s)"
    first = samples if full else first_batch(samples)
    expected = first + math.ceil(UNSURE_SHARE * (samples - first))
    per_world = estimate(scenario, [n for n in names if n != TODAY]).seconds
    batch = Batch(what, expected * replications, per_world, runner.workers, samples * replications)
    check_batch(batch, max_runs, samples * len(names) * replications, announce)
    worlds = draw_worlds(scenario, samples, scenario.run.seed)
    spec = ExperimentSpec(
        "decide", scenario, names, replications, keep_weekly=False, explicit_points=freeze_points(worlds.values)
    )
    spec.largest_run()  # a drawn horizon or rate must not make one run too big to finish
    chosen = beliefs.threshold if threshold is None else threshold
    simulated = np.zeros(samples, dtype=bool)
    simulated[: samples if full else first_batch(samples)] = True
    emulation = None
    while True:
        run_now = np.flatnonzero(simulated).tolist()
        details = {"simulated": run_now, "emulated": int((~simulated).sum()), "sources": sources or {}}
        result = run_experiment(spec, out, runner, command, only=run_now, details=details, last=False)
        if simulated.all():
            emulation = None
            break
        emulation, unsure = _emulation(result, worlds, names, simulated)
        late = budget is not None and time.monotonic() - started > budget
        if not unsure.any() or late:
            emulation = replace(emulation, unsure=unsure)
            break
        if announce is not None:
            announce(f"decide: the emulator is unsure of {int(unsure.sum())} world(s): simulating them")
        simulated = simulated | unsure
    table = world_table(result, worlds, names, emulation)
    decision = Decision(scenario, names, worlds, table, beliefs.metric, chosen, result, emulation)
    finish(result.folder, result.manifest, [decision.write, *writers])
    return decision


FULL_UP_TO = 64
"""Decisions of at most this many worlds simulate every one: too few to learn an emulator from part of them."""
FIRST_WORLDS = 48
"""The emulator learns from at least this many worlds before it is asked. With 32 of claims-triage's 200 it missed
a world where another design won (EVPI 22 % low); with 48 it agreed to 0.5 %, simulating 71 worlds in all."""


UNSURE_SHARE = 0.15
"""The share of the worlds after the first batch the emulator is typically unsure of, for the estimate before a
decision starts (claims-triage at 200 worlds: 22 of 150)."""


def first_batch(samples: int) -> int:
    """How many worlds to simulate before the emulator is asked: a quarter of them (a prefix of the Sobol'
    sequence, itself evenly spread), at least ``FIRST_WORLDS``; all of them up to ``FULL_UP_TO``."""
    if samples <= FULL_UP_TO:
        return samples
    return min(samples, max(FIRST_WORLDS, samples // 4))


def _spread(values: np.ndarray) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"mean": None, "p5": None, "p95": None, "missing": len(values)}
    p5, p95 = np.percentile(finite, [5, 95])
    return {"mean": float(finite.mean()), "p5": float(p5), "p95": float(p95), "missing": int(len(values) - len(finite))}


def ranking(decision: Decision, rows: slice) -> list[dict[str, Any]]:
    """EVPPI of every input and group on the worlds in ``rows``, largest first."""
    nb = decision.net_benefit()[rows]
    u = decision.worlds.u[rows]
    beliefs = decision.beliefs
    names = decision.worlds.names
    out = []
    for j, name in enumerate(names):  # one input: the integral over its belief EVSI is taken over too
        theta = decision.worlds.values_of(name)[rows]
        value = evsi.single_evppi(nb, u[:, j], theta, beliefs.inputs[name].quantile)
        out.append({"name": name, "label": beliefs.label(name), "kind": "input", "evppi": value})
    for group, members in beliefs.groups.items():  # several: the regression's mean over the worlds
        columns = [names.index(m) for m in members]
        out.append(
            {"name": group, "label": beliefs.label(group), "kind": "group", "evppi": voi.evppi(nb, u[:, columns])}
        )
    return sorted(out, key=lambda item: -item["evppi"])


def _curve_errors(decision: Decision, rows: np.ndarray) -> dict[str, tuple[voi_error.Error, list[voi_error.Error]]]:
    """For every measured input, the bootstrap error of its EVPPI and of its EVSI at each pilot size."""
    nb, beliefs = decision.net_benefit(), decision.beliefs
    found = {}
    for name, measurement in beliefs.measurements.items():
        j = decision.worlds.names.index(name)
        found[name] = voi_error.curve_errors(
            nb,
            decision.worlds.u[:, j],
            decision.worlds.values_of(name),
            measurement,
            beliefs.pilot_sizes,
            beliefs.inputs[name].quantile,
            rows,
        )
    return found


def _evppi_errors(
    decision: Decision, rows: np.ndarray, known: dict[str, voi_error.Error]
) -> dict[str, voi_error.Error]:
    """The bootstrap error of every input's and group's EVPPI (:mod:`scalesim.experiment.voi_error`); ``known``:
    those already found with the pilot's curves (the same refits)."""
    nb, u, names = decision.net_benefit(), decision.worlds.u, decision.worlds.names
    beliefs = decision.beliefs
    found = dict(known)
    for j, name in enumerate(names):
        if name in found:
            continue
        theta = decision.worlds.values_of(name)
        found[name] = voi_error.input_error(nb, u[:, j], theta, beliefs.inputs[name].quantile, rows)
    for group, members in beliefs.groups.items():
        found[group] = voi_error.group_error(nb, u[:, [names.index(m) for m in members]], rows)
    return found


def joint_check(nb: np.ndarray, u: np.ndarray) -> float | None:
    """EVPPI of all inputs together, estimated like the others: near EVPI when the regression sees the structure.

    ``None`` when there are too few worlds for the joint regression's simplest non-constant shape (every input
    and every pair of inputs), where it would read as zero for want of data, not of value.
    """
    k = u.shape[1]
    if nb.shape[0] < voi.MIN_DRAWS_PER_TERM * (1 + k + k * (k - 1) // 2):
        return None
    return voi.evppi(nb, u)


def convergence(full: list[dict[str, Any]], half: list[dict[str, Any]], evpi: float, n: int) -> dict[str, Any]:
    """Does the first half of the worlds name the same input to measure first, among the same material inputs?

    ``stable`` asks what the advice rests on: the leader, and which inputs matter at all. Two material inputs
    of similar worth may swap places below the leader; ``same_order`` says whether they did.
    """
    material = [item["label"] for item in full if item["kind"] == "input" and item["evppi"] >= MATERIAL * evpi]
    half_order = [item["label"] for item in half if item["kind"] == "input"]
    leading = half_order[: len(material)]
    stable = evpi == 0 or not material or (leading[0] == material[0] and set(leading) == set(material))
    return {
        "compared": f"first {n // 2} worlds against all {n}",
        "material": material,
        "half_order": half_order[: max(len(material), 1)],
        "stable": bool(stable),
        "same_order": evpi == 0 or leading == material,
    }


def analyse(decision: Decision) -> dict[str, Any]:
    """Everything ``decide`` reports, as plain data (the JSON output and ``decision.json``)."""
    nb = decision.net_benefit()
    n = nb.shape[0]
    designs = list(decision.designs)
    beliefs = decision.beliefs
    best_share = voi.probability_best(nb)
    loss = voi.expected_loss(nb)
    value_of_perfect = voi.evpi(nb)
    best = designs[int(np.argmax(nb.mean(axis=0)))]
    real = [d for d in designs if d != TODAY]
    baseline = real[0] if len(real) >= 2 else designs[0]
    per_design: dict[str, Any] = {}
    simulated_rows = decision.table[decision.table["simulated"]]  # retention and payback exist only where simulated
    for j, design in enumerate(designs):
        rows = simulated_rows[simulated_rows["design"] == design]
        payback = rows["payback_day"].to_numpy(float)
        per_design[design] = {
            "today": design == TODAY,
            "net_value": _spread(nb[:, j]),
            "retention": _spread(rows["retention"].to_numpy(float)),
            "payback_day": _spread(payback) | {"never_share": float(np.mean(~np.isfinite(payback)))},
            "probability_best": float(best_share[j]),
            "expected_loss": float(loss[j]),
            "probability_above_threshold": float(np.mean(nb[:, j] > decision.threshold)),
        }
    base = designs.index(baseline)
    differences = [
        {
            "design": design,
            "baseline": baseline,
            **_spread(nb[:, j] - nb[:, base]),
            "probability_better": float(np.mean(nb[:, j] > nb[:, base])),
        }
        for j, design in enumerate(designs)
        if design not in (baseline, TODAY)
    ]
    full = ranking(decision, slice(None))
    half = ranking(decision, slice(0, n // 2))
    for item in full:
        item["share_of_evpi"] = item["evppi"] / value_of_perfect if value_of_perfect > 0 else 0.0
    data: dict[str, Any] = {
        "kind": "decide",
        "scenario": decision.scenario.name,
        "seed": decision.scenario.run.seed,
        "worlds": n,
        "replications": decision.experiment.replications,
        "horizon_days": decision.scenario.run.horizon_days,
        "metric": decision.metric,
        "currency": decision.scenario.currency,
        "threshold": decision.threshold,
        "design_names": designs,
        "baseline": baseline,
        "today_included": TODAY in designs,
        "negative_retention": bool(
            any((s["retention"]["p5"] or 0.0) < 0 for s in per_design.values() if s["retention"]["mean"] is not None)
        ),
        "inputs": {
            name: {"label": beliefs.label(name), "source": belief.source, "dist": belief.dist}
            for name, belief in beliefs.inputs.items()
        },
        "best": best,
        "designs": per_design,
        "differences": differences,
        "evpi": value_of_perfect,
        "evppi": full,
        "evppi_all_inputs": joint_check(nb, decision.worlds.u),
        "convergence": convergence(full, half, value_of_perfect, n),
        "simulated_worlds": int(decision.simulated.sum()),
        "emulation": None
        if decision.emulation is None
        else {
            "method": "Gaussian-process emulator per design (linear trend, squared-exponential kernel)",
            "emulated_worlds": int((~decision.emulation.simulated).sum()),
            "cv_error": decision.emulation.cv_error,
            "r_squared": decision.emulation.r_squared,
            "z": Z,
            "unsure_left": int(decision.emulation.unsure.sum()),
            "widening": decision.emulation.widening,
            "held_out_beyond_2sd": decision.emulation.beyond,
        },
    }
    data["held_fixed"] = held_fixed(decision.scenario, decision.experiment.runs)
    boot = voi_error.resamples(n, Streams(decision.scenario.run.seed).generator("voi-bootstrap"))
    data["evpi_error"] = voi_error.evpi_error(nb, boot).as_dict()
    curves = _curve_errors(decision, boot)
    errors = _evppi_errors(decision, boot, {name: curve[0] for name, curve in curves.items()})
    for item in full:
        item["error"] = errors[item["name"]].as_dict()
    if decision.precision is not None:
        data["precision"] = decision.precision
    if decision.worlds.refused:  # only then: a decision whose draws all passed keeps its stored shape
        data["refused_worlds"] = {"count": decision.worlds.refused, "rule": decision.worlds.rule}
    data["headline"] = headline(data)
    study = evsi.pilot_value(beliefs, decision.worlds.names, decision.worlds.u, decision.worlds.values, nb)
    for measured in study:
        name = measured["input"]
        for size, error in zip(measured["sizes"], curves[name][1], strict=True):
            size["error"] = error.as_dict()
        measured["evppi_error"] = errors[name].as_dict()
    data["pilot_study"] = study
    data["pilot_headline"] = evsi.pilot_headline(study, value_of_perfect, data["currency"], short_money)
    return data


def headline(data: dict[str, Any]) -> str:
    """The sentence a board member understands: which design, how sure, what it costs to be wrong, what to measure.

    When today's process is best on average the sentence says "do not scale", with the share of worlds in which
    no design pays (today's process wins exactly there: ties go to it) and the design that comes closest.
    """
    best, cur = data["best"], data["currency"]
    stats_best = data["designs"][best]
    words = METRIC_WORDS[data["metric"]]
    share = stats_best["probability_best"]
    above = (
        f" Its {words} exceeds {short_money(data['threshold'])} {cur} in "
        f"{stats_best['probability_above_threshold']:.0%} of them."
    )
    if best == TODAY:
        others = [d for d in data["design_names"] if d != TODAY]
        means = {d: data["designs"][d]["net_value"]["mean"] for d in others}
        closest = max(others, key=lambda d: -math.inf if means[d] is None else means[d])
        mean = means[closest] or 0.0
        where = "any" if share == 1.0 else f"{share:.0%}"
        head = (
            f"Do not scale: no design pays ({words} above 0) in {where} of the {data['worlds']} plausible worlds; "
            f"the closest, {closest}, has {words} {short_money(mean)} {cur} on average"
        )
        if data["evpi"] == 0:
            return f"{head}, and no input the pilot could measure would change that."
        head, above = f"{head}.", ""
    elif data["evpi"] == 0:
        return (
            f"{best} is best in every one of the {data['worlds']} plausible worlds drawn: no input the pilot could "
            f"measure would change the choice (expected value of perfect information: 0).{above}"
        )
    else:
        how_sure = (
            f"{best} is best in {share:.0%} of plausible worlds"
            if share >= 0.5
            else f"{best} is the best bet on average, though best in only {share:.0%} of plausible worlds"
        )
        regret = short_money(stats_best["expected_loss"])
        error = data.get("evpi_error")  # the chosen design's expected regret is EVPI: the same error
        maybe = (
            ", and it could be 0: the worlds that carry it are too few to tell" if error and error["low"] <= 0 else ""
        )
        head = f"{how_sure}; choosing it costs {regret} {cur} in expected regret ({words}{maybe})."
    inputs = [item for item in data["evppi"] if item["kind"] == "input"]
    top = inputs[0]
    if top["share_of_evpi"] < MATERIAL:
        advice = " No single input is worth measuring on its own: they matter only together."
    else:
        advice = f" Measure {top['label']} first: resolving it is worth up to {short_money(top['evppi'])} {cur}."
        if not data["convergence"]["stable"]:
            advice += " (That ranking is not yet stable: draw more worlds before acting on it.)"
    return head + advice + above
