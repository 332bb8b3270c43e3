"""Providers' invoices: entry, import, reconciliation against sessions, and the workflow.

Reconciliation compares an invoice with the sessions recorded for the contract's provider
in the invoice period: the number of sessions, and the
amount those sessions are worth at the contract's unit prices (form and length). A
difference is flagged with its size and the sessions behind it.

Workflow: received → checked → approved or rejected → paid (approved only). Checking and
deciding record who and when; rejecting needs a reason; an invoice that does not reconcile
cannot be approved (correct it or reject it). An invoice larger than what is left of the
contract's ceiling (after approved and paid invoices) is flagged.

Import (CSV or XLSX, read by core.tabular) creates invoices: every row is checked first,
and either all rows are saved or none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core import audit
from core.dates import local_today
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.models import (
    Case,
    Contract,
    Invoice,
    InvoiceStatus,
    Provider,
    TherapySession,
    User,
    utc_now,
)
from core.permissions import Actor, Permission, require, write_service
from core.services.contracts import _Problems, validated
from core.tabular import ColumnSpec, Format, Problem, Table, TableRefused, read_table, template

IS = InvoiceStatus
# Money already committed against the ceiling.
SETTLED = (IS.APPROVED.value, IS.PAID.value)
# Invoices that count as invoiced (everything not rejected).
INVOICED = (IS.RECEIVED.value, IS.CHECKED.value, IS.APPROVED.value, IS.PAID.value)
NEXT: dict[str, tuple[str, ...]] = {
    IS.RECEIVED.value: (IS.CHECKED.value, IS.REJECTED.value),
    IS.CHECKED.value: (IS.APPROVED.value, IS.REJECTED.value),
    IS.APPROVED.value: (IS.PAID.value,),
    IS.REJECTED.value: (),
    IS.PAID.value: (),
}
EDITABLE = (IS.RECEIVED.value, IS.CHECKED.value)
Progress = Callable[[float, str], None]


_today = local_today


# --- input -------------------------------------------------------------------------------


class InvoiceInput(BaseModel):
    contract_id: int = Field(ge=1)
    number: str = Field(min_length=1, max_length=60)
    period_start: date
    period_end: date
    sessions_claimed: int = Field(ge=0, le=100_000)
    amount_cents: int = Field(ge=0, le=100_000_000_00)
    received_on: date

    @field_validator("number", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _period(self) -> InvoiceInput:
        if self.period_end < self.period_start:
            raise _Problems([("invoice.period_end", "invalid.invoice.end_before_start", {})])
        return self


# --- reconciliation ----------------------------------------------------------------------


def price_for(prices: Iterable[dict[str, Any]], form: str, minutes: int) -> int | None:
    """The contract's unit price for a session of this form and length, if it has one."""
    for price in prices:
        if price.get("form") == form and int(price.get("minutes", 0)) == minutes:
            return int(price["price_cents"])
    return None


@dataclass(frozen=True)
class Group:
    form: str
    minutes: int
    sessions: int
    cost_cents: int


@dataclass(frozen=True)
class Issue:
    kind: str  # missing_sessions, extra_sessions, price_mismatch, amount, unpriced
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reconciliation:
    claimed_sessions: int
    claimed_cents: int
    recorded_sessions: int
    recorded_cost_cents: int  # what the session records say they cost
    expected_cents: int  # the recorded sessions at the contract's unit prices
    unpriced_sessions: int
    issues: tuple[Issue, ...]

    @property
    def matches(self) -> bool:
        return not self.issues

    @property
    def session_difference(self) -> int:
        """Claimed minus recorded: positive when the invoice claims unrecorded sessions."""
        return self.claimed_sessions - self.recorded_sessions

    @property
    def amount_difference(self) -> int:
        return self.claimed_cents - self.expected_cents


