"""The role matrix: the one place that says which role may do what.

Services refuse with `require`, the sidebar hides pages with `allowed`, and the tests walk
every registered write service as every role through `WRITE_SERVICES`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from sqlmodel import Session

from core.errors import PermissionDenied
from core.models import Role


class Permission(StrEnum):
    VIEW_OVERVIEW = "view_overview"
    VIEW_ALERTS = "view_alerts"  # names, numbers and dates of records, not just counts
    VIEW_RECORDS = "view_records"
    VIEW_FREE_TEXT = "view_free_text"
    VIEW_STATISTICS = "view_statistics"
    EDIT_RECORDS = "edit_records"
    EDIT_SETTINGS = "edit_settings"
    IMPORT_DATA = "import_data"
    EXPORT_RECORDS = "export_records"
    EXPORT_STATISTICS = "export_statistics"
    DECIDE_PROPOSALS = "decide_proposals"
    ASSIGN_TASKS = "assign_tasks"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    RUN_BACKUP = "run_backup"
    CHANGE_OWN_PASSWORD = "change_own_password"  # noqa: S105 - a permission name


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COORDINATOR: frozenset(
        {
            P.VIEW_OVERVIEW,
            P.VIEW_ALERTS,
            P.VIEW_RECORDS,
            P.VIEW_FREE_TEXT,
            P.VIEW_STATISTICS,
            P.EDIT_RECORDS,
            P.EDIT_SETTINGS,
            P.IMPORT_DATA,
            P.EXPORT_RECORDS,
            P.EXPORT_STATISTICS,
            P.CHANGE_OWN_PASSWORD,
        }
    ),
    Role.LEAD: frozenset(
        {
            P.VIEW_OVERVIEW,
            P.VIEW_ALERTS,
            P.VIEW_RECORDS,
            P.VIEW_FREE_TEXT,
            P.VIEW_STATISTICS,
            P.EXPORT_STATISTICS,
            P.DECIDE_PROPOSALS,
            P.ASSIGN_TASKS,
            P.CHANGE_OWN_PASSWORD,
        }
    ),
    Role.VIEWER: frozenset(
        {P.VIEW_OVERVIEW, P.VIEW_STATISTICS, P.EXPORT_STATISTICS, P.CHANGE_OWN_PASSWORD}
    ),
    Role.ADMIN: frozenset({P.MANAGE_USERS, P.VIEW_AUDIT, P.RUN_BACKUP, P.CHANGE_OWN_PASSWORD}),
}


@dataclass(frozen=True)
class Actor:
    """Who asks: built from the signed-in user, or a system actor for the command line."""

    username: str
    roles: frozenset[Role]
    user_id: int | None = None
    name: str = ""

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def permissions_of(roles: Iterable[Role | str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(Role(role), frozenset())
    return frozenset(granted)


def allowed(actor: Actor | None, permission: Permission) -> bool:
    return actor is not None and actor.can(permission)


def system_actor(*roles: Role) -> Actor:
    """The command line acts as the local operator with the roles its command needs."""
    return Actor(username="cli", roles=frozenset(roles or (Role.ADMIN,)))


def require(session: Session, actor: Actor, permission: Permission, *, action: str) -> None:
    """Refuse, audit the refusal in its own transaction, and change nothing else."""
    if actor.can(permission):
        return
    from core.audit import record_refusal

    record_refusal(session, actor, action=action, permission=permission)
    raise PermissionDenied(permission=permission.value, action=action)


@dataclass(frozen=True)
class WriteService:
    name: str
    permission: Permission
    function: Callable[..., Any] = field(repr=False)


WRITE_SERVICES: list[WriteService] = []

_P = ParamSpec("_P")
_R = TypeVar("_R")


def write_service(
    permission: Permission,
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Mark a `(session, actor, *, ...)` function as a write that needs `permission`.

    The check runs before the function body, so a refused call touches nothing; the
    registry lets the tests call every write as every role.
    """

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        action = f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"

        @functools.wraps(function)
        def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            session, actor = args[0], args[1]
            assert isinstance(session, Session) and isinstance(actor, Actor)
            require(session, actor, permission, action=action)
            return function(*args, **kwargs)

        WRITE_SERVICES.append(WriteService(action, permission, guarded))
        return guarded

    return decorate
