"""Calendar files (.ics) that Outlook and Google Calendar import, built with `icalendar`.

An event keeps its wall-clock time in Europe/Tallinn (DTSTART;TZID=Europe/Tallinn, with
the VTIMEZONE the library derives from the zone database); key dates (contract ends,
qualification expiries, material reviews, task deadlines) are all-day entries. Text is
escaped by the library (commas, semicolons, new lines), never by hand. UIDs are stable,
so importing the file again updates entries instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core import audit
from core.errors import NotFound
from core.formatting import TALLINN
from core.i18n import enum_label, t
from core.models import (
    Contract,
    ContractStatus,
    Event,
    EventStatus,
    Material,
    Qualification,
    Specialist,
    Task,
    TaskStatus,
    utc_now,
)
from core.permissions import Actor, Permission, require
from core.services import events

PRODUCT_ID = "-//Sotsiaalkindlustusamet//TTTVT töölaud//ET"
UID_DOMAIN = "tttvt.sotsiaalkindlustusamet.ee"
KEY_DATE_DAYS = 365
LIVE_CONTRACT = (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.EXPIRING)
OPEN_TASK = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


@dataclass(frozen=True)
class KeyDate:
    """A date to remember: `kind` is contract_end, qualification_expiry, material_review or
    task_due; `subject` names what it is about."""

    kind: str
    on: date
    subject: str
    record_id: int


def _calendar(lang: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", t("events.ics.calendar_name", lang))
    calendar.add("x-wr-timezone", "Europe/Tallinn")
    return calendar


def _event_component(event: events.EventRead, lang: str, stamp: datetime) -> CalendarEvent:
    component = CalendarEvent()
    component.add("uid", f"event-{event.id}@{UID_DOMAIN}")
    component.add("dtstamp", stamp)
    component.add("dtstart", event.start_at.astimezone(TALLINN))
    component.add("dtend", event.end_at.astimezone(TALLINN))
    component.add("summary", event.title)
    if event.place or event.link:
        component.add("location", event.place or event.link)
    if event.link:
        component.add("url", event.link)
    lines = [
        f"{t('events.field.kind', lang)}: {t(f'events.kind.{event.kind}', lang)}",
        f"{t('events.field.audience', lang)}: {t(f'events.audience.{event.audience}', lang)}",
        f"{t('field.language', lang)}: {enum_label(event.language, lang, 'Language')}",
    ]
    if event.trainer:
        lines.append(f"{t('events.field.trainer', lang)}: {event.trainer}")
    if event.description:
        lines += ["", event.description]
    component.add("description", "\n".join(lines))
    component.add("categories", [t(f"events.kind.{event.kind}", lang)])
    component.add(
        "status", "CANCELLED" if event.status == EventStatus.CANCELLED.value else "CONFIRMED"
    )
    component.add("sequence", max(event.version - 1, 0))
    return component


def _key_date_component(item: KeyDate, lang: str, stamp: datetime) -> CalendarEvent:
    component = CalendarEvent()
    component.add("uid", f"{item.kind}-{item.record_id}-{item.on:%Y%m%d}@{UID_DOMAIN}")
    component.add("dtstamp", stamp)
    component.add("dtstart", item.on)
    component.add("dtend", item.on + timedelta(days=1))
    component.add("summary", t(f"events.ics.{item.kind}", lang, subject=item.subject))
    component.add("categories", [t("events.ics.key_date", lang)])
    component.add("transp", "TRANSPARENT")
    return component


def build_calendar(
    items: Iterable[events.EventRead],
    key_dates: Iterable[KeyDate] = (),
    *,
    lang: str = "et",
    stamp: datetime | None = None,
) -> bytes:
    """The iCalendar file for events (timed, in Tallinn time) and key dates (all-day)."""
    stamp = stamp or utc_now()
    calendar = _calendar(lang)
    days = [stamp.date()]
    for event in items:
        calendar.add_component(_event_component(event, lang, stamp))
        days += [event.start_at.date(), event.end_at.date()]
    for item in key_dates:
        calendar.add_component(_key_date_component(item, lang, stamp))
    # The zone's rules for the years the file covers, not since 1970.
    calendar.add_missing_timezones(
        first_date=date(min(days).year - 1, 1, 1), last_date=date(max(days).year + 2, 1, 1)
    )
    return bytes(calendar.to_ical())


def key_dates(session: Session, *, start: date, end: date) -> list[KeyDate]:
    """Contract ends, qualification expiries, material reviews and task deadlines."""
    found: list[KeyDate] = []
    for contract_id, number, end_date in session.execute(
        sa_select(col(Contract.id), col(Contract.number), col(Contract.end_date)).where(
            col(Contract.status).in_(LIVE_CONTRACT),
            col(Contract.end_date) >= start,
            col(Contract.end_date) <= end,
        )
    ).all():
        found.append(KeyDate("contract_end", end_date, number, contract_id))
    for qualification_id, name, valid_until in session.execute(
        sa_select(col(Qualification.id), col(Specialist.name), col(Qualification.valid_until))
        .join(Specialist, col(Specialist.id) == col(Qualification.specialist_id))
        .where(
            col(Specialist.active).is_(True),
            col(Qualification.valid_until) >= start,
            col(Qualification.valid_until) <= end,
        )
    ).all():
        found.append(KeyDate("qualification_expiry", valid_until, name, qualification_id))
    for material_id, title, next_review in session.execute(
        sa_select(col(Material.id), col(Material.title), col(Material.next_review_on)).where(
            col(Material.next_review_on) >= start, col(Material.next_review_on) <= end
        )
    ).all():
        found.append(KeyDate("material_review", next_review, title, material_id))
    for task_id, title, due in session.execute(
        sa_select(col(Task.id), col(Task.title), col(Task.due_on)).where(
            col(Task.status).in_(OPEN_TASK), col(Task.due_on) >= start, col(Task.due_on) <= end
        )
    ).all():
        found.append(KeyDate("task_due", due, title, task_id))
    found.sort(key=lambda item: (item.on, item.kind, item.record_id))
    return found


def export_event_ics(session: Session, actor: Actor, *, event_id: int, lang: str = "et") -> bytes:
    """One event as an .ics file (audited as an export)."""
    require(session, actor, Permission.EXPORT_RECORDS, action="calendar.export_event")
    if session.get(Event, event_id) is None:
        raise NotFound(table="event", id=event_id)
    detail = events.get_event(session, actor, event_id=event_id)
    content = build_calendar([detail.event], lang=lang)
    audit.record(session, actor, "export", table="event", record_id=event_id, fields=["ics"])
    session.commit()
    return content


def export_calendar_ics(session: Session, actor: Actor, *, today: date, lang: str = "et") -> bytes:
    """All upcoming events (not cancelled) and the key dates of the next 12 months."""
    require(session, actor, Permission.EXPORT_RECORDS, action="calendar.export_calendar")
    end = today + timedelta(days=KEY_DATE_DAYS)
    upcoming = [
        event
        for event in events.list_events(
            session, actor, start=today, end=end, include_cancelled=False
        )
        if event.status != EventStatus.HELD.value
    ]
    dates = key_dates(session, start=today, end=end)
    content = build_calendar(upcoming, dates, lang=lang)
    audit.record(
        session,
        actor,
        "export",
        table="event",
        fields=["ics", f"events={len(upcoming)}", f"key_dates={len(dates)}"],
    )
    session.commit()
    return content
