"""Contract budgets: ceiling, invoiced, approved, paid, value of recorded sessions, burn.

All sums are SQL aggregations. A contract's sessions are its provider's sessions within
the contract's term. "Used" is the larger of what was invoiced (not rejected) and what the
recorded sessions are worth: money already spent or certain to be invoiced. The warning
starts at 80 % of the ceiling. The forecast assumes the average monthly value of the
sessions of the three complete months before this month goes on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.dates import add_months
from core.models import Contract, Invoice, InvoiceStatus, Provider, TherapySession
from core.permissions import Actor, Permission, require
from core.services.contracts import LIVE_STATUSES, lifecycle_status

WARNING_SHARE = 0.8
TRAILING_MONTHS = 3
DAYS_PER_MONTH = 365.25 / 12
INVOICED = ("received", "checked", "approved", "paid")
SETTLED = ("approved", "paid")


def month_key(session: Session, column: Any) -> Any:
    """ "YYYY-MM" of a date column, in SQL, on SQLite and PostgreSQL alike."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def forecast_exhaustion(
    remaining_cents: int, trailing_cents: list[int], today: date
) -> date | None:
    """The day the ceiling runs out at the trailing months' average rate; None: never."""
    if remaining_cents <= 0:
        return today
    if not trailing_cents:
        return None
    rate = sum(trailing_cents) / len(trailing_cents)
    if rate <= 0:
        return None
    return today + timedelta(days=math.floor(remaining_cents / rate * DAYS_PER_MONTH))


def trailing_months(today: date, count: int = TRAILING_MONTHS) -> list[str]:
    first = today.replace(day=1)
    return [add_months(first, -n).strftime("%Y-%m") for n in range(count, 0, -1)]


@dataclass(frozen=True)
class ContractBudget:
    contract_id: int | None  # None: the total
    number: str
    provider_name: str
    status: str
    end_date: date | None
    ceiling_cents: int
    invoiced_cents: int
    approved_cents: int  # approved and paid
    paid_cents: int
    sessions_cents: int
    trailing_cents: tuple[int, ...]
    forecast_on: date | None

    @property
    def used_cents(self) -> int:
        return max(self.invoiced_cents, self.sessions_cents)

    @property
    def remaining_cents(self) -> int:
        return self.ceiling_cents - self.used_cents

    @property
    def share(self) -> float:
        return self.used_cents / self.ceiling_cents if self.ceiling_cents else 0.0

    @property
    def warning(self) -> bool:
        return self.share >= WARNING_SHARE

    @property
    def runs_out_before_end(self) -> bool:
        return (
            self.forecast_on is not None
            and self.end_date is not None
            and self.forecast_on <= self.end_date
        )


def _sessions_by_contract(
    session: Session, ids: list[int], until: date, months: list[str]
) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    window: list[Any] = [
        col(Contract.id).in_(ids),
        TherapySession.session_date >= Contract.start_date,
        TherapySession.session_date <= Contract.end_date,
        TherapySession.session_date <= until,
    ]
    join = (Contract, col(Contract.provider_id) == col(TherapySession.provider_id))
    totals = session.execute(
        select(col(Contract.id), func.coalesce(func.sum(TherapySession.cost_cents), 0))
        .select_from(TherapySession)
        .join(*join)
        .where(*window)
        .group_by(col(Contract.id))
    ).all()
    month = month_key(session, TherapySession.session_date)
    by_month = session.execute(
        select(col(Contract.id), month, func.coalesce(func.sum(TherapySession.cost_cents), 0))
        .select_from(TherapySession)
        .join(*join)
        .where(*window, month.in_(months))
        .group_by(col(Contract.id), month)
    ).all()
    return (
        {int(i): int(v) for i, v in totals},
        {(int(i), str(m)): int(v) for i, m, v in by_month},
    )


def _invoice_sums(session: Session, ids: list[int]) -> dict[tuple[int, str], int]:
    rows = session.execute(
        select(
            col(Invoice.contract_id),
            col(Invoice.status),
            func.coalesce(func.sum(Invoice.amount_cents), 0),
        )
        .where(col(Invoice.contract_id).in_(ids))
        .group_by(col(Invoice.contract_id), col(Invoice.status))
    ).all()
    return {(int(i), str(s)): int(v) for i, s, v in rows}


def contract_budgets(
    session: Session,
    actor: Actor | None,
    *,
    today: date,
    contract_ids: list[int] | None = None,
) -> list[ContractBudget]:
    """Budgets of the given contracts, or of all live ones (signed, active, expiring).

    `actor` None is the system asking for an aggregate (the Overview's alerts).
    """
    if actor is not None:
        require(session, actor, Permission.VIEW_RECORDS, action="budget.contract_budgets")
    query = select(Contract, Provider.name).join(
        Provider, col(Provider.id) == col(Contract.provider_id)
    )
    if contract_ids is not None:
        query = query.where(col(Contract.id).in_(contract_ids))
    else:
        query = query.where(col(Contract.status).in_(LIVE_STATUSES))
    found = session.execute(query.order_by(col(Contract.number))).all()
    ids = [int(contract.id) for contract, _name in found]
    if not ids:
        return []
    months = trailing_months(today)
    sessions_total, sessions_month = _sessions_by_contract(session, ids, today, months)
    invoices = _invoice_sums(session, ids)
    budgets = []
    for contract, name in found:
        cid = int(contract.id)
        trailing = tuple(sessions_month.get((cid, m), 0) for m in months)
        invoiced = sum(invoices.get((cid, s), 0) for s in INVOICED)
        approved = sum(invoices.get((cid, s), 0) for s in SETTLED)
        sessions_cents = sessions_total.get(cid, 0)
        remaining = contract.ceiling_cents - max(invoiced, sessions_cents)
        budgets.append(
            ContractBudget(
                contract_id=cid,
                number=contract.number,
                provider_name=name,
                status=lifecycle_status(contract.status).value,
                end_date=contract.end_date,
                ceiling_cents=contract.ceiling_cents,
                invoiced_cents=invoiced,
                approved_cents=approved,
                paid_cents=invoices.get((cid, InvoiceStatus.PAID.value), 0),
                sessions_cents=sessions_cents,
                trailing_cents=trailing,
                forecast_on=forecast_exhaustion(remaining, list(trailing), today),
            )
        )
    return budgets


