"""``scalesim report RESULTS_DIR``: the report of any result folder, as a document for the people it is for.

:func:`build_report` loads the folder through :mod:`scalesim.kinds` and composes a
:class:`~scalesim.report.document.Document` for its kind: the answer first (the narrative, one figure and one
small table in people's words), then the detail, then the model's raw output folded away. The same composition
serves a folder being written (``--report``: the manifest is given, not yet on disk) and one stored long ago.
"""

from __future__ import annotations

import json
from functools import partial, singledispatch
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from scalesim.about import VERSION
from scalesim.evidence.distances import NAMES, WORDS
from scalesim.experiment.decide import METRIC_WORDS
from scalesim.experiment.experiment import ExperimentResult
from scalesim.experiment.portfolio import PortfolioResult
from scalesim.experiment.sensitivity import SensitivityResult
from scalesim.experiment.store import read_manifest
from scalesim.kinds import StoredBacktest, StoredBreakeven, StoredDecision, StoredRun, load
from scalesim.labels import field_words
from scalesim.report import figures as F
from scalesim.report.decision_figures import decision_drawings
from scalesim.report.document import Document, Drawing, Raw, Section, write
from scalesim.report.files import decision_source
from scalesim.report.narrative import (
    backtest_narrative,
    experiment_lead,
    experiment_narrative,
    portfolio_narrative,
    run_lead,
    run_narrative,
    sensitivity_narrative,
    sweep_narrative,
)
from scalesim.report.tables import (
    Column,
    Estimate,
    Table,
    comparisons_table,
    designs_table,
    experiment_board,
    experiment_erosion,
    origins_table,
    run_board,
    run_costs,
    run_erosion,
    run_loads,
)
from scalesim.report.text import (
    PORTFOLIO_ROWS,
    breakeven_summary,
    decision_summary,
    drawn_operations_lines,
    experiment_summary,
    origin_lines,
    portfolio_summary,
    run_notes,
    run_summary,
    sensitivity_summary,
    sweep_summary,
)
from scalesim.scenario.load import validate
from scalesim.scenario.provenance import Origin, has_evidence, origins
from scalesim.scenario.schema import TODAY, Scenario
from scalesim.scenario.sources import SET_NOW


