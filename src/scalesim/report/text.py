"""Terminal tables: designs side by side, so the eye compares them row by row."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scalesim.evidence.distances import NAMES, WORDS
from scalesim.evidence.heldout import SPLITS, WINDOWS, HeldOut
from scalesim.evidence.pilot import CONFLICT_P
from scalesim.experiment.drivers import effect_words
from scalesim.labels import CAUSES, NEVER, NOT_APPLICABLE, REASONS_SHORT, field_words, number
from scalesim.ops.ledger import EROSION_CAUSES, EROSION_SIGNS
from scalesim.ops.summary import RunSummary
from scalesim.report.narrative import (
    experiment_lead,
    portfolio_narrative,
    run_lead,
    sensitivity_narrative,
    sweep_narrative,
)
from scalesim.scenario.provenance import Origin, has_evidence
from scalesim.scenario.schema import TODAY

if TYPE_CHECKING:
    from scalesim.evidence.pilot import PilotUpdate

Row = tuple[str, list[str]]


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


NOTHING_TO_PAY_BACK = "nothing to pay back"
"""The payback of a design that spends nothing."""


def _day(x: float | None) -> str:
    """A day of the run, or "never while live" when the moment did not come (payback, time to value)."""
    return NEVER if x is None else f"{x:,.0f}"


def _pays(stall: dict[str, Any]) -> str:
    """Whether the design pays over the run, in a few words (the long form is ``stall['money']``)."""
    if stall.get("pays") is None:
        return NOT_APPLICABLE
    return "pays" if stall["pays"] else str(stall.get("money") or "does not pay").split(":")[0]


def _pct(x: float | None) -> str:
    return "undefined" if x is None or x != x else f"{100 * x:.1f}%"


VERDICT_WORDS = {"not_scaled": "today's process"}


def _verdict(stall: dict[str, Any]) -> str:
    if stall["verdict"] in VERDICT_WORDS:
        return VERDICT_WORDS[stall["verdict"]]
    if stall["verdict"] != "stalled":
        return str(stall["verdict"])
    where = f" at {stall['team']}" if stall.get("team") else ""
    reason = REASONS_SHORT.get(str(stall["reason"]), str(stall["reason"]))
    return f"stalls on day {stall['day']:.0f}{where}: {reason}"


NOISE = 1e-9
"""A half-width below this share of its mean is float rounding of equal values (ten equal costs summed in another
order), not a spread: shown as ± 0, not to twelve decimals."""


def decimals_for(half_width: float, default: int) -> int:
    """Enough decimals that a nonzero half-width shows at least one significant digit (never "± 0.00")."""
    if half_width > 0 and math.isfinite(half_width):
        return max(default, -math.floor(math.log10(half_width)))
    return default


def plus_minus(mean: float, half_width: float, default: int, sign: bool = False) -> str:
    """``mean ± half-width`` with the half-width's significant digit, and the mean to the same decimals."""
    if mean is None or not math.isfinite(mean):
        return "undefined"
    if half_width is None or not math.isfinite(half_width):
        return f"{mean:{'+' if sign else ''},.{default}f} ± n/a"
    if 0 < half_width <= NOISE * max(1.0, abs(mean)):  # the same in every replication, to float rounding
        half_width = 0.0
    digits = decimals_for(half_width, default)
    return f"{mean:{'+' if sign else ''},.{digits}f} ± {half_width:,.{digits}f}"


def render(head: str, names: list[str], rows: list[Row]) -> str:
    """A fixed-width table: a label column, then one right-aligned column per name."""
    label_w = max(len(label) for label, _ in rows)
    col_w = [max(len(n), *(len(cells[i]) for _, cells in rows)) for i, n in enumerate(names)]
    lines = [head, "", " " * label_w + "  " + "  ".join(n.rjust(w) for n, w in zip(names, col_w, strict=True))]
    for label, cells in rows:
        lines.append(label.ljust(label_w) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, col_w, strict=True)))
    return "\n".join(lines)


def _figure_rows(
    designs: list[dict[str, Any]], currency: str, get: Callable[[dict[str, Any], str], Any], fmt: Callable
) -> list[Row]:
    """The rows both tables share; ``get(design, metric)`` reads a figure, ``fmt(value, kind)`` formats it."""
    rows: list[Row] = [
        ("pilot value per case", [fmt(get(d, "pilot_value_per_case"), "num") for d in designs]),
        ("production value per case", [fmt(get(d, "production_value_per_case"), "num") for d in designs]),
        ("value kept (retention)", [fmt(get(d, "retention"), "pct") for d in designs]),
        ("verdict", [fmt(get(d, "verdict"), "verdict") for d in designs]),
        ("pays over the run", [fmt(get(d, "pays"), "pays") for d in designs]),
        ("erosion per case, by cause (+ lost, - kept):", ["" for _ in designs]),
    ]
    prevented = [get(d, "prevented_loss_per_year") for d in designs]
    for cause in EROSION_CAUSES:
        values = [get(d, f"erosion_{cause}") for d in designs]
        if any(abs(_center(v)) > 1e-12 for v in values):
            rows.append((f"  {CAUSES[cause].text}", [fmt(v, "num") for v in values]))
    rows += [
        (f"pilot value per year ({currency})", [fmt(get(d, "pilot_value_per_year"), "money") for d in designs]),
        (
            f"production value per year ({currency})",
            [fmt(get(d, "production_value_per_year"), "money") for d in designs],
        ),
        (f"costs per year ({currency})", [fmt(get(d, "costs_per_year"), "money") for d in designs]),
        *(
            (f"  {label}", [fmt(get(d, f"cost:{item}"), "money") for d in designs])
            for item, label in COST_ITEMS
            if any(_center(get(d, f"cost:{item}")) for d in designs)
        ),
        (f"net value per year ({currency})", [fmt(get(d, "net_value_per_year"), "money") for d in designs]),
        *(
            [(f"prevented loss per year, not in value ({currency})", [fmt(v, "money") for v in prevented])]
            if any(map(_center, prevented))
            else []
        ),
        (f"money over the run, from the build ({currency}):", ["" for _ in designs]),
        ("  net present value", [fmt(get(d, "npv"), "money") for d in designs]),
        ("  net value, undiscounted", [fmt(get(d, "net_value_run"), "money") for d in designs]),
        ("  payback (days after go-live)", [fmt(get(d, "payback_day"), "day") for d in designs]),
        (
            "  covers running costs (days after go-live)",
            [fmt(get(d, "time_to_value_days"), "day") for d in designs],
        ),
        ("lead time mean (days)", [fmt(get(d, "lead_time_mean"), "days") for d in designs]),
        ("lead time p90 (days)", [fmt(get(d, "lead_time_p90"), "days") for d in designs]),
    ]
    return [r for r in rows if any(c != "" for c in r[1]) or r[0].endswith(":")]


