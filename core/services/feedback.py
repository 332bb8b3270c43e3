"""Feedback from clients, providers, partners and staff (duty 3.1), its follow-up, and the
theme list.

Feedback text is the most sensitive data in the tool: it is read only with
VIEW_FREE_TEXT (coordinator, lead), never by the viewer, and never written to the audit
log (entries name the fields only). Client feedback is anonymous: a client's text with
personal data in it (core.pii) is refused, and the page offers the redacted version.

Follow-up runs new -> reviewed -> acted on, never backwards; acting on it needs the
action taken. Any feedback can start a development proposal (core.services.proposals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlmodel import Session, col, func, select

from core import audit, pii
from core.dates import local_today
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.formatting import TALLINN
from core.models import (
    Event,
    EventStatus,
    Feedback,
    FeedbackChannel,
    FeedbackSource,
    FeedbackStatus,
    FeedbackTheme,
    Language,
    Proposal,
    ProposalOrigin,
    ProposalStatus,
    Provider,
)
from core.permissions import Actor, Permission, require, write_service

STATUS_ORDER: tuple[str, ...] = tuple(status.value for status in FeedbackStatus)
LIST_LIMIT = 500


_today = local_today


class FeedbackInput(BaseModel):
    source: FeedbackSource
    received_on: date
    channel: FeedbackChannel
    provider_id: int | None = None
    event_id: int | None = None
    language: Language = Language.ESTONIAN
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    recommend: int | None = Field(default=None, ge=0, le=10)
    text: str = Field(default="", max_length=8000)
    themes: list[str] = Field(default_factory=list)
    follow_up_needed: bool = False
    follow_up_due: date | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class FollowUpInput(BaseModel):
    status: FeedbackStatus
    follow_up_needed: bool = False
    follow_up_action: str = Field(default="", max_length=2000)
    follow_up_owner: str = Field(default="", max_length=200)
    follow_up_due: date | None = None
    themes: list[str] = Field(default_factory=list)

    @field_validator("follow_up_action", "follow_up_owner", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class ThemeInput(BaseModel):
    name: str = Field(min_length=2, max_length=80)

    @field_validator("name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return " ".join(value.split()) if isinstance(value, str) else value


@dataclass(frozen=True)
class FeedbackRead:
    id: int
    source: str
    received_on: date
    channel: str
    provider_id: int | None
    provider_name: str
    event_id: int | None
    language: str
    satisfaction: int | None
    recommend: int | None
    text: str
    themes: tuple[str, ...]
    status: str
    follow_up_needed: bool
    follow_up_action: str
    follow_up_owner: str
    follow_up_due: date | None
    proposal_id: int | None
    version: int


@dataclass(frozen=True)
class FeedbackFilter:
    status: str | None = None
    source: str | None = None
    theme: str | None = None
    follow_up_only: bool = False
    overdue_only: bool = False


@dataclass(frozen=True)
class ThemeRead:
    id: int
    name: str
    active: bool
    version: int


def _validated(model: type[BaseModel], data: dict[str, Any], area: str = "feedback") -> Any:
    """Validate input; each problem names `field.<area>.<name>` and `invalid.<area>.<name>`."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: list[tuple[str, str, dict[str, Any]]] = []
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "value"
            if all(existing[0] != f"{area}.{name}" for existing in problems):
                problems.append((f"{area}.{name}", f"invalid.{area}.{name}", {}))
        raise ValidationFailed(problems) from error


# --- personal data -----------------------------------------------------------------------


def check_text(session: Session, actor: Actor, *, text: str) -> pii.Report:
    """Personal data in a text about to be saved, and its redacted version."""
    require(session, actor, Permission.VIEW_RECORDS, action="feedback.check_text")
    return pii.scan(text, pii.known_names(session))


# --- choices for the entry form ------------------------------------------------------------


def provider_choices(session: Session, actor: Actor) -> dict[int, str]:
    require(session, actor, Permission.VIEW_RECORDS, action="feedback.provider_choices")
    rows = session.exec(select(Provider.id, Provider.name).order_by(col(Provider.name)))
    return {int(provider_id): name for provider_id, name in rows if provider_id is not None}


def event_choices(session: Session, actor: Actor) -> dict[int, tuple[str, date]]:
    """Events feedback can be about: held ones, newest first (and confirmed ones that began)."""
    require(session, actor, Permission.VIEW_RECORDS, action="feedback.event_choices")
    rows = session.exec(
        select(Event.id, Event.title, Event.start_at)
        .where(col(Event.status) != EventStatus.CANCELLED.value)
        .order_by(col(Event.start_at).desc())
        .limit(300)
    )
    return {
        int(event_id): (title, start.astimezone(TALLINN).date() if start.tzinfo else start.date())
        for event_id, title, start in rows
        if event_id is not None
    }


