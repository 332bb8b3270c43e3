"""The training calendar: warnings, registrations with a waiting list, attendance, training
hours, the info-day rule, the supervision log and the calendar files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlmodel import SQLModel

from core import calendar_files, db, stats
from core.errors import ConflictError, PermissionDenied, ValidationFailed
from core.formatting import TALLINN
from core.models import (
    AuditEntry,
    Contract,
    Event,
    OnboardingStatus,
    Provider,
    Registration,
    Setting,
    Specialist,
    Task,
)
from core.services import events
from tests.conftest import FIXED_TODAY


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Tallinn wall time, as the page passes it (naive)."""
    return datetime(day.year, day.month, day.day, hour, minute)


def _event(**changes) -> dict:
    data = {
        "title": "TTTVT infopäev",
        "kind": "info_day",
        "start_at": _at(date(2026, 3, 10), 10),
        "end_at": _at(date(2026, 3, 10), 13),
        "place": "Tartu, Riia 6",
        "audience": "providers",
        "capacity": 30,
        "language": "et",
        "status": "planned",
    }
    data.update(changes)
    return data


def _create(coordinator, **changes) -> int:
    with db.write_session() as session:
        return events.create_event(session, coordinator, data=_event(**changes))


@pytest.fixture
def people(db_url) -> dict[str, int]:
    """Two providers, one active; three specialists."""
    with db.write_session() as session:
        active = Provider(
            name="Hingerahu OÜ",
            registry_code="12345678",
            contact_person="Mari Maasikas",
            onboarding_status=OnboardingStatus.ACTIVE.value,
        )
        other = Provider(
            name="Kadaka Teraapia MTÜ",
            registry_code="87654321",
            onboarding_status=OnboardingStatus.ACTIVE.value,
        )
        session.add(active)
        session.add(other)
        session.flush()
        assert active.id is not None and other.id is not None
        anna = Specialist(provider_id=active.id, name="Anna Šmidt")
        boris = Specialist(provider_id=active.id, name="Boris Ivanov")
        carl = Specialist(provider_id=other.id, name="Carl Õun")
        session.add_all([anna, boris, carl])
        session.flush()
        return {
            "provider": active.id,
            "other_provider": other.id,
            "anna": anna.id or 0,
            "boris": boris.id or 0,
            "carl": carl.id or 0,
        }


def _register(coordinator, event_id: int, specialist_id: int) -> events.RegistrationResult:
    with db.write_session() as session:
        return events.register(
            session,
            coordinator,
            event_id=event_id,
            participant_kind="specialist",
            specialist_id=specialist_id,
        )


def _detail(coordinator, event_id: int) -> events.EventDetail:
    with db.read_session() as session:
        return events.get_event(session, coordinator, event_id=event_id)


def _attend(coordinator, event_id: int, marks: dict[int, bool | None]) -> int:
    detail = _detail(coordinator, event_id)
    rows = [
        {"id": r.id, "version": r.version, "attended": marks[r.id]}
        for r in detail.registrations
        if r.id in marks
    ]
    with db.write_session() as session:
        return events.mark_attendance(session, coordinator, event_id=event_id, rows=rows)


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if table.name != "audit_entry"
        }


# --- times, holidays and warnings --------------------------------------------------------


def test_an_event_is_stored_in_utc_and_read_back_in_tallinn_time(db_url, coordinator):
    event_id = _create(
        coordinator, start_at=_at(date(2026, 7, 1), 10), end_at=_at(date(2026, 7, 1), 12)
    )
    with db.read_session() as session:
        stored = session.get(Event, event_id)
        read = events.get_event(session, coordinator, event_id=event_id).event
    assert stored is not None
    assert events.as_utc(stored.start_at) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # summer +3
    assert read.start_at.hour == 10 and read.start_at.utcoffset() == timedelta(hours=3)


def test_public_holidays_come_from_the_holidays_library_in_both_languages():
    et = events.public_holidays(date(2026, 1, 1), date(2026, 12, 31), "et")
    en = events.public_holidays(date(2026, 1, 1), date(2026, 12, 31), "en")
    assert et[date(2026, 2, 24)] == "iseseisvuspäev"
    assert en[date(2026, 2, 24)] == "Independence Day"
    assert date(2026, 6, 24) in et and date(2026, 12, 24) in et
    assert date(2026, 3, 10) not in et