COST_ITEMS = (
    ("one_off_per_year", "one-off, amortised"),
    ("recurring_per_year", "recurring"),
    ("new_teams_per_year", "staff of new teams"),
    ("added_staff_per_year", "added staff"),
    ("monitoring_per_year", "monitoring"),
)
"""What a design adds to today's operation, as the text tables break costs down."""


def _center(value: Any) -> float:
    if isinstance(value, dict):
        return value.get("mean") or 0.0
    return value if isinstance(value, int | float) else 0.0


def run_summary(summary: RunSummary) -> str:
    """One run: pilot vs production per design, the erosion by cause, costs, lead times and the verdict."""
    names = list(summary["designs"])
    flat = {
        "pilot_value_per_case": lambda d: d["pilot"]["value_per_case"],
        "production_value_per_case": lambda d: d["production"]["value_per_case"],
        "retention": lambda d: d["retention"],
        "verdict": lambda d: d["stall"],
        "pays": lambda d: d["stall"],
        "pilot_value_per_year": lambda d: d["pilot"]["value_per_year"],
        "production_value_per_year": lambda d: d["production"]["value_per_year"],
        "costs_per_year": lambda d: d["costs"]["annualised_total"],
        "net_value_per_year": lambda d: d["net_value_per_year"],
        "prevented_loss_per_year": lambda d: d["production"]["prevented_loss_per_year"],
        "npv": lambda d: d["money"]["npv"],
        "net_value_run": lambda d: d["money"]["net_value"],
        "payback_day": lambda d: (
            NOT_APPLICABLE
            if not d["money"]["moments_apply"]
            else d["money"]["payback_day"]
            if d["money"]["spends"]
            else NOTHING_TO_PAY_BACK
        ),
        "time_to_value_days": lambda d: (
            d["money"]["time_to_value_days"] if d["money"]["moments_apply"] else NOT_APPLICABLE
        ),
        "lead_time_mean": lambda d: d["lead_time"]["mean"],
        "lead_time_p90": lambda d: d["lead_time"]["p90"],
    }

    def get(d: dict[str, Any], metric: str) -> Any:
        if metric.startswith("erosion_"):
            return d["erosion"][metric.removeprefix("erosion_")]
        if metric.startswith("cost:"):
            return d["costs"][metric.removeprefix("cost:")]
        return flat[metric](d)

    def fmt(value: Any, kind: str) -> str:
        kinds: dict[str, Callable[[Any], str]] = {
            "num": _num,
            "pct": _pct,
            "money": _money,
            "days": lambda v: _num(v, 1),
            "day": lambda v: v if isinstance(v, str) else _day(v),
            "verdict": _verdict,
            "pays": _pays,
        }
        return kinds[kind](value)

    if summary["pilot_sample_share"] < 1:
        same = (
            f"the pilot worked a {summary['pilot_sample_share']:.0%} sample ({summary['pilot_cases']:,} cases); "
            "per-case figures compare pilot and production on that sample"
        )
    else:
        same = "same cases in pilot and production"
    head = (
        f"scenario {summary['scenario']} · seed {summary['seed']} · {summary['horizon_days']:g} days · "
        f"{summary['cases']:,} cases ({same})"
    )
    rows = _figure_rows([dict(d) for d in summary["designs"].values()], summary["currency"], get, fmt)
    rows += staff_time_rows(summary)
    notes = run_notes(summary)
    lead = wrapped(run_lead(summary))
    return lead + "\n\n" + render(head, names, rows) + "\n\n" + "\n".join(wrapped(note) for note in notes)


STAFF_TIME = "staff time the cases take (FTE, of staff)"
"""The row of a run's table that turns each team's measured utilisation into full-time equivalents."""


def staff_time_rows(summary: RunSummary) -> list[Row]:
    """Each team's measured utilisation x its staff: the full-time equivalents the design's cases keep busy
    (how operations budgets count), with the staff it has; a total first. Today's process is not simulated, so
    these are not hours saved against it."""
    designs = list(summary["designs"].values())
    teams = list(dict.fromkeys(team for d in designs for team in d["capacity"]))
    if not teams:
        return []

    def used(d: Any, team: str) -> float | None:
        load = d["capacity"].get(team)
        return None if load is None or load.get("utilisation") is None else load["utilisation"] * load["staff"]

    def cell(busy: float | None, staff: int) -> str:
        return "-" if busy is None else f"{busy:,.1f} of {staff:,}"

    totals = []
    for d in designs:
        found = [(used(d, t), d["capacity"][t]["staff"]) for t in teams if t in d["capacity"]]
        known = [(b, st) for b, st in found if b is not None]
        totals.append(cell(sum(b for b, _ in known), sum(st for _, st in known)) if known and not d["today"] else "-")
    rows: list[Row] = [(STAFF_TIME, totals)]
    for team in teams:
        rows.append(
            (
                f"  {team}",
                [
                    "-" if team not in d["capacity"] else cell(used(d, team), d["capacity"][team]["staff"])
                    for d in designs
                ],
            )
        )
    return rows


