"""Training calendar: views with holidays, registrations, attendance, supervision, hours."""

from datetime import date, timedelta

import streamlit as st

from core import db
from core.dates import add_months
from core.errors import DomainError
from core.models import Audience, EventKind
from core.permissions import Permission
from core.services import events
from ui import calendar_views, guard, widgets
from ui.i18n import current_language, tr

actor = guard.page(Permission.VIEW_RECORDS, title_key="calendar.title")
today = widgets.today()
params = st.query_params
lang = current_language()

VIEWS = ["month", "week", "list", "supervision", "hours"]
if params.get("view") not in [*VIEWS, "new"]:
    params["view"] = "month"
try:
    anchor = date.fromisoformat(params.get("date", ""))
except ValueError:
    anchor = today

st.title(tr("calendar.title"))
calendar_views.flash()


def _back() -> None:
    params.pop("event", None)
    if params.get("view") == "new":
        params["view"] = "month"


wanted_event = params.get("event", "")
if wanted_event.isdigit():
    st.button(tr("calendar.back"), icon=":material/arrow_back:", on_click=_back)
    try:
        with db.read_session() as session:
            detail = events.get_event(session, actor, event_id=int(wanted_event))
    except DomainError as error:
        widgets.show_error(error)
        st.stop()
    calendar_views.event_detail(actor, detail, today)
    st.stop()

if params["view"] == "new":
    st.button(tr("calendar.back"), icon=":material/arrow_back:", on_click=_back)
    if not actor.can(Permission.EDIT_RECORDS):
        st.error(tr("error.permission_denied"))
        st.stop()
    st.subheader(tr("events.new"))
    created = calendar_views.event_form(actor, None, today)
    if created is not None:
        params["view"] = "month"
        params["event"] = str(created)
        st.rerun()
    st.stop()

top = st.columns([3, 2], vertical_alignment="center")
with top[0]:
    view = (
        st.segmented_control(
            tr("calendar.view"),
            VIEWS,
            format_func=lambda v: tr(f"calendar.view.{v}"),
            default=params["view"],
            key="calendar_view",
            label_visibility="collapsed",
        )
        or "month"
    )
if view != params["view"]:
    params["view"] = view
    st.rerun()
with top[1].container(horizontal=True, horizontal_alignment="right"):
    if actor.can(Permission.EDIT_RECORDS) and st.button(
        tr("calendar.add"), icon=":material/add:", type="primary"
    ):
        params["view"] = "new"
        st.rerun()
    calendar_views.calendar_download(actor, today)

if view == "supervision":
    calendar_views.supervision_view(actor, today)
    st.stop()
if view == "hours":
    calendar_views.hours_view(actor, today)
    st.stop()


def _move(target: date) -> None:
    params["date"] = target.isoformat()


if view == "week":
    start = anchor - timedelta(days=anchor.weekday())
    end = start + timedelta(days=6)
    previous, following = start - timedelta(days=7), start + timedelta(days=7)
    caption = tr(
        "calendar.week_caption",
        week=start.isocalendar().week,
        start=calendar_views.format_date(start, lang),
        end=calendar_views.format_date(end, lang),
    )
else:
    start = anchor.replace(day=1)
    end = add_months(start, 1) - timedelta(days=1)
    previous, following = add_months(start, -1), add_months(start, 1)
    caption = tr(
        "calendar.month_caption", month=calendar_views.month_name(start.month), year=start.year
    )
    if view == "month":
        # The grid shows whole weeks around the month.
        start = start - timedelta(days=start.weekday())
        end = end + timedelta(days=6 - end.weekday())

bar = st.columns([4, 2, 2], vertical_alignment="bottom")
with bar[0].container(horizontal=True, vertical_alignment="center"):
    st.button(
        tr("calendar.previous"),
        icon=":material/chevron_left:",
        on_click=_move,
        args=(previous,),
    )
    st.button(tr("calendar.today"), on_click=_move, args=(today,))
    st.button(
        tr("calendar.next"),
        icon=":material/chevron_right:",
        icon_position="right",
        on_click=_move,
        args=(following,),
    )
    st.markdown(f"#### {caption}")
kind = bar[1].selectbox(
    tr("calendar.filter.kind"),
    [None] + [k.value for k in EventKind],
    format_func=lambda k: calendar_views.kind_label(k) if k else tr("any"),
    key="calendar_kind",
)
audience = bar[2].selectbox(
    tr("calendar.filter.audience"),
    [None] + [a.value for a in Audience],
    format_func=lambda a: tr(f"events.audience.{a}") if a else tr("any"),
    key="calendar_audience",
)

with db.read_session() as session:
    shown = events.list_events(session, actor, start=start, end=end, kind=kind, audience=audience)

if view == "month":
    calendar_views.month_grid(shown, anchor, today)
elif view == "week":
    calendar_views.week_grid(shown, start, today)
else:
    chosen = calendar_views.event_table(shown)
    if chosen is not None:
        calendar_views.open_event(chosen)
        st.rerun()
holidays = events.public_holidays(start, end, lang)
if holidays and view != "month":
    st.caption(
        tr(
            "calendar.holidays_in_view",
            list=", ".join(
                f"{calendar_views.format_date(day, lang)} {name}" for day, name in holidays.items()
            ),
        )
    )