def test_an_event_on_a_public_holiday_is_warned_about(db_url, coordinator):
    event_id = _create(
        coordinator, start_at=_at(date(2026, 2, 24), 10), end_at=_at(date(2026, 2, 24), 12)
    )
    warnings = _detail(coordinator, event_id).event.warnings
    assert [(w.kind, w.on) for w in warnings] == [("holiday", date(2026, 2, 24))]


def test_an_ordinary_day_gets_no_warning(db_url, coordinator):
    event_id = _create(coordinator)
    assert _detail(coordinator, event_id).event.warnings == ()


def test_an_overlap_with_an_event_for_the_same_audience_is_warned_about(db_url, coordinator):
    first = _create(coordinator, title="Infopäev")
    second = _create(
        coordinator,
        title="Koolitus",
        kind="training",
        start_at=_at(date(2026, 3, 10), 12),
        end_at=_at(date(2026, 3, 10), 15),
    )
    warnings = _detail(coordinator, second).event.warnings
    assert [(w.kind, w.other_id, w.other_title) for w in warnings] == [
        ("overlap", first, "Infopäev")
    ]
    assert _detail(coordinator, first).event.warnings[0].other_id == second


def test_other_audiences_touching_times_and_cancelled_events_do_not_overlap(db_url, coordinator):
    _create(coordinator)
    _create(coordinator, audience="internal", kind="covision")
    _create(coordinator, status="cancelled", title="Tühistatud")
    touching = _create(
        coordinator, start_at=_at(date(2026, 3, 10), 13), end_at=_at(date(2026, 3, 10), 14)
    )
    assert _detail(coordinator, touching).event.warnings == ()


def test_warnings_can_be_checked_before_saving(db_url, coordinator):
    _create(coordinator)
    with db.read_session() as session:
        warnings = events.check_event(
            session,
            coordinator,
            data=_event(start_at=_at(date(2026, 3, 10), 9), end_at=_at(date(2026, 3, 10), 11)),
        )
        holiday = events.check_event(
            session,
            coordinator,
            data=_event(start_at=_at(date(2026, 6, 23), 9), end_at=_at(date(2026, 6, 24), 17)),
        )
    assert [w.kind for w in warnings] == ["overlap"]
    assert [(w.kind, w.on) for w in holiday] == [
        ("holiday", date(2026, 6, 23)),
        ("holiday", date(2026, 6, 24)),
    ]


def test_the_list_holds_events_touching_the_days_in_tallinn_time(db_url, coordinator):
    late = _create(
        coordinator, start_at=_at(date(2026, 3, 31), 23), end_at=_at(date(2026, 3, 31), 23, 30)
    )
    _create(coordinator, start_at=_at(date(2026, 4, 1), 9), end_at=_at(date(2026, 4, 1), 10))
    with db.read_session() as session:
        march = events.list_events(
            session, coordinator, start=date(2026, 3, 1), end=date(2026, 3, 31)
        )
    assert [e.id for e in march] == [late]


# --- validation, locking -----------------------------------------------------------------


def test_an_event_that_ends_before_it_starts_is_refused_and_nothing_is_saved(
    db_url, coordinator, engine
):
    before = _row_counts(engine)
    with pytest.raises(ValidationFailed) as error, db.write_session() as session:
        events.create_event(session, coordinator, data=_event(end_at=_at(date(2026, 3, 10), 9)))
    assert error.value.problems == [("event_end_at", "invalid.event_end_before_start", {})]
    assert _row_counts(engine) == before


def test_bad_fields_are_named(db_url, coordinator):
    with pytest.raises(ValidationFailed) as error, db.write_session() as session:
        events.create_event(
            session,
            coordinator,
            data=_event(title="x", link="ftp://x y", capacity=-3, kind="party"),
        )
    assert {p[0] for p in error.value.problems} == {
        "event_title",
        "event_link",
        "event_capacity",
        "event_kind",
    }


