"""The tables a person reads — in the report and the workbook — with labelled columns and typed cells.

A :class:`Table` keeps numbers as numbers, each column with the kind of number it holds (money, a share, days):
the report writes them as text in people's formats (:func:`cell_text`), the workbook as numbers with a number
format, so a finance team can sum a column. Labels come from :mod:`scalesim.labels`; a figure that was never
reached (payback while live) or is undefined (retention of a pilot that lost money) is ``None`` and says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scalesim.labels import CAUSES, COSTS, NEVER, NOT_APPLICABLE, REASONS, VERDICTS, number, percent
from scalesim.ops.ledger import EROSION_CAUSES
from scalesim.ops.route import acting_team as route_acting_team
from scalesim.ops.route import describe, route_of
from scalesim.ops.summary import DesignSummary, RunSummary
from scalesim.scenario.provenance import Origin
from scalesim.scenario.schema import TODAY, Design, Scenario


@dataclass(frozen=True)
class Estimate:
    """A mean with the half-width of its 95% confidence interval (an experiment's figure)."""

    mean: float | None
    half_width: float | None


Cell = float | int | str | None | Estimate


@dataclass(frozen=True)
class Column:
    text: str
    kind: str = "text"  # "text", "money", "money_per_case", "percent", "points", "day", "days", "count", "number"
    missing: str = "-"  # what an empty cell says (e.g. "never while live" for a payback day)
    signed: bool = False  # a difference: "+1,200"


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    note: str = ""
    currency: str = ""
    name: str = field(default="", compare=False)  # a short name (the workbook's sheet)
    row_kinds: list[str] | None = None  # a table whose rows are figures of different kinds (a portfolio's funnel)

    def column(self, row: int, index: int) -> Column:
        """The column a cell is formatted by: its own, or its row's kind in a table of mixed rows."""
        column = self.columns[index]
        if self.row_kinds is None or column.kind == "text":
            return column
        return Column(column.text, self.row_kinds[row], column.missing, column.signed)


MONEY_KINDS = ("money", "money_per_case")


def header_text(column: Column, currency: str) -> str:
    """A column's header, with the currency of a money column (its cells are plain numbers)."""
    return f"{column.text} ({currency})" if currency and column.kind in MONEY_KINDS else column.text


def cell_text(value: Cell, column: Column, currency: str) -> str:
    """A cell as a person reads it: separators, a unit where the column's header does not give it."""
    main, spread = cell_parts(value, column, currency)
    return f"{main} {spread}" if spread else main


def cell_parts(value: Cell, column: Column, currency: str) -> tuple[str, str]:
    """A cell's figure and, for an estimate, its ``± half-width`` apart (the report sets it on a line below)."""
    if isinstance(value, Estimate):
        if value.mean is None or not math.isfinite(value.mean):
            return column.missing, ""
        hw = value.half_width
        spread = "" if hw is None or not math.isfinite(hw) else f"± {_plain(hw, column, currency, spread=True)}"
        return _plain(value.mean, column, currency), spread
    return _single(value, column, currency), ""


def _single(value: float | int | str | None, column: Column, currency: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return column.missing
    if isinstance(value, str):
        return value
    return _plain(float(value), column, currency)


def _plain(x: float, column: Column, currency: str, spread: bool = False) -> str:
    """A number in its column's format; ``spread`` for a half-width (no sign, no currency). A value that rounds
    to zero is written without a sign (never ``-0.00``)."""
    text = _formatted(x, column, spread)
    return text[1:] if text.startswith("-") and not any(ch in "123456789" for ch in text) else text


def _formatted(x: float, column: Column, spread: bool) -> str:
    sign = "+" if column.signed and not spread else ""
    kind = column.kind
    if kind == "money":
        return f"{x:{sign},.0f}"
    if kind == "money_per_case":
        return f"{x:{sign},.2f}"
    if kind == "percent":
        return f"{100 * x:.1f} points" if spread else percent(x, 1)
    if kind == "points":
        return f"{100 * x:{sign}.1f}"
    if kind == "day":
        return f"{x:,.0f}"
    if kind == "days":
        return f"{x:{sign},.1f}"
    if kind == "count":
        return f"{x:,.0f}"
    return ("+" if sign and x > 0 else "") + number(x)


def every(days: float) -> str:
    """``every day``, ``every 7 days``."""
    return "every day" if days == 1 else f"every {days:g} days"


def possessive(team: str) -> str:
    """``adjusters`` -> ``adjusters'``; ``triage`` -> ``triage's``."""
    name = team.replace("_", " ")
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def acting_team(scenario: Scenario, design: Design) -> str:
    """The team at the end of the design's route: the one that acts on the output."""
    return route_acting_team(route_of(scenario.production, design))


def design_in_words(scenario: Scenario, name: str) -> list[str]:
    """How a design is built, lever by lever, in a board's words (its team names included)."""
    if name == TODAY:
        return ["the model is not used; nothing is added to today's operation"]
    design = scenario.designs[name]
    acting = acting_team(scenario, design)
    words = []
    if design.integration_point == "embedded":
        words.append(f"the output goes into the {possessive(acting)} own queue")
    else:
        channel = design.side_channel
        assert channel is not None  # a side channel is validated to have its cadence
        words.append(
            f"the output is published on a dashboard {every(channel.every_days)}; the {acting.replace('_', ' ')} "
            f"pick up {channel.pickup_probability:.0%} of it"
        )
    words.append("a named process owner acts on it" if design.process_owner else "nobody owns acting on it")
    approval = design.approval
    approvers = (approval.team or "approvers").replace("_", " ")
    words.append(
        {
            "none": "no approval",
            "all": f"the {approvers} approve every output",
            "risk_based": f"the {approvers} approve valuable or uncertain cases",
            "committee": "a committee approves at its meetings"
            + (f" {every(approval.committee.every_days)}" if approval.committee else ""),
        }[approval.policy]
    )
    words.append(
        "exceptions have a defined path and team"
        if design.exception_handling.mode == "defined"
        else "exceptions are handled ad hoc"
    )
    if design.monitoring is not None:
        words.append(f"accuracy is checked {every(design.monitoring.every_days)}; the model is retrained if it fell")
    else:
        words.append("nobody watches accuracy")
    if design.accountability is not None:
        words.append("an owner is accountable for the outputs' errors")
    if design.human_review is not None:
        words.append("people review uncertain outputs")
    if design.go_live is not None:
        words.append("training and a learning period at go-live")
    for team, staff in design.added_staff.items():
        words.append(f"{staff} more staff in {team.replace('_', ' ')}")
    if design.handoffs:
        words.append("route: " + " → ".join(h.team.replace("_", " ") for h in design.handoffs))
    if design.process is not None:
        words.append("route: " + describe(design.process).replace("_", " "))
    return words


def designs_table(scenario: Scenario, names: list[str]) -> Table:
    """What each design is: its description and its levers in words."""
    rows: list[list[Cell]] = []
    for name in names:
        description = scenario.designs[name].description if name in scenario.designs else ""
        rows.append([name, description, "; ".join(design_in_words(scenario, name))])
    return Table(
        "What each design is",
        [Column("design"), Column("description"), Column("how it is built")],
        rows,
        name="Designs",
    )


# ------------------------------------------------------------------------------------------------ one run


def verdict_words(stall: Mapping[str, Any]) -> str:
    """The verdict of a design, in words: stalls name their day and cause."""
    if stall["verdict"] == "stalled":
        reason = REASONS.get(str(stall["reason"]), str(stall["reason"]))
        where = f" at {stall['team']}" if stall.get("team") else ""
        return f"stalls on day {stall['day']:,.0f}{where}: {reason}"
    return VERDICTS.get(stall["verdict"], stall["verdict"])


def _payback(d: DesignSummary) -> Cell:
    m = d["money"]
    if not m["moments_apply"]:
        return NOT_APPLICABLE
    if not m["spends"]:
        return "nothing to pay back"
    return m["payback_day"]


BOARD = (
    Column("value kept", "percent", "undefined"),
    Column("production value a year", "money"),
    Column("costs a year", "money"),
    Column("net value a year", "money"),
    Column("net present value over the run", "money"),
    Column("pays back (days after go-live)", "day", NEVER),
    Column("verdict"),
)


def run_board(summary: RunSummary) -> Table:
    """The first page's table: per design, what survives, what it costs, whether and when it pays."""
    rows: list[list[Cell]] = []
    for name, d in summary["designs"].items():
        rows.append(
            [
                name,
                d["retention"],
                d["production"]["value_per_year"],
                d["costs"]["annualised_total"],
                d["net_value_per_year"],
                d["money"]["npv"],
                _payback(d),
                verdict_words(d["stall"]) + ("" if d["stall"]["pays"] is None else _pays_words(d["stall"]["pays"])),
            ]
        )
    return Table(
        "Per design",
        [Column("design"), *BOARD],
        rows,
        currency=summary["currency"],
        note=f"money in {summary['currency']}" + _year_note(summary["horizon_days"], summary["warmup_days"]),
        name="Summary",
    )


def _year_note(horizon: float, warmup: float) -> str:
    counted = horizon - warmup
    return "" if counted == 365 else f"; a year is the run's {counted:g} counted days scaled to 365"


def _pays_words(pays: bool) -> str:
    return "; pays" if pays else "; does not pay"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def run_erosion(summary: RunSummary) -> Table:
    """Where the pilot's value goes, per case: pilot value, each cause that moved it, production value."""
    designs = [(n, d) for n, d in summary["designs"].items() if not d["today"]]
    causes = [c for c in EROSION_CAUSES if any(abs(d["erosion"][c]) > 1e-12 for _, d in designs)]
    rows: list[list[Cell]] = [["pilot value per case", *(d["pilot"]["value_per_case"] for _, d in designs)]]
    rows += [[CAUSES[c].text, *(d["erosion"][c] for _, d in designs)] for c in causes]
    rows.append(["production value per case", *(d["production"]["value_per_case"] for _, d in designs)])
    return Table(
        "Where the pilot's value goes, per case",
        [Column(""), *(Column(n, "money_per_case") for n, _ in designs)],
        rows,
        currency=summary["currency"],
        note=(
            f"{summary['currency']} a case, on the same cases in pilot and production; a cause's row is what it took "
            "from the pilot's value (+ lost) or gave back (- kept), as the erosion of the text output: the pilot's "
            "value minus every row is production's"
        ),
        name="Erosion",
    )


def run_costs(summary: RunSummary) -> Table:
    """What each design adds to today's costs a year, item by item."""
    designs = [(n, d) for n, d in summary["designs"].items() if not d["today"]]
    rows: list[list[Cell]] = [[COSTS[item], *(d["costs"][item] for _, d in designs)] for item in COSTS]  # type: ignore[literal-required]
    rows.append(["total a year", *(d["costs"]["annualised_total"] for _, d in designs)])
    rows.append(["one-off (build and change management), once", *(d["costs"]["one_off"] for _, d in designs)])
    return Table(
        "What each design adds to today's costs",
        [Column(""), *(Column(n, "money") for n, _ in designs)],
        rows,
        currency=summary["currency"],
        note=f"{summary['currency']} a year; staff who work today are not charged (they cost the same either way)",
        name="Costs",
    )


def run_loads(summary: RunSummary) -> Table:
    """Each team's expected load and measured utilisation, pilot and each design."""
    rows: list[list[Cell]] = [
        ["pilot", team, load["staff"], load["offered_load"], None, None, "no"]
        for team, load in summary["pilot_capacity"].items()
    ]
    for name, d in summary["designs"].items():
        rows += [
            [
                name,
                team,
                load["staff"],
                load["offered_load"],
                load["utilisation"],
                None if load["utilisation"] is None else round(load["utilisation"] * load["staff"], 1),
                _yes(load["overloaded"]),
            ]
            for team, load in d["capacity"].items()
        ]
    return Table(
        "How busy each team is",
        [
            Column("environment"),
            Column("team"),
            Column("staff", "count"),
            Column("offered load", "percent"),
            Column("measured utilisation", "percent"),
            Column("staff time used (FTE)", "number"),
            Column("overloaded (queue grows without bound)"),
        ],
        rows,
        note=(
            "offered load: the work a team is given as a share of its staff's time (100% or more: overloaded); "
            "staff time used: measured utilisation x staff, the full-time equivalents the design's cases keep busy "
            "(today's process is not simulated: not time saved against it)"
        ),
        name="Teams",
    )


# ------------------------------------------------------------------------------------------------ experiments


def _estimate(stat: Mapping[str, Any]) -> Estimate:
    mean = stat.get("mean")
    return Estimate(None if mean is None or mean != mean else float(mean), stat.get("half_width"))


def experiment_board(data: dict[str, Any]) -> Table:
    """The first page's table of replications or a comparison: each figure's mean ± its 95% half-width."""
    n = data["replications"]
    rows: list[list[Cell]] = []
    for name, d in data["designs"].items():
        today = d["stall_verdicts"].get("not_scaled") == 1.0
        verdicts = ", ".join(
            f"{VERDICTS.get(v, v)} in {round(s * n)} of {n}" for v, s in d["stall_verdicts"].items() if s > 0
        )
        pays = d["pays_share"]
        paying = "" if pays is None else f"; pays in {round(pays * n)} of {n}"
        rows.append(
            [
                name,
                _estimate(d["retention"]),
                _estimate(d["production_value_per_year"]),
                _estimate(d["costs_per_year"]),
                _estimate(d["net_value_per_year"]),
                _estimate(d["npv"]),
                NOT_APPLICABLE if today else _estimate(d["payback_day"]),
                "today's process (do not scale)" if today else verdicts + paying,
            ]
        )
    return Table(
        "Per design",
        [Column("design"), *BOARD],
        rows,
        currency=data["currency"],
        note=(
            f"mean ± half-width of the 95% confidence interval over {n} replications on common random numbers; "
            f"money in {data['currency']}"
        ),
        name="Summary",
    )


def experiment_erosion(data: dict[str, Any]) -> Table:
    """Where the value goes, per case, with intervals (an experiment's mean over replications)."""
    designs = [(n, d) for n, d in data["designs"].items() if d["stall_verdicts"].get("not_scaled") != 1.0]
    causes = [c for c in EROSION_CAUSES if any(abs(d[f"erosion_{c}"]["mean"] or 0.0) > 1e-12 for _, d in designs)]
    rows: list[list[Cell]] = [["pilot value per case", *(_estimate(d["pilot_value_per_case"]) for _, d in designs)]]
    for c in causes:
        rows.append([CAUSES[c].text, *(_estimate(d[f"erosion_{c}"]) for _, d in designs)])
    rows.append(["production value per case", *(_estimate(d["production_value_per_case"]) for _, d in designs)])
    return Table(
        "Where the pilot's value goes, per case",
        [Column(""), *(Column(n, "money_per_case") for n, _ in designs)],
        rows,
        currency=data["currency"],
        note=(
            f"{data['currency']} a case, mean ± 95% half-width; a cause's row is what it took from the pilot's value "
            "(+ lost) or gave back (- kept), as in the text output"
        ),
        name="Erosion",
    )


COMPARED_WORDS = {
    "retention": Column("value kept (points)", "points", signed=True),
    "production_value_per_case": Column("production value per case", "money_per_case", signed=True),
    "net_value_per_year": Column("net value a year", "money", signed=True),
    "npv": Column("net present value", "money", signed=True),
    "lead_time_mean": Column("lead time, mean (days)", "days", signed=True),
}


def comparisons_table(data: dict[str, Any]) -> Table:
    """Paired differences against the baseline: one row per design, one column per compared figure."""
    comparisons = data["comparisons"]
    metrics = [m for m in dict.fromkeys(c["metric"] for c in comparisons) if m in COMPARED_WORDS]
    baseline = comparisons[0]["baseline"]
    if baseline == TODAY:  # today's process decides no case through the model: no lead time to compare
        metrics = [m for m in metrics if m != "lead_time_mean"]
    rows: list[list[Cell]] = []
    for design in dict.fromkeys(c["design"] for c in comparisons):
        found = {c["metric"]: c for c in comparisons if c["design"] == design}
        rows.append([design, *(Estimate(found[m]["mean"], found[m]["half_width"]) for m in metrics)])
    return Table(
        f"Difference against {baseline}",
        [Column("design"), *(COMPARED_WORDS[m] for m in metrics)],
        rows,
        currency=data["currency"],
        note="paired on the same cases and draws (common random numbers); ± the 95% half-width",
        name="Differences",
    )


ORIGIN_WORDS = {
    "measured": "measured by the pilot: its posterior mean",
    "set": "set for this run",
    "edited": "not the pilot's value: edited in the file after the update",
    "assumption": "an assumption: not measured yet",
}


def origins_table(found: list[Origin]) -> Table:
    """Each uncertain input with the value the run used, where it came from, and the pilot behind it."""
    rows: list[list[Cell]] = [
        [
            o.label,
            o.value,
            ORIGIN_WORDS[o.kind],
            f"{o.pilots}, {o.cases:,} cases" if o.evidence else "",
            o.measured_mean,
        ]
        for o in found
    ]
    return Table(
        "Where the uncertain numbers come from",
        [
            Column("input"),
            Column("value used", "number"),
            Column("where it comes from"),
            Column("pilot data"),
            Column("pilot's posterior mean", "number"),
        ],
        rows,
        note="scalesim update sets a measured input to its posterior's mean; the others are the scenario's "
        "assumptions (their beliefs say how unsure they are)",
        name="Evidence",
    )
