"""Administration (role admin): users and roles, and the audit log with its export."""

from datetime import datetime, time, timedelta

import streamlit as st

from core import db
from core.errors import DomainError
from core.formatting import TALLINN, format_datetime
from core.models import Role
from core.permissions import Permission
from core.services import admin, users
from ui import guard, widgets
from ui.i18n import current_language, label, tr

actor = guard.page(Permission.MANAGE_USERS, title_key="admin.title")
lang = current_language()

st.title(tr("admin.title"))
users_tab, audit_tab = st.tabs([tr("admin.users"), tr("admin.audit")])
role_options = [role.value for role in Role]


def _run(action, success_key: str) -> None:  # type: ignore[no-untyped-def]
    try:
        with db.write_session() as session:
            action(session)
    except DomainError as error:
        widgets.show_error(error)
    else:
        st.success(tr(success_key))


with users_tab:
    with db.read_session() as session:
        people = users.list_users(session, actor)
    st.dataframe(
        [
            {
                tr("field.username"): person.username,
                tr("field.name"): person.name,
                tr("field.email"): person.email,
                tr("field.roles"): ", ".join(label(role, "Role") for role in person.roles),
                tr("field.active"): person.active,
                tr("admin.last_login"): format_datetime(person.last_login_at, lang),
                tr("admin.locked_until"): format_datetime(person.locked_until, lang)
                if person.locked_until
                else "",
            }
            for person in people
        ],
        hide_index=True,
        width="stretch",
    )

    with st.expander(tr("admin.add_user")), st.form("add_user", clear_on_submit=False):
        username = st.text_input(tr("field.username"), help=tr("admin.username_help"))
        name = st.text_input(tr("field.name"))
        email = st.text_input(tr("field.email"))
        roles = st.multiselect(
            tr("field.roles"), role_options, format_func=lambda r: label(r, "Role")
        )
        password = st.text_input(tr("field.password"), type="password", help=tr("password.rules"))
        if st.form_submit_button(tr("admin.create"), type="primary"):
            _run(
                lambda s: users.create_user(
                    s,
                    actor,
                    username=username,
                    name=name,
                    email=email,
                    roles=roles,
                    password=password,
                ),
                "admin.user_created",
            )

    st.subheader(tr("admin.edit_user"))
    by_name = {person.username: person for person in people}
    chosen = st.selectbox(
        tr("field.username"), list(by_name), index=None, placeholder=tr("admin.choose_user")
    )
    if chosen:
        person = by_name[chosen]
        with st.form("roles_form"):
            new_roles = st.multiselect(
                tr("field.roles"),
                role_options,
                default=list(person.roles),
                format_func=lambda r: label(r, "Role"),
            )
            if st.form_submit_button(tr("admin.save_roles")):
                _run(
                    lambda s: users.set_roles(
                        s,
                        actor,
                        user_id=person.id,
                        roles=new_roles,
                        expected_version=person.version,
                    ),
                    "admin.saved",
                )
        with st.form("password_form", clear_on_submit=True):
            new_password = st.text_input(
                tr("field.new_password"), type="password", help=tr("password.rules")
            )
            if st.form_submit_button(tr("admin.reset_password")):
                _run(
                    lambda s: users.reset_password(
                        s,
                        actor,
                        user_id=person.id,
                        new_password=new_password,
                        expected_version=person.version,
                    ),
                    "admin.password_reset",
                )
        toggle_key = "admin.disable" if person.active else "admin.enable"
        if st.button(tr(toggle_key), key="toggle_active"):
            _run(
                lambda s: users.set_active(
                    s,
                    actor,
                    user_id=person.id,
                    active=not person.active,
                    expected_version=person.version,
                ),
                "admin.saved",
            )

with audit_tab:
    columns = st.columns(4)
    who = columns[0].text_input(tr("audit.actor"))
    what = columns[1].text_input(tr("audit.action"))
    outcome = columns[2].selectbox(
        tr("audit.outcome"),
        ["", "ok", "failed", "refused", "locked"],
        format_func=lambda o: tr(f"audit.outcome.{o or 'any'}"),
    )
    today = widgets.today()
    period = columns[3].date_input(
        tr("audit.period"), value=(today - timedelta(days=30), today), format="DD.MM.YYYY"
    )
    since = until = None
    if isinstance(period, tuple) and len(period) == 2:
        since = datetime.combine(period[0], time.min, tzinfo=TALLINN)
        until = datetime.combine(period[1] + timedelta(days=1), time.min, tzinfo=TALLINN)
    filters = admin.AuditFilter(actor=who, action=what, outcome=outcome, since=since, until=until)
    with db.read_session() as session:
        entries = admin.list_audit(session, actor, filters)
    entries["at"] = entries["at"].map(lambda moment: format_datetime(moment, lang))
    st.caption(tr("audit.count", count=len(entries)))
    st.dataframe(
        entries.rename(columns=lambda c: tr(f"audit.column.{c}")), hide_index=True, width="stretch"
    )

    def _export() -> bytes:
        with db.read_session() as session:
            return admin.export_audit_csv(session, actor, filters)

    st.download_button(
        tr("audit.export"), data=_export, file_name="audit.csv", mime="text/csv", on_click="ignore"
    )
