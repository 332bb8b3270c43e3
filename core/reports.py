"""The activity and cost report for a month, quarter or year (duty 3.7).

`activity_totals` is the one place where sessions, unduplicated clients, new and
continuing clients and costs of a period are counted; the report, its breakdowns' sums
and the tests all go through it. A client is new in the period of their first session
ever. Everything is SQL aggregation. Client counts below k are suppressed, with
secondary suppression inside each breakdown so that a hidden cell cannot be worked out
from the total and its neighbours. Costs by provider are shown only to roles that may
read records (a sole proprietor's name is a person's name).

Files: XLSX (openpyxl; text that looks like a formula is neutralised) and PDF (fpdf2 with
the DejaVu fonts in assets/fonts, so Estonian õ ä ö ü š ž print without system fonts).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.budget import contract_budgets, total_budget
from core.dates import add_months, local_today
from core.formatting import TALLINN, format_date, format_datetime, format_money
from core.i18n import enum_label, t
from core.models import Case, Contract, Invoice, InvoiceStatus, Provider, TherapySession
from core.permissions import Actor, Permission, require
from core.settings import suppression_k
from core.suppression import SECONDARY, Count, protect_series, suppress
from core.tabular import _ILLEGAL_XLSX, XLSX_MIME, neutralise_cell

PeriodKind = Literal["month", "quarter", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year")
Progress = Callable[[float, str], None]
FONT_DIR = Path(__file__).resolve().parents[1] / "assets" / "fonts"
PDF_MIME = "application/pdf"


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    def label(self, lang: str) -> str:
        if self.kind == "month":
            return f"{self.start.month:02d}/{self.start.year}"
        if self.kind == "quarter":
            return t("reports.quarter_label", lang, q=(self.start.month - 1) // 3 + 1,
                     year=self.start.year)  # fmt: skip
        return str(self.start.year)


def period_of(kind: str, year: int, number: int = 1) -> Period:
    """Month `number` (1–12), quarter `number` (1–4) or the whole `year`."""
    if kind == "month":
        start = date(year, number, 1)
        return Period(kind, start, add_months(start, 1) - timedelta(days=1))
    if kind == "quarter":
        start = date(year, 3 * (number - 1) + 1, 1)
        return Period(kind, start, add_months(start, 3) - timedelta(days=1))
    if kind == "year":
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    raise ValueError(f"unknown period kind {kind!r}")


# --- the aggregates ----------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Raw numbers for a period (before suppression)."""

    sessions: int
    cost_cents: int
    clients: int
    new_clients: int

    @property
    def continuing_clients(self) -> int:
        return self.clients - self.new_clients


def _in_period(start: date, end: date) -> list[Any]:
    return [TherapySession.session_date >= start, TherapySession.session_date <= end]


def _first_sessions() -> Any:
    return (
        select(
            col(TherapySession.case_id).label("case_id"),
            func.min(TherapySession.session_date).label("first_on"),
        )
        .group_by(col(TherapySession.case_id))
        .subquery()
    )


def activity_totals(session: Session, start: date, end: date) -> Totals:
    """Sessions, cost, unduplicated clients and new clients in [start, end]: the glossary's
    definitions (core.statistics.glossary), which the statistics page computes too. A
    client is new in the calendar year of their first session."""
    sessions, cost, clients = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(TherapySession.cost_cents), 0),
            func.count(func.distinct(TherapySession.case_id)),
        ).where(*_in_period(start, end))
    ).one()
    first = _first_sessions()
    served = (
        select(col(TherapySession.case_id)).where(*_in_period(start, end)).distinct().subquery()
    )
    new = session.execute(
        select(func.count())
        .select_from(first)
        .join(served, served.c.case_id == first.c.case_id)
        .where(first.c.first_on >= date(start.year, 1, 1))
    ).scalar()
    return Totals(int(sessions), int(cost), int(clients), int(new or 0))


