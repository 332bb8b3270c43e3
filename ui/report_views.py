"""Drawing the activity and cost report: the choice of period, generation with progress,
the tables, and the XLSX and PDF downloads (made and audited on click)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import streamlit as st

from core import db, reports
from core.formatting import format_date, format_money, format_number
from core.i18n import LANGUAGES
from core.permissions import Actor, Permission
from core.reports import Line, Report
from ui import widgets
from ui.i18n import current_language, label, tr

_REPORT = "_activity_report"


def period_choice() -> tuple[str, int, int]:
    today = widgets.today()
    previous = today.replace(day=1) - timedelta(days=1)  # the last complete month
    cells = st.columns([2, 1, 1])
    kind = (
        cells[0].segmented_control(
            tr("reports.kind"),
            list(reports.PERIOD_KINDS),
            default="month",
            format_func=lambda k: tr(f"reports.kind.{k}"),
            key="report_kind",
        )
        or "month"
    )
    years = list(range(today.year, today.year - 6, -1))
    year = cells[1].selectbox(
        tr("reports.year"), years, index=years.index(previous.year), key="report_year"
    )
    number = 1
    if kind == "month":
        number = cells[2].selectbox(
            tr("reports.month"), list(range(1, 13)), index=previous.month - 1, key="report_month"
        )
    elif kind == "quarter":
        number = cells[2].selectbox(
            tr("reports.quarter"),
            [1, 2, 3, 4],
            index=(today.month - 1) // 3,
            format_func=lambda q: f"Q{q}",
            key="report_quarter",
        )
    return kind, int(year), int(number)


def generate(actor: Actor, kind: str, year: int, number: int) -> None:
    with st.status(tr("reports.generating"), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, step: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=tr(f"reports.step.{step}"))

        with db.read_session() as session:
            report = reports.build_report(
                session, actor, kind=kind, year=year, number=number, progress=progress
            )
        status.update(label=tr("reports.generated_ok"), state="complete", expanded=False)
    st.session_state[_REPORT] = (actor.username, report)


def current(actor: Actor) -> Report | None:
    """The report this user generated in this browser session, if any."""
    stored = st.session_state.get(_REPORT)
    if not stored or stored[0] != actor.username or not isinstance(stored[1], Report):
        return None
    return stored[1]


def _lines(lines: list[Line], enum_name: str | None, report: Report) -> pd.DataFrame:
    lang = current_language()
    rows = [
        {
            "key": label(line.key, enum_name) if enum_name else line.key,
            "sessions": line.sessions,
            "clients": line.clients.display(),
            "cost": format_money(line.cost_cents, lang),
        }
        for line in lines
    ]
    rows.append(
        {
            "key": tr("reports.total"),
            "sessions": report.totals.sessions,
            "clients": report.clients.display(),
            "cost": format_money(report.totals.cost_cents, lang),
        }
    )
    return pd.DataFrame(rows, columns=["key", "sessions", "clients", "cost"])


def show(report: Report) -> None:
    lang = current_language()
    st.subheader(tr("reports.pdf_title", period=report.period.label(lang)))
    st.caption(
        f"{format_date(report.period.start, lang)} – {format_date(report.period.end, lang)} · "
        + tr("reports.suppression_note", k=report.k)
    )
    cells = st.columns(5)
    cells[0].metric(tr("reports.row.sessions"), report.sessions.display(), border=True)
    cells[1].metric(tr("reports.row.clients"), report.clients.display(), border=True)
    cells[2].metric(tr("reports.row.new_clients"), report.new_clients.display(), border=True)
    cells[3].metric(
        tr("reports.row.continuing_clients"), report.continuing_clients.display(), border=True
    )
    euros = format_number(round(report.totals.cost_cents / 100), lang)
    cells[4].metric(
        tr("reports.row.cost"),
        f"{euros} €" if lang == "et" else f"€{euros}",
        help=format_money(report.totals.cost_cents, lang),
        border=True,
    )
    config = {
        "sessions": st.column_config.NumberColumn(tr("reports.col.sessions")),
        "clients": tr("reports.col.clients"),
        "cost": tr("reports.col.cost"),
    }
    sections = []
    if report.by_provider is not None:
        sections.append(
            ("reports.section.provider", "reports.col.provider", report.by_provider, None)
        )
    sections += [
        ("reports.section.county", "reports.col.county", report.by_county, "County"),
        ("reports.section.category", "reports.col.category", report.by_category, "VictimCategory"),
    ]
    for title, key_title, lines, enum_name in sections:
        st.markdown(f"**{tr(title)}**")
        st.dataframe(
            _lines(lines, enum_name, report),
            hide_index=True,
            width="stretch",
            column_config={"key": tr(key_title), **config},
        )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('reports.section.invoices')}**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "status": label(line.status, "InvoiceStatus"),
                        "invoices": line.invoices,
                        "amount": format_money(line.amount_cents, lang),
                    }
                    for line in report.invoices
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "status": tr("reports.col.status"),
                "invoices": tr("reports.col.invoices"),
                "amount": tr("reports.col.amount"),
            },
        )
    with right:
        st.markdown(f"**{tr('reports.section.budget')}**")
        b = report.budget
        st.dataframe(
            pd.DataFrame(
                [
                    (tr("budget.ceiling"), format_money(b.ceiling_cents, lang)),
                    (tr("budget.sessions"), format_money(b.sessions_cents, lang)),
                    (tr("budget.invoiced"), format_money(b.invoiced_cents, lang)),
                    (tr("budget.approved"), format_money(b.approved_cents, lang)),
                    (tr("budget.paid"), format_money(b.paid_cents, lang)),
                    (tr("budget.share"), f"{format_number(b.share * 100, lang, 1)} %"),
                ],
                columns=["measure", "value"],
            ),
            hide_index=True,
            width="stretch",
            column_config={"measure": tr("reports.col.measure"), "value": tr("reports.col.value")},
        )


def _file(actor: Actor, report: Report, fmt: str, lang: str) -> Callable[[], bytes]:
    """Made only on click, so the export and its audit entry happen only when wanted."""

    def build() -> bytes:
        with db.write_session() as session:
            return reports.export_report(session, actor, report=report, fmt=fmt, lang=lang)

    return build


def downloads(actor: Actor, report: Report) -> None:
    if not actor.can(Permission.EXPORT_STATISTICS):
        return
    st.markdown(f"**{tr('reports.download')}**")
    cells = st.columns([2, 1, 1])
    names = {"et": "Eesti", "en": "English"}
    lang = cells[0].selectbox(
        tr("reports.file_language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(current_language()),
        format_func=lambda code: names.get(code, code),
        key="report_file_lang",
    )
    stem = f"{tr('reports.file')}-{report.period.kind}-{report.period.start.isoformat()}"
    for cell, fmt in zip(cells[1:], ("xlsx", "pdf"), strict=True):
        cell.download_button(
            tr(f"reports.download.{fmt}"),
            data=_file(actor, report, fmt, lang),
            file_name=f"{stem}-{lang}.{fmt}",
            mime=reports.mime(fmt),
            key=f"report_download_{fmt}",
            on_click="ignore",
            icon=":material/download:",
        )
