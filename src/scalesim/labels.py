"""One vocabulary for every output: what a field is called for a person, its unit and how it is written.

The model's names (``retention``, ``erosion_not_adopted``, ``side_channel``) are for code and files; a board reads
"value kept", "outputs not followed", "on a dashboard". Text tables, the narrative, the report, figures, the
workbook and the app take labels, units and formats from here, so a figure is called the same everywhere and a
share is never printed as ``0.01121``. Plain data and a few formatters: no imports from the rest of the package.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """A field as a person reads it: ``text`` (lower case, to start or continue a sentence), its ``unit`` and the
    ``kind`` of number it is (how it is formatted), and a one-line ``hint`` for a glossary or a tooltip."""

    text: str
    unit: str  # "currency", "share", "days", "day", "cases", "" (a plain number)
    kind: str  # "money", "money_per_case", "percent", "days", "day", "count", "number"
    hint: str = ""


NEVER = "never while live"
"""A moment (payback, time to value) that did not come between go-live and the horizon."""
NOT_APPLICABLE = "not applicable"
"""A moment of today's process, which adds nothing and costs nothing."""

CAUSES: dict[str, Label] = {
    "not_routed": Label(
        "cases not yet rolled out to", "currency", "money_per_case", "the roll-out had not reached them"
    ),
    "no_score": Label("missing inputs", "currency", "money_per_case", "the model could not score the case"),
    "exception": Label("cases out of scope", "currency", "money_per_case", "edge cases handled the old way"),
    "orphaned": Label("output nobody picked up", "currency", "money_per_case", "published, never acted on"),
    "lost_in_handoff": Label("cases lost between teams", "currency", "money_per_case", "dropped in a handoff"),
    "rejected": Label("right output blocked by an approval", "currency", "money_per_case", "a false alarm"),
    "caught": Label("wrong output stopped by an approval", "currency", "money_per_case", "value the pilot had, lost"),
    "not_adopted": Label("output not followed", "currency", "money_per_case", "the acting team did not act on it"),
    "wrong_action": Label("wrong output acted on", "currency", "money_per_case", "the cost of a wrong action"),
    "reverted": Label("the return to the old way", "currency", "money_per_case", "the organisation reverted"),
    "not_scaled": Label("not scaled (today's process)", "currency", "money_per_case", "the model is not used"),
    "delay": Label("value lost to delay", "currency", "money_per_case", "slower decisions are worth less"),
    "unfinished": Label(
        "cases unfinished at the end", "currency", "money_per_case", "still in the queue when the run ended"
    ),
}
"""Erosion by cause: what happened to the case in production, in words."""

FIELDS: dict[str, Label] = {
    "pilot_value_per_case": Label("pilot value per case", "currency", "money_per_case", "what the pilot realized"),
    "production_value_per_case": Label(
        "production value per case", "currency", "money_per_case", "what production realized on the same cases"
    ),
    "retention": Label("value kept", "share", "percent", "production value as a share of the pilot's, same cases"),
    "pilot_value_per_year": Label("pilot value a year", "currency", "money", "the pilot's value at full volume"),
    "production_value_per_year": Label("production value a year", "currency", "money", "every case counted"),
    "costs_per_year": Label("costs a year", "currency", "money", "what the design adds to today's operation"),
    "net_value_per_year": Label("net value a year", "currency", "money", "production value less the design's costs"),
    "prevented_loss_per_year": Label(
        "prevented loss a year (not in value)", "currency", "money", "what the wrong actions stopped would cost"
    ),
    "npv": Label("net present value", "currency", "money", "value less costs over the run, discounted to the decision"),
    "net_value_run": Label("net value over the run", "currency", "money", "undiscounted"),
    "payback_day": Label("payback", "day", "day", "days after go-live until cumulative net value is not negative"),
    "time_to_value_days": Label(
        "covers its running costs from",
        "day",
        "day",
        "days after go-live until a month's value covers that month's running costs (the build is not counted: "
        "a design can cover its running costs and still never pay back)",
    ),
    "lead_time_mean": Label("lead time, mean", "days", "days", "arrival to the decision"),
    "lead_time_p90": Label("lead time, 90th percentile", "days", "days", "nine in ten cases are decided sooner"),
    "cases": Label("cases", "cases", "count"),
    **{f"erosion_{cause}": label for cause, label in CAUSES.items()},
}
"""Every figure of a run's table (``summary.csv``), and of an experiment's (each with a mean and an interval)."""

COSTS: dict[str, str] = {
    "one_off_per_year": "build and change management, spread over the amortisation years",
    "recurring_per_year": "recurring costs (licences, hosting, support)",
    "new_teams_per_year": "staff of the new teams it creates",
    "added_staff_per_year": "staff it adds to existing teams",
    "monitoring_per_year": "monitoring",
}
"""What a design adds to today's costs, item by item."""

