"""The ``scalesim`` command: parses options, calls the library (:mod:`scalesim.api`), prints. No model logic here.

Each command imports what it runs when it runs, so ``--version``, ``--help`` and a refused option answer at once.

Option groups shared by several commands are defined once, as argparse parent parsers. Each command records its
own command line in the manifest of what it wrote.

Exit codes: 0 success, 2 bad input (scenario, override or option; one message on stderr, no traceback),
1 a failure of the machine (disk full) or a failed reproduction check, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalesim.about import CANONICAL, VERSION
from scalesim.errors import ScenarioError
from scalesim.experiment.atomic import check_writable, write_text
from scalesim.limits import CEILING, DEFAULT_MAX_CASES, DEFAULT_MAX_RUNS, default_jobs

if TYPE_CHECKING:
    import scalesim.api as api
    import scalesim.canonical as canonical
    import scalesim.experiment.store as store
    import scalesim.experiment.sweep as sweeps
    import scalesim.ops.capacity as capacity
    import scalesim.ops.check as checks
    import scalesim.report.text as text
    import scalesim.scenario.provenance as provenance
    from scalesim.experiment.experiment import ExperimentResult, Kind
    from scalesim.experiment.portfolio import PortfolioResult
    from scalesim.scenario.schema import Scenario
else:

    class _Later:
        """A module imported when first used (see the module docstring)."""

        def __init__(self, name: str) -> None:
            self._name = name

        def __getattr__(self, attribute: str) -> Any:
            return getattr(importlib.import_module(self._name), attribute)

    api, canonical = _Later("scalesim.api"), _Later("scalesim.canonical")
    store, sweeps = _Later("scalesim.experiment.store"), _Later("scalesim.experiment.sweep")
    capacity, checks = _Later("scalesim.ops.capacity"), _Later("scalesim.ops.check")
    text, provenance = _Later("scalesim.report.text"), _Later("scalesim.scenario.provenance")

EXIT_BAD_INPUT = 2


def _number(kind: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: parse with ``kind``, accept if ``ok``; otherwise say what was expected."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


SEED = _number(int, lambda v: v >= 0, "a whole number >= 0")
COUNT = _number(int, lambda v: v >= 1, "a whole number >= 1")
DAYS = _number(float, lambda v: v > 0, "a number of days > 0")
FINITE = _number(float, lambda v: math.isfinite(v) and abs(v) <= CEILING, "a finite number of at most 1e9 in size")
PORT = _number(int, lambda v: 1 <= v <= 65535, "a port number from 1 to 65535")
WORKERS = _number(int, lambda v: 1 <= v <= 64, "a whole number from 1 to 64")
SHARE = _number(float, lambda v: 0 < v < 1, "a share between 0 and 1, e.g. 0.05")


def _seconds(text: str) -> float:
    """``90``, ``90s``, ``2m``, ``1.5h`` -> seconds."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    text = text.strip().lower()
    unit = units.get(text[-1:])
    return float(text[:-1] if unit else text) * (unit or 1.0)


DURATION = _number(_seconds, lambda v: math.isfinite(v) and 1 <= v <= 7 * 86400, "a time such as 90s, 2m or 1h")


def _pair(text: str) -> tuple[float, float]:
    """``LOW,HIGH`` -> two numbers."""
    low, high = (float(part) for part in text.split(","))
    return low, high


RANGE = _number(
    _pair,
    lambda v: all(math.isfinite(x) and abs(x) <= CEILING for x in v) and v[0] < v[1],
    "two finite numbers LOW,HIGH with LOW below HIGH, e.g. 10,120",
)


def _group(build: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """A parent parser holding one group of options, shared by the commands that take them."""
    parent = argparse.ArgumentParser(add_help=False)
    build(parent)
    return parent


def _overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set production.teams.intake.staff=9 (repeatable)",
    )


def _scenario(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path, help="scenario file (YAML), e.g. scenarios/claims-triage.yaml")
    p.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    p.add_argument("--days", type=DAYS, help="horizon in days (default: the scenario's run.horizon_days)")
    _overrides(p)
    p.add_argument(
        "--design",
        dest="design",
        action="append",
        metavar="NAME",
        help="run only this design (repeatable; default: all designs in the scenario)",
    )
    p.add_argument(
        "--max-cases",
        type=COUNT,
        default=DEFAULT_MAX_CASES,
        metavar="N",
        help=f"refuse runs expected to exceed N cases (default {DEFAULT_MAX_CASES:,}); raise it for big runs",
    )


def _output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (a table) or json (the result on stdout, nothing else there)",
    )
    p.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--report", action="store_true", help="also write report.html and report.md in the results folder")
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="also write workbook.xlsx in the results folder (summary, designs, erosion, money, assumptions)",
    )