def build_report(folder: str | Path, manifest: dict[str, Any] | None = None) -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``figures/*.png`` into a results folder; return what it wrote.

    ``manifest`` is given when the folder is being written (its manifest comes last and will list the report);
    a finished folder's report is registered in its manifest by the caller (:func:`scalesim.api.report`).
    """
    folder = Path(folder)
    manifest = manifest or read_manifest(folder)
    stored = load(folder, manifest)
    document = compose(stored, manifest)
    found = manifest_origins(manifest)
    if has_evidence(found):  # after the answer, before the detail: which of its numbers a pilot measured
        document.sections.insert(
            0,
            Section(
                "Pilot evidence and assumptions",
                paragraphs=[line[0].upper() + line[1:] for line in origin_lines(found)],
                tables=[origins_table(found)],
            ),
        )
    document.technical += [
        Raw(
            "The resolved scenario (every value the run used)",
            yaml.safe_dump(manifest["resolved_scenario"], sort_keys=False, allow_unicode=True),
        ),
        Raw(
            "The manifest (command, seeds, versions, files)",
            json.dumps({k: v for k, v in manifest.items() if k != "resolved_scenario"}, indent=2),
        ),
    ]
    return write(folder, document)


def manifest_origins(manifest: dict[str, Any]) -> list[Origin]:
    """Where each uncertain input of a stored result came from (the ``--set`` items are the sources' "set for this
    run" entries)."""
    if not ((manifest["resolved_scenario"].get("beliefs") or {}).get("evidence")):
        return []  # no pilot evidence (and a portfolio has no beliefs): nothing to say, nothing to validate
    sources: dict[str, str] = manifest.get("details", {}).get("sources") or {}
    overrides = [said.removeprefix(SET_NOW) for said in sources.values() if said.startswith(SET_NOW)]
    return origins(_scenario(manifest), overrides)


def _subtitle(manifest: dict[str, Any], *parts: str) -> str:
    created = manifest["created_utc"][:10]
    return " · ".join([*parts, f"seed {manifest['seed']}", f"scalesim {VERSION}", f"made {created}"])


def _scenario(manifest: dict[str, Any]) -> Scenario:
    return validate(manifest["resolved_scenario"], source="the manifest's resolved scenario")


@singledispatch
def compose(stored: object, manifest: dict[str, Any]) -> Document:
    raise TypeError(f"no report for {type(stored).__name__}")  # pragma: no cover - every kind registers one


# ------------------------------------------------------------------------------------------------ one run


def _design_by_design(paragraphs: list[str]) -> list[Section]:
    """Each design's own sentences, after the first page's answer (none for a single design: the answer is its)."""
    return [Section("Design by design", paragraphs=paragraphs)] if len(paragraphs) > 1 else []


@compose.register
def _(stored: StoredRun, manifest: dict[str, Any]) -> Document:
    summary = stored.summary
    currency = summary["currency"]
    source = f"{summary['scenario']} · seed {summary['seed']}"
    table = stored.table("summary")
    weekly = stored.table("weekly")
    teams = stored.table("weekly_teams")
    events = stored.table("events")
    names = list(summary["designs"])
    sections = [
        *_design_by_design(run_narrative(summary)),
        Section("What each design is", tables=[designs_table(_scenario(manifest), names)]),
        Section(
            "Where the value goes",
            paragraphs=[
                "The same cases run through the pilot and through production under each design; what production "
                "realizes of the pilot's value, cause by cause, and week by week."
            ],
            figures=[("value-over-time", partial(F.value_over_time, weekly, currency, source))],
            tables=[run_erosion(summary)],
        ),
        Section(
            "Money",
            figures=[("money-over-time", partial(F.money_over_time, stored.table("money"), summary, source))],
            tables=[run_costs(summary)],
        ),
        Section("Capacity", tables=[run_loads(summary)]),
    ]
    for design, data in summary["designs"].items():
        if data["today"]:  # today's process: no team does new work, no model to trust
            continue
        sections.append(
            Section(
                f"{design} over time",
                figures=[
                    (f"teams-{design}", partial(F.teams_over_time, teams, design, data["stall"], source)),
                    (f"state-{design}", partial(F.state_over_time, weekly, events, design, source, data["stall"])),
                ],
            )
        )
    sections.append(Section("Notes", paragraphs=run_notes(summary, signs=False)))
    return Document(
        f"{summary['scenario']}: how much of the pilot's value survives in production",
        _subtitle(manifest, "one run", f"{summary['horizon_days']:g} days", f"{summary['cases']:,} cases"),
        [run_lead(summary)],
        ("waterfall", partial(F.waterfall, table, currency, source)),
        run_board(summary),
        sections,
        technical=[
            Raw("The model's text output", run_summary(summary)),
            Raw("Per design, as stored (summary.csv)", frame=table),
            Raw("Teams, as stored (teams.csv)", frame=stored.table("teams")),
        ],
    )


# ------------------------------------------------------------------------------------------------ experiments


def _source(manifest: dict[str, Any]) -> str:
    n = manifest["replications"]
    return f"{manifest['scenario']} · seed {manifest['seed']} · {n} replication{'s' if n != 1 else ''}"


@compose.register
def _(stored: ExperimentResult, manifest: dict[str, Any]) -> Document:
    if stored.spec.kind == "sweep":
        return _sweep(stored, manifest)
    data = stored.to_dict()
    currency, source = data["currency"], _source(manifest)
    designs = list(stored.spec.designs)
    means = stored.runs.groupby("design", sort=False).mean(numeric_only=True).reindex(designs).reset_index()
    sections = [
        *_design_by_design(experiment_narrative(data)),
        Section("What each design is", tables=[designs_table(stored.spec.scenario, designs)]),
    ]
    if data.get("comparisons"):
        sections.append(
            Section(
                "How the designs differ",
                paragraphs=[
                    "Each difference is paired: every design ran on the same cases and draws in each replication, "
                    "so the difference is the design's, not chance's. The thin grey bar is what independent runs "
                    "would give."
                ],
                figures=[("comparison", partial(F.comparison, data["comparisons"], currency, source))],
                tables=[comparisons_table(data)],
            )
        )
    value = Section("Where the value goes", tables=[experiment_erosion(data)])
    if len(stored.weekly):
        value.figures.append(("value-over-time", partial(F.value_over_time, stored.weekly, currency, source)))
        no_events = pd.DataFrame(columns=["design", "day", "event", "value"])
        sections.append(value)
        sections += [
            Section(
                f"{d} over time",
                figures=[(f"state-{d}", partial(F.state_over_time, stored.weekly, no_events, d, source))],
            )
            for d in designs
            if d != TODAY
        ]
    else:
        sections.append(value)
    what = "comparison of designs" if stored.spec.kind == "compare" else "replications"
    return Document(
        f"{data['scenario']}: how much of the pilot's value survives in production",
        _subtitle(manifest, f"{what}", f"{data['replications']} replications on common random numbers"),
        [experiment_lead(data)],
        ("waterfall", partial(F.waterfall, means, currency, source)),
        experiment_board(data),
        sections,
        technical=[
            Raw("The model's text output", experiment_summary(data)),
            Raw("Runs, as stored (one row per replication and design)", frame=stored.runs),
        ],
    )


def _sweep(stored: ExperimentResult, manifest: dict[str, Any]) -> Document:
    data = stored.to_dict()
    currency, source = data["currency"], _source(manifest)
    params = list(data["grid"])
    rows = []
    for point in data["points"]:
        for design, stats in point["designs"].items():
            rows.append(
                [
                    *(point["parameters"][p] for p in params),
                    design,
                    _estimate(stats["retention"]),
                    _estimate(stats["net_value_per_year"]),
                    _estimate(stats["npv"]),
                ]
            )
    table = Table(
        "Each grid point",
        [
            *(Column(field_words(p), "number") for p in params),
            Column("design"),
            Column("value kept", "percent", "undefined"),
            Column("net value a year", "money"),
            Column("net present value", "money"),
        ],
        rows,
        currency=currency,
        note=f"mean ± 95% half-width over {data['replications']} replications; every point on the same draws",
        name="Grid",
    )
    figures: list[Drawing] = [
        (f"sweep-{key}", partial(F.sweep_plot, stored.runs, stored.parameters, key, source, currency))
        for key in ("retention", "net_value_per_year")
    ]
    return Document(
        f"{data['scenario']}: what changes across the grid",
        _subtitle(
            manifest, f"sweep of {', '.join(field_words(p) for p in params)}", f"{data['replications']} replications"
        ),
        sweep_narrative(data),
        figures[0],
        table,
        [
            Section("What each design is", tables=[designs_table(stored.spec.scenario, list(stored.spec.designs))]),
            Section("Net value across the grid", figures=figures[1:]),
        ],
        technical=[
            Raw("The model's text output", sweep_summary(data)),
            Raw("Runs, as stored (one row per point, replication and design)", frame=stored.runs),
        ],
    )


def _estimate(stat: dict[str, Any]) -> Estimate:
    mean = stat.get("mean")
    return Estimate(None if mean is None or mean != mean else float(mean), stat.get("half_width"))


@compose.register
def _(stored: SensitivityResult, manifest: dict[str, Any]) -> Document:
    data = stored.to_dict()
    columns = [c for c in stored.table.columns if c != "parameter"]
    table = Table(
        "Inputs ranked by their effect",
        [Column("input"), Column("field"), *(Column(c, "number") for c in columns)],
        [
            [field_words(str(r["parameter"])), r["parameter"], *(r[c] for c in columns)]
            for _, r in stored.table.iterrows()
        ],
        note=f"{stored.method}: {data['model_runs']:,} model runs of design {data['design']}",
        name="Ranking",
    )
    source = f"{manifest['scenario']} · design {stored.spec.design} · seed {manifest['seed']} · {stored.method}"
    figure = partial(F.SENSITIVITY_FIGURES[stored.method], stored.table, stored.spec.key, source)
    return Document(
        f"{data['scenario']}: which input moves the answer most",
        _subtitle(manifest, f"{stored.method} sensitivity of {data['key']}", f"{data['model_runs']:,} model runs"),
        sensitivity_narrative(data),
        (f"sensitivity-{stored.method}", figure),
        table,
        technical=[
            Raw("The model's text output", sensitivity_summary(data)),
            Raw("Sample points, as stored", frame=stored.experiment.runs),
        ],
    )


@compose.register
def _(stored: StoredDecision, manifest: dict[str, Any]) -> Document:
    data = stored.data
    figures = decision_drawings(stored.table, data, decision_source(data))
    names = data["design_names"]
    rows = [
        [
            "today's process (do not scale)" if n == TODAY else n,
            data["designs"][n]["probability_best"],
            data["designs"][n]["net_value"]["mean"],
            data["designs"][n]["net_value"]["p5"],
            data["designs"][n]["net_value"]["p95"],
            data["designs"][n]["expected_loss"],
            data["designs"][n]["probability_above_threshold"],
        ]
        for n in names
    ]
    table = Table(
        "Each option across the plausible worlds",
        [
            Column("option"),
            Column("best in (share of worlds)", "percent"),
            Column("net value, mean", "money"),
            Column("5% of worlds below", "money"),
            Column("95% of worlds below", "money"),
            Column("expected regret if chosen", "money"),
            Column(f"chance of clearing {data['threshold']:,.0f}", "percent"),
        ],
        rows,
        currency=data["currency"],
        note=f"{data['worlds']} worlds drawn from the scenario's beliefs; the figure is {METRIC_WORDS[data['metric']]}",
        name="Options",
    )
    evppi = Table(
        "What to measure before scaling",
        [
            Column("input"),
            Column("worth knowing (EVPPI)", "money"),
            Column("share of the value of knowing everything", "percent"),
            Column("source"),
        ],
        [
            [i["label"], i["evppi"], i["share_of_evpi"], data["inputs"].get(i["name"], {}).get("source", "")]
            for i in data["evppi"]
        ],
        currency=data["currency"],
        note=f"knowing every input before choosing is worth {data['evpi']:,.0f} {data['currency']} (EVPI)",
        name="Measure",
    )
    return Document(
        f"{data['scenario']}: should we scale, and what should the pilot measure first?",
        _subtitle(manifest, "decision analysis", f"{data['worlds']} plausible worlds"),
        [data["headline"]],
        figures[0],
        table,
        [Section("What to measure first", figures=figures[1:], tables=[evppi])],
        technical=[
            Raw("The model's text output", decision_summary(data)),
            Raw("Worlds, as stored (worlds.csv)", frame=stored.table),
        ],
    )


@compose.register
def _(stored: StoredBacktest, manifest: dict[str, Any]) -> Document:
    data = stored.data
    measures = stored.measures
    source = f"{manifest['scenario']} · design {data['design']} · seed {data['seed']} · {data['log']}"
    table = Table(
        "Measures, tolerances and verdicts",
        [
            Column("measure"),
            Column("team"),
            Column("event log", "number"),
            Column("simulated", "number"),
            Column("tolerance"),
            Column("verdict"),
        ],
        [
            [r["measure"], r["team"], r["real"], r["simulated"], r["tolerance"], r["verdict"]]
            for _, r in measures.iterrows()
        ],
        name="Measures",
    )
    lead = [
        *backtest_narrative(data),
        f"The Wasserstein distance between the cycle-time distributions is "
        f"{data['wasserstein_share_of_mean_cycle_time']:.0%} of the log's mean cycle time.",
    ]
    figure = partial(F.backtest_figure, stored.cycle_times("log"), stored.cycle_times("simulated"), measures, source)
    return Document(
        f"{manifest['scenario']}: does the calibrated model reproduce its event log?",
        _subtitle(manifest, f"back-test of design {data['design']}", f"{data['simulated_days']:g} simulated days"),
        lead,
        ("backtest", figure),
        table,
        [Section("Log distances", tables=[_distance_table(data["distances"])])],
    )


def _distance_table(distances: dict[str, Any]) -> Table:
    """The five log distances: the model's mean and sd over its simulated logs, the floor (the training log's own
    distance to this log) and the skill score; a distance without a floor shows none."""
    floor = distances.get("floor") or {}
    return Table(
        f"Log distances to this log (Chapela-Campa et al. 2023): model over {distances['runs']} simulated logs of "
        f"{distances['cases']:,} cases; floor: the training log; skill: 1 - model / floor",
        [
            Column("distance"),
            Column("what it compares"),
            Column("model (mean)", "number"),
            Column("model (sd)", "number"),
            Column("floor (training log)", "number"),
            Column("skill", "number"),
        ],
        [
            [
                name,
                WORDS[name],
                distances["model_mean"][name],
                distances["model_sd"][name],
                floor.get(name),
                (distances.get("skill") or {}).get(name),
            ]
            for name in NAMES
        ],
        name="Log distances",
    )


@compose.register
def _(stored: PortfolioResult, manifest: dict[str, Any]) -> Document:
    data = stored.to_dict()
    source = _source(manifest)
    name = stored.scenario.name
    curve = stored.survival_curve()
    kinds = {"count": "number", "pct": "percent", "days": "days", "money": "money"}
    funnel = Table(
        "The funnel, per programme",
        [Column("figure"), Column("mean", "number"), Column("± 95% half-width", "number")],
        [[label, data["figures"][key]["mean"], data["figures"][key]["half_width"]] for label, key, _ in PORTFOLIO_ROWS],
        note=f"{data['replications']} replications; money in {data['currency']}",
        name="Funnel",
        row_kinds=[kinds[kind] for _, _, kind in PORTFOLIO_ROWS],
    )
    return Document(
        f"{name}: why pilots stall before production",
        _subtitle(manifest, "portfolio", f"{data['years']:g} years", f"{data['replications']} replications"),
        portfolio_narrative([data]),
        ("funnel", partial(F.portfolio_funnel, [data], source)),
        funnel,
        [
            Section(
                "Over time",
                figures=[
                    ("archive", partial(F.archive_growth, {name: stored.monthly}, source)),
                    ("time-to-production", partial(F.time_to_production, {name: stored.initiatives}, source)),
                ],
            ),
            Section(
                "After go-live",
                paragraphs=[
                    "Survival after go-live: the share of go-lives not yet decommissioned or retired, Kaplan-Meier "
                    "with censoring where the run or an operation's simulation ends, mean and interval over "
                    "replications.",
                    *drawn_operations_lines([data]),
                ],
                figures=[("survival", partial(F.survival_after_go_live, {name: curve}, source))],
                tables=[survival_table(curve)],
            ),
        ],
        technical=[
            Raw("The model's text output", portfolio_summary([data])),
            Raw("Replications, as stored", frame=stored.runs),
        ],
    )


def survival_table(curve: pd.DataFrame) -> Table:
    """The survival curve every half year after go-live, with its interval and how many replications saw so far."""
    rows = curve[(curve["month"] > 0) & (curve["month"] % 6 == 0)]
    return Table(
        "Still in production after go-live (Kaplan-Meier)",
        [
            Column("months after go-live"),
            Column("share", "percent"),
            Column("± 95% half-width", "percent"),
            Column("replications that saw so far", "number"),
        ],
        [[f"{m:g}", v, h, n] for m, v, h, n in rows[["month", "mean", "half_width", "n"]].itertuples(index=False)],
        note="go-lives still in production are censored where the run or their operation's simulation ends",
        name="Survival",
    )


@compose.register
def _(stored: StoredBreakeven, manifest: dict[str, Any]) -> Document:
    data = stored.data
    source = f"{data['scenario']} · seed {data['seed']} · {data['replications']} replications · {data['input']}"
    words = data["input_words"]
    table = Table(
        "Every evaluation",
        [Column(words, "number"), Column("difference", "money", signed=True)],
        [[e["value"], Estimate(e["mean"], e["half_width"])] for e in data["evaluations"]],
        currency=data["currency"],
        note=(
            f"{data['metric']} of {data['design']} minus {data['against']}, mean ± 95% half-width over "
            f"{data['replications']} replications; every evaluation on the same draws"
        ),
        name="Evaluations",
    )
    return Document(
        f"{data['scenario']}: when does {data['design']} pay?",
        _subtitle(manifest, f"break-even of {words}", f"{len(data['evaluations'])} evaluations"),
        [data["headline"]],
        ("breakeven", partial(F.breakeven_plot, data, source)),
        table,
        technical=[
            Raw("The model's text output", breakeven_summary(data)),
            Raw("Runs, as stored (one row per evaluation, replication and design)", frame=stored.experiment.runs),
        ],
    )
