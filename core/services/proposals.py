"""Development proposals to the service manager (duties 3.4 and 3.12).

A proposal runs draft -> submitted -> accepted or rejected -> done (only an accepted one
is carried out). The coordinator creates, edits (while a draft), submits and marks done
with EDIT_RECORDS; the lead decides on submitted proposals with DECIDE_PROPOSALS, which
is the lead's only write here. The decision keeps its text, date and who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from core import audit
from core.dates import local_today
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.models import Feedback, Proposal, ProposalOrigin, ProposalStatus, User
from core.permissions import Actor, Permission, require, write_service

DECISIONS = (ProposalStatus.ACCEPTED.value, ProposalStatus.REJECTED.value)


_today = local_today


class ProposalInput(BaseModel):
    title: str = Field(min_length=3, max_length=200)
    rationale: str = Field(default="", max_length=4000)
    origin: ProposalOrigin = ProposalOrigin.MONITORING
    expected_effect: str = Field(default="", max_length=2000)

    @field_validator("title", "rationale", "expected_effect", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class DecisionInput(BaseModel):
    decision: str
    decision_text: str = Field(min_length=3, max_length=2000)
    decided_on: date

    @field_validator("decision_text", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class ProposalRead:
    id: int
    title: str
    rationale: str
    origin: str
    expected_effect: str
    status: str
    decision_text: str
    decided_on: date | None
    decided_by: str
    feedback_ids: tuple[int, ...]
    version: int


def _validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """Validate input; each problem names `field.proposal.<name>` / `invalid.proposal.<name>`."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: list[tuple[str, str, dict[str, Any]]] = []
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "value"
            if all(existing[0] != f"proposal.{name}" for existing in problems):
                problems.append((f"proposal.{name}", f"invalid.proposal.{name}", {}))
        raise ValidationFailed(problems) from error


def _need_status(row: Proposal, *allowed: ProposalStatus) -> None:
    if row.status not in {status.value for status in allowed}:
        raise ValidationFailed(
            [("proposal.status", "invalid.proposal.status", {"current": row.status})]
        )


# --- reading -----------------------------------------------------------------------------


def list_proposals(session: Session, actor: Actor, *, status: str | None = None) -> pd.DataFrame:
    require(session, actor, Permission.VIEW_RECORDS, action="proposals.list_proposals")
    linked = (
        select(Feedback.proposal_id, func.count().label("feedback"))
        .where(col(Feedback.proposal_id).is_not(None))
        .group_by(col(Feedback.proposal_id))
        .subquery()
    )
    query = (
        sa_select(
            col(Proposal.id),
            col(Proposal.title),
            col(Proposal.origin),
            col(Proposal.status),
            col(Proposal.decided_on),
            col(Proposal.updated_at),
            func.coalesce(linked.c.feedback, 0),
            col(Proposal.version),
        )
        .join(linked, linked.c.proposal_id == col(Proposal.id), isouter=True)
        .order_by(col(Proposal.updated_at).desc(), col(Proposal.id).desc())
    )
    if status:
        query = query.where(col(Proposal.status) == status)
    columns = [
        "id", "title", "origin", "status", "decided_on", "updated_at", "feedback", "version",
    ]  # fmt: skip
    return pd.DataFrame([tuple(row) for row in session.execute(query).all()], columns=columns)


def get_proposal(session: Session, actor: Actor, *, proposal_id: int) -> ProposalRead:
    require(session, actor, Permission.VIEW_RECORDS, action="proposals.get_proposal")
    row = session.get(Proposal, proposal_id)
    if row is None:
        raise NotFound(table="proposal", id=proposal_id)
    decided_by = ""
    if row.decided_by_id is not None:
        user = session.get(User, row.decided_by_id)
        decided_by = (user.name or user.username) if user else ""
    feedback_ids = tuple(
        int(i)
        for i in session.exec(
            select(Feedback.id)
            .where(Feedback.proposal_id == proposal_id)
            .order_by(col(Feedback.id))
        )
        if i is not None
    )
    assert row.id is not None
    return ProposalRead(
        id=row.id,
        title=row.title,
        rationale=row.rationale,
        origin=row.origin,
        expected_effect=row.expected_effect,
        status=row.status,
        decision_text=row.decision_text,
        decided_on=row.decided_on,
        decided_by=decided_by,
        feedback_ids=feedback_ids,
        version=row.version,
    )