def _executor(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-j",
        "--jobs",
        type=COUNT,
        metavar="N",
        help=f"worker processes (default {default_jobs()}, the cores here; 1 runs in this process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on dask.distributed: tcp://host:port, or 'local' to start a LocalCluster",
    )


def _replications(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replications",
        type=COUNT,
        metavar="R",
        help="replications, seeds spawned from the root seed (default: 1 for run, 10 for compare, 5 for sweep)",
    )
    p.add_argument(
        "--precision",
        type=SHARE,
        metavar="P",
        help="add replications until the key figure's 95%% half-width is within P of its mean",
    )
    p.add_argument("--max-replications", type=COUNT, default=200, metavar="N", help="cap for --precision (200)")
    p.add_argument(
        "--max-runs",
        type=COUNT,
        default=DEFAULT_MAX_RUNS,
        metavar="N",
        help=f"refuse more than N production runs, designs x replications x points (default {DEFAULT_MAX_RUNS:,})",
    )
    p.add_argument(
        "--key",
        default="retention",
        metavar="FIGURE",
        help="the key figure for --precision (default retention; any figure of the run table, e.g. npv)",
    )


SCENARIO, OUTPUT, EXECUTOR, REPLICATIONS, OVERRIDES = (
    _group(_scenario),
    _group(_output),
    _group(_executor),
    _group(_replications),
    _group(_overrides),
)
DEFAULT_REPLICATIONS = {"run": 5, "compare": 10, "sweep": 5}
"""For run, where --precision starts (without --replications or --precision, run makes a single run)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scalesim",
        description="Simulate how much of an AI pilot's value survives in production, by integration design.",
    )
    parser.add_argument("--version", action="version", version=f"scalesim {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    experiment_parents = [SCENARIO, OUTPUT, REPLICATIONS, EXECUTOR]

    run = sub.add_parser(
        "run",
        parents=experiment_parents,
        help="run the pilot and each design's production environment on the same cases",
    )
    run.add_argument("--no-ledger", action="store_true", help="do not write the per-case ledger (big runs)")
    run.add_argument(
        "--event-log",
        action="store_true",
        help="also write the simulated event log of every environment and design (event_log.csv and .xes)",
    )
    run.set_defaults(handler=cmd_run)

    compare = sub.add_parser(
        "compare", parents=experiment_parents, help="compare designs on common random numbers, with paired differences"
    )
    compare.add_argument("--designs", metavar="A,B,...", help="designs to compare; the first is the baseline")
    compare.set_defaults(handler=cmd_compare)

    sweep = sub.add_parser(
        "sweep", parents=experiment_parents, help="run a grid of parameter values x designs x replications"
    )
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="PATH=V1,V2,...",
        help="a field and the values to try (repeatable; the grid is the full product)",
    )
    sweep.add_argument(
        "--sweep-file",
        type=Path,
        metavar="FILE",
        help="YAML with grid: {path: [values]} and optional designs and replications (options given here win)",
    )
    sweep.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="the grid point the others are paired against (repeatable, one per parameter; default: the first)",
    )
    sweep.set_defaults(handler=cmd_sweep)

    keep = sub.add_parser(
        "keep",
        parents=experiment_parents,
        help="what keeping one thing as it is costs: a design against its variant, paired, with the interval",
    )
    keep.add_argument(
        "--instead",
        required=True,
        metavar="PATH=VALUE",
        help="the change not made, e.g. designs.redesigned.approval.committee.every_days=1 (keeping weekly "
        "approvals instead of daily ones)",
    )
    keep.set_defaults(handler=cmd_keep)

    portfolio = sub.add_parser(
        "portfolio",
        parents=[OVERRIDES, OUTPUT, EXECUTOR],
        help="why a portfolio of pilots stalls: the funnel from pilot to value",
    )
    portfolio.add_argument("scenario", type=Path, help="portfolio scenario, e.g. scenarios/portfolio-status-quo.yaml")
    portfolio.add_argument(
        "--against",
        type=Path,
        metavar="SCENARIO",
        help="a second portfolio scenario, compared paired on the same proposals",
    )
    portfolio.add_argument("--years", type=DAYS, help="years of proposals (default: the scenario's run.years)")
    portfolio.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    portfolio.add_argument("--replications", type=COUNT, default=20, metavar="R", help="replications (default 20)")
    _max_runs(portfolio)
    portfolio.set_defaults(handler=cmd_portfolio)

    sens = sub.add_parser(
        "sensitivity",
        parents=[OVERRIDES, OUTPUT, EXECUTOR],
        help="rank the scenario's uncertain parameters and levers by influence",
    )
    sens.add_argument("scenario", type=Path, help="a scenario with a 'sensitivity' block")
    sens.add_argument("--method", choices=("oat", "morris", "sobol"), default="morris")
    sens.add_argument(
        "--samples",
        type=COUNT,
        default=16,
        metavar="N",
        help="morris: trajectories; sobol: base samples, a power of 2 (default 16)",
    )
    sens.add_argument("--replications", type=COUNT, default=1, metavar="R", help="runs per sample point (1)")
    sens.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    sens.add_argument("--days", type=DAYS, help="horizon in days")
    sens.add_argument(
        "--budget",
        type=DURATION,
        metavar="TIME",
        help="run samples until this much time has passed (e.g. 90s, 2m), and rank those: precision is stated",
    )
    _max_runs(sens)
    sens.set_defaults(handler=cmd_sensitivity)

    decide = sub.add_parser(
        "decide",
        parents=[OVERRIDES, OUTPUT, EXECUTOR],
        help="how sure are we? which design pays across plausible worlds, and what to measure first (EVPI/EVPPI)",
    )
    decide.add_argument("scenario", type=Path, help="a scenario with a 'beliefs' block")
    decide.add_argument(
        "--samples", type=COUNT, default=64, metavar="N", help="plausible worlds to draw (default 64; at least 16)"
    )
    decide.add_argument("--replications", type=COUNT, default=1, metavar="R", help="runs per world and design (1)")
    decide.add_argument(
        "--design", action="append", dest="designs", metavar="NAME", help="a design to compare (repeat; default all)"
    )
    decide.add_argument(
        "--threshold", type=FINITE, metavar="X", help="net value the chosen design should exceed (default: beliefs)"
    )
    decide.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="leave today's process (do not scale) out of the options (it is in by default)",
    )
    decide.add_argument(
        "--full",
        action="store_true",
        help="simulate every world (by default, worlds an emulator is sure of are predicted, not simulated)",
    )
    decide.add_argument(
        "--budget",
        type=DURATION,
        metavar="TIME",
        help="stop adding full runs after this much time (e.g. 90s, 2m): the answer says how sure it is",
    )
    decide.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    decide.add_argument("--days", type=DAYS, help="horizon in days")
    decide.add_argument(
        "--precision",
        type=SHARE,
        metavar="P",
        help="double the worlds (reusing those run) until EVPI's 95%% half-width is within P of EVPI, e.g. 0.1",
    )
    _vary_behaviour(decide)
    _max_runs(decide)
    decide.set_defaults(handler=cmd_decide)

    plan = sub.add_parser(
        "plan",
        parents=[OVERRIDES, OUTPUT, EXECUTOR],
        help="design the pilot: owner, daily decisions, governance, what to measure on how many cases, go / no-go",
    )
    plan.add_argument("scenario", type=Path, help="a scenario with a 'beliefs' block (and measurements)")
    plan.add_argument("--design", metavar="NAME", help="the design to plan (default: the best on average)")
    plan.add_argument(
        "--samples", type=COUNT, default=64, metavar="N", help="plausible worlds to draw (default 64; at least 16)"
    )
    plan.add_argument("--replications", type=COUNT, default=1, metavar="R", help="runs per world and design (1)")
    plan.add_argument("--full", action="store_true", help="simulate every world (no emulator)")
    plan.add_argument("--budget", type=DURATION, metavar="TIME", help="stop adding full runs after this much time")
    plan.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    plan.add_argument("--days", type=DAYS, help="horizon in days")
    _vary_behaviour(plan)
    _max_runs(plan)
    plan.set_defaults(handler=cmd_plan)

    even = sub.add_parser(
        "breakeven",
        parents=[OVERRIDES, OUTPUT, EXECUTOR],
        help="the value of one input at which a design starts to pay (against today's process, or another design)",
    )
    even.add_argument("scenario", type=Path, help="scenario file (YAML)")
    even.add_argument("--design", required=True, metavar="NAME", help="the design that should pay")
    even.add_argument(
        "--against",
        default="today",
        metavar="NAME",
        help="the design to beat (default: today's process, do not scale — the design's own NPV against 0)",
    )
    even.add_argument(
        "--input",
        required=True,
        metavar="PATH",
        help="the field to vary, e.g. value.uplift.mean or designs.X.costs.one_off",
    )
    even.add_argument(
        "--range",
        dest="span",
        type=RANGE,
        metavar="LOW,HIGH",
        help="where to look (default: a quarter to four times the scenario's value, inside what the field accepts)",
    )
    even.add_argument(
        "--metric",
        default="npv",
        choices=("npv", "net_value_per_year", "net_value_run"),
        help="the money figure that should cross (default npv: net present value over the run)",
    )
    even.add_argument("--replications", type=COUNT, default=5, metavar="R", help="replications an evaluation (5)")
    even.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    even.add_argument("--days", type=DAYS, help="horizon in days")
    _max_runs(even)
    even.add_argument(
        "--max-cases", type=COUNT, default=DEFAULT_MAX_CASES, metavar="N", help="refuse runs expected to exceed N cases"
    )
    even.set_defaults(handler=cmd_breakeven)

    validate = sub.add_parser("validate", parents=[OVERRIDES], help="check a scenario file and report every problem")
    validate.add_argument("scenario", type=Path)
    validate.set_defaults(handler=cmd_validate)

    app = sub.add_parser("app", help="start the workshop app in the browser (needs the `app` extra)")
    app.add_argument(
        "--scenario",
        action="append",
        type=Path,
        metavar="FILE",
        help="a scenario to offer (repeat; default: the bundled operations scenarios)",
    )
    app.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=PORT, default=8050, help="port (default 8050)")
    app.add_argument("--workers", type=WORKERS, default=2, help="simulation processes (default 2)")
    app.add_argument(
        "--no-warm",
        dest="warm",
        action="store_false",
        help="do not run the likely lever combinations in the background at start (they are, by default)",
    )
    app.add_argument(
        "--state",
        type=Path,
        default=Path("scalesim-workshops.sqlite"),
        metavar="FILE",
        help="where workshops, tables, attempts and answers are kept across restarts (default "
        "scalesim-workshops.sqlite here)",
    )
    app.add_argument("--no-state", dest="state", action="store_const", const=None, help="keep nothing across restarts")
    app.set_defaults(handler=cmd_app)

    report = sub.add_parser("report", help="write a self-contained HTML report (and Markdown) for a results folder")
    report.add_argument("folder", type=Path, help="a results folder, e.g. results/claims-triage/seed1-0123456789")
    report.add_argument("--xlsx", action="store_true", help="also write workbook.xlsx in the folder")
    report.set_defaults(handler=cmd_report)

    repro = sub.add_parser("reproduce", help="regenerate the canonical results, or --check them against fresh runs")
    repro.add_argument("--out", type=Path, default=CANONICAL, help=f"where they live (default {CANONICAL})")
    repro.add_argument(
        "--check", action="store_true", help="re-execute a sample of every stored result and compare; write nothing"
    )
    repro.add_argument("-j", "--jobs", type=COUNT, metavar="N", help="worker processes")
    repro.set_defaults(handler=cmd_reproduce)

    calibrate = sub.add_parser(
        "calibrate", help="write a scenario whose production environment comes from an event log (CSV or XES)"
    )
    calibrate.add_argument("log", type=Path, help="event log: CSV (optionally .gz) or XES")
    calibrate.add_argument(
        "--mapping", type=Path, help="YAML: columns, teams (activity -> team), approvals, rejections"
    )
    calibrate.add_argument(
        "--out", dest="target", type=Path, required=True, metavar="SCENARIO.yaml", help="the scenario file to write"
    )
    calibrate.add_argument("--name", help="the scenario's name (default: the log's file name)")
    calibrate.add_argument(
        "--holdout",
        type=SHARE,
        metavar="SHARE",
        help="hold out this share for a back-test on evidence the calibration did not see (see --holdout-by); "
        "written next to the scenario as SCENARIO.holdout.csv, the part calibrated from as SCENARIO.train.csv",
    )
    calibrate.add_argument(
        "--holdout-by",
        choices=("cases", "events"),
        default="cases",
        help="cases: the last cases to begin (whole); events: the last events to end, cases the split cuts dropped "
        "(the split of the published comparisons; default cases)",
    )
    calibrate.add_argument("--report", action="store_true", help="also write the fits behind it to SCENARIO.fit.md")
    calibrate.add_argument("--force", action="store_true", help="replace SCENARIO.yaml if it exists")
    calibrate.set_defaults(handler=cmd_calibrate)

    upd = sub.add_parser(
        "update", help="take a pilot's case-level results back into the scenario's beliefs (writes a new scenario)"
    )
    upd.add_argument("scenario", type=Path, help="a scenario whose beliefs name measurements")
    upd.add_argument("pilot", type=Path, help="pilot data: CSV, one row per case (case, then the measured columns)")
    upd.add_argument(
        "--out", dest="target", type=Path, required=True, metavar="NEW.yaml", help="the updated scenario to write"
    )
    upd.add_argument(
        "--decision",
        type=Path,
        metavar="FOLDER",
        help="a stored decide folder of SCENARIO: show how its decision moves (its worlds reweighted, no new run)",
    )
    upd.add_argument("--force", action="store_true", help="replace NEW.yaml if it exists")
    upd.set_defaults(handler=cmd_update)

    back = sub.add_parser(
        "backtest", parents=[OUTPUT], help="simulate the as-is design and compare it with the event log it came from"
    )
    back.add_argument("scenario", type=Path, help="a scenario written by `scalesim calibrate` (or one like it)")
    back.add_argument("log", type=Path, help="the event log to compare with")
    back.add_argument("--mapping", type=Path, help="the mapping used to calibrate")
    back.add_argument("--design", default="as_is", help="the design that is the as-is process (default as_is)")
    back.add_argument("--seed", type=SEED, help="root seed (default: the scenario's run.seed)")
    back.add_argument(
        "--runs", type=COUNT, default=10, metavar="N", help="simulated logs the distances average over (default 10)"
    )
    back.add_argument(
        "--train",
        type=Path,
        metavar="LOG",
        help="the log the model was calibrated from (SCENARIO.train.csv after --holdout): the distances' floor",
    )
    back.add_argument(
        "--split",
        choices=("disjoint", "events"),
        default="disjoint",
        help="how LOG and --train were split: disjoint windows, or the last events (the floor then keeps the "
        "training log's most recent cases, as many as LOG holds)",
    )
    back.add_argument(
        "--window",
        choices=("auto", "cut", "complete"),
        default="auto",
        help="cut: the simulated logs lose their events after LOG's last one, as LOG (an extract of a window) holds "
        "none; complete: every simulated case to its end; auto (default): cut where LOG holds cases unfinished at "
        "its end",
    )
    back.set_defaults(handler=cmd_backtest)

    schema = sub.add_parser("schema", help="print the scenario JSON Schema (for editor autocompletion)")
    schema.set_defaults(handler=cmd_schema)
    return parser


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _experiment(args: argparse.Namespace, kind: Kind, designs: list[str] | None, **grid: Any) -> ExperimentResult:
    result = api.experiment(
        kind,
        args.scenario,
        designs,
        seed=args.seed,
        days=args.days,
        overrides=args.overrides,
        out=args.out,
        replications=args.replications or DEFAULT_REPLICATIONS[kind],
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=not args.quiet,
        precision=args.precision,
        key_metric=args.key,
        max_replications=args.max_replications,
        max_runs=args.max_runs,
        max_cases=args.max_cases,
        announce=_announce,
        **_writing(args),
        **grid,
    )
    return result


def _writing(args: argparse.Namespace) -> dict[str, Any]:
    """What every writing command passes on: its own command line, and whether to add the report and workbook."""
    return {"command": args.command_line, "report": args.report, "workbook": args.xlsx}


def _with_report(args: argparse.Namespace, folder: Path) -> str:
    """Where the report and the workbook are, if asked, for the text output."""
    notes = [f"report: {folder / 'report.html'}"] if args.report else []
    notes += [f"workbook: {folder / 'workbook.xlsx'}"] if args.xlsx else []
    return "".join(f"\n{note}" for note in notes)


def _emit(
    args: argparse.Namespace, data: Any, shown: Callable[[Any], str], results: str, scenario: Scenario | None = None
) -> int:
    """JSON on stdout and nothing else, or the text table, which of the scenario's inputs a pilot measured (if
    any was), and where the results are."""
    if args.format == "json":
        sys.stdout.write(store.dumps(data))
    else:
        print(shown(data))
        overrides = getattr(args, "overrides", ())
        found = [] if scenario is None else text.origin_lines(provenance.origins(scenario, overrides))
        if found:
            print("\n" + "\n".join(text.wrapped(line) for line in found))
        print(f"\nresults: {results}")
    return 0


def _report(args: argparse.Namespace, result: ExperimentResult, against: dict[str, Any] | None = None) -> int:
    data = result.to_dict(against) if result.spec.kind == "sweep" else result.to_dict()
    note = _with_report(args, result.folder)
    shown = text.sweep_summary if result.spec.kind == "sweep" else text.experiment_summary
    return _emit(
        args,
        data,
        shown,
        f"{result.folder} ({result.ran} tasks run now, {result.reused} reused){note}",
        result.spec.scenario,
    )


def cmd_run(args: argparse.Namespace) -> int:
    if (args.replications or 1) > 1 or args.precision is not None:
        if args.event_log:
            raise ScenarioError("--event-log: a single run writes an event log; drop --replications/--precision")
        return _report(args, _experiment(args, "run", args.design))
    scenario = api.resolve(args.scenario, seed=args.seed, days=args.days, overrides=args.overrides)
    size = checks.check_size(scenario, checks.select_designs(scenario, args.design), args.max_cases)
    bar = None
    if size.seconds > checks.ANNOUNCE_SECONDS:
        _announce(f"{scenario.name}: {size.describe()}")
        from tqdm import tqdm

        bar = tqdm(total=size.environments, unit="environment", disable=args.quiet, file=sys.stderr)
    result = api.run(
        args.scenario,  # the file again, not the scenario read from it: the run records what the file cites
        args.design,
        seed=args.seed,
        days=args.days,
        overrides=args.overrides,
        max_cases=args.max_cases,
        on_environment=None if bar is None else lambda _: bar.update(1),
        event_log=args.event_log,
    )
    if bar is not None:
        bar.close()
    folder = api.write_run(result, args.out, ledger=not args.no_ledger, **_writing(args))
    log = ""
    if args.event_log:
        log = f"\nevent log: {folder / 'event_log.csv'} and event_log.xes"
    return _emit(args, result.summary(), text.run_summary, f"{folder}{log}{_with_report(args, folder)}", scenario)


def cmd_compare(args: argparse.Namespace) -> int:
    designs = args.design
    if args.designs is not None:
        designs = [d.strip() for d in args.designs.split(",")]
        if not all(designs):
            raise ScenarioError(f"--designs {args.designs!r}: expected names separated by commas, e.g. a,b")
    return _report(args, _experiment(args, "compare", designs))


def cmd_sweep(args: argparse.Namespace) -> int:
    grid = sweeps.parse_grid(args.grid)
    designs = args.design
    if args.sweep_file is not None:
        spec = sweeps.read_sweep_file(args.sweep_file)
        grid = {**{path: list(values) for path, values in spec["grid"].items()}, **grid}
        designs = designs or spec.get("designs")
        if args.replications is None and "replications" in spec:  # an option given on the command line wins
            args.replications = COUNT(str(spec["replications"]))
    against = sweeps.parse_point(args.against)
    sweeps.check_point(grid, against)  # refused before anything runs
    return _report(args, _experiment(args, "sweep", designs, grid=grid), against)


def cmd_keep(args: argparse.Namespace) -> int:
    """A sweep of two points, the field as it is and the change not made, paired on common random numbers: the
    difference is what keeping the field as it is costs (or gains)."""
    if not args.design or len(args.design) != 1:
        raise ScenarioError("keep: name the one design it is about with --design NAME")
    ((path, instead),) = sweeps.parse_point([args.instead], "--instead").items()
    scenario = api.resolve(args.scenario, seed=args.seed, days=args.days, overrides=args.overrides)
    checks.select_designs(scenario, args.design)
    current = api.field_value(scenario, path)
    if current == instead:
        raise ScenarioError(f"--instead {args.instead}: {path} is already {current!r}; name a value it is not")
    try:  # the change must be a scenario the model accepts, said under the option the user typed
        api.resolve(scenario, overrides=[args.instead])
    except ScenarioError as exc:
        reason = str(exc).splitlines()[0].split(": ", 1)[-1]
        raise ScenarioError(f"--instead {args.instead}: {reason}") from None
    result = _experiment(args, "sweep", args.design, grid={path: [current, instead]})
    data = result.to_dict({path: current}) | {"keeping": {"path": path, "kept": current, "instead": instead}}
    where = f"{result.folder} ({result.ran} tasks run now, {result.reused} reused){_with_report(args, result.folder)}"
    return _emit(args, data, text.keeping_summary, where, result.spec.scenario)


def cmd_portfolio(args: argparse.Namespace) -> int:
    def one(path: Path, overrides: list[str]) -> PortfolioResult:
        result = api.portfolio(
            path,
            replications=args.replications,
            years=args.years,
            seed=args.seed,
            overrides=overrides,
            out=args.out,
            jobs=args.jobs,
            scheduler=args.scheduler,
            progress=not args.quiet,
            max_runs=args.max_runs,
            announce=_announce,
            **_writing(args),
        )
        return result

    results = [one(args.scenario, args.overrides)]
    if args.against is not None:
        results.append(one(args.against, []))
    comparisons = api.compare_portfolios(*results) if len(results) == 2 else None
    data = [r.to_dict() for r in results]
    notes = "".join(_with_report(args, r.folder) for r in results)
    payload: dict[str, Any] = data[0] if comparisons is None else {"portfolios": data, "comparisons": comparisons}
    return _emit(
        args,
        payload,
        lambda _: text.portfolio_summary(data, comparisons),
        ", ".join(str(r.folder) for r in results) + notes,
    )


def _vary_behaviour(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--vary-behaviour",
        action="store_true",
        help="also draw the behavioural inputs the beliefs hold fixed (trust, adoption, visibility, drift, pickup) "
        "from default beliefs around the scenario's values (assumptions, said in the output)",
    )


def _max_runs(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-runs",
        type=COUNT,
        default=DEFAULT_MAX_RUNS,
        metavar="N",
        help=f"refuse an analysis of more than N production runs (default {DEFAULT_MAX_RUNS:,}); raise it for big ones",
    )


def _sampling(args: argparse.Namespace) -> dict[str, Any]:
    """The options a sampled analysis (sensitivity, decide) takes from the command line."""
    return {
        "max_runs": args.max_runs,
        "samples": args.samples,
        "replications": args.replications,
        "seed": args.seed,
        "days": args.days,
        "overrides": args.overrides,
        "out": args.out,
        "jobs": args.jobs,
        "scheduler": args.scheduler,
        "progress": not args.quiet,
        "announce": _announce,
    }


def cmd_sensitivity(args: argparse.Namespace) -> int:
    result = api.sensitivity(args.scenario, args.method, budget=args.budget, **_sampling(args), **_writing(args))
    folder = result.experiment.folder
    note = _with_report(args, folder)
    return _emit(
        args,
        result.to_dict(),
        text.sensitivity_summary,
        f"{folder} (figure: sensitivity-{result.method}.png){note}",
        result.experiment.spec.scenario,
    )


def cmd_decide(args: argparse.Namespace) -> int:
    decision = api.decide(
        args.scenario,
        designs=args.designs,
        threshold=args.threshold,
        baseline=args.baseline,
        full=args.full,
        budget=args.budget,
        vary_behaviour=args.vary_behaviour,
        precision=args.precision,
        **_sampling(args),
        **_writing(args),
    )
    folder = decision.experiment.folder
    data = decision.to_dict()
    return _emit(args, data, text.decision_summary, f"{folder}{_with_report(args, folder)}", decision.scenario)


def cmd_plan(args: argparse.Namespace) -> int:
    from scalesim.report.plan_page import plan_text

    result, written = api.plan(
        args.scenario,
        args.design,
        full=args.full,
        budget=args.budget,
        vary_behaviour=args.vary_behaviour,
        **_sampling(args),
        **_writing(args),
    )
    folder = written[-1].parent
    files = ", ".join(path.name for path in written if path.parent == folder)
    scenario = api.resolve(args.scenario, seed=args.seed, days=args.days, overrides=args.overrides)
    return _emit(args, result, plan_text, f"{folder} ({files}){_with_report(args, folder)}", scenario)


def cmd_breakeven(args: argparse.Namespace) -> int:
    result = api.breakeven(
        args.scenario,
        args.design,
        args.input,
        against=args.against,
        metric=args.metric,
        replications=args.replications,
        span=args.span,
        seed=args.seed,
        days=args.days,
        overrides=args.overrides,
        out=args.out,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=not args.quiet,
        announce=_announce,
        max_cases=args.max_cases,
        max_runs=args.max_runs,
        **_writing(args),
    )
    folder = result.experiment.folder
    where = f"{folder}{_with_report(args, folder)}"
    return _emit(args, result.to_dict(), text.breakeven_summary, where, result.experiment.spec.scenario)


def cmd_app(args: argparse.Namespace) -> int:
    try:
        from scalesim.app.serve import serve
    except ImportError as exc:
        raise ScenarioError(f'the app needs its extra ({exc.name} is missing): pip install -e ".[app]"') from None
    return serve(args.scenario, args.host, args.port, args.workers, args.warm, args.state)


def cmd_reproduce(args: argparse.Namespace) -> int:
    if not args.check:
        canonical.reproduce_all(main, args.out, args.jobs)
        print(f"canonical results regenerated from scratch in {args.out} (no stored run reused)")
        return 0
    checked, problems = api.verify_reproduction(args.out)
    if not checked:
        raise ScenarioError(f"{args.out}: no stored results to check; make them with: scalesim reproduce")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"checked {checked} stored results: {'all reproduced' if not problems else f'{len(problems)} differ'}")
    return 1 if problems else 0


def cmd_report(args: argparse.Namespace) -> int:
    html_path, md_path = api.report(args.folder, workbook=args.xlsx)
    workbook = f"\nworkbook: {args.folder / 'workbook.xlsx'}" if args.xlsx else ""
    print(f"report: {html_path}\nmarkdown: {md_path}{workbook}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a file as thoroughly as a run would before it starts: fields, names, the pilot's capacity, size."""
    from scalesim.scenario.levers import check_prices
    from scalesim.scenario.schema import Scenario

    checked = api.validate(args.scenario, overrides=args.overrides)
    if not isinstance(checked, Scenario):
        print(f"{args.scenario}: valid portfolio scenario {checked.name!r}")
        return 0
    print(f"{args.scenario}: valid scenario {checked.name!r} with designs: {', '.join(checked.designs)}")
    print(f"  size: {checks.estimate(checked, list(checked.designs)).describe()}")
    for name, design in checked.designs.items():
        for load in capacity.team_loads(checked, checked.production, design):
            if load.overloaded:
                print(f"  overloaded in production: {name}, team {load.team}: {load.explain()}")
    for warning in checks.complaint_loops(checked):
        print(f"  warning: {warning}")
    try:
        check_prices(checked, str(args.scenario))
    except ScenarioError as exc:
        print(f"  the app will refuse this scenario: {str(exc).removeprefix(f'{args.scenario}: ')}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate, check the scenario validates, then write it (and the fit report, the hold-out) atomically."""
    from scalesim.ops.route import describe, route_of
    from scalesim.scenario.schema import TODAYS_PROCESS

    target: Path = args.target
    report = target.with_suffix(".fit.md")
    held, trained = target.with_suffix(".holdout.csv"), target.with_suffix(".train.csv")
    _new_file(target, args.force)
    for side, wanted in ((report, args.report), (held, args.holdout), (trained, args.holdout)):
        if wanted and side.exists() and not args.force:  # refused before any work, as --out is
            raise ScenarioError(f"{side} exists (calibrate would replace it); choose another --out or add --force")
    calibration = api.calibrate(
        args.log, mapping=args.mapping, name=args.name, holdout=args.holdout, holdout_by=args.holdout_by
    )
    write_text(target, calibration.text)
    written = [str(target)]
    if calibration.held_out is not None:
        write_text(held, calibration.held_out_csv())
        write_text(trained, calibration.training_csv())
        split = "events" if args.holdout_by == "events" else "disjoint"
        written.append(
            f"{held} ({calibration.held_out['case'].nunique():,} held-out cases), {trained} (the part calibrated "
            f"from): scalesim backtest {target} {held} --train {trained} --split {split}"
        )
    if args.report:
        write_text(report, calibration.report())
        written.append(str(report))
    found = calibration.found
    print(
        f"{args.log}: {found.cases:,} cases, {found.events:,} events -> scenario {calibration.scenario.name!r}: "
        f"{len(found.teams)} teams, {describe(route_of(calibration.scenario.production, TODAYS_PROCESS))}; "
        f"most often {' -> '.join(s.label for s in found.route)}; {found.arrival_rate:.4g} cases a day"
    )
    for line in found.reading:
        print(f"read: {line}" if not line.startswith("  ") else f"      {line.strip()}")
    for note in found.notes:
        print(f"note: {note}")
    print(f"written: {', '.join(written)} (the pilot, value and designs are a STUB: edit them)")
    return 0


def _new_file(target: Path, force: bool) -> None:
    """Refuse to overwrite a file the user did not say may go, or to write into a folder that is not there."""
    if target.exists() and not force:
        raise ScenarioError(f"--out {target}: the file exists; choose another name or add --force to replace it")
    if not target.parent.is_dir():
        raise ScenarioError(f"--out {target}: no folder {target.parent}")


def cmd_update(args: argparse.Namespace) -> int:
    """Update the measured beliefs with the pilot's results, write the new scenario atomically, say what moved."""
    _new_file(args.target, args.force)
    result = api.update(args.scenario, args.pilot)
    moved = api.reweighted(args.decision, result) if args.decision is not None else None
    write_text(args.target, result.text)
    print(text.update_summary(result, moved, args.target))
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    result = api.backtest(
        args.scenario,
        args.log,
        mapping=args.mapping,
        design=args.design,
        seed=args.seed,
        runs=args.runs,
        train=args.train,
        split=args.split,
        window=args.window,
    )
    folder = api.write_backtest(result, args.out, args.command_line, report=args.report, workbook=args.xlsx)
    if args.format == "json":
        print(store.dumps(result.to_dict()))
        return 0
    from scalesim.report.narrative import backtest_narrative

    print(text.wrapped(backtest_narrative(result.to_dict())[0]) + "\n")
    print(
        f"backtest · {result.scenario} · design {result.design} · {result.days:g} simulated days against {result.log}\n"
    )
    measures = result.measures
    width = max(len(f"{m.measure} {m.team}".strip()) for m in measures)
    print(f"{'measure':<{width}}  {'log':>10}  {'simulated':>10}  {'tolerance':<28} verdict")
    for m in measures:
        label = f"{m.measure} {m.team}".strip()
        print(f"{label:<{width}}  {_cell(m.real)}  {_cell(m.simulated)}  {m.tolerance:<28} {m.verdict}")
    print(text.distance_table(result.heldout))
    for line in result.unseen:
        print(f"not in the model: {line} (left out of the team measures, kept in the distances)")
    info = len(measures) - result.passed - result.warnings
    print(
        f"\n{result.passed} pass, {result.warnings} warn, {info} reported; Wasserstein distance of the cycle times: "
        f"{result.wasserstein_share:.0%} of the log's mean\nresults: {folder}{_with_report(args, folder)}"
    )
    return 0


def _cell(value: float) -> str:
    """A back-test figure, or ``-`` where there is none (a distance has no log side; a team no simulated work)."""
    return f"{value:>10.4g}" if math.isfinite(value) else f"{'-':>10}"


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(api.schema(), indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    args.command_line = ["scalesim", *words]
    try:
        if hasattr(args, "out") and args.command != "reproduce":
            check_writable(args.out)
        return int(args.handler(args))
    except (ScenarioError, argparse.ArgumentTypeError) as exc:
        print(f"scalesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader stopped reading (`scalesim schema | head`): nothing went wrong here
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the interpreter's last flush is quiet
        return 0
    except OSError as exc:  # the disk, not the input: say so in one line
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"scalesim: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("scalesim: interrupted; finished runs are kept, run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
