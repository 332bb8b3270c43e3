"""Tasks from the lead: the list, a new task (lead), one task with status and comments."""

import streamlit as st

from core import db
from core.errors import DomainError
from core.permissions import Permission
from core.services import tasks
from ui import guard, task_views, widgets
from ui.i18n import tr
from ui.info_common import view_switch

actor = guard.page(Permission.VIEW_RECORDS, title_key="tasks.title")
today = widgets.today()
params = st.query_params
if params.get("task") and params.get("view") != "detail":
    params["view"] = "detail"


def _open(task_id: int) -> None:
    st.session_state.pop("task_table", None)  # a kept selection would open it again
    params["task"] = str(task_id)
    params["view"] = "detail"
    st.rerun()


st.title(tr("tasks.title"))
view = view_switch(["open", "all", "detail"], "tasks_view", "tasks", clear=("task",))

if view in ("open", "all"):
    text = st.text_input(tr("tasks.search"), placeholder=tr("tasks.search_hint"))
    with db.read_session() as session:
        found = tasks.list_tasks(
            session,
            actor,
            today=today,
            statuses=list(tasks.OPEN_STATUSES) if view == "open" else None,
            text=text,
        )
    chosen = task_views.task_table(found)
    if chosen is not None:
        _open(chosen)
    created = task_views.new_task_form(actor)
    if created is not None:
        _open(created)
else:
    wanted = params.get("task")
    if wanted and wanted.isdigit():
        try:
            with db.read_session() as session:
                task = tasks.get_task(session, actor, task_id=int(wanted), today=today)
                comments = tasks.comments(session, actor, task_id=int(wanted))
        except DomainError as error:
            widgets.show_error(error)
            st.stop()
        task_views.task_detail(actor, task, comments)
    else:
        st.info(tr("tasks.choose"))