def test_a_stale_version_is_a_conflict(db_url, coordinator):
    event_id = _create(coordinator)
    with db.write_session() as session:
        events.update_event(
            session, coordinator, event_id=event_id, data=_event(title="Uus"), expected_version=1
        )
    with pytest.raises(ConflictError), db.write_session() as session:
        events.update_event(
            session, coordinator, event_id=event_id, data=_event(title="Vana"), expected_version=1
        )
    assert _detail(coordinator, event_id).event.title == "Uus"


# --- registrations and the waiting list --------------------------------------------------


def test_over_capacity_goes_to_the_waiting_list_in_order(people, coordinator):
    event_id = _create(coordinator, capacity=1)
    first = _register(coordinator, event_id, people["anna"])
    second = _register(coordinator, event_id, people["boris"])
    third = _register(coordinator, event_id, people["carl"])
    assert (first.status, first.position) == ("registered", None)
    assert (second.status, second.position) == ("waitlisted", 1)
    assert (third.status, third.position) == ("waitlisted", 2)
    event = _detail(coordinator, event_id).event
    assert (event.registered, event.waitlisted, event.free_places) == (1, 2, 0)


def test_cancelling_a_place_promotes_the_first_on_the_waiting_list(people, coordinator):
    event_id = _create(coordinator, capacity=1)
    first = _register(coordinator, event_id, people["anna"])
    second = _register(coordinator, event_id, people["boris"])
    third = _register(coordinator, event_id, people["carl"])
    with db.write_session() as session:
        promoted = events.cancel_registration(
            session, coordinator, registration_id=first.id, expected_version=1
        )
    assert promoted == [second.id]
    statuses = {r.id: (r.status, r.position) for r in _detail(coordinator, event_id).registrations}
    assert statuses == {
        first.id: ("cancelled", None),
        second.id: ("registered", None),
        third.id: ("waitlisted", 1),
    }


def test_cancelling_from_the_waiting_list_promotes_nobody(people, coordinator):
    event_id = _create(coordinator, capacity=1)
    _register(coordinator, event_id, people["anna"])
    waiting = _register(coordinator, event_id, people["boris"])
    with db.write_session() as session:
        promoted = events.cancel_registration(
            session, coordinator, registration_id=waiting.id, expected_version=1
        )
    assert promoted == []
    assert _detail(coordinator, event_id).event.registered == 1


def test_a_larger_capacity_takes_people_from_the_waiting_list(people, coordinator):
    event_id = _create(coordinator, capacity=1)
    _register(coordinator, event_id, people["anna"])
    waiting = _register(coordinator, event_id, people["boris"])
    with db.write_session() as session:
        promoted = events.update_event(
            session, coordinator, event_id=event_id, data=_event(capacity=5), expected_version=1
        )
    assert promoted == [waiting.id]


def test_the_same_specialist_cannot_register_twice_but_may_return_after_cancelling(
    people, coordinator
):
    event_id = _create(coordinator, capacity=1)
    first = _register(coordinator, event_id, people["anna"])
    with pytest.raises(ValidationFailed) as error:
        _register(coordinator, event_id, people["anna"])
    assert error.value.problems[0][1] == "invalid.already_registered"
    _register(coordinator, event_id, people["boris"])
    with db.write_session() as session:
        events.cancel_registration(
            session, coordinator, registration_id=first.id, expected_version=1
        )
    again = _register(coordinator, event_id, people["anna"])
    assert again.id == first.id and again.status == "waitlisted"


def test_provider_contacts_and_staff_register_by_name(people, coordinator):
    event_id = _create(coordinator, capacity=None)
    with db.write_session() as session:
        events.register(
            session,
            coordinator,
            event_id=event_id,
            participant_kind="provider_contact",
            provider_id=people["provider"],
        )
        events.register(
            session,
            coordinator,
            event_id=event_id,
            participant_kind="partner_staff",
            participant_name="Politsei; Lõuna prefektuur",
        )
    names = {r.name for r in _detail(coordinator, event_id).registrations}
    assert names == {"Mari Maasikas", "Politsei; Lõuna prefektuur"}
    with pytest.raises(ValidationFailed), db.write_session() as session:
        events.register(
            session, coordinator, event_id=event_id, participant_kind="staff", participant_name=""
        )


