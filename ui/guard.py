"""The first call of every page: start-up checks, sign-in, permission, shared sidebar.

Streamlit runs `pages/X.py` directly for a deep link, without `app.py`, so each page
calls `page()` first; it stops the run unless the visitor is signed in, still valid on
the server, and allowed to see the page. See DESIGN.md, "Why every page guards itself".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from core import audit, db
from core.bootstrap import StartState, check_production, prepare_database
from core.config import (
    COOKIE_LIFETIME_HOURS,
    COOKIE_NAME,
    ConfigError,
    Settings,
    load_settings,
    resolve_cookie_key,
)
from core.models import utc_now
from core.permissions import Actor, Permission
from core.services import auth
from core.services.users import demo_users_exist
from core.statistics import store as statistics_store
from ui import nav
from ui.i18n import language_switch, tr

COOKIE_LIFETIME_SECONDS = COOKIE_LIFETIME_HOURS * 3600
_AUTH_AT = "_auth_at"
_FLASH = "_flash"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    cookie_key: str
    start: StartState


# Once per process and configuration: migrate, fill reference data, seed an empty checkout.
@st.cache_resource(show_spinner="Valmistan andmebaasi ette … / Preparing the database …")
def _runtime(database_url: str, data_dir: str, app_env: str, secret_key: str | None) -> Runtime:
    settings = load_settings()
    key = resolve_cookie_key(settings, secret_key)
    state = prepare_database(settings, seed_if_empty=True)
    check_production(settings, key, state)
    if not settings.is_test:
        statistics_store.prewarm(db.get_engine(settings.database_url))
    return Runtime(settings=settings, cookie_key=key.value, start=state)


def _secret_cookie_key() -> str | None:
    try:
        value = st.secrets.get("cookie_key")
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return None
    return str(value) if value else None


def runtime() -> Runtime:
    settings = load_settings()
    try:
        return _runtime(
            settings.database_url, str(settings.data_dir), settings.app_env, _secret_cookie_key()
        )
    except ConfigError as error:
        st.error(tr("start.refused", reason=str(error)))
        st.stop()
        raise  # st.stop() raises; this line is for the type checker


def page(permission: Permission | None, *, title_key: str) -> Actor:
    """Authenticate, authorise and draw the sidebar; return who is asking or stop the run."""
    st.set_page_config(page_title=f"{tr(title_key)} · TTTVT", page_icon="🧭", layout="wide")
    state = runtime()
    _demo_banner()
    authenticator = _authenticator(state)
    with st.sidebar:
        language_switch()
    _screen_cookie(state)
    _login_form(authenticator)
    if not st.session_state.get("authentication_status"):
        st.stop()
    actor = _current_actor()
    if actor is None:
        _forget_session()
        st.session_state[_FLASH] = "login.session_ended"
        st.rerun()
    assert actor is not None
    _sidebar(actor, authenticator)
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.info(tr(flash))
    if permission is not None and not actor.can(permission):
        with db.write_session() as session:
            audit.record(
                session,
                actor,
                "page_refused",
                table="",
                fields=[permission.value],
                outcome="refused",
            )
        st.error(tr("error.page_refused"))
        st.stop()
    return actor


def _demo_banner() -> None:
    with db.read_session() as session:
        demo = demo_users_exist(session)
    if demo:
        st.warning(tr("demo.banner"), icon="⚠️")


def _authenticator(state: Runtime) -> stauth.Authenticate:
    with db.read_session() as session:
        credentials = auth.credentials_for_login_form(session)
    options = {}
    if state.settings.login_sleep_seconds is not None:
        options["login_sleep_time"] = state.settings.login_sleep_seconds
    authenticator = stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=state.cookie_key,
        cookie_expiry_days=COOKIE_LIFETIME_HOURS / 24,
        auto_hash=False,
        **options,
    )
    # The library checks passwords against its in-memory dictionary; this app decides in
    # core, against the database, with lockout and audit.
    model = authenticator.authentication_controller.authentication_model
    model.check_credentials = _check_credentials
    return authenticator


def _check_credentials(username: str, password: str) -> bool:
    with db.write_session() as session:
        outcome = auth.authenticate(session, username, password)
    if outcome is auth.LoginOutcome.OK:
        st.session_state[_AUTH_AT] = utc_now()
        return True
    return False


def _screen_cookie(state: Runtime) -> None:
    """Ignore a cookie the server no longer honours (logout, password change, disabled)."""
    if st.session_state.get("authentication_status"):
        return
    token = st.context.cookies.get(COOKIE_NAME)
    if not token:
        return
    current = False
    try:
        payload = jwt.decode(token, state.cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        payload = None
    if payload and payload.get("username") and float(payload.get("exp_date", 0)) > time.time():
        issued = datetime.fromtimestamp(float(payload["exp_date"]) - COOKIE_LIFETIME_SECONDS, UTC)
        with db.read_session() as session:
            current = auth.is_session_current(session, str(payload["username"]), issued)
        if current:
            st.session_state[_AUTH_AT] = issued
    # The authenticator skips the cookie for this browser session while "logout" is set.
    st.session_state["logout"] = not current


def _login_form(authenticator: stauth.Authenticate) -> None:
    fields = {
        "Form name": tr("login.title"),
        "Username": tr("login.username"),
        "Password": tr("login.password"),
        "Login": tr("login.submit"),
    }
    try:
        authenticator.login(location="main", fields=fields, key="login")
    except LoginError:
        st.session_state["authentication_status"] = False
    if st.session_state.get("authentication_status") is False:
        st.error(tr("login.failed"))


def _current_actor() -> Actor | None:
    username = st.session_state.get("username")
    auth_at = st.session_state.get(_AUTH_AT)
    if not username or auth_at is None:
        return None
    with db.read_session() as session:
        if not auth.is_session_current(session, username, auth_at):
            return None
        return auth.actor_for(session, username)


def _forget_session() -> None:
    for key in ("name", "username", "authentication_status", "email", "roles", _AUTH_AT):
        st.session_state[key] = None
    st.session_state["logout"] = True


def _end_sessions(details: dict[str, object]) -> None:
    username = str(details.get("username") or "")
    if username:
        with db.write_session() as session:
            auth.end_sessions(session, username)


def _sidebar(actor: Actor, authenticator: stauth.Authenticate) -> None:
    navigation = st.sidebar.container()
    authenticator.logout(
        button_name=tr("logout"), location="sidebar", key="logout_button", callback=_end_sessions
    )
    if not st.session_state.get("authentication_status"):
        st.session_state[_AUTH_AT] = None
        st.success(tr("logout.done"))
        _login_form(authenticator)
        st.stop()
    with navigation:
        st.markdown(f"**{tr('app.name')}**")
        for spec in nav.allowed_pages(actor):
            st.page_link(spec.path, label=tr(spec.label_key), icon=spec.icon)
        st.divider()
        st.caption(tr("sidebar.signed_in_as"))
        st.text(f"{actor.name} ({actor.username})")
        st.caption(", ".join(tr(f"enum.Role.{role}") for role in sorted(actor.roles)))
