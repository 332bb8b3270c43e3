"""One-off tasks from the lead (duties 3.12-3.13).

The lead assigns a task (ASSIGN_TASKS) and may comment on it; that is the lead's only
write here. The coordinator (EDIT_RECORDS) moves the task along, comments, and closes it
with a note. Neither may do the other's part: both are checked here, not in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.db import get_for_update
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.models import Priority, Task, TaskComment, TaskStatus, User
from core.permissions import Actor, Permission, require, write_service
from core.services.info_common import problems_from, strip, tallinn_today

OPEN_STATUSES = (TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value)
CLOSED_STATUSES = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value)
# Who may write a comment: the lead who assigns and the coordinator who does the work.
COMMENT_PERMISSIONS = (Permission.ASSIGN_TASKS, Permission.EDIT_RECORDS)


class TaskInput(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=4000)
    due_on: date | None = None
    priority: Priority = Priority.NORMAL

    @field_validator("title", "description", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value) if value is not None else ""


@dataclass(frozen=True)
class CommentRead:
    id: int
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class TaskRead:
    id: int
    title: str
    description: str
    assigned_by: str
    due_on: date | None
    status: str
    priority: str
    closing_note: str
    created_at: datetime
    version: int
    comment_count: int
    overdue: bool

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    return status in OPEN_STATUSES and due_on is not None and due_on < today


# --- reading -----------------------------------------------------------------------------


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    today: date,
    statuses: list[str] | None = None,
    text: str = "",
) -> list[TaskRead]:
    """Tasks, the open ones by due date first; `statuses` None means every status."""
    require(session, actor, Permission.VIEW_RECORDS, action="tasks.list_tasks")
    comments = (
        select(TaskComment.task_id, func.count().label("n"))
        .group_by(col(TaskComment.task_id))
        .subquery()
    )
    query = (
        select(Task, User.name, comments.c.n)
        .join(User, col(User.id) == col(Task.assigned_by_id), isouter=True)
        .join(comments, comments.c.task_id == col(Task.id), isouter=True)
    )
    if statuses is not None:
        query = query.where(col(Task.status).in_(statuses))
    wanted = text.strip().lower()
    found = []
    for task, name, count in session.execute(query).all():
        if wanted and wanted not in task.title.lower() and wanted not in task.description.lower():
            continue
        found.append(_read(task, name, int(count or 0), today))
    found.sort(
        key=lambda t: (
            not t.is_open,
            t.due_on or date.max,
            {"high": 0, "normal": 1}.get(t.priority, 2),
        )
    )
    return found


def _read(task: Task, assigned_by: str | None, comments: int, today: date) -> TaskRead:
    return TaskRead(
        id=task.id or 0,
        title=task.title,
        description=task.description,
        assigned_by=assigned_by or "",
        due_on=task.due_on,
        status=task.status,
        priority=task.priority,
        closing_note=task.closing_note,
        created_at=task.created_at,
        version=task.version,
        comment_count=comments,
        overdue=is_overdue(task.status, task.due_on, today),
    )


def get_task(session: Session, actor: Actor, *, task_id: int, today: date) -> TaskRead:
    require(session, actor, Permission.VIEW_RECORDS, action="tasks.get_task")
    row = session.execute(
        select(Task, User.name)
        .join(User, col(User.id) == col(Task.assigned_by_id), isouter=True)
        .where(Task.id == task_id)
    ).first()
    if row is None:
        raise NotFound(table="task", id=task_id)
    count = session.execute(
        select(func.count()).select_from(TaskComment).where(TaskComment.task_id == task_id)
    ).scalar()
    return _read(row[0], row[1], int(count or 0), today)


def comments(session: Session, actor: Actor, *, task_id: int) -> list[CommentRead]:
    require(session, actor, Permission.VIEW_RECORDS, action="tasks.comments")
    rows = session.execute(
        select(TaskComment, User.name)
        .join(User, col(User.id) == col(TaskComment.author_id), isouter=True)
        .where(TaskComment.task_id == task_id)
        .order_by(col(TaskComment.created_at), col(TaskComment.id))
    ).all()
    return [
        CommentRead(id=c.id or 0, author=name or "", text=c.text, created_at=c.created_at)
        for c, name in rows
    ]


# --- writing -----------------------------------------------------------------------------


@write_service(Permission.ASSIGN_TASKS)
def create_task(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    """The lead assigns a task; it starts open."""
    try:
        checked = TaskInput.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(problems_from(error, "task")) from error
    if checked.due_on and checked.due_on < tallinn_today():
        raise ValidationFailed([("task_due_on", "invalid.task_due_in_past", {})])
    values = checked.model_dump()
    values["priority"] = checked.priority.value
    task = Task(assigned_by_id=actor.user_id, status=TaskStatus.OPEN.value, **values)
    session.add(task)
    session.flush()
    assert task.id is not None
    audit.record_write(
        session, actor, "task.create", table="task", record_id=task.id, fields=values
    )
    return task.id


def add_comment(session: Session, actor: Actor, *, task_id: int, text: str) -> int:
    """The lead or the coordinator writes a comment; anyone else is refused and audited."""
    if not any(actor.can(permission) for permission in COMMENT_PERMISSIONS):
        require(session, actor, COMMENT_PERMISSIONS[0], action="tasks.add_comment")
        raise PermissionDenied(permission=COMMENT_PERMISSIONS[0].value, action="tasks.add_comment")
    cleaned = (text or "").strip()
    if not 1 <= len(cleaned) <= 2000:
        raise ValidationFailed([("task_comment", "invalid.task_comment", {})])
    if session.get(Task, task_id) is None:
        raise NotFound(table="task", id=task_id)
    comment = TaskComment(task_id=task_id, author_id=actor.user_id, text=cleaned)
    session.add(comment)
    session.flush()
    assert comment.id is not None
    audit.record_write(
        session, actor, "task.comment", table="task_comment", record_id=comment.id, fields=["text"]
    )
    return comment.id


@write_service(Permission.EDIT_RECORDS)
def set_status(
    session: Session,
    actor: Actor,
    *,
    task_id: int,
    status: str,
    expected_version: int,
    note: str = "",
) -> None:
    """Move a task along. Done or cancelled needs a closing note; reopening keeps the old one."""
    try:
        wanted = TaskStatus(status)
    except ValueError as error:
        raise ValidationFailed([("task_status", "invalid.task_status", {})]) from error
    cleaned = (note or "").strip()
    if wanted.value in CLOSED_STATUSES and not cleaned:
        raise ValidationFailed([("task_closing_note", "invalid.task_closing_note", {})])
    if len(cleaned) > 2000:
        raise ValidationFailed([("task_closing_note", "invalid.task_closing_note_long", {})])
    task = get_for_update(session, Task, task_id, expected_version)
    changed = []
    if task.status != wanted.value:
        task.status = wanted.value
        changed.append("status")
    if cleaned and task.closing_note != cleaned:
        task.closing_note = cleaned
        changed.append("closing_note")
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "task.status", table="task", record_id=task_id, fields=changed
        )


@write_service(Permission.EDIT_RECORDS)
def close_task(
    session: Session, actor: Actor, *, task_id: int, note: str, expected_version: int
) -> None:
    """Done, with a note that says what was done."""
    set_status(
        session,
        actor,
        task_id=task_id,
        status=TaskStatus.DONE.value,
        note=note,
        expected_version=expected_version,
    )
