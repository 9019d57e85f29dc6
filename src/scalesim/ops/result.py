"""A run's result as plain data: per-design summaries (JSON-ready), tidy tables and the case ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from scalesim.ops.cases import Cases
from scalesim.ops.dynamics import Trace
from scalesim.ops.ledger import FATES, Ledger, erosion_by_cause, lead_time_summary
from scalesim.ops.series import weekly_state, weekly_teams
from scalesim.ops.stall import Stall, verdict
from scalesim.ops.teams import TeamStats
from scalesim.scenario.schema import Design, Scenario

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class EnvironmentRun:
    """One environment's pass over the cases under one design."""

    design: Design
    ledger: Ledger
    teams: list[TeamStats]
    trace: Trace


@dataclass(frozen=True)
class RunResult:
    """The pilot and each design's production run over the same cases."""

    scenario: Scenario
    seed: int | np.random.SeedSequence
    cases: Cases
    pilot: EnvironmentRun
    production: dict[str, EnvironmentRun]

    @property
    def designs(self) -> list[str]:
        return list(self.production)

    @property
    def counted(self) -> np.ndarray:
        """Cases that enter the statistics: those arriving after the warm-up."""
        return self.cases.arrival >= self.scenario.run.warmup_days

    @property
    def counted_cases(self) -> int:
        return int(self.counted.sum())

    def _per_year(self, total: float) -> float:
        run = self.scenario.run
        return total * DAYS_PER_YEAR / (run.horizon_days - run.warmup_days)

    def _environment_summary(self, run: EnvironmentRun) -> dict[str, Any]:
        counted = self.counted
        total = float(run.ledger.value[counted].sum())
        return {
            "value_per_case": total / max(int(counted.sum()), 1),
            "value_per_year": self._per_year(total),
            "lead_time": lead_time_summary(run.ledger, counted),
            "fates": run.ledger.fate_shares(counted),
        }

    def costs(self, name: str) -> dict[str, float]:
        """A design's costs: its own one-off and recurring costs, the staff of a dedicated triage team, monitoring."""
        design = self.production[name].design
        handling = design.exception_handling
        staff = 0.0
        if handling.mode == "defined" and handling.team is not None:
            team = self.scenario.production.teams[handling.team]
            staff = team.staff * team.cost_per_staff_year
        monitoring = design.monitoring.cost_per_year if design.monitoring is not None else 0.0
        recurring = design.costs.recurring_per_year
        annual = recurring + staff + monitoring + design.costs.one_off / self.scenario.run.amortisation_years
        return {
            "one_off": design.costs.one_off,
            "recurring_per_year": recurring,
            "staff_per_year": staff,
            "monitoring_per_year": monitoring,
            "annualised_total": annual,
        }

    def stall(self, name: str, retention: float | None) -> Stall:
        """The stall verdict of one design's production run."""
        run = self.production[name]
        length = self.scenario.run.horizon_days + self.scenario.run.drain_days
        return verdict(
            daily=run.trace.daily(),
            events=run.trace.event_table(),
            served_per_day={t.team: t.served / length for t in run.teams},
            horizon=self.scenario.run.horizon_days,
            trained_accuracy=self.scenario.production.accuracy,
            retention=retention,
            criteria=self.scenario.stall,
        )

    def design_summary(self, name: str) -> dict[str, Any]:
        """Pilot vs production for one design: value per case, retention, erosion by cause, net value, lead time."""
        return self._summaries[name]

    @cached_property
    def _summaries(self) -> dict[str, dict[str, Any]]:
        """Each design's summary, computed once (the JSON, the tables and experiment rows all read it)."""
        return {name: self._summarise(name) for name in self.designs}

    def _summarise(self, name: str) -> dict[str, Any]:
        n = max(self.counted_cases, 1)
        pilot = self._environment_summary(self.pilot)
        production = self._environment_summary(self.production[name])
        ledgers = (self.pilot.ledger, self.production[name].ledger)
        erosion = {cause: total / n for cause, total in erosion_by_cause(*ledgers, self.counted).items()}
        costs = self.costs(name)
        pilot_value = pilot["value_per_case"]
        retention = production["value_per_case"] / pilot_value if pilot_value else None
        return {
            "description": self.production[name].design.description,
            "pilot": pilot,
            "production": production,
            "retention": retention,
            "stall": self.stall(name, retention).as_dict(),
            "erosion": erosion,
            "costs": costs,
            "net_value_per_year": production["value_per_year"] - costs["annualised_total"],
            "lead_time": production["lead_time"],
            "teams": {t.team: {k: v for k, v in asdict(t).items() if k != "team"} for t in self.production[name].teams},
        }

    def summary(self) -> dict[str, Any]:
        """Everything a user reads about the run, as JSON-ready data (deterministic for scenario + seed)."""
        run = self.scenario.run
        return {
            "scenario": self.scenario.name,
            "seed": self.seed if isinstance(self.seed, int) else repr(self.seed),
            "currency": self.scenario.currency,
            "horizon_days": run.horizon_days,
            "drain_days": run.drain_days,
            "warmup_days": run.warmup_days,
            "cases": self.counted_cases,
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
            }
            row |= {f"erosion_{cause}": v for cause, v in s["erosion"].items()}
            row |= {
                "pilot_value_per_year": s["pilot"]["value_per_year"],
                "production_value_per_year": s["production"]["value_per_year"],
                "costs_per_year": s["costs"]["annualised_total"],
                "net_value_per_year": s["net_value_per_year"],
                "lead_time_mean": s["lead_time"]["mean"],
                "lead_time_p90": s["lead_time"]["p90"],
            }
            row |= {f"share_{fate}": v for fate, v in s["production"]["fates"].items()}
            rows.append(row)
        return pd.DataFrame(rows)

    def teams_table(self) -> pd.DataFrame:
        """Per team and environment: staff, cases served, mean wait, mean time at the team, utilisation."""
        rows = [{"environment": "pilot", "design": "pilot", **asdict(t)} for t in self.pilot.teams]
        for name, run in self.production.items():
            rows += [{"environment": "production", "design": name, **asdict(t)} for t in run.teams]
        return pd.DataFrame(rows)

    def weekly_table(self) -> pd.DataFrame:
        """Per design and week: arrivals, pilot-projected vs production value, trust, adoption, accuracy."""
        frames = [
            weekly_state(run.trace.daily(), self.cases.arrival, self.pilot.ledger, run.ledger).assign(design=name)
            for name, run in self.production.items()
        ]
        return _design_first(pd.concat(frames, ignore_index=True))

    def weekly_teams_table(self) -> pd.DataFrame:
        """Per design, week and team: mean backlog (cases at the team) and utilisation."""
        frames = []
        for name, run in self.production.items():
            teams = {t.team: self.scenario.production.teams[t.team] for t in run.teams}
            frames.append(weekly_teams(run.trace.daily(), teams).assign(design=name))
        return _design_first(pd.concat(frames, ignore_index=True))

    def events_table(self) -> pd.DataFrame:
        """Dated events per design: monitoring checks, retraining, complaints, reversion."""
        frames = [run.trace.event_table().assign(design=name) for name, run in self.production.items()]
        return _design_first(pd.concat(frames, ignore_index=True))

    def ledger_table(self) -> pd.DataFrame:
        """The case ledger: one row per case and design, pilot and production fate, value and lead time."""
        cases = self.cases
        fate_type = pd.CategoricalDtype(FATES)
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


def _design_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["design", *[c for c in frame.columns if c != "design"]]]