def wrapped(note: str, width: int = 118) -> str:
    """A note on lines of at most ``width`` characters, continued with an indent."""
    return textwrap.fill(note, width, subsequent_indent="  ", break_on_hyphens=False)


WHO = "\x00"
"""Where a note names the designs it holds for."""


def run_notes(summary: RunSummary, signs: bool = True) -> list[str]:
    """What a reader must know before trusting a figure: how erosion is signed (``signs``), what a positive
    ``caught`` means, undefined or >100 % retention, money that does not pay, overloaded teams, monitoring's false
    alarms. A note that holds for several designs is said once, naming them."""
    notes = (
        [
            f"erosion per case: {EROSION_SIGNS}; prevented loss is not part of any value",
            "staff time: each team's measured utilisation x its staff, in full-time equivalents; today's process is "
            "not simulated, so it is the time the design's cases take, not time saved against today",
        ]
        if signs
        else []
    )
    said: dict[str, list[str]] = {}
    for name, d in summary["designs"].items():
        found = []
        if d.get("retention_note"):
            found.append(f"note: {WHO} retention {d['retention_note']}")
        if d.get("erosion_note"):
            found.append(f"note: {WHO}: {d['erosion_note']}")
        if d["stall"].get("pays") is False:
            found.append(f"money: {WHO} {d['stall']['money']}")
        watch = d.get("monitoring")
        if watch:
            found.append(
                f"monitoring: {WHO}: {watch['checks']} checks, {watch['retrains']} retrains; with no drift a check "
                f"of about {watch['cases_per_check']:,.0f} cases raises a false alarm with probability "
                f"{watch['false_alarm_per_check']:.2g}"
            )
        for team in d.get("overloaded_teams", []):
            load = d["capacity"][team]
            found.append(
                f"overloaded: {WHO}, team {team}: offered load {load['offered_load']:.2f} "
                f"({load['work_hours_per_day']:,.1f} hours of work a day for {load['staff_hours_per_day']:,.1f} "
                f"hours of staff time; {load['staff']} staff) — its queue grows for as long as cases arrive"
            )
        for note in found:
            said.setdefault(note, []).append(name)
    return notes + [note.replace(WHO, " and ".join(names)) for note, names in said.items()]


def _ci(stat: dict[str, Any], kind: str) -> str:
    mean, hw = stat["mean"], stat["half_width"]
    undefined = stat.get("undefined", 0)
    never = stat.get("never", 0)
    if mean is None or mean != mean:
        return {"pct": "undefined", "day": NEVER}.get(kind, "-")
    if kind == "pct":
        text = plus_minus(100 * mean, 100 * hw, 1).replace(" ±", "% ±", 1)
    else:
        text = plus_minus(mean, hw, 0 if kind in ("money", "day") else 2)
    return text + (f" (undefined in {undefined})" if undefined else "") + (f" ({NEVER} in {never})" if never else "")


def _verdict_shares(shares: dict[str, float], n: int) -> str:
    parts = [f"{VERDICT_WORDS.get(v, v)} {round(s * n)}/{n}" for v, s in shares.items() if s > 0]
    return ", ".join(parts)


def design_stats_rows(designs: dict[str, Any], currency: str, n: int) -> list[Row]:
    """Rows of ``mean ± half-width`` for each design's statistics (from an experiment's ``to_dict``)."""

    def get(d: dict[str, Any], metric: str) -> Any:
        if metric == "verdict":
            return d["stall_verdicts"]
        if metric == "pays":
            share = d["pays_share"]
            return NOT_APPLICABLE if share is None else f"{round(share * n)}/{n} pay"
        if metric in ("payback_day", "time_to_value_days") and d["stall_verdicts"]["not_scaled"] == 1.0:
            return NOT_APPLICABLE
        if metric.startswith("cost:"):
            return ""
        return d[metric]

    def fmt(value: Any, kind: str) -> str:
        if isinstance(value, str):
            return value
        return _verdict_shares(value, n) if kind == "verdict" else _ci(value, kind)

    return _figure_rows(list(designs.values()), currency, get, fmt)


COMPARED_LABELS = {
    "retention": ("retention", "points"),
    "production_value_per_case": ("production value per case", ""),
    "net_value_per_year": ("net value per year", ""),
    "npv": ("net present value", ""),
    "lead_time_mean": ("lead time mean (days)", ""),
}


def experiment_summary(data: dict[str, Any]) -> str:
    """Replications or a comparison: ``mean ± half-width`` per design, then paired differences if any."""
    n = data["replications"]
    head = (
        f"{data['kind']} · scenario {data['scenario']} · {n} replications on common random numbers "
        f"(root seed {data['seed']}) · {data['confidence']:.0%} confidence intervals"
    )
    lead = wrapped(experiment_lead(data))
    text = (lead + "\n\n" if lead else "") + render(
        head, data["design_names"], design_stats_rows(data["designs"], data["currency"], n)
    )
    if data.get("precision"):
        p = data["precision"]
        verdict = "met" if p["met"] else f"not met within {p['max_replications']} replications"
        text += (
            f"\n\nprecision: half-width of {p['metric']} within {p['target']:.0%} of its mean: {verdict} "
            f"(worst {p['reached']:.1%}) with {n} replications"
        )
    if data.get("comparisons"):
        text += "\n\n" + comparison_lines(data["comparisons"])
    return text


UNDEFINED_BECAUSE = {
    "retention": "retention is undefined in some replications",
    "lead_time_mean": "no case reached a decision in some replications",
}


