"""Domain settings kept in the database, with their defaults and the reference tables.

The per-client cap is a dated table (DOMAIN.md: one minimum monthly wage, changing during
a year), outcome thresholds are rows, and the suppression threshold k is a setting.
`ensure_reference_data` is idempotent and runs on every start after the migrations.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from core.models import ClientCap, DataVersion, InstrumentThreshold, Setting

DEFAULT_SETTINGS: dict[str, Any] = {
    "suppression_k": 5,
    "waiting_target_days": 14,
    "supervision_frequency_days": 30,
    "qualification_warning_months": 6,
    "unverified_alert_days": 14,
    "contract_alert_days": [90, 60, 30],
    "overview_upcoming_event_days": 30,
    "info_day_required_yearly": True,
    # Languages every published client-facing material must exist in (Ukrainian optional).
    "service_languages": ["et", "ru", "en"],
    "partner_next_step_alert_days": 14,
    "due_horizon_days": 60,
    # The lead's KPI board: target, which direction is better, and the amber band.
    "kpi_targets": {
        "waiting_within_target": {"target": 0.8, "better": "higher", "tolerance": 0.1},
        "waiting_median": {"target": 14, "better": "lower", "tolerance": 3},
        "one_session_share": {"target": 0.15, "better": "lower", "tolerance": 0.05},
        "outcome_improved": {"target": 0.5, "better": "higher", "tolerance": 0.1},
        "satisfaction": {"target": 4.2, "better": "higher", "tolerance": 0.3},
        "nps": {"target": 30, "better": "higher", "tolerance": 15},
        "budget_use": {"target": 1.0, "better": "lower", "tolerance": 0.1},
    },
}

DEFAULT_CLIENT_CAPS: list[tuple[date, int, str]] = [
    (date(2023, 1, 1), 725_00, "2023"),
    (date(2024, 1, 1), 820_00, "2024"),
    (date(2025, 1, 1), 886_00, "2025"),
    (date(2026, 4, 1), 946_00, "01.04.2026"),
]

# instrument, min, max, clinical cut-off, reliable change, recovered below, meaningful change
DEFAULT_THRESHOLDS: list[tuple[str, int, int, int | None, int | None, int | None, int | None]] = [
    ("PCL-5", 0, 80, 31, 5, 31, 10),
    ("CORE-10", 0, 40, 11, 6, 11, None),
    ("PHQ-9", 0, 27, 10, 6, 10, None),
    ("GAD-7", 0, 21, 8, 4, 8, None),
    ("EEK-2", 0, 4, None, None, None, None),
]


def ensure_reference_data(session: Session) -> None:
    for row in (1, 2):  # all writes, and writes to the statistics' fact tables
        if session.get(DataVersion, row) is None:
            session.add(DataVersion(id=row, value=0))
    existing = set(session.execute(select(Setting.key)).scalars())
    for key, value in DEFAULT_SETTINGS.items():
        if key not in existing:
            session.add(Setting(key=key, value=value))
    if not session.execute(select(ClientCap.id).limit(1)).first():
        for valid_from, cents, note in DEFAULT_CLIENT_CAPS:
            session.add(ClientCap(valid_from=valid_from, amount_cents=cents, note=note))
    known = set(session.execute(select(InstrumentThreshold.instrument)).scalars())
    for name, low, high, cutoff, reliable, recovered, meaningful in DEFAULT_THRESHOLDS:
        if name not in known:
            session.add(
                InstrumentThreshold(
                    instrument=name,
                    score_min=low,
                    score_max=high,
                    clinical_cutoff=cutoff,
                    reliable_change=reliable,
                    recovered_below=recovered,
                    meaningful_change=meaningful,
                )
            )
    session.flush()


def get_setting(session: Session, key: str) -> Any:
    value = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return DEFAULT_SETTINGS.get(key) if value is None else value


def suppression_k(session: Session) -> int:
    return int(get_setting(session, "suppression_k"))


def cap_on(session: Session, decision_date: date) -> int | None:
    """The per-client cap in cents for a decision made on `decision_date`."""
    return session.execute(
        select(ClientCap.amount_cents)
        .where(ClientCap.valid_from <= decision_date)
        .order_by(col(ClientCap.valid_from).desc())
        .limit(1)
    ).scalar_one_or_none()