def _breakdown(session: Session, start: date, end: date, key: Any, *joins: Any) -> list[tuple]:
    query = select(
        key,
        func.count(),
        func.coalesce(func.sum(TherapySession.cost_cents), 0),
        func.count(func.distinct(TherapySession.case_id)),
    ).select_from(TherapySession)
    for join in joins:
        query = query.join(*join)
    rows = session.execute(query.where(*_in_period(start, end)).group_by(key).order_by(key)).all()
    return [(k, int(n), int(c), int(p)) for k, n, c, p in rows]


@dataclass(frozen=True)
class Line:
    """One breakdown row: a code (or provider name), sessions, cost, clients (suppressed)."""

    key: str
    sessions: int
    cost_cents: int
    clients: Count


@dataclass(frozen=True)
class Hidden(Count):
    """A cell hidden only so that another hidden cell cannot be worked out (not below k)."""

    def display(self) -> str:
        return "×"


def suppress_column(values: list[int], k: int) -> list[Count]:
    """Primary suppression of counts below k ("<k"), and secondary ("×"): a breakdown never
    has exactly one hidden cell, which its total would give away (the one rule,
    core.suppression.protect_series)."""
    states, _total = protect_series(values, sum(values), k)
    return [
        Hidden(None, k) if state == SECONDARY else suppress(value, k)
        for value, state in zip(values, states, strict=True)
    ]


def _lines(rows: list[tuple], k: int) -> list[Line]:
    counts = suppress_column([row[3] for row in rows], k)
    return [
        Line(str(key), sessions, cost, count)
        for (key, sessions, cost, _clients), count in zip(rows, counts, strict=True)
    ]


@dataclass(frozen=True)
class InvoiceLine:
    status: str
    invoices: int
    amount_cents: int


@dataclass(frozen=True)
class BudgetUse:
    ceiling_cents: int
    sessions_cents: int  # recorded sessions' value within the contracts' terms, to period end
    invoiced_cents: int
    approved_cents: int
    paid_cents: int

    @property
    def used_cents(self) -> int:
        return max(self.invoiced_cents, self.sessions_cents)

    @property
    def share(self) -> float:
        return self.used_cents / self.ceiling_cents if self.ceiling_cents else 0.0


@dataclass(frozen=True)
class Report:
    period: Period
    k: int
    totals: Totals
    sessions: Count
    clients: Count
    new_clients: Count
    continuing_clients: Count
    by_provider: list[Line] | None  # None: the reader may not see provider names
    by_county: list[Line]
    by_category: list[Line]
    invoices: list[InvoiceLine]
    budget: BudgetUse
    generated_at: datetime = field(default_factory=lambda: datetime.now(TALLINN))


def build_report(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    year: int,
    number: int = 1,
    progress: Progress | None = None,
) -> Report:
    require(session, actor, Permission.VIEW_STATISTICS, action="reports.build_report")
    report = progress or (lambda _f, _m: None)
    period = period_of(kind, year, number)
    start, end = period.start, period.end
    k = suppression_k(session)
    report(0.05, "totals")
    totals = activity_totals(session, start, end)
    report(0.3, "providers")
    by_provider = None
    if actor.can(Permission.VIEW_RECORDS):
        by_provider = _lines(
            _breakdown(
                session,
                start,
                end,
                col(Provider.name),
                (Provider, col(Provider.id) == col(TherapySession.provider_id)),
            ),
            k,
        )
    report(0.5, "counties")
    case_join = (Case, col(Case.id) == col(TherapySession.case_id))
    by_county = _lines(_breakdown(session, start, end, col(Case.county), case_join), k)
    by_category = _lines(_breakdown(session, start, end, col(Case.victim_category), case_join), k)
    report(0.7, "invoices")
    invoice_rows = session.execute(
        select(col(Invoice.status), func.count(), func.coalesce(func.sum(Invoice.amount_cents), 0))
        .where(Invoice.period_start <= end, Invoice.period_end >= start)
        .group_by(col(Invoice.status))
    ).all()
    found = {str(s): (int(n), int(a)) for s, n, a in invoice_rows}
    invoices = [
        InvoiceLine(status.value, *found.get(status.value, (0, 0))) for status in InvoiceStatus
    ]
    report(0.85, "budget")
    contract_ids = [
        int(i)
        for i in session.execute(
            select(Contract.id).where(
                Contract.start_date <= end,
                Contract.end_date >= start,
                col(Contract.status).notin_(("draft", "in_review")),
            )
        ).scalars()
    ]
    budgets = contract_budgets(session, None, today=min(end, _today()), contract_ids=contract_ids)
    total = total_budget(budgets, min(end, _today()))
    budget = BudgetUse(
        ceiling_cents=total.ceiling_cents,
        sessions_cents=total.sessions_cents,
        invoiced_cents=total.invoiced_cents,
        approved_cents=total.approved_cents,
        paid_cents=total.paid_cents,
    )
    report(1.0, "done")
    return Report(
        period=period,
        k=k,
        totals=totals,
        sessions=Count(totals.sessions, k),
        clients=suppress(totals.clients, k),
        new_clients=suppress(totals.new_clients, k),
        continuing_clients=suppress(totals.continuing_clients, k),
        by_provider=by_provider,
        by_county=by_county,
        by_category=by_category,
        invoices=invoices,
        budget=budget,
    )