def reconcile_groups(
    claimed_sessions: int, claimed_cents: int, groups: Iterable[Group], prices: list[dict[str, Any]]
) -> Reconciliation:
    """The comparison itself, a pure function of the invoice, the sessions and the prices."""
    recorded = cost = expected = unpriced = 0
    for group in groups:
        recorded += group.sessions
        cost += group.cost_cents
        unit = price_for(prices, group.form, group.minutes)
        if unit is None:
            unpriced += group.sessions
        else:
            expected += unit * group.sessions
    issues: list[Issue] = []
    sessions_off = claimed_sessions - recorded
    amount_off = claimed_cents - expected
    if sessions_off > 0:
        issues.append(Issue("missing_sessions", {"count": sessions_off}))
    elif sessions_off < 0:
        issues.append(Issue("extra_sessions", {"count": -sessions_off}))
    if amount_off and not sessions_off:
        issues.append(Issue("price_mismatch", {"difference": amount_off}))
    elif amount_off:
        issues.append(Issue("amount", {"difference": amount_off}))
    if unpriced:
        issues.append(Issue("unpriced", {"count": unpriced}))
    return Reconciliation(
        claimed_sessions=claimed_sessions,
        claimed_cents=claimed_cents,
        recorded_sessions=recorded,
        recorded_cost_cents=cost,
        expected_cents=expected,
        unpriced_sessions=unpriced,
        issues=tuple(issues),
    )


def recorded_groups(session: Session, invoice_ids: list[int]) -> dict[int, list[Group]]:
    """Recorded sessions behind each invoice, by form and length: one SQL aggregation."""
    if not invoice_ids:
        return {}
    rows = session.execute(
        sa_select(
            col(Invoice.id),
            col(TherapySession.form),
            col(TherapySession.minutes),
            func.count(),
            func.coalesce(func.sum(TherapySession.cost_cents), 0),
        )
        .join(Contract, col(Contract.id) == col(Invoice.contract_id))
        .join(TherapySession, col(TherapySession.provider_id) == col(Contract.provider_id))
        .where(
            col(Invoice.id).in_(invoice_ids),
            col(TherapySession.session_date) >= col(Invoice.period_start),
            col(TherapySession.session_date) <= col(Invoice.period_end),
        )
        .group_by(col(Invoice.id), col(TherapySession.form), col(TherapySession.minutes))
    ).all()
    groups: dict[int, list[Group]] = {}
    for invoice_id, form, minutes, count, cost in rows:
        groups.setdefault(int(invoice_id), []).append(
            Group(str(form), int(minutes), int(count), int(cost))
        )
    return groups


def expected_for_period(
    session: Session, contract: Contract, start: date, end: date
) -> list[Group]:
    """The groups for a period that is not (yet) an invoice: used by the import preview."""
    rows = session.execute(
        select(
            col(TherapySession.form),
            col(TherapySession.minutes),
            func.count(),
            func.coalesce(func.sum(TherapySession.cost_cents), 0),
        )
        .where(
            TherapySession.provider_id == contract.provider_id,
            TherapySession.session_date >= start,
            TherapySession.session_date <= end,
        )
        .group_by(col(TherapySession.form), col(TherapySession.minutes))
    ).all()
    return [Group(str(f), int(m), int(n), int(c)) for f, m, n, c in rows]


def settled_cents(session: Session, contract_ids: list[int]) -> dict[int, int]:
    """Approved and paid invoice amounts per contract."""
    if not contract_ids:
        return {}
    rows = session.execute(
        select(col(Invoice.contract_id), func.coalesce(func.sum(Invoice.amount_cents), 0))
        .where(col(Invoice.contract_id).in_(contract_ids), col(Invoice.status).in_(SETTLED))
        .group_by(col(Invoice.contract_id))
    ).all()
    return {int(contract_id): int(total) for contract_id, total in rows}


