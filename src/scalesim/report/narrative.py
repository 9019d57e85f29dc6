"""What the numbers say, in a few plain sentences: the lead of every command's text output and every report.

Generated from the results, never written by hand, so a sentence changes when a number does: how much of the
pilot's value survives and where the rest goes (the largest causes, in words), whether the design pays and when,
why it stalled or eroded, and the one change that matters most (the remedy of the largest cause). A run and an
experiment say the same things — an experiment with its intervals and in how many replications — because both are
first read into the same :class:`Facts`. Every number in a sentence is written as the table below it writes it
(a test checks each). The words come from :mod:`scalesim.labels`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scalesim.labels import (
    CAUSES,
    COSTS,
    REASONS,
    TODAY_NAME,
    field_words,
    label,
    money,
    percent,
    pulls_remedy,
    remedy,
)
from scalesim.ops.summary import DesignSummary, RunSummary

CAUSES_NAMED = 2
"""The largest causes of lost value a sentence names."""


@dataclass(frozen=True)
class Facts:
    """What the sentences about one design say, from a run or from an experiment's replications.

    A figure with a ``*_hw`` is an experiment's mean with the half-width of its 95% interval; ``replications``
    is 1 for a run. ``pays`` and ``stalls`` count replications (0 or 1 for a run).
    """

    name: str
    currency: str
    horizon: float
    today: bool
    retention: float | None
    pilot_per_case: float | None
    production_per_case: float | None
    erosion: dict[str, float]
    npv: float
    payback_day: float | None
    spends: bool
    net_value_per_year: float
    production_value_per_year: float | None
    costs_per_year: float
    levers: Mapping[str, object]
    replications: int = 1
    pays: int = 0
    retention_hw: float | None = None
    npv_hw: float | None = None
    stalls: int = 0
    stall_reason: str | None = None
    stall_days: tuple[float, float] | None = None  # first and last day it stalled on
    stall_team: str | None = None
    eroded: int = 0
    costs: dict[str, float] = field(default_factory=dict)  # item by item (a run's)


def largest_causes(erosion: dict[str, float], count: int = CAUSES_NAMED) -> list[tuple[str, float]]:
    """The causes that lost the most value per case (positive erosion), largest first."""
    lost = sorted(((value, cause) for cause, value in erosion.items() if value > 0), reverse=True)
    return [(cause, value) for value, cause in lost[:count]]


def _per_case(x: float, currency: str) -> str:
    return f"{x:,.2f} {currency}"


def _of(count: int, n: int) -> str:
    return f" in {count} of {n} replications" if n > 1 else ""


def _kept(f: Facts) -> str:
    if f.retention is None or f.pilot_per_case is None or f.production_per_case is None:
        pilot = _per_case(f.pilot_per_case or 0.0, f.currency)
        return (
            f"{f.name}: the pilot made no money on its own cases ({pilot} a case), so there is no share of it to keep"
        )
    causes = largest_causes(f.erosion)
    rest = ""
    if causes:
        parts = [f"{CAUSES[c].text} ({_per_case(v, f.currency)} a case)" for c, v in causes]
        rest = "; most of the rest is " + " and ".join(parts)
    if f.replications > 1:
        spread = f" ± {100 * f.retention_hw:.1f} points" if f.retention_hw is not None else ""
        over = f"over {f.replications} replications"
        return f"{f.name} keeps {percent(f.retention, 1)}{spread} of the pilot's value {over}{rest}"
    return (
        f"{f.name} keeps {percent(f.retention, 1)} of the pilot's value "
        f"({_per_case(f.production_per_case, f.currency)} of {_per_case(f.pilot_per_case, f.currency)} a case){rest}"
    )


def _pays(f: Facts) -> str:
    npv = money(f.npv, f.currency) + (f" ± {money(f.npv_hw)}" if f.npv_hw is not None else "")
    n = f.replications
    if f.pays == n:
        when = (
            f", paid back {'around ' if n > 1 else ''}{f.payback_day:,.0f} days after go-live"
            if f.payback_day is not None
            else ", with nothing to pay back"
            if not f.spends
            else ""
        )
        return f"It pays{' in every replication' if n > 1 else ''}: {npv} net present value over the run{when}"
    if f.pays:
        return f"It pays in {f.pays} of {n} replications: {npv} net present value over the run"
    items = {k: v for k, v in f.costs.items() if k in COSTS and v}
    biggest = max(items, key=lambda k: items[k]) if items else None
    of_which = f", most of it {COSTS[biggest]} ({money(items[biggest], f.currency)})" if biggest else ""
    if f.net_value_per_year > 0:
        return (
            f"It does not pay within the run: {npv} net present value, though it nets "
            f"{money(f.net_value_per_year, f.currency)} a year once running — the build is not recovered by day "
            f"{f.horizon:,.0f}"
        )
    return (
        f"It loses money: {npv} net present value over the run; it adds {money(f.costs_per_year, f.currency)} "
        f"a year{of_which}, against {money(f.production_value_per_year, f.currency)} a year of value"
    )


def _verdict(f: Facts) -> str | None:
    n = f.replications
    if f.stalls and f.stall_days is not None:
        reason = REASONS.get(str(f.stall_reason), str(f.stall_reason))
        where = f" at {f.stall_team}" if f.stall_team else ""
        first, last = f.stall_days
        when = f"on day {first:,.0f}" if first == last else f"between day {first:,.0f} and day {last:,.0f}"
        return f"It stalls{_of(f.stalls, n)} {when}{where}: {reason}"
    if f.eroded:
        return f"Its value erodes{_of(f.eroded, n)}, but nothing stalls"
    return "It scales: nothing stalls" if f.retention is not None else None


def change_that_matters(f: Facts, others: list[Facts] = ()) -> str | None:  # type: ignore[assignment]
    """The remedy of the largest cause of lost value — unless designs beside it in the same table already pull
    that lever and do worse: then the table contradicts the advice, and the sentence says what those designs lose
    most to instead (the advice would move the design into their trouble)."""
    causes = largest_causes(f.erosion, 1)
    if not causes:
        return None
    cause, _ = causes[0]
    worse = [o for o in others if not o.today and o.npv < f.npv and pulls_remedy(cause, f.levers, o.levers)]
    if worse:
        do = "does" if len(worse) == 1 else "do"
        said = (
            f"Against its largest loss ({CAUSES[cause].text}) the usual change is to {remedy(cause, f.levers)}, but "
            f"{_names(worse)} already {do} that here and {do} worse"
        )
        theirs = largest_causes(worse[0].erosion, 1)
        if not theirs:
            return said
        ((their, _),) = theirs
        return f"{said}, losing most to {CAUSES[their].text}; the change there: {remedy(their, worse[0].levers)}"
    return f"The change that matters most, against its largest loss ({CAUSES[cause].text}): {remedy(cause, f.levers)}"


def paragraph(f: Facts) -> str:
    """Two to four sentences on one design."""
    if f.today:
        today = TODAY_NAME[0].upper() + TODAY_NAME[1:]
        return f"{today} adds nothing and costs nothing: every design is measured against it."
    sentences = [_kept(f), _pays(f)]
    for extra in (_verdict(f), change_that_matters(f)):
        if extra:
            sentences.append(extra)
    return " ".join(f"{s}." for s in sentences)


def run_facts(name: str, d: DesignSummary, summary: RunSummary) -> Facts:
    stall, m = d["stall"], d["money"]
    day = stall["day"]
    return Facts(
        name=name,
        currency=summary["currency"],
        horizon=summary["horizon_days"],
        today=d["today"],
        retention=d["retention"],
        pilot_per_case=d["pilot"]["value_per_case"],
        production_per_case=d["production"]["value_per_case"],
        erosion=d["erosion"],
        npv=m["npv"],
        payback_day=m["payback_day"],
        spends=m["spends"],
        net_value_per_year=d["net_value_per_year"],
        production_value_per_year=d["production"]["value_per_year"],
        costs_per_year=d["costs"]["annualised_total"],
        levers=d["levers"],
        pays=int(bool(stall["pays"])),
        stalls=int(stall["verdict"] == "stalled"),
        stall_reason=stall["reason"],
        stall_days=(day, day) if day is not None else None,
        stall_team=stall["team"],
        eroded=int(stall["verdict"] == "eroded"),
        costs={k: float(v) for k, v in d["costs"].items() if isinstance(v, int | float)},
    )


def run_narrative(summary: RunSummary) -> list[str]:
    """One paragraph per design of a run (the summary's designs, in order)."""
    return [paragraph(f) for f in run_facts_of(summary)]


def run_lead(summary: RunSummary) -> str:
    """The answer of a run, in two to four sentences (see :func:`lead`)."""
    return lead(run_facts_of(summary))


def run_facts_of(summary: RunSummary) -> list[Facts]:
    return [run_facts(name, d, summary) for name, d in summary["designs"].items()]


def _names(facts: list[Facts]) -> str:
    names = [f.name for f in facts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lead(facts: list[Facts]) -> str:
    """The answer in two to four sentences, over every design: which to scale (or not to scale at all), what it
    keeps and where the rest goes, how the others fail, and the change that matters most."""
    designs = [f for f in facts if not f.today]
    if len(designs) == 1:
        return paragraph(designs[0])
    best = max(designs, key=lambda f: f.npv)
    money_words = money(best.npv, best.currency) + (f" ± {money(best.npv_hw)}" if best.npv_hw is not None else "")
    kept = (
        f"keeps {percent(best.retention, 1)} of the pilot's value"
        if best.retention is not None
        else "has no share of the pilot's value to keep (the pilot itself made no money)"
    )
    if best.pays == best.replications:
        first = f"{best.name} does best: it {kept} and pays ({money_words} net present value over the run)"
    elif best.pays:
        first = (
            f"{best.name} does best ({money_words} net present value over the run), but it pays in only {best.pays} of "
            f"{best.replications} replications: it {kept}"
        )
    else:
        first = (
            f"Do not scale as designed: no design pays within the run; the best, {best.name}, {kept} and has "
            f"{money_words} net present value"
        )
    sentences = [first]
    others = [f for f in designs if f is not best]
    stalled = [f for f in others if f.stalls and f.stall_days is not None]
    own = _verdict(best) if best.stalls else None
    if own:  # the recommended design's own stall comes before anything said of the others
        too = f" ({_stalled_too(stalled, best)})" if stalled else ""
        sentences.append(own.replace("It stalls", f"{best.name} stalls", 1) + too)
    causes = largest_causes(best.erosion)
    if causes:
        parts = [f"{CAUSES[c].text} ({_per_case(v, best.currency)} a case)" for c, v in causes]
        sentences.append(f"Most of what {best.name} loses is " + " and ".join(parts))
    if stalled and not own:
        days = [d for f in stalled for d in f.stall_days or ()]
        when = (
            f"on day {min(days):,.0f}"
            if min(days) == max(days)
            else f"between day {min(days):,.0f} and {max(days):,.0f}"
        )
        reasons = dict.fromkeys(REASONS.get(str(f.stall_reason), str(f.stall_reason)) for f in stalled)
        verb = "stalls" if len(stalled) == 1 else "stall"
        n = stalled[0].replications
        if n == 1:
            often = ""
        elif all(f.stalls == n for f in stalled):
            often = " in every replication"
        else:
            often = " (" + ", ".join(f"{f.name} in {f.stalls} of {n} replications" for f in stalled) + ")"
        sentences.append(f"{_names(stalled)} {verb}{often} {when}: {'; '.join(reasons)}")
    elif others and not own:
        sentences.append(
            "; ".join(
                f"{f.name} keeps {percent(f.retention, 1)} and has {money(f.npv, f.currency)} net present value"
                for f in others
            )
        )
    change = change_that_matters(best, others)
    if change:
        sentences.append(change)
    return " ".join(f"{s}." for s in sentences)


def _stalled_too(stalled: list[Facts], best: Facts) -> str:
    """The other designs that stall, said inside the recommended design's own stall sentence."""
    days = [d for f in stalled for d in f.stall_days or ()]
    when = (
        f"on day {min(days):,.0f}" if min(days) == max(days) else f"between day {min(days):,.0f} and {max(days):,.0f}"
    )
    reasons = dict.fromkeys(REASONS.get(str(f.stall_reason), str(f.stall_reason)) for f in stalled)
    why = "for the same reason" if set(reasons) == {REASONS.get(str(best.stall_reason))} else "; ".join(reasons)
    return f"{_names(stalled)} too, {when}{', ' if why.startswith('for') else ': '}{why}"


def _mean(stat: Mapping[str, Any]) -> float | None:
    value = stat.get("mean")
    return None if value is None or value != value else float(value)


def experiment_facts(name: str, d: dict[str, Any], data: dict[str, Any]) -> Facts:
    n = data["replications"]
    verdicts = d["stall_verdicts"]
    stalls = d["stalls"]
    return Facts(
        name=name,
        currency=data["currency"],
        horizon=data["horizon_days"],
        today=verdicts.get("not_scaled") == 1.0,
        retention=_mean(d["retention"]),
        retention_hw=d["retention"]["half_width"],
        pilot_per_case=_mean(d["pilot_value_per_case"]),
        production_per_case=_mean(d["production_value_per_case"]),
        erosion={c.removeprefix("erosion_"): _mean(v) or 0.0 for c, v in d.items() if c.startswith("erosion_")},
        npv=_mean(d["npv"]) or 0.0,
        npv_hw=d["npv"]["half_width"],
        payback_day=_mean(d["payback_day"]),
        spends=(_mean(d["costs_per_year"]) or 0.0) > 0,
        net_value_per_year=_mean(d["net_value_per_year"]) or 0.0,
        production_value_per_year=_mean(d["production_value_per_year"]),
        costs_per_year=_mean(d["costs_per_year"]) or 0.0,
        levers=data["levers"].get(name, {}),
        replications=n,
        pays=round((d["pays_share"] or 0.0) * n),
        stalls=round(verdicts.get("stalled", 0.0) * n),
        stall_reason=stalls["reason"],
        stall_days=(stalls["first_day"], stalls["last_day"]) if stalls["first_day"] is not None else None,
        eroded=round(verdicts.get("eroded", 0.0) * n),
    )


def experiment_facts_of(data: dict[str, Any]) -> list[Facts]:
    return [experiment_facts(name, d, data) for name, d in data["designs"].items()]


def experiment_lead(data: dict[str, Any]) -> str:
    """The answer of replications or a comparison, in two to four sentences (see :func:`lead`)."""
    return lead(experiment_facts_of(data))


def experiment_narrative(data: dict[str, Any]) -> list[str]:
    """Replications or a comparison: each design's paragraph with its intervals, and the paired difference in
    net present value that decides between them."""
    out = [paragraph(f) for f in experiment_facts_of(data)]
    for c in data.get("comparisons", []):
        if c["metric"] == "npv":
            out.append(
                f"Against {c['baseline']}, {c['design']} changes the net present value by "
                f"{money(c['mean'], data['currency'], signed=True)} ± {money(c['half_width'])} (same cases, paired)."
            )
    return out


SCORE_WORDS = {
    "morris": ("mu_star", "mean absolute effect"),
    "sobol": ("ST", "share of the variance, interactions included"),
    "oat": ("swing", "swing from its low to its high value"),
}


def sensitivity_narrative(data: dict[str, Any]) -> list[str]:
    """Which input moves the key figure most, and the next, in words."""
    table = data["table"]
    if not table:
        return []
    score, words = SCORE_WORDS[data["method"]]
    top = table[0]
    key = label(data["key"]).text
    text = f"Of the inputs varied, {field_words(str(top['parameter']))} moves {key} of {data['design']} most"
    if len(table) > 1:
        text += f"; then {field_words(str(table[1]['parameter']))}"
    return [f"{text} ({words} {top[score]:.3g})."]


def backtest_narrative(data: dict[str, Any]) -> list[str]:
    warned = [f"{m['measure']} {m['team']}".strip() for m in data["measures"] if m["verdict"] == "warn"]
    text = f"The calibrated model reproduces {data['passed']} of {data['passed'] + data['warned']} judged measures"
    if warned:
        text += f"; it misses {', '.join(warned[:3])}" + (f" and {len(warned) - 3} more" if len(warned) > 3 else "")
    out = [text + "."]
    distances = data.get("distances") or {}
    skill = {name: value for name, value in (distances.get("skill") or {}).items() if value is not None}
    if skill:
        closer = [name for name, value in skill.items() if value > 0]
        if closer:
            out.append(
                f"Its {distances['runs']} simulated logs are closer to this log than the training log is on "
                f"{len(closer)} of {len(skill)} log distances ({', '.join(closer)})."
            )
        else:
            out.append(
                f"On all {len(skill)} log distances the training log itself is closer to this log than the "
                f"model's {distances['runs']} simulated logs."
            )
    return out


def _point_words(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{field_words(path)} at {value}" for path, value in parameters.items())


def sweep_narrative(data: dict[str, Any]) -> list[str]:
    """Per design: the grid point where it nets most a year and where it nets least, with the share kept."""
    currency = data["currency"]
    out = []
    for design in data["design_names"]:
        points = [
            (p["parameters"], p["designs"][design])
            for p in data["points"]
            if _mean(p["designs"][design]["net_value_per_year"]) is not None
        ]
        if not points:
            continue
        best = max(points, key=lambda p: _mean(p[1]["net_value_per_year"]) or 0.0)
        worst = min(points, key=lambda p: _mean(p[1]["net_value_per_year"]) or 0.0)

        def kept(stats: dict[str, Any]) -> str:
            return (
                f"it keeps {percent(_mean(stats['retention']), 1)} and nets "
                f"{money(_mean(stats['net_value_per_year']), currency)} a year"
            )

        if best is worst:
            out.append(f"{design}, with {_point_words(best[0])}: {kept(best[1])}.")
        else:
            out.append(
                f"{design} does best with {_point_words(best[0])}: {kept(best[1])}; at worst, with "
                f"{_point_words(worst[0])}, {kept(worst[1])}."
            )
    return out


def _survival_sentence(f: dict[str, Any]) -> str:
    """How many go-lives stay in production, a year and three years on (where the data reach that far)."""
    one, three = f["survival_1y"]["mean"], f["survival_3y"]["mean"]
    if math.isnan(one):
        return ""
    later = "" if math.isnan(three) else f", {percent(three)} three years on"
    return f" Of the go-lives, {percent(one)} are still in production a year later{later} (Kaplan-Meier)."


def portfolio_narrative(results: list[dict[str, Any]], comparisons: list[dict[str, Any]] | None = None) -> list[str]:
    """The funnel of each portfolio in one sentence, and what changes between two."""
    out = []
    for r in results:
        f = r["figures"]
        out.append(
            f"{r['scenario']}: of {f['proposed']['mean']:,.1f} initiatives proposed over {r['years']:g} years, "
            f"{f['started']['mean']:,.1f} start a pilot and {f['reached_production']['mean']:,.1f} reach production "
            f"({percent(f['share_reaching_production']['mean'])} of pilots); "
            f"{f['delivering']['mean']:,.1f} still deliver value after review, and "
            f"{money(f['money_never_produced']['mean'], r['currency'])} goes on pilots that never reach production."
            + _survival_sentence(f)
        )
    for c in comparisons or []:
        if c["figure"] == "share_reaching_production":
            out.append(
                f"{c['scenario']} changes the share of pilots reaching production by {100 * c['mean']:+.1f} ± "
                f"{100 * c['half_width']:.1f} points against {c['baseline']} (the same proposals, paired)."
            )
    return out
