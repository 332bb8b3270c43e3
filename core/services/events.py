"""The training calendar (duties 3.2, 3.5, 3.6): events, registrations with a waiting list,
attendance, training hours, the yearly info-day rule and the coordinator's supervision log.

Times are stored in UTC and entered and shown in Europe/Tallinn; a naive date-time given to
a service is read as Tallinn time. Estonian public holidays come from the `holidays`
library. Warnings (a public holiday, an overlap with another event for the same audience)
never block a save: the coordinator decides.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import holidays
import pandas as pd
from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator
from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core import audit
from core.dates import add_months
from core.db import get_for_update
from core.errors import ConflictError, NotFound, ValidationFailed
from core.formatting import TALLINN
from core.models import (
    Audience,
    Event,
    EventKind,
    EventStatus,
    Language,
    OnboardingStatus,
    ParticipantKind,
    Provider,
    Registration,
    RegistrationStatus,
    Specialist,
    utc_now,
)
from core.permissions import Actor, Permission, require, write_service
from core.settings import get_setting

SUPERVISION_KINDS = (EventKind.COVISION.value, EventKind.SUPERVISION.value)
LIVE_REGISTRATION = (RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITLISTED.value)
HOLIDAY_LANGUAGE = {"et": "et", "en": "en_US"}
MAX_CAPACITY = 10_000
# Field names of problems (message keys field.<name>), unique to this area.
PARTICIPANT, ATTENDED = "registration_participant", "registration_attended"
Link = Annotated[str, StringConstraints(pattern=r"^(https?://\S+)?$", max_length=500)]


# --- times and holidays ------------------------------------------------------------------


def to_utc(value: datetime) -> datetime:
    """A naive value is Tallinn wall time; an aware one keeps its instant."""
    aware = value if value.tzinfo else value.replace(tzinfo=TALLINN)
    return aware.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored instant (SQLite returns it without a zone) as an aware UTC value."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC)


def local(value: datetime) -> datetime:
    """A stored instant (SQLite returns it without a zone) in Tallinn time."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(TALLINN)


def day_start_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TALLINN).astimezone(UTC)


@functools.lru_cache(maxsize=64)
def _holidays_of_year(year: int, language: str) -> tuple[tuple[date, str], ...]:
    found = holidays.country_holidays("EE", years=year, language=language)
    return tuple(sorted((day, str(name)) for day, name in found.items()))


def public_holidays(start: date, end: date, lang: str = "et") -> dict[date, str]:
    """Estonian public holidays from `start` to `end` inclusive, named in `lang`."""
    language = HOLIDAY_LANGUAGE.get(lang, "et")
    return {
        day: name
        for year in range(start.year, end.year + 1)
        for day, name in _holidays_of_year(year, language)
        if start <= day <= end
    }


def _days_of(start_at: datetime, end_at: datetime) -> list[date]:
    first, last = local(start_at).date(), local(end_at - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range(max((last - first).days, 0) + 1)]


# --- read models -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventWarning:
    """Something the coordinator should know about an event; never blocks a save."""

    kind: str  # "holiday" or "overlap"
    on: date
    other_id: int | None = None
    other_title: str = ""
    other_start: datetime | None = None


@dataclass(frozen=True)
class EventRead:
    id: int
    title: str
    kind: str
    start_at: datetime  # Tallinn time
    end_at: datetime
    place: str
    link: str
    audience: str
    capacity: int | None
    language: str
    trainer: str
    description: str
    status: str
    version: int
    registered: int = 0
    waitlisted: int = 0
    attended: int = 0
    warnings: tuple[EventWarning, ...] = ()

    @property
    def hours(self) -> float:
        return (self.end_at - self.start_at).total_seconds() / 3600

    @property
    def has_started(self) -> bool:
        return self.start_at <= datetime.now(TALLINN)

    @property
    def free_places(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered, 0)


@dataclass(frozen=True)
class RegistrationRead:
    id: int
    participant_kind: str
    specialist_id: int | None
    provider_id: int | None
    name: str
    provider_name: str
    status: str
    attended: bool | None
    position: int | None  # place on the waiting list, 1-based
    version: int


@dataclass(frozen=True)
class EventDetail:
    event: EventRead
    registrations: tuple[RegistrationRead, ...]