def test_a_held_or_cancelled_event_takes_no_registrations(people, coordinator):
    for status in ("held", "cancelled"):
        event_id = _create(coordinator, status=status)
        with pytest.raises(ValidationFailed) as error:
            _register(coordinator, event_id, people["anna"])
        assert error.value.problems[0][1] == "invalid.registration_closed"


# --- attendance and training hours -------------------------------------------------------


def test_attendance_is_refused_before_the_event(people, coordinator):
    tomorrow = datetime.now(TALLINN).date() + timedelta(days=1)
    event_id = _create(coordinator, start_at=_at(tomorrow, 10), end_at=_at(tomorrow, 12))
    registration = _register(coordinator, event_id, people["anna"])
    with pytest.raises(ValidationFailed) as error:
        _attend(coordinator, event_id, {registration.id: True})
    assert error.value.problems[0][1] == "invalid.attendance_before_event"


def test_marking_attendance_after_the_event_makes_it_held(people, coordinator):
    event_id = _create(coordinator, capacity=1)
    came = _register(coordinator, event_id, people["anna"])
    _register(coordinator, event_id, people["boris"])
    assert _attend(coordinator, event_id, {came.id: True}) == 1
    detail = _detail(coordinator, event_id)
    assert detail.event.status == "held" and detail.event.attended == 1
    with db.read_session() as session:
        actions = set(session.execute(select(AuditEntry.action)).scalars())
    assert {"registration.attendance", "event.held"} <= actions


def test_the_waiting_list_cannot_be_marked_as_attended_and_nothing_is_saved(people, coordinator):
    event_id = _create(coordinator, capacity=1)
    came = _register(coordinator, event_id, people["anna"])
    waiting = _register(coordinator, event_id, people["boris"])
    with pytest.raises(ValidationFailed) as error:
        _attend(coordinator, event_id, {came.id: True, waiting.id: True})
    assert error.value.problems == [
        ("registration_attended", "invalid.attendance_not_registered", {"row": 2})
    ]
    detail = _detail(coordinator, event_id)
    assert detail.event.attended == 0 and detail.event.status == "planned"


def test_training_hours_add_up_attended_events_per_specialist(people, coordinator):
    three = _create(coordinator, title="Kursus A", capacity=None)
    two = _create(
        coordinator,
        title="Kursus B",
        kind="training",
        start_at=_at(date(2026, 5, 5), 9),
        end_at=_at(date(2026, 5, 5), 11, 30),
        capacity=None,
    )
    missed = _create(
        coordinator,
        title="Kursus C",
        start_at=_at(date(2026, 6, 2), 9),
        end_at=_at(date(2026, 6, 2), 17),
    )
    marks = {}
    for event_id in (three, two, missed):
        marks[event_id] = _register(coordinator, event_id, people["anna"]).id
    boris = _register(coordinator, three, people["boris"]).id
    _attend(coordinator, three, {marks[three]: True, boris: True})
    _attend(coordinator, two, {marks[two]: True})
    _attend(coordinator, missed, {marks[missed]: False})
    with db.read_session() as session:
        table = events.training_hours(
            session, coordinator, start=date(2026, 1, 1), end=date(2026, 12, 31)
        )
        only_may = events.training_hours(
            session, coordinator, start=date(2026, 5, 1), end=date(2026, 5, 31)
        )
    hours = dict(zip(table["specialist"], table["hours"], strict=True))
    assert hours == {"Anna Šmidt": 5.5, "Boris Ivanov": 3.0}
    assert table.iloc[0]["events"] == 2 and table.iloc[0]["last_on"] == date(2026, 5, 5)
    assert dict(zip(only_may["specialist"], only_may["hours"], strict=True)) == {"Anna Šmidt": 2.5}


# --- the yearly info-day rule ------------------------------------------------------------