def total_budget(budgets: list[ContractBudget], today: date) -> ContractBudget:
    """The sum of several contracts, with its own forecast."""
    trailing = (
        tuple(sum(b.trailing_cents[n] for b in budgets) for n in range(TRAILING_MONTHS))
        if budgets
        else (0,) * TRAILING_MONTHS
    )
    ceiling = sum(b.ceiling_cents for b in budgets)
    used = sum(b.used_cents for b in budgets)
    ends = [b.end_date for b in budgets if b.end_date]
    return ContractBudget(
        contract_id=None,
        number="",
        provider_name="",
        status="",
        end_date=max(ends) if ends else None,
        ceiling_cents=ceiling,
        invoiced_cents=sum(b.invoiced_cents for b in budgets),
        approved_cents=sum(b.approved_cents for b in budgets),
        paid_cents=sum(b.paid_cents for b in budgets),
        sessions_cents=sum(b.sessions_cents for b in budgets),
        trailing_cents=trailing,
        forecast_on=forecast_exhaustion(ceiling - used, list(trailing), today),
    )


def burn_by_month(
    session: Session, actor: Actor, *, today: date, contract_id: int | None = None, months: int = 12
) -> pd.DataFrame:
    """Value of recorded sessions per month (and cumulative), for one contract or all live."""
    require(session, actor, Permission.VIEW_RECORDS, action="budget.burn_by_month")
    first = add_months(today.replace(day=1), -(months - 1))
    month = month_key(session, TherapySession.session_date)
    query = (
        select(month, func.coalesce(func.sum(TherapySession.cost_cents), 0))
        .select_from(TherapySession)
        .join(Contract, col(Contract.provider_id) == col(TherapySession.provider_id))
        .where(
            TherapySession.session_date >= Contract.start_date,
            TherapySession.session_date <= Contract.end_date,
            TherapySession.session_date >= first,
            TherapySession.session_date <= today,
        )
        .group_by(month)
    )
    if contract_id is not None:
        query = query.where(Contract.id == contract_id)
    else:
        query = query.where(col(Contract.status).in_(LIVE_STATUSES))
    values = {str(m): int(v) for m, v in session.execute(query).all()}
    labels = [add_months(first, n).strftime("%Y-%m") for n in range(months)]
    frame = pd.DataFrame({"month": labels, "cents": [values.get(m, 0) for m in labels]})
    frame["cumulative_cents"] = frame["cents"].cumsum()
    return frame


def warnings(session: Session, *, today: date) -> list[ContractBudget]:
    """Live contracts at or over 80 % of their ceiling (for the Overview's alerts)."""
    return [b for b in contract_budgets(session, None, today=today) if b.warning]


def burn_chart(
    frame: pd.DataFrame, *, titles: dict[str, str], ceiling_cents: int | None, lang: str = "et"
) -> Any:
    """Monthly value of sessions as bars, the cumulative value as a line, the ceiling as a rule.

    `frame` is burn_by_month's; `titles` names the month, the monthly and cumulative
    measures and the ceiling in the reader's language. Amounts are drawn in euros.
    """
    import altair as alt

    data = frame.assign(euros=frame["cents"] / 100, cumulative=frame["cumulative_cents"] / 100)
    x = alt.X("month:O", title=titles["month"])
    # Estonian numbers: a space between thousands.
    axis = (
        alt.Axis(labelExpr="replace(format(datum.value, ',.0f'), /,/g, ' ')")
        if lang == "et"
        else alt.Axis(format=",.0f")
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("euros:Q", title=titles["value"], axis=axis),
            tooltip=[
                alt.Tooltip("month:O", title=titles["month"]),
                alt.Tooltip("euros:Q", title=titles["monthly"], format=",.2f"),
                alt.Tooltip("cumulative:Q", title=titles["cumulative"], format=",.2f"),
            ],
        )
    )
    line = (
        alt.Chart(data)
        .mark_line(point=True, color="#c2410c")
        .encode(
            x=x,
            y="cumulative:Q",
            tooltip=[
                alt.Tooltip("month:O", title=titles["month"]),
                alt.Tooltip("cumulative:Q", title=titles["cumulative"], format=",.2f"),
            ],
        )
    )
    layers = [bars, line]
    if ceiling_cents:
        rule = pd.DataFrame({"ceiling": [ceiling_cents / 100], "label": [titles["ceiling"]]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(strokeDash=[6, 4], color="#b91c1c")
            .encode(
                y="ceiling:Q",
                tooltip=[
                    alt.Tooltip("label:N", title=" "),
                    alt.Tooltip("ceiling:Q", title=titles["value"], format=",.2f"),
                ],
            )
        )
    return alt.layer(*layers).properties(height=280)
