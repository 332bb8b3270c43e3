"""Partners: directory, contact persons, contact log, next steps, network counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core import db
from core.errors import PermissionDenied, ValidationFailed
from core.models import ContactLog, Partner, PartnerPerson
from core.services import partners
from core.services.info_common import tallinn_today


def _partner(actor, **changes) -> int:
    data = {"name": "Tartu naiste tugikeskus", "partner_type": "womens_support_centre",
            "county": "0079", "notes": ""}  # fmt: skip
    data.update(changes)
    with db.write_session() as session:
        return partners.create_partner(session, actor, data=data)


def test_a_partner_with_people_and_a_contact_with_a_next_step(db_url, coordinator):
    today = tallinn_today()
    partner_id = _partner(coordinator)
    with db.write_session() as session:
        partners.save_people(
            session,
            coordinator,
            partner_id=partner_id,
            rows=[{"name": "Mari Mets", "role": "juht", "email": "mari@tugi.example", "phone": ""}],
        )
        partners.log_contact(
            session,
            coordinator,
            partner_id=partner_id,
            data={
                "contacted_on": today,
                "topic": "Suunamise kord",
                "outcome": "Kokku lepitud",
                "next_step": "Infotund töötajatele",
                "next_step_on": today + timedelta(days=10),
            },
        )
    with db.read_session() as session:
        found = partners.get_partner(session, coordinator, partner_id=partner_id, today=today)
        steps = partners.next_steps(
            session, coordinator, start=today, end=today + timedelta(days=14)
        )
    assert [p.name for p in found.people] == ["Mari Mets"]
    assert found.last_contact == today and found.next_step_on == today + timedelta(days=10)
    assert [(s.partner_name, s.next_step) for s in steps] == [
        ("Tartu naiste tugikeskus", "Infotund töötajatele")
    ]


def test_bad_rows_name_the_row_and_the_field_and_save_nothing(db_url, coordinator):
    partner_id = _partner(coordinator)
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        partners.save_people(
            session,
            coordinator,
            partner_id=partner_id,
            rows=[{"name": "Hea Inimene"}, {"name": "X", "email": "pole-aadress"}],
        )
    assert {(p[0], p[2]["row"]) for p in refused.value.problems} == {
        ("person_name", 2),
        ("person_email", 2),
    }
    with db.read_session() as session:
        assert session.exec(select(PartnerPerson)).first() is None


def test_a_next_step_date_needs_a_next_step_and_no_future_contacts(db_url, coordinator):
    partner_id = _partner(coordinator)
    today = tallinn_today()
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        partners.log_contact(
            session,
            coordinator,
            partner_id=partner_id,
            data={
                "contacted_on": today + timedelta(days=1),
                "topic": "Kohtumine",
                "next_step_on": today,
            },
        )
    assert {p[0] for p in refused.value.problems} == {
        "contact_contacted_on",
        "contact_next_step",
        "contact_next_step_on",
    }
    with db.read_session() as session:
        assert session.exec(select(ContactLog)).first() is None


def test_the_lead_and_the_viewer_cannot_change_the_network(db_url, coordinator, lead, viewer):
    partner_id = _partner(coordinator)
    for actor in (lead, viewer):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            partners.log_contact(
                session, actor, partner_id=partner_id, data={"contacted_on": tallinn_today()}
            )
        with pytest.raises(PermissionDenied), db.write_session() as session:
            partners.update_partner(
                session, actor, partner_id=partner_id, data={}, expected_version=1
            )
    with db.read_session() as session:
        assert session.get(Partner, partner_id).version == 1
        assert session.exec(select(ContactLog)).first() is None


def test_people_left_out_of_the_rows_are_removed(db_url, coordinator):
    partner_id = _partner(coordinator)
    with db.write_session() as session:
        ids = partners.save_people(
            session,
            coordinator,
            partner_id=partner_id,
            rows=[{"name": "Esimene Inimene"}, {"name": "Teine Inimene"}],
        )
    with db.write_session() as session:
        partners.save_people(
            session,
            coordinator,
            partner_id=partner_id,
            rows=[{"id": ids[1], "version": 1, "name": "Teine Inimene", "role": "jurist"}],
        )
    with db.read_session() as session:
        people = session.exec(select(PartnerPerson)).all()
    assert [(p.name, p.role) for p in people] == [("Teine Inimene", "jurist")]


def test_network_and_contacts_are_counted_in_the_database(demo_db, coordinator):
    today = tallinn_today()
    with db.read_session() as session:
        network = partners.network_counts(session, coordinator)
        monthly = partners.contacts_by_month(session, coordinator, today=today)
        total_contacts = len(session.exec(select(ContactLog)).all())
    assert int(network["partners"].sum()) == 30
    assert set(network.columns) == {"partner_type", "county", "partners"}
    assert 0 < int(monthly["contacts"].sum()) <= total_contacts
    assert all(day.day == 1 for day in monthly["month"])


def test_upcoming_next_steps_reach_the_overview_alerts(db_url, coordinator):
    from core import stats

    today = tallinn_today()
    partner_id = _partner(coordinator)
    with db.write_session() as session:
        for days, step in ((3, "Infotund"), (40, "Liiga kaugel")):
            partners.log_contact(
                session,
                coordinator,
                partner_id=partner_id,
                data={
                    "contacted_on": today,
                    "topic": "Kohtumine",
                    "next_step": step,
                    "next_step_on": today + timedelta(days=days),
                },
            )
    with db.read_session() as session:
        overview = stats.overview(session, coordinator, today=today)
    steps = [a for a in overview.alerts if a.kind == "partner_next_step"]
    assert [(a.subject, a.on, a.table, a.record_id) for a in steps] == [
        ("Tartu naiste tugikeskus · Infotund", today + timedelta(days=3), "partner", partner_id)
    ]


def test_network_charts_are_built_with_tooltips():
    import pandas as pd

    from core.information_charts import contacts_chart, network_chart

    titles = {"county": "Maakond", "type": "Liik", "partners": "Partnereid",
              "month": "Kuu", "contacts": "Kontakte"}  # fmt: skip
    network = network_chart(
        pd.DataFrame({"county_label": ["Tartu"], "type_label": ["politsei"], "partners": [2]}),
        titles=titles,
    ).to_dict()
    monthly = contacts_chart(
        pd.DataFrame(
            {"month": pd.to_datetime(["2026-10-01"]), "type_label": ["kool"], "contacts": [3]}
        ),
        titles=titles,
    ).to_dict()
    assert network["mark"]["type"] == "bar" and monthly["mark"]["type"] == "bar"
    assert [t["title"] for t in network["encoding"]["tooltip"]] == ["Maakond", "Liik", "Partnereid"]
    assert monthly["encoding"]["tooltip"][2]["title"] == "Kontakte"
