"""One list of what is due: every dated duty from every capability, sorted by date.

Sources: qualification expiries of active specialists, ends of live contracts, invoices
waiting to be checked, feedback follow-ups, material reviews, partner next steps, open
tasks, and upcoming covision and supervision. Each item carries the page and query
parameter of its record, so the page can link to it when that page exists.

"Done" and "snooze" are kept per item in the `Setting` row "due_state" (a JSON dict of
item key -> {"done": true} or {"snoozed_until": "YYYY-MM-DD"}). The key holds the item's
date, so a record whose date moves (a material reviewed, a contract extended) comes back
as a new item. The same items are offered as an iCalendar file of all-day events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from core import audit
from core.errors import ValidationFailed
from core.formatting import TALLINN
from core.i18n import enum_label, t
from core.models import (
    ContactLog,
    Contract,
    ContractStatus,
    Event,
    EventKind,
    EventStatus,
    Feedback,
    FeedbackStatus,
    Invoice,
    InvoiceStatus,
    Material,
    Partner,
    Provider,
    Qualification,
    Setting,
    Specialist,
    Task,
    TaskStatus,
    utc_now,
)
from core.permissions import Actor, Permission, require, write_service

STATE_KEY = "due_state"
SOURCES = (
    "qualification",
    "contract",
    "invoice",
    "feedback",
    "material",
    "partner",
    "task",
    "supervision",
)
# Where each source's record is shown: page key (ui/nav.py) and its query parameter.
LINKS: dict[str, tuple[str, str]] = {
    "qualification": ("providers", "specialist"),
    "contract": ("contracts", "contract"),
    "invoice": ("contracts", "invoice"),
    "feedback": ("feedback", "feedback"),
    "material": ("materials", "material"),
    "partner": ("partners", "partner"),
    "task": ("tasks", "task"),
    "supervision": ("calendar", "event"),
}
LIVE_CONTRACT = (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.EXPIRING)
# A partner's next step stays on the list this long after its date, unless marked done.
NEXT_STEP_GRACE_DAYS = 30
# States of items older than this are forgotten when the state is next written.
STATE_KEEP_DAYS = 400
KEY_PATTERN = re.compile(r"^([a-z_]+):(\d+):(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class DueItem:
    source: str
    record_id: int
    on: date
    subject: str
    params: dict[str, Any] = field(default_factory=dict)
    link_id: int | None = None  # the id the record's page takes, when not record_id
    state: str = "open"  # open, done, snoozed
    snoozed_until: date | None = None

    @property
    def key(self) -> str:
        return item_key(self.source, self.record_id, self.on)

    @property
    def page(self) -> str:
        return LINKS[self.source][0]

    @property
    def query(self) -> dict[str, str]:
        return {LINKS[self.source][1]: str(self.link_id or self.record_id)}

    def days_left(self, today: date) -> int:
        return (self.on - today).days


def item_key(source: str, record_id: int, on: date) -> str:
    return f"{source}:{record_id}:{on.isoformat()}"


@dataclass(frozen=True)
class DueFilter:
    sources: tuple[str, ...] = SOURCES
    horizon_days: int = 60
    include_done: bool = False
    include_snoozed: bool = False
    text: str = ""


# --- gathering ---------------------------------------------------------------------------


def _qualifications(session: Session, until: date) -> list[DueItem]:
    rows = session.execute(
        sa_select(
            col(Qualification.id),
            col(Qualification.kind),
            col(Qualification.valid_until),
            col(Specialist.id),
            col(Specialist.name),
        )
        .join(Specialist, col(Specialist.id) == col(Qualification.specialist_id))
        .where(col(Specialist.active).is_(True), col(Qualification.valid_until) <= until)
    ).all()
    return [
        DueItem("qualification", qid, valid_until, name, {"kind": kind}, link_id=specialist_id)
        for qid, kind, valid_until, specialist_id, name in rows
    ]


def _contracts(session: Session, until: date) -> list[DueItem]:
    rows = session.execute(
        select(col(Contract.id), col(Contract.number), col(Contract.end_date), col(Provider.name))
        .join(Provider, col(Provider.id) == col(Contract.provider_id))
        .where(col(Contract.status).in_(LIVE_CONTRACT), col(Contract.end_date) <= until)
    ).all()
    return [
        DueItem("contract", cid, end, f"{number} · {provider}", {"number": number})
        for cid, number, end, provider in rows
    ]


def _invoices(session: Session, until: date) -> list[DueItem]:
    rows = session.execute(
        select(
            col(Invoice.id),
            col(Invoice.number),
            col(Invoice.received_on),
            col(Provider.name),
        )
        .join(Contract, col(Contract.id) == col(Invoice.contract_id))
        .join(Provider, col(Provider.id) == col(Contract.provider_id))
        .where(
            col(Invoice.status) == InvoiceStatus.RECEIVED.value,
            col(Invoice.received_on) <= until,
        )
    ).all()
    return [
        DueItem("invoice", iid, received, f"{number} · {provider}", {"number": number})
        for iid, number, received, provider in rows
    ]


def _feedback(session: Session, until: date) -> list[DueItem]:
    rows = session.execute(
        select(col(Feedback.id), col(Feedback.follow_up_due), col(Feedback.follow_up_action)).where(
            col(Feedback.follow_up_needed).is_(True),
            col(Feedback.status) != FeedbackStatus.ACTED_ON.value,
            col(Feedback.follow_up_due) <= until,
        )
    ).all()
    return [
        DueItem(
            "feedback",
            fid,
            due,
            f"#{fid}" + (f" · {action[:120]}" if action else ""),
        )
        for fid, due, action in rows
    ]


def _materials(session: Session, until: date) -> list[DueItem]:
    rows = session.execute(
        select(
            col(Material.id), col(Material.title), col(Material.next_review_on), Material.created_at
        ).where((col(Material.next_review_on) <= until) | col(Material.next_review_on).is_(None))
    ).all()
    # A material never reviewed has been due since it was added (a date that stays put,
    # so that "done" and "snooze" keep holding).
    return [
        DueItem("material", mid, due or _local_date(created), title)
        for mid, title, due, created in rows
    ]


def _local_date(instant: datetime) -> date:
    aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return aware.astimezone(TALLINN).date()


def _partner_steps(session: Session, today: date, until: date) -> list[DueItem]:
    rows = session.execute(
        sa_select(
            col(ContactLog.id),
            col(ContactLog.next_step),
            col(ContactLog.next_step_on),
            col(Partner.id),
            col(Partner.name),
        )
        .join(Partner, col(Partner.id) == col(ContactLog.partner_id))
        .where(
            col(ContactLog.next_step_on) >= today - timedelta(days=NEXT_STEP_GRACE_DAYS),
            col(ContactLog.next_step_on) <= until,
        )
    ).all()
    return [
        DueItem(
            "partner",
            cid,
            on,
            f"{name} · {step}" if step else name,
            link_id=partner_id,
        )
        for cid, step, on, partner_id, name in rows
    ]


def _tasks(session: Session, until: date) -> list[DueItem]:
    rows = session.execute(
        select(col(Task.id), col(Task.title), col(Task.due_on), col(Task.priority)).where(
            col(Task.status).in_((TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value)),
            col(Task.due_on) <= until,
        )
    ).all()
    return [
        DueItem("task", tid, due, title, {"priority": priority})
        for tid, title, due, priority in rows
    ]


def _supervision(session: Session, today: date, until: date) -> list[DueItem]:
    start = datetime.combine(today, time.min, tzinfo=TALLINN)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=TALLINN)
    rows = session.execute(
        select(col(Event.id), col(Event.title), col(Event.start_at), col(Event.kind)).where(
            col(Event.kind).in_((EventKind.COVISION.value, EventKind.SUPERVISION.value)),
            col(Event.status).in_((EventStatus.PLANNED.value, EventStatus.CONFIRMED.value)),
            col(Event.start_at) >= start,
            col(Event.start_at) < end,
        )
    ).all()
    items = []
    for eid, title, start_at, kind in rows:
        local = (start_at if start_at.tzinfo else start_at.replace(tzinfo=UTC)).astimezone(TALLINN)
        items.append(
            DueItem(
                "supervision",
                eid,
                local.date(),
                title,
                {"event_kind": kind, "time": local.strftime("%H:%M")},
            )
        )
    return items


def read_states(session: Session) -> dict[str, dict[str, Any]]:
    value = session.execute(
        select(Setting.value).where(Setting.key == STATE_KEY)
    ).scalar_one_or_none()
    return dict(value) if isinstance(value, dict) else {}


def _with_state(item: DueItem, states: dict[str, dict[str, Any]], today: date) -> DueItem:
    state = states.get(item.key) or {}
    if state.get("done"):
        return _replace(item, state="done")
    until = state.get("snoozed_until")
    if until:
        try:
            day = date.fromisoformat(str(until))
        except ValueError:
            return item
        if day > today:
            return _replace(item, state="snoozed", snoozed_until=day)
    return item


def _replace(item: DueItem, **changes: Any) -> DueItem:
    return replace(item, **changes)


def gather(
    session: Session, actor: Actor, *, today: date, filters: DueFilter | None = None
) -> list[DueItem]:
    """Everything due up to today + horizon (and everything overdue), the earliest first."""
    require(session, actor, Permission.VIEW_RECORDS, action="due.gather")
    filters = filters or DueFilter()
    until = today + timedelta(days=filters.horizon_days)
    wanted = set(filters.sources)
    loaders = {
        "qualification": lambda: _qualifications(session, until),
        "contract": lambda: _contracts(session, until),
        "invoice": lambda: _invoices(session, until),
        "feedback": lambda: _feedback(session, until),
        "material": lambda: _materials(session, until),
        "partner": lambda: _partner_steps(session, today, until),
        "task": lambda: _tasks(session, until),
        "supervision": lambda: _supervision(session, today, until),
    }
    states = read_states(session)
    text = filters.text.strip().lower()
    items: list[DueItem] = []
    for source in SOURCES:
        if source not in wanted:
            continue
        for item in loaders[source]():
            shown = _with_state(item, states, today)
            if shown.state == "done" and not filters.include_done:
                continue
            if shown.state == "snoozed" and not filters.include_snoozed:
                continue
            if text and text not in shown.subject.lower():
                continue
            items.append(shown)
    order = {source: position for position, source in enumerate(SOURCES)}
    items.sort(key=lambda i: (i.on, order[i.source], i.subject))
    return items


# --- done and snooze ---------------------------------------------------------------------


@write_service(Permission.EDIT_RECORDS)
def set_item_state(
    session: Session,
    actor: Actor,
    *,
    key: str,
    action: str,
    today: date,
    until: date | None = None,
) -> None:
    """Mark an item done, snooze it until a date, or put it back on the list ("reopen")."""
    match = KEY_PATTERN.match(key or "")
    if match is None or match.group(1) not in SOURCES:
        raise ValidationFailed([("due_item", "invalid.due_item", {})])
    if action not in ("done", "snooze", "reopen"):
        raise ValidationFailed([("due_action", "invalid.due_action", {})])
    if action == "snooze" and (until is None or until <= today):
        raise ValidationFailed([("due_snoozed_until", "invalid.due_snoozed_until", {})])
    row = session.execute(select(Setting).where(Setting.key == STATE_KEY)).scalar_one_or_none()
    if row is None:
        row = Setting(key=STATE_KEY, value={})
        session.add(row)
        session.flush()
    states = dict(row.value) if isinstance(row.value, dict) else {}
    forget_before = today - timedelta(days=STATE_KEEP_DAYS)
    states = {
        k: v
        for k, v in states.items()
        if (m := KEY_PATTERN.match(k)) and date.fromisoformat(m.group(3)) >= forget_before
    }
    if action == "done":
        states[key] = {"done": True}
    elif action == "snooze":
        assert until is not None
        states[key] = {"snoozed_until": until.isoformat()}
    else:
        states.pop(key, None)
    row.value = states
    flag_modified(row, "value")
    session.flush()
    audit.record_write(
        session, actor, f"due.{action}", table="setting", record_id=row.id, fields=[STATE_KEY]
    )


# --- the calendar file -------------------------------------------------------------------


def describe(item: DueItem, lang: str) -> str:
    """What is due, in words: "Kvalifikatsioon aegub: kliiniline psühholoog (kutse)"."""
    params = dict(item.params)
    if "kind" in params:
        params["kind"] = enum_label(str(params["kind"]), lang, "QualificationKind")
    if "event_kind" in params:
        params["event_kind"] = t(f"due.event_kind.{params['event_kind']}", lang)
    return t(f"due.what.{item.source}", lang, **params)


def build_ics(items: list[DueItem], *, lang: str, now: datetime | None = None) -> bytes:
    """One all-day VEVENT per item; the library escapes the text (commas, semicolons, lines)."""
    stamp = (now or utc_now()).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//SKA//TTTVT toolaud//ET")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", t("due.calendar_name", lang))
    calendar.add("x-wr-timezone", str(TALLINN))
    for item in items:
        event = CalendarEvent()
        event.add("uid", f"{item.key}@tttvt")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + timedelta(days=1))
        event.add("summary", f"{describe(item, lang)} · {item.subject}")
        event.add("description", f"{t(f'due.source.{item.source}', lang)}: {item.subject}")
        event.add("categories", [t(f"due.source.{item.source}", lang)])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


def export_ics(
    session: Session, actor: Actor, *, today: date, lang: str, filters: DueFilter | None = None
) -> bytes:
    """The due list as an .ics file for Outlook; the export is audited."""
    require(session, actor, Permission.EXPORT_RECORDS, action="due.export_ics")
    items = gather(session, actor, today=today, filters=filters)
    data = build_ics(items, lang=lang)
    audit.record(session, actor, "export", table="due", fields=["ics", f"items={len(items)}"])
    session.commit()
    return data
