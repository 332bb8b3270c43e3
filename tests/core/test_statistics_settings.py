"""The coordinator changes k, the waiting target and the KPI targets; the lead and the
viewer may not; nothing is saved from a bad value; every cached figure follows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from core import audit, db
from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry
from core.services import statistics_settings
from core.settings import get_setting
from core.statistics import views
from core.statistics.filters import StatFilters


def _current(actor):
    with db.read_session() as session:
        return statistics_settings.read(session, actor)


def test_the_coordinator_changes_k_the_waiting_target_and_a_kpi_target(engine, coordinator):
    with db.write_session() as session:
        changed = statistics_settings.update(
            session, coordinator, k=7, waiting_target_days=21, targets={"nps": 40.0}
        )
    assert sorted(changed) == ["kpi_targets", "suppression_k", "waiting_target_days"]
    now = _current(coordinator)
    assert (now.k, now.waiting_target_days) == (7, 21)
    assert now.kpi_targets["nps"]["target"] == 40.0
    assert now.kpi_targets["nps"]["better"] == "higher"
    with db.read_session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "statistics.settings")
        ).one()
    assert set(entry.fields) == set(changed)


def test_saving_the_same_values_changes_nothing(engine, coordinator):
    before = _current(coordinator)
    with db.write_session() as session:
        version = audit.data_version(session)
        changed = statistics_settings.update(
            session,
            coordinator,
            k=before.k,
            waiting_target_days=before.waiting_target_days,
            targets={},
        )
        assert changed == []
        assert audit.data_version(session) == version


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"k": 2}, "suppression_k"),
        ({"k": 51}, "suppression_k"),
        ({"waiting_target_days": 0}, "waiting_target_days"),
        ({"targets": {"satisfaction": 7.0}}, "satisfaction"),
        ({"targets": {"no_such_kpi": 1.0}}, "no_such_kpi"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_saved(
    engine, coordinator, inputs, field
):
    values = {"k": 5, "waiting_target_days": 30, "targets": {"nps": 50.0}, **inputs}
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        statistics_settings.update(session, coordinator, **values)
    assert field in [problem[0] for problem in refused.value.problems]
    with db.read_session() as session:
        assert get_setting(session, "waiting_target_days") == 14
        assert get_setting(session, "kpi_targets")["nps"]["target"] == 30


@pytest.mark.parametrize("who", ["lead", "viewer"])
def test_the_lead_and_the_viewer_may_not_change_settings(engine, request, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        statistics_settings.update(session, actor, k=9, waiting_target_days=30, targets={})
    assert _current(actor).k == 5


def test_a_new_k_applies_to_the_cached_statistics_at_once(demo_db, coordinator):
    filters = StatFilters(date(2026, 1, 1), date(2026, 11, 24))
    with db.read_session() as session:
        assert views.statistics_view(session, coordinator, filters=filters).k == 5
    with db.write_session() as session:
        statistics_settings.update(session, coordinator, k=10, waiting_target_days=14, targets={})
    with db.read_session() as session:
        assert views.statistics_view(session, coordinator, filters=filters).k == 10