# --- read models -------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    contract_id: int
    contract_number: str
    provider_name: str
    number: str
    period_start: date
    period_end: date
    sessions_claimed: int
    amount_cents: int
    status: str
    received_on: date
    version: int
    reconciliation: Reconciliation
    remaining_before_cents: int  # ceiling minus other approved and paid invoices
    over_ceiling: bool


@dataclass(frozen=True)
class SessionLine:
    session_key: str
    case_key: str
    session_date: date
    form: str
    minutes: int
    cost_cents: int
    unit_price_cents: int | None

    @property
    def differs(self) -> bool:
        return self.unit_price_cents is None or self.unit_price_cents != self.cost_cents


@dataclass(frozen=True)
class InvoiceDetail:
    row: InvoiceRow
    checked_by: str
    checked_at: datetime | None
    decided_by: str
    decided_at: datetime | None
    rejection_reason: str
    paid_on: date | None
    sessions: tuple[SessionLine, ...]
    next_statuses: tuple[str, ...]
    editable: bool
    unit_prices: tuple[dict[str, Any], ...]


def _rows(session: Session, query: Any) -> list[InvoiceRow]:
    found = session.execute(query).all()
    ids = [int(invoice.id) for invoice, _contract, _name in found]
    groups = recorded_groups(session, ids)
    settled = settled_cents(session, list({contract.id for _i, contract, _n in found}))
    rows = []
    for invoice, contract, provider_name in found:
        own = invoice.amount_cents if invoice.status in SETTLED else 0
        remaining = contract.ceiling_cents - (settled.get(contract.id, 0) - own)
        rows.append(
            InvoiceRow(
                id=invoice.id,
                contract_id=contract.id,
                contract_number=contract.number,
                provider_name=provider_name,
                number=invoice.number,
                period_start=invoice.period_start,
                period_end=invoice.period_end,
                sessions_claimed=invoice.sessions_claimed,
                amount_cents=invoice.amount_cents,
                status=invoice.status,
                received_on=invoice.received_on,
                version=invoice.version,
                reconciliation=reconcile_groups(
                    invoice.sessions_claimed,
                    invoice.amount_cents,
                    groups.get(int(invoice.id), []),
                    list(contract.unit_prices),
                ),
                remaining_before_cents=remaining,
                over_ceiling=invoice.status != IS.REJECTED.value
                and invoice.amount_cents > remaining,
            )
        )
    return rows


def _base_query() -> Any:
    return (
        select(Invoice, Contract, Provider.name)
        .join(Contract, col(Contract.id) == col(Invoice.contract_id))
        .join(Provider, col(Provider.id) == col(Contract.provider_id))
    )


def list_invoices(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    contract_id: int | None = None,
    mismatched_only: bool = False,
    limit: int = 500,
) -> list[InvoiceRow]:
    require(session, actor, Permission.VIEW_RECORDS, action="invoices.list_invoices")
    query = _base_query()
    if status:
        query = query.where(Invoice.status == status)
    if contract_id:
        query = query.where(Invoice.contract_id == contract_id)
    query = query.order_by(col(Invoice.received_on).desc(), col(Invoice.id).desc()).limit(limit)
    rows = _rows(session, query)
    if mismatched_only:
        rows = [row for row in rows if not row.reconciliation.matches or row.over_ceiling]
    return rows


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return user.name if user else ""