def _info_day_attended(coordinator, people, day: date, *, who: str = "specialist") -> None:
    event_id = _create(coordinator, start_at=_at(day, 10), end_at=_at(day, 13), capacity=None)
    with db.write_session() as session:
        if who == "specialist":
            result = events.register(
                session,
                coordinator,
                event_id=event_id,
                participant_kind="specialist",
                specialist_id=people["anna"],
            )
        else:
            result = events.register(
                session,
                coordinator,
                event_id=event_id,
                participant_kind="provider_contact",
                provider_id=people["provider"],
            )
    _attend(coordinator, event_id, {result.id: True})


def test_an_info_day_attended_within_twelve_months_meets_the_rule(people, coordinator):
    _info_day_attended(coordinator, people, date(2026, 1, 15))
    with db.read_session() as session:
        assert events.info_day_attended(
            session, provider_id=people["provider"], on=date(2026, 11, 24)
        )
        assert events.info_day_attended(
            session, provider_id=people["provider"], on=date(2027, 1, 15)
        )
        assert not events.info_day_attended(
            session, provider_id=people["provider"], on=date(2027, 1, 16)
        )
        assert not events.info_day_attended(
            session, provider_id=people["other_provider"], on=date(2026, 11, 24)
        )
        assert events.info_day_attendance(session, on=date(2026, 11, 24)) == {
            people["provider"]: date(2026, 1, 15)
        }


def test_the_contact_person_counts_for_the_provider(people, coordinator):
    _info_day_attended(coordinator, people, date(2026, 9, 1), who="contact")
    with db.read_session() as session:
        assert events.info_day_attended(
            session, provider_id=people["provider"], on=date(2026, 11, 24)
        )


def test_a_registration_without_attendance_or_a_training_does_not_count(people, coordinator):
    event_id = _create(coordinator, capacity=None)
    _register(coordinator, event_id, people["anna"])
    training = _create(coordinator, kind="training", start_at=_at(date(2026, 4, 1), 10),
                       end_at=_at(date(2026, 4, 1), 12))  # fmt: skip
    registration = _register(coordinator, training, people["anna"])
    _attend(coordinator, training, {registration.id: True})
    with db.read_session() as session:
        assert not events.info_day_attended(
            session, provider_id=people["provider"], on=date(2026, 11, 24)
        )


def test_the_rule_is_a_setting(people, coordinator):
    with db.read_session() as session:
        assert events.info_day_required(session) is True
        assert not events.info_day_ok(
            session, provider_id=people["provider"], on=date(2026, 11, 24)
        )
    with db.write_session() as session:
        setting = session.execute(
            select(Setting).where(Setting.key == "info_day_required_yearly")
        ).scalar_one()
        setting.value = False
    with db.read_session() as session:
        assert events.info_day_ok(session, provider_id=people["provider"], on=date(2026, 11, 24))


def test_the_overview_lists_active_providers_without_an_info_day(people, coordinator):
    _info_day_attended(coordinator, people, date(2026, 9, 1))
    with db.read_session() as session:
        overview = stats.overview(session, coordinator, today=FIXED_TODAY)
    missing = [a for a in overview.alerts if a.kind == "info_day_missing"]
    assert [(a.subject, a.record_id) for a in missing] == [
        ("Kadaka Teraapia MTÜ", people["other_provider"])
    ]


# --- the supervision log -----------------------------------------------------------------


def _supervision(coordinator, day: date, *, attended: bool) -> int:
    event_id = _create(
        coordinator,
        title="Supervisioon",
        kind="supervision",
        audience="internal",
        start_at=_at(day, 10),
        end_at=_at(day, 12),
        capacity=1,
    )
    with db.write_session() as session:
        events.log_own_attendance(session, coordinator, event_id=event_id, attended=attended)
    return event_id


def test_supervision_is_overdue_after_the_agreed_frequency(db_url, coordinator):
    _supervision(coordinator, FIXED_TODAY - timedelta(days=40), attended=True)
    with db.read_session() as session:
        status = events.supervision_status(session, today=FIXED_TODAY)
        overview = stats.overview(session, coordinator, today=FIXED_TODAY)
    assert status.last_on == FIXED_TODAY - timedelta(days=40)
    assert status.due_on == FIXED_TODAY - timedelta(days=10)
    assert status.overdue
    overdue = [a for a in overview.alerts if a.kind == "supervision_overdue"]
    assert len(overdue) == 1 and overdue[0].params == {"days": 30}


