"""The role matrix as DESIGN.md states it, and every write refused for every role without it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

import core.services
from core import db
from core import due as _due  # noqa: F401 - registers services
from core.errors import PermissionDenied
from core.models import AuditEntry, Role
from core.permissions import (
    ROLE_PERMISSIONS,
    WRITE_SERVICES,
    Actor,
    Permission,
    permissions_of,
)

# Every service module registers its writes on import; walk them all, whatever ran before.
for _module in pkgutil.iter_modules(core.services.__path__):
    importlib.import_module(f"core.services.{_module.name}")


def test_coordinator_edits_imports_and_exports_but_never_manages_users():
    granted = ROLE_PERMISSIONS[Role.COORDINATOR]
    assert {Permission.EDIT_RECORDS, Permission.IMPORT_DATA, Permission.EXPORT_RECORDS} <= granted
    assert Permission.MANAGE_USERS not in granted
    assert Permission.VIEW_AUDIT not in granted


def test_lead_reads_everything_and_only_decides_and_assigns():
    granted = ROLE_PERMISSIONS[Role.LEAD]
    assert {
        Permission.VIEW_RECORDS,
        Permission.VIEW_FREE_TEXT,
        Permission.DECIDE_PROPOSALS,
        Permission.ASSIGN_TASKS,
    } <= granted
    assert Permission.EDIT_RECORDS not in granted
    assert Permission.IMPORT_DATA not in granted


def test_viewer_sees_statistics_only_without_names_or_free_text():
    granted = ROLE_PERMISSIONS[Role.VIEWER]
    assert Permission.VIEW_STATISTICS in granted
    assert not granted & {
        Permission.VIEW_RECORDS,
        Permission.VIEW_FREE_TEXT,
        Permission.VIEW_ALERTS,
        Permission.EDIT_RECORDS,
    }


def test_admin_manages_users_and_audit_but_makes_no_domain_edits():
    granted = ROLE_PERMISSIONS[Role.ADMIN]
    assert {Permission.MANAGE_USERS, Permission.VIEW_AUDIT, Permission.RUN_BACKUP} <= granted
    assert not granted & {
        Permission.EDIT_RECORDS,
        Permission.VIEW_RECORDS,
        Permission.VIEW_OVERVIEW,
    }


def test_several_roles_add_up():
    both = permissions_of([Role.LEAD, Role.ADMIN])
    assert Permission.DECIDE_PROPOSALS in both and Permission.MANAGE_USERS in both


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if table.name != "audit_entry"
        }


def _refusal_cases():
    for service in WRITE_SERVICES:
        for role in Role:
            if service.permission not in ROLE_PERMISSIONS[role]:
                yield pytest.param(service, role, id=f"{service.name}-{role.value}")


def test_there_are_write_services_to_walk():
    assert len(WRITE_SERVICES) >= 5
    for service in WRITE_SERVICES:
        parameters = list(inspect.signature(service.function).parameters.values())
        assert [p.name for p in parameters[:2]] == ["session", "actor"], service.name
        assert all(p.kind is p.KEYWORD_ONLY for p in parameters[2:]), service.name


@pytest.mark.parametrize(("service", "role"), list(_refusal_cases()))
def test_every_write_is_refused_for_a_role_without_its_permission(service, role, demo_db, engine):
    before = _row_counts(engine)
    actor = Actor(username=f"probe-{role.value}", roles=frozenset({role}))
    with pytest.raises(PermissionDenied), db.write_session() as session:
        # Arguments are never looked at: the refusal comes first.
        service.function(session, actor)
    assert _row_counts(engine) == before
    with db.read_session() as session:
        refusal = session.execute(
            select(AuditEntry).where(AuditEntry.actor == actor.username)
        ).scalar_one()
    assert refusal.outcome == "refused"
    assert refusal.action == service.name
