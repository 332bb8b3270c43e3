"""The admin's reading of the audit log, and its export (itself audited)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlmodel import Session, select

from core import audit
from core.models import AuditEntry
from core.permissions import Actor, Permission, require

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
    query = select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.table_name,
        AuditEntry.record_id,
        AuditEntry.fields,
        AuditEntry.outcome,
    ).order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
    if filters.actor.strip():
        query = query.where(AuditEntry.actor == filters.actor.strip().lower())
    if filters.action.strip():
        query = query.where(AuditEntry.action.contains(filters.action.strip()))  # type: ignore[attr-defined]
    if filters.outcome:
        query = query.where(AuditEntry.outcome == filters.outcome)
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at < filters.until)
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


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Spreadsheet programs run text that starts like a formula; prefix it with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return value
