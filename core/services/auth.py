"""Sign-in decisions made on the server: password check, lockout, session validity.

The login form belongs to streamlit-authenticator; whether a password is right, whether a
username is locked, and whether a cookie issued at some instant still counts is decided
here, against the database, so that logout, a password change or disabling a user ends
every copy of that user's cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from core import audit
from core.config import LOCKOUT_MINUTES, MAX_FAILED_LOGINS
from core.models import Role, utc_now
from core.permissions import Actor
from core.security import dummy_hash, verify_password
from core.services.users import find_by_username

USERNAME_LOG_LIMIT = 64


class LoginOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> LoginOutcome:
    """Check a login attempt and record it. The caller commits.

    Every path runs exactly one bcrypt verification, so response time tells nothing about
    whether the username exists or is locked.
    """
    now = now or utc_now()
    name = username.strip().lower()
    user = find_by_username(session, name)
    usable = user is not None and user.active
    password_ok = verify_password(password, user.password_hash if usable and user else dummy_hash())
    logged_name = name[:USERNAME_LOG_LIMIT] or "-"
    if not usable or user is None:
        audit.record(session, logged_name, "login", table="user", outcome="failed")
        return LoginOutcome.FAILED
    locked_until = _aware(user.locked_until)
    if locked_until is not None and locked_until > now:
        audit.record(
            session, logged_name, "login", table="user", record_id=user.id, outcome="locked"
        )
        return LoginOutcome.LOCKED
    if not password_ok:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
            user.failed_logins = 0
        audit.record(
            session, logged_name, "login", table="user", record_id=user.id, outcome="failed"
        )
        return LoginOutcome.FAILED
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, logged_name, "login", table="user", record_id=user.id)
    return LoginOutcome.OK


def is_session_current(session: Session, username: str, issued_at: datetime) -> bool:
    """True when the user is active and nothing has ended their sessions since `issued_at`."""
    user = find_by_username(session, username)
    if user is None or not user.active:
        return False
    valid_after = _aware(user.sessions_valid_after)
    return valid_after is None or _aware(issued_at) > valid_after  # type: ignore[operator]


def end_sessions(session: Session, username: str, *, now: datetime | None = None) -> None:
    """Logout: every cookie and open session of this user issued until now stops working."""
    user = find_by_username(session, username)
    if user is None:
        return
    user.sessions_valid_after = now or utc_now()
    audit.record(session, user.username, "logout", table="user", record_id=user.id)


def actor_for(session: Session, username: str) -> Actor | None:
    user = find_by_username(session, username)
    if user is None or not user.active:
        return None
    return Actor(
        username=user.username,
        roles=frozenset(Role(role) for role in user.roles),
        user_id=user.id,
        name=user.name,
    )


def credentials_for_login_form(session: Session) -> dict[str, dict[str, dict[str, object]]]:
    """The shape the authenticator wants, without password hashes: it never checks them."""
    from sqlmodel import col, select

    from core.models import User

    rows = session.execute(
        select(User.username, User.name, User.email, User.roles).where(col(User.active).is_(True))
    ).all()
    return {
        "usernames": {
            row.username: {"name": row.name, "email": row.email, "roles": list(row.roles)}
            for row in rows
        }
    }