def comparison_lines(comparisons: list[dict[str, Any]]) -> str:
    baseline = comparisons[0]["baseline"]
    today = baseline == TODAY
    against = f"{TODAY} (today's process: do not scale)" if today else baseline
    lines = [f"paired differences against {against} (same replications, common random numbers):"]
    for c in comparisons:
        if today and c["metric"] == "lead_time_mean":  # today's process decides no case through the model
            continue
        label, unit = COMPARED_LABELS[c["metric"]]
        scale = 100 if unit == "points" else 1
        digits = 0 if c["metric"] in ("net_value_per_year", "npv") else (1 if unit == "points" else 2)
        mean, hw, un = c["mean"] * scale, c["half_width"] * scale, c["unpaired_half_width"] * scale
        if mean is None or not math.isfinite(mean):
            because = UNDEFINED_BECAUSE.get(c["metric"], "it is undefined in some replications")
            lines.append(f"  {c['design']:<14} {label:<26} undefined ({because})")
            continue
        shown = decimals_for(min(hw, un) if math.isfinite(un) else hw, digits)
        pairing = "" if today else f"   (independent seeds: ± {un:,.{shown}f}; {pairing_effect(c['narrowing'])})"
        lines.append(
            f"  {c['design']:<14} {label:<26} {plus_minus(mean, hw, shown, sign=True)} {unit}".rstrip() + pairing
        )
    return "\n".join(lines)


def pairing_effect(ratio: float) -> str:
    """What common random numbers did to the interval: narrowed it, widened it, or made it exact."""
    if not math.isfinite(ratio):
        return "the paired difference is the same in every replication"
    if ratio >= 1.05:
        return f"pairing narrowed it {ratio:.1f}x"
    if ratio <= 0.95:
        return f"pairing widened it {1 / ratio:.1f}x"
    return "pairing made little difference"


