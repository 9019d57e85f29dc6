"""``scalesim report RESULTS_DIR``: a self-contained HTML report and a Markdown twin for any result folder.

The HTML embeds its figures (base64 PNG) and styles, so it opens offline and can be mailed as one file; the
Markdown links the same figures, written to ``figures/`` next to it. Both show the text summary, the figures,
the tables, the resolved scenario and the manifest, so a reader can trace every number.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure

from scalesim.experiment import atomic
from scalesim.experiment.decide import Decision
from scalesim.experiment.experiment import ExperimentResult
from scalesim.experiment.portfolio import PortfolioResult
from scalesim.experiment.store import read_manifest, register
from scalesim.report import figures as F
from scalesim.report.decision_figures import decision_figures
from scalesim.report.files import decision_source
from scalesim.report.text import decision_summary, experiment_summary, portfolio_summary, run_summary, sweep_summary
from scalesim.scenario.schema import TODAY


def number(value: float) -> str:
    """A table cell: thousands with separators and no decimals (money, counts), smaller values to 4 digits."""
    if value != value:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


@dataclass
class Section:
    title: str
    text: str = ""
    figures: list[tuple[str, Figure]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def build_report(folder: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` (and ``figures/*.png``) into a results folder."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    kind = manifest["kind"]
    if kind == "run" and (folder / "summary.json").exists():
        sections, title = _single_run(folder, manifest), f"Run of {manifest['scenario']}"
    elif kind == "portfolio":
        sections, title = _portfolio(PortfolioResult.load(folder), manifest), f"Portfolio {manifest['scenario']}"
    elif kind == "backtest":
        sections, title = _backtest(folder, manifest), f"Back-test of {manifest['scenario']}"
    elif kind == "decide":
        sections, title = _decision(folder), f"Decision analysis of {manifest['scenario']}"
    else:
        result = ExperimentResult.load(folder)
        sections, title = _experiment(result, manifest), f"{kind.capitalize()} of {manifest['scenario']}"
    sections.append(
        Section(
            "Scenario",
            tables=[],
            text="```yaml\n"
            + yaml.safe_dump(manifest["resolved_scenario"], sort_keys=False, allow_unicode=True)
            + "```",
        )
    )
    shown = {k: v for k, v in manifest.items() if k != "resolved_scenario"}
    sections.append(Section("Manifest", text="```json\n" + json.dumps(shown, indent=2) + "\n```"))
    return _write(folder, title, sections)


def _source(manifest: dict[str, Any], extra: str = "") -> str:
    n = manifest["replications"]
    reps = "" if manifest["kind"] == "run" and n == 1 else f" · {n} replication{'s' if n != 1 else ''}"
    return f"{manifest['scenario']} · seed {manifest['seed']}{reps}{extra}"


def _single_run(folder: Path, manifest: dict[str, Any]) -> list[Section]:
    summary = json.loads((folder / "summary.json").read_text())
    source = _source(manifest)
    table = pd.read_csv(folder / "summary.csv")
    weekly = pd.read_csv(folder / "weekly.csv")
    teams = pd.read_csv(folder / "weekly_teams.csv")
    events = pd.read_csv(folder / "events.csv")
    currency = summary["currency"]
    sections = [
        Section(
            "Summary",
            text="```\n" + run_summary(summary) + "\n```",
            figures=[
                ("waterfall", F.waterfall(table, currency, source)),
                ("value-over-time", F.value_over_time(weekly, currency, source)),
                ("money-over-time", F.money_over_time(pd.read_csv(folder / "money.csv"), summary, source)),
            ],
            tables=[
                ("Per design", table),
                ("What each design adds to today's costs, per year", _costs_table(summary)),
                ("Offered load of each team a design uses (1 or more: the queue grows without bound)", _loads(summary)),
                ("Teams", pd.read_csv(folder / "teams.csv")),
            ],
        )
    ]
    for design, data in summary["designs"].items():
        if data.get("today"):  # today's process: no team does new work, no model to trust
            continue
        sections.append(
            Section(
                f"Design {design} over time",
                figures=[
                    (f"teams-{design}", F.teams_over_time(teams, design, data["stall"], source)),
                    (f"state-{design}", F.state_over_time(weekly, events, design, source, data["stall"])),
                ],
            )
        )
    return sections


def _backtest(folder: Path, manifest: dict[str, Any]) -> list[Section]:
    data = json.loads((folder / "backtest.json").read_text())
    table = pd.read_csv(folder / "measures.csv")
    cycles = pd.read_csv(folder / "cycle_times.csv")
    real = cycles.loc[cycles["source"] == "log", "cycle_time_days"].to_numpy()
    simulated = cycles.loc[cycles["source"] == "simulated", "cycle_time_days"].to_numpy()
    source = f"{manifest['scenario']} · design {data['design']} · seed {data['seed']} · {data['log']}"
    text = (
        f"Design `{data['design']}` simulated for {data['simulated_days']:g} days against `{data['log']}`: "
        f"{data['passed']} measures pass, {data['warned']} warn. The Wasserstein distance between the cycle-time "
        f"distributions is {data['wasserstein_share_of_mean_cycle_time']:.0%} of the log's mean cycle time."
    )
    return [
        Section(
            "Back-test",
            text=text,
            figures=[("backtest", F.backtest_figure(real, simulated, table, source))],
            tables=[("Measures, tolerances and verdicts", table)],
        )
    ]


def _costs_table(summary: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{"design": name, **d["costs"]} for name, d in summary["designs"].items()])


def _loads(summary: dict[str, Any]) -> pd.DataFrame:
    rows = [{"environment": "pilot", "team": team, **load} for team, load in summary["pilot_capacity"].items()]
    rows += [
        {"environment": f"production ({name})", "team": team, **load}
        for name, d in summary["designs"].items()
        for team, load in d["capacity"].items()
    ]
    return pd.DataFrame(rows)


def _decision(folder: Path) -> list[Section]:
    """The board sentence and the decision tables, the three decision figures, the EVPPI ranking and the worlds."""
    decision = Decision.load(folder)
    data = decision.to_dict()
    return [
        Section(
            "Decision",
            text="```\n" + decision_summary(data) + "\n```",
            figures=decision_figures(decision.table, data, decision_source(data)),
            tables=[("What to measure first (EVPPI)", pd.DataFrame(data["evppi"])), ("Worlds", decision.table)],
        )
    ]


def _experiment(result: ExperimentResult, manifest: dict[str, Any]) -> list[Section]:
    """Sections for replications, comparisons, sweeps and sensitivity: what the experiment stored, as stored."""
    folder, runs, data = result.folder, result.runs, result.to_dict()
    source = _source(manifest)
    currency = data["currency"]
    sections: list[Section] = []
    for csv in sorted(folder.glob("sensitivity-*.csv")):
        method = csv.stem.removeprefix("sensitivity-")
        png = folder / f"sensitivity-{method}.png"
        sections.append(
            Section(
                f"Sensitivity ({method})",
                tables=[("Ranked", pd.read_csv(csv))],
                text=f"![sensitivity]({png.name})" if png.exists() else "",
            )
        )
    if result.spec.kind == "sweep":
        figs = [
            (f"sweep-{key}", F.sweep_plot(runs, result.parameters, key, source, currency))
            for key in ("retention", "net_value_per_year")
        ]
        sections.append(
            Section("Sweep", text="```\n" + sweep_summary(data) + "\n```", figures=figs, tables=[("Runs", runs)])
        )
        return sections
    if result.spec.kind == "sensitivity":
        sections.append(Section("Sample points", tables=[("Runs", runs)]))
        return sections
    designs = list(result.spec.designs)
    means = runs.groupby("design", sort=False).mean(numeric_only=True).reindex(designs).reset_index()
    figures = [("waterfall", F.waterfall(means, currency, source))]
    if data.get("comparisons"):
        figures.append(("comparison", F.comparison(data["comparisons"], currency, source)))
    if len(result.weekly):
        figures.append(("value-over-time", F.value_over_time(result.weekly, currency, source)))
        no_events = pd.DataFrame(columns=["design", "day", "event", "value"])
        figures += [
            (f"state-{d}", F.state_over_time(result.weekly, no_events, d, source)) for d in designs if d != TODAY
        ]
    sections.append(
        Section(
            "Summary",
            text="```\n" + experiment_summary(data) + "\n```",
            figures=figures,
            tables=[("Runs (one row per replication and design)", runs)],
        )
    )
    return sections


def _portfolio(result: PortfolioResult, manifest: dict[str, Any]) -> list[Section]:
    data = result.to_dict()
    source = _source(manifest)
    name = result.scenario.name
    return [
        Section(
            "Funnel",
            text="```\n" + portfolio_summary([data]) + "\n```",
            figures=[
                ("funnel", F.portfolio_funnel([data], source)),
                ("archive", F.archive_growth({name: result.monthly}, source)),
                ("time-to-production", F.time_to_production({name: result.initiatives}, source)),
            ],
            tables=[("Replications", result.runs)],
        )
    ]


def _markdown_table(frame: pd.DataFrame, limit: int = 60) -> str:
    shown = frame.head(limit)
    cells = [[number(v) if isinstance(v, float) else str(v) for v in row] for row in shown.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, shown.columns)) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    if len(frame) > limit:
        lines.append(f"\n({len(frame) - limit} more rows in the data files)")
    return "\n".join(lines)


STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.6em}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
pre{background:#f6f8fa;padding:1em;overflow-x:auto;font-size:12px}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
table{border-collapse:collapse;font-size:12px;margin:.5em 0;display:block;overflow-x:auto}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}th{background:#f0f0f0}"""


