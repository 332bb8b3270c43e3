"""Drawing the Tasks page: the list, the lead's new-task form, one task with its status
form (coordinator) and comments (lead and coordinator)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.formatting import format_date, format_datetime
from core.models import Priority, TaskStatus
from core.permissions import Actor, Permission
from core.services import tasks
from core.services.tasks import CommentRead, TaskRead
from ui import widgets
from ui.i18n import current_language, label, tr
from ui.info_common import selected_row
from ui.widgets import write


def _due(task: TaskRead, lang: str) -> str:
    if task.due_on is None:
        return ""
    return ("! " if task.overdue else "") + format_date(task.due_on, lang)


def task_table(found: list[TaskRead]) -> int | None:
    lang = current_language()
    overdue = sum(1 for t in found if t.overdue)
    st.caption(tr("tasks.counts", shown=len(found), overdue=overdue))
    if not found:
        st.info(tr("tasks.none_found"))
        return None
    frame = pd.DataFrame(
        [
            {
                "due": _due(t, lang),
                "title": t.title,
                "priority": label(t.priority, "Priority"),
                "status": label(t.status, "TaskStatus"),
                "from": t.assigned_by,
                "comments": t.comment_count,
            }
            for t in found
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="task_table",
        column_config={
            "due": tr("field.task_due_on"),
            "title": tr("field.task_title"),
            "priority": tr("field.task_priority"),
            "status": tr("field.task_status"),
            "from": tr("tasks.assigned_by"),
            "comments": tr("tasks.comments"),
        },
    )
    st.caption(tr("tasks.select_hint"))
    row = selected_row(event)
    return found[row].id if row is not None and row < len(found) else None


def new_task_form(actor: Actor) -> int | None:
    if not actor.can(Permission.ASSIGN_TASKS):
        return None
    with st.form("task_form", clear_on_submit=True):
        st.markdown(f"**{tr('tasks.add')}**")
        title = st.text_input(tr("field.task_title"))
        description = st.text_area(tr("field.task_description"), height=100)
        cells = st.columns(2)
        due_on = cells[0].date_input(
            tr("field.task_due_on"), value=None, min_value=widgets.today(), format="DD.MM.YYYY"
        )
        priorities = [p.value for p in Priority]
        priority = cells[1].selectbox(
            tr("field.task_priority"),
            priorities,
            index=priorities.index("normal"),
            format_func=lambda p: label(p, "Priority"),
        )
        submitted = st.form_submit_button(tr("tasks.assign"), type="primary")
    if not submitted:
        return None
    created = write(
        actor,
        tasks.create_task,
        "tasks.created",
        data={"title": title, "description": description, "due_on": due_on, "priority": priority},
    )
    return int(created) if created else None


def task_detail(actor: Actor, task: TaskRead, comments: list[CommentRead]) -> None:
    lang = current_language()
    st.subheader(widgets.plain(task.title))
    st.caption(
        " · ".join(
            part
            for part in (
                label(task.status, "TaskStatus"),
                label(task.priority, "Priority"),
                tr("tasks.due_line", date=format_date(task.due_on, lang)) if task.due_on else "",
                tr("tasks.from_line", name=widgets.plain(task.assigned_by))
                if task.assigned_by
                else "",
            )
            if part
        )
    )
    if task.overdue:
        st.error(tr("tasks.overdue"), icon=":material/event_busy:")
    if task.description:
        st.text(task.description)
    if task.closing_note:
        st.markdown(f"**{tr('field.task_closing_note')}**")
        st.text(task.closing_note)
    _status_form(actor, task)
    st.markdown(f"**{tr('tasks.comments')}**")
    if comments:
        for comment in comments:
            with st.container(border=True):
                st.caption(
                    f"{widgets.plain(comment.author)} · {format_datetime(comment.created_at, lang)}"
                )
                st.text(comment.text)
    else:
        st.caption(tr("tasks.no_comments"))
    _comment_form(actor, task)


def _status_form(actor: Actor, task: TaskRead) -> None:
    if not actor.can(Permission.EDIT_RECORDS):
        return
    with st.form("status_form", border=True):
        st.markdown(f"**{tr('tasks.change_status')}**")
        cells = st.columns([2, 5])
        statuses = [s.value for s in TaskStatus]
        status = cells[0].selectbox(
            tr("field.task_status"),
            statuses,
            index=statuses.index(task.status) if task.status in statuses else 0,
            format_func=lambda s: label(s, "TaskStatus"),
        )
        note = cells[1].text_input(
            tr("field.task_closing_note"), help=tr("tasks.closing_note_help")
        )
        clicked = st.form_submit_button(tr("save"), type="primary")
    if clicked and write(
        actor,
        tasks.set_status,
        "tasks.saved",
        task_id=task.id,
        status=status,
        note=note,
        expected_version=task.version,
    ):
        st.rerun()


def _comment_form(actor: Actor, task: TaskRead) -> None:
    if not any(actor.can(p) for p in tasks.COMMENT_PERMISSIONS):
        return
    with st.form("comment_form", clear_on_submit=True):
        text = st.text_area(tr("field.task_comment"), height=80)
        clicked = st.form_submit_button(tr("tasks.add_comment"))
    if clicked and write(actor, tasks.add_comment, "tasks.commented", task_id=task.id, text=text):
        st.rerun()