_today = local_today


# --- rendering ---------------------------------------------------------------------------


def _key_label(section: str, key: str, lang: str) -> str:
    if section == "county":
        return enum_label(key, lang, "County")
    if section == "category":
        return enum_label(key, lang, "VictimCategory")
    return key


@dataclass(frozen=True)
class Money:
    """An amount in a report table: text in the PDF, a number (euros) in the XLSX."""

    cents: int


def _count(value: Count) -> int | str:
    """A count as a cell: the number, or the suppression mark as text."""
    return value.display() if value.suppressed or value.value is None else value.value


def _text(value: Any, lang: str) -> str:
    return format_money(value.cents, lang) if isinstance(value, Money) else str(value)


def _sections(report: Report, lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as titled tables of plain values (shared by XLSX and PDF)."""
    tr = lambda key, **p: t(key, lang, **p)  # noqa: E731
    money = Money
    summary: list[list[Any]] = [
        [tr("reports.row.period"), f"{format_date(report.period.start, lang)} – "
                                   f"{format_date(report.period.end, lang)}"],
        [tr("reports.row.sessions"), _count(report.sessions)],
        [tr("reports.row.clients"), _count(report.clients)],
        [tr("reports.row.new_clients"), _count(report.new_clients)],
        [tr("reports.row.continuing_clients"), _count(report.continuing_clients)],
        [tr("reports.row.cost"), money(report.totals.cost_cents)],
        [tr("reports.row.k"), report.k],
    ]  # fmt: skip
    head = [tr("reports.col.sessions"), tr("reports.col.clients"), tr("reports.col.cost")]

    def lines(section: str, items: list[Line]) -> list[list[Any]]:
        rows: list[list[Any]] = [
            [_key_label(section, line.key, lang), line.sessions, _count(line.clients),
             money(line.cost_cents)]
            for line in items
        ]  # fmt: skip
        rows.append(
            [tr("reports.total"), report.totals.sessions, _count(report.clients),
             money(report.totals.cost_cents)]
        )  # fmt: skip
        return rows

    sections: list[tuple[str, list[str], list[list[Any]]]] = [
        (tr("reports.section.summary"), [tr("reports.col.measure"), tr("reports.col.value")],
         summary),
    ]  # fmt: skip
    if report.by_provider is not None:
        sections.append(
            (tr("reports.section.provider"), [tr("reports.col.provider"), *head],
             lines("provider", report.by_provider))
        )  # fmt: skip
    sections.append(
        (tr("reports.section.county"), [tr("reports.col.county"), *head],
         lines("county", report.by_county))
    )  # fmt: skip
    sections.append(
        (tr("reports.section.category"), [tr("reports.col.category"), *head],
         lines("category", report.by_category))
    )  # fmt: skip
    sections.append(
        (
            tr("reports.section.invoices"),
            [tr("reports.col.status"), tr("reports.col.invoices"), tr("reports.col.amount")],
            [
                [enum_label(line.status, lang, "InvoiceStatus"), line.invoices,
                 money(line.amount_cents)]
                for line in report.invoices
            ],
        )
    )  # fmt: skip
    budget = report.budget
    sections.append(
        (
            tr("reports.section.budget"),
            [tr("reports.col.measure"), tr("reports.col.value")],
            [
                [tr("budget.ceiling"), money(budget.ceiling_cents)],
                [tr("budget.sessions"), money(budget.sessions_cents)],
                [tr("budget.invoiced"), money(budget.invoiced_cents)],
                [tr("budget.approved"), money(budget.approved_cents)],
                [tr("budget.paid"), money(budget.paid_cents)],
                [tr("budget.share"), f"{budget.share * 100:.1f} %".replace(".", ",")
                 if lang == "et" else f"{budget.share * 100:.1f} %"],
            ],
        )
    )  # fmt: skip
    return sections


def to_xlsx(report: Report, lang: str) -> bytes:
    """One sheet per section; text is text, formula-like text is neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    first = True
    for title, header, rows in _sections(report, lang):
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
        for r, values in enumerate([header, *rows], start=1):
            for c, value in enumerate(values, start=1):
                if isinstance(value, Money):
                    cell = sheet.cell(row=r, column=c, value=value.cents / 100)
                    cell.number_format = '#,##0.00 "€"'
                else:
                    shown = neutralise_cell(value)
                    if isinstance(shown, str):
                        shown = _ILLEGAL_XLSX.sub("", shown)
                    cell = sheet.cell(row=r, column=c, value=shown)
                    if isinstance(shown, str):
                        cell.data_type = "s"
                if r == 1:
                    cell.font = Font(bold=True)
        for c in range(1, len(header) + 1):
            letter = sheet.cell(row=1, column=c).column_letter
            sheet.column_dimensions[letter].width = 28 if c == 1 else 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(report: Report, lang: str) -> bytes:
    """An A4 PDF with the embedded DejaVu fonts."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(t("reports.title", lang))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 9, t("reports.pdf_title", lang, period=report.period.label(lang)),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 6, t("reports.generated", lang, at=format_datetime(report.generated_at, lang),
                     k=report.k), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for title, header, rows in _sections(report, lang):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        first = width * (0.46 if len(header) > 2 else 0.6)
        rest = (width - first) / max(len(header) - 1, 1)
        widths = [first] + [rest] * (len(header) - 1)
        for r, values in enumerate([header, *rows]):
            bold = r == 0 or (r == len(rows) and values[0] == t("reports.total", lang))
            pdf.set_font("DejaVu", "B" if bold else "", 9)
            for c, (value, w) in enumerate(zip(values, widths, strict=True)):
                text = _text(value, lang)
                while pdf.get_string_width(text) > w - 2 and len(text) > 3:
                    text = text[:-2] + "…"
                pdf.cell(w, 6, text, border="B" if r == 0 else 0, align="L" if c == 0 else "R")
            pdf.ln(6)
    return bytes(pdf.output())


def export_report(session: Session, actor: Actor, *, report: Report, fmt: str, lang: str) -> bytes:
    """The report as a file; the export is audited (the caller commits)."""
    require(session, actor, Permission.EXPORT_STATISTICS, action="reports.export_report")
    content = to_xlsx(report, lang) if fmt == "xlsx" else to_pdf(report, lang)
    audit.record(
        session,
        actor,
        "export",
        table="report",
        fields=[
            "report=activity_cost",
            f"period={report.period.kind}:{report.period.start.isoformat()}",
            f"format={fmt}",
            f"lang={lang}",
        ],
    )
    return content


def mime(fmt: str) -> str:
    return XLSX_MIME if fmt == "xlsx" else PDF_MIME