def sweep_summary(data: dict[str, Any]) -> str:
    """One line per grid point and design: key figures with their intervals."""
    n = data["replications"]
    params = list(data["grid"])
    header = [*params, "design", "retention", f"net value per year ({data['currency']})", "verdicts"]
    table = []
    for point in data["points"]:
        for design, stats in point["designs"].items():
            table.append(
                [
                    *(str(point["parameters"][p]) for p in params),
                    design,
                    _ci(stats["retention"], "pct"),
                    _ci(stats["net_value_per_year"], "money"),
                    _verdict_shares(stats["stall_verdicts"], n),
                ]
            )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    head = (
        f"sweep · scenario {data['scenario']} · {len(data['points'])} points x {len(data['design_names'])} designs x "
        f"{n} replications · {data['confidence']:.0%} confidence intervals"
    )
    lead = [wrapped(p) for p in sweep_narrative(data)]
    lines = [
        *lead,
        *([""] if lead else []),
        head,
        "",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    if data.get("point_differences"):
        lines += ["", *point_difference_lines(data)]
    return "\n".join(lines)


SWEEP_COMPARED = ("retention", "net_value_per_year", "npv")
"""The figures a sweep's paired differences between points show (every compared figure is in the JSON)."""


def point_difference_lines(data: dict[str, Any]) -> list[str]:
    """Each point minus the reference point, per design: what changing the parameter buys, paired."""

    def named(params: dict[str, Any]) -> str:
        return ", ".join(f"{path}={value}" for path, value in params.items())

    lines = [f"paired differences against {named(data['against'])} (same replications, common random numbers):"]
    rows = [d for d in data["point_differences"] if d["metric"] in SWEEP_COMPARED]
    width = max(len(named(d["parameters"])) for d in rows)
    design_width = max(len(d["design"]) for d in rows)
    for d in rows:
        label, unit = COMPARED_LABELS[d["metric"]]
        scale = 100 if unit == "points" else 1
        digits = 1 if unit == "points" else 0
        lines.append(
            f"  {named(d['parameters']):<{width}}  {d['design']:<{design_width}}  {label:<20} "
            f"{plus_minus(d['mean'] * scale, d['half_width'] * scale, digits, sign=True)} {unit}".rstrip()
        )
    return lines


PORTFOLIO_ROWS = (
    ("initiatives proposed", "proposed", "count"),
    ("pilots started", "started", "count"),
    ("demoed", "demoed", "count"),
    ("endorsed (funded)", "endorsed", "count"),
    ("reached production", "reached_production", "count"),
    ("delivering value after review", "delivering", "count"),
    ("retired: operation stalled, no relaunch", "retired", "count"),
    ("relaunched after a stall", "relaunched", "count"),
    ("kept running below the review's bar", "kept_at_low_value", "count"),
    ("lost their process owner", "owner_lost", "count"),
    ("still in production 1 year after go-live (KM)", "survival_1y", "pct"),
    ("still in production 2 years after go-live (KM)", "survival_2y", "pct"),
    ("still in production 3 years after go-live (KM)", "survival_3y", "pct"),
    ("explicit kills", "explicit_kills", "count"),
    ("quiet stalls (archived)", "quiet_stalls", "count"),
    ("late arrivals (over a year to production)", "late_arrivals", "count"),
    ("share of pilots reaching production", "share_reaching_production", "pct"),
    ("time to production, mean (days)", "time_to_production_mean", "days"),
    ("time to production, median (days)", "time_to_production_median", "days"),
    ("time to production, p90 (days)", "time_to_production_p90", "days"),
    ("spent on pilots never in production", "money_never_produced", "money"),
    ("value delivered per year", "value_per_year", "money"),
)


def _portfolio_cell(result: dict[str, Any], key: str, kind: str) -> str:
    """A figure of a portfolio with its interval; a survival no replication observed that long says so, and one
    only some replications observed says how many."""
    stat = result["figures"][key]
    if not key.startswith("survival_"):
        return _ci(stat, "money" if kind == "count" else kind)
    if stat["mean"] != stat["mean"]:
        return "not observed so long"
    seen = f" (in {stat['n']} of {result['replications']})" if stat["n"] < result["replications"] else ""
    return _ci(stat, kind) + seen


def drawn_operations_lines(results: list[dict[str, Any]]) -> list[str]:
    """How much a different draw of the operations would move each portfolio's survival (the intervals of the
    table hold the drawn operations fixed), one sentence per portfolio."""
    lines = []
    for r in results:
        errors = [r["figures"][f"survival_{k}y"].get("operations_half_width", math.nan) for k in (1, 2, 3)]
        if all(math.isnan(e) for e in errors):
            continue
        shown = " / ".join("n/a" if math.isnan(e) else f"±{100 * e:.1f}" for e in errors)
        lines.append(
            f"{r['scenario']}: another draw of its operations would move survival at 1 / 2 / 3 years by {shown} "
            "points (95%, grouped jackknife over the drawn operations; the intervals of the table hold them fixed). "
            "More operations.N.variants narrow it: doubling them, by about 1/sqrt(2)."
        )
    return lines


def portfolio_summary(results: list[dict[str, Any]], comparisons: list[dict[str, Any]] | None = None) -> str:
    """The funnel per portfolio scenario (columns), with intervals, and paired differences if compared."""
    first = results[0]
    head = (
        f"portfolio · {first['years']:g} years · {first['replications']} replications · "
        f"{first['confidence']:.0%} confidence intervals · money in {first['currency']}"
    )
    rows = [(label, [_portfolio_cell(r, key, kind) for r in results]) for label, key, kind in PORTFOLIO_ROWS]
    retention = "; ".join(
        f"{use_case} {d} {v:.0%} ({first['stalls_by_design'][use_case][d]:.0%} of its operations stalled)"
        for use_case, by in first["retention_by_design"].items()
        for d, v in by.items()
    )
    lead = "\n\n".join(wrapped(p) for p in portfolio_narrative(results, comparisons))
    text = (lead + "\n\n" if lead else "") + render(head, [r["scenario"] for r in results], rows)
    text += f"\n\nproduction retention by design, from the operations model: {retention}"
    text += "".join(f"\n{wrapped(line)}" for line in drawn_operations_lines(results))
    if comparisons:
        labels = {key: label for label, key, _ in PORTFOLIO_ROWS}
        width = max(len(label) for label in labels.values())
        lines = [
            f"\npaired differences, {comparisons[0]['scenario']} minus {comparisons[0]['baseline']} "
            "(same proposals and draws in each replication):"
        ]
        for c in comparisons:
            if c["figure"] in (
                "share_reaching_production",
                "time_to_production_mean",
                "delivering",
                "money_never_produced",
                "value_per_year",
                "quiet_stalls",
                "survival_1y",
                "survival_2y",
                "survival_3y",
            ):
                points = c["figure"] == "share_reaching_production" or c["figure"].startswith("survival_")
                scale, unit = (100, " points") if points else (1, "")
                drawn = c.get("operations_half_width")
                also = "" if drawn is None else f" (another draw of operations: ± {drawn * scale:,.1f})"
                shown = f"{c['mean'] * scale:+,.1f} ± {c['half_width'] * scale:,.1f}{unit}"
                lines.append(f"  {labels[c['figure']]:<{width}} {shown}{also}")
        text += "\n".join(lines)
    return text


def sensitivity_summary(data: dict[str, Any]) -> str:
    """The ranked table of a sensitivity analysis."""
    head = (
        f"{data['method']} sensitivity of {data['key']} ({data['design']}) · scenario {data['scenario']} · "
        f"{data['model_runs']} model runs"
    )
    table = data["table"]
    columns = [c for c in table[0] if c != "parameter"]
    width = max(len("parameter"), *(len(str(r["parameter"])) for r in table))

    def cell(value: Any) -> str:
        return f"{value:>14.4g}" if isinstance(value, int | float) else f"{value!s:>14}"

    lines = [*(wrapped(p) for p in sensitivity_narrative(data)), "", head, ""]
    lines.append("rank  " + "parameter".ljust(width) + "".join(f"{c:>14}" for c in columns))
    for rank, row in enumerate(table, 1):
        lines.append(f"{rank:>4}  " + str(row["parameter"]).ljust(width) + "".join(cell(row[c]) for c in columns))
    asked, ran = data.get("samples_asked"), data.get("samples_run")
    if asked and ran is not None and ran < asked:
        unit = "trajectories" if data["method"] == "morris" else "base samples"
        lines += [
            "",
            f"budget: {ran} of {asked} {unit} ran in the time given; the ranking is theirs (its *_conf columns are "
            "the 95% intervals: wider with fewer samples)",
        ]
    return "\n".join(lines)


def _span(spread: dict[str, Any], fmt: Callable[[float | None], str]) -> str:
    if spread["mean"] is None:
        return "-"
    return f"{fmt(spread['mean'])} ({fmt(spread['p5'])} to {fmt(spread['p95'])})"


def _design_name(name: str) -> str:
    """A design's column heading: today's process says what it is."""
    return "today (do not scale)" if name == TODAY else name


def decision_summary(data: dict[str, Any]) -> str:
    """The board sentence first, then each design across the worlds, the paired differences and what to measure."""
    cur, names = data["currency"], data["design_names"]
    words = {"npv": "NPV", "net_value_per_year": "net value / year", "net_value_run": "net value"}[data["metric"]]
    designs = data["designs"]

    def payback(d: dict[str, Any]) -> str:
        if d.get("today"):
            return NOT_APPLICABLE
        spread = d["payback_day"]
        never = f", {NEVER} in {d['payback_day']['never_share']:.0%}" if spread["missing"] else ""
        return f"day {_day(spread['mean'])}{never}" if spread["mean"] is not None else NEVER

    rows: list[Row] = [
        (f"{words} ({cur}), mean (5 to 95%)", [_span(designs[n]["net_value"], _money) for n in names]),
        (
            "retention, mean (5 to 95%)",
            [NOT_APPLICABLE if designs[n].get("today") else _span(designs[n]["retention"], _pct) for n in names],
        ),
        ("payback, mean day after go-live", [payback(designs[n]) for n in names]),
        ("probability best", [f"{designs[n]['probability_best']:.0%}" for n in names]),
        (f"expected loss if chosen ({cur})", [_money(designs[n]["expected_loss"]) for n in names]),
        (
            f"P({words} > {_money(data['threshold'])})",
            [f"{designs[n]['probability_above_threshold']:.0%}" for n in names],
        ),
    ]
    head = (
        f"decide · scenario {data['scenario']} · {data['worlds']} plausible worlds x {len(names)} designs · "
        f"{data['replications']} replication(s) each · {data['horizon_days']:g} days · seed {data['seed']}"
    )
    lines = [wrapped(data["headline"]), "", render(head, [_design_name(n) for n in names], rows), ""]
    emulation = data.get("emulation")
    if emulation:
        errors = ", ".join(
            f"{design} {_money(error)} {cur} (R² {emulation['r_squared'][design]:.2f})"
            for design, error in emulation["cv_error"].items()
        )
        sure = (
            f"every emulated world's best design leads the next by {emulation['z']:g} standard deviations or more"
            if not emulation["unsure_left"]
            else f"{emulation['unsure_left']} emulated world(s) are still unsure (the budget ran out)"
        )
        held = emulation.get("held_out_beyond_2sd") or {}
        widened = emulation.get("widening") or {}
        check = (
            "; held-out check (a quarter of the simulated worlds left out in turn): "
            + ", ".join(
                f"{design} {share:.0%} beyond 2 SD (4.6% expected), SDs widened {widened[design]:.1f}x"
                for design, share in held.items()
            )
            if held
            else ""
        )
        lines += [
            wrapped(
                f"simulated {data['simulated_worlds']} of {data['worlds']} worlds in full; the other "
                f"{emulation['emulated_worlds']} emulated (a Gaussian process per design; leave-one-out error "
                f"{errors}{check}); {sure}. Retention and payback are over the simulated worlds; --full simulates all."
            ),
            "",
        ]
    lines += held_fixed_lines(data.get("held_fixed") or {})
    refused = data.get("refused_worlds")
    if refused:
        lines += [
            wrapped(
                f"{refused['count']} drawn world(s) broke a rule of the scenario and were drawn again (first: "
                f"{refused['rule']}): the beliefs are read as conditional on the scenario's rules"
            ),
            "",
        ]
    if data.get("negative_retention"):
        lines += [
            wrapped(
                "retention below 0% means production lost money on the pilot's cases in those worlds: the wrong "
                "actions it took cost more than the value it realized",
                118,
            ),
            "",
        ]
    for diff in data["differences"]:
        lines.append(
            f"{diff['design']} - {diff['baseline']}: {words} {diff['mean']:+,.0f} {cur} on average "
            f"(5 to 95%: {diff['p5']:+,.0f} to {diff['p95']:+,.0f}); better in {diff['probability_better']:.0%} "
            "of worlds"
        )
    evpi_said = (
        with_error(data["evpi"], data["evpi_error"], cur) if "evpi_error" in data else f"{_money(data['evpi'])} {cur}"
    )
    lines += ["", wrapped(f"EVPI, the value of knowing every input before choosing: {evpi_said}")]
    target = data.get("precision")
    if target:
        share = f"{target['half_width'] / target['evpi']:.0%} of EVPI" if target["evpi"] else "0 (EVPI is 0)"
        verdict = "met" if target["met"] else f"not met: stopped by {target['why']}"
        lines.append(
            wrapped(
                f"precision: EVPI's 95% half-width is {share} at {target['worlds']} worlds (target "
                f"{target['target']:.0%} of EVPI): {verdict}"
            )
        )
    lines.append("What to measure before scaling (EVPPI, largest first; SE: its bootstrap standard error):")
    width = max(len(item["label"]) + 8 for item in data["evppi"])
    for rank, item in enumerate(data["evppi"], 1):
        name = item["label"] + (" (group)" if item["kind"] == "group" else "")
        error = item.get("error")
        se = (
            f"  SE {_money(error['se']):>9}" + ("  could be 0" if error["low"] <= 0 < item["evppi"] else "")
            if error
            else ""
        )
        lines.append(
            f"  {rank:>2}. {name:<{width}} {_money(item['evppi']):>12} {cur}  {item['share_of_evpi']:>4.0%} of EVPI{se}"
        )
    joint = data["evppi_all_inputs"]
    if data["evpi"] > 0:
        lines.append(
            "  check: all inputs together, estimated the same way: "
            + (
                f"{_money(joint)} {cur} ({joint / data['evpi']:.0%} of EVPI; near 100% means the regression sees "
                "how the inputs combine)"
                if joint is not None
                else "too few worlds for the joint regression"
            )
        )
    check = data["convergence"]
    if data["evpi"] == 0:
        lines.append("convergence: nothing to rank (EVPI is 0)")
    elif not check["material"]:
        lines.append("convergence: no single input reaches 5% of EVPI, so there is no ranking to check")
    elif check["stable"]:
        differs = ", ".join(check["half_order"])
        order = "" if check["same_order"] else f" (below the first, the order differs: {differs})"
        lines.append(
            f"convergence: the input to measure first, and which inputs matter, are the same on the "
            f"{check['compared']}{order}"
        )
    else:
        lines.append(
            f"convergence: NOT stable — on the {check['compared']} the leading inputs were "
            f"{', '.join(check['half_order'])}; run with more --samples before acting on the ranking"
        )
    if data.get("pilot_study"):
        lines += ["", *pilot_study_lines(data)]
    return "\n".join(lines)


def pilot_study_lines(data: dict[str, Any]) -> list[str]:
    """The value of a pilot of each size for each measurement (EVSI), what it costs, and the board sentence."""
    cur, study = data["currency"], data["pilot_study"]
    sizes = [s["n"] for s in study[0]["sizes"]]
    header = f"  {'cases measured':<44}" + "".join(f"{n:>10,}" for n in sizes) + f"{'EVPPI':>10}"
    lines = [
        wrapped(data["pilot_headline"]),
        "",
        f"What a pilot is worth before scaling (EVSI, {cur}), what it costs, and the net gain:",
        header,
    ]
    for item in study:
        label = item["label"][:43]
        rows = [("worth", "evsi"), ("SE", "error"), ("costs", "cost"), ("net", "net")]
        for row, key in rows if "error" in item["sizes"][0] else [r for r in rows if r[0] != "SE"]:
            name = f"{label}" if row == "worth" else ""
            cells = "".join(f"{_money(s[key]['se'] if key == 'error' else s[key]):>10}" for s in item["sizes"])
            tail = ""
            if row == "worth":
                tail = f"{_money(item['evppi']):>10}"
            elif row == "SE" and "evppi_error" in item:
                tail = f"{_money(item['evppi_error']['se']):>10}"
            lines.append(f"  {name:<36}{row:>8}{cells}{tail}")
    lines.append(
        wrapped(
            "worth: the expected gain from choosing after the pilot's result rather than now; it rises with the cases "
            "towards EVPPI (knowing the input exactly), never exceeds it, and reaches it as the cases grow; SE: the "
            "bootstrap standard error over the worlds (a worth within two SE of 0 could be nothing)"
        )
    )
    return lines


def breakeven_summary(data: dict[str, Any]) -> str:
    """The break-even sentence, then every evaluation: the input's value and the paired difference there."""
    cur = data["currency"]
    head = (
        f"breakeven · scenario {data['scenario']} · {data['design']} against "
        f"{'today (do not scale)' if data['against'] == TODAY else data['against']} · {data['metric']} · "
        f"{data['replications']} replications on common random numbers (root seed {data['seed']})"
    )
    width = max(len(data["input"]), 12)
    lines = [wrapped(data["headline"]), "", head, "", f"{data['input']:>{width}}  difference ({cur}, 95% interval)"]
    for e in data["evaluations"]:
        mark = "  <- the scenario's value" if e["value"] == data["current"] else ""
        lines.append(f"{number(e['value']):>{width}}  {plus_minus(e['mean'], e['half_width'], 0, sign=True)}{mark}")
    return "\n".join(lines)


def update_summary(result: PilotUpdate, moved: dict[str, Any] | None, target: Path) -> str:
    """What the pilot showed, each belief before and after, how a stored decision moves, and what to run next."""
    data = result.data
    prior = result.scenario.beliefs
    assert prior is not None  # an update needs beliefs
    lines = [f"pilot data {data.path}: {data.rows:,} cases, {len(data.observed)} measurement(s)"]
    lines += [f"read: {note}" for note in data.notes]
    for record in result.evidence:
        measurement = prior.measurements[record.input]
        seen = f"{record.observed:.1%}" if measurement.kind == "share" else f"{record.observed:,.4g}"
        p = record.conflict_p
        lines.append(
            f"  {prior.label(record.input)}: {seen} on {record.cases:,} cases ({measurement.counts}); belief "
            f"{_moment(record.prior, measurement.kind)} -> {_moment(record.posterior, measurement.kind)} "
            f"({record.method}; prior predictive p = {p:.2g})"
        )
        if p is not None and p < CONFLICT_P:
            lines.append(
                wrapped(
                    f"  CONFLICT: {prior.label(record.input)}: a result this far from the belief had probability "
                    f"{p:.2g} under it (prior predictive check, Box 1980; warned below {CONFLICT_P:g}): the belief, "
                    "not only the pilot's luck, is in question; check its source before acting on the update"
                )
            )
    if moved is not None:
        lines += ["", *_moved_lines(moved)]
    lines += [
        "",
        f"written: {target} (comments kept; where each belief came from is in beliefs.evidence)",
        f"next: scalesim decide {target} --samples 200   (the decision on the updated beliefs, simulated)",
    ]
    return "\n".join(lines)


def _moment(m: Any, kind: str) -> str:
    return f"{m.mean:.1%} ± {m.sd:.1%}" if kind == "share" else f"{m.mean:,.4g} ± {m.sd:,.3g}"


FEW_WORLDS = 20
"""Below this many effective worlds a reweighted decision is a handful of worlds, not a distribution: no shares or
averages are shown for it, only the advice to decide on the updated file."""


def _moved_lines(moved: dict[str, Any]) -> list[str]:
    cur, designs = moved["currency"], moved["designs"]
    effective = moved["effective_worlds"]
    head = (
        f"the stored decision's {moved['worlds']} worlds reweighted by what the pilot saw "
        f"(effective worlds: {effective:.0f})"
    )
    if effective < FEW_WORLDS:  # before: "probability best 100 % / 0 % / 0 %" from one effective world
        return [
            head,
            f"only {effective:.0f} of them are like what the pilot saw (fewer than {FEW_WORLDS}): too few to say how "
            "the choice moves; run decide on the updated file (below) for the decision on what the pilot showed.",
        ]
    words = {"npv": "NPV", "net_value_per_year": "net value / year", "net_value_run": "net value"}[moved["metric"]]
    rows: list[Row] = [
        ("probability best, before", [f"{moved['before'][d]['probability_best']:.0%}" for d in designs]),
        ("probability best, after the pilot", [f"{moved['after'][d]['probability_best']:.0%}" for d in designs]),
        (f"{words} ({cur}) on average, before", [_money(moved["before"][d]["mean"]) for d in designs]),
        (f"{words} ({cur}) on average, after", [_money(moved["after"][d]["mean"]) for d in designs]),
    ]
    best_before, best_after = _design_name(moved["best_before"]), _design_name(moved["best_after"])
    verdict = (
        f"the choice stays {best_after}"
        if moved["best_before"] == moved["best_after"]
        else f"the choice moves from {best_before} to {best_after}"
    )
    return [
        render(head, [_design_name(d) for d in designs], rows),
        "",
        verdict + " on these reweighted worlds; run decide on the updated file (below) to decide on it.",
    ]


def distance_table(heldout: HeldOut) -> str:
    """The five log distances of a back-test: the model's mean and sd over its simulated logs, the floor (the
    training log's distance) and the skill score, one line each."""
    floor = heldout.floor or {}
    skill = heldout.skill()
    lines = [
        "",
        f"log distances to this log (Chapela-Campa et al. 2023), model: mean ± sd of {heldout.runs} simulated logs of "
        f"{heldout.cases:,} cases, {WINDOWS[heldout.window]}; floor: the training log ({SPLITS[heldout.split]}); "
        "skill: 1 - model / floor",
        f"{'distance':<44}  {'model':>18}  {'floor':>9}  {'skill':>6}",
    ]
    for name in NAMES:
        model = f"{heldout.model_mean[name]:.4g} ± {heldout.model_sd[name]:.2g}"
        base = f"{floor[name]:>9.4g}" if name in floor else f"{'-':>9}"
        score = f"{skill[name]:>6.2f}" if math.isfinite(skill[name]) else f"{'-':>6}"
        lines.append(f"{name + ' ' + WORDS[name]:<44}  {model:>18}  {base}  {score}")
    if heldout.floor is None:
        lines.append("(no floor: give the log the model was calibrated from with --train)")
    return "\n".join(lines)


def origin_lines(found: list[Origin]) -> list[str]:
    """Which inputs a pilot measured (the run uses the posterior's mean), which are still assumptions, and any
    measured input this run does not take from its pilot: empty when no input was measured."""
    if not has_evidence(found):
        return []
    measured = [o for o in found if o.kind == "measured"]
    lines = []
    if measured:
        pilots = ", ".join(dict.fromkeys(o.pilots for o in measured))
        said = ", ".join(f"{o.label} {number(o.value)} ({o.cases:,} cases)" for o in measured)
        lines.append(f"measured by pilot {pilots} (posterior means): {said}")
    for o in found:
        if o.kind == "set" and o.measured_mean is not None:
            lines.append(
                f"set for this run: {o.label} {number(o.value)} (pilot {o.pilots}'s posterior mean is "
                f"{number(o.measured_mean)})"
            )
        elif o.kind == "edited" and o.measured_mean is not None:
            lines.append(
                f"not the pilot's value: {o.label} is {number(o.value)} in the file, but pilot {o.pilots}'s "
                f"posterior mean is {number(o.measured_mean)}; the run uses the file's value (set it to "
                f"{number(o.measured_mean)}, or update the original file again)"
            )
    rest = [o for o in found if not o.evidence]
    if rest:
        lines.append("still assumptions: " + ", ".join(f"{o.label} {number(o.value)}" for o in rest))
    return lines


def held_fixed_lines(held: dict[str, Any]) -> list[str]:
    """What drives the designs' verdicts, the inputs governing it that the beliefs hold fixed, and what to do."""
    if not held or not held["inputs"]:
        return []
    effects = []
    for effect in held["effects"]:
        designs = effect["designs"]
        if effect["what"].startswith("stall:"):
            who = ", ".join(f"{name} in {share:.0%} of worlds" for name, share in designs.items())
        else:
            who = "largest loss of " + ", ".join(designs)
        effects.append(f"{effect_words(effect['what'])}: {who}")
    inputs = ", ".join(f"{h['label']} ({h['input']} = {number(h['value'])})" for h in held["inputs"])
    offer = (
        "rerun with --vary-behaviour to draw the behavioural ones from default beliefs (assumptions, in "
        "decision.json), or add your own to beliefs"
        if any(h["default"] for h in held["inputs"])
        else "add them to beliefs to have them varied"
    )
    return [
        wrapped(f"what drives the verdicts: {'; '.join(effects)}"),
        wrapped(f"held fixed, though they govern it: {inputs}. The decision does not vary them: {offer}"),
        "",
    ]


KEEPING_METRICS = {"net_value_per_year": "of net value a year", "npv": "of net present value over the run"}


def keeping_summary(data: dict[str, Any]) -> str:
    """What keeping a field as it is costs a design, from a two-point sweep paired against the field as it is: one
    sentence per money figure with its 95% interval (and whether it could be nothing), then the sweep's table."""
    keeping, cur = data["keeping"], data["currency"]
    design = data["design_names"][0]
    found = {d["metric"]: d for d in data["point_differences"] if d["design"] == design}
    said = []
    for metric, words in KEEPING_METRICS.items():
        d = found.get(metric)
        if d is None or d["mean"] is None:
            continue
        cost, hw = d["mean"], d["half_width"]  # the change minus as it is: what keeping it as it is forgoes
        low, high = cost - hw, cost + hw
        verb = "costs" if cost >= 0 else "gains"
        interval = f"95% interval {low:,.0f} to {high:,.0f} {cur}"
        maybe = "; the interval includes zero: it could cost nothing" if low <= 0 <= high else ""
        said.append(f"{verb} {abs(cost):,.0f} {cur} {words} ({interval}{maybe})")

    def shown(value: Any) -> str:
        return number(value) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)

    head = (
        f"Keeping {field_words(keeping['path'])} ({keeping['path']}) at {shown(keeping['kept'])} instead of "
        f"{shown(keeping['instead'])} "
        + " and ".join(said)
        + f" for {design}, paired over {data['replications']} replications on common random numbers."
    )
    return wrapped(head) + "\n\n" + sweep_summary(data)


def with_error(value: float, error: dict[str, float], currency: str) -> str:
    """A value-of-information figure rounded to what its bootstrap error supports, with the error and interval."""
    from scalesim.experiment.voi_error import Error, rounded

    return rounded(value, Error(error["se"], error["low"], error["high"]), currency)