def test_recent_supervision_is_not_overdue_and_a_missed_one_does_not_count(db_url, coordinator):
    _supervision(coordinator, FIXED_TODAY - timedelta(days=20), attended=True)
    _supervision(coordinator, FIXED_TODAY - timedelta(days=5), attended=False)
    with db.read_session() as session:
        status = events.supervision_status(session, today=FIXED_TODAY)
        log = events.supervision_log(
            session, coordinator, start=date(2026, 1, 1), end=date(2026, 12, 31)
        )
    assert status.last_on == FIXED_TODAY - timedelta(days=20) and not status.overdue
    assert status.held_without_attendance == 1
    assert list(log["attended"]) == [False, True]


def test_nothing_recorded_is_not_overdue(db_url, coordinator):
    with db.read_session() as session:
        status = events.supervision_status(session, today=FIXED_TODAY)
    assert status.last_on is None and not status.overdue


def test_own_attendance_is_only_for_internal_covision_or_supervision(db_url, coordinator):
    event_id = _create(coordinator)
    with pytest.raises(ValidationFailed) as error, db.write_session() as session:
        events.log_own_attendance(session, coordinator, event_id=event_id, attended=True)
    assert error.value.problems[0][1] == "invalid.supervision_event"


# --- calendar files ----------------------------------------------------------------------


def test_one_event_as_ics_parses_back_in_tallinn_time_with_escaped_text(db_url, coordinator):
    event_id = _create(
        coordinator,
        title="Trauma, kriis; taastumine",
        place="Tartu, Riia 6; saal 2",
        description="Esimene rida\nTeine rida, koma; semikoolon",
        start_at=_at(date(2026, 12, 1), 10),
        end_at=_at(date(2026, 12, 1), 13, 30),
        link="https://example.ee/a?b=1",
    )
    with db.read_session() as session:
        content = calendar_files.export_event_ics(session, coordinator, event_id=event_id)
    text = content.decode("utf-8")
    assert "SUMMARY:Trauma\\, kriis\\; taastumine" in text
    assert "LOCATION:Tartu\\, Riia 6\\; saal 2" in text
    assert "DTSTART;TZID=Europe/Tallinn:20261201T100000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Tallinn" in text
    calendar = Calendar.from_ical(content)
    [component] = calendar.walk("VEVENT")
    assert str(component["SUMMARY"]) == "Trauma, kriis; taastumine"
    assert "Esimene rida\nTeine rida, koma; semikoolon" in str(component["DESCRIPTION"])
    start, end = component.decoded("DTSTART"), component.decoded("DTEND")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Tallinn"
    assert (start.hour, start.minute, end.hour, end.minute) == (10, 0, 13, 30)
    assert start.astimezone(UTC) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert str(component["UID"]) == f"event-{event_id}@{calendar_files.UID_DOMAIN}"
    with db.read_session() as session:
        exported = session.execute(
            select(AuditEntry).where(AuditEntry.action == "export")
        ).scalar_one()
    assert exported.table_name == "event" and exported.record_id == event_id