# --- themes --------------------------------------------------------------------------------


def list_themes(session: Session, actor: Actor, *, active_only: bool = True) -> list[ThemeRead]:
    """The theme tags; not sensitive, so every role that sees statistics may read them."""
    require(session, actor, Permission.VIEW_STATISTICS, action="feedback.list_themes")
    query = select(FeedbackTheme).order_by(col(FeedbackTheme.name))
    if active_only:
        query = query.where(col(FeedbackTheme.active).is_(True))
    return [
        ThemeRead(id=row.id or 0, name=row.name, active=row.active, version=row.version)
        for row in session.exec(query)
    ]


@write_service(Permission.EDIT_RECORDS)
def create_theme(session: Session, actor: Actor, *, name: str) -> int:
    data = _validated(ThemeInput, {"name": name}, "theme")
    existing = session.exec(
        select(FeedbackTheme.id).where(func.lower(FeedbackTheme.name) == data.name.lower())
    ).first()
    if existing is not None:
        raise ValidationFailed([("theme.name", "invalid.theme.taken", {})])
    row = FeedbackTheme(name=data.name, active=True)
    session.add(row)
    session.flush()
    audit.record_write(
        session, actor, "feedback.theme_create", table="feedback_theme", record_id=row.id,
        fields=["name", "active"],
    )  # fmt: skip
    assert row.id is not None
    return row.id


@write_service(Permission.EDIT_RECORDS)
def set_theme_active(
    session: Session, actor: Actor, *, theme_id: int, active: bool, expected_version: int
) -> None:
    """Retire a theme (it stays on old feedback and in the statistics) or bring it back."""
    row = get_for_update(session, FeedbackTheme, theme_id, expected_version)
    if row.active != active:
        row.active = active
        session.flush()
        audit.record_write(
            session, actor, "feedback.theme_active", table="feedback_theme", record_id=theme_id,
            fields=["active"],
        )  # fmt: skip


def _check_themes(session: Session, themes: list[str], allowed_extra: set[str]) -> list[str]:
    active = set(session.exec(select(FeedbackTheme.name).where(col(FeedbackTheme.active))))
    unknown = [name for name in themes if name not in active and name not in allowed_extra]
    if unknown:
        raise ValidationFailed(
            [("feedback.themes", "invalid.feedback.themes", {"value": ", ".join(unknown)})]
        )
    return list(dict.fromkeys(themes))


# --- entry -----------------------------------------------------------------------------


def _check_references(session: Session, data: FeedbackInput, today: date) -> None:
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if data.received_on > today:
        problems.append(("feedback.received_on", "invalid.future_date", {}))
    if data.provider_id is not None and session.get(Provider, data.provider_id) is None:
        problems.append(("feedback.provider_id", "invalid.feedback.provider_id", {}))
    if data.event_id is not None and session.get(Event, data.event_id) is None:
        problems.append(("feedback.event_id", "invalid.feedback.event_id", {}))
    if data.channel is FeedbackChannel.EVENT and data.event_id is None:
        problems.append(("feedback.event_id", "invalid.feedback.event_required", {}))
    if data.follow_up_needed and data.follow_up_due is None:
        problems.append(("feedback.follow_up_due", "invalid.feedback.follow_up_due", {}))
    if data.satisfaction is None and data.recommend is None and not data.text:
        problems.append(("feedback.text", "invalid.feedback.empty", {}))
    if problems:
        raise ValidationFailed(problems)