@dataclass(frozen=True)
class RegistrationResult:
    id: int
    status: str
    position: int | None = None


@dataclass(frozen=True)
class SupervisionStatus:
    frequency_days: int
    last_on: date | None
    due_on: date | None
    overdue: bool
    held_without_attendance: int


def _read(
    row: Event, counts: dict[str, int] | None = None, warnings: Iterable[Any] = ()
) -> EventRead:
    assert row.id is not None
    counts = counts or {}
    return EventRead(
        id=row.id,
        title=row.title,
        kind=row.kind,
        start_at=local(row.start_at),
        end_at=local(row.end_at),
        place=row.place,
        link=row.link,
        audience=row.audience,
        capacity=row.capacity,
        language=row.language,
        trainer=row.trainer,
        description=row.description,
        status=row.status,
        version=row.version,
        registered=counts.get(RegistrationStatus.REGISTERED.value, 0),
        waitlisted=counts.get(RegistrationStatus.WAITLISTED.value, 0),
        attended=counts.get("attended", 0),
        warnings=tuple(warnings),
    )


def _counts(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    if not event_ids:
        return counts
    for event_id, status, total, attended in session.execute(
        sa_select(
            col(Registration.event_id),
            col(Registration.status),
            func.count(),
            func.sum(case((col(Registration.attended).is_(True), 1), else_=0)),
        )
        .where(col(Registration.event_id).in_(event_ids))
        .group_by(col(Registration.event_id), col(Registration.status))
    ).all():
        bucket = counts.setdefault(event_id, {})
        bucket[status] = int(total)
        bucket["attended"] = bucket.get("attended", 0) + int(attended or 0)
    return counts


def _warnings_for(
    session: Session,
    *,
    start_at: datetime,
    end_at: datetime,
    audience: str,
    exclude_id: int | None,
    status: str = EventStatus.PLANNED.value,
) -> list[EventWarning]:
    if status == EventStatus.CANCELLED.value:
        return []
    start_utc, end_utc = as_utc(start_at), as_utc(end_at)
    days = _days_of(start_utc, end_utc)
    found = public_holidays(days[0], days[-1])
    warnings = [EventWarning("holiday", day) for day in days if day in found]
    query = (
        select(Event)
        .where(
            col(Event.audience) == audience,
            col(Event.status) != EventStatus.CANCELLED.value,
            col(Event.start_at) < end_utc,
            col(Event.end_at) > start_utc,
        )
        .order_by(col(Event.start_at))
    )
    if exclude_id is not None:
        query = query.where(Event.id != exclude_id)
    for other in session.exec(query):
        warnings.append(
            EventWarning(
                "overlap",
                local(other.start_at).date(),
                other_id=other.id,
                other_title=other.title,
                other_start=local(other.start_at),
            )
        )
    return warnings


# --- reading -----------------------------------------------------------------------------


def list_events(
    session: Session,
    actor: Actor,
    *,
    start: date,
    end: date,
    kind: str | None = None,
    audience: str | None = None,
    include_cancelled: bool = True,
) -> list[EventRead]:
    """Events that touch the Tallinn days `start`..`end`, with counts and warnings."""
    require(session, actor, Permission.VIEW_RECORDS, action="events.list_events")
    query = (
        select(Event)
        .where(Event.start_at < day_start_utc(end + timedelta(days=1)))
        .where(Event.end_at > day_start_utc(start))
        .order_by(col(Event.start_at), col(Event.id))
    )
    if kind:
        query = query.where(Event.kind == kind)
    if audience:
        query = query.where(Event.audience == audience)
    if not include_cancelled:
        query = query.where(Event.status != EventStatus.CANCELLED.value)
    rows = list(session.exec(query))
    counts = _counts(session, [row.id for row in rows if row.id is not None])
    return [
        _read(
            row,
            counts.get(row.id or 0),
            _warnings_for(
                session,
                start_at=row.start_at,
                end_at=row.end_at,
                audience=row.audience,
                exclude_id=row.id,
                status=row.status,
            ),
        )
        for row in rows
    ]


def check_event(
    session: Session, actor: Actor, *, data: dict[str, Any], event_id: int | None = None
) -> list[EventWarning]:
    """The warnings an event would get, before it is saved (bad input gives none)."""
    require(session, actor, Permission.VIEW_RECORDS, action="events.check_event")
    try:
        values = _event_values(_validated(data))
    except ValidationFailed:
        return []
    return _warnings_for(
        session,
        start_at=values["start_at"],
        end_at=values["end_at"],
        audience=values["audience"],
        exclude_id=event_id,
        status=values["status"],
    )


def _registration_reads(session: Session, event_id: int) -> list[RegistrationRead]:
    rows = session.execute(
        sa_select(
            Registration, col(Specialist.name), col(Provider.name), col(Provider.contact_person)
        )
        .outerjoin(Specialist, col(Specialist.id) == col(Registration.specialist_id))
        .outerjoin(
            Provider,
            col(Provider.id) == func.coalesce(Registration.provider_id, Specialist.provider_id),
        )
        .where(col(Registration.event_id) == event_id)
        .order_by(col(Registration.created_at), col(Registration.id))
    ).all()
    reads: list[RegistrationRead] = []
    waiting = 0
    for registration, specialist_name, provider_name, contact in rows:
        assert registration.id is not None
        position = None
        if registration.status == RegistrationStatus.WAITLISTED.value:
            waiting += 1
            position = waiting
        name = registration.participant_name or specialist_name or contact or ""
        reads.append(
            RegistrationRead(
                id=registration.id,
                participant_kind=registration.participant_kind,
                specialist_id=registration.specialist_id,
                provider_id=registration.provider_id,
                name=name,
                provider_name=provider_name or "",
                status=registration.status,
                attended=registration.attended,
                position=position,
                version=registration.version,
            )
        )
    return reads


def get_event(session: Session, actor: Actor, *, event_id: int) -> EventDetail:
    require(session, actor, Permission.VIEW_RECORDS, action="events.get_event")
    row = session.get(Event, event_id)
    if row is None:
        raise NotFound(table="event", id=event_id)
    counts = _counts(session, [event_id]).get(event_id)
    warnings = _warnings_for(
        session,
        start_at=row.start_at,
        end_at=row.end_at,
        audience=row.audience,
        exclude_id=row.id,
        status=row.status,
    )
    return EventDetail(_read(row, counts, warnings), tuple(_registration_reads(session, event_id)))


def participant_choices(session: Session, actor: Actor) -> dict[str, list[tuple[int, str]]]:
    """Active specialists ("Name · Provider") and providers to register, as (id, label)."""
    require(session, actor, Permission.VIEW_RECORDS, action="events.participant_choices")
    specialists = [
        (int(specialist_id), f"{name} · {provider}")
        for specialist_id, name, provider in session.execute(
            sa_select(col(Specialist.id), col(Specialist.name), col(Provider.name))
            .join(Provider, col(Provider.id) == col(Specialist.provider_id))
            .where(col(Specialist.active).is_(True))
            .order_by(col(Specialist.name))
        ).all()
    ]
    providers = [
        (int(provider_id), name)
        for provider_id, name in session.execute(
            sa_select(col(Provider.id), col(Provider.name)).order_by(col(Provider.name))
        ).all()
    ]
    return {"specialists": specialists, "providers": providers}


def _hours_expression(session: Session) -> Any:
    """Event length in hours as SQL, in the dialect's own date arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", col(Event.end_at) - col(Event.start_at)) / 3600.0
    return (func.julianday(col(Event.end_at)) - func.julianday(col(Event.start_at))) * 24.0


def training_hours(
    session: Session,
    actor: Actor,
    *,
    start: date,
    end: date,
    provider_id: int | None = None,
) -> pd.DataFrame:
    """Hours of attended events per specialist between two Tallinn days (SQL aggregate)."""
    require(session, actor, Permission.VIEW_RECORDS, action="events.training_hours")
    hours = _hours_expression(session)
    query = (
        sa_select(
            col(Specialist.id),
            col(Specialist.name),
            col(Provider.name),
            func.count(col(Registration.id)),
            func.sum(hours),
            func.max(col(Event.start_at)),
        )
        .join(Registration, col(Registration.specialist_id) == col(Specialist.id))
        .join(Event, col(Event.id) == col(Registration.event_id))
        .join(Provider, col(Provider.id) == col(Specialist.provider_id))
        .where(
            col(Registration.attended).is_(True),
            col(Registration.status) == RegistrationStatus.REGISTERED.value,
            col(Event.status) != EventStatus.CANCELLED.value,
            col(Event.start_at) >= day_start_utc(start),
            col(Event.start_at) < day_start_utc(end + timedelta(days=1)),
        )
        .group_by(col(Specialist.id), col(Specialist.name), col(Provider.name))
        .order_by(func.sum(hours).desc(), col(Specialist.name))
    )
    if provider_id is not None:
        query = query.where(col(Specialist.provider_id) == provider_id)
    rows = [
        {
            "specialist_id": int(specialist_id),
            "specialist": name,
            "provider": provider,
            "events": int(events),
            "hours": round(float(total or 0), 2),
            "last_on": local(last).date() if last else None,
        }
        for specialist_id, name, provider, events, total, last in session.execute(query).all()
    ]
    return pd.DataFrame(
        rows, columns=["specialist_id", "specialist", "provider", "events", "hours", "last_on"]
    )


# --- the yearly info-day rule (feeds provider eligibility and the Overview) -------------


def info_day_required(session: Session) -> bool:
    return bool(get_setting(session, "info_day_required_yearly"))


def info_day_attendance(
    session: Session, *, on: date, provider_ids: Iterable[int] | None = None
) -> dict[int, date]:
    """For each provider, the last day within the 12 months up to `on` when one of its
    specialists or its contact person attended an info day (providers with none are absent).

    An aggregate without names, like `providers.ready_provider_count`; callers that show
    it check their own permission.
    """
    owner = func.coalesce(Registration.provider_id, Specialist.provider_id)
    query = (
        sa_select(owner, func.max(col(Event.start_at)))
        .select_from(Registration)
        .join(Event, col(Event.id) == col(Registration.event_id))
        .outerjoin(Specialist, col(Specialist.id) == col(Registration.specialist_id))
        .where(
            col(Event.kind) == EventKind.INFO_DAY.value,
            col(Event.status) != EventStatus.CANCELLED.value,
            col(Registration.attended).is_(True),
            col(Registration.participant_kind).in_(
                [ParticipantKind.SPECIALIST.value, ParticipantKind.PROVIDER_CONTACT.value]
            ),
            col(Event.start_at) >= day_start_utc(add_months(on, -12)),
            col(Event.start_at) < day_start_utc(on + timedelta(days=1)),
        )
        .group_by(owner)
    )
    if provider_ids is not None:
        query = query.where(owner.in_(list(provider_ids)))
    return {
        int(provider_id): local(last).date()
        for provider_id, last in session.execute(query).all()
        if provider_id is not None
    }


def info_day_attended(session: Session, *, provider_id: int, on: date) -> bool:
    """Whether one of the provider's specialists or its contact attended an info day in
    the 12 months up to `on`."""
    return provider_id in info_day_attendance(session, on=on, provider_ids=[provider_id])


def info_day_ok(session: Session, *, provider_id: int, on: date) -> bool:
    """The rule as the setting says: met, or not required at all."""
    return not info_day_required(session) or info_day_attended(
        session, provider_id=provider_id, on=on
    )


def info_day_table(session: Session, actor: Actor, *, on: date) -> pd.DataFrame:
    """Active providers with their last info day in the 12 months up to `on`."""
    require(session, actor, Permission.VIEW_RECORDS, action="events.info_day_table")
    active = session.execute(
        sa_select(col(Provider.id), col(Provider.name))
        .where(col(Provider.onboarding_status) == OnboardingStatus.ACTIVE.value)
        .order_by(col(Provider.name))
    ).all()
    last = info_day_attendance(session, on=on)
    return pd.DataFrame(
        [
            {
                "provider_id": int(provider_id),
                "provider": name,
                "last_on": last.get(int(provider_id)),
                "ok": int(provider_id) in last,
            }
            for provider_id, name in active
        ],
        columns=["provider_id", "provider", "last_on", "ok"],
    )


# --- the coordinator's supervision log (duty 3.6) ----------------------------------------


def _supervision_query() -> Any:
    return (
        sa_select(func.max(col(Event.start_at)))
        .select_from(Registration)
        .join(Event, col(Event.id) == col(Registration.event_id))
        .where(
            col(Event.kind).in_(SUPERVISION_KINDS),
            col(Event.audience) == Audience.INTERNAL.value,
            col(Event.status) != EventStatus.CANCELLED.value,
            col(Registration.participant_kind) == ParticipantKind.STAFF.value,
            col(Registration.status) == RegistrationStatus.REGISTERED.value,
            col(Registration.attended).is_(True),
        )
    )


def supervision_status(session: Session, *, today: date) -> SupervisionStatus:
    """The coordinator's last covision or supervision against the agreed frequency.

    Overdue when the last attendance is longer ago than `supervision_frequency_days`, or
    when internal sessions were held and none was attended. Nothing recorded: not overdue.
    """
    frequency = int(get_setting(session, "supervision_frequency_days"))
    until = day_start_utc(today + timedelta(days=1))
    last = session.execute(_supervision_query().where(Event.start_at < until)).scalar()
    last_on = local(last).date() if last else None
    attended_event_ids = sa_select(col(Registration.event_id)).where(
        col(Registration.participant_kind) == ParticipantKind.STAFF.value,
        col(Registration.attended).is_(True),
    )
    missed_query = (
        select(func.count())
        .select_from(Event)
        .where(
            col(Event.kind).in_(SUPERVISION_KINDS),
            col(Event.audience) == Audience.INTERNAL.value,
            col(Event.status) == EventStatus.HELD.value,
            col(Event.start_at) < until,
            col(Event.id).not_in(attended_event_ids),
        )
    )
    if last is not None:
        missed_query = missed_query.where(Event.start_at > last)
    missed = int(session.execute(missed_query).scalar() or 0)
    if last_on is None:
        return SupervisionStatus(frequency, None, None, missed > 0, missed)
    due_on = last_on + timedelta(days=frequency)
    return SupervisionStatus(frequency, last_on, due_on, due_on < today, missed)


def supervision_log(session: Session, actor: Actor, *, start: date, end: date) -> pd.DataFrame:
    """Internal covision and supervision events with the coordinator's own attendance."""
    require(session, actor, Permission.VIEW_RECORDS, action="events.supervision_log")
    staff = (
        sa_select(
            col(Registration.event_id),
            func.max(
                case(
                    (col(Registration.attended).is_(True), 1),
                    (col(Registration.attended).is_(False), 0),
                    else_=None,
                )
            ).label("attended"),
            func.count().label("registrations"),
        )
        .where(
            col(Registration.participant_kind) == ParticipantKind.STAFF.value,
            col(Registration.status) == RegistrationStatus.REGISTERED.value,
        )
        .group_by(col(Registration.event_id))
        .subquery()
    )
    rows = session.execute(
        sa_select(
            col(Event.id),
            col(Event.start_at),
            col(Event.kind),
            col(Event.title),
            col(Event.status),
            staff.c.attended,
            staff.c.registrations,
        )
        .outerjoin(staff, staff.c.event_id == col(Event.id))
        .where(
            col(Event.kind).in_(SUPERVISION_KINDS),
            col(Event.audience) == Audience.INTERNAL.value,
            col(Event.start_at) >= day_start_utc(start),
            col(Event.start_at) < day_start_utc(end + timedelta(days=1)),
        )
        .order_by(col(Event.start_at).desc())
    ).all()
    return pd.DataFrame(
        [
            {
                "event_id": int(event_id),
                "start_at": local(start_at),
                "kind": kind,
                "title": title,
                "status": status,
                "registered": bool(registrations),
                "attended": None if attended is None else bool(attended),
            }
            for event_id, start_at, kind, title, status, attended, registrations in rows
        ],
        columns=["event_id", "start_at", "kind", "title", "status", "registered", "attended"],
    )


# --- writing: events ---------------------------------------------------------------------


class EventInput(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    kind: EventKind
    start_at: datetime
    end_at: datetime
    place: str = Field(default="", max_length=300)
    link: Link = ""
    audience: Audience = Audience.PROVIDERS
    capacity: int | None = Field(default=None, ge=1, le=MAX_CAPACITY)
    language: Language = Language.ESTONIAN
    trainer: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=4000)
    status: EventStatus = EventStatus.PLANNED

    @field_validator("title", "place", "link", "trainer", "description", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("capacity", mode="before")
    @classmethod
    def _no_capacity(cls, value: Any) -> Any:
        return None if value in ("", 0, "0") else value


EVENT_FIELDS = tuple(EventInput.model_fields)


def _validated(data: dict[str, Any]) -> EventInput:
    try:
        checked = EventInput.model_validate(data)
    except ValidationError as error:
        problems: list[tuple[str, str, dict[str, Any]]] = []
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "value"
            if all(existing[0] != f"event_{name}" for existing in problems):
                problems.append((f"event_{name}", f"invalid.event_{name}", {}))
        raise ValidationFailed(problems) from error
    if to_utc(checked.end_at) <= to_utc(checked.start_at):
        raise ValidationFailed([("event_end_at", "invalid.event_end_before_start", {})])
    return checked


def _event_values(data: EventInput) -> dict[str, Any]:
    values = data.model_dump()
    for key in ("kind", "audience", "language", "status"):
        values[key] = str(getattr(data, key).value)
    values["start_at"], values["end_at"] = to_utc(data.start_at), to_utc(data.end_at)
    return values


@write_service(Permission.EDIT_RECORDS)
def create_event(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    values = _event_values(_validated(data))
    event = Event(**values)
    session.add(event)
    session.flush()
    audit.record_write(
        session, actor, "event.create", table="event", record_id=event.id, fields=values
    )
    assert event.id is not None
    return event.id


@write_service(Permission.EDIT_RECORDS)
def update_event(
    session: Session,
    actor: Actor,
    *,
    event_id: int,
    data: dict[str, Any],
    expected_version: int,
) -> list[int]:
    """Change an event; a larger capacity takes people from the waiting list (their ids)."""
    values = _event_values(_validated(data))
    event = get_for_update(session, Event, event_id, expected_version)
    changed = [
        key
        for key, value in values.items()
        if (as_utc(getattr(event, key)) if key in ("start_at", "end_at") else getattr(event, key))
        != value
    ]
    for key in changed:
        setattr(event, key, values[key])
    promoted: list[int] = []
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "event.update", table="event", record_id=event_id, fields=changed
        )
        if event.status != EventStatus.CANCELLED.value:
            promoted = _promote(session, actor, event)
    return promoted


# --- writing: registrations and attendance -----------------------------------------------


class RegistrationInput(BaseModel):
    participant_kind: ParticipantKind
    specialist_id: int | None = None
    provider_id: int | None = None
    participant_name: str = Field(default="", max_length=200)

    @field_validator("participant_name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


def _registered_count(session: Session, event_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Registration)
            .where(
                col(Registration.event_id) == event_id,
                col(Registration.status) == RegistrationStatus.REGISTERED.value,
            )
        ).scalar()
        or 0
    )


def _waiting(session: Session, event_id: int) -> list[Registration]:
    return list(
        session.exec(
            select(Registration)
            .where(
                col(Registration.event_id) == event_id,
                col(Registration.status) == RegistrationStatus.WAITLISTED.value,
            )
            .order_by(col(Registration.created_at), col(Registration.id))
        )
    )


def _promote(session: Session, actor: Actor, event: Event) -> list[int]:
    """Move people from the waiting list, first come first served, while places are free."""
    assert event.id is not None
    free = None if event.capacity is None else event.capacity - _registered_count(session, event.id)
    promoted: list[int] = []
    for waiting in _waiting(session, event.id):
        if free is not None and free <= 0:
            break
        waiting.status = RegistrationStatus.REGISTERED.value
        session.flush()
        audit.record_write(
            session,
            actor,
            "registration.promote",
            table="registration",
            record_id=waiting.id,
            fields=["status"],
        )
        assert waiting.id is not None
        promoted.append(waiting.id)
        free = None if free is None else free - 1
    return promoted


def _duplicate(session: Session, event_id: int, values: dict[str, Any]) -> Registration | None:
    query = select(Registration).where(Registration.event_id == event_id)
    kind = values["participant_kind"]
    query = query.where(Registration.participant_kind == kind)
    if kind == ParticipantKind.SPECIALIST.value:
        query = query.where(Registration.specialist_id == values["specialist_id"])
    elif kind == ParticipantKind.PROVIDER_CONTACT.value:
        query = query.where(Registration.provider_id == values["provider_id"])
    else:
        query = query.where(
            func.lower(col(Registration.participant_name)) == values["participant_name"].lower()
        )
    return session.exec(query).first()


def _registration_values(session: Session, data: RegistrationInput) -> dict[str, Any]:
    kind = data.participant_kind
    values: dict[str, Any] = {
        "participant_kind": kind.value,
        "specialist_id": None,
        "provider_id": None,
        "participant_name": data.participant_name,
    }
    if kind is ParticipantKind.SPECIALIST:
        specialist = session.get(Specialist, data.specialist_id) if data.specialist_id else None
        if specialist is None:
            raise ValidationFailed([(PARTICIPANT, "invalid.participant_specialist", {})])
        values["specialist_id"], values["provider_id"] = specialist.id, specialist.provider_id
        values["participant_name"] = ""
    elif kind is ParticipantKind.PROVIDER_CONTACT:
        provider = session.get(Provider, data.provider_id) if data.provider_id else None
        if provider is None:
            raise ValidationFailed([(PARTICIPANT, "invalid.participant_provider", {})])
        values["provider_id"] = provider.id
        values["participant_name"] = data.participant_name or provider.contact_person
    if kind is not ParticipantKind.SPECIALIST and len(values["participant_name"]) < 2:
        raise ValidationFailed([(PARTICIPANT, "invalid.participant_name", {})])
    return values


@write_service(Permission.EDIT_RECORDS)
def register(
    session: Session,
    actor: Actor,
    *,
    event_id: int,
    participant_kind: str,
    specialist_id: int | None = None,
    provider_id: int | None = None,
    participant_name: str = "",
) -> RegistrationResult:
    """Register one participant; over the capacity they go on the waiting list."""
    try:
        data = RegistrationInput.model_validate(
            {
                "participant_kind": participant_kind,
                "specialist_id": specialist_id,
                "provider_id": provider_id,
                "participant_name": participant_name,
            }
        )
    except ValidationError as error:
        raise ValidationFailed([(PARTICIPANT, "invalid.participant", {})]) from error
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(table="event", id=event_id)
    if event.status in (EventStatus.CANCELLED.value, EventStatus.HELD.value):
        raise ValidationFailed([(PARTICIPANT, "invalid.registration_closed", {})])
    values = _registration_values(session, data)
    existing = _duplicate(session, event_id, values)
    if existing is not None and existing.status in LIVE_REGISTRATION:
        raise ValidationFailed([(PARTICIPANT, "invalid.already_registered", {})])
    full = event.capacity is not None and _registered_count(session, event_id) >= event.capacity
    status = RegistrationStatus.WAITLISTED.value if full else RegistrationStatus.REGISTERED.value
    if existing is not None:  # registered before and cancelled: back at the end of the queue
        registration = existing
        registration.status, registration.attended = status, None
        registration.created_at = utc_now()
        action = "registration.renew"
    else:
        registration = Registration(event_id=event_id, status=status, **values)
        session.add(registration)
        action = "registration.create"
    session.flush()
    audit.record_write(
        session,
        actor,
        action,
        table="registration",
        record_id=registration.id,
        fields=["event_id", "participant_kind", "specialist_id", "provider_id", "status"],
    )
    assert registration.id is not None
    position = None
    if full:
        ids = [w.id for w in _waiting(session, event_id)]
        position = ids.index(registration.id) + 1
    return RegistrationResult(registration.id, status, position)


@write_service(Permission.EDIT_RECORDS)
def cancel_registration(
    session: Session, actor: Actor, *, registration_id: int, expected_version: int
) -> list[int]:
    """Cancel a registration; a freed place goes to the first on the waiting list."""
    registration = get_for_update(session, Registration, registration_id, expected_version)
    if registration.status == RegistrationStatus.CANCELLED.value:
        return []
    was_registered = registration.status == RegistrationStatus.REGISTERED.value
    registration.status, registration.attended = RegistrationStatus.CANCELLED.value, None
    session.flush()
    audit.record_write(
        session,
        actor,
        "registration.cancel",
        table="registration",
        record_id=registration_id,
        fields=["status", "attended"],
    )
    event = session.get(Event, registration.event_id)
    assert event is not None
    if was_registered and event.status != EventStatus.CANCELLED.value:
        return _promote(session, actor, event)
    return []


@write_service(Permission.EDIT_RECORDS)
def mark_attendance(
    session: Session,
    actor: Actor,
    *,
    event_id: int,
    rows: list[dict[str, Any]],
    now: datetime | None = None,
) -> int:
    """Mark who attended, after the event has started. `rows`: id, version, attended
    (True, False or None). The first marking makes a planned event "held". All rows are
    checked before any is saved; returns how many changed."""
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(table="event", id=event_id)
    if event.status == EventStatus.CANCELLED.value:
        raise ValidationFailed([(ATTENDED, "invalid.attendance_cancelled_event", {})])
    if as_utc(event.start_at) > to_utc(now or utc_now()):
        raise ValidationFailed([(ATTENDED, "invalid.attendance_before_event", {})])
    problems: list[tuple[str, str, dict[str, Any]]] = []
    planned: list[tuple[Registration, bool | None]] = []
    for number, row in enumerate(rows, start=1):
        registration = session.get(Registration, int(row["id"]))
        if registration is None or registration.event_id != event_id:
            raise NotFound(table="registration", id=row.get("id"))
        if registration.version != int(row["version"]):
            raise ConflictError(table="registration", id=registration.id)
        wanted = row.get("attended")
        if wanted is not None and not isinstance(wanted, bool):
            problems.append((ATTENDED, "invalid.attended", {"row": number}))
            continue
        if wanted is not None and registration.status != RegistrationStatus.REGISTERED.value:
            problems.append((ATTENDED, "invalid.attendance_not_registered", {"row": number}))
            continue
        if registration.attended != wanted:
            planned.append((registration, wanted))
    if problems:
        raise ValidationFailed(problems)
    for registration, wanted in planned:
        registration.attended = wanted
        session.flush()
        audit.record_write(
            session,
            actor,
            "registration.attendance",
            table="registration",
            record_id=registration.id,
            fields=["attended"],
        )
    if planned and event.status in (EventStatus.PLANNED.value, EventStatus.CONFIRMED.value):
        event.status = EventStatus.HELD.value
        session.flush()
        audit.record_write(
            session, actor, "event.held", table="event", record_id=event_id, fields=["status"]
        )
    return len(planned)


@write_service(Permission.EDIT_RECORDS)
def log_own_attendance(
    session: Session,
    actor: Actor,
    *,
    event_id: int,
    attended: bool,
    now: datetime | None = None,
) -> int:
    """The coordinator's own covision or supervision: a staff registration in their name,
    marked attended or not. Returns the registration id."""
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(table="event", id=event_id)
    if event.kind not in SUPERVISION_KINDS or event.audience != Audience.INTERNAL.value:
        raise ValidationFailed([("supervision_event", "invalid.supervision_event", {})])
    if event.status == EventStatus.CANCELLED.value:
        raise ValidationFailed([(ATTENDED, "invalid.attendance_cancelled_event", {})])
    if as_utc(event.start_at) > to_utc(now or utc_now()):
        raise ValidationFailed([(ATTENDED, "invalid.attendance_before_event", {})])
    name = (actor.name or actor.username).strip()
    registration = session.exec(
        select(Registration).where(
            col(Registration.event_id) == event_id,
            col(Registration.participant_kind) == ParticipantKind.STAFF.value,
            func.lower(col(Registration.participant_name)) == name.lower(),
        )
    ).first()
    if registration is None:
        registration = Registration(
            event_id=event_id,
            participant_kind=ParticipantKind.STAFF.value,
            participant_name=name,
            status=RegistrationStatus.REGISTERED.value,
            attended=attended,
        )
        session.add(registration)
        action = "registration.create"
    else:
        registration.status = RegistrationStatus.REGISTERED.value
        registration.attended = attended
        action = "registration.attendance"
    session.flush()
    audit.record_write(
        session,
        actor,
        action,
        table="registration",
        record_id=registration.id,
        fields=["participant_kind", "status", "attended"],
    )
    if event.status in (EventStatus.PLANNED.value, EventStatus.CONFIRMED.value):
        event.status = EventStatus.HELD.value
        session.flush()
    assert registration.id is not None
    return registration.id
