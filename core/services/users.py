"""Users and roles: created by the admin or the command line, never by domain roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.errors import ConflictError, NotFound, ValidationFailed
from core.models import EmailAddress, Role, User, Username, utc_now
from core.permissions import Actor, Permission, require, write_service
from core.security import hash_password, password_problems, verify_password


@dataclass(frozen=True)
class UserRead:
    id: int
    username: str
    name: str
    email: str
    roles: tuple[str, ...]
    active: bool
    is_demo: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    version: int


class UserCreate(BaseModel):
    username: Username
    name: str = Field(min_length=2, max_length=200)
    email: EmailAddress | None = None
    roles: list[Role] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


def _read(user: User) -> UserRead:
    assert user.id is not None
    return UserRead(
        id=user.id,
        username=user.username,
        name=user.name,
        email=user.email,
        roles=tuple(user.roles),
        active=user.active,
        is_demo=user.is_demo,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
        version=user.version,
    )


def _check_password(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise ValidationFailed([("password", key, {}) for key in problems])


def _get(session: Session, user_id: int, expected_version: int | None) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(table="user", id=user_id)
    if expected_version is not None and user.version != expected_version:
        raise ConflictError(table="user", id=user_id)
    return user


def find_by_username(session: Session, username: str) -> User | None:
    return session.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()


@write_service(Permission.MANAGE_USERS)
def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    name: str,
    password: str,
    roles: list[str],
    email: str = "",
    is_demo: bool = False,
) -> UserRead:
    try:
        data = UserCreate(username=username, name=name, email=email or None, roles=roles)
    except ValidationError as error:
        raise ValidationFailed.from_pydantic(error) from error
    _check_password(password)
    if find_by_username(session, data.username) is not None:
        raise ValidationFailed([("username", "invalid.username_taken", {})])
    user = User(
        username=data.username,
        name=data.name,
        email=str(data.email or ""),
        password_hash=hash_password(password),
        roles=[role.value for role in data.roles],
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    audit.record_write(
        session,
        actor,
        "user.create",
        table="user",
        record_id=user.id,
        fields=["username", "name", "email", "roles", "password_hash"],
    )
    return _read(user)


@write_service(Permission.MANAGE_USERS)
def set_roles(
    session: Session, actor: Actor, *, user_id: int, roles: list[str], expected_version: int
) -> UserRead:
    try:
        clean = sorted({Role(role).value for role in roles})
    except ValueError as error:
        raise ValidationFailed([("roles", "invalid.roles", {})]) from error
    if not clean:
        raise ValidationFailed([("roles", "invalid.roles", {})])
    user = _get(session, user_id, expected_version)
    user.roles = clean
    # New roles take effect at the next sign-in; open sessions end now.
    user.sessions_valid_after = utc_now()
    session.flush()
    audit.record_write(
        session, actor, "user.set_roles", table="user", record_id=user_id, fields=["roles"]
    )
    return _read(user)


@write_service(Permission.MANAGE_USERS)
def set_active(
    session: Session, actor: Actor, *, user_id: int, active: bool, expected_version: int
) -> UserRead:
    user = _get(session, user_id, expected_version)
    if not active and user.username == actor.username:
        raise ValidationFailed([("active", "invalid.disable_self", {})])
    user.active = active
    if not active:
        user.sessions_valid_after = utc_now()
    else:
        user.failed_logins = 0
        user.locked_until = None
    session.flush()
    audit.record_write(
        session,
        actor,
        "user.enable" if active else "user.disable",
        table="user",
        record_id=user_id,
        fields=["active"],
    )
    return _read(user)


@write_service(Permission.MANAGE_USERS)
def reset_password(
    session: Session, actor: Actor, *, user_id: int, new_password: str, expected_version: int
) -> UserRead:
    _check_password(new_password)
    user = _get(session, user_id, expected_version)
    user.password_hash = hash_password(new_password)
    user.sessions_valid_after = utc_now()
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record_write(
        session,
        actor,
        "user.reset_password",
        table="user",
        record_id=user_id,
        fields=["password_hash"],
    )
    return _read(user)


@write_service(Permission.CHANGE_OWN_PASSWORD)
def change_own_password(
    session: Session, actor: Actor, *, current_password: str, new_password: str
) -> None:
    user = find_by_username(session, actor.username)
    if user is None or not user.active:
        raise NotFound(table="user", id=actor.username)
    if not verify_password(current_password, user.password_hash):
        audit.record(
            session,
            actor,
            "user.change_password",
            table="user",
            record_id=user.id,
            outcome="failed",
        )
        session.commit()
        raise ValidationFailed([("current_password", "invalid.current_password", {})])
    _check_password(new_password)
    user.password_hash = hash_password(new_password)
    # Every copy of this user's cookie, this browser's included, stops working.
    user.sessions_valid_after = utc_now()
    session.flush()
    audit.record_write(
        session,
        actor,
        "user.change_password",
        table="user",
        record_id=user.id,
        fields=["password_hash"],
    )


def list_users(session: Session, actor: Actor) -> list[UserRead]:
    require(session, actor, Permission.MANAGE_USERS, action="users.list_users")
    users = session.execute(select(User).order_by(User.username)).scalars().all()
    return [_read(user) for user in users]


def demo_users_exist(session: Session) -> bool:
    query = (
        select(func.count())
        .select_from(User)
        .where(col(User.is_demo).is_(True), col(User.active).is_(True))
    )
    return bool(session.execute(query).scalar())


def user_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(User)).scalar() or 0)
