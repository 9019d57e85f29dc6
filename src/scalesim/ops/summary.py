"""The shape of a run's summary (``summary.json``), as types: what the text, the narrative, the report, the
workbook and the app read from it is checked by mypy against these, key by key.

They are ``TypedDict`` classes, not dataclasses, because the summary is JSON both ways — written by the run, read
back from a folder by :mod:`scalesim.kinds` — and a typed dictionary is the same object in memory and on disk.
A figure that may be missing (retention undefined, a moment that never came) is ``None``.
"""

from __future__ import annotations

from typing import TypedDict


class LeadTime(TypedDict):
    mean: float | None
    p50: float | None
    p90: float | None


class EnvironmentFigures(TypedDict):
    """The pilot's or one design's production figures over the paired cases."""

    value_per_case: float | None
    value_per_year: float | None
    lead_time: LeadTime
    fates: dict[str, float]


class ProductionFigures(EnvironmentFigures):
    prevented_loss_per_year: float


class StallSummary(TypedDict):
    verdict: str
    reason: str | None
    day: float | None
    detail: str | None
    team: str | None
    pays: bool | None
    money: str | None


class Costs(TypedDict):
    one_off: float
    one_off_per_year: float
    recurring_per_year: float
    new_teams_per_year: float
    added_staff_per_year: float
    monitoring_per_year: float
    annualised_total: float


class CashFlowFigures(TypedDict):
    npv: float
    net_value: float
    payback_day: float | None
    time_to_value_days: float | None
    spends: bool


class MoneySummary(CashFlowFigures):
    discount_rate: float
    build_days: float
    moments_apply: bool


class MonitoringSummary(TypedDict):
    checks: int
    retrains: int
    cases_per_check: float
    false_alarm_per_check: float


class TeamLoad(TypedDict):
    staff: int
    offered_load: float
    work_hours_per_day: float
    staff_hours_per_day: float


class MeasuredLoad(TeamLoad):
    utilisation: float | None
    overloaded: bool


class TeamFigures(TypedDict):
    staff: int
    served: int
    mean_wait_days: float
    mean_sojourn_days: float
    utilisation: float
    mean_in_system: float
    arrival_rate: float
    in_system_at_end: int


class Levers(TypedDict):
    integration_point: str
    process_owner: bool
    approval: str
    exception_handling: str
    monitoring: bool
    accountability: bool
    human_review: bool
    go_live: bool


class DesignSummary(TypedDict):
    """Pilot against production for one design."""

    description: str
    pilot: EnvironmentFigures
    production: ProductionFigures
    retention: float | None
    retention_note: str | None
    stall: StallSummary
    erosion: dict[str, float]
    erosion_note: str | None
    costs: Costs
    net_value_per_year: float
    money: MoneySummary
    monitoring: MonitoringSummary | None
    today: bool
    levers: Levers
    lead_time: LeadTime
    overloaded_teams: list[str]
    capacity: dict[str, MeasuredLoad]
    teams: dict[str, TeamFigures]


class RunSummary(TypedDict):
    """Everything a user reads about one run (``summary.json``)."""

    scenario: str
    seed: int | str
    currency: str
    horizon_days: float
    drain_days: float
    warmup_days: float
    cases: int
    pilot_sample_share: float
    pilot_cases: int
    pilot_capacity: dict[str, TeamLoad]
    designs: dict[str, DesignSummary]
