"""What is due: one list, from every capability, of everything with a date."""

import streamlit as st

from core import db, due
from core.permissions import Permission
from core.settings import get_setting
from ui import due_views, guard, widgets
from ui.i18n import tr

actor = guard.page(Permission.VIEW_RECORDS, title_key="due.title")
today = widgets.today()

st.title(tr("due.title"))
st.caption(tr("due.caption"))
with db.read_session() as session:
    default_horizon = int(get_setting(session, "due_horizon_days"))
chosen = due_views.filters(default_horizon)
with db.read_session() as session:
    items = due.gather(session, actor, today=today, filters=chosen)
selected = due_views.due_table(actor, items)
due_views.item_actions(actor, selected)
due_views.calendar_download(actor, chosen)
