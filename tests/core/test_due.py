"""The due list: every source gathered and sorted, done and snooze, the calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from core import db, due
from core.due import DueFilter, DueItem, build_ics
from core.errors import PermissionDenied, ValidationFailed
from core.formatting import TALLINN
from core.models import (
    AuditEntry,
    ContactLog,
    Contract,
    Event,
    Feedback,
    Invoice,
    Material,
    Partner,
    Provider,
    Qualification,
    Setting,
    Specialist,
    Task,
)
from core.services.info_common import tallinn_today


def _one_of_each(today: date) -> None:
    with db.write_session() as session:
        provider = Provider(name="Hingerahu OÜ", registry_code="12345678")
        session.add(provider)
        session.flush()
        specialist = Specialist(provider_id=provider.id, name="Mari Tamm")
        session.add(specialist)
        session.flush()
        session.add(
            Qualification(
                specialist_id=specialist.id,
                kind="kutse_clinical_psychologist",
                valid_until=today + timedelta(days=20),
            )
        )
        contract = Contract(
            provider_id=provider.id,
            number="7.2-1/2026/1",
            status="active",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=40),
            ceiling_cents=1_000_000,
        )
        session.add(contract)
        session.flush()
        session.add(
            Invoice(
                contract_id=contract.id,
                number="A-17",
                period_start=today - timedelta(days=40),
                period_end=today - timedelta(days=10),
                sessions_claimed=4,
                amount_cents=28_000,
                status="received",
                received_on=today - timedelta(days=3),
            )
        )
        session.add(
            Feedback(
                source="client",
                received_on=today - timedelta(days=5),
                channel="email",
                follow_up_needed=True,
                follow_up_action="Helistada tagasi",
                follow_up_due=today + timedelta(days=2),
            )
        )
        session.add(
            Material(
                title="Infoleht; kliendile, eesti keeles",
                kind="guide",
                audience="clients",
                last_reviewed=today - timedelta(days=400),
                next_review_on=today - timedelta(days=1),
            )
        )
        partner = Partner(name="Tartu politsei", partner_type="police", county="0079")
        session.add(partner)
        session.flush()
        session.add(
            ContactLog(
                partner_id=partner.id,
                contacted_on=today - timedelta(days=10),
                topic="Suunamine",
                next_step="Järelkohtumine",
                next_step_on=today + timedelta(days=5),
            )
        )
        session.add(Task(title="Aruanne", due_on=today + timedelta(days=1), status="open"))
        start = datetime.combine(today + timedelta(days=8), time(14), tzinfo=TALLINN)
        session.add(
            Event(
                title="Kovisioon",
                kind="covision",
                start_at=start.astimezone(UTC),
                end_at=(start + timedelta(hours=2)).astimezone(UTC),
                status="confirmed",
            )
        )
        # Not due: a closed task, a paid invoice, a cancelled supervision.
        session.add(Task(title="Valmis", due_on=today, status="done"))
        session.add(
            Event(
                title="Ära jäetud",
                kind="supervision",
                start_at=start.astimezone(UTC),
                end_at=(start + timedelta(hours=1)).astimezone(UTC),
                status="cancelled",
            )
        )


def test_the_list_gathers_every_source_sorted_by_date(db_url, coordinator):
    today = tallinn_today()
    _one_of_each(today)
    with db.read_session() as session:
        items = due.gather(session, coordinator, today=today)
    assert [item.source for item in items] == [
        "invoice",  # received three days ago, still unchecked
        "material",  # due yesterday: overdue
        "task",
        "feedback",
        "partner",
        "supervision",
        "qualification",
        "contract",
    ]
    assert set(due.SOURCES) == {item.source for item in items}
    assert [item.on for item in items] == sorted(item.on for item in items)
    by_source = {item.source: item for item in items}
    assert by_source["qualification"].query == {
        "specialist": str(by_source["qualification"].link_id)
    }
    assert by_source["partner"].subject == "Tartu politsei · Järelkohtumine"
    assert by_source["supervision"].params["time"] == "14:00"
    assert by_source["supervision"].on == today + timedelta(days=8)


def test_filters_choose_sources_horizon_and_text(db_url, coordinator):
    today = tallinn_today()
    _one_of_each(today)
    with db.read_session() as session:
        near = due.gather(session, coordinator, today=today, filters=DueFilter(horizon_days=7))
        tasks_only = due.gather(
            session, coordinator, today=today, filters=DueFilter(sources=("task", "material"))
        )
        text = due.gather(session, coordinator, today=today, filters=DueFilter(text="politsei"))
    assert {i.source for i in near} == {"material", "invoice", "task", "feedback", "partner"}
    assert [i.source for i in tasks_only] == ["material", "task"]
    assert [i.source for i in text] == ["partner"]


def test_done_hides_an_item_and_snooze_hides_it_until_the_date(db_url, coordinator):
    today = tallinn_today()
    _one_of_each(today)
    with db.read_session() as session:
        items = {i.source: i for i in due.gather(session, coordinator, today=today)}
    with db.write_session() as session:
        due.set_item_state(session, coordinator, key=items["task"].key, action="done", today=today)
        due.set_item_state(
            session,
            coordinator,
            key=items["invoice"].key,
            action="snooze",
            today=today,
            until=today + timedelta(days=3),
        )
    with db.read_session() as session:
        shown = {i.source for i in due.gather(session, coordinator, today=today)}
        later = {
            i.source for i in due.gather(session, coordinator, today=today + timedelta(days=3))
        }
        everything = due.gather(
            session,
            coordinator,
            today=today,
            filters=DueFilter(include_done=True, include_snoozed=True),
        )
        entries = session.exec(select(AuditEntry).where(AuditEntry.table_name == "setting")).all()
        stored = session.exec(select(Setting).where(Setting.key == "due_state")).one().value
    assert "task" not in shown and "invoice" not in shown
    assert "invoice" in later and "task" not in later
    states = {i.source: i.state for i in everything}
    assert states["task"] == "done" and states["invoice"] == "snoozed"
    assert {e.action for e in entries} == {"due.done", "due.snooze"}
    assert stored[items["task"].key] == {"done": True}

    with db.write_session() as session:
        due.set_item_state(
            session, coordinator, key=items["task"].key, action="reopen", today=today
        )
    with db.read_session() as session:
        assert "task" in {i.source for i in due.gather(session, coordinator, today=today)}


def test_a_new_date_brings_a_done_item_back(db_url, coordinator):
    today = tallinn_today()
    _one_of_each(today)
    with db.read_session() as session:
        item = next(i for i in due.gather(session, coordinator, today=today) if i.source == "task")
    with db.write_session() as session:
        due.set_item_state(session, coordinator, key=item.key, action="done", today=today)
        task = session.get(Task, item.record_id)
        task.due_on = today + timedelta(days=9)
    with db.read_session() as session:
        again = [i for i in due.gather(session, coordinator, today=today) if i.source == "task"]
    assert [i.on for i in again] == [today + timedelta(days=9)]


def test_states_refuse_bad_input_and_other_roles(db_url, coordinator, lead, viewer):
    today = tallinn_today()
    for key, action, until in (
        ("not-a-key", "done", None),
        ("task:1:2026-11-24", "archive", None),
        ("task:1:2026-11-24", "snooze", today),
    ):
        with pytest.raises(ValidationFailed), db.write_session() as session:
            due.set_item_state(
                session, coordinator, key=key, action=action, today=today, until=until
            )
    for actor in (lead, viewer):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            due.set_item_state(session, actor, key="task:1:2026-11-24", action="done", today=today)
    with db.read_session() as session:
        assert session.exec(select(Setting).where(Setting.key == "due_state")).first() is None
        with pytest.raises(PermissionDenied):
            due.gather(session, viewer, today=today)


def test_the_calendar_file_parses_back_with_one_all_day_event_per_item(db_url, coordinator):
    today = tallinn_today()
    _one_of_each(today)
    with db.read_session() as session:
        items = due.gather(session, coordinator, today=today)
    data = build_ics(items, lang="et", now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(items) == 8
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Tallinn"
    by_uid = {str(e["UID"]): e for e in events}
    for item in items:
        event = by_uid[f"{item.key}@tttvt"]
        assert event.decoded("DTSTART") == item.on  # a date, not a time: all day
        assert event.decoded("DTEND") == item.on + timedelta(days=1)
    key = next(item.key for item in items if item.source == "material")
    material = by_uid[f"{key}@tttvt"]
    # Commas and semicolons survive the round trip: the library escaped them.
    assert str(material["SUMMARY"]) == ("Materjali ülevaatus · Infoleht; kliendile, eesti keeles")
    assert b"Infoleht\\; kliendile\\, eesti keeles" in data


def test_the_calendar_export_needs_export_rights_and_is_audited(db_url, coordinator, lead):
    today = tallinn_today()
    _one_of_each(today)
    with db.write_session() as session:
        data = due.export_ics(session, coordinator, today=today, lang="en")
    assert len(list(Calendar.from_ical(data).walk("VEVENT"))) == 8
    with pytest.raises(PermissionDenied), db.write_session() as session:
        due.export_ics(session, lead, today=today, lang="et")
    with db.read_session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.table_name == "due" and "items=8" in entry.fields


def test_descriptions_use_readable_labels():
    item = DueItem("qualification", 1, date(2026, 12, 1), "Mari Tamm",
                   {"kind": "kutse_clinical_psychologist"})  # fmt: skip
    assert due.describe(item, "et") == "Kvalifikatsioon aegub: kliiniline psühholoog (kutse)"


def test_the_demo_data_fills_the_list(demo_db, coordinator):
    today = tallinn_today()
    with db.read_session() as session:
        items = due.gather(session, coordinator, today=today)
    sources = {item.source for item in items}
    assert {"material", "partner", "task", "supervision", "qualification"} <= sources


def test_a_material_never_reviewed_is_due_from_the_day_it_was_added(db_url, coordinator):
    today = tallinn_today()
    with db.write_session() as session:
        session.add(Material(title="Uus vorm", kind="form", audience="providers"))
    with db.read_session() as session:
        items = due.gather(
            session, coordinator, today=today, filters=DueFilter(sources=("material",))
        )
    assert [(i.subject, i.on) for i in items] == [("Uus vorm", today)]
