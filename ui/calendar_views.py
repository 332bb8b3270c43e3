"""Drawing the training calendar: month and week grids (Streamlit columns), the list, an
event with its registrations, waiting list and attendance, the supervision log, training
hours and the info-day rule. Every write goes through core.services.events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from core import calendar_files, db
from core.dates import add_months
from core.formatting import TALLINN, format_date, format_datetime, format_number
from core.models import Audience, EventKind, EventStatus, Language, ParticipantKind
from core.permissions import Actor, Permission
from core.services import events
from core.services.events import EventDetail, EventRead, EventWarning
from ui import nav, widgets
from ui.i18n import current_language, label, tr

KIND_ICONS = {
    EventKind.TRAINING.value: ":material/school:",
    EventKind.INFO_DAY.value: ":material/campaign:",
    EventKind.COVISION.value: ":material/forum:",
    EventKind.SUPERVISION.value: ":material/psychology:",
    EventKind.WEBINAR.value: ":material/videocam:",
}
STATUS_MARKS = {"planned": "", "confirmed": "✓ ", "held": "✓ ", "cancelled": "✗ "}
MONTH_CELL_HEIGHT = 175
MONTH_CELL_EVENTS = 3
EVENT_PARAM = "event"
PAGE = "pages/2_Calendar.py"


def open_event(event_id: int) -> None:
    st.query_params[EVENT_PARAM] = str(event_id)


def kind_label(kind: str) -> str:
    return tr(f"events.kind.{kind}")


def _time(value: datetime) -> str:
    return value.astimezone(TALLINN).strftime("%H:%M")


def _span(event: EventRead) -> str:
    lang = current_language()
    if event.start_at.date() == event.end_at.date():
        return f"{format_datetime(event.start_at, lang)}–{_time(event.end_at)}"
    return f"{format_datetime(event.start_at, lang)} – {format_datetime(event.end_at, lang)}"


def warning_text(warning: EventWarning) -> str:
    lang = current_language()
    if warning.kind == "holiday":
        names = events.public_holidays(warning.on, warning.on, lang)
        return tr(
            "events.warning.holiday",
            date=format_date(warning.on, lang),
            name=names.get(warning.on, ""),
        )
    return tr(
        "events.warning.overlap",
        title=warning.other_title,
        start=format_datetime(warning.other_start, lang),
    )


def month_name(month: int) -> str:
    return tr(f"calendar.month.{month}")


# --- the grids ---------------------------------------------------------------------------


def _by_day(items: list[EventRead]) -> dict[date, list[EventRead]]:
    days: dict[date, list[EventRead]] = {}
    for event in items:
        day = event.start_at.date()
        while day <= event.end_at.date():
            days.setdefault(day, []).append(event)
            day += timedelta(days=1)
    return days


def _event_link(event: EventRead, *, long: bool = False) -> None:
    """An event in a grid cell: its time links to the same page with the event open (a
    link label does not wrap, so the title follows as wrapping text)."""
    st.page_link(
        PAGE,
        label=f"{STATUS_MARKS.get(event.status, '')}{_time(event.start_at)}",
        icon=KIND_ICONS.get(event.kind),
        help=f"{kind_label(event.kind)} · {tr(f'events.status.{event.status}')}",
        query_params={
            **{k: st.query_params[k] for k in ("view", "date") if k in st.query_params},
            EVENT_PARAM: str(event.id),
        },
    )
    span = f"{_time(event.start_at)}–{_time(event.end_at)} · " if long else ""
    st.caption(widgets.plain(f"{span}{event.title}"))


def month_grid(items: list[EventRead], anchor: date, today: date) -> None:
    """A month as weeks of seven bordered cells; holidays named, events as links."""
    lang = current_language()
    first = anchor.replace(day=1)
    last = add_months(first, 1) - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    holidays = events.public_holidays(start, last + timedelta(days=6), lang)
    days = _by_day(items)
    header = st.columns(7, gap="small")
    for weekday, column in enumerate(header):
        column.markdown(f"**{tr(f'calendar.weekday.{weekday}')}**")
    day = start
    while day <= last:
        columns = st.columns(7, gap="small")
        for column in columns:
            with column.container(border=True, height=MONTH_CELL_HEIGHT):
                number = f"{day.day}." if lang == "et" else str(day.day)
                if day == today:
                    number = f":blue-background[**{number}**]"
                elif day.month != anchor.month:
                    number = f":gray[{number}]"
                else:
                    number = f"**{number}**"
                if day in holidays:
                    st.markdown(f"{number} :red[{widgets.plain(holidays[day])}]")
                else:
                    st.markdown(number)
                todays = days.get(day, [])
                for event in todays[:MONTH_CELL_EVENTS]:
                    _event_link(event)
                if len(todays) > MONTH_CELL_EVENTS:
                    st.caption(tr("calendar.more_events", count=len(todays) - MONTH_CELL_EVENTS))
            day += timedelta(days=1)


def week_grid(items: list[EventRead], monday: date, today: date) -> None:
    lang = current_language()
    holidays = events.public_holidays(monday, monday + timedelta(days=6), lang)
    days = _by_day(items)
    columns = st.columns(7, gap="small")
    for offset, column in enumerate(columns):
        day = monday + timedelta(days=offset)
        with column.container(border=True):
            heading = f"{tr(f'calendar.weekday_long.{offset}')} {format_date(day, lang)}"
            st.markdown(f":blue-background[**{heading}**]" if day == today else f"**{heading}**")
            if day in holidays:
                st.markdown(f":red[{widgets.plain(holidays[day])}]")
            for event in days.get(day, []):
                _event_link(event, long=True)
                place = event.place or (tr("events.online") if event.link else "")
                if place:
                    st.caption(widgets.plain(place))


def event_table(items: list[EventRead]) -> int | None:
    """The list view: one row an event; selecting a row opens it."""
    lang = current_language()
    if not items:
        st.info(tr("calendar.no_events"))
        return None
    frame = pd.DataFrame(
        [
            {
                "date": format_date(e.start_at, lang),
                "time": f"{_time(e.start_at)}–{_time(e.end_at)}",
                "title": e.title,
                "kind": kind_label(e.kind),
                "audience": tr(f"events.audience.{e.audience}"),
                "status": tr(f"events.status.{e.status}"),
                "places": f"{e.registered} / {e.capacity}" if e.capacity else f"{e.registered} / –",
                "waitlisted": e.waitlisted,
                "attended": e.attended,
                "warnings": " ".join(warning_text(w) for w in e.warnings),
            }
            for e in items
        ]
    )
    chosen = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="event_table",
        column_config={
            "date": tr("events.col.date"),
            "time": tr("events.col.time"),
            "title": tr("events.field.title"),
            "kind": tr("events.field.kind"),
            "audience": tr("events.field.audience"),
            "status": tr("events.field.status"),
            "places": tr("events.col.places"),
            "waitlisted": tr("events.col.waitlisted"),
            "attended": tr("events.col.attended"),
            "warnings": tr("events.col.warnings"),
        },
    )
    st.caption(tr("calendar.select_hint"))
    rows = chosen.selection.rows if chosen and chosen.selection else []
    return items[rows[0]].id if rows else None


# --- downloads ---------------------------------------------------------------------------


def calendar_download(actor: Actor, today: date) -> None:
    if not actor.can(Permission.EXPORT_RECORDS):
        return
    lang = current_language()

    def _export() -> bytes:
        with db.read_session() as session:
            return calendar_files.export_calendar_ics(session, actor, today=today, lang=lang)

    st.download_button(
        tr("calendar.download_all"),
        data=_export,
        file_name="tttvt-kalender.ics",
        mime="text/calendar",
        on_click="ignore",
        icon=":material/event:",
        help=tr("calendar.download_all.help"),
        key="download_calendar",
    )


def _event_download(actor: Actor, event: EventRead) -> None:
    if not actor.can(Permission.EXPORT_RECORDS):
        return
    lang = current_language()

    def _export() -> bytes:
        with db.read_session() as session:
            return calendar_files.export_event_ics(session, actor, event_id=event.id, lang=lang)

    st.download_button(
        tr("events.download"),
        data=_export,
        file_name=f"sundmus-{event.id}.ics",
        mime="text/calendar",
        on_click="ignore",
        icon=":material/download:",
        key=f"download_event_{event.id}",
    )


# --- the event form ----------------------------------------------------------------------


def _options(enum: Any) -> list[str]:
    return [member.value for member in enum]


def event_form(actor: Actor, event: EventRead | None, today: date) -> int | None:
    """Create (event None) or edit an event; returns the id after a successful save."""
    lang = current_language()
    start = event.start_at if event else datetime.combine(today, time(10, 0), tzinfo=TALLINN)
    end = event.end_at if event else datetime.combine(today, time(13, 0), tzinfo=TALLINN)
    with st.form("event_form" if event is None else f"event_form_{event.id}"):
        title = st.text_input(tr("events.field.title"), value=event.title if event else "")
        first = st.columns(3)
        kind = first[0].selectbox(
            tr("events.field.kind"),
            _options(EventKind),
            index=_options(EventKind).index(event.kind) if event else 1,
            format_func=kind_label,
        )
        audience = first[1].selectbox(
            tr("events.field.audience"),
            _options(Audience),
            index=_options(Audience).index(event.audience) if event else 0,
            format_func=lambda a: tr(f"events.audience.{a}"),
        )
        status = first[2].selectbox(
            tr("events.field.status"),
            _options(EventStatus),
            index=_options(EventStatus).index(event.status) if event else 0,
            format_func=lambda s: tr(f"events.status.{s}"),
        )
        second = st.columns(4)
        start_day = second[0].date_input(
            tr("events.field.start_date"), value=start.date(), format="DD.MM.YYYY"
        )
        start_time = second[1].time_input(
            tr("events.field.start_time"), value=start.time().replace(tzinfo=None), step=900
        )
        end_time = second[2].time_input(
            tr("events.field.end_time"), value=end.time().replace(tzinfo=None), step=900
        )
        end_day = second[3].date_input(
            tr("events.field.end_date"),
            value=end.date() if event and end.date() != start.date() else None,
            format="DD.MM.YYYY",
            help=tr("events.field.end_date_help"),
        )
        third = st.columns(2)
        place = third[0].text_input(tr("events.field.place"), value=event.place if event else "")
        link = third[1].text_input(tr("events.field.link"), value=event.link if event else "")
        fourth = st.columns(3)
        capacity = fourth[0].number_input(
            tr("events.field.capacity"),
            min_value=0,
            max_value=events.MAX_CAPACITY,
            value=(event.capacity or 0) if event else 0,
            step=1,
            help=tr("events.field.capacity_help"),
        )
        language = fourth[1].selectbox(
            tr("events.field.language"),
            _options(Language),
            index=_options(Language).index(event.language) if event else 0,
            format_func=lambda code: label(code, "Language"),
        )
        trainer = fourth[2].text_input(
            tr("events.field.trainer"), value=event.trainer if event else ""
        )
        description = st.text_area(
            tr("events.field.description"), value=event.description if event else ""
        )
        submitted = st.form_submit_button(tr("save"), type="primary")
    if not submitted:
        return None
    data = {
        "title": title,
        "kind": kind,
        "audience": audience,
        "status": status,
        "start_at": datetime.combine(start_day, start_time) if start_day else None,
        "end_at": datetime.combine(end_day or start_day, end_time) if start_day else None,
        "place": place,
        "link": link,
        "capacity": int(capacity) or None,
        "language": language,
        "trainer": trainer,
        "description": description,
    }
    if event is None:
        created = widgets.write(actor, events.create_event, "events.created", data=data)
        return int(created) if created else None
    promoted = widgets.write(
        actor,
        events.update_event,
        "events.saved",
        event_id=event.id,
        data=data,
        expected_version=event.version,
    )
    if promoted is None:
        return None
    if isinstance(promoted, list) and promoted:
        st.toast(tr("events.promoted", count=len(promoted)))
    del lang
    return event.id


# --- one event ---------------------------------------------------------------------------


def event_detail(actor: Actor, detail: EventDetail, today: date) -> None:
    event = detail.event
    lang = current_language()
    editor = actor.can(Permission.EDIT_RECORDS)
    st.subheader(widgets.plain(event.title))
    st.caption(
        f"{kind_label(event.kind)} · {_span(event)} · "
        f"{tr(f'events.status.{event.status}')} · {tr(f'events.audience.{event.audience}')} · "
        f"{label(event.language, 'Language')}"
    )
    for warning in event.warnings:
        st.warning(warning_text(warning), icon=":material/warning:")
    info = st.columns([3, 3, 2])
    with info[0]:
        if event.capacity:
            st.markdown(
                tr(
                    "events.places",
                    registered=event.registered,
                    capacity=event.capacity,
                    waitlisted=event.waitlisted,
                )
            )
        else:
            st.markdown(tr("events.places_unlimited", registered=event.registered))
        if event.attended or event.status == EventStatus.HELD.value:
            st.markdown(tr("events.attended_count", count=event.attended))
        if event.capacity and event.registered >= event.capacity:
            st.caption(tr("events.full"))
    with info[1]:
        if event.place:
            st.markdown(tr("events.where", place=widgets.plain(event.place)))
        if event.link:
            st.text(event.link)
        if event.trainer:
            st.markdown(f"{tr('events.field.trainer')}: {widgets.plain(event.trainer)}")
    with info[2]:
        _event_download(actor, event)
        feedback = nav.page_for(actor, "feedback")
        if feedback is not None and event.status == EventStatus.HELD.value:
            st.page_link(
                feedback.path,
                label=tr("events.feedback_link"),
                icon=":material/rate_review:",
                query_params={"event": str(event.id)},
            )
    if event.description:
        st.text(event.description)

    registrations = [r for r in detail.registrations if r.status == "registered"]
    waiting = [r for r in detail.registrations if r.status == "waitlisted"]
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{tr('events.registrations')}** ({len(registrations)})")
        if registrations:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "name": r.name,
                            "provider": r.provider_name,
                            "kind": tr(f"events.participant.{r.participant_kind}"),
                            "attended": "✓"
                            if r.attended
                            else "✗"
                            if r.attended is False
                            else tr("events.attendance_unknown"),
                        }
                        for r in registrations
                    ]
                ),
                hide_index=True,
                width="stretch",
                key="registered_table",
                column_config={
                    "name": tr("events.participant"),
                    "provider": tr("events.provider"),
                    "kind": tr("events.participant_kind"),
                    "attended": tr("events.col.attended"),
                },
            )
        else:
            st.caption(tr("events.no_registrations"))
    with right:
        st.markdown(f"**{tr('events.waiting_list')}** ({len(waiting)})")
        if waiting:
            st.dataframe(
                pd.DataFrame(
                    [
                        {"position": r.position, "name": r.name, "provider": r.provider_name}
                        for r in waiting
                    ]
                ),
                hide_index=True,
                width="stretch",
                key="waiting_table",
                column_config={
                    "position": tr("events.position"),
                    "name": tr("events.participant"),
                    "provider": tr("events.provider"),
                },
            )
        else:
            st.caption(tr("events.no_waiting"))

    if not editor:
        return
    open_for_registration = event.status not in (EventStatus.HELD.value, "cancelled")
    if open_for_registration:
        with st.expander(tr("events.register"), icon=":material/person_add:", expanded=True):
            _registration_form(actor, event)
    live = registrations + waiting
    if live:
        with st.expander(tr("events.cancel_registration"), icon=":material/person_remove:"):
            names = {r.id: r for r in live}
            chosen = st.selectbox(
                tr("events.cancel_which"),
                list(names),
                format_func=lambda rid: (
                    f"{names[rid].name} · {tr(f'events.registration.{names[rid].status}')}"
                ),
                key=f"cancel_pick_{event.id}",
            )
            if st.button(tr("events.cancel_registration"), key=f"cancel_{event.id}"):
                promoted = widgets.write(
                    actor,
                    events.cancel_registration,
                    "events.cancelled",
                    registration_id=chosen,
                    expected_version=names[chosen].version,
                )
                if promoted is not None:
                    if isinstance(promoted, list) and promoted:
                        st.toast(tr("events.promoted", count=len(promoted)))
                    st.rerun()
    if event.status != EventStatus.CANCELLED.value:
        st.markdown(f"**{tr('events.attendance')}**")
        if event.has_started:
            _attendance_editor(actor, event, registrations)
        else:
            st.caption(tr("events.attendance_not_yet"))
    with st.expander(tr("events.edit"), icon=":material/edit:"):
        if event_form(actor, event, today) is not None:
            st.rerun()
    del lang


def _registration_form(actor: Actor, event: EventRead) -> None:
    with db.read_session() as session:
        choices = events.participant_choices(session, actor)
    kinds = _options(ParticipantKind)
    kind = st.segmented_control(
        tr("events.participant_kind"),
        kinds,
        default=ParticipantKind.SPECIALIST.value,
        format_func=lambda k: tr(f"events.participant.{k}"),
        key=f"participant_kind_{event.id}",
    )
    kind = kind or ParticipantKind.SPECIALIST.value
    inputs: dict[str, Any] = {"participant_kind": kind}
    if kind == ParticipantKind.SPECIALIST.value:
        specialists = dict(choices["specialists"])
        inputs["specialist_id"] = st.selectbox(
            tr("events.specialist"),
            list(specialists),
            index=None,
            format_func=lambda sid: specialists[sid],
            key=f"register_specialist_{event.id}",
        )
    elif kind == ParticipantKind.PROVIDER_CONTACT.value:
        providers = dict(choices["providers"])
        inputs["provider_id"] = st.selectbox(
            tr("events.provider"),
            list(providers),
            index=None,
            format_func=lambda pid: providers[pid],
            key=f"register_provider_{event.id}",
        )
        inputs["participant_name"] = st.text_input(
            tr("events.participant_name"), key=f"register_contact_{event.id}"
        )
    else:
        inputs["participant_name"] = st.text_input(
            tr("events.participant_name"), key=f"register_name_{event.id}"
        )
    if st.button(tr("events.register"), type="primary", key=f"register_{event.id}"):
        result = widgets.write(actor, events.register, "", event_id=event.id, **inputs)
        if result is not None:
            if result.status == "waitlisted":
                st.session_state["_calendar_flash"] = tr(
                    "events.waitlisted", position=result.position
                )
            else:
                st.session_state["_calendar_flash"] = tr("events.registered")
            st.rerun()


def flash() -> None:
    message = st.session_state.pop("_calendar_flash", None)
    if message:
        st.success(message)


def _attendance_editor(actor: Actor, event: EventRead, registrations: list[Any]) -> None:
    if not registrations:
        st.caption(tr("events.no_registrations"))
        return
    st.caption(tr("events.attendance_hint"))
    frame = pd.DataFrame(
        [
            {
                "id": r.id,
                "name": r.name,
                "provider": r.provider_name,
                "attended": bool(r.attended),
            }
            for r in registrations
        ]
    )
    edited = st.data_editor(
        frame,
        hide_index=True,
        width="content",
        disabled=["id", "name", "provider"],
        column_order=["attended", "name", "provider"],
        column_config={
            "name": tr("events.participant"),
            "provider": tr("events.provider"),
            "attended": st.column_config.CheckboxColumn(tr("events.col.attended"), width="small"),
        },
        key=f"attendance_{event.id}_{sum(r.version for r in registrations)}",
    )
    if st.button(tr("events.save_attendance"), key=f"save_attendance_{event.id}"):
        versions = {r.id: r.version for r in registrations}
        rows = [
            {"id": int(row.id), "version": versions[int(row.id)], "attended": bool(row.attended)}
            for row in edited.itertuples(index=False)
        ]
        if widgets.write(
            actor,
            events.mark_attendance,
            "events.attendance_saved",
            event_id=event.id,
            rows=rows,
        ):
            st.rerun()


# --- supervision, hours and the info-day rule --------------------------------------------


def supervision_view(actor: Actor, today: date) -> None:
    lang = current_language()
    with db.read_session() as session:
        status = events.supervision_status(session, today=today)
        log = events.supervision_log(
            session, actor, start=add_months(today, -12), end=add_months(today, 2)
        )
    st.subheader(tr("supervision.title"))
    if status.last_on is None:
        st.info(tr("supervision.status_never"))
    elif status.overdue:
        st.warning(
            tr(
                "supervision.status_overdue",
                last=format_date(status.last_on, lang),
                due=format_date(status.due_on, lang),
            ),
            icon=":material/warning:",
        )
    else:
        st.success(
            tr(
                "supervision.status_ok",
                last=format_date(status.last_on, lang),
                due=format_date(status.due_on, lang),
                days=status.frequency_days,
            )
        )
    if status.held_without_attendance:
        st.caption(tr("supervision.status_missed", count=status.held_without_attendance))
    now = datetime.now(TALLINN)
    past = log[log["start_at"].map(lambda start: start <= now) & (log["status"] != "cancelled")]
    if actor.can(Permission.EDIT_RECORDS):
        with st.expander(tr("supervision.record"), icon=":material/edit_calendar:"):
            if past.empty:
                st.caption(tr("supervision.none_to_mark"))
            else:
                labels = {
                    int(row.event_id): f"{format_date(row.start_at, lang)} · "
                    f"{kind_label(row.kind)} · {row.title}"
                    for row in past.itertuples(index=False)
                }
                chosen = st.selectbox(
                    tr("supervision.event"),
                    list(labels),
                    format_func=lambda eid: labels[eid],
                    key="supervision_event",
                )
                buttons = st.columns([1, 1, 4])
                for column, attended, key in (
                    (buttons[0], True, "supervision.attended"),
                    (buttons[1], False, "supervision.missed"),
                ):
                    if column.button(tr(key), key=f"supervision_{attended}") and widgets.write(
                        actor,
                        events.log_own_attendance,
                        "supervision.saved",
                        event_id=chosen,
                        attended=attended,
                    ):
                        st.rerun()
    st.markdown(f"**{tr('supervision.log')}**")
    if log.empty:
        st.info(tr("supervision.none"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                "date": log["start_at"].map(lambda v: format_datetime(v, lang)),
                "kind": log["kind"].map(kind_label),
                "title": log["title"],
                "status": log["status"].map(lambda s: tr(f"events.status.{s}")),
                "attended": log["attended"].map(
                    lambda a: "✓" if a is True else "✗" if a is False else "–"
                ),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "date": tr("events.col.date"),
            "kind": tr("events.field.kind"),
            "title": tr("events.field.title"),
            "status": tr("events.field.status"),
            "attended": tr("supervision.col.attended"),
        },
    )


def hours_view(actor: Actor, today: date) -> None:
    lang = current_language()
    st.subheader(tr("hours.title"))
    chosen = st.date_input(
        tr("hours.range"),
        value=(today.replace(month=1, day=1), today),
        format="DD.MM.YYYY",
        key="hours_range",
    )
    start, end = (
        (chosen[0], chosen[1])
        if isinstance(chosen, tuple) and len(chosen) == 2
        else (today.replace(month=1, day=1), today)
    )
    with db.read_session() as session:
        table = events.training_hours(session, actor, start=start, end=end)
        rule = events.info_day_required(session)
        info_days = events.info_day_table(session, actor, on=today)
    st.caption(tr("hours.caption"))
    if table.empty:
        st.info(tr("hours.none"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "specialist": table["specialist"],
                    "provider": table["provider"],
                    "events": table["events"],
                    "hours": table["hours"].map(lambda h: format_number(h, lang, decimals=1)),
                    "last_on": table["last_on"].map(lambda d: format_date(d, lang)),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "specialist": tr("hours.col.specialist"),
                "provider": tr("hours.col.provider"),
                "events": tr("hours.col.events"),
                "hours": tr("hours.col.hours"),
                "last_on": tr("hours.col.last_on"),
            },
        )
    st.subheader(tr("infoday.title"))
    st.caption(tr("infoday.rule_on") if rule else tr("infoday.rule_off"))
    if info_days.empty:
        st.info(tr("infoday.none"))
        return
    missing = int((~info_days["ok"]).sum())
    if rule and missing:
        st.warning(tr("infoday.missing_count", count=missing), icon=":material/warning:")
    st.dataframe(
        pd.DataFrame(
            {
                "provider": info_days["provider"],
                "last": info_days["last_on"].map(lambda d: format_date(d, lang)),
                "ok": info_days["ok"].map(lambda ok: "✓" if ok else "✗"),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "provider": tr("infoday.col.provider"),
            "last": tr("infoday.col.last"),
            "ok": tr("infoday.col.ok"),
        },
    )