VERDICTS: dict[str, str] = {
    "scaled": "scales",
    "eroded": "keeps less than half of the pilot's value",
    "stalled": "stalls",
    "undefined": "has no retention to judge (the pilot's own value is not above zero)",
    "not_scaled": "is today's process",
}
VERDICT_MARKS: dict[str, tuple[str, str]] = {
    "scaled": ("✓", "#1b7837"),
    "eroded": ("◐", "#b35806"),
    "stalled": ("✕", "#b2182b"),
    "undefined": ("?", "#555555"),
    "not_scaled": ("–", "#555555"),
}
"""Each verdict's mark and colour, so that on a projector "stalled" and "scaled" do not look alike."""
REASONS: dict[str, str] = {
    "reverted": "people stopped following the outputs and the organisation went back to the old way",
    "backlog": "a queue grows without bound",
    "trust_collapse": "trust in the outputs collapsed",
    "drift": "the model's accuracy drifted and was not restored",
}
"""Why a run stalled, in words."""
REASONS_SHORT: dict[str, str] = {
    "reverted": "went back to the old way",
    "backlog": "a queue grows without bound",
    "trust_collapse": "trust collapsed",
    "drift": "accuracy drifted",
}
"""Why a run stalled, in a table cell's few words."""

OPTIONS: dict[str, dict[str, str]] = {
    "integration_point": {"embedded": "in the acting team's own queue", "side_channel": "on a dashboard"},
    "process_owner": {"with": "a named process owner", "without": "no process owner"},
    "approval": {
        "none": "no approval",
        "all": "every output approved",
        "risk_based": "approval of valuable or uncertain cases",
        "committee": "approval at a committee meeting",
    },
    "exception_handling": {"defined": "a triage team for exceptions", "ad_hoc": "exceptions handled ad hoc"},
    "monitoring": {"with": "accuracy monitored", "without": "nobody watching accuracy"},
    "accountability": {"with": "an owner accountable for errors", "without": "nobody accountable for errors"},
    "human_review": {"with": "people review uncertain outputs", "without": "no human review"},
    "go_live": {"with": "training and a learning period", "without": "no go-live support"},
}
"""Lever options in plain words (the app's choices, the plan, the narrative)."""
OPTIONS_SHORT: dict[str, dict[str, str]] = {
    "integration_point": {"embedded": "in the queue", "side_channel": "dashboard"},
    "approval": {"none": "none", "all": "every output", "risk_based": "risk-based", "committee": "committee"},
    "exception_handling": {"defined": "triage team", "ad_hoc": "ad hoc"},
}
"""Lever options in a table cell's few words (the workshop board); other levers read "with" / "without"."""
LEVERS: dict[str, str] = {
    "integration_point": "where the output enters the work",
    "process_owner": "who owns acting on it",
    "approval": "approvals",
    "exception_handling": "how exceptions are handled",
    "monitoring": "monitoring",
    "accountability": "accountability for errors",
    "human_review": "human in the loop",
    "go_live": "go-live",
    "added_staff": "added staff",
}


def remedy(cause: str, levers: Mapping[str, object]) -> str:
    """The change that addresses ``cause`` for a design with these ``levers`` (a lever it already pulls is not
    suggested again)."""
    if cause == "not_adopted":
        if not levers.get("process_owner", True):
            return "name a process owner for acting on the output"
        if not levers.get("accountability", False):
            return (
                "besides the process owner it has, make someone accountable for the outputs' errors "
                "(an accountability block), so each error costs less trust"
            )
        return "win trust back with fewer visible errors (a more accurate model, or people reviewing uncertain outputs)"
    if cause == "orphaned" and levers.get("integration_point") == "side_channel":
        return REMEDIES["orphaned"]
    if cause == "exception" and levers.get("exception_handling") == "defined":
        return "take fewer cases out of scope: widen what the model covers"
    if cause == "reverted" and levers.get("accountability") and levers.get("monitoring"):
        return "keep people following the outputs with fewer visible errors and a slower roll-out they can absorb"
    return REMEDIES[cause]


def pulls_remedy(cause: str, levers: Mapping[str, object], other: Mapping[str, object]) -> bool:
    """Whether a design with ``other`` levers already pulls the lever :func:`remedy` suggests for ``cause`` to a
    design with ``levers`` (then the suggestion cannot be the answer where that design did worse)."""
    if cause == "not_adopted":
        if not levers.get("process_owner", True):
            return bool(other.get("process_owner"))
        return not levers.get("accountability", False) and bool(other.get("accountability"))
    if cause == "orphaned" and levers.get("integration_point") == "side_channel":
        return other.get("integration_point") != "side_channel"
    if cause == "exception" and levers.get("exception_handling") != "defined":
        return other.get("exception_handling") == "defined"
    if cause == "reverted" and not (levers.get("accountability") and levers.get("monitoring")):
        return bool(other.get("process_owner") and other.get("accountability") and other.get("monitoring"))
    return False