def test_the_calendar_file_holds_upcoming_events_and_all_day_key_dates(people, coordinator):
    today = datetime.now(TALLINN).date()
    upcoming = _create(
        coordinator,
        start_at=_at(today + timedelta(days=10), 10),
        end_at=_at(today + timedelta(days=10), 12),
    )
    _create(
        coordinator,
        title="Möödunud",
        start_at=_at(today - timedelta(days=10), 10),
        end_at=_at(today - timedelta(days=10), 12),
    )
    _create(
        coordinator,
        title="Tühistatud",
        status="cancelled",
        start_at=_at(today + timedelta(days=12), 10),
        end_at=_at(today + timedelta(days=12), 12),
    )
    with db.write_session() as session:
        session.add(
            Contract(
                provider_id=people["provider"],
                number="TTTVT-2026/7",
                status="active",
                start_date=today - timedelta(days=300),
                end_date=today + timedelta(days=60),
                ceiling_cents=100_000,
            )
        )
        session.add(Task(title="Aruanne, I poolaasta; kokkuvõte", due_on=today + timedelta(days=5)))
    with db.read_session() as session:
        content = calendar_files.export_calendar_ics(session, coordinator, today=today)
    calendar = Calendar.from_ical(content)
    components = calendar.walk("VEVENT")
    timed = [c for c in components if isinstance(c.decoded("DTSTART"), datetime)]
    all_day = [c for c in components if not isinstance(c.decoded("DTSTART"), datetime)]
    assert [str(c["UID"]) for c in timed] == [f"event-{upcoming}@{calendar_files.UID_DOMAIN}"]
    summaries = {str(c["SUMMARY"]): c for c in all_day}
    assert set(summaries) == {
        "Leping lõpeb: TTTVT-2026/7",
        "Ülesande tähtaeg: Aruanne, I poolaasta; kokkuvõte",
    }
    task = summaries["Ülesande tähtaeg: Aruanne, I poolaasta; kokkuvõte"]
    assert task.decoded("DTSTART") == today + timedelta(days=5)
    assert task.decoded("DTEND") == today + timedelta(days=6)
    assert "DTSTART;VALUE=DATE:" in content.decode("utf-8")


def test_the_calendar_file_speaks_english_on_request(people, coordinator):
    today = datetime.now(TALLINN).date()
    with db.write_session() as session:
        session.add(Task(title="Report", due_on=today + timedelta(days=5)))
    with db.read_session() as session:
        content = calendar_files.export_calendar_ics(session, coordinator, today=today, lang="en")
    [component] = Calendar.from_ical(content).walk("VEVENT")
    assert str(component["SUMMARY"]) == "Task deadline: Report"


# --- who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "viewer"])
def test_lead_and_viewer_cannot_change_the_calendar(people, coordinator, role, request, engine):
    actor = request.getfixturevalue(role)
    event_id = _create(coordinator, capacity=1)
    registration = _register(coordinator, event_id, people["anna"])
    before = _row_counts(engine)
    calls = [
        lambda s: events.create_event(s, actor, data=_event()),
        lambda s: events.update_event(
            s, actor, event_id=event_id, data=_event(title="Muudetud"), expected_version=1
        ),
        lambda s: events.register(
            s, actor, event_id=event_id, participant_kind="specialist",
            specialist_id=people["boris"],
        ),
        lambda s: events.cancel_registration(
            s, actor, registration_id=registration.id, expected_version=1
        ),
        lambda s: events.mark_attendance(
            s, actor, event_id=event_id,
            rows=[{"id": registration.id, "version": 1, "attended": True}],
        ),
        lambda s: events.log_own_attendance(s, actor, event_id=event_id, attended=True),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(PermissionDenied), db.write_session() as session:
            call(session)
    assert _row_counts(engine) == before
    assert _detail(coordinator, event_id).event.title == "TTTVT infopäev"


def test_the_viewer_reads_nothing_and_the_lead_exports_no_calendar(db_url, lead, viewer):
    with pytest.raises(PermissionDenied), db.read_session() as session:
        events.list_events(session, viewer, start=date(2026, 1, 1), end=date(2026, 12, 31))
    with pytest.raises(PermissionDenied), db.read_session() as session:
        calendar_files.export_calendar_ics(session, lead, today=FIXED_TODAY)
    with db.read_session() as session:
        assert events.list_events(session, lead, start=date(2026, 1, 1), end=date(2026, 1, 2)) == []


def test_demo_data_has_a_supervision_log_and_info_day_attendance(demo_db, coordinator):
    with db.read_session() as session:
        log = events.supervision_log(
            session, coordinator, start=date(2020, 1, 1), end=date(2030, 1, 1)
        )
        attendance = events.info_day_attendance(session, on=datetime.now(TALLINN).date())
        staff = session.execute(
            select(func.count())
            .select_from(Registration)
            .where(Registration.participant_kind == "staff")
        ).scalar_one()
    assert staff > 0 and log["attended"].eq(True).sum() > 0
    assert attendance
