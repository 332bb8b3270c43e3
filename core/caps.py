"""The per-client cap: what each case has cost against the cap of its decision date.

The cap comes from the dated ClientCap table (core.settings.cap_on): the row valid on the
decision date (the referral date when there is no decision yet), so 725 € for 2023,
820 € for 2024, 886 € for 2025 and 946 € for decisions from 01.04.2026. A case warns at
80 % of its cap and is over it when it costs more. Lists name cases by their key only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from core.errors import NotFound
from core.models import Case, ClientCap, TherapySession
from core.permissions import Actor, Permission, require
from core.settings import cap_on

WARNING_SHARE = 0.8


def cap_level(spent_cents: int, cap_cents: int | None) -> str:
    """ "over" above the cap, "near" from 80 %, otherwise "ok" (also when no cap applies)."""
    if not cap_cents:
        return "ok"
    if spent_cents > cap_cents:
        return "over"
    if spent_cents >= WARNING_SHARE * cap_cents:
        return "near"
    return "ok"


@dataclass(frozen=True)
class CapStatus:
    case_key: str
    decided_on: date | None
    cap_cents: int | None
    spent_cents: int
    level: str

    @property
    def share(self) -> float:
        return self.spent_cents / self.cap_cents if self.cap_cents else 0.0

    @property
    def left_cents(self) -> int | None:
        return None if self.cap_cents is None else self.cap_cents - self.spent_cents


def _decided() -> Any:
    return func.coalesce(Case.decision_date, Case.referral_date)


def _cap_expression() -> Any:
    """The cap of each case's decision date, as a correlated subquery (the same as cap_on)."""
    return (
        select(ClientCap.amount_cents)
        .where(col(ClientCap.valid_from) <= _decided())
        .order_by(col(ClientCap.valid_from).desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def _spent() -> Any:
    return (
        select(
            col(TherapySession.case_id).label("case_id"),
            func.sum(TherapySession.cost_cents).label("spent"),
        )
        .group_by(col(TherapySession.case_id))
        .subquery()
    )


def case_cap(session: Session, actor: Actor, *, case_key: str) -> CapStatus:
    require(session, actor, Permission.VIEW_RECORDS, action="caps.case_cap")
    case = session.exec(select(Case).where(Case.case_key == case_key.strip())).first()
    if case is None:
        raise NotFound(table="case", id=case_key)
    spent = int(
        session.execute(
            select(func.coalesce(func.sum(TherapySession.cost_cents), 0)).where(
                TherapySession.case_id == case.id
            )
        ).scalar()
        or 0
    )
    decided = case.decision_date or case.referral_date
    cap = cap_on(session, decided)
    return CapStatus(case.case_key, case.decision_date, cap, spent, cap_level(spent, cap))


def _over_query(share: float) -> Any:
    spent = _spent()
    cap = _cap_expression()
    return (
        select(col(Case.case_key), col(Case.decision_date), cap, spent.c.spent)
        .join(spent, spent.c.case_id == col(Case.id))
        .where(spent.c.spent >= cap * share)
    )


def cases_near_cap(session: Session, actor: Actor, *, limit: int = 1000) -> list[CapStatus]:
    """Cases at 80 % of their cap or over it, most over first; keys only, no names."""
    require(session, actor, Permission.VIEW_RECORDS, action="caps.cases_near_cap")
    rows = session.execute(_over_query(WARNING_SHARE).limit(limit * 2)).all()
    found = [
        CapStatus(str(key), decided, int(cap), int(spent), cap_level(int(spent), int(cap)))
        for key, decided, cap, spent in rows
        if cap
    ]
    found.sort(key=lambda c: (-c.share, c.case_key))
    return found[:limit]


def cap_counts(session: Session) -> tuple[int, int]:
    """How many cases are near (80 % up to the cap) and over the cap, in one SQL pass."""
    spent = _spent()
    cap = _cap_expression()
    near_cap = sql_case(
        (and_(spent.c.spent >= cap * WARNING_SHARE, spent.c.spent <= cap), 1), else_=0
    )
    over_cap = sql_case((spent.c.spent > cap, 1), else_=0)
    near, over = session.execute(
        select(func.coalesce(func.sum(near_cap), 0), func.coalesce(func.sum(over_cap), 0))
        .select_from(Case)
        .join(spent, spent.c.case_id == col(Case.id))
        .where(cap.is_not(None))
    ).one()
    return int(near), int(over)
