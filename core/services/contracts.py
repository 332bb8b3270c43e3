"""Contracts with providers: the list, the detail, the lifecycle and amendments (duty 3.3).

The lifecycle allows only these steps: draft → in review → signed → active → ended, and
terminated (with a reason) from signed or active. Anything else is refused with the
reason and the steps that are allowed.

"Expiring" is derived, not a step: an active contract whose end is within the alert
horizon (the largest of the `contract_alert_days` setting, 90 days) is shown as expiring.
Rows stored with the status "expiring" (older data, the demo seed) are active contracts
for the lifecycle; writes store "active". So "active or expiring" in the database is one
set, exactly core.stats.ACTIVE_CONTRACT, and the Overview and this page count the same
contracts. A filter on "active" or "expiring" is decided by the end date in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlmodel import Session, col, select

from core import audit
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.models import (
    Contract,
    ContractAmendment,
    ContractKind,
    ContractStatus,
    Provider,
    ServiceForm,
)
from core.permissions import Actor, Permission, require, write_service
from core.settings import get_setting

S = ContractStatus
# Active for the lifecycle; the same set as core.stats.ACTIVE_CONTRACT (tested).
ACTIVE_STATUSES: tuple[ContractStatus, ...] = (S.ACTIVE, S.EXPIRING)
LIVE_STATUSES: tuple[ContractStatus, ...] = (S.SIGNED, S.ACTIVE, S.EXPIRING)
TRANSITIONS: dict[ContractStatus, tuple[ContractStatus, ...]] = {
    S.DRAFT: (S.IN_REVIEW,),
    S.IN_REVIEW: (S.SIGNED,),
    S.SIGNED: (S.ACTIVE, S.TERMINATED),
    S.ACTIVE: (S.ENDED, S.TERMINATED),
    S.ENDED: (),
    S.TERMINATED: (),
}
EDITABLE_STATUSES = (S.DRAFT, S.IN_REVIEW)
AMENDABLE_STATUSES = (S.SIGNED, S.ACTIVE)
# Statuses a user may filter by (the stored ones plus the derived "expiring").
FILTER_STATUSES: tuple[str, ...] = tuple(status.value for status in ContractStatus)


def lifecycle_status(stored: str) -> ContractStatus:
    """The lifecycle state of a stored status: "expiring" is an active contract."""
    status = ContractStatus(stored)
    return S.ACTIVE if status is S.EXPIRING else status


def horizon_days(session: Session) -> int:
    """How near its end an active contract counts as expiring (and alerts start)."""
    return max(int(days) for days in get_setting(session, "contract_alert_days"))


def shown_status(stored: str, end_date: date, today: date, horizon: int = 90) -> str:
    """The status a reader sees: an active contract near (or past) its end is expiring."""
    status = lifecycle_status(stored)
    if status is S.ACTIVE and end_date <= today + timedelta(days=horizon):
        return S.EXPIRING.value
    return status.value


def alert_bucket(days_left: int, alert_days: list[int]) -> int | None:
    """The alert a contract ending in `days_left` days is in: 30, 60 or 90 (as core.stats)."""
    if days_left < 0:
        return None
    return next((days for days in sorted(alert_days) if days_left <= days), None)


# --- input -------------------------------------------------------------------------------


class UnitPrice(BaseModel):
    form: ServiceForm
    minutes: int = Field(ge=1, le=600)
    price_cents: int = Field(ge=0, le=10_000_000)


class ContractInput(BaseModel):
    provider_id: int = Field(ge=1)
    number: str = Field(min_length=1, max_length=60)
    kind: ContractKind = ContractKind.TTTVT
    start_date: date
    end_date: date
    ceiling_cents: int = Field(ge=0, le=100_000_000_00)
    unit_prices: list[UnitPrice] = Field(default_factory=list)
    document_ref: str = Field(default="", max_length=100)
    notes: str = Field(default="", max_length=4000)

    @field_validator("number", "document_ref", "notes", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _dates_and_prices(self) -> ContractInput:
        problems: list[tuple[str, str, dict[str, Any]]] = []
        if self.end_date < self.start_date:
            problems.append(("contract.end_date", "invalid.contract.end_before_start", {}))
        seen = set()
        for price in self.unit_prices:
            key = (price.form, price.minutes)
            if key in seen:
                problems.append(("contract.unit_prices", "invalid.contract.unit_price_twice", {}))
                break
            seen.add(key)
        if problems:
            raise _Problems(problems)
        return self


class _Problems(ValueError):
    """Raised inside a validator to carry problems with their own keys out of pydantic."""

    def __init__(self, problems: list[tuple[str, str, dict[str, Any]]]) -> None:
        super().__init__("problems")
        self.problems = problems


class AmendmentInput(BaseModel):
    amended_on: date
    what_changed: str = Field(min_length=3, max_length=1000)
    new_ceiling_cents: int | None = Field(default=None, ge=0, le=100_000_000_00)
    new_end_date: date | None = None
    document_ref: str = Field(default="", max_length=100)

    @field_validator("what_changed", "document_ref", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


def validated(model: type[BaseModel], data: dict[str, Any], area: str) -> Any:
    """Validate input, or raise ValidationFailed naming each field (shared with invoices).

    Problems are named within the area ("contract.end_date", "invalid.contract.end_date"),
    so this feature's messages never collide with another feature's field of the same name.
    """
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: list[tuple[str, str, dict[str, Any]]] = []
        for item in error.errors():
            cause = (item.get("ctx") or {}).get("error")
            if isinstance(cause, _Problems):
                raise ValidationFailed(cause.problems) from error
            name = str(item["loc"][0]) if item["loc"] else "value"
            if all(existing[0] != f"{area}.{name}" for existing in problems):
                problems.append((f"{area}.{name}", f"invalid.{area}.{name}", {}))
        raise ValidationFailed(problems) from error


# --- read models -------------------------------------------------------------------------


@dataclass(frozen=True)
class AmendmentRead:
    id: int
    amended_on: date
    what_changed: str
    new_ceiling_cents: int | None
    new_end_date: date | None
    document_ref: str


@dataclass(frozen=True)
class ContractRow:
    id: int
    number: str
    provider_id: int
    provider_name: str
    kind: str
    stored_status: str
    status: str  # as shown: "expiring" derived from the end date
    start_date: date
    end_date: date
    days_left: int
    ceiling_cents: int
    alert_days: int | None  # 30, 60 or 90 when an end-of-contract alert applies


@dataclass(frozen=True)
class ContractDetail:
    row: ContractRow
    unit_prices: tuple[dict[str, Any], ...]
    document_ref: str
    notes: str
    termination_reason: str
    version: int
    amendments: tuple[AmendmentRead, ...]
    next_statuses: tuple[str, ...]
    editable: bool
    amendable: bool


def _row(
    contract: Contract, provider_name: str, today: date, horizon: int, alert_days: list[int]
) -> ContractRow:
    assert contract.id is not None
    days_left = (contract.end_date - today).days
    live = lifecycle_status(contract.status) in LIVE_STATUSES
    return ContractRow(
        id=contract.id,
        number=contract.number,
        provider_id=contract.provider_id,
        provider_name=provider_name,
        kind=contract.kind,
        stored_status=contract.status,
        status=shown_status(contract.status, contract.end_date, today, horizon),
        start_date=contract.start_date,
        end_date=contract.end_date,
        days_left=days_left,
        ceiling_cents=contract.ceiling_cents,
        alert_days=alert_bucket(days_left, alert_days) if live else None,
    )


def list_contracts(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: str | None = None,
    provider_id: int | None = None,
    ending_within_days: int | None = None,
) -> list[ContractRow]:
    """Contracts with filters: shown status, provider, and live ones ending within N days."""
    require(session, actor, Permission.VIEW_RECORDS, action="contracts.list_contracts")
    horizon = horizon_days(session)
    alert_days = [int(d) for d in get_setting(session, "contract_alert_days")]
    query = select(Contract, Provider.name).join(
        Provider, col(Provider.id) == col(Contract.provider_id)
    )
    near = today + timedelta(days=horizon)
    if status == S.EXPIRING.value:
        query = query.where(col(Contract.status).in_(ACTIVE_STATUSES), Contract.end_date <= near)
    elif status == S.ACTIVE.value:
        query = query.where(col(Contract.status).in_(ACTIVE_STATUSES), Contract.end_date > near)
    elif status:
        query = query.where(Contract.status == status)
    if provider_id:
        query = query.where(Contract.provider_id == provider_id)
    if ending_within_days is not None:
        query = query.where(
            col(Contract.status).in_(LIVE_STATUSES),
            Contract.end_date >= today,
            Contract.end_date <= today + timedelta(days=ending_within_days),
        )
    query = query.order_by(col(Contract.end_date), col(Contract.number))
    return [
        _row(contract, name, today, horizon, alert_days)
        for contract, name in session.execute(query).all()
    ]


def provider_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    require(session, actor, Permission.VIEW_RECORDS, action="contracts.provider_choices")
    rows = session.execute(select(Provider.id, Provider.name).order_by(col(Provider.name))).all()
    return [(int(provider_id), str(name)) for provider_id, name in rows]


def suggested_prices(session: Session, actor: Actor, *, provider_id: int) -> list[dict[str, Any]]:
    """The unit prices of the provider's latest contract: the start of a renewal."""
    require(session, actor, Permission.VIEW_RECORDS, action="contracts.suggested_prices")
    latest = session.exec(
        select(Contract)
        .where(Contract.provider_id == provider_id)
        .order_by(col(Contract.start_date).desc(), col(Contract.id).desc())
        .limit(1)
    ).first()
    return [dict(price) for price in latest.unit_prices] if latest else []


