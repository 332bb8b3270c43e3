"""Sign-in decisions: passwords, lockout, and server-side invalidation of sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import db
from core.config import LOCKOUT_MINUTES, MAX_FAILED_LOGINS
from core.errors import ValidationFailed
from core.models import AuditEntry, Role, utc_now
from core.permissions import Actor
from core.services import auth, users
from core.services.auth import LoginOutcome


@pytest.fixture
def mari(engine, admin):
    with db.write_session() as session:
        return users.create_user(
            session,
            admin,
            username="mari",
            name="Mari Tamm",
            password="õige-parool-1",
            roles=["coordinator"],
        )


def _login(username: str, password: str, now=None) -> LoginOutcome:
    with db.write_session() as session:
        return auth.authenticate(session, username, password, now=now)


def test_the_right_password_signs_in_and_is_audited(mari):
    assert _login("mari", "õige-parool-1") is LoginOutcome.OK
    assert _login("MARI ", "õige-parool-1") is LoginOutcome.OK
    with db.read_session() as session:
        outcomes = (
            session.execute(select(AuditEntry.outcome).where(AuditEntry.action == "login"))
            .scalars()
            .all()
        )
    assert outcomes == ["ok", "ok"]


def test_a_wrong_password_and_an_unknown_user_fail_alike(mari):
    assert _login("mari", "vale-parool") is LoginOutcome.FAILED
    assert _login("keegi-teine", "vale-parool") is LoginOutcome.FAILED


def test_an_unknown_username_spends_one_password_check_like_a_known_one(mari, monkeypatch):
    calls = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda p, h: calls.append(h) or real(p, h))
    _login("mari", "vale-parool")
    _login("pole-olemas", "vale-parool")
    assert len(calls) == 2


def test_ten_failures_lock_the_username_for_fifteen_minutes_only(mari):
    start = utc_now()
    for attempt in range(MAX_FAILED_LOGINS):
        assert _login("mari", "vale", now=start + timedelta(seconds=attempt)) is LoginOutcome.FAILED
    during = start + timedelta(minutes=LOCKOUT_MINUTES - 1)
    assert _login("mari", "õige-parool-1", now=during) is LoginOutcome.LOCKED
    after = start + timedelta(minutes=LOCKOUT_MINUTES + 1)
    assert _login("mari", "õige-parool-1", now=after) is LoginOutcome.OK


def test_nine_failures_then_success_reset_the_count(mari):
    for _ in range(MAX_FAILED_LOGINS - 1):
        _login("mari", "vale")
    assert _login("mari", "õige-parool-1") is LoginOutcome.OK
    assert _login("mari", "vale") is LoginOutcome.FAILED
    assert _login("mari", "õige-parool-1") is LoginOutcome.OK


@pytest.mark.parametrize("password", ["ü" * 128, "x" * 200, "парольпароль" * 12, "🔐" * 40])
def test_long_and_multibyte_passwords_work_and_differ(engine, admin, password):
    with db.write_session() as session:
        users.create_user(
            session, admin, username="pikk", name="Pikk Parool", password=password, roles=["viewer"]
        )
    assert len(password.encode()) >= 128
    assert _login("pikk", password) is LoginOutcome.OK
    assert _login("pikk", password[:-1] + "a") is LoginOutcome.FAILED


def test_a_disabled_user_cannot_sign_in(mari, admin):
    with db.write_session() as session:
        users.set_active(
            session, admin, user_id=mari.id, active=False, expected_version=mari.version
        )
    assert _login("mari", "õige-parool-1") is LoginOutcome.FAILED


def test_logout_ends_every_session_issued_before_it(mari):
    issued = utc_now() - timedelta(minutes=5)
    with db.read_session() as session:
        assert auth.is_session_current(session, "mari", issued)
    with db.write_session() as session:
        auth.end_sessions(session, "mari")
    with db.read_session() as session:
        assert not auth.is_session_current(session, "mari", issued)
        assert auth.is_session_current(session, "mari", utc_now() + timedelta(seconds=1))


def test_password_change_ends_sessions_and_needs_the_current_password(mari):
    actor = Actor(username="mari", roles=frozenset({Role.COORDINATOR}), user_id=mari.id)
    issued = utc_now() - timedelta(minutes=1)
    with pytest.raises(ValidationFailed), db.write_session() as session:
        users.change_own_password(
            session, actor, current_password="vale", new_password="uus-parool-12"
        )
    with db.write_session() as session:
        users.change_own_password(
            session, actor, current_password="õige-parool-1", new_password="uus-parool-12"
        )
    with db.read_session() as session:
        assert not auth.is_session_current(session, "mari", issued)
    assert _login("mari", "uus-parool-12") is LoginOutcome.OK


def test_disabling_a_user_ends_their_sessions(mari, admin):
    issued = utc_now() - timedelta(minutes=1)
    with db.write_session() as session:
        users.set_active(
            session, admin, user_id=mari.id, active=False, expected_version=mari.version
        )
    with db.read_session() as session:
        assert not auth.is_session_current(session, "mari", issued)
        assert auth.actor_for(session, "mari") is None


def test_the_login_form_credentials_carry_no_password_hashes(mari):
    with db.read_session() as session:
        credentials = auth.credentials_for_login_form(session)
    assert credentials["usernames"]["mari"] == {
        "name": "Mari Tamm",
        "email": "",
        "roles": ["coordinator"],
    }


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("lühike", "password.too_short"),
        (" tühikuga-algab", "password.surrounding_space"),
        ("x" * 1025, "password.too_long"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(engine, admin, password, problem):
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        users.create_user(
            session,
            admin,
            username="nõrk".replace("õ", "o"),
            name="Nõrk",
            password=password,
            roles=["viewer"],
        )
    assert ("password", problem, {}) in refused.value.problems


def test_bad_user_fields_name_the_field(engine, admin):
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        users.create_user(
            session,
            admin,
            username="A B",
            name="X",
            email="pole-aadress",
            password="piisavalt-pikk",
            roles=[],
        )
    fields = {field for field, _key, _params in refused.value.problems}
    assert fields == {"username", "name", "email", "roles"}
