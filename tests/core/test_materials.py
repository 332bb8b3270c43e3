"""Materials: next-review arithmetic, mark reviewed, history, due list, language gaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from core import db
from core.dates import add_months
from core.errors import ConflictError, PermissionDenied, ValidationFailed
from core.models import AuditEntry, Material, MaterialLanguage, MaterialReview, Setting
from core.services import materials
from core.services.info_common import tallinn_today
from core.services.materials import MaterialRead, find_gaps, next_review_date, review_status


def _data(**changes):
    data = {
        "title": "Kuidas saada traumateadlikku abi",
        "kind": "guide",
        "audience": "clients",
        "owner": "Kadri Koordinaator",
        "version_label": "1.0",
        "last_reviewed": date(2026, 1, 31),
        "review_interval_months": 1,
        "languages": [
            {"language": "et", "link": "https://example.ee/et", "state": "published"},
            {"language": "ru", "link": "https://example.ee/ru", "state": "draft"},
        ],
    }
    data.update(changes)
    return data


def _create(actor, **changes) -> int:
    with db.write_session() as session:
        return materials.create_material(session, actor, data=_data(**changes))


def test_next_review_is_last_review_plus_the_interval_clamped_to_month_end():
    assert next_review_date(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert next_review_date(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert next_review_date(date(2025, 11, 15), 12) == date(2026, 11, 15)
    assert next_review_date(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert next_review_date(None, 12) is None


def test_review_status_says_overdue_due_soon_ok_or_never():
    today = date(2026, 11, 24)
    assert review_status(date(2026, 11, 23), today) == "overdue"
    assert review_status(today, today) == "due_soon"
    assert review_status(today + timedelta(days=30), today) == "due_soon"
    assert review_status(today + timedelta(days=31), today) == "ok"
    assert review_status(None, today) == "never"


def test_create_stores_the_computed_next_review_date_and_languages(db_url, coordinator):
    material_id = _create(coordinator)
    with db.read_session() as session:
        row = session.get(Material, material_id)
        assert row.next_review_on == date(2026, 2, 28)
        languages = session.exec(
            select(MaterialLanguage.language).where(MaterialLanguage.material_id == material_id)
        ).all()
        assert sorted(languages) == ["et", "ru"]
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "material.create")).one()


def test_an_update_recomputes_the_next_review_date(db_url, coordinator):
    material_id = _create(coordinator)
    with db.write_session() as session:
        materials.update_material(
            session,
            coordinator,
            material_id=material_id,
            data=_data(review_interval_months=6),
            expected_version=1,
        )
    with db.read_session() as session:
        row = session.get(Material, material_id)
    assert row.next_review_on == date(2026, 7, 31)
    assert row.version == 2


def test_a_stale_update_is_refused_as_a_conflict(db_url, coordinator):
    material_id = _create(coordinator)
    with pytest.raises(ConflictError), db.write_session() as session:
        materials.update_material(
            session,
            coordinator,
            material_id=material_id,
            data=_data(title="Uus"),
            expected_version=7,
        )


def test_changing_only_a_language_version_moves_the_material_version(db_url, coordinator):
    material_id = _create(coordinator)
    languages = _data()["languages"] + [{"language": "en", "link": "", "state": "draft"}]
    with db.write_session() as session:
        materials.update_material(
            session,
            coordinator,
            material_id=material_id,
            data=_data(languages=languages),
            expected_version=1,
        )
    with db.read_session() as session:
        assert session.get(Material, material_id).version == 2
        assert len(session.exec(select(MaterialLanguage)).all()) == 3


def test_bad_input_names_the_fields_and_saves_nothing(db_url, coordinator):
    bad = _data(
        title="",
        review_interval_months=0,
        languages=[
            {"language": "et", "link": "", "state": "published"},
            {"language": "et", "link": "", "state": "draft"},
            {"language": "ru", "link": "javascript:alert(1)", "state": "draft"},
        ],
    )
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        materials.create_material(session, coordinator, data=bad)
    fields = {problem[0] for problem in refused.value.problems}
    assert {
        "material_title",
        "material_review_interval_months",
        "material_link",
        "material_language",
    } <= fields
    with db.read_session() as session:
        assert session.exec(select(Material)).first() is None


def test_mark_reviewed_moves_the_date_and_writes_the_history(db_url, coordinator):
    material_id = _create(coordinator, last_reviewed=date(2025, 1, 10), review_interval_months=12)
    reviewed_on = tallinn_today()
    with db.write_session() as session:
        next_on = materials.mark_reviewed(
            session,
            coordinator,
            material_id=material_id,
            reviewed_on=reviewed_on,
            note="Lisatud uus telefoninumber",
            version_label="1.1",
            expected_version=1,
        )
    assert next_on == next_review_date(reviewed_on, 12)
    with db.read_session() as session:
        row = session.get(Material, material_id)
        assert (row.last_reviewed, row.next_review_on, row.version_label) == (
            reviewed_on,
            next_on,
            "1.1",
        )
        history = materials.review_history(session, coordinator, material_id=material_id)
    assert [(h.reviewed_on, h.version_label, h.note) for h in history] == [
        (reviewed_on, "1.1", "Lisatud uus telefoninumber")
    ]


def test_a_review_in_the_future_or_before_the_last_one_is_refused(db_url, coordinator):
    material_id = _create(coordinator)
    for day in (tallinn_today() + timedelta(days=1), date(2025, 12, 31)):
        with pytest.raises(ValidationFailed), db.write_session() as session:
            materials.mark_reviewed(
                session, coordinator, material_id=material_id, reviewed_on=day, expected_version=1
            )
    with db.read_session() as session:
        assert session.exec(select(MaterialReview)).first() is None


def test_the_lead_and_the_viewer_cannot_change_materials(db_url, coordinator, lead, viewer):
    material_id = _create(coordinator)
    for actor in (lead, viewer):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            materials.mark_reviewed(
                session,
                actor,
                material_id=material_id,
                reviewed_on=tallinn_today(),
                expected_version=1,
            )
    with db.read_session() as session:
        assert session.get(Material, material_id).version == 1
        assert session.exec(select(MaterialReview)).first() is None
        with pytest.raises(PermissionDenied):
            materials.list_materials(session, viewer, today=tallinn_today())


def test_due_for_review_lists_overdue_and_the_next_30_days_only(db_url, coordinator):
    today = tallinn_today()
    overdue = _create(coordinator, title="Hilinenud", last_reviewed=today - timedelta(days=400),
                      review_interval_months=12)  # fmt: skip
    soon = _create(coordinator, title="Varsti", last_reviewed=today - timedelta(days=350),
                   review_interval_months=12)  # fmt: skip
    _create(coordinator, title="Korras", last_reviewed=today, review_interval_months=12)
    never = _create(coordinator, title="Vaatamata", last_reviewed=None)
    with db.read_session() as session:
        found = materials.due_for_review(session, coordinator, today=today)
    assert [m.id for m in found] == [never, overdue, soon]
    assert [m.review_status for m in found] == ["never", "overdue", "due_soon"]


def _read(material_id, audience, versions) -> MaterialRead:
    return MaterialRead(
        id=material_id,
        title=f"M{material_id}",
        kind="guide",
        audience=audience,
        owner="",
        version_label="1",
        last_reviewed=None,
        review_interval_months=12,
        next_review_on=None,
        version=1,
        languages=tuple(
            materials.LanguageVersionRead(id=0, language=code, link="", state=state, version=1)
            for code, state in versions
        ),
        review_status="never",
    )


def test_language_gaps_list_published_client_materials_missing_a_service_language():
    found = find_gaps(
        [
            _read(1, "clients", [("et", "published"), ("ru", "published"), ("en", "published")]),
            _read(2, "clients", [("et", "published"), ("ru", "draft")]),
            _read(3, "clients", [("et", "draft")]),  # not published: no gap yet
            _read(4, "providers", [("et", "published")]),  # not client-facing
            _read(5, "clients", [("ru", "published"), ("en", "withdrawn")]),
        ],
        ["et", "ru", "en"],
    )
    assert [(g.material_id, g.missing, g.draft) for g in found] == [
        (2, ("ru", "en"), ("ru",)),
        (5, ("et", "en"), ("en",)),
    ]


def test_the_required_languages_are_a_setting(db_url, coordinator):
    _create(coordinator)  # et published, ru draft
    with db.read_session() as session:
        gaps = materials.language_gaps(session, coordinator, today=tallinn_today())
    assert gaps[0].missing == ("ru", "en")
    with db.write_session() as session:
        setting = session.exec(select(Setting).where(Setting.key == "service_languages")).one()
        setting.value = ["et", "ru", "en", "uk"]
    with db.read_session() as session:
        gaps = materials.language_gaps(session, coordinator, today=tallinn_today())
    assert gaps[0].missing == ("ru", "en", "uk")


def test_demo_materials_have_gaps_and_overdue_reviews(demo_db, coordinator):
    today = tallinn_today()
    with db.read_session() as session:
        everything = materials.list_materials(session, coordinator, today=today)
        gaps = materials.language_gaps(session, coordinator, today=today)
    assert len(everything) == 12
    assert gaps and all("en" in gap.missing for gap in gaps)
    assert all(m.next_review_on == next_review_date(m.last_reviewed, m.review_interval_months)
               for m in everything)  # fmt: skip


def test_delete_removes_the_material_with_its_versions_and_history(db_url, coordinator):
    material_id = _create(coordinator)
    with db.write_session() as session:
        materials.delete_material(session, coordinator, material_id=material_id, expected_version=1)
    with db.read_session() as session:
        assert session.exec(select(Material)).first() is None
        assert session.exec(select(MaterialLanguage)).first() is None


def test_an_overdue_material_is_an_overview_alert_until_it_is_reviewed(db_url, coordinator):
    from core import stats

    today = tallinn_today()
    material_id = _create(coordinator, last_reviewed=add_months(today - timedelta(days=1), -12),
                          review_interval_months=12)  # fmt: skip

    def overdue_alerts():
        with db.read_session() as session:
            overview = stats.overview(session, coordinator, today=today)
        return [a.record_id for a in overview.alerts if a.kind == "material_overdue"]

    assert overdue_alerts() == [material_id]
    with db.write_session() as session:
        materials.mark_reviewed(
            session, coordinator, material_id=material_id, reviewed_on=today, expected_version=1
        )
    assert overdue_alerts() == []
