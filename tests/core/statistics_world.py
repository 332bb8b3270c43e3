"""Small hand-made data for the statistics tests: providers, cases, sessions and outcome
measures written straight to the database, and the helpers every statistics test needs.

Rows are inserted directly (not through the services), so the caller advances the facts
data version with `facts_changed(session)` as every write path does; the snapshot and the
view cache are per process, so the tests drop them before and after (`forget_caches`).
"""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlalchemy import update

from core import audit, cache
from core.models import Case, OutcomeMeasure, Provider, Setting, TherapySession
from core.statistics import store

_keys = count(1)


def forget_caches() -> None:
    store.forget()
    cache.forget()


def facts_changed(session) -> None:
    session.flush()
    audit.bump_data_version(session, facts=True)


def set_k(session, k: int) -> None:
    session.execute(update(Setting).where(Setting.key == "suppression_k").values(value=k))


def provider(session, name: str = "Hingerahu OÜ") -> int:
    row = Provider(
        name=name, registry_code=f"{20_000_000 + next(_keys)}", onboarding_status="active"
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def case(
    session,
    provider_id: int | None,
    *,
    referred: date = date(2026, 1, 5),
    county: str = "0037",
    category: str = "crime",
    language: str = "et",
    age_band: str = "27-39",
    gender: str = "female",
    source: str = "victim_support_worker",
) -> int:
    row = Case(
        case_key=f"K-S-{next(_keys):07d}",
        referral_date=referred,
        referral_source=source,
        victim_category=category,
        county=county,
        language=language,
        age_band=age_band,
        gender=gender,
        decision_date=referred,
        provider_id=provider_id,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def therapy(session, case_id: int, provider_id: int, day: date, *, cost: int = 7000) -> int:
    row = TherapySession(
        session_key=f"S-S-{next(_keys):08d}",
        case_id=case_id,
        provider_id=provider_id,
        session_date=day,
        minutes=60,
        form="in_person",
        cost_cents=cost,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def measure(session, case_id: int, instrument: str, point: str, score: int, day: date) -> None:
    session.add(
        OutcomeMeasure(
            case_id=case_id, instrument=instrument, time_point=point, score=score, measured_on=day
        )
    )
    session.flush()
