"""The audit trail: one entry per write, login, refusal and export.

Entries name the fields that changed, never their contents, so free text about victims
never reaches the log. A write entry also advances the data version that caches use.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.models import AuditEntry, DataVersion
from core.permissions import Actor, Permission


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    *,
    table: str = "",
    record_id: int | None = None,
    fields: Iterable[str] = (),
    outcome: str = "ok",
) -> None:
    """Add an entry to the caller's transaction (it commits or rolls back with the write)."""
    username = actor.username if isinstance(actor, Actor) else actor
    session.add(
        AuditEntry(
            actor=username[:64],
            action=action[:40],
            table_name=table,
            record_id=record_id,
            fields=sorted(set(fields)),
            outcome=outcome,
        )
    )


def record_write(
    session: Session,
    actor: Actor,
    action: str,
    *,
    table: str,
    record_id: int | None,
    fields: Iterable[str] = (),
) -> None:
    record(session, actor, action, table=table, record_id=record_id, fields=fields)
    bump_data_version(session, facts=table in FACT_TABLES or table == "*")


# Row 1 counts every write. Row 2 counts only writes to the tables the statistics snapshot
# is built from, so that editing a material does not make the next statistics page reload
# a million sessions.
ALL_WRITES = 1
FACT_WRITES = 2
FACT_TABLES = frozenset({"case", "therapy_session", "outcome_measure", "provider"})


def bump_data_version(session: Session, *, facts: bool = False) -> None:
    rows = (ALL_WRITES, FACT_WRITES) if facts else (ALL_WRITES,)
    session.execute(
        update(DataVersion)
        .where(col(DataVersion.id).in_(rows))
        .values(value=col(DataVersion.value) + 1)
    )


def data_version(session: Session, *, facts: bool = False) -> int:
    row = FACT_WRITES if facts else ALL_WRITES
    value = session.execute(select(DataVersion.value).where(DataVersion.id == row)).scalar()
    return int(value or 0)


def record_refusal(session: Session, actor: Actor, *, action: str, permission: Permission) -> None:
    """Written in a transaction of its own: the refused work itself never starts."""
    with Session(session.get_bind()) as own:
        record(own, actor, action, table="", fields=[permission.value], outcome="refused")
        own.commit()
