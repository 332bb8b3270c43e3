"""Tasks: the lead assigns and comments; the coordinator moves, comments and closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core import db
from core.errors import ConflictError, PermissionDenied, ValidationFailed
from core.models import AuditEntry, Role, Task, TaskComment
from core.services import tasks
from core.services.info_common import tallinn_today
from tests.conftest import actor_with


def _task(lead, **changes) -> int:
    data = {
        "title": "Vastata ministeeriumi päringule",
        "description": "Andmed 2026. aasta kohta",
        "due_on": tallinn_today() + timedelta(days=7),
        "priority": "high",
    }
    data.update(changes)
    with db.write_session() as session:
        return tasks.create_task(session, lead, data=data)


def test_the_lead_assigns_a_task_that_starts_open(db_url, lead):
    task_id = _task(lead)
    with db.read_session() as session:
        task = tasks.get_task(session, lead, task_id=task_id, today=tallinn_today())
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "task.create")).one()
    assert (task.status, task.priority, task.overdue) == ("open", "high", False)
    assert entry.actor == "tiimijuht" and "description" in entry.fields


def test_the_coordinator_and_the_viewer_cannot_assign_tasks(db_url, coordinator, viewer):
    for actor in (coordinator, viewer):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            tasks.create_task(session, actor, data={"title": "Midagi"})
    with db.read_session() as session:
        assert session.exec(select(Task)).first() is None


def test_the_lead_cannot_change_the_status_or_close_a_task(db_url, lead):
    task_id = _task(lead)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        tasks.set_status(session, lead, task_id=task_id, status="in_progress", expected_version=1)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        tasks.close_task(session, lead, task_id=task_id, note="Tehtud", expected_version=1)
    with db.read_session() as session:
        row = session.get(Task, task_id)
        refusals = session.exec(
            select(AuditEntry).where(
                AuditEntry.actor == "tiimijuht", AuditEntry.outcome == "refused"
            )
        ).all()
    assert (row.status, row.version, row.closing_note) == ("open", 1, "")
    assert {r.action for r in refusals} == {"tasks.set_status", "tasks.close_task"}


def test_the_coordinator_moves_the_task_and_closes_it_with_a_note(db_url, lead, coordinator):
    task_id = _task(lead)
    with db.write_session() as session:
        tasks.set_status(
            session, coordinator, task_id=task_id, status="in_progress", expected_version=1
        )
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        tasks.set_status(session, coordinator, task_id=task_id, status="done", expected_version=2)
    assert refused.value.problems[0][0] == "task_closing_note"
    with db.write_session() as session:
        tasks.close_task(
            session, coordinator, task_id=task_id, note="Vastus saadetud", expected_version=2
        )
    with db.read_session() as session:
        row = session.get(Task, task_id)
    assert (row.status, row.closing_note) == ("done", "Vastus saadetud")
    with pytest.raises(ConflictError), db.write_session() as session:
        tasks.set_status(session, coordinator, task_id=task_id, status="open", expected_version=2)


def test_both_the_lead_and_the_coordinator_comment_and_others_are_refused(
    db_url, lead, coordinator, viewer, admin
):
    task_id = _task(lead)
    with db.write_session() as session:
        tasks.add_comment(session, lead, task_id=task_id, text="Palun arvesta uue määraga.")
        tasks.add_comment(session, coordinator, task_id=task_id, text="Arvestan.")
    for actor in (viewer, admin):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            tasks.add_comment(session, actor, task_id=task_id, text="Mina ka")
    with pytest.raises(ValidationFailed), db.write_session() as session:
        tasks.add_comment(session, coordinator, task_id=task_id, text="   ")
    with db.read_session() as session:
        shown = tasks.comments(session, lead, task_id=task_id)
        refused = session.exec(
            select(AuditEntry).where(AuditEntry.action == "tasks.add_comment")
        ).all()
    assert [c.text for c in shown] == ["Palun arvesta uue määraga.", "Arvestan."]
    assert {r.actor for r in refused} == {"vaatleja", "admin"}
    with db.read_session() as session:
        assert len(session.exec(select(TaskComment)).all()) == 2


def test_a_person_with_both_roles_may_do_both_parts(db_url):
    both = actor_with(Role.LEAD, Role.COORDINATOR, username="mitu")
    task_id = _task(both)
    with db.write_session() as session:
        tasks.close_task(session, both, task_id=task_id, note="Tehtud", expected_version=1)


def test_bad_task_input_names_the_fields(db_url, lead):
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        tasks.create_task(session, lead, data={"title": "x", "priority": "urgent"})
    assert {p[0] for p in refused.value.problems} == {"task_title", "task_priority"}
    with pytest.raises(ValidationFailed), db.write_session() as session:
        tasks.create_task(
            session, lead, data={"title": "Eile", "due_on": tallinn_today() - timedelta(days=1)}
        )


def test_overdue_open_tasks_are_flagged_and_listed_first(demo_db, coordinator):
    today = tallinn_today()
    with db.read_session() as session:
        found = tasks.list_tasks(session, coordinator, today=today)
        open_only = tasks.list_tasks(
            session, coordinator, today=today, statuses=list(tasks.OPEN_STATUSES)
        )
    assert len(found) == 10 and len(open_only) == 7
    assert all(t.overdue == (t.is_open and t.due_on < today) for t in found)
    assert [t.is_open for t in found] == sorted((t.is_open for t in found), reverse=True)
    assert any(t.comment_count == 1 for t in found)
