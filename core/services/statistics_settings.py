"""The statistics settings the coordinator may change in the app: the suppression
threshold k, the waiting-time target and the KPI board's targets.

k may not go below 3: Statistics Estonia never publishes cells of 1 or 2 (DOMAIN.md), so a
lower k would let the tool show what the agency's own statistics office would not. Every
change is audited with the names of the settings changed, and advances the data version,
so every cached figure is recomputed with the new values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from core import audit
from core.errors import ValidationFailed
from core.models import Setting
from core.permissions import Actor, Permission, require, write_service
from core.settings import get_setting
from core.statistics.glossary import metric
from core.statistics.kpis import KPI_ORDER

MIN_K, MAX_K = 3, 50
MAX_WAITING_DAYS = 365
# What a target may be, by the unit of its figure: shares are fractions 0..1 (the page
# shows per cent), days, a satisfaction score 1..5, NPS points -100..100.
TARGET_RANGES: dict[str, tuple[float, float]] = {
    "share": (0.0, 2.0),
    "days": (0.0, 365.0),
    "score": (1.0, 5.0),
    "points": (-100.0, 100.0),
}


@dataclass(frozen=True)
class StatisticsSettings:
    k: int
    waiting_target_days: int
    kpi_targets: dict[str, dict[str, Any]]


def read(session: Session, actor: Actor) -> StatisticsSettings:
    require(session, actor, Permission.VIEW_STATISTICS, action="statistics_settings.read")
    return StatisticsSettings(
        k=int(get_setting(session, "suppression_k")),
        waiting_target_days=int(get_setting(session, "waiting_target_days")),
        kpi_targets=dict(get_setting(session, "kpi_targets") or {}),
    )


def _store(session: Session, key: str, value: Any) -> bool:
    row = session.execute(select(Setting).where(Setting.key == key)).scalar_one_or_none()
    if row is None:
        session.add(Setting(key=key, value=value))
        return True
    if row.value == value:
        return False
    row.value = value
    return True


@write_service(Permission.EDIT_SETTINGS)
def update(
    session: Session,
    actor: Actor,
    *,
    k: int,
    waiting_target_days: int,
    targets: dict[str, float],
) -> list[str]:
    """Save the settings; returns the names of those that changed. All or nothing."""
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if not MIN_K <= int(k) <= MAX_K:
        problems.append(("suppression_k", "invalid.range", {"min": MIN_K, "max": MAX_K}))
    if not 1 <= int(waiting_target_days) <= MAX_WAITING_DAYS:
        problems.append(
            ("waiting_target_days", "invalid.range", {"min": 1, "max": MAX_WAITING_DAYS})
        )
    current = dict(get_setting(session, "kpi_targets") or {})
    for key, value in targets.items():
        if key not in KPI_ORDER or key not in current:
            problems.append((key, "invalid.unknown", {}))
            continue
        low, high = TARGET_RANGES.get(metric(key).unit, (0.0, 1e9))
        if not low <= float(value) <= high:
            problems.append((key, "invalid.range", {"min": low, "max": high}))
            continue
        current[key] = {**current[key], "target": float(value)}
    if problems:
        raise ValidationFailed(problems)
    changed = [
        name
        for name, value in (
            ("suppression_k", int(k)),
            ("waiting_target_days", int(waiting_target_days)),
            ("kpi_targets", current),
        )
        if _store(session, name, value)
    ]
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "statistics.settings", table="setting", record_id=None, fields=changed
        )
    return changed
