"""Overview KPIs and alerts, each one SQL aggregation in the database.

Counts about clients and sessions pass through small-cell suppression here, before any
page sees them. The viewer receives the aggregate tiles only: no alert list, because
alerts name providers, specialists and materials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core import budget, caps
from core.cache import cache_key, cached
from core.dates import add_months
from core.formatting import TALLINN
from core.models import (
    Case,
    ContactLog,
    Contract,
    ContractStatus,
    Event,
    EventStatus,
    Feedback,
    Material,
    OnboardingStatus,
    Partner,
    Provider,
    Qualification,
    Specialist,
    Task,
    TaskStatus,
    TherapySession,
    utc_now,
)
from core.permissions import Actor, Permission, require
from core.services import events
from core.services.providers import ready_provider_count
from core.settings import get_setting, suppression_k
from core.suppression import Count, suppress

LIVE_CONTRACT = (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.EXPIRING)
ACTIVE_CONTRACT = (ContractStatus.ACTIVE, ContractStatus.EXPIRING)
OPEN_TASK = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
UPCOMING_EVENT = (EventStatus.PLANNED, EventStatus.CONFIRMED)
ALERT_LIMIT = 60


@dataclass(frozen=True)
class Tile:
    """One KPI. `count` is suppressed where it is about people; `amount` is money in cents."""

    key: str
    count: Count | None = None
    previous: Count | None = None
    amount_cents: int | None = None
    previous_amount_cents: int | None = None
    mean: float | None = None
    responses: Count | None = None
    page: str | None = None


@dataclass(frozen=True)
class Alert:
    kind: str
    severity: str  # "high", "medium", "low"
    on: date | None
    subject: str
    table: str
    record_id: int | None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Overview:
    tiles: list[Tile]
    alerts: list[Alert]
    alert_total: int
    k: int


def _scalar(session: Session, query: Any) -> Any:
    return session.execute(query).scalar()


def _count(session: Session, model: Any, *conditions: Any) -> int:
    query = select(func.count()).select_from(model)
    for condition in conditions:
        query = query.where(condition)
    return int(_scalar(session, query) or 0)


def _sessions_between(session: Session, start: date, end: date) -> tuple[int, int]:
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(TherapySession.cost_cents), 0)).where(
            TherapySession.session_date >= start, TherapySession.session_date <= end
        )
    ).one()
    return int(row[0]), int(row[1])


def waiting_cases(session: Session, today: date, days: int) -> int:
    started = func.coalesce(Case.decision_date, Case.referral_date)
    return _count(
        session,
        Case,
        col(Case.first_session_date).is_(None),
        col(Case.closed_date).is_(None),
        started <= today - timedelta(days=days),
    )


def overview(session: Session, actor: Actor, *, today: date) -> Overview:
    """The Overview's tiles and alerts; built once per data version, day and kind of reader
    (every write advances the version, so a cached Overview is never stale)."""
    require(session, actor, Permission.VIEW_OVERVIEW, action="stats.overview")
    full = actor.can(Permission.VIEW_ALERTS)
    return cached(
        cache_key(session, "overview", today, full), lambda: _overview(session, full, today)
    )


def _overview(session: Session, full: bool, today: date) -> Overview:
    k = suppression_k(session)
    warn_months = int(get_setting(session, "qualification_warning_months"))
    waiting_days = int(get_setting(session, "waiting_target_days"))

    month_start = today.replace(day=1)
    last_month_start = add_months(month_start, -1)
    last_month_same_day = min(add_months(today, -1), month_start - timedelta(days=1))
    sessions_now, cost_now = _sessions_between(session, month_start, today)
    sessions_before, cost_before = _sessions_between(session, last_month_start, last_month_same_day)
    shown_now, shown_before = suppress(sessions_now, k), suppress(sessions_before, k)

    satisfaction = session.execute(
        select(func.avg(col(Feedback.satisfaction)), func.count(col(Feedback.satisfaction))).where(
            Feedback.received_on > today - timedelta(days=90), Feedback.received_on <= today
        )
    ).one()
    responses = suppress(int(satisfaction[1] or 0), k)
    waiting = suppress(waiting_cases(session, today, waiting_days), k)

    tiles = [
        Tile(
            "providers_ready",
            count=Count(ready_provider_count(session, on=today), k),
            page="providers",
        ),
        Tile(
            "active_providers",
            count=Count(
                _count(session, Provider, Provider.onboarding_status == OnboardingStatus.ACTIVE), k
            ),
            page="providers",
        ),
        Tile(
            "active_contracts",
            count=Count(_count(session, Contract, col(Contract.status).in_(ACTIVE_CONTRACT)), k),
            page="contracts",
        ),
        Tile("sessions_month", count=shown_now, previous=shown_before),
        Tile(
            "cost_month",
            amount_cents=None if shown_now.suppressed else cost_now,
            previous_amount_cents=None if shown_before.suppressed else cost_before,
        ),
        Tile("cases_waiting", count=waiting),
        Tile(
            "satisfaction_90d",
            mean=None if responses.suppressed or not responses.value else float(satisfaction[0]),
            responses=responses,
            page="feedback",
        ),
    ]
    if full:
        live_specialist = col(Specialist.active).is_(True)
        qual_join = (
            select(func.count())
            .select_from(Qualification)
            .join(Specialist, col(Specialist.id) == col(Qualification.specialist_id))
            .where(live_specialist)
        )
        expired = int(
            _scalar(session, qual_join.where(col(Qualification.valid_until) < today)) or 0
        )
        expiring = int(
            _scalar(
                session,
                qual_join.where(
                    col(Qualification.valid_until) >= today,
                    col(Qualification.valid_until) <= add_months(today, warn_months),
                ),
            )
            or 0
        )
        now = utc_now()
        tiles += [
            Tile(
                "contracts_ending_60",
                count=Count(
                    _count(
                        session,
                        Contract,
                        col(Contract.status).in_(LIVE_CONTRACT),
                        Contract.end_date >= today,
                        Contract.end_date <= today + timedelta(days=60),
                    ),
                    k,
                ),
                page="contracts",
            ),
            Tile("qualifications_expired", count=Count(expired, k), page="providers"),
            Tile("qualifications_expiring", count=Count(expiring, k), page="providers"),
            Tile(
                "upcoming_events",
                count=Count(
                    _count(
                        session,
                        Event,
                        col(Event.status).in_(UPCOMING_EVENT),
                        Event.start_at >= now,
                        Event.start_at
                        <= now
                        + timedelta(days=int(get_setting(session, "overview_upcoming_event_days"))),
                    ),
                    k,
                ),
                page="calendar",
            ),
            Tile(
                "materials_overdue",
                count=Count(_count(session, Material, col(Material.next_review_on) < today), k),
                page="materials",
            ),
            Tile(
                "open_tasks",
                count=Count(_count(session, Task, col(Task.status).in_(OPEN_TASK)), k),
                page="tasks",
            ),
        ]
    alerts: list[Alert] = []
    if full:
        alerts = _alerts(
            session,
            today=today,
            warn_months=warn_months,
            waiting=waiting,
            waiting_days=waiting_days,
        )
    order = {"high": 0, "medium": 1, "low": 2}
    alerts.sort(key=lambda a: (order[a.severity], a.on or date.max))
    return Overview(tiles=tiles, alerts=alerts[:ALERT_LIMIT], alert_total=len(alerts), k=k)


def _alerts(
    session: Session, *, today: date, warn_months: int, waiting: Count, waiting_days: int
) -> list[Alert]:
    alerts: list[Alert] = []
    horizon = add_months(today, warn_months)
    qualifications = session.execute(
        sa_select(
            col(Qualification.id),
            col(Qualification.kind),
            col(Qualification.valid_until),
            col(Specialist.name),
            col(Specialist.id),
        )
        .join(Specialist, col(Specialist.id) == col(Qualification.specialist_id))
        .where(col(Specialist.active).is_(True), col(Qualification.valid_until) <= horizon)
    ).all()
    for qualification_id, kind, valid_until, name, specialist_id in qualifications:
        if valid_until < today:
            kind_key, severity = "qualification_expired", "high"
        elif valid_until <= add_months(today, 1):
            kind_key, severity = "qualification_expiring_1", "high"
        elif valid_until <= add_months(today, 3):
            kind_key, severity = "qualification_expiring_3", "medium"
        else:
            kind_key, severity = "qualification_expiring_6", "low"
        alerts.append(
            Alert(
                kind_key,
                severity,
                valid_until,
                name,
                "specialist",
                specialist_id,
                {"qualification": kind, "qualification_id": qualification_id},
            )
        )

    unverified_days = int(get_setting(session, "unverified_alert_days"))
    stale = datetime.combine(today - timedelta(days=unverified_days), time.min, tzinfo=TALLINN)
    for created_at, name, specialist_id, kind in session.execute(
        select(
            col(Qualification.created_at),
            col(Specialist.name),
            col(Specialist.id),
            col(Qualification.kind),
        )
        .join(Specialist, col(Specialist.id) == col(Qualification.specialist_id))
        .where(
            col(Specialist.active).is_(True),
            col(Qualification.verified_at).is_(None),
            Qualification.created_at < stale,
        )
    ).all():
        alerts.append(
            Alert(
                "qualification_unverified",
                "medium",
                created_at.date(),
                name,
                "specialist",
                specialist_id,
                {"qualification": kind},
            )
        )

    alert_days = sorted(int(days) for days in get_setting(session, "contract_alert_days"))
    for contract_id, number, end_date, provider_name in session.execute(
        select(col(Contract.id), col(Contract.number), col(Contract.end_date), col(Provider.name))
        .join(Provider, col(Provider.id) == col(Contract.provider_id))
        .where(
            col(Contract.status).in_(LIVE_CONTRACT),
            Contract.end_date >= today,
            Contract.end_date <= today + timedelta(days=max(alert_days)),
        )
    ).all():
        left = (end_date - today).days
        bucket = next(days for days in alert_days if left <= days)
        severity = (
            "high" if bucket == alert_days[0] else "medium" if bucket != alert_days[-1] else "low"
        )
        alerts.append(
            Alert(
                f"contract_ending_{bucket}",
                severity,
                end_date,
                f"{number} · {provider_name}",
                "contract",
                contract_id,
                {"days": left},
            )
        )

    for item in budget.warnings(session, today=today):
        alerts.append(
            Alert(
                "contract_budget_over" if item.share > 1 else "contract_budget_80",
                "high" if item.share > 1 else "medium",
                item.forecast_on if item.runs_out_before_end else None,
                f"{item.number} · {item.provider_name}",
                "contract",
                item.contract_id,
                {"share": round(item.share * 100)},
            )
        )

    over_cap = suppress(caps.cap_counts(session)[1], suppression_k(session))
    if over_cap.value != 0:
        alerts.append(Alert("cases_over_cap", "medium", None, over_cap.display(), "case", None))

    if waiting.value != 0:
        alerts.append(
            Alert(
                "cases_waiting",
                "high",
                None,
                waiting.display(),
                "case",
                None,
                {"days": waiting_days},
            )
        )

    for material_id, title, next_review in session.execute(
        select(col(Material.id), col(Material.title), col(Material.next_review_on)).where(
            col(Material.next_review_on) < today
        )
    ).all():
        alerts.append(
            Alert("material_overdue", "medium", next_review, title, "material", material_id)
        )

    for task_id, title, due in session.execute(
        select(col(Task.id), col(Task.title), col(Task.due_on)).where(
            col(Task.status).in_(OPEN_TASK), col(Task.due_on) < today
        )
    ).all():
        alerts.append(Alert("task_overdue", "high", due, title, "task", task_id))

    step_days = int(get_setting(session, "partner_next_step_alert_days"))
    for partner_id, partner_name, next_step, step_on in session.execute(
        select(
            col(Partner.id),
            col(Partner.name),
            col(ContactLog.next_step),
            col(ContactLog.next_step_on),
        )
        .join(Partner, col(Partner.id) == col(ContactLog.partner_id))
        .where(
            col(ContactLog.next_step_on) >= today,
            col(ContactLog.next_step_on) <= today + timedelta(days=step_days),
        )
    ).all():
        alerts.append(
            Alert(
                "partner_next_step",
                "low",
                step_on,
                f"{partner_name} · {next_step}" if next_step else partner_name,
                "partner",
                partner_id,
                {"days": step_days},
            )
        )

    for feedback_id, due in session.execute(
        select(col(Feedback.id), col(Feedback.follow_up_due)).where(
            col(Feedback.follow_up_needed).is_(True),
            Feedback.status != "acted_on",
            col(Feedback.follow_up_due) < today,
        )
    ).all():
        alerts.append(
            Alert(
                "feedback_follow_up_overdue",
                "medium",
                due,
                f"#{feedback_id}",
                "feedback",
                feedback_id,
            )
        )

    supervision = events.supervision_status(session, today=today)
    if supervision.overdue:
        alerts.append(
            Alert(
                "supervision_overdue",
                "medium",
                supervision.due_on,
                "",
                "event",
                None,
                {"days": supervision.frequency_days},
            )
        )
    if events.info_day_required(session):
        attended = events.info_day_attendance(session, on=today)
        for provider_id, provider_name in session.execute(
            select(col(Provider.id), col(Provider.name)).where(
                col(Provider.onboarding_status) == OnboardingStatus.ACTIVE.value
            )
        ).all():
            if provider_id not in attended:
                alerts.append(
                    Alert("info_day_missing", "low", None, provider_name, "provider", provider_id)
                )
    return alerts
