"""The partner network (duties 3.9, 3.11): a directory of partner organisations and their
contact persons, and a log of contacts with the next step and its date.

Partners are organisations, not clients: the network counts are not suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator
from sqlalchemy import extract, func
from sqlmodel import Session, col, select

from core import audit
from core.dates import add_months
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.models import ContactLog, County, EmailAddress, Partner, PartnerPerson, PartnerType
from core.permissions import Actor, Permission, require, write_service
from core.services.info_common import Problem, problems_from, strip, tallinn_today

PhoneNumber = Annotated[
    str, StringConstraints(pattern=r"^\+?[0-9][0-9 ()-]{5,19}$", strip_whitespace=True)
]


class PartnerInput(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    partner_type: PartnerType
    county: County | None = None
    notes: str = Field(default="", max_length=4000)

    @field_validator("name", "notes", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value)

    @field_validator("county", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return None if value in ("", None) else value


class PersonInput(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    role: str = Field(default="", max_length=200)
    email: EmailAddress | None = None
    phone: PhoneNumber | None = None

    @field_validator("name", "role", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value) if value is not None else ""

    @field_validator("email", "phone", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return None if value is None or (isinstance(value, str) and not value.strip()) else value


class ContactInput(BaseModel):
    contacted_on: date
    topic: str = Field(min_length=2, max_length=200)
    outcome: str = Field(default="", max_length=2000)
    next_step: str = Field(default="", max_length=500)
    next_step_on: date | None = None

    @field_validator("topic", "outcome", "next_step", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value) if value is not None else ""


@dataclass(frozen=True)
class PersonRead:
    id: int
    name: str
    role: str
    email: str
    phone: str
    version: int


@dataclass(frozen=True)
class ContactRead:
    id: int
    partner_id: int
    partner_name: str
    contacted_on: date
    topic: str
    outcome: str
    next_step: str
    next_step_on: date | None
    version: int


@dataclass(frozen=True)
class PartnerRead:
    id: int
    name: str
    partner_type: str
    county: str | None
    notes: str
    version: int
    people: tuple[PersonRead, ...]
    contacts: tuple[ContactRead, ...]
    last_contact: date | None
    next_step_on: date | None


# --- reading -----------------------------------------------------------------------------


def _contact(row: ContactLog, partner_name: str) -> ContactRead:
    return ContactRead(
        id=row.id or 0,
        partner_id=row.partner_id,
        partner_name=partner_name,
        contacted_on=row.contacted_on,
        topic=row.topic,
        outcome=row.outcome,
        next_step=row.next_step,
        next_step_on=row.next_step_on,
        version=row.version,
    )


def _load(session: Session, partner_ids: list[int] | None, today: date) -> list[PartnerRead]:
    query = select(Partner).order_by(col(Partner.name))
    if partner_ids is not None:
        query = query.where(col(Partner.id).in_(partner_ids))
    partners = list(session.exec(query))
    ids = [p.id for p in partners]
    people: dict[int, list[PersonRead]] = {}
    contacts: dict[int, list[ContactLog]] = {}
    if ids:
        for person in session.exec(
            select(PartnerPerson)
            .where(col(PartnerPerson.partner_id).in_(ids))
            .order_by(col(PartnerPerson.name))
        ):
            people.setdefault(person.partner_id, []).append(
                PersonRead(
                    id=person.id or 0,
                    name=person.name,
                    role=person.role,
                    email=person.email,
                    phone=person.phone,
                    version=person.version,
                )
            )
        for contact in session.exec(
            select(ContactLog)
            .where(col(ContactLog.partner_id).in_(ids))
            .order_by(col(ContactLog.contacted_on).desc(), col(ContactLog.id).desc())
        ):
            contacts.setdefault(contact.partner_id, []).append(contact)
    found = []
    for partner in partners:
        mine = contacts.get(partner.id or 0, [])
        upcoming = [c.next_step_on for c in mine if c.next_step_on and c.next_step_on >= today]
        found.append(
            PartnerRead(
                id=partner.id or 0,
                name=partner.name,
                partner_type=partner.partner_type,
                county=partner.county,
                notes=partner.notes,
                version=partner.version,
                people=tuple(people.get(partner.id or 0, [])),
                contacts=tuple(_contact(c, partner.name) for c in mine),
                last_contact=mine[0].contacted_on if mine else None,
                next_step_on=min(upcoming) if upcoming else None,
            )
        )
    return found


def list_partners(
    session: Session,
    actor: Actor,
    *,
    today: date,
    text: str = "",
    partner_type: str | None = None,
    county: str | None = None,
) -> list[PartnerRead]:
    require(session, actor, Permission.VIEW_RECORDS, action="partners.list_partners")
    wanted = text.strip().lower()
    return [
        p
        for p in _load(session, None, today)
        if (
            not wanted
            or wanted in p.name.lower()
            or any(wanted in person.name.lower() for person in p.people)
        )
        and (partner_type is None or p.partner_type == partner_type)
        and (county is None or p.county == county)
    ]


def get_partner(session: Session, actor: Actor, *, partner_id: int, today: date) -> PartnerRead:
    require(session, actor, Permission.VIEW_RECORDS, action="partners.get_partner")
    found = _load(session, [partner_id], today)
    if not found:
        raise NotFound(table="partner", id=partner_id)
    return found[0]


def next_steps(session: Session, actor: Actor, *, start: date, end: date) -> list[ContactRead]:
    """Contacts whose next step falls between `start` and `end`, the earliest first."""
    require(session, actor, Permission.VIEW_RECORDS, action="partners.next_steps")
    rows = session.execute(
        select(ContactLog, Partner.name)
        .join(Partner, col(Partner.id) == col(ContactLog.partner_id))
        .where(col(ContactLog.next_step_on) >= start, col(ContactLog.next_step_on) <= end)
        .order_by(col(ContactLog.next_step_on), col(Partner.name))
    ).all()
    return [_contact(contact, name) for contact, name in rows]


def network_counts(session: Session, actor: Actor) -> pd.DataFrame:
    """Partners by type and county (county None: national), counted in the database."""
    require(session, actor, Permission.VIEW_RECORDS, action="partners.network_counts")
    rows = session.execute(
        select(col(Partner.partner_type), col(Partner.county), func.count())
        .group_by(col(Partner.partner_type), col(Partner.county))
        .order_by(col(Partner.partner_type), col(Partner.county))
    ).all()
    return pd.DataFrame(
        [(kind, county or "", int(count)) for kind, county, count in rows],
        columns=["partner_type", "county", "partners"],
    )


def contacts_by_month(
    session: Session, actor: Actor, *, today: date, months: int = 24
) -> pd.DataFrame:
    """Contacts per month and partner type over the last `months` months (SQL aggregation)."""
    require(session, actor, Permission.VIEW_RECORDS, action="partners.contacts_by_month")
    start = add_months(today.replace(day=1), -(months - 1))
    year = extract("year", col(ContactLog.contacted_on))
    month = extract("month", col(ContactLog.contacted_on))
    rows = session.execute(
        select(year, month, col(Partner.partner_type), func.count())
        .join(Partner, col(Partner.id) == col(ContactLog.partner_id))
        .where(col(ContactLog.contacted_on) >= start, col(ContactLog.contacted_on) <= today)
        .group_by(year, month, col(Partner.partner_type))
        .order_by(year, month)
    ).all()
    return pd.DataFrame(
        [(date(int(y), int(m), 1), kind, int(count)) for y, m, kind, count in rows],
        columns=["month", "partner_type", "contacts"],
    )


# --- writing -----------------------------------------------------------------------------


def _partner_values(data: dict[str, Any]) -> dict[str, Any]:
    try:
        checked = PartnerInput.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(problems_from(error, "partner")) from error
    values = checked.model_dump()
    values["partner_type"] = checked.partner_type.value
    values["county"] = checked.county.value if checked.county else None
    return values


@write_service(Permission.EDIT_RECORDS)
def create_partner(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    values = _partner_values(data)
    partner = Partner(**values)
    session.add(partner)
    session.flush()
    assert partner.id is not None
    audit.record_write(
        session, actor, "partner.create", table="partner", record_id=partner.id, fields=values
    )
    return partner.id


@write_service(Permission.EDIT_RECORDS)
def update_partner(
    session: Session, actor: Actor, *, partner_id: int, data: dict[str, Any], expected_version: int
) -> None:
    values = _partner_values(data)
    partner = get_for_update(session, Partner, partner_id, expected_version)
    changed = [key for key, value in values.items() if getattr(partner, key) != value]
    for key in changed:
        setattr(partner, key, values[key])
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "partner.update", table="partner", record_id=partner_id, fields=changed
        )


@write_service(Permission.EDIT_RECORDS)
def save_people(
    session: Session, actor: Actor, *, partner_id: int, rows: list[dict[str, Any]]
) -> list[int]:
    """Add, change and remove contact persons at once; every row is checked before any is saved.

    A row with `id` and `version` changes that person; a row without adds one; a person of
    this partner that is not among the rows is removed.
    """
    if session.get(Partner, partner_id) is None:
        raise NotFound(table="partner", id=partner_id)
    problems: list[Problem] = []
    checked: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for number, row in enumerate(rows, start=1):
        try:
            person = PersonInput.model_validate(row)
        except ValidationError as error:
            problems += [(n, k, {"row": number}) for n, k, _ in problems_from(error, "person")]
            continue
        values = person.model_dump()
        values["email"], values["phone"] = values["email"] or "", values["phone"] or ""
        checked.append((row, values))
    if problems:
        raise ValidationFailed(problems)
    kept: set[int] = {int(row["id"]) for row, _ in checked if row.get("id")}
    for existing in session.exec(
        select(PartnerPerson).where(PartnerPerson.partner_id == partner_id)
    ):
        if existing.id not in kept:
            session.delete(existing)
            session.flush()
            audit.record_write(
                session,
                actor,
                "partner.person_delete",
                table="partner_person",
                record_id=existing.id,
                fields=["id"],
            )
    saved: list[int] = []
    for row, values in checked:
        if row.get("id"):
            person_row = get_for_update(session, PartnerPerson, int(row["id"]), row.get("version"))
            if person_row.partner_id != partner_id:
                raise NotFound(table="partner_person", id=row["id"])
            changed = [k for k, v in values.items() if getattr(person_row, k) != v]
            for key in changed:
                setattr(person_row, key, values[key])
            action = "partner.person_update"
        else:
            person_row = PartnerPerson(partner_id=partner_id, **values)
            session.add(person_row)
            changed, action = list(values), "partner.person_create"
        session.flush()
        if changed:
            audit.record_write(
                session,
                actor,
                action,
                table="partner_person",
                record_id=person_row.id,
                fields=changed,
            )
        assert person_row.id is not None
        saved.append(person_row.id)
    return saved


def _contact_values(data: dict[str, Any]) -> dict[str, Any]:
    try:
        checked = ContactInput.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(problems_from(error, "contact")) from error
    problems: list[Problem] = []
    if checked.contacted_on > tallinn_today():
        problems.append(("contact_contacted_on", "invalid.future_date", {}))
    if checked.next_step_on and not checked.next_step:
        problems.append(("contact_next_step", "invalid.contact_next_step_missing", {}))
    if checked.next_step_on and checked.next_step_on < checked.contacted_on:
        problems.append(("contact_next_step_on", "invalid.contact_next_step_before", {}))
    if problems:
        raise ValidationFailed(problems)
    return checked.model_dump()


@write_service(Permission.EDIT_RECORDS)
def log_contact(session: Session, actor: Actor, *, partner_id: int, data: dict[str, Any]) -> int:
    values = _contact_values(data)
    if session.get(Partner, partner_id) is None:
        raise NotFound(table="partner", id=partner_id)
    row = ContactLog(partner_id=partner_id, **values)
    session.add(row)
    session.flush()
    assert row.id is not None
    audit.record_write(
        session, actor, "partner.contact", table="contact_log", record_id=row.id, fields=values
    )
    return row.id


@write_service(Permission.EDIT_RECORDS)
def update_contact(
    session: Session, actor: Actor, *, contact_id: int, data: dict[str, Any], expected_version: int
) -> None:
    values = _contact_values(data)
    row = get_for_update(session, ContactLog, contact_id, expected_version)
    changed = [key for key, value in values.items() if getattr(row, key) != value]
    for key in changed:
        setattr(row, key, values[key])
    if changed:
        session.flush()
        audit.record_write(
            session,
            actor,
            "partner.contact_update",
            table="contact_log",
            record_id=contact_id,
            fields=changed,
        )