def _write(folder: Path, title: str, sections: list[Section]) -> tuple[Path, Path]:
    html_parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
    ]
    md_parts = [f"# {title}\n"]
    for section in sections:
        html_parts.append(f"<h2>{html.escape(section.title)}</h2>")
        md_parts.append(f"\n## {section.title}\n")
        if section.text:
            text = section.text
            if text.startswith("```"):
                body = text.split("\n", 1)[1].rsplit("```", 1)[0]
                html_parts.append(f"<pre>{html.escape(body)}</pre>")
            elif text.startswith("!["):
                png = folder / text[text.index("(") + 1 : -1]
                html_parts.append(
                    f"<img alt='sensitivity' src='data:image/png;base64,{base64.b64encode(png.read_bytes()).decode()}'>"
                )
            md_parts.append(text + "\n")
        for name, fig in section.figures:
            data = F.png(fig)
            atomic.write_bytes(folder / "figures" / f"{name}.png", data)
            html_parts.append(
                f"<img alt='{html.escape(name)}' src='data:image/png;base64,{base64.b64encode(data).decode()}'>"
            )
            md_parts.append(f"![{name}](figures/{name}.png)\n")
        for caption, table in section.tables:
            html_parts.append(
                f"<h3>{html.escape(caption)}</h3>"
                + table.head(200).to_html(index=False, float_format=number, na_rep="-")
            )
            md_parts.append(f"\n**{caption}**\n\n{_markdown_table(table)}\n")
    html_parts.append("</body></html>")
    html_path, md_path = folder / "report.html", folder / "report.md"
    atomic.write_text(html_path, "\n".join(html_parts))
    atomic.write_text(md_path, "\n".join(md_parts))
    figures = [f"figures/{name}.png" for section in sections for name, _ in section.figures]
    register(folder, [html_path.name, md_path.name, *figures])
    return html_path, md_path