def anonymous_text_problems(
    session: Session, source: str, text: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """Client feedback may hold no personal data; names the kinds found."""
    if source != FeedbackSource.CLIENT.value or not text:
        return []
    report = pii.scan(text, pii.known_names(session))
    if report.clean:
        return []
    return [
        (
            "feedback.text",
            "invalid.feedback.personal_data",
            {"kinds": [k.value for k in report.kinds()]},
        )
    ]


@write_service(Permission.EDIT_RECORDS)
def create_feedback(
    session: Session, actor: Actor, *, data: dict[str, Any], today: date | None = None
) -> int:
    """Save one piece of feedback. A client's text must be free of personal data."""
    checked: FeedbackInput = _validated(FeedbackInput, data)
    _check_references(session, checked, today or _today())
    problems = anonymous_text_problems(session, checked.source.value, checked.text)
    if problems:
        raise ValidationFailed(problems)
    themes = _check_themes(session, checked.themes, set())
    row = Feedback(
        source=checked.source.value,
        received_on=checked.received_on,
        channel=checked.channel.value,
        provider_id=checked.provider_id,
        event_id=checked.event_id,
        language=checked.language.value,
        satisfaction=checked.satisfaction,
        recommend=checked.recommend,
        text=checked.text,
        themes=themes,
        status=FeedbackStatus.NEW.value,
        follow_up_needed=checked.follow_up_needed,
        follow_up_due=checked.follow_up_due if checked.follow_up_needed else None,
    )
    session.add(row)
    session.flush()
    fields = [name for name, value in checked.model_dump().items() if value not in (None, "", [])]
    audit.record_write(
        session, actor, "feedback.create", table="feedback", record_id=row.id, fields=fields
    )
    assert row.id is not None
    return row.id


# --- follow-up ---------------------------------------------------------------------------


@write_service(Permission.EDIT_RECORDS)
def update_follow_up(
    session: Session,
    actor: Actor,
    *,
    feedback_id: int,
    data: dict[str, Any],
    expected_version: int,
) -> None:
    """Move the status forward, and record the action, its owner and due date, and themes."""
    checked: FollowUpInput = _validated(FollowUpInput, data)
    row = get_for_update(session, Feedback, feedback_id, expected_version)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if STATUS_ORDER.index(checked.status.value) < STATUS_ORDER.index(row.status):
        problems.append(("feedback.status", "invalid.feedback.status_backwards", {}))
    if checked.status is FeedbackStatus.ACTED_ON and not checked.follow_up_action:
        problems.append(("feedback.follow_up_action", "invalid.feedback.follow_up_action", {}))
    if (
        checked.follow_up_needed
        and checked.status is not FeedbackStatus.ACTED_ON
        and checked.follow_up_due is None
    ):
        problems.append(("feedback.follow_up_due", "invalid.feedback.follow_up_due", {}))
    if problems:
        raise ValidationFailed(problems)
    themes = _check_themes(session, checked.themes, set(row.themes))
    values = {
        "status": checked.status.value,
        "follow_up_needed": checked.follow_up_needed,
        "follow_up_action": checked.follow_up_action,
        "follow_up_owner": checked.follow_up_owner,
        "follow_up_due": checked.follow_up_due,
        "themes": themes,
    }
    changed = [key for key, value in values.items() if getattr(row, key) != value]
    for key in changed:
        setattr(row, key, values[key])
    if changed:
        session.flush()
        audit.record_write(
            session, actor, "feedback.follow_up", table="feedback", record_id=feedback_id,
            fields=changed,
        )  # fmt: skip


@write_service(Permission.EDIT_RECORDS)
def start_proposal(
    session: Session,
    actor: Actor,
    *,
    feedback_id: int,
    title: str,
    rationale: str = "",
    expected_effect: str = "",
    expected_version: int,
) -> int:
    """A draft development proposal with this feedback as its origin, linked to it."""
    from core.services.proposals import ProposalInput

    row = get_for_update(session, Feedback, feedback_id, expected_version)
    if row.proposal_id is not None:
        raise ValidationFailed([("feedback.proposal_id", "invalid.feedback.proposal_linked", {})])
    checked = _validated(
        ProposalInput,
        {
            "title": title,
            "rationale": rationale,
            "origin": ProposalOrigin.FEEDBACK.value,
            "expected_effect": expected_effect,
        },
        "proposal",
    )
    proposal = Proposal(**checked.model_dump(mode="json"), status=ProposalStatus.DRAFT.value)
    session.add(proposal)
    session.flush()
    row.proposal_id = proposal.id
    session.flush()
    audit.record_write(
        session, actor, "proposal.create", table="proposal", record_id=proposal.id,
        fields=["title", "rationale", "origin", "expected_effect", "status"],
    )  # fmt: skip
    audit.record_write(
        session, actor, "feedback.link_proposal", table="feedback", record_id=feedback_id,
        fields=["proposal_id"],
    )  # fmt: skip
    assert proposal.id is not None
    return proposal.id


@write_service(Permission.EDIT_RECORDS)
def link_proposal(
    session: Session,
    actor: Actor,
    *,
    feedback_id: int,
    proposal_id: int | None,
    expected_version: int,
) -> None:
    """Link feedback to an existing proposal (or unlink it with None)."""
    row = get_for_update(session, Feedback, feedback_id, expected_version)
    if proposal_id is not None and session.get(Proposal, proposal_id) is None:
        raise ValidationFailed([("feedback.proposal_id", "invalid.feedback.proposal_id", {})])
    if row.proposal_id != proposal_id:
        row.proposal_id = proposal_id
        session.flush()
        audit.record_write(
            session, actor, "feedback.link_proposal", table="feedback", record_id=feedback_id,
            fields=["proposal_id"],
        )  # fmt: skip


# --- reading -----------------------------------------------------------------------------


def _read(row: Feedback, provider_name: str) -> FeedbackRead:
    assert row.id is not None
    return FeedbackRead(
        id=row.id,
        source=row.source,
        received_on=row.received_on,
        channel=row.channel,
        provider_id=row.provider_id,
        provider_name=provider_name,
        event_id=row.event_id,
        language=row.language,
        satisfaction=row.satisfaction,
        recommend=row.recommend,
        text=row.text,
        themes=tuple(row.themes),
        status=row.status,
        follow_up_needed=row.follow_up_needed,
        follow_up_action=row.follow_up_action,
        follow_up_owner=row.follow_up_owner,
        follow_up_due=row.follow_up_due,
        proposal_id=row.proposal_id,
        version=row.version,
    )


def get_feedback(session: Session, actor: Actor, *, feedback_id: int) -> FeedbackRead:
    require(session, actor, Permission.VIEW_RECORDS, action="feedback.get_feedback")
    require(session, actor, Permission.VIEW_FREE_TEXT, action="feedback.get_feedback")
    row = session.get(Feedback, feedback_id)
    if row is None:
        raise NotFound(table="feedback", id=feedback_id)
    name = ""
    if row.provider_id is not None:
        provider = session.get(Provider, row.provider_id)
        name = provider.name if provider else ""
    return _read(row, name)


def theme_condition(theme: str) -> Any:
    """Feedback whose JSON theme list holds `theme`, in SQLite and PostgreSQL alike.

    The list is stored as JSON text written by json.dumps, so the quoted name (with its
    escapes) is a substring of it; LIKE's own wildcards are escaped with "!".
    """
    import json

    from sqlalchemy import String, cast

    quoted = json.dumps(theme)
    escaped = quoted.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return cast(Feedback.themes, String).like(f"%{escaped}%", escape="!")


def list_feedback(
    session: Session,
    actor: Actor,
    *,
    filters: FeedbackFilter | None = None,
    today: date | None = None,
    limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """The feedback list with its texts: for roles that may read free text only."""
    require(session, actor, Permission.VIEW_RECORDS, action="feedback.list_feedback")
    require(session, actor, Permission.VIEW_FREE_TEXT, action="feedback.list_feedback")
    filters = filters or FeedbackFilter()
    query = (
        select(Feedback, Provider.name)
        .join(Provider, col(Provider.id) == col(Feedback.provider_id), isouter=True)
        .order_by(col(Feedback.received_on).desc(), col(Feedback.id).desc())
    )
    if filters.status:
        query = query.where(Feedback.status == filters.status)
    if filters.source:
        query = query.where(Feedback.source == filters.source)
    if filters.theme:
        query = query.where(theme_condition(filters.theme))
    if filters.follow_up_only or filters.overdue_only:
        query = query.where(
            col(Feedback.follow_up_needed).is_(True),
            col(Feedback.status) != FeedbackStatus.ACTED_ON.value,
        )
    if filters.overdue_only:
        query = query.where(col(Feedback.follow_up_due) < (today or _today()))
    rows = [_read(row, name or "") for row, name in session.exec(query.limit(limit))]
    columns = [
        "id", "received_on", "source", "channel", "provider_name", "satisfaction", "recommend",
        "themes", "text", "status", "follow_up_due", "follow_up_owner", "proposal_id", "version",
    ]  # fmt: skip
    return pd.DataFrame(
        [
            {
                "id": r.id,
                "received_on": r.received_on,
                "source": r.source,
                "channel": r.channel,
                "provider_name": r.provider_name,
                "satisfaction": r.satisfaction,
                "recommend": r.recommend,
                "themes": ", ".join(r.themes),
                "text": r.text,
                "status": r.status,
                "follow_up_due": r.follow_up_due if r.follow_up_needed else None,
                "follow_up_owner": r.follow_up_owner,
                "proposal_id": r.proposal_id,
                "version": r.version,
            }
            for r in rows
        ],
        columns=columns,
    )
