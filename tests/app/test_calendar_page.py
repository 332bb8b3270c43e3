"""The Training calendar page: the month, week and list views with holidays, adding an event,
registering over the capacity, the waiting list, attendance, the supervision log and
training hours; the lead reads without edit or download controls."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from core import db
from core.formatting import TALLINN
from core.models import Event, Provider, Registration, Specialist
from core.services import events
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users
from tests.conftest import actor_with

PAGE = "pages/2_Calendar.py"


def _open(username: str, lang: str = "et", **query: str):
    app = sign_in(new_app(lang), username)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def _coordinator():
    from core.models import Role

    return actor_with(Role.COORDINATOR, username="koordinaator")


def _world(db_url) -> dict[str, int]:
    """Users, one provider with two specialists, and an info day yesterday with one place."""
    _empty_database_with_users(db_url)
    yesterday = datetime.now(TALLINN).date() - timedelta(days=1)
    with db.write_session() as session:
        provider = Provider(name="Hingerahu OÜ", registry_code="12345678")
        session.add(provider)
        session.flush()
        assert provider.id is not None
        session.add(Specialist(provider_id=provider.id, name="Anna Šmidt"))
        session.add(Specialist(provider_id=provider.id, name="Boris Ivanov"))
        session.flush()
        event_id = events.create_event(
            session,
            _coordinator(),
            data={
                "title": "Infopäev; Tartu, 2026",
                "kind": "info_day",
                "start_at": datetime.combine(yesterday, datetime.min.time()).replace(hour=10),
                "end_at": datetime.combine(yesterday, datetime.min.time()).replace(hour=13),
                "audience": "providers",
                "capacity": 1,
            },
        )
    return {"event": event_id}


def test_the_month_view_marks_estonian_public_holidays(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator", view="month", date="2026-02-10")
    text = all_text(app)
    assert "veebruar 2026" in text
    assert "iseseisvuspäev" in text  # 24.02
    assert [t.value for t in app.title] == ["Koolituskalender"]


def test_week_and_list_views_and_an_empty_month(db_url):
    _empty_database_with_users(db_url)
    week = _open("koordinaator", view="week", date="2026-06-22")
    assert "jaanipäev" in all_text(week) and "võidupüha" in all_text(week)
    listing = _open("koordinaator", view="list", date="2026-06-22")
    assert "Selles vahemikus sündmusi pole." in all_text(listing)


def test_coordinator_adds_an_event_and_sees_the_holiday_warning(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator", view="new")
    next(b for b in app.text_input if b.label == "Pealkiri").input("Koolitus, jõulud")
    next(d for d in app.date_input if d.label == "Alguse kuupäev").set_value(date(2026, 12, 24))
    _button(app, "Salvesta").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        saved = session.exec(select(Event)).one()
    assert saved.title == "Koolitus, jõulud" and saved.kind == "info_day"
    assert app.query_params["event"] == str(saved.id) or app.query_params["event"] == [
        str(saved.id)
    ]
    assert any("riigipühal: 24.12.2026 (jõululaupäev)" in w.value for w in app.warning)


def test_a_bad_event_names_the_field_and_saves_nothing(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator", view="new")
    next(b for b in app.text_input if b.label == "Pealkiri").input("x")
    _button(app, "Salvesta").click().run()
    assert not app.exception
    assert any("Pealkiri" in e.value for e in app.error)
    with db.read_session() as session:
        assert session.exec(select(Event)).first() is None


def test_two_specialists_over_a_capacity_of_one_and_attendance(db_url):
    ids = _world(db_url)
    app = _open("koordinaator", event=str(ids["event"]))
    assert "Infopäev; Tartu, 2026" in all_text(app)
    for name in ("Anna Šmidt", "Boris Ivanov"):
        picker = next(s for s in app.selectbox if s.label == "Spetsialist")
        option = next(o for o in picker.options if o.startswith(name))
        picker.set_value(next(k for k in range(1, 3) if picker.format_func(k) == option))
        _button(app, "Registreeri").click().run()
        assert not app.exception, app.exception
    text = all_text(app)
    assert "Kohad on täis: lisatud ootenimekirja (1. kohale)." in text
    assert "Registreerunud 1 / 1, ootenimekirjas 1" in text
    with db.read_session() as session:
        statuses = sorted(r.status for r in session.exec(select(Registration)))
    assert statuses == ["registered", "waitlisted"]

    # Saving the attendance list as it stands marks the unticked as absent; the event is held.
    _button(app, "Salvesta osalemine").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        marks = {r.status: r.attended for r in session.exec(select(Registration))}
        event = session.get(Event, ids["event"])
    assert marks == {"registered": False, "waitlisted": None}
    assert event is not None and event.status == "held"


def test_the_lead_reads_an_event_without_edit_or_download_controls(db_url):
    ids = _world(db_url)
    app = _open("tiimijuht", event=str(ids["event"]))
    labels = {b.label for b in app.button}
    assert "Registreeri" not in labels and "Salvesta osalemine" not in labels
    assert not [b for b in app.get("download_button")]
    assert "Infopäev; Tartu, 2026" in all_text(app)
    month = _open("tiimijuht", view="month")
    assert "Lisa sündmus" not in {b.label for b in month.button}


@pytest.mark.parametrize("lang", ["et", "en"])
@pytest.mark.parametrize("view", ["month", "week", "list", "supervision", "hours"])
def test_every_view_renders_on_demo_data(demo_db, view, lang):
    app = _open("koordinaator", lang=lang, view=view)
    assert not app.exception
    assert [t.value for t in app.title] == [
        "Koolituskalender" if lang == "et" else "Training calendar"
    ]


def test_the_supervision_view_shows_the_log_and_records_own_attendance(demo_db):
    app = _open("koordinaator", view="supervision")
    text = all_text(app)
    assert "Minu kovisioon ja supervisioon" in text
    assert app.dataframe  # the log
    with db.read_session() as session:
        before = len(list(session.exec(select(Registration).where(
            Registration.participant_kind == "staff", Registration.attended == True  # noqa: E712
        ))))  # fmt: skip
    _button(app, "Osalesin").click().run()
    assert not app.exception
    with db.read_session() as session:
        after = len(list(session.exec(select(Registration).where(
            Registration.participant_kind == "staff", Registration.attended == True  # noqa: E712
        ))))  # fmt: skip
    assert after >= before


def test_the_hours_view_lists_specialists_and_the_info_day_rule(demo_db):
    app = _open("koordinaator", view="hours")
    text = all_text(app)
    assert "Koolitustunnid spetsialistide kaupa" in text
    assert "Iga-aastane infopäev" in text
    assert len(app.dataframe) == 2
