"""A run's result as plain data: per-design summaries (JSON-ready), tidy tables and the case ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from scalesim.ops.capacity import expected_flow, outcome_variance, team_loads
from scalesim.ops.cases import Cases
from scalesim.ops.dynamics import Trace, false_alarm_probability
from scalesim.ops.eventlog import EventLog
from scalesim.ops.ledger import CASE_FATES, CAUGHT_SIGN, CaseFate, Ledger, erosion_by_cause, lead_time_summary
from scalesim.ops.money import CashFlow, CostPlan, cash_flow, day_edges, pays_verdict
from scalesim.ops.series import weekly_state, weekly_teams
from scalesim.ops.stall import NOT_SCALED, Stall, verdict
from scalesim.ops.summary import (
    Costs,
    DesignSummary,
    EnvironmentFigures,
    Levers,
    MeasuredLoad,
    MonitoringSummary,
    ProductionFigures,
    RunSummary,
    TeamFigures,
)
from scalesim.ops.teams import TeamStats
from scalesim.scenario.schema import TODAYS_PROCESS, Design, Scenario

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class EnvironmentRun:
    """One environment's pass over the cases under one design."""

    design: Design
    ledger: Ledger
    teams: list[TeamStats]
    trace: Trace
    events: EventLog | None = None


@dataclass(frozen=True)
class RunResult:
    """The pilot and each design's production run over the same cases."""

    scenario: Scenario
    seed: int | np.random.SeedSequence
    cases: Cases
    pilot: EnvironmentRun
    production: dict[str, EnvironmentRun]
    sources: dict[str, str] = field(default_factory=dict, compare=False)  # what the scenario file cites per field

    @property
    def designs(self) -> list[str]:
        return list(self.production)

    @cached_property
    def counted(self) -> np.ndarray:
        """Cases that enter the statistics: those arriving after the warm-up."""
        return self.cases.arrival >= self.scenario.run.warmup_days

    @property
    def counted_cases(self) -> int:
        return int(self.counted.sum())

    @cached_property
    def paired(self) -> np.ndarray:
        """Counted cases the pilot worked too: pilot and production are compared on exactly these."""
        sampled = self.cases.sampled
        return self.counted if sampled is None else self.counted & sampled

    @property
    def pilot_volume(self) -> float:
        """The share of the counted cases the pilot worked (1 unless it worked a sample)."""
        return int(self.paired.sum()) / self.counted_cases if self.counted_cases else 1.0

    def _per_year(self, total: float) -> float:
        run = self.scenario.run
        return total * DAYS_PER_YEAR / (run.horizon_days - run.warmup_days)

    def _environment_summary(self, run: EnvironmentRun, volume: float = 1.0) -> EnvironmentFigures:
        """Per case on the paired cases; per year at the full volume (``volume``: the share the paired cases are
        of the counted ones, to scale a sample up)."""
        paired = self.paired
        n = int(paired.sum())
        total = float(run.ledger.value[paired].sum())
        return {
            "value_per_case": total / n if n else None,
            "value_per_year": self._per_year(total / volume) if n else None,
            "lead_time": lead_time_summary(run.ledger, paired),
            "fates": run.ledger.fate_shares(paired),
        }

    def costs(self, name: str) -> Costs:
        """What a design adds to today's operation, per item: staff of the teams it creates, the staff it adds to
        existing teams, monitoring, recurring costs and one-off costs spread over the amortisation period.
        Staff who work today are not charged: they cost the same with or without the model."""
        design = self.production[name].design
        teams = self.scenario.production.teams
        new_teams = sum(
            (teams[t.team].staff + design.added_staff.get(t.team, 0)) * teams[t.team].cost_per_staff_year
            for t in self.production[name].teams
            if not teams[t.team].existing
        )
        added = sum(
            n * teams[team].cost_per_staff_year for team, n in design.added_staff.items() if teams[team].existing
        )
        monitoring = design.monitoring.cost_per_year if design.monitoring is not None else 0.0
        recurring = design.costs.recurring_per_year
        spent_once = design.costs.one_off + design.costs.change_management
        one_off = spent_once / self.scenario.run.amortisation_years
        return {
            "one_off": spent_once,
            "one_off_per_year": one_off,
            "recurring_per_year": recurring,
            "new_teams_per_year": new_teams,
            "added_staff_per_year": added,
            "monitoring_per_year": monitoring,
            "annualised_total": recurring + new_teams + added + monitoring + one_off,
        }

    def cost_plan(self, name: str) -> CostPlan:
        """When the design's costs fall due (see :mod:`scalesim.ops.money`)."""
        costs, spec = self.costs(name), self.production[name].design.costs
        running = sum(costs[k] for k in ("recurring_per_year", "new_teams_per_year", "added_staff_per_year"))
        return CostPlan(
            build=spec.one_off,
            build_days=spec.build_days,
            change_management=spec.change_management,
            running_per_year=running + costs["monitoring_per_year"],
            horizon_days=self.scenario.run.horizon_days,
        )

    def cash_flow(self, name: str) -> CashFlow:
        """The design's money over the whole run, from go-live (every case counts: the ramp is the point)."""
        return self._cash_flows[name]

    @cached_property
    def _cash_flows(self) -> dict[str, CashFlow]:
        run = self.scenario.run
        flows = {}
        for name in self.designs:
            flow = cash_flow(
                self.production[name].ledger.end,
                self.production[name].ledger.value,
                self.cost_plan(name),
                run.horizon_days + run.drain_days,
                run.discount_rate,
            )
            if self.production[name].design is TODAYS_PROCESS:  # nothing to pay back, no value to wait for
                flow = replace(flow, payback_day=None, time_to_value_days=None)
            flows[name] = flow
        return flows

    def pilot_projection(self, name: str) -> np.ndarray:
        """Daily value the pilot promised: its value per case on every case, at the moment it arrives."""
        per_case = self.design_summary(name)["pilot"]["value_per_case"] or 0.0
        edges = day_edges(self.cost_plan(name), self.scenario.run.horizon_days + self.scenario.run.drain_days)
        return np.histogram(self.cases.arrival, bins=edges)[0] * per_case

    def prevented_loss_per_year(self, name: str) -> float:
        """What the wrong outputs an approval caught would have cost had they been acted on (counted cases)."""
        caught = (self.production[name].ledger.fate == CaseFate.CAUGHT) & self.counted
        return self._per_year(float(self.cases.value[caught].sum()) * self.scenario.value.wrong_action_cost_share)

    def capacity(self, name: str) -> dict[str, MeasuredLoad]:
        """Each team a design uses: offered load (expected, from the scenario) and measured utilisation."""
        design = self.production[name].design
        measured = {t.team: t.utilisation for t in self.production[name].teams}
        return {
            load.team: {**load.as_dict(), "utilisation": measured.get(load.team), "overloaded": load.overloaded}
            for load in team_loads(self.scenario, self.scenario.production, design)
        }

    def stall(self, name: str, retention: float | None) -> Stall:
        """The stall verdict of one design's production run, with whether it pays; a backlog names its team and
        offered load. Today's process is ``not_scaled``."""
        run = self.production[name]
        if run.design is TODAYS_PROCESS:
            return NOT_SCALED
        length = self.scenario.run.horizon_days + self.scenario.run.drain_days - self.scenario.run.warmup_days
        loads = {load.team: load for load in team_loads(self.scenario, self.scenario.production, run.design)}
        found = verdict(
            daily=run.trace.daily(),
            events=run.trace.event_table(),
            served_per_day={t.team: t.served / length for t in run.teams},
            horizon=self.scenario.run.horizon_days,
            trained_accuracy=self.scenario.production.accuracy,
            retention=retention,
            criteria=self.scenario.stall,
            load_notes={team: load.explain() for team, load in loads.items()},
        )
        return found.with_money(*pays_verdict(self._cash_flows[name].npv, self.net_value_per_year(name), self.currency))

    @property
    def currency(self) -> str:
        return self.scenario.currency

    def net_value_per_year(self, name: str) -> float:
        """Production value per year (every counted case) less what the design adds per year."""
        value = self._per_year(float(self.production[name].ledger.value[self.counted].sum()))
        return value - self.costs(name)["annualised_total"]

    def monitoring(self, name: str) -> MonitoringSummary | None:
        """A design's monitoring in numbers: checks and retrains in the run, and the check's false-alarm
        probability when nothing drifts (cases scored between checks at full roll-out, the production accuracy)."""
        lever = self.production[name].design.monitoring
        if lever is None:
            return None
        events = self.production[name].trace.event_table()
        production = self.scenario.production
        flow = expected_flow(self.scenario, production, self.production[name].design)
        cases = self.scenario.workload.arrival_rate * flow.scored * lever.every_days
        variance = outcome_variance(self.scenario, production)
        return {
            "checks": int((events["event"] == "check").sum()),
            "retrains": int((events["event"] == "retrain_start").sum()),
            "cases_per_check": cases,
            "false_alarm_per_check": false_alarm_probability(variance, cases, lever.threshold),
        }

    def design_summary(self, name: str) -> DesignSummary:
        """Pilot vs production for one design: value per case, retention, erosion by cause, net value, lead time."""
        return self._summaries[name]

    @cached_property
    def _summaries(self) -> dict[str, DesignSummary]:
        """Each design's summary, computed once (the JSON, the tables and experiment rows all read it)."""
        return {name: self._summarise(name) for name in self.designs}

    def _summarise(self, name: str) -> DesignSummary:
        paired = self.paired
        n = max(int(paired.sum()), 1)
        pilot = self._environment_summary(self.pilot, self.pilot_volume)
        production: ProductionFigures = {
            **self._environment_summary(self.production[name]),
            "value_per_year": self._per_year(float(self.production[name].ledger.value[self.counted].sum())),
            "prevented_loss_per_year": self.prevented_loss_per_year(name),
        }
        today = self.production[name].design is TODAYS_PROCESS
        ledgers = (self.pilot.ledger, self.production[name].ledger)
        erosion = {cause: total / n for cause, total in erosion_by_cause(*ledgers, paired).items()}
        costs = self.costs(name)
        retention, note = judge_retention(pilot["value_per_case"], production["value_per_case"], erosion)
        capacity = self.capacity(name)
        return {
            "description": self.production[name].design.description,
            "pilot": pilot,
            "production": production,
            "retention": retention,
            "retention_note": note,
            "stall": self.stall(name, retention).as_dict(),
            "erosion": erosion,
            "erosion_note": CAUGHT_SIGN if erosion["caught"] > 0 else None,
            "costs": costs,
            "net_value_per_year": self.net_value_per_year(name),
            "money": {
                **self._cash_flows[name].as_dict(),
                "discount_rate": self.scenario.run.discount_rate,
                "build_days": self.production[name].design.costs.build_days,
                "moments_apply": not today,
            },
            "monitoring": self.monitoring(name),
            "today": today,
            "levers": levers_of(self.production[name].design),
            "lead_time": production["lead_time"],
            "overloaded_teams": [team for team, c in capacity.items() if c["overloaded"]],
            "capacity": capacity,
            "teams": {t.team: team_figures(t) for t in self.production[name].teams},
        }

    def summary(self) -> RunSummary:
        """Everything a user reads about the run, as JSON-ready data (deterministic for scenario + seed)."""
        run = self.scenario.run
        pilot = self.scenario.pilot
        return {
            "scenario": self.scenario.name,
            "seed": self.seed if isinstance(self.seed, int) else repr(self.seed),
            "currency": self.scenario.currency,
            "horizon_days": run.horizon_days,
            "drain_days": run.drain_days,
            "warmup_days": run.warmup_days,
            "cases": self.counted_cases,
            "pilot_sample_share": pilot.sample_share,
            "pilot_cases": int(self.paired.sum()),
            "pilot_capacity": {
                load.team: load.as_dict() for load in team_loads(self.scenario, pilot, pilot.design, pilot.sample_share)
            },
            "designs": {name: self.design_summary(name) for name in self.designs},
        }

    def summary_table(self) -> pd.DataFrame:
        """One row per design, flat columns (the ``summary.csv`` of a run)."""
        rows = []
        for name in self.designs:
            s = self.design_summary(name)
            row: dict[str, Any] = {
                "design": name,
                "cases": self.counted_cases,
                "pilot_value_per_case": s["pilot"]["value_per_case"],
                "production_value_per_case": s["production"]["value_per_case"],
                "retention": s["retention"],
                "retention_note": s["retention_note"],
            }
            row |= {f"erosion_{cause}": v for cause, v in s["erosion"].items()}
            row |= {
                "pilot_value_per_year": s["pilot"]["value_per_year"],
                "production_value_per_year": s["production"]["value_per_year"],
                "costs_per_year": s["costs"]["annualised_total"],
                "net_value_per_year": s["net_value_per_year"],
                "prevented_loss_per_year": s["production"]["prevented_loss_per_year"],
                "npv": s["money"]["npv"],
                "net_value_run": s["money"]["net_value"],
                "payback_day": s["money"]["payback_day"],
                "time_to_value_days": s["money"]["time_to_value_days"],
                "lead_time_mean": s["lead_time"]["mean"],
                "lead_time_p90": s["lead_time"]["p90"],
            }
            row |= {f"share_{fate}": v for fate, v in s["production"]["fates"].items()}
            rows.append(row)
        frame = pd.DataFrame(rows)
        # a figure that may be missing (retention undefined, a moment that never came) is NaN, and the column a
        # number, whichever designs are in the table
        maybe = ["retention", "payback_day", "time_to_value_days", "lead_time_mean", "lead_time_p90"]
        maybe += ["pilot_value_per_case", "production_value_per_case", "pilot_value_per_year"]
        return frame.astype({column: float for column in maybe})

    def money_table(self) -> pd.DataFrame:
        """Per design and month from the start of the build: value, costs, net, cumulative net, and the cumulative
        net the pilot's projection promised against the same costs."""
        frames = [
            self.cash_flow(name).monthly(self.pilot_projection(name)).assign(design=name) for name in self.designs
        ]
        return _design_first(pd.concat(frames, ignore_index=True))

    def teams_table(self) -> pd.DataFrame:
        """Per team and environment: staff, cases served, mean wait, mean time at the team, utilisation."""
        rows = [{"environment": "pilot", "design": "pilot", **asdict(t)} for t in self.pilot.teams]
        for name, run in self.production.items():
            rows += [{"environment": "production", "design": name, **asdict(t)} for t in run.teams]
        return pd.DataFrame(rows)

    def weekly_table(self) -> pd.DataFrame:
        """Per design and week: arrivals, pilot-projected vs production value, trust, adoption, accuracy."""
        frames = [
            weekly_state(
                run.trace.daily(),
                self.cases.arrival,
                self.pilot.ledger,
                run.ledger,
                self.scenario.run.horizon_days,
                self.pilot_volume,
            ).assign(design=name)
            for name, run in self.production.items()
        ]
        return _design_first(pd.concat(frames, ignore_index=True))

    def weekly_teams_table(self) -> pd.DataFrame:
        """Per design, week and team: mean backlog (cases at the team) and utilisation."""
        frames = []
        for name, run in self.production.items():
            if not run.teams:  # today's process: no team does new work
                continue
            teams = {t.team: self.scenario.production.teams[t.team] for t in run.teams}
            staff = {t.team: t.staff for t in run.teams}
            frames.append(weekly_teams(run.trace.daily(), teams, staff).assign(design=name))
        if not frames:
            return pd.DataFrame(columns=["design", "week", "team", "backlog", "utilisation"])
        return _design_first(pd.concat(frames, ignore_index=True))

    def events_table(self) -> pd.DataFrame:
        """Dated events per design: monitoring checks, retraining, complaints, reversion."""
        frames = [run.trace.event_table().assign(design=name) for name, run in self.production.items()]
        return _design_first(pd.concat(frames, ignore_index=True))

    @property
    def kept_event_log(self) -> bool:
        return self.pilot.events is not None

    def event_log_table(self) -> pd.DataFrame:
        """Every piece of case work in every environment (Simod/Prosimos columns; see :mod:`scalesim.ops.eventlog`).

        Raises ``ValueError`` if the run was made without ``event_log=True``.
        """
        runs = [("pilot", "pilot", self.pilot), *(("production", n, r) for n, r in self.production.items())]
        frames = []
        for environment, design, run in runs:
            if run.events is None:
                raise ValueError("this run kept no event log: simulate it with event_log=True (--event-log)")
            frames.append(run.events.table(environment, design, run.ledger.fate, run.ledger.value, CASE_FATES))
        return pd.concat(frames, ignore_index=True)

    def ledger_table(self) -> pd.DataFrame:
        """The case ledger: one row per case and design, pilot and production fate, value and lead time."""
        cases = self.cases
        fate_type = pd.CategoricalDtype(list(CASE_FATES))
        pilot = self.pilot.ledger
        frames = []
        for name, run in self.production.items():
            prod = run.ledger
            frames.append(
                pd.DataFrame(
                    {
                        "design": pd.Categorical([name] * cases.count, categories=self.designs),
                        "case": np.arange(cases.count, dtype=np.int64),
                        "arrival": cases.arrival,
                        "potential_value": cases.value,
                        "hard": cases.hard,
                        "pilot_fate": pd.Categorical.from_codes(pilot.fate, dtype=fate_type),
                        "pilot_value": pilot.value,
                        "pilot_end": pilot.end,
                        "production_fate": pd.Categorical.from_codes(prod.fate, dtype=fate_type),
                        "production_value": prod.value,
                        "production_end": prod.end,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


def team_figures(stats: TeamStats) -> TeamFigures:
    """A team's figures without its name (the summary keys them by it)."""
    return {
        "staff": stats.staff,
        "served": stats.served,
        "mean_wait_days": stats.mean_wait_days,
        "mean_sojourn_days": stats.mean_sojourn_days,
        "utilisation": stats.utilisation,
        "mean_in_system": stats.mean_in_system,
        "arrival_rate": stats.arrival_rate,
        "in_system_at_end": stats.in_system_at_end,
    }


def levers_of(design: Design) -> Levers:
    """A design's lever settings, as the narrative, the plan and the app name them."""
    return {
        "integration_point": design.integration_point,
        "process_owner": design.process_owner,
        "approval": design.approval.policy,
        "exception_handling": design.exception_handling.mode,
        "monitoring": design.monitoring is not None,
        "accountability": design.accountability is not None,
        "human_review": design.human_review is not None,
        "go_live": design.go_live is not None,
    }


def judge_retention(
    pilot: float | None, production: float | None, erosion: dict[str, float]
) -> tuple[float | None, str | None]:
    """Retention, or None with the reason it is undefined; a note says why it is above 100 % when it is.

    A ratio to a pilot value that is zero or negative means nothing (the pilot lost money on its own cases);
    above 100 %, production did better than the pilot on some cause, and the note names it.
    """
    if pilot is None or production is None:
        return None, "undefined: no counted case was worked by the pilot, so there is nothing to compare"
    if not pilot > 0:
        return None, (
            f"undefined: the pilot's value per case is {pilot:.4g} (not above zero), so there is nothing to retain; "
            "check the pilot's accuracy, wrong-action cost and value"
        )
    retention = production / pilot
    if retention <= 1.0:
        return retention, None
    gains = sorted((v, cause) for cause, v in erosion.items() if v < 0)
    causes = ", ".join(f"{cause} ({v:+.3g} per case)" for v, cause in gains[:3]) or "no single cause"
    return retention, f"above 100%: production did better than the pilot on {causes}"


def _design_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["design", *[c for c in frame.columns if c != "design"]]]
