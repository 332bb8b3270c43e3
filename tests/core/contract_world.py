"""Small hand-made data for the contract, invoice, budget, cap and report tests."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from core import db
from core.models import Case, Contract, Invoice, Provider, TherapySession

TODAY = date(2026, 11, 24)
PRICES = [
    {"form": "in_person", "minutes": 60, "price_cents": 7000},
    {"form": "video", "minutes": 60, "price_cents": 6000},
    {"form": "phone", "minutes": 45, "price_cents": 4500},
]
_keys = count(1)


def provider(session, name: str = "Hingerahu OÜ", code: str = "10000001") -> int:
    row = Provider(name=name, registry_code=code, onboarding_status="active")
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def contract(session, provider_id: int, **values: Any) -> int:
    data: dict[str, Any] = {
        "provider_id": provider_id,
        "number": f"TTTVT-T/{next(_keys):03d}",
        "status": "active",
        "start_date": date(2026, 1, 1),
        "end_date": date(2027, 12, 31),
        "ceiling_cents": 100_000_00,
        "unit_prices": PRICES,
        "document_ref": "7.2-3/2026/1",
    }
    data.update(values)
    row = Contract(**data)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def case(
    session,
    provider_id: int,
    *,
    decided: date | None = date(2026, 1, 5),
    county: str = "0037",
    category: str = "crime",
    key: str | None = None,
) -> int:
    row = Case(
        case_key=key or f"K-T-{next(_keys):07d}",
        referral_date=decided or date(2026, 1, 1),
        referral_source="victim_support_worker",
        victim_category=category,
        county=county,
        language="et",
        age_band="27-39",
        gender="female",
        decision_date=decided,
        provider_id=provider_id,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def therapy(
    session,
    case_id: int,
    provider_id: int,
    day: date,
    *,
    form: str = "in_person",
    minutes: int = 60,
    cost: int = 7000,
) -> None:
    session.add(
        TherapySession(
            session_key=f"S-T-{next(_keys):08d}",
            case_id=case_id,
            provider_id=provider_id,
            session_date=day,
            minutes=minutes,
            form=form,
            cost_cents=cost,
        )
    )
    session.flush()


def invoice(session, contract_id: int, **values: Any) -> int:
    data: dict[str, Any] = {
        "contract_id": contract_id,
        "number": f"A-{next(_keys)}",
        "period_start": date(2026, 10, 1),
        "period_end": date(2026, 10, 31),
        "sessions_claimed": 0,
        "amount_cents": 0,
        "status": "received",
        "received_on": date(2026, 11, 5),
    }
    data.update(values)
    row = Invoice(**data)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def world() -> dict[str, int]:
    """One provider with an active contract and three October sessions (2 in person, 1 video)."""
    with db.write_session() as session:
        p = provider(session)
        c = contract(session, p)
        first = case(session, p)
        second = case(session, p)
        therapy(session, first, p, date(2026, 10, 6))
        therapy(session, first, p, date(2026, 10, 13))
        therapy(session, second, p, date(2026, 10, 20), form="video", cost=6000)
        return {"provider": p, "contract": c, "case": first, "case2": second}