def get_invoice(session: Session, actor: Actor, *, invoice_id: int) -> InvoiceDetail:
    require(session, actor, Permission.VIEW_RECORDS, action="invoices.get_invoice")
    rows = _rows(session, _base_query().where(Invoice.id == invoice_id))
    if not rows:
        raise NotFound(table="invoice", id=invoice_id)
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    contract = session.get(Contract, invoice.contract_id)
    assert contract is not None
    start, end = invoice.period_start, invoice.period_end
    found = session.execute(
        sa_select(
            col(TherapySession.session_key),
            col(Case.case_key),
            col(TherapySession.session_date),
            col(TherapySession.form),
            col(TherapySession.minutes),
            col(TherapySession.cost_cents),
        )
        .join(Case, col(Case.id) == col(TherapySession.case_id))
        .where(
            col(TherapySession.provider_id) == contract.provider_id,
            col(TherapySession.session_date) >= start,
            col(TherapySession.session_date) <= end,
        )
        .order_by(col(TherapySession.session_date), col(TherapySession.session_key))
        .limit(2000)
    ).all()
    prices = list(contract.unit_prices)
    return InvoiceDetail(
        row=rows[0],
        checked_by=_user_name(session, invoice.checked_by_id),
        checked_at=invoice.checked_at,
        decided_by=_user_name(session, invoice.decided_by_id),
        decided_at=invoice.decided_at,
        rejection_reason=invoice.rejection_reason,
        paid_on=invoice.paid_on,
        sessions=tuple(
            SessionLine(key, case, day, form, minutes, cost, price_for(prices, form, minutes))
            for key, case, day, form, minutes, cost in found
        ),
        next_statuses=NEXT.get(invoice.status, ()),
        editable=invoice.status in EDITABLE,
        unit_prices=tuple(prices),
    )


