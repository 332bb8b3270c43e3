"""Providers, their onboarding steps, specialists and qualifications (duty 3.3).

Everything a provider needs before it may take clients is decided here: the onboarding
status follows from the recorded steps, a provider is made active only when nothing is
missing (and the refusal lists what), and the compliance engine says which specialists
may provide which service on a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, Field, StringConstraints, ValidationError, field_validator
from sqlmodel import Session, col, select

from core import audit
from core.compliance import (
    PROVIDER_REQUIREMENTS,
    Eligibility,
    ProviderReadiness,
    QualificationFacts,
    QualificationStatus,
    Reason,
    evaluate,
    provider_readiness,
    qualification_status,
)
from core.dates import local_today
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.models import (
    County,
    EmailAddress,
    Language,
    LegalForm,
    OnboardingStatus,
    OnboardingStep,
    OnboardingStepKind,
    Profession,
    Provider,
    Qualification,
    QualificationKind,
    RegistryCode,
    ServiceForm,
    Specialist,
    VerificationSource,
    utc_now,
)
from core.permissions import Actor, Permission, require, write_service
from core.services import events

STEP_ORDER: tuple[OnboardingStepKind, ...] = tuple(OnboardingStepKind)
# The status the steps reach, checked from the last step backwards.
STATUS_AFTER_STEP: tuple[tuple[OnboardingStepKind, OnboardingStatus], ...] = (
    (OnboardingStepKind.INFO_SESSION_ATTENDED, OnboardingStatus.INFO_SESSION_ATTENDED),
    (OnboardingStepKind.CONTRACT_SIGNED, OnboardingStatus.CONTRACT_SIGNED),
    (OnboardingStepKind.QUALIFICATIONS_VERIFIED, OnboardingStatus.QUALIFICATIONS_VERIFIED),
    (OnboardingStepKind.QUALIFICATION_PROOF, OnboardingStatus.DOCUMENTS_CHECKED),
)
# Statuses the coordinator sets; steps never overwrite them.
MANUAL_STATUSES = frozenset(
    {OnboardingStatus.ACTIVE, OnboardingStatus.SUSPENDED, OnboardingStatus.ENDED}
)
# Everything before the public list is needed to become active; the listing comes after.
ACTIVATION_REQUIREMENTS: tuple[str, ...] = (
    "eligible_specialist",
    *(f"step:{step.value}" for step in STEP_ORDER if step is not OnboardingStepKind.PUBLIC_LIST),
)
PHONE = r"^\+?[0-9][0-9 ()-]{5,19}$"
PhoneNumber = Annotated[str, StringConstraints(pattern=PHONE, strip_whitespace=True)]


class ProviderInput(BaseModel):
    """A provider as the coordinator enters it; every rule names its field."""

    name: str = Field(min_length=2, max_length=200)
    registry_code: RegistryCode
    legal_form: LegalForm = LegalForm.OU
    contact_person: str = Field(default="", max_length=200)
    email: EmailAddress
    phone: PhoneNumber | None = None
    address: str = Field(default="", max_length=300)
    counties: list[County] = Field(min_length=1)
    languages: list[Language] = Field(min_length=1)
    service_forms: list[ServiceForm] = Field(min_length=1)
    notes: str = Field(default="", max_length=4000)

    @field_validator("name", "contact_person", "address", "notes", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("registry_code", mode="before")
    @classmethod
    def _digits_only(cls, value: Any) -> Any:
        return re.sub(r"\s", "", value) if isinstance(value, str) else value

    @field_validator("phone", mode="before")
    @classmethod
    def _empty_phone(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class SpecialistInput(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    profession: Profession = Profession.OTHER
    email: EmailAddress | None = None
    languages: list[Language] = Field(min_length=1)
    counties: list[County] = Field(default_factory=list)
    active: bool = True

    @field_validator("name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("email", mode="before")
    @classmethod
    def _empty_email(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class QualificationInput(BaseModel):
    kind: QualificationKind
    certificate_number: str = Field(default="", max_length=60)
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    issuer: str = Field(default="", max_length=200)
    valid_from: date | None = None
    valid_until: date | None = None
    document_ref: str = Field(default="", max_length=100)


@dataclass(frozen=True)
class QualificationRead:
    id: int
    kind: str
    certificate_number: str
    eqf_level: int | None
    issuer: str
    valid_from: date | None
    valid_until: date | None
    verified_by_id: int | None
    verified_at: Any
    source: str
    document_ref: str
    status: QualificationStatus
    version: int


@dataclass(frozen=True)
class SpecialistRead:
    id: int
    provider_id: int
    name: str
    profession: str
    email: str
    languages: tuple[str, ...]
    counties: tuple[str, ...]
    active: bool
    version: int
    eligibility: Eligibility
    qualifications: tuple[QualificationRead, ...]


@dataclass(frozen=True)
class StepRead:
    step: str
    done_on: date
    done_by_id: int | None
    document_ref: str
    version: int


@dataclass(frozen=True)
class ProviderDetail:
    id: int
    name: str
    registry_code: str
    legal_form: str
    contact_person: str
    email: str
    phone: str
    address: str
    counties: tuple[str, ...]
    languages: tuple[str, ...]
    service_forms: tuple[str, ...]
    onboarding_status: str
    notes: str
    version: int
    steps: tuple[StepRead, ...]
    specialists: tuple[SpecialistRead, ...]
    readiness: ProviderReadiness
    activation: ProviderReadiness

    @property
    def steps_done(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class ProviderFilter:
    text: str = ""
    county: str | None = None
    language: str | None = None
    service_form: str | None = None
    status: str | None = None
    compliance: str | None = None  # ready, not_ready, expired, expiring, unverified


COMPLIANCE_FILTERS = ("ready", "not_ready", "expired", "expiring", "unverified")


# --- reading -----------------------------------------------------------------------------


def _facts(row: Qualification) -> QualificationFacts:
    return QualificationFacts(
        kind=row.kind,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        verified=row.verified_at is not None,
        id=row.id,
    )


def _qualification_read(row: Qualification, on: date) -> QualificationRead:
    assert row.id is not None
    return QualificationRead(
        id=row.id,
        kind=row.kind,
        certificate_number=row.certificate_number,
        eqf_level=row.eqf_level,
        issuer=row.issuer,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        verified_by_id=row.verified_by_id,
        verified_at=row.verified_at,
        source=row.source,
        document_ref=row.document_ref,
        status=qualification_status(_facts(row), on),
        version=row.version,
    )


def _specialist_read(
    row: Specialist, qualifications: list[Qualification], on: date
) -> SpecialistRead:
    assert row.id is not None
    return SpecialistRead(
        id=row.id,
        provider_id=row.provider_id,
        name=row.name,
        profession=row.profession,
        email=row.email,
        languages=tuple(row.languages),
        counties=tuple(row.counties),
        active=row.active,
        version=row.version,
        eligibility=evaluate([_facts(q) for q in qualifications], on),
        qualifications=tuple(_qualification_read(q, on) for q in qualifications),
    )


def _load_people(
    session: Session, provider_ids: list[int] | None, on: date
) -> dict[int, list[SpecialistRead]]:
    query = select(Specialist).order_by(col(Specialist.name))
    if provider_ids is not None:
        query = query.where(col(Specialist.provider_id).in_(provider_ids))
    specialists = list(session.exec(query))
    ids = [s.id for s in specialists]
    by_specialist: dict[int, list[Qualification]] = {}
    if ids:
        for qualification in session.exec(
            select(Qualification)
            .where(col(Qualification.specialist_id).in_(ids))
            .order_by(col(Qualification.id))
        ):
            by_specialist.setdefault(qualification.specialist_id, []).append(qualification)
    people: dict[int, list[SpecialistRead]] = {}
    for specialist in specialists:
        assert specialist.id is not None
        people.setdefault(specialist.provider_id, []).append(
            _specialist_read(specialist, by_specialist.get(specialist.id, []), on)
        )
    return people


def _load_steps(session: Session, provider_ids: list[int] | None) -> dict[int, list[StepRead]]:
    query = select(OnboardingStep)
    if provider_ids is not None:
        query = query.where(col(OnboardingStep.provider_id).in_(provider_ids))
    steps: dict[int, list[StepRead]] = {}
    order = {step.value: position for position, step in enumerate(STEP_ORDER)}
    for row in session.exec(query):
        steps.setdefault(row.provider_id, []).append(
            StepRead(
                step=row.step,
                done_on=row.done_on,
                done_by_id=row.done_by_id,
                document_ref=row.document_ref,
                version=row.version,
            )
        )
    for items in steps.values():
        items.sort(key=lambda item: order.get(item.step, 99))
    return steps


@dataclass(frozen=True)
class _InfoDays:
    """The yearly info-day rule and who met it, fetched once for a whole list."""

    required: bool
    last_attended: dict[int, date]

    @classmethod
    def load(cls, session: Session, on: date, provider_ids: list[int] | None = None) -> _InfoDays:
        return cls(
            required=events.info_day_required(session),
            last_attended=events.info_day_attendance(session, on=on, provider_ids=provider_ids),
        )


def _readiness(
    people: list[SpecialistRead],
    steps: list[StepRead],
    requirements: tuple[str, ...],
    info_days: _InfoDays,
    provider_id: int,
) -> ProviderReadiness:
    return provider_readiness(
        specialists=[(p.name, p.active, p.eligibility) for p in people],
        steps_done={s.step for s in steps},
        requirements=requirements,
        last_info_day=info_days.last_attended.get(provider_id),
        info_day_required=info_days.required,
    )


def _detail(
    row: Provider, people: list[SpecialistRead], steps: list[StepRead], info_days: _InfoDays
) -> ProviderDetail:
    assert row.id is not None
    referrals = _readiness(people, steps, PROVIDER_REQUIREMENTS, info_days, row.id)
    return ProviderDetail(
        id=row.id,
        name=row.name,
        registry_code=row.registry_code,
        legal_form=row.legal_form,
        contact_person=row.contact_person,
        email=row.email,
        phone=row.phone,
        address=row.address,
        counties=tuple(row.counties),
        languages=tuple(row.languages),
        service_forms=tuple(row.service_forms),
        onboarding_status=row.onboarding_status,
        notes=row.notes,
        version=row.version,
        steps=tuple(steps),
        specialists=tuple(people),
        readiness=referrals
        if row.onboarding_status == OnboardingStatus.ACTIVE
        else ProviderReadiness(
            (
                Reason("readiness.not_active", {"onboarding_status": row.onboarding_status}),
                *referrals.missing,
            )
        ),
        activation=_readiness(people, steps, ACTIVATION_REQUIREMENTS, info_days, row.id),
    )


def get_provider(session: Session, actor: Actor, *, provider_id: int, on: date) -> ProviderDetail:
    require(session, actor, Permission.VIEW_RECORDS, action="providers.get_provider")
    row = session.get(Provider, provider_id)
    if row is None:
        raise NotFound(table="provider", id=provider_id)
    people = _load_people(session, [provider_id], on).get(provider_id, [])
    steps = _load_steps(session, [provider_id]).get(provider_id, [])
    return _detail(row, people, steps, _InfoDays.load(session, on, [provider_id]))


def provider_of_specialist(session: Session, actor: Actor, *, specialist_id: int) -> int | None:
    require(session, actor, Permission.VIEW_RECORDS, action="providers.provider_of_specialist")
    specialist = session.get(Specialist, specialist_id)
    return specialist.provider_id if specialist else None


def all_details(session: Session, actor: Actor, *, on: date) -> list[ProviderDetail]:
    require(session, actor, Permission.VIEW_RECORDS, action="providers.all_details")
    people = _load_people(session, None, on)
    steps = _load_steps(session, None)
    info_days = _InfoDays.load(session, on)
    rows = session.exec(select(Provider).order_by(col(Provider.name)))
    return [
        _detail(row, people.get(row.id or 0, []), steps.get(row.id or 0, []), info_days)
        for row in rows
    ]


def ready_provider_count(session: Session, *, on: date) -> int:
    """Active providers that may receive referrals now (an aggregate, for the Overview)."""
    people = _load_people(session, None, on)
    steps = _load_steps(session, None)
    info_days = _InfoDays.load(session, on)
    rows = session.exec(
        select(Provider).where(Provider.onboarding_status == OnboardingStatus.ACTIVE.value)
    )
    return sum(
        1
        for row in rows
        if _detail(
            row, people.get(row.id or 0, []), steps.get(row.id or 0, []), info_days
        ).readiness.ready
    )


def _matches(detail: ProviderDetail, filters: ProviderFilter) -> bool:
    text = filters.text.strip().lower()
    if text and text not in detail.name.lower() and text not in detail.registry_code:
        return False
    if filters.county and filters.county not in detail.counties:
        return False
    if filters.language and filters.language not in detail.languages:
        return False
    if filters.service_form and filters.service_form not in detail.service_forms:
        return False
    if filters.status and detail.onboarding_status != filters.status:
        return False
    statuses = {q.status for p in detail.specialists if p.active for q in p.qualifications}
    wanted = filters.compliance
    return (
        wanted is None
        or (wanted == "ready" and detail.readiness.ready)
        or (wanted == "not_ready" and not detail.readiness.ready)
        or (wanted in {s.value for s in statuses})
    )


def list_providers(
    session: Session, actor: Actor, *, filters: ProviderFilter, on: date
) -> list[ProviderDetail]:
    return [d for d in all_details(session, actor, on=on) if _matches(d, filters)]


def provider_table(details: list[ProviderDetail]) -> pd.DataFrame:
    """The list as plain columns (codes, not labels: the page translates)."""
    rows = []
    for d in details:
        active = [p for p in d.specialists if p.active]
        statuses = [q.status for p in active for q in p.qualifications]
        rows.append(
            {
                "id": d.id,
                "name": d.name,
                "registry_code": d.registry_code,
                "onboarding_status": d.onboarding_status,
                "steps": f"{d.steps_done}/{len(STEP_ORDER)}",
                "counties": list(d.counties),
                "languages": list(d.languages),
                "service_forms": list(d.service_forms),
                "specialists": len(active),
                "eligible_specialists": sum(1 for p in active if p.eligibility.eligible),
                "expired": statuses.count(QualificationStatus.EXPIRED),
                "expiring": statuses.count(QualificationStatus.EXPIRING),
                "unverified": statuses.count(QualificationStatus.UNVERIFIED),
                "ready": d.readiness.ready,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "name",
            "registry_code",
            "onboarding_status",
            "steps",
            "counties",
            "languages",
            "service_forms",
            "specialists",
            "eligible_specialists",
            "expired",
            "expiring",
            "unverified",
            "ready",
        ],
    )


# --- writing -----------------------------------------------------------------------------


def _validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed.from_pydantic(error) from error


def _provider_values(data: ProviderInput) -> dict[str, Any]:
    values = data.model_dump()
    values["phone"] = values["phone"] or ""
    for key in ("counties", "languages", "service_forms"):
        values[key] = [str(item.value if hasattr(item, "value") else item) for item in values[key]]
    values["legal_form"] = str(data.legal_form.value)
    return values


def _registry_code_taken(session: Session, code: str, except_id: int | None) -> bool:
    query = select(Provider.id).where(Provider.registry_code == code)
    return any(found != except_id for found in session.exec(query))


@write_service(Permission.EDIT_RECORDS)
def create_provider(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    values = _provider_values(_validated(ProviderInput, data))
    if _registry_code_taken(session, values["registry_code"], None):
        raise ValidationFailed([("registry_code", "invalid.registry_code_taken", {})])
    provider = Provider(**values)
    session.add(provider)
    session.flush()
    audit.record_write(
        session, actor, "provider.create", table="provider", record_id=provider.id, fields=values
    )
    assert provider.id is not None
    return provider.id


@write_service(Permission.EDIT_RECORDS)
def update_provider(
    session: Session, actor: Actor, *, provider_id: int, data: dict[str, Any], expected_version: int
) -> None:
    values = _provider_values(_validated(ProviderInput, data))
    provider = get_for_update(session, Provider, provider_id, expected_version)
    if _registry_code_taken(session, values["registry_code"], provider_id):
        raise ValidationFailed([("registry_code", "invalid.registry_code_taken", {})])
    changed = [key for key, value in values.items() if getattr(provider, key) != value]
    for key in changed:
        setattr(provider, key, values[key])
    if changed:
        session.flush()
        audit.record_write(
            session,
            actor,
            "provider.update",
            table="provider",
            record_id=provider_id,
            fields=changed,
        )


def derived_status(current: str, steps_done: set[str]) -> str:
    """The onboarding status the recorded steps reach; manual statuses stay as they are."""
    if current in MANUAL_STATUSES:
        return current
    for step, status in STATUS_AFTER_STEP:
        if step.value in steps_done:
            return status.value
    return OnboardingStatus.APPLIED.value


def _refresh_status(session: Session, provider: Provider) -> None:
    done = set(
        session.exec(select(OnboardingStep.step).where(OnboardingStep.provider_id == provider.id))
    )
    status = derived_status(provider.onboarding_status, done)
    if status != provider.onboarding_status:
        provider.onboarding_status = status


@write_service(Permission.EDIT_RECORDS)
def record_step(
    session: Session,
    actor: Actor,
    *,
    provider_id: int,
    step: str,
    done_on: date,
    document_ref: str = "",
) -> None:
    try:
        kind = OnboardingStepKind(step)
    except ValueError as error:
        raise ValidationFailed([("step", "invalid.step", {})]) from error
    if done_on > local_today():
        raise ValidationFailed([("done_on", "invalid.future_date", {})])
    if len(document_ref) > 100:
        raise ValidationFailed([("document_ref", "invalid.document_ref", {})])
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(table="provider", id=provider_id)
    existing = session.exec(
        select(OnboardingStep).where(
            OnboardingStep.provider_id == provider_id, OnboardingStep.step == kind.value
        )
    ).first()
    if existing is None:
        existing = OnboardingStep(
            provider_id=provider_id,
            step=kind.value,
            done_on=done_on,
            done_by_id=actor.user_id,
            document_ref=document_ref.strip(),
        )
        session.add(existing)
    else:
        existing.done_on, existing.document_ref = done_on, document_ref.strip()
        existing.done_by_id = actor.user_id
    session.flush()
    _refresh_status(session, provider)
    session.flush()
    audit.record_write(
        session,
        actor,
        "provider.step",
        table="onboarding_step",
        record_id=existing.id,
        fields=["step", "done_on", "document_ref"],
    )


@write_service(Permission.EDIT_RECORDS)
def clear_step(session: Session, actor: Actor, *, provider_id: int, step: str) -> None:
    row = session.exec(
        select(OnboardingStep).where(
            OnboardingStep.provider_id == provider_id, OnboardingStep.step == step
        )
    ).first()
    if row is None:
        raise NotFound(table="onboarding_step", id=step)
    provider = session.get(Provider, provider_id)
    assert provider is not None
    session.delete(row)
    session.flush()
    _refresh_status(session, provider)
    audit.record_write(
        session,
        actor,
        "provider.step_cleared",
        table="onboarding_step",
        record_id=row.id,
        fields=["step"],
    )


@write_service(Permission.EDIT_RECORDS)
def set_status(
    session: Session,
    actor: Actor,
    *,
    provider_id: int,
    status: str,
    expected_version: int,
    on: date,
) -> None:
    """Activate, suspend or end a provider; activation is refused while anything is missing."""
    try:
        wanted = OnboardingStatus(status)
    except ValueError as error:
        raise ValidationFailed([("onboarding_status", "invalid.onboarding_status", {})]) from error
    provider = get_for_update(session, Provider, provider_id, expected_version)
    if wanted is OnboardingStatus.ACTIVE:
        people = _load_people(session, [provider_id], on).get(provider_id, [])
        steps = _load_steps(session, [provider_id]).get(provider_id, [])
        activation = _readiness(
            people,
            steps,
            ACTIVATION_REQUIREMENTS,
            _InfoDays.load(session, on, [provider_id]),
            provider_id,
        )
        if not activation.ready:
            raise ValidationFailed(
                [("onboarding_status", reason.key, reason.params) for reason in activation.missing]
            )
        provider.onboarding_status = wanted.value
    elif wanted in MANUAL_STATUSES:
        provider.onboarding_status = wanted.value
    else:
        # Back to the onboarding track: the steps decide where.
        provider.onboarding_status = OnboardingStatus.APPLIED.value
        _refresh_status(session, provider)
    session.flush()
    audit.record_write(
        session,
        actor,
        "provider.status",
        table="provider",
        record_id=provider_id,
        fields=["onboarding_status"],
    )


def _specialist_values(data: SpecialistInput) -> dict[str, Any]:
    values = data.model_dump()
    values["email"] = values["email"] or ""
    values["profession"] = str(data.profession.value)
    values["languages"] = [str(v.value) for v in data.languages]
    values["counties"] = [str(v.value) for v in data.counties]
    return values


@write_service(Permission.EDIT_RECORDS)
def save_specialists(
    session: Session, actor: Actor, *, provider_id: int, rows: list[dict[str, Any]]
) -> list[int]:
    """Add or change several specialists at once: all rows are checked before any is saved.

    A row with an `id` and `version` changes that specialist; a row without adds one.
    Problems name the row (1-based) and the field.
    """
    if session.get(Provider, provider_id) is None:
        raise NotFound(table="provider", id=provider_id)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    checked: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for number, row in enumerate(rows, start=1):
        try:
            values = _specialist_values(SpecialistInput.model_validate(row))
        except ValidationError as error:
            for name, key, params in ValidationFailed.from_pydantic(error).problems:
                problems.append((name, key, {**params, "row": number}))
            continue
        checked.append((row, values))
    if problems:
        raise ValidationFailed(problems)
    saved: list[int] = []
    for row, values in checked:
        if row.get("id"):
            specialist = get_for_update(session, Specialist, int(row["id"]), int(row["version"]))
            if specialist.provider_id != provider_id:
                raise NotFound(table="specialist", id=row["id"])
            changed = [k for k, v in values.items() if getattr(specialist, k) != v]
            for key in changed:
                setattr(specialist, key, values[key])
            action = "specialist.update"
        else:
            specialist = Specialist(provider_id=provider_id, **values)
            session.add(specialist)
            changed, action = list(values), "specialist.create"
        session.flush()
        if changed:
            audit.record_write(
                session, actor, action, table="specialist", record_id=specialist.id, fields=changed
            )
        assert specialist.id is not None
        saved.append(specialist.id)
    return saved


def _qualification_values(data: QualificationInput) -> dict[str, Any]:
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        problems.append(("valid_until", "invalid.valid_until_before_from", {}))
    if data.kind.value.startswith("kutse") and not data.certificate_number.strip():
        problems.append(("certificate_number", "invalid.certificate_number_required", {}))
    if problems:
        raise ValidationFailed(problems)
    values = data.model_dump()
    values["kind"] = str(data.kind.value)
    values["certificate_number"] = data.certificate_number.strip()
    return values


@write_service(Permission.EDIT_RECORDS)
def save_qualification(
    session: Session,
    actor: Actor,
    *,
    specialist_id: int,
    data: dict[str, Any],
    qualification_id: int | None = None,
    expected_version: int | None = None,
) -> int:
    """Add or change a qualification; a change to a verified one needs verifying again."""
    values = _qualification_values(_validated(QualificationInput, data))
    if session.get(Specialist, specialist_id) is None:
        raise NotFound(table="specialist", id=specialist_id)
    if qualification_id is None:
        row = Qualification(specialist_id=specialist_id, **values)
        session.add(row)
        changed, action = list(values), "qualification.create"
    else:
        row = get_for_update(session, Qualification, qualification_id, expected_version)
        changed = [k for k, v in values.items() if getattr(row, k) != v]
        for key in changed:
            setattr(row, key, values[key])
        if set(changed) & {"kind", "certificate_number", "valid_from", "valid_until"}:
            row.verified_at, row.verified_by_id = None, None
            changed += ["verified_at", "verified_by_id"]
        action = "qualification.update"
    session.flush()
    audit.record_write(
        session, actor, action, table="qualification", record_id=row.id, fields=changed
    )
    assert row.id is not None
    return row.id


@write_service(Permission.EDIT_RECORDS)
def verify_qualification(
    session: Session,
    actor: Actor,
    *,
    qualification_id: int,
    source: str,
    expected_version: int,
    document_ref: str = "",
) -> None:
    """Record that the coordinator checked the qualification in a register or a document."""
    try:
        where = VerificationSource(source)
    except ValueError as error:
        raise ValidationFailed([("source", "invalid.source", {})]) from error
    row = get_for_update(session, Qualification, qualification_id, expected_version)
    row.verified_at, row.verified_by_id = utc_now(), actor.user_id
    row.source, row.document_ref = where.value, document_ref.strip()[:100]
    session.flush()
    audit.record_write(
        session,
        actor,
        "qualification.verify",
        table="qualification",
        record_id=qualification_id,
        fields=["verified_at", "verified_by_id", "source", "document_ref"],
    )


@write_service(Permission.EDIT_RECORDS)
def delete_qualification(
    session: Session, actor: Actor, *, qualification_id: int, expected_version: int
) -> None:
    row = get_for_update(session, Qualification, qualification_id, expected_version)
    session.delete(row)
    session.flush()
    audit.record_write(
        session,
        actor,
        "qualification.delete",
        table="qualification",
        record_id=qualification_id,
        fields=["id"],
    )
