"""The glossary: every figure the statistics page, the KPI board and meeting mode show,
with one fixed definition each. The definitions' text lives in the message catalogues
(`stat.metric.<key>` for the name, `stat.def.<key>` for the definition) so that the page
shows the same words next to each figure in Estonian and English; this module says what
kind of number each one is, which the suppression and the formatting rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "money", "ratio", "share", "days", "score", "points"]


@dataclass(frozen=True)
class Metric:
    key: str
    unit: Unit
    pivot: bool = False  # offered as a measure in meeting mode


METRICS: tuple[Metric, ...] = (
    Metric("clients", "count", pivot=True),
    Metric("new_clients", "count", pivot=True),
    Metric("continuing_clients", "count", pivot=True),
    Metric("sessions", "count", pivot=True),
    Metric("sessions_per_client", "ratio", pivot=True),
    Metric("cost", "money", pivot=True),
    Metric("cost_per_client", "money", pivot=True),
    Metric("waiting_median", "days"),
    Metric("waiting_p90", "days"),
    Metric("waiting_within_target", "share"),
    Metric("still_waiting", "count"),
    Metric("one_session_share", "share"),
    Metric("outcome_measured", "count"),
    Metric("outcome_change", "score"),
    Metric("outcome_improved", "share"),
    Metric("outcome_recovered", "share"),
    Metric("satisfaction", "score"),
    Metric("nps", "points"),
    Metric("budget_use", "share"),
)
BY_KEY = {metric.key: metric for metric in METRICS}
PIVOT_MEASURES = tuple(metric.key for metric in METRICS if metric.pivot)


def metric(key: str) -> Metric:
    return BY_KEY[key]