def get_contract(
    session: Session, actor: Actor, *, contract_id: int, today: date
) -> ContractDetail:
    require(session, actor, Permission.VIEW_RECORDS, action="contracts.get_contract")
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(table="contract", id=contract_id)
    provider = session.get(Provider, contract.provider_id)
    amendments = session.exec(
        select(ContractAmendment)
        .where(ContractAmendment.contract_id == contract_id)
        .order_by(col(ContractAmendment.amended_on), col(ContractAmendment.id))
    ).all()
    alert_days = [int(d) for d in get_setting(session, "contract_alert_days")]
    status = lifecycle_status(contract.status)
    return ContractDetail(
        row=_row(
            contract, provider.name if provider else "", today, horizon_days(session), alert_days
        ),
        unit_prices=tuple(dict(price) for price in contract.unit_prices),
        document_ref=contract.document_ref,
        notes=contract.notes,
        termination_reason=contract.termination_reason,
        version=contract.version,
        amendments=tuple(
            AmendmentRead(
                id=a.id or 0,
                amended_on=a.amended_on,
                what_changed=a.what_changed,
                new_ceiling_cents=a.new_ceiling_cents,
                new_end_date=a.new_end_date,
                document_ref=a.document_ref,
            )
            for a in amendments
        ),
        next_statuses=tuple(s.value for s in TRANSITIONS[status]),
        editable=status in EDITABLE_STATUSES,
        amendable=status in AMENDABLE_STATUSES,
    )


