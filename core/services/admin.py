"""The admin's reading of the audit log, and its export (itself audited)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core import audit
from core.models import AuditEntry
from core.permissions import Actor, Permission, require
from core.tabular import neutralise_cell

AUDIT_COLUMNS = ["id", "at", "actor", "action", "table", "record_id", "fields", "outcome"]


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 1000


def list_audit(session: Session, actor: Actor, filters: AuditFilter) -> pd.DataFrame:
    require(session, actor, Permission.VIEW_AUDIT, action="admin.list_audit")
    query = sa_select(
        col(AuditEntry.id),
        col(AuditEntry.at),
        col(AuditEntry.actor),
        col(AuditEntry.action),
        col(AuditEntry.table_name),
        col(AuditEntry.record_id),
        col(AuditEntry.fields),
        col(AuditEntry.outcome),
    ).order_by(col(AuditEntry.id).desc())
    if filters.actor.strip():
        query = query.where(col(AuditEntry.actor) == filters.actor.strip().lower())
    if filters.action.strip():
        query = query.where(col(AuditEntry.action).contains(filters.action.strip()))
    if filters.outcome:
        query = query.where(col(AuditEntry.outcome) == filters.outcome)
    if filters.since:
        query = query.where(col(AuditEntry.at) >= filters.since)
    if filters.until:
        query = query.where(col(AuditEntry.at) < filters.until)
    rows = session.execute(query.limit(filters.limit)).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=AUDIT_COLUMNS)
    frame["fields"] = frame["fields"].map(lambda names: ", ".join(names or []))
    return frame


def export_audit_csv(session: Session, actor: Actor, filters: AuditFilter) -> bytes:
    """CSV in UTF-8 with a BOM (Excel), cells that look like formulas neutralised."""
    frame = list_audit(session, actor, filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(AUDIT_COLUMNS)
    for row in frame.itertuples(index=False):
        writer.writerow([neutralise_cell(value) for value in row])
    audit.record(session, actor, "export", table="audit_entry", fields=[f"rows={len(frame)}"])
    session.commit()
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
