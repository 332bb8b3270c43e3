"""My account: change one's own password (every session of the user ends)."""

import streamlit as st

from core import db
from core.errors import DomainError
from core.permissions import Permission
from core.services import users
from ui import guard, widgets
from ui.i18n import tr

actor = guard.page(Permission.CHANGE_OWN_PASSWORD, title_key="account.title")

st.title(tr("account.title"))
st.text(f"{actor.name} ({actor.username})")

with st.form("change_password", clear_on_submit=True):
    st.subheader(tr("account.change_password"))
    current = st.text_input(tr("field.current_password"), type="password")
    new = st.text_input(tr("field.new_password"), type="password", help=tr("password.rules"))
    repeat = st.text_input(tr("field.repeat_password"), type="password")
    submitted = st.form_submit_button(tr("account.save_password"), type="primary")

if submitted:
    if new != repeat:
        st.error(tr("password.mismatch"))
    else:
        try:
            with db.write_session() as session:
                users.change_own_password(
                    session, actor, current_password=current, new_password=new
                )
        except DomainError as error:
            widgets.show_error(error)
        else:
            st.session_state["_flash"] = "account.password_changed"
            st.rerun()
