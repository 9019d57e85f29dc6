"""The ``scalesim`` command: parses options, calls the library, prints. No model logic lives here.

Exit codes: 0 success, 2 bad input (scenario, override or option; one message on stderr, no traceback),
1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from scalesim import __version__
from scalesim.api import resolve
from scalesim.errors import ScenarioError
from scalesim.experiment.store import dumps, write_run
from scalesim.ops.run import select_designs, simulate
from scalesim.report.text import run_summary
from scalesim.scenario.schema import Scenario

EXIT_BAD_INPUT = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of days > 0, got {text!r}")
    return value


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path, help="scenario file (YAML), e.g. scenarios/claims-triage.yaml")
    p.add_argument("--seed", type=_positive_int, help="root seed (default: the scenario's run.seed)")
    p.add_argument("--days", type=_positive_float, help="horizon in days (default: the scenario's run.horizon_days)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set production.teams.intake.staff=9 (repeatable)",
    )
    p.add_argument(
        "--design",
        dest="designs",
        action="append",
        metavar="NAME",
        help="run only this design (repeatable; default: all designs in the scenario)",
    )


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (a table) or json (the result on stdout, nothing else there)",
    )
    p.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scalesim",
        description="Simulate how much of an AI pilot's value survives in production, by integration design.",
    )
    parser.add_argument("--version", action="version", version=f"scalesim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the pilot and each design's production environment on the same cases")
    _add_scenario_options(run)
    _add_output_options(run)
    run.add_argument("--no-ledger", action="store_true", help="do not write the per-case ledger (big runs)")
    run.set_defaults(handler=cmd_run)

    validate = sub.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", type=Path)
    validate.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    validate.set_defaults(handler=cmd_validate)

    schema = sub.add_parser("schema", help="print the scenario JSON Schema (for editor autocompletion)")
    schema.set_defaults(handler=cmd_schema)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    scenario = resolve(args.scenario, seed=args.seed, days=args.days, overrides=args.overrides)
    designs = select_designs(scenario, args.designs)
    result = simulate(scenario, designs)
    folder = write_run(result, args.out, ledger=not args.no_ledger, command=["scalesim", *sys.argv[1:]])
    summary = result.summary()
    if args.format == "json":
        sys.stdout.write(dumps(summary))
    else:
        print(run_summary(summary))
        print(f"\nresults: {folder}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = resolve(args.scenario, overrides=args.overrides)
    print(f"{args.scenario}: valid scenario {scenario.name!r} with designs: {', '.join(scenario.designs)}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    schema = Scenario.model_json_schema(by_alias=True)
    schema["title"] = "scalesim scenario"
    print(json.dumps(schema, indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ScenarioError as exc:
        print(f"scalesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("scalesim: interrupted; nothing half-written was left in place", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