REMEDIES: dict[str, str] = {
    "not_routed": "roll the model out faster",
    "no_score": "repair missing inputs (a triage team that can recover them)",
    "exception": "give exceptions a defined path, with a team of their own",
    "orphaned": "put the output in the acting team's own queue instead of on a dashboard",
    "lost_in_handoff": "remove a handoff, or make it hand the case on for sure",
    "rejected": "approve fewer cases, or approve them better (only valuable or uncertain ones)",
    "caught": "raise the model's field accuracy, so approvals have less to stop",
    "not_adopted": "name an owner for acting on the output, and make someone accountable for its errors",
    "wrong_action": "raise field accuracy, or route uncertain outputs to people",
    "reverted": "keep people following the outputs with an accountable owner, monitoring and fewer visible errors",
    "delay": "shorten queues and handoffs, so decisions come while they are still worth it",
    "unfinished": "add staff where the queue grows",
}
"""The lever that addresses each cause of lost value (the narrative's "one change that matters most")."""
TODAY_NAME = "today's process (do not scale)"


def label(field: str) -> Label:
    """The label of a field of a run's or an experiment's table; a field without one is named as it is."""
    return FIELDS.get(field, Label(field.replace("_", " "), "", "number"))


def money(x: float | None, currency: str = "", signed: bool = False) -> str:
    """``1,234,567 EUR``; ``-`` when there is none."""
    if x is None or not math.isfinite(x):
        return "-"
    text = f"{x:+,.0f}" if signed else f"{x:,.0f}"
    return f"{text} {currency}".rstrip()


def number(x: float) -> str:
    """A plain number: ``833,860`` from a thousand up, four significant digits below (``33.19``, ``0.8``)."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def short_money(x: float, currency: str = "") -> str:
    """``12k``, ``1.2M``: for sentences."""
    size = abs(x)
    text = f"{x / 1e6:.1f}M" if size >= 1e6 else f"{x / 1e3:.0f}k" if size >= 1e4 else f"{x:,.0f}"
    return f"{text} {currency}".rstrip()


def percent(x: float | None, digits: int = 0) -> str:
    """``49%``; ``undefined`` when there is none (retention of a pilot that lost money)."""
    if x is None or not math.isfinite(x):
        return "undefined"
    return f"{100 * x:.{digits}f}%"


def formatted(field: str, value: float | None, currency: str = "") -> str:
    """A field's value as a person reads it, with its unit."""
    kind = label(field).kind
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NEVER if kind == "day" else "-"
    if kind == "money":
        return money(value, currency)
    if kind == "money_per_case":
        return f"{value:,.2f} {currency}".rstrip()
    if kind == "percent":
        return percent(value, 1)
    if kind == "day":
        return f"day {value:,.0f}"
    if kind == "days":
        return f"{value:,.1f} days"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.4g}"


PATH_WORDS: dict[str, str] = {
    "production.accuracy": "model accuracy in production",
    "production.hard_case_accuracy": "model accuracy on hard cases in production",
    "production.data_quality": "data quality",
    "production.exception_rate": "exception rate",
    "production.adoption.with_owner": "adoption with an owner",
    "production.adoption.without_owner": "adoption without an owner",
    "workload.arrival_rate": "cases a day",
    "value.uplift.mean": "mean value the model adds to a case",
    "value.wrong_action_cost_share": "cost of a wrong action (share of the case's value)",
    "run.horizon_days": "days of the run",
    "production.dynamics.trust.fall_per_day": "how fast trust falls after errors",
    "production.dynamics.trust.recovery_per_day": "how fast trust recovers after successes",
    "production.dynamics.visibility.errors": "share of errors people get to see",
    "production.dynamics.drift.per_year": "accuracy lost to drift a year",
    "production.dynamics.reversion.commitment_threshold": "adoption below which the organisation goes back",
    "value.decay.days": "days over which a decision loses its value",
}
"""Field paths a person may sweep, in words; others are worded by :func:`field_words`."""
DESIGN_WORDS: dict[str, str] = {
    "costs.one_off": "build cost (one-off)",
    "costs.recurring_per_year": "recurring costs a year",
    "costs.change_management": "change management cost",
    "costs.build_days": "days of building",
    "approval.threshold": "value above which a case needs approval",
    "approval.share": "share of cases approved",
    "approval.rejection_rate": "share of right outputs an approval blocks",
    "approval.catch_rate": "share of wrong outputs an approval stops",
    "monitoring.every_days": "days between monitoring checks",
    "monitoring.cost_per_year": "monitoring cost a year",
    "side_channel.pickup_probability": "share of dashboard outputs someone picks up",
}
"""A design's fields in words (``designs.X.costs.one_off`` -> ``X's build cost (one-off)``)."""


def field_words(path: str) -> str:
    """A field path as words: ``production.teams.adjusters.staff`` -> ``staff of adjusters``."""
    if path in PATH_WORDS:
        return PATH_WORDS[path]
    parts = path.split(".")
    if len(parts) == 4 and parts[1] == "teams":
        return f"{parts[3].replace('_', ' ')} of {parts[2].replace('_', ' ')}"
    if parts[0] == "designs" and len(parts) >= 3:
        rest = ".".join(parts[2:])
        words = DESIGN_WORDS.get(rest, " ".join(p.replace("_", " ") for p in parts[2:]))
        return f"{parts[1]}'s {words}"
    return " ".join(p.replace("_", " ") for p in parts[-2:])
