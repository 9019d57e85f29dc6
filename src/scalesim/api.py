"""The library calls behind every command, so notebooks and programs take the same path as the command line.

Each function takes explicit keyword arguments (the experiment ones share :class:`ExperimentOptions`, checked by
mypy) and records itself in the manifest of what it writes, as the command that made it.

What each call runs is imported inside it: a refused scenario (the validation and the checks before a run, here
at the top) answers before pandas, SciPy, SimPy or matplotlib are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Unpack

from scalesim.about import CANONICAL
from scalesim.errors import ScenarioError
from scalesim.limits import DEFAULT_MAX_CASES, DEFAULT_MAX_RUNS
from scalesim.ops.check import Batch, check_batch, check_pilot, check_size, select_designs
from scalesim.scenario.load import apply_override, check_analyses, is_portfolio, load_scenario, read_yaml
from scalesim.scenario.load import validate as validate_raw
from scalesim.scenario.schema import TODAY, Scenario

if TYPE_CHECKING:
    from scalesim.evidence.backtest import Backtest
    from scalesim.evidence.calibrate import Calibration
    from scalesim.evidence.pilot import PilotUpdate
    from scalesim.experiment.breakeven import Breakeven
    from scalesim.experiment.decide import Decision
    from scalesim.experiment.experiment import ExperimentResult, Kind
    from scalesim.experiment.portfolio import PortfolioResult
    from scalesim.experiment.sensitivity import Method, SensitivityResult
    from scalesim.experiment.store import Writer
    from scalesim.kinds import Stored
    from scalesim.ops.result import RunResult
    from scalesim.portfolio.schema import PortfolioScenario

__all__ = [
    "CANONICAL",
    "ExperimentOptions",
    "backtest",
    "breakeven",
    "calibrate",
    "compare",
    "compare_portfolios",
    "decide",
    "experiment",
    "load",
    "plan",
    "portfolio",
    "replicate",
    "report",
    "resolve",
    "reweighted",
    "run",
    "schema",
    "sensitivity",
    "stored_scenario",
    "sweep",
    "update",
    "validate",
    "verify",
    "verify_reproduction",
    "write_backtest",
    "write_run",
]


def resolve(
    scenario: str | Path | Scenario,
    *,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
) -> Scenario:
    """Load (if a path) and apply overrides; ``seed`` and ``days`` are overrides of ``run.seed``/``run.horizon_days``.

    They go through the same validation as the file, so ``days=-3`` is reported like a bad field.
    """
    items = _items(seed, days, overrides)
    if isinstance(scenario, Scenario):
        raw = scenario.model_dump(mode="json", by_alias=True)
        for item in items:
            apply_override(raw, item)
        return validate_raw(raw, source=f"scenario {scenario.name!r}") if items else scenario
    typed = {f"run.seed={seed}": f"--seed {seed}", f"run.horizon_days={days}": f"--days {days:g}" if days else ""}
    return load_scenario(scenario, items, {k: v for k, v in typed.items() if v})


def _items(seed: int | None, days: float | None, overrides: Iterable[str]) -> list[str]:
    """The overrides, with ``seed`` and ``days`` as the overrides of ``run.seed`` and ``run.horizon_days``."""
    items = list(overrides)
    if seed is not None:
        items.append(f"run.seed={seed}")
    if days is not None:
        items.append(f"run.horizon_days={days}")
    return items


def _sources(
    scenario: str | Path | Scenario, seed: int | None = None, days: float | None = None, overrides: Iterable[str] = ()
) -> dict[str, str]:
    """What the scenario file cites for each field, for the manifest (none for a scenario given in memory)."""
    if isinstance(scenario, Scenario):
        return {}
    from scalesim.scenario.sources import sources_for

    return sources_for(scenario, _items(seed, days, overrides))


def field_value(scenario: Scenario, path: str) -> Any:
    """The value the field ``path`` has in ``scenario`` (its default where the file leaves it out); a path that
    names no field is refused as ``--set`` refuses it."""
    from scalesim.scenario.paths import locate

    raw = scenario.model_dump(mode="json", by_alias=True)
    container, key = locate(raw, path, Scenario, create=False)
    value = container.get(key) if isinstance(container, dict) else container[key]
    if value is None or isinstance(value, dict | list):
        raise ScenarioError(f"{path}: not a single value in scenario {scenario.name!r} (it is {value!r}); name a field")
    return value


def stored_scenario(folder: str | Path) -> Scenario:
    """The resolved scenario a stored result was made from (its manifest's), to run it again or vary it."""
    from scalesim.experiment.store import read_manifest

    folder = Path(folder)
    manifest = read_manifest(folder.parent if folder.name == "manifest.json" else folder)
    return validate_raw(manifest["resolved_scenario"], source=str(folder))


def _writers(report: bool, workbook: bool, *first: Writer) -> list[Writer]:
    """What goes into a result folder before its manifest: the kind's own files, then the report and workbook."""
    found = list(first)
    if report:
        from scalesim.report.build import build_report

        found.append(build_report)
    if workbook:
        from scalesim.report.workbook import write_workbook

        found.append(write_workbook)
    return found


def validate(scenario: str | Path, *, overrides: Iterable[str] = ()) -> Scenario | PortfolioScenario:
    """Check a scenario or portfolio file as a run would before it starts: fields, names, the pilot's capacity."""
    if is_portfolio(read_yaml(scenario)):
        from scalesim.portfolio.load import load_portfolio

        return load_portfolio(scenario, overrides)
    resolved = resolve(scenario, overrides=overrides)
    check_analyses(resolved, str(scenario))
    check_pilot(resolved)
    return resolved


def run(
    scenario: str | Path | Scenario,
    designs: Iterable[str] | None = None,
    *,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    max_cases: int = DEFAULT_MAX_CASES,
    on_environment: Callable[[str], None] | None = None,
    event_log: bool = False,
) -> RunResult:
    """Run the pilot and each design's production environment over the same cases (one replication).

    Refused (:class:`ScenarioError`) if the pilot cannot serve its cases or the run would exceed ``max_cases``.
    Nothing is written: :func:`scalesim.write_run` stores a result. With ``event_log``, every piece of case work
    in every environment is kept (``result.event_log_table()``, and ``event_log.csv``/``.xes`` when written).
    """
    from scalesim.ops.run import simulate

    overrides = list(overrides)
    resolved = resolve(scenario, seed=seed, days=days, overrides=overrides)
    check_size(resolved, select_designs(resolved, designs), max_cases)
    result = simulate(resolved, designs, on_environment=on_environment, event_log=event_log)
    return replace(result, sources=_sources(scenario, seed, days, overrides))


def write_run(
    result: RunResult,
    out: str | Path = "results",
    *,
    ledger: bool = True,
    command: Sequence[str] | None = None,
    report: bool = False,
    workbook: bool = False,
) -> Path:
    """Store a run (see :func:`run`) in ``out/<scenario>/seed<seed>-<digest>/``, with the report (``report``) and
    the workbook (``workbook``) if asked; ``command`` is recorded as what made it (default: this call)."""
    from scalesim.experiment.store import write_run as write_run_folder

    return write_run_folder(result, out, ledger=ledger, command=command, writers=_writers(report, workbook))


class ExperimentOptions(TypedDict, total=False):
    """The keyword arguments every experiment takes (replicate, compare, sweep)."""

    replications: int
    seed: int | None
    days: float | None
    overrides: Iterable[str]
    out: str | Path
    jobs: int | None
    scheduler: str | None
    progress: bool
    precision: float | None
    key_metric: str
    max_replications: int
    max_cases: int
    announce: Callable[[str], None] | None
    command: Sequence[str] | None
    report: bool
    workbook: bool


def experiment(
    kind: Kind,
    scenario: str | Path | Scenario,
    designs: Iterable[str] | None = None,
    *,
    grid: dict[str, list[Any]] | None = None,
    replications: int = 10,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    precision: float | None = None,
    key_metric: str = "retention",
    max_replications: int = 200,
    max_cases: int = DEFAULT_MAX_CASES,
    max_runs: int = DEFAULT_MAX_RUNS,
    announce: Callable[[str], None] | None = None,
    command: Sequence[str] | None = None,
    report: bool = False,
    workbook: bool = False,
) -> ExperimentResult:
    """Run (or resume) an experiment: designs x replications (x grid points), stored under ``out``.

    ``announce`` receives one line with the expected time on this machine before it starts; more than
    ``max_runs`` production runs (designs x replications x points; with ``precision``, up to its
    ``max_replications``) are refused before anything runs. ``report`` and
    ``workbook`` add the report and the workbook to the folder; ``command`` is recorded as what made it.
    """
    from scalesim.experiment.executors import Runner
    from scalesim.experiment.experiment import METRICS, ExperimentSpec, freeze_grid, run_experiment
    from scalesim.experiment.store import library_call

    overrides = list(overrides)
    resolved = resolve(scenario, seed=seed, days=days, overrides=overrides)
    names = tuple(select_designs(resolved, designs))
    if kind == "compare" and len(names) < 2:
        raise ScenarioError(
            f"compare needs at least two designs, got {', '.join(names)}; scenario {resolved.name!r} has: "
            f"{', '.join(resolved.designs)} (use run for a single design)"
        )
    if kind == "sweep" and not grid:
        raise ScenarioError("sweep: give at least one --grid path=v1,v2,... (or a sweep file with a grid)")
    if replications < 2:
        raise ScenarioError(f"--replications {replications}: need at least 2 for a confidence interval")
    if key_metric not in METRICS:
        raise ScenarioError(f"--key {key_metric!r}: not a reported figure; choose one of {', '.join(METRICS)}")
    if precision is not None and not 0 < precision < 1:
        raise ScenarioError(f"--precision {precision}: must be a share between 0 and 1, e.g. 0.05")
    spec = ExperimentSpec(kind, resolved, names, replications, freeze_grid(grid), keep_weekly=kind != "sweep")
    size = spec.largest_run(max_cases)
    points = len(spec.points())
    runner = Runner(jobs, scheduler, progress)
    grid_points = f"{points:,} grid points x " if kind == "sweep" else ""
    what = f"{kind} {resolved.name}: {grid_points}{replications:,} replications x {len(names)} design(s)"
    up_to = points * max(replications, max_replications) if precision is not None else None
    batch = Batch(what, points * replications, size.seconds, runner.workers, up_to)
    check_batch(batch, max_runs, (up_to or batch.tasks) * len(names), announce)
    function = "compare" if kind == "compare" else "sweep" if kind == "sweep" else "replicate"
    arguments = (scenario, grid) if kind == "sweep" else (scenario,)
    call = command or library_call(
        function,
        *arguments,
        designs=list(names),
        replications=replications,
        seed=seed,
        days=days,
        overrides=overrides,
        out=str(out),
        precision=precision,
        key_metric=key_metric if key_metric != "retention" else None,
        max_replications=max_replications if max_replications != 200 else None,
    )
    return run_experiment(
        spec,
        out,
        runner,
        call,
        precision=precision,
        key_metric=key_metric,
        max_replications=max_replications,
        details={"sources": _sources(scenario, seed, days, overrides)},
        writers=_writers(report, workbook),
    )


def replicate(
    scenario: str | Path | Scenario, designs: Iterable[str] | None = None, **options: Unpack[ExperimentOptions]
) -> ExperimentResult:
    """Replications of a run: every figure with a mean and a 95% confidence interval."""
    return experiment("run", scenario, designs, **options)


def compare(
    scenario: str | Path | Scenario, designs: Iterable[str] | None = None, **options: Unpack[ExperimentOptions]
) -> ExperimentResult:
    """Designs on common random numbers, with paired differences against the first design."""
    return experiment("compare", scenario, designs, **options)


def sweep(
    scenario: str | Path | Scenario,
    grid: dict[str, list[Any]],
    designs: Iterable[str] | None = None,
    **options: Unpack[ExperimentOptions],
) -> ExperimentResult:
    """The full grid x designs x replications; one row per run in ``result.runs``."""
    return experiment("sweep", scenario, designs, grid=grid, **options)


def calibrate(
    log: str | Path,
    *,
    mapping: str | Path | None = None,
    name: str | None = None,
    holdout: float | None = None,
    holdout_by: str = "cases",
) -> Calibration:
    """A scenario whose production environment (arrivals, teams, shifts, the process graph with its choices, loops,
    service times and delays, approvals) comes from an event log; the pilot, value and designs are left as a
    marked stub. With ``holdout``, a share is held out for a back-test (``Calibration.held_out``): the last cases to
    begin (``holdout_by="cases"``) or the last events to end, cases the split cuts dropped (``"events"``). See
    ``Calibration``."""
    from scalesim.evidence.calibrate import calibrate as calibrate_log

    return calibrate_log(log, mapping, name, holdout, holdout_by)


def update(scenario: str | Path, pilot: str | Path) -> PilotUpdate:
    """The scenario's measured beliefs updated with a pilot's case-level results (a CSV, one row per case): the new
    file's text (comments kept, provenance in ``beliefs.evidence``), checked to validate. See ``PilotUpdate``."""
    from scalesim.evidence.pilot import update_scenario

    return update_scenario(scenario, pilot)


def reweighted(folder: str | Path, pilot: PilotUpdate) -> dict[str, Any]:
    """How the decision stored in ``folder`` moves with the pilot's results (its worlds reweighted; no new run)."""
    from scalesim.experiment.decide import Decision
    from scalesim.experiment.learn import reweighted as reweight

    decision = Decision.load(folder)
    prior = pilot.scenario.beliefs
    if decision.scenario.name != pilot.scenario.name or prior is None or decision.beliefs.inputs != prior.inputs:
        raise ScenarioError(
            f"--decision {folder}: that decision is of other beliefs than {pilot.scenario.name!r}'s; give the decide "
            "folder of the scenario being updated"
        )
    return reweight(decision, [(seen.input, seen.cases, seen.value) for seen in pilot.data.observed])


def backtest(
    scenario: str | Path | Scenario,
    log: str | Path,
    *,
    mapping: str | Path | None = None,
    design: str = "as_is",
    seed: int | None = None,
    runs: int = 10,
    train: str | Path | None = None,
    split: str = "disjoint",
    window: str = "auto",
) -> Backtest:
    """Simulate ``design`` (the as-is process ``calibrate`` writes) and compare it with an event log read through
    the model: cycle times, throughput, per team processing, waiting and utilisation, each with a verdict, and the
    five log distances over ``runs`` simulated logs of the log's size, with the floor ``train`` (the log the model
    was calibrated from) sets and the skill scores. ``split`` says how the two logs were split (``disjoint``
    windows, or the last ``events``); ``window`` how the simulated logs are seen: ``cut`` at the log's last event
    (as a log extract is), ``complete`` (every case to its end) or ``auto`` (by whether the log holds cases
    unfinished at its end)."""
    from scalesim.evidence.backtest import backtest as backtest_log
    from scalesim.evidence.heldout import CHOICES, SPLITS
    from scalesim.evidence.log import Mapping, read_log

    if split not in SPLITS:
        raise ScenarioError(f"--split {split!r}: one of {', '.join(SPLITS)}")
    if window not in CHOICES:
        raise ScenarioError(f"--window {window!r}: one of {', '.join(CHOICES)}")
    if not 1 <= runs <= 1000:
        raise ScenarioError(f"--runs {runs}: a whole number of simulated logs from 1 to 1000 (the field uses 10)")
    resolved = resolve(scenario, seed=seed)
    rules = Mapping.read(mapping)
    real = read_log(log, rules)
    trained = read_log(train, rules).events if train is not None else None
    found = backtest_log(resolved, real, design, runs, trained, split, window)
    return replace(found, mapping=str(mapping) if mapping is not None else None, sources=_sources(scenario, seed))


def write_backtest(
    result: Backtest,
    out: str | Path = "results",
    command: Sequence[str] | None = None,
    *,
    report: bool = False,
    workbook: bool = False,
) -> Path:
    """Store a back-test (see :func:`backtest`) in ``out/<scenario>/backtest-<digest>/`` with its figure (and the
    report and workbook if asked)."""
    from scalesim.kinds import write_backtest as write_backtest_folder
    from scalesim.report.files import backtest_figures

    return write_backtest_folder(result, out, command, _writers(report, workbook, backtest_figures(result)))


def portfolio(
    scenario: str | Path,
    *,
    replications: int = 20,
    years: float | None = None,
    seed: int | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    command: Sequence[str] | None = None,
    report: bool = False,
    workbook: bool = False,
    max_runs: int = DEFAULT_MAX_RUNS,
    announce: Callable[[str], None] | None = None,
) -> PortfolioResult:
    """Replications of a portfolio scenario: the funnel, conversion, time to production, money and value.
    ``announce`` receives the expected time on this machine before it starts."""
    from scalesim.experiment.executors import Runner
    from scalesim.experiment.portfolio import operations_by_design, portfolio_batch, run_portfolio
    from scalesim.experiment.store import library_call
    from scalesim.portfolio.load import load_portfolio

    items = list(overrides)
    if years is not None:
        items.append(f"run.years={years}")
    if seed is not None:
        items.append(f"run.seed={seed}")
    spec = load_portfolio(scenario, items)
    if replications < 2:
        raise ScenarioError(f"--replications {replications}: need at least 2 for a confidence interval")
    runner = Runner(jobs, scheduler, progress)
    base = Path(scenario).resolve().parent
    check_batch(portfolio_batch(spec, base, replications, runner.workers), max_runs, replications, announce)
    operations = operations_by_design(spec, base, runner)
    call = command or library_call(
        "portfolio", scenario, replications=replications, years=years, seed=seed, overrides=items, out=str(out)
    )
    sources = _sources(scenario, overrides=items)
    return run_portfolio(spec, operations, replications, out, runner, call, _writers(report, workbook), sources)


def compare_portfolios(first: PortfolioResult, second: PortfolioResult) -> list[dict[str, Any]]:
    """Paired differences of every portfolio figure, ``second`` minus ``first`` (the same proposals and draws in
    each replication)."""
    from scalesim.experiment.portfolio import compare_portfolios as paired

    return paired(first, second)


def sensitivity(
    scenario: str | Path | Scenario,
    method: Method = "morris",
    *,
    samples: int = 16,
    replications: int = 1,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    announce: Callable[[str], None] | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
    budget: float | None = None,
    command: Sequence[str] | None = None,
    report: bool = False,
    workbook: bool = False,
) -> SensitivityResult:
    """Rank the scenario's ``sensitivity.parameters`` by their effect on ``sensitivity.key`` for its design.

    ``announce`` receives one line with the number of model runs before any run starts; ``budget`` (seconds)
    runs samples until it is spent and ranks those.
    """
    from scalesim.experiment.executors import Runner
    from scalesim.experiment.sensitivity import run_sensitivity
    from scalesim.report.files import sensitivity_figure

    overrides = list(overrides)
    resolved, call = _resolved_call(
        "sensitivity",
        scenario,
        method,
        samples=samples,
        replications=replications,
        seed=seed,
        days=days,
        overrides=overrides,
        out=str(out),
        budget=budget,
    )
    runner = Runner(jobs, scheduler, progress)

    def figure(folder: Path, manifest: dict[str, Any]) -> None:
        from scalesim.experiment.sensitivity import SensitivityResult

        sensitivity_figure(SensitivityResult.load(folder, manifest))(folder, manifest)

    writers = _writers(report, workbook, figure)
    sources = _sources(scenario, seed, days, overrides)
    return run_sensitivity(
        resolved,
        method,
        samples,
        replications,
        out,
        runner,
        command or call,
        announce,
        max_runs,
        budget,
        writers,
        sources,
    )


def _resolved_call(
    function: str,
    scenario: str | Path | Scenario,
    *args: Any,
    seed: int | None,
    days: float | None,
    overrides: Iterable[str],
    **kwargs: Any,
) -> tuple[Scenario, list[str]]:
    """The resolved scenario, and the library call to record as the command of what it writes."""
    from scalesim.experiment.store import library_call

    items = list(overrides)
    resolved = resolve(scenario, seed=seed, days=days, overrides=items)
    shown = scenario if not isinstance(scenario, Scenario) else resolved.name
    call = library_call(function, shown, *args, **kwargs, seed=seed, days=days, overrides=items)
    return resolved, call


def decide(
    scenario: str | Path | Scenario,
    *,
    samples: int = 64,
    replications: int = 1,
    designs: Sequence[str] | None = None,
    threshold: float | None = None,
    baseline: bool = True,
    full: bool = False,
    budget: float | None = None,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    announce: Callable[[str], None] | None = None,
    max_runs: int = DEFAULT_MAX_RUNS,
    command: Sequence[str] | None = None,
    report: bool = False,
    workbook: bool = False,
    vary_behaviour: bool = False,
    precision: float | None = None,
) -> Decision:
    """Draw ``samples`` worlds from the scenario's ``beliefs`` and run every design in each: the probability each
    design is best, the expected loss of each choice, EVPI and the EVPPI of every uncertain input.

    ``threshold`` (default: ``beliefs.threshold``) is the net value the chosen design should exceed. Today's
    process (do not scale) is one of the options unless ``baseline`` is false. Worlds the emulator is sure of are
    not simulated unless ``full``; ``budget`` (seconds) stops adding full runs when it is spent. With
    ``vary_behaviour``, the behavioural inputs the beliefs hold fixed are drawn from default beliefs
    (:func:`scalesim.experiment.drivers.with_behaviour_beliefs`). With ``precision`` (a share), worlds are doubled
    (the first ones reused) until EVPI's 95 % half-width, from its bootstrap, is within that share of EVPI, or
    the run limit is reached; the answer says which.
    """
    from scalesim.experiment.decide import run_decision
    from scalesim.experiment.executors import Runner
    from scalesim.report.files import write_decision_figures

    overrides = list(overrides)
    resolved, call = _resolved_call(
        "decide",
        scenario,
        samples=samples,
        replications=replications,
        designs=list(designs) if designs else None,
        threshold=threshold,
        baseline=baseline,
        full=full,
        budget=budget,
        seed=seed,
        days=days,
        overrides=overrides,
        out=str(out),
        **({"vary_behaviour": True} if vary_behaviour else {}),
    )
    if vary_behaviour:
        from scalesim.experiment.drivers import with_behaviour_beliefs

        resolved = with_behaviour_beliefs(resolved)
    runner = Runner(jobs, scheduler, progress)
    if precision is not None and not 0 < precision < 1:
        raise ScenarioError(f"--precision {precision}: a share of EVPI between 0 and 1, e.g. 0.1")

    def at(worlds: int) -> Decision:
        return run_decision(
            resolved,
            worlds,
            replications,
            out,
            runner,
            command or call,
            designs=designs,
            threshold=threshold,
            announce=announce,
            baseline=baseline,
            max_runs=max_runs,
            full=full,
            budget=budget,
            writers=_writers(report, workbook, write_decision_figures),
            sources=_sources(scenario, seed, days, overrides),
        )

    decision = at(samples)
    while precision is not None:
        data = decision.to_dict()
        half_width = 1.96 * data["evpi_error"]["se"]
        worlds = len(decision.worlds.values)
        met = data["evpi"] == 0 or half_width <= precision * data["evpi"]
        more = worlds * 2 * len(decision.designs) * replications <= max_runs
        target = {"target": precision, "evpi": data["evpi"], "half_width": half_width, "met": met, "worlds": worlds}
        if met or not more:
            return replace(decision, precision=target | {"why": "met" if met else "the run limit (--max-runs)"})
        if announce is not None:
            share = half_width / data["evpi"]
            announce(f"decide: EVPI's 95% half-width is {share:.0%} of it at {worlds} worlds; drawing {2 * worlds}")
        decision = at(2 * worlds)
    return decision


def plan(
    scenario: str | Path | Scenario,
    design: str | None = None,
    **options: Any,
) -> tuple[dict[str, Any], list[Path]]:
    """The pilot plan for ``design`` (default: the best real design on average): the decision on the scenario's
    beliefs (``options`` as for :func:`decide`; today's process is always an option), then the one-page plan
    written next to it as plan.txt, plan.md and plan.html. Returns the plan's data and the files written."""
    from scalesim.experiment.plan import default_design, pilot_plan
    from scalesim.experiment.store import register
    from scalesim.report.files import decision_source
    from scalesim.report.plan_page import write_plan

    if design is not None:
        resolved = resolve(
            scenario, seed=options.get("seed"), days=options.get("days"), overrides=options.get("overrides", ())
        )
        if design == TODAY:  # refused before the decision runs: today's process has no pilot to plan
            raise ScenarioError(
                f"--design {TODAY}: today's process (do not scale) has no pilot to plan; plan one of the "
                f"scenario's designs: {', '.join(resolved.designs)}"
            )
        select_designs(resolved, [design])
    decision = decide(scenario, baseline=True, **options)
    data = decision.to_dict()
    chosen = design or default_design(decision, data)
    result = pilot_plan(decision, data, chosen)
    folder = decision.experiment.folder
    written = write_plan(folder, result, data, decision_source(data))
    register(folder, [str(path.relative_to(folder)) for path in written])
    return result, written


def breakeven(
    scenario: str | Path | Scenario,
    design: str,
    input: str,
    *,
    against: str = "today",
    metric: str = "npv",
    replications: int = 5,
    span: tuple[float, float] | None = None,
    seed: int | None = None,
    days: float | None = None,
    overrides: Iterable[str] = (),
    out: str | Path = "results",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    announce: Callable[[str], None] | None = None,
    max_cases: int = DEFAULT_MAX_CASES,
    max_runs: int = DEFAULT_MAX_RUNS,
    command: Sequence[str] | None = None,
    report: bool = False,
    workbook: bool = False,
) -> Breakeven:
    """The value of ``input`` (a field path) at which ``design``'s ``metric`` equals ``against``'s (today's
    process, do not scale: zero), with its 95% interval, searched in ``span`` (default: a quarter to four times
    the scenario's value) on common random numbers."""
    from scalesim.experiment.breakeven import run_breakeven
    from scalesim.experiment.executors import Runner
    from scalesim.report.files import breakeven_figure

    overrides = list(overrides)
    resolved, call = _resolved_call(
        "breakeven",
        scenario,
        design,
        input,
        against=against if against != "today" else None,
        metric=metric if metric != "npv" else None,
        replications=replications,
        span=span,
        seed=seed,
        days=days,
        overrides=overrides,
        out=str(out),
    )
    check_size(resolved, select_designs(resolved, [design]), max_cases)
    return run_breakeven(
        resolved,
        design,
        input,
        out,
        Runner(jobs, scheduler, progress),
        command or call,
        against=against,
        metric=metric,
        replications=replications,
        span=span,
        writers=_writers(report, workbook, breakeven_figure),
        sources=_sources(scenario, seed, days, overrides),
        announce=announce,
        max_runs=max_runs,
    )


def report(folder: str | Path, *, workbook: bool = False) -> tuple[Path, Path]:
    """Write ``report.html`` (self-contained) and ``report.md`` for a results folder (and ``workbook.xlsx`` with
    ``workbook``); return the report's two paths."""
    from scalesim.experiment.store import read_manifest, register
    from scalesim.report.build import build_report

    folder = Path(folder)
    manifest = read_manifest(folder)
    written = build_report(folder, manifest)
    names = [*written]
    if workbook:
        from scalesim.report.workbook import write_workbook

        names.append(write_workbook(folder, manifest))
    register(folder, [str(p.relative_to(folder)) for p in names])
    return written[0], written[1]


def load(folder: str | Path) -> Stored:
    """The result stored in a folder, whatever its kind (see :mod:`scalesim.kinds`)."""
    from scalesim.kinds import load as load_stored

    return load_stored(folder)


def verify(folder: str | Path) -> list[str]:
    """Run part of a stored result again from its manifest; the differences from what it stored (none: reproduced)."""
    from scalesim.kinds import verify as verify_stored

    return verify_stored(folder)


def verify_reproduction(out: str | Path = CANONICAL) -> tuple[int, list[str]]:
    """Re-execute every stored canonical result from its manifest: (results checked, the differences found)."""
    from scalesim.canonical import verify_all

    return verify_all(Path(out))


def schema() -> dict[str, Any]:
    """The scenario file's JSON Schema (for editor autocompletion)."""
    found = Scenario.model_json_schema(by_alias=True)
    found["title"] = "scalesim scenario"
    return found
