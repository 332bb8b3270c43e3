"""The lead's KPI board: each KPI against its target from the settings, with a traffic
light and the change against the previous period.

A KPI's target, the direction that is better and the amber tolerance are the setting
`kpi_targets` (so the lead's targets change without a release). A KPI whose figure is
hidden by suppression, or missing, gets no colour rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session

from core.settings import get_setting
from core.statistics.views import Figure, StatisticsView

Status = Literal["green", "amber", "red", "none"]
KPI_ORDER = (
    "waiting_within_target",
    "waiting_median",
    "one_session_share",
    "outcome_improved",
    "satisfaction",
    "nps",
    "budget_use",
)
OUTCOME_KPI_INSTRUMENT = "PCL-5"


@dataclass(frozen=True)
class Target:
    value: float
    higher_is_better: bool
    tolerance: float

    @classmethod
    def from_setting(cls, raw: dict[str, Any]) -> Target:
        return cls(
            value=float(raw["target"]),
            higher_is_better=raw.get("better", "higher") == "higher",
            tolerance=float(raw.get("tolerance", 0)),
        )


@dataclass(frozen=True)
class KpiRow:
    key: str
    figure: Figure
    target: Target
    status: Status

    @property
    def change(self) -> float | None:
        if self.figure.value is None or self.figure.previous is None:
            return None
        return float(self.figure.value) - float(self.figure.previous)


def status_of(value: float | None, target: Target) -> Status:
    if value is None:
        return "none"
    gap = (value - target.value) if target.higher_is_better else (target.value - value)
    if gap >= 0:
        return "green"
    return "amber" if -gap <= target.tolerance else "red"


def targets(session: Session) -> dict[str, Target]:
    raw = get_setting(session, "kpi_targets") or {}
    return {key: Target.from_setting(value) for key, value in raw.items() if key in KPI_ORDER}


def board(view: StatisticsView, goals: dict[str, Target]) -> list[KpiRow]:
    figures = dict(view.tiles)
    outcome = view.outcomes[view.outcomes["instrument"] == OUTCOME_KPI_INSTRUMENT]
    if len(outcome):
        value = outcome["improved"].iloc[0]
        figures["outcome_improved"] = Figure(
            "outcome_improved",
            None if value is None or value != value else float(value),
            outcome["improved_shown"].iloc[0],
        )
    else:
        figures["outcome_improved"] = Figure("outcome_improved", None, None)
    rows = []
    for key in KPI_ORDER:
        if key not in goals:
            continue
        figure = figures.get(key, Figure(key, None, None))
        value = None if figure.value is None else float(figure.value)
        rows.append(KpiRow(key, figure, goals[key], status_of(value, goals[key])))
    return rows
