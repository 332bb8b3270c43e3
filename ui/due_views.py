"""Drawing the due list: filters, the table with links, done and snooze, the .ics download."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core import db, due
from core.due import DueFilter, DueItem
from core.formatting import format_date
from core.permissions import Actor, Permission
from ui import widgets
from ui.i18n import current_language, label, tr
from ui.info_common import record_link, selected_row
from ui.widgets import write

HORIZONS = (14, 30, 60, 90, 180, 365)


def filters(default_horizon: int) -> DueFilter:
    sources = st.pills(
        tr("due.sources"),
        list(due.SOURCES),
        default=list(due.SOURCES),
        selection_mode="multi",
        format_func=lambda s: tr(f"due.source.{s}"),
        key="due_sources",
    )
    columns = st.columns([2, 4, 2, 2], vertical_alignment="bottom")
    horizon = columns[0].selectbox(
        tr("due.horizon"),
        HORIZONS,
        index=HORIZONS.index(default_horizon) if default_horizon in HORIZONS else 2,
        format_func=lambda d: tr("due.horizon_days", days=d),
    )
    text = columns[1].text_input(tr("due.search"), placeholder=tr("due.search_hint"))
    include_done = columns[2].checkbox(tr("due.show_done"))
    include_snoozed = columns[3].checkbox(tr("due.show_snoozed"))
    return DueFilter(
        sources=tuple(sources or due.SOURCES),
        horizon_days=int(horizon),
        include_done=include_done,
        include_snoozed=include_snoozed,
        text=text,
    )


def _when(item: DueItem, today_days: int) -> str:
    if today_days < 0:
        return tr("due.overdue_by", days=-today_days)
    if today_days == 0:
        return tr("due.today")
    return tr("due.in_days", days=today_days)


def _state(item: DueItem, lang: str) -> str:
    if item.state == "done":
        return "✓ " + tr("due.state.done")
    if item.state == "snoozed":
        return tr("due.state.snoozed", date=format_date(item.snoozed_until, lang))
    return ""


def due_table(actor: Actor, items: list[DueItem]) -> DueItem | None:
    lang = current_language()
    today = widgets.today()
    overdue = sum(1 for item in items if item.on < today and item.state == "open")
    st.caption(tr("due.counts", shown=len(items), overdue=overdue))
    if not items:
        st.success(tr("due.none"))
        return None
    frame = pd.DataFrame(
        [
            {
                "mark": "!" if item.on < today and item.state == "open" else "",
                "date": format_date(item.on, lang),
                "when": _when(item, item.days_left(today)),
                "source": tr(f"due.source.{item.source}"),
                "what": widgets.message(f"due.what.{item.source}", _params(item)),
                "subject": item.subject,
                "state": _state(item, lang),
                "link": record_link(actor, item.page, item.query),
            }
            for item in items
        ],
        columns=["mark", "date", "when", "source", "what", "subject", "state", "link"],
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="due_table",
        column_config={
            "mark": st.column_config.TextColumn("!", width=30),
            "date": st.column_config.TextColumn(tr("due.col.date"), width=95),
            "when": st.column_config.TextColumn(tr("due.col.when"), width=140),
            "source": st.column_config.TextColumn(tr("due.col.source"), width=120),
            "what": st.column_config.TextColumn(tr("due.col.what"), width=260),
            "subject": st.column_config.TextColumn(tr("due.col.subject"), width="large"),
            "state": st.column_config.TextColumn(tr("due.col.state"), width=120),
            "link": st.column_config.LinkColumn(
                tr("due.col.link"), display_text=tr("due.open"), width=60
            ),
        },
    )
    row = selected_row(event)
    return items[row] if row is not None and row < len(items) else None


def _params(item: DueItem) -> dict[str, object]:
    params: dict[str, object] = dict(item.params)
    if "event_kind" in params:
        params["event_kind"] = tr(f"due.event_kind.{params['event_kind']}")
    if "priority" in params:
        params["priority"] = label(str(params["priority"]), "Priority")
    return params


def item_actions(actor: Actor, item: DueItem | None) -> None:
    if not actor.can(Permission.EDIT_RECORDS):
        return
    if item is None:
        st.caption(tr("due.select_hint"))
        return
    lang = current_language()
    today = widgets.today()
    with st.container(border=True):
        st.markdown(
            f"**{widgets.plain(format_date(item.on, lang))} · "
            f"{widgets.plain(tr(f'due.source.{item.source}'))}**: {widgets.plain(item.subject)}"
        )
        cells = st.columns([2, 2, 3, 2], vertical_alignment="bottom")
        action, until = None, None
        if item.state == "open":
            if cells[0].button(tr("due.mark_done"), icon=":material/check:", key="due_done"):
                action = "done"
            until = cells[2].date_input(
                tr("due.snooze_until"),
                value=today + timedelta(days=7),
                min_value=today + timedelta(days=1),
                format="DD.MM.YYYY",
                key="due_until",
            )
            if cells[1].button(tr("due.snooze"), icon=":material/snooze:", key="due_snooze"):
                action = "snooze"
        elif cells[0].button(tr("due.reopen"), icon=":material/undo:", key="due_reopen"):
            action = "reopen"
    if action and write(
        actor,
        due.set_item_state,
        "due.saved",
        key=item.key,
        action=action,
        today=today,
        until=until if action == "snooze" else None,
    ):
        st.session_state.pop("due_table", None)  # the next row must not be acted on unseen
        st.rerun()


def calendar_download(actor: Actor, chosen: DueFilter) -> None:
    if not actor.can(Permission.EXPORT_RECORDS):
        return
    lang = current_language()
    today = widgets.today()

    def _export() -> bytes:
        with db.write_session() as session:
            return due.export_ics(session, actor, today=today, lang=lang, filters=chosen)

    st.download_button(
        tr("due.download_ics"),
        data=_export,
        file_name=f"tttvt-tahtajad-{today.isoformat()}.ics",
        mime="text/calendar",
        icon=":material/event:",
        on_click="ignore",
        help=tr("due.download_ics_help"),
    )