def contract_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Contracts an invoice may be entered for, as (id, "number · provider")."""
    require(session, actor, Permission.VIEW_RECORDS, action="invoices.contract_choices")
    rows = session.execute(
        select(col(Contract.id), col(Contract.number), col(Provider.name))
        .join(Provider, col(Provider.id) == col(Contract.provider_id))
        .order_by(col(Contract.number))
    ).all()
    return [(int(i), f"{number} · {name}") for i, number, name in rows]


# --- writing -----------------------------------------------------------------------------


def _invoice_values(
    session: Session, data: dict[str, Any], except_id: int | None
) -> dict[str, Any]:
    values = validated(InvoiceInput, data, "invoice").model_dump()
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if session.get(Contract, values["contract_id"]) is None:
        problems.append(("invoice.contract_id", "invalid.invoice.contract_id", {}))
    else:
        taken = session.exec(
            select(Invoice.id).where(
                Invoice.contract_id == values["contract_id"], Invoice.number == values["number"]
            )
        ).all()
        if any(found != except_id for found in taken):
            problems.append(("invoice.number", "invalid.invoice.number_taken", {}))
    if values["received_on"] > _today():
        problems.append(("invoice.received_on", "invalid.future_date", {}))
    if problems:
        raise ValidationFailed(problems)
    return values


@write_service(Permission.EDIT_RECORDS)
def create_invoice(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    values = _invoice_values(session, data, None)
    invoice = Invoice(**values, status=IS.RECEIVED.value)
    session.add(invoice)
    session.flush()
    audit.record_write(
        session, actor, "invoice.create", table="invoice", record_id=invoice.id, fields=values
    )
    assert invoice.id is not None
    return invoice.id


@write_service(Permission.EDIT_RECORDS)
def update_invoice(
    session: Session, actor: Actor, *, invoice_id: int, data: dict[str, Any], expected_version: int
) -> None:
    """Correct an invoice that is not decided yet; a checked one must be checked again."""
    values = _invoice_values(session, data, invoice_id)
    invoice = get_for_update(session, Invoice, invoice_id, expected_version)
    if invoice.status not in EDITABLE:
        raise ValidationFailed(
            [("invoice.status", "invoice.not_editable", {"current": invoice.status})]
        )
    changed = [key for key, value in values.items() if getattr(invoice, key) != value]
    for key in changed:
        setattr(invoice, key, values[key])
    if changed and invoice.status == IS.CHECKED.value:
        invoice.status, invoice.checked_by_id, invoice.checked_at = IS.RECEIVED.value, None, None
        changed += ["status", "checked_by_id", "checked_at"]
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "invoice.update", table="invoice", record_id=invoice_id, fields=changed
        )


def _step(invoice: Invoice, target: str) -> None:
    if target not in NEXT.get(invoice.status, ()):
        raise ValidationFailed(
            [
                (
                    "invoice.status",
                    "invoice.transition.not_allowed",
                    {
                        "from": invoice.status,
                        "to": target,
                        "allowed": list(NEXT.get(invoice.status, ())),
                    },
                )
            ]
        )


def _reconciliation_of(session: Session, invoice: Invoice) -> Reconciliation:
    assert invoice.id is not None
    contract = session.get(Contract, invoice.contract_id)
    assert contract is not None
    return reconcile_groups(
        invoice.sessions_claimed,
        invoice.amount_cents,
        recorded_groups(session, [invoice.id]).get(invoice.id, []),
        list(contract.unit_prices),
    )


@write_service(Permission.EDIT_RECORDS)
def check_invoice(
    session: Session, actor: Actor, *, invoice_id: int, expected_version: int
) -> None:
    invoice = get_for_update(session, Invoice, invoice_id, expected_version)
    _step(invoice, IS.CHECKED.value)
    invoice.status = IS.CHECKED.value
    invoice.checked_by_id, invoice.checked_at = actor.user_id, utc_now()
    session.flush()
    audit.record_write(
        session,
        actor,
        "invoice.check",
        table="invoice",
        record_id=invoice_id,
        fields=["status", "checked_by_id", "checked_at"],
    )


@write_service(Permission.EDIT_RECORDS)
def approve_invoice(
    session: Session, actor: Actor, *, invoice_id: int, expected_version: int
) -> None:
    """Approve a checked invoice that reconciles with the recorded sessions."""
    invoice = get_for_update(session, Invoice, invoice_id, expected_version)
    _step(invoice, IS.APPROVED.value)
    result = _reconciliation_of(session, invoice)
    if not result.matches:
        raise ValidationFailed(
            [
                (
                    "invoice.status",
                    "invoice.approve.mismatch",
                    {
                        "sessions": result.session_difference,
                        "difference": result.amount_difference,
                    },
                )
            ]
        )
    invoice.status = IS.APPROVED.value
    invoice.decided_by_id, invoice.decided_at = actor.user_id, utc_now()
    session.flush()
    audit.record_write(
        session,
        actor,
        "invoice.approve",
        table="invoice",
        record_id=invoice_id,
        fields=["status", "decided_by_id", "decided_at"],
    )


@write_service(Permission.EDIT_RECORDS)
def reject_invoice(
    session: Session, actor: Actor, *, invoice_id: int, reason: str, expected_version: int
) -> None:
    invoice = get_for_update(session, Invoice, invoice_id, expected_version)
    _step(invoice, IS.REJECTED.value)
    if len(reason.strip()) < 3:
        raise ValidationFailed([("invoice.rejection_reason", "invoice.reject.reason_required", {})])
    invoice.status = IS.REJECTED.value
    invoice.rejection_reason = reason.strip()[:1000]
    invoice.decided_by_id, invoice.decided_at = actor.user_id, utc_now()
    session.flush()
    audit.record_write(
        session,
        actor,
        "invoice.reject",
        table="invoice",
        record_id=invoice_id,
        fields=["status", "rejection_reason", "decided_by_id", "decided_at"],
    )


@write_service(Permission.EDIT_RECORDS)
def mark_paid(
    session: Session, actor: Actor, *, invoice_id: int, paid_on: date, expected_version: int
) -> None:
    invoice = get_for_update(session, Invoice, invoice_id, expected_version)
    _step(invoice, IS.PAID.value)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if paid_on > _today():
        problems.append(("invoice.paid_on", "invalid.future_date", {}))
    if paid_on < invoice.received_on:
        problems.append(("invoice.paid_on", "invalid.invoice.paid_before_received", {}))
    if problems:
        raise ValidationFailed(problems)
    invoice.status, invoice.paid_on = IS.PAID.value, paid_on
    session.flush()
    audit.record_write(
        session,
        actor,
        "invoice.paid",
        table="invoice",
        record_id=invoice_id,
        fields=["status", "paid_on"],
    )


# --- import ------------------------------------------------------------------------------

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "contract_number",
        "invoices.col.contract_number",
        ("leping", "lepingu nr", "contract", "contract no"),
        True,
    ),
    ColumnSpec("number", "invoices.col.number", ("arve", "arve nr", "invoice", "invoice no"), True),
    ColumnSpec(
        "period_start", "invoices.col.period_start", ("alates", "from", "period from"), True
    ),
    ColumnSpec("period_end", "invoices.col.period_end", ("kuni", "to", "until", "period to"), True),
    ColumnSpec("sessions_claimed", "invoices.col.sessions_claimed", ("seansse", "sessions"), True),
    ColumnSpec("amount", "invoices.col.amount", ("summa", "amount eur", "summa eur"), True),
    ColumnSpec("received_on", "invoices.col.received_on", ("saabunud", "received")),
)
_DATE_ET = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")
_MONEY = re.compile(r"^-?\d+(?:[.,]\d{1,2})?$")


def parse_date(text: str) -> date | None:
    try:
        if match := _DATE_ET.match(text.strip()):
            day, month, year = (int(p) for p in match.groups())
            return date(year, month, day)
        if match := _DATE_ISO.match(text.strip()):
            year, month, day = (int(p) for p in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_money(text: str) -> int | None:
    """Euros as written in Estonia or in English ("1 234,50", "1234.50", "1 234,50 €")."""
    cleaned = re.sub(r"[\s\u00a0€]|EUR", "", text.strip(), flags=re.IGNORECASE)
    if not _MONEY.match(cleaned):
        return None
    euros, _, cents = cleaned.replace(",", ".").partition(".")
    return int(euros) * 100 + int((cents + "00")[:2]) * (1 if not euros.startswith("-") else -1)


@dataclass(frozen=True)
class ImportPreview:
    frame: pd.DataFrame  # row, action, the file's columns, expected_sessions, difference
    problems: list[Problem]
    planned: int

    @property
    def ok(self) -> bool:
        return not self.problems and self.planned > 0


def _plan(
    session: Session, table: Table
) -> tuple[list[tuple[int, dict[str, Any], Reconciliation]], list[Problem]]:
    problems = list(table.problems)
    numbers = {row.get("contract_number", "").strip() for _n, row in table.rows}
    contracts = {
        c.number: c for c in session.exec(select(Contract).where(col(Contract.number).in_(numbers)))
    }
    existing = {
        (contract_id, number)
        for contract_id, number in session.execute(
            select(Invoice.contract_id, Invoice.number).where(
                col(Invoice.contract_id).in_([c.id for c in contracts.values()])
            )
        ).all()
    }
    planned = []
    today = _today()
    for number, row in table.rows:
        before = len(problems)
        contract = contracts.get(row.get("contract_number", "").strip())
        if contract is None:
            problems.append(
                Problem(number, "contract_number", "invoices.import.no_contract",
                        {"value": row.get("contract_number", "")})
            )  # fmt: skip
        values: dict[str, Any] = {"number": row.get("number", "").strip()}
        for name in ("period_start", "period_end", "received_on"):
            text = row.get(name, "").strip()
            if name == "received_on" and not text:
                values[name] = today
                continue
            parsed = parse_date(text)
            if parsed is None:
                problems.append(Problem(number, name, "import.invalid_date", {"value": text}))
            values[name] = parsed
        claimed = row.get("sessions_claimed", "").strip()
        if not claimed.isdigit():
            problems.append(
                Problem(number, "sessions_claimed", "invoices.import.count", {"value": claimed})
            )
        values["sessions_claimed"] = int(claimed) if claimed.isdigit() else 0
        amount = parse_money(row.get("amount", ""))
        if amount is None or amount < 0:
            problems.append(
                Problem(number, "amount", "invoices.import.amount", {"value": row.get("amount")})
            )
        values["amount_cents"] = amount or 0
        if len(problems) > before or contract is None:
            continue
        values["contract_id"] = contract.id
        try:
            values = validated(InvoiceInput, values, "invoice").model_dump()
        except ValidationFailed as error:
            for name, key, params in error.problems:
                name = name.removeprefix("invoice.")
                column = {"amount_cents": "amount"}.get(name, name)
                problems.append(Problem(number, column, key, params))
            continue
        if (contract.id, values["number"]) in existing:
            problems.append(Problem(number, "number", "invoices.import.exists"))
            continue
        if values["received_on"] > today:
            problems.append(Problem(number, "received_on", "invalid.future_date"))
            continue
        result = reconcile_groups(
            values["sessions_claimed"],
            values["amount_cents"],
            expected_for_period(session, contract, values["period_start"], values["period_end"]),
            list(contract.unit_prices),
        )
        planned.append((number, values, result))
    return planned, sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _read(data: bytes, filename: str) -> Table:
    return read_table(
        data,
        filename,
        COLUMNS,
        key=lambda row: (
            (row.get("contract_number", "").strip(), row.get("number", "").strip())
            if row.get("number")
            else None
        ),
        collect_row_problems=True,
    )


def preview_import(session: Session, actor: Actor, *, data: bytes, filename: str) -> ImportPreview:
    """Read and check a file, and reconcile each row, without writing anything."""
    require(session, actor, Permission.IMPORT_DATA, action="invoices.preview_import")
    columns = ["row", "action", *(spec.name for spec in COLUMNS), "recorded", "difference"]
    try:
        table = _read(data, filename)
    except TableRefused as refused:
        return ImportPreview(pd.DataFrame(columns=columns), refused.items, 0)
    planned, problems = _plan(session, table)
    results = {number: result for number, _values, result in planned}
    bad = {problem.row for problem in problems}
    records = []
    for number, row in table.rows:
        result = results.get(number)
        records.append(
            {
                "row": number,
                "action": "error" if number in bad or result is None else "create",
                **{spec.name: row.get(spec.name, "") for spec in COLUMNS},
                "recorded": result.recorded_sessions if result else None,
                "difference": result.amount_difference if result else None,
            }
        )
    return ImportPreview(pd.DataFrame(records, columns=columns), problems, len(planned))


@dataclass(frozen=True)
class ImportResult:
    created: int
    mismatched: int


@write_service(Permission.IMPORT_DATA)
def run_import(
    session: Session,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row again and save all of them in the caller's transaction, or none."""
    report = progress or (lambda _f, _m: None)
    report(0.0, "read")
    planned, problems = _plan(session, _read(data, filename))
    if problems:
        raise TableRefused(problems)
    report(0.3, "save")
    for done, (_number, values, _result) in enumerate(planned, start=1):
        invoice = Invoice(**values, status=IS.RECEIVED.value)
        session.add(invoice)
        session.flush()
        audit.record_write(
            session, actor, "import.invoice", table="invoice", record_id=invoice.id, fields=values
        )
        report(0.3 + 0.7 * done / max(len(planned), 1), "save")
    audit.record(session, actor, "import", table="invoice", fields=[f"rows={len(planned)}"])
    return ImportResult(
        created=len(planned),
        mismatched=sum(1 for _n, _v, result in planned if not result.matches),
    )


def template_file(lang: str, fmt: Format) -> bytes:
    from core.i18n import t

    return template(COLUMNS, lang, fmt, sheet_title=t("invoices.sheet", lang))


def column_header(name: str | None, lang: str) -> str:
    for spec in COLUMNS:
        if spec.name == name:
            return spec.header(lang)
    return name or ""