def count_by_status(session: Session, actor: Actor) -> dict[str, int]:
    require(session, actor, Permission.VIEW_RECORDS, action="proposals.count_by_status")
    rows = session.exec(select(Proposal.status, func.count()).group_by(col(Proposal.status)))
    return {status: int(count) for status, count in rows}


# --- the coordinator's writes --------------------------------------------------------------


@write_service(Permission.EDIT_RECORDS)
def create_proposal(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    checked: ProposalInput = _validated(ProposalInput, data)
    row = Proposal(**checked.model_dump(mode="json"), status=ProposalStatus.DRAFT.value)
    session.add(row)
    session.flush()
    audit.record_write(
        session, actor, "proposal.create", table="proposal", record_id=row.id,
        fields=[*checked.model_dump(), "status"],
    )  # fmt: skip
    assert row.id is not None
    return row.id


@write_service(Permission.EDIT_RECORDS)
def update_proposal(
    session: Session, actor: Actor, *, proposal_id: int, data: dict[str, Any], expected_version: int
) -> None:
    """Edit a proposal while it is a draft; once submitted, its text is what was decided on."""
    checked: ProposalInput = _validated(ProposalInput, data)
    row = get_for_update(session, Proposal, proposal_id, expected_version)
    _need_status(row, ProposalStatus.DRAFT)
    values = checked.model_dump(mode="json")
    changed = [key for key, value in values.items() if getattr(row, key) != value]
    for key in changed:
        setattr(row, key, values[key])
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "proposal.update", table="proposal", record_id=proposal_id,
            fields=changed,
        )  # fmt: skip


@write_service(Permission.EDIT_RECORDS)
def submit_proposal(
    session: Session, actor: Actor, *, proposal_id: int, expected_version: int
) -> None:
    row = get_for_update(session, Proposal, proposal_id, expected_version)
    _need_status(row, ProposalStatus.DRAFT)
    if not row.rationale.strip():
        raise ValidationFailed([("proposal.rationale", "invalid.proposal.rationale_required", {})])
    row.status = ProposalStatus.SUBMITTED.value
    session.flush()
    audit.record_write(
        session, actor, "proposal.submit", table="proposal", record_id=proposal_id,
        fields=["status"],
    )  # fmt: skip


@write_service(Permission.EDIT_RECORDS)
def mark_done(session: Session, actor: Actor, *, proposal_id: int, expected_version: int) -> None:
    row = get_for_update(session, Proposal, proposal_id, expected_version)
    _need_status(row, ProposalStatus.ACCEPTED)
    row.status = ProposalStatus.DONE.value
    session.flush()
    audit.record_write(
        session, actor, "proposal.done", table="proposal", record_id=proposal_id,
        fields=["status"],
    )  # fmt: skip


# --- the lead's decision -------------------------------------------------------------------


@write_service(Permission.DECIDE_PROPOSALS)
def decide_proposal(
    session: Session,
    actor: Actor,
    *,
    proposal_id: int,
    decision: str,
    decision_text: str,
    expected_version: int,
    decided_on: date | None = None,
) -> None:
    """Accept or reject a submitted proposal, with the reasons and the date."""
    checked: DecisionInput = _validated(
        DecisionInput,
        {
            "decision": decision,
            "decision_text": decision_text,
            "decided_on": decided_on or _today(),
        },
    )
    if checked.decision not in DECISIONS:
        raise ValidationFailed([("proposal.decision", "invalid.proposal.decision", {})])
    if checked.decided_on > _today():
        raise ValidationFailed([("proposal.decided_on", "invalid.future_date", {})])
    row = get_for_update(session, Proposal, proposal_id, expected_version)
    _need_status(row, ProposalStatus.SUBMITTED)
    row.status = checked.decision
    row.decision_text = checked.decision_text
    row.decided_on = checked.decided_on
    row.decided_by_id = actor.user_id
    session.flush()
    audit.record_write(
        session, actor, "proposal.decide", table="proposal", record_id=proposal_id,
        fields=["status", "decision_text", "decided_on", "decided_by_id"],
    )  # fmt: skip