def ending_alerts(session: Session, actor: Actor, *, today: date) -> list[ContractRow]:
    """Live contracts within an end-of-contract alert (the same as on the Overview)."""
    rows = list_contracts(session, actor, today=today, ending_within_days=horizon_days(session))
    return [row for row in rows if row.alert_days is not None]


# --- writing -----------------------------------------------------------------------------


def _contract_values(data: ContractInput) -> dict[str, Any]:
    values = data.model_dump()
    values["kind"] = data.kind.value
    values["unit_prices"] = [
        {"form": p.form.value, "minutes": p.minutes, "price_cents": p.price_cents}
        for p in data.unit_prices
    ]
    return values


def _check_references(session: Session, values: dict[str, Any], except_id: int | None) -> None:
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if session.get(Provider, values["provider_id"]) is None:
        problems.append(("contract.provider_id", "invalid.contract.provider_id", {}))
    taken = session.exec(select(Contract.id).where(Contract.number == values["number"])).all()
    if any(found != except_id for found in taken):
        problems.append(("contract.number", "invalid.contract.number_taken", {}))
    if problems:
        raise ValidationFailed(problems)


@write_service(Permission.EDIT_RECORDS)
def create_contract(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    """A new contract starts as a draft."""
    values = _contract_values(validated(ContractInput, data, "contract"))
    _check_references(session, values, None)
    contract = Contract(**values, status=S.DRAFT.value)
    session.add(contract)
    session.flush()
    audit.record_write(
        session, actor, "contract.create", table="contract", record_id=contract.id, fields=values
    )
    assert contract.id is not None
    return contract.id


@write_service(Permission.EDIT_RECORDS)
def update_contract(
    session: Session,
    actor: Actor,
    *,
    contract_id: int,
    data: dict[str, Any],
    expected_version: int,
) -> None:
    """Change a draft or a contract in review; after signing, changes are amendments."""
    values = _contract_values(validated(ContractInput, data, "contract"))
    contract = get_for_update(session, Contract, contract_id, expected_version)
    if lifecycle_status(contract.status) not in EDITABLE_STATUSES:
        raise ValidationFailed(
            [("contract.status", "contract.edit_after_signing", {"current": contract.status})]
        )
    _check_references(session, values, contract_id)
    changed = [key for key, value in values.items() if getattr(contract, key) != value]
    for key in changed:
        setattr(contract, key, values[key])
    if changed:
        session.flush()
        audit.record_write(
            session,
            actor,
            "contract.update",
            table="contract",
            record_id=contract_id,
            fields=changed,
        )


def transition_problems(
    contract: Contract, wanted: str, *, reason: str, today: date
) -> list[tuple[str, str, dict[str, Any]]]:
    """Why a step is refused; empty when it is allowed. Used by the service and the page."""
    try:
        target = ContractStatus(wanted)
    except ValueError:
        return [("contract.status", "contract.transition.unknown", {"to": wanted})]
    current = lifecycle_status(contract.status)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        return [
            (
                "contract.status",
                "contract.transition.not_allowed" if allowed else "contract.transition.final",
                {
                    "from": current.value,
                    "to": target.value,
                    "allowed": [s.value for s in allowed],
                },
            )
        ]
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if target is S.TERMINATED and len(reason.strip()) < 3:
        problems.append(("contract.termination_reason", "contract.transition.reason_required", {}))
    if target is S.SIGNED and not contract.document_ref.strip():
        problems.append(("contract.document_ref", "contract.transition.document_required", {}))
    if target is S.ACTIVE:
        if not contract.unit_prices:
            problems.append(("contract.unit_prices", "contract.transition.prices_required", {}))
        if contract.start_date > today:
            problems.append(
                (
                    "contract.start_date",
                    "contract.transition.not_started",
                    {"start": contract.start_date},
                )
            )
        if contract.end_date < today:
            problems.append(
                (
                    "contract.end_date",
                    "contract.transition.already_over",
                    {"end": contract.end_date},
                )
            )
    return problems


@write_service(Permission.EDIT_RECORDS)
def change_status(
    session: Session,
    actor: Actor,
    *,
    contract_id: int,
    status: str,
    expected_version: int,
    today: date,
    reason: str = "",
) -> str:
    """Take one allowed lifecycle step; a refused step says why. Returns the stored status."""
    contract = get_for_update(session, Contract, contract_id, expected_version)
    problems = transition_problems(contract, status, reason=reason, today=today)
    if problems:
        raise ValidationFailed(problems)
    contract.status = ContractStatus(status).value
    fields = ["status"]
    if status == S.TERMINATED.value:
        contract.termination_reason = reason.strip()[:1000]
        fields.append("termination_reason")
    session.flush()
    audit.record_write(
        session, actor, "contract.status", table="contract", record_id=contract_id, fields=fields
    )
    return contract.status


@write_service(Permission.EDIT_RECORDS)
def add_amendment(
    session: Session,
    actor: Actor,
    *,
    contract_id: int,
    data: dict[str, Any],
    expected_version: int,
) -> int:
    """Record an amendment and apply its new ceiling or end date to the contract."""
    amendment = validated(AmendmentInput, data, "amendment")
    contract = get_for_update(session, Contract, contract_id, expected_version)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if lifecycle_status(contract.status) not in AMENDABLE_STATUSES:
        problems.append(
            ("contract.status", "contract.amend_not_allowed", {"current": contract.status})
        )
    if amendment.amended_on < contract.start_date:
        problems.append(("amendment.amended_on", "invalid.amendment.before_start", {}))
    if amendment.new_end_date is not None and amendment.new_end_date < contract.start_date:
        problems.append(("amendment.new_end_date", "invalid.contract.end_before_start", {}))
    if problems:
        raise ValidationFailed(problems)
    row = ContractAmendment(contract_id=contract_id, **amendment.model_dump())
    session.add(row)
    changed = []
    if (
        amendment.new_ceiling_cents is not None
        and amendment.new_ceiling_cents != contract.ceiling_cents
    ):
        contract.ceiling_cents = amendment.new_ceiling_cents
        changed.append("ceiling_cents")
    if amendment.new_end_date is not None and amendment.new_end_date != contract.end_date:
        contract.end_date = amendment.new_end_date
        changed.append("end_date")
    session.flush()
    audit.record_write(
        session,
        actor,
        "contract.amend",
        table="contract_amendment",
        record_id=row.id,
        fields=list(AmendmentInput.model_fields),
    )
    if changed:
        audit.record_write(
            session,
            actor,
            "contract.amended",
            table="contract",
            record_id=contract_id,
            fields=changed,
        )
    assert row.id is not None
    return row.id
