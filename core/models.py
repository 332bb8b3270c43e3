"""SQLModel tables for the whole TTTVT data set, and the enumerations they use.

Every editable table carries `id`, `created_at`, `updated_at` (UTC) and `version`; the
version is SQLAlchemy's `version_id_col`, so a save over a newer row fails instead of
silently overwriting it. Money is stored in integer cents. Lists (counties, languages,
themes) are JSON arrays of codes; their labels come from the message catalogues.
Clients are pseudonymous: a case has a key, never a name or a personal code.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    return datetime.now(UTC)


def _utc_column(**kwargs: Any) -> Any:
    return Field(default_factory=utc_now, sa_type=DateTime(timezone=True), **kwargs)


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --- enumerations ------------------------------------------------------------------------


class Role(StrEnum):
    COORDINATOR = "coordinator"
    LEAD = "lead"
    VIEWER = "viewer"
    ADMIN = "admin"


class County(StrEnum):
    """EHAK codes of the 15 counties (maakonnad)."""

    HARJU = "0037"
    HIIU = "0039"
    IDA_VIRU = "0045"
    JOGEVA = "0050"
    JARVA = "0052"
    LAANE = "0056"
    LAANE_VIRU = "0060"
    POLVA = "0064"
    PARNU = "0068"
    RAPLA = "0071"
    SAARE = "0074"
    TARTU = "0079"
    VALGA = "0081"
    VILJANDI = "0084"
    VORU = "0087"


class Language(StrEnum):
    ESTONIAN = "et"
    RUSSIAN = "ru"
    ENGLISH = "en"
    UKRAINIAN = "uk"
    OTHER = "other"


class ServiceForm(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class LegalForm(StrEnum):
    OU = "ou"  # osaühing
    AS = "as"
    FIE = "fie"  # füüsilisest isikust ettevõtja
    MTU = "mtu"  # mittetulundusühing
    SA = "sa"  # sihtasutus
    OTHER = "other"


class OnboardingStatus(StrEnum):
    APPLIED = "applied"
    DOCUMENTS_CHECKED = "documents_checked"
    QUALIFICATIONS_VERIFIED = "qualifications_verified"
    CONTRACT_SIGNED = "contract_signed"
    INFO_SESSION_ATTENDED = "info_session_attended"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class OnboardingStepKind(StrEnum):
    APPLICATION = "application"  # annex 1
    PROVIDER_QUESTIONNAIRE = "provider_questionnaire"  # annex 2
    SPECIALIST_QUESTIONNAIRES = "specialist_questionnaires"  # annex 3
    QUALIFICATION_PROOF = "qualification_proof"
    QUALIFICATIONS_VERIFIED = "qualifications_verified"
    CONTRACT_SIGNED = "contract_signed"
    INFO_SESSION_ATTENDED = "info_session_attended"
    PUBLIC_LIST = "public_list"


class Profession(StrEnum):
    CLINICAL_PSYCHOLOGIST = "clinical_psychologist"
    COUNSELLING_PSYCHOLOGIST = "counselling_psychologist"
    SCHOOL_PSYCHOLOGIST = "school_psychologist"
    PSYCHOTHERAPIST = "psychotherapist"
    SOCIAL_WORKER = "social_worker"
    PSYCHIATRIST = "psychiatrist"
    MENTAL_HEALTH_NURSE = "mental_health_nurse"
    OTHER = "other"


class QualificationKind(StrEnum):
    KUTSE_CLINICAL_PSYCHOLOGIST = "kutse_clinical_psychologist"
    KUTSE_COUNSELLING_PSYCHOLOGIST = "kutse_counselling_psychologist"
    KUTSE_SCHOOL_PSYCHOLOGIST = "kutse_school_psychologist"
    KUTSE_SOCIAL_WORKER = "kutse_social_worker"
    MASTER_PSYCHOLOGY = "master_psychology"
    MASTER_SOCIAL_WORK = "master_social_work"
    PSYCHOTHERAPY_TRAINING = "psychotherapy_training"
    ECP = "ecp"
    HEALTHCARE_PSYCHIATRY = "healthcare_psychiatry"
    HEALTHCARE_MENTAL_HEALTH_NURSING = "healthcare_mental_health_nursing"


class VerificationSource(StrEnum):
    KUTSEREGISTER = "kutseregister"
    MEDRE = "medre"
    EPTA = "epta"
    DIPLOMA = "diploma"
    DOCUMENT = "document"


class ContractKind(StrEnum):
    TTTVT = "tttvt"
    OTHER = "other"


class ContractStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SIGNED = "signed"
    ACTIVE = "active"
    EXPIRING = "expiring"
    ENDED = "ended"
    TERMINATED = "terminated"


class InvoiceStatus(StrEnum):
    RECEIVED = "received"
    CHECKED = "checked"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class ReferralSource(StrEnum):
    VICTIM_SUPPORT_WORKER = "victim_support_worker"
    POLICE = "police"
    PROSECUTOR = "prosecutor"
    LOCAL_GOVERNMENT = "local_government"
    HEALTHCARE = "healthcare"
    SHELTER = "shelter"
    SELF = "self"
    OTHER = "other"


class VictimCategory(StrEnum):
    CRIME = "crime"
    DOMESTIC_VIOLENCE = "domestic_violence"
    SEXUAL_VIOLENCE = "sexual_violence"
    FAMILY_MEMBER = "family_member"
    WITNESS = "witness"


class AgeBand(StrEnum):
    UNDER_18 = "0-17"
    AGE_18_26 = "18-26"
    AGE_27_39 = "27-39"
    AGE_40_54 = "40-54"
    AGE_55_64 = "55-64"
    AGE_65_PLUS = "65+"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Instrument(StrEnum):
    PCL5 = "PCL-5"
    CORE10 = "CORE-10"
    PHQ9 = "PHQ-9"
    GAD7 = "GAD-7"
    EEK2 = "EEK-2"


class TimePoint(StrEnum):
    START = "start"
    END = "end"
    FOLLOW_UP = "follow_up"


class FeedbackSource(StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"
    PARTNER = "partner"
    STAFF = "staff"


class FeedbackChannel(StrEnum):
    SURVEY = "survey"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"
    EVENT = "event"


class FeedbackStatus(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    ACTED_ON = "acted_on"


class ProposalOrigin(StrEnum):
    FEEDBACK = "feedback"
    MONITORING = "monitoring"
    STATISTICS = "statistics"


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DONE = "done"


class EventKind(StrEnum):
    TRAINING = "training"
    INFO_DAY = "info_day"
    COVISION = "covision"
    SUPERVISION = "supervision"
    WEBINAR = "webinar"


class Audience(StrEnum):
    PROVIDERS = "providers"
    PARTNERS = "partners"
    INTERNAL = "internal"
    CLIENTS = "clients"


class EventStatus(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    HELD = "held"
    CANCELLED = "cancelled"


class ParticipantKind(StrEnum):
    SPECIALIST = "specialist"
    PROVIDER_CONTACT = "provider_contact"
    PARTNER_STAFF = "partner_staff"
    STAFF = "staff"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class MaterialKind(StrEnum):
    GUIDE = "guide"
    PROCESS = "process"
    FORM = "form"
    WEB_PAGE = "web_page"
    SOCIAL_POST = "social_post"


class MaterialState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class PartnerType(StrEnum):
    POLICE = "police"
    PROSECUTOR = "prosecutor"
    LOCAL_GOVERNMENT = "local_government"
    SHELTER = "shelter"
    WOMENS_SUPPORT_CENTRE = "womens_support_centre"
    NGO = "ngo"
    HOSPITAL = "hospital"
    SCHOOL = "school"
    MINISTRY = "ministry"
    OTHER = "other"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


# --- shared column sets ------------------------------------------------------------------

RegistryCode = Annotated[str, StringConstraints(pattern=r"^\d{8}$")]
EmailAddress = Annotated[
    str,
    StringConstraints(
        pattern=r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[A-Za-z]{2,}$",
        max_length=254,
        strip_whitespace=True,
    ),
]
Username = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9._-]{3,64}$", strip_whitespace=True, to_lower=True)
]


class Editable(SQLModel):
    """Columns every editable table has; `version` guards against lost updates."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _utc_column(nullable=False)
    updated_at: datetime = _utc_column(nullable=False, sa_column_kwargs={"onupdate": utc_now})
    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __tablename__(cls) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


# --- settings ----------------------------------------------------------------------------


class Setting(Editable, table=True):
    """A named domain setting (suppression threshold, targets, frequencies) as JSON value."""

    key: str = Field(max_length=80, unique=True, index=True)
    value: Any = Field(sa_column=Column(JSON, nullable=False))


class ClientCap(Editable, table=True):
    """The per-client cap that applies to decisions made on or after `valid_from`."""

    valid_from: date = Field(unique=True, index=True)
    amount_cents: int = Field(ge=0)
    note: str = Field(default="", max_length=200)


class InstrumentThreshold(Editable, table=True):
    """Scoring rules of an outcome instrument; kept as data so they can be corrected."""

    instrument: str = Field(max_length=20, unique=True)
    score_min: int
    score_max: int
    clinical_cutoff: int | None = None
    reliable_change: int | None = None
    recovered_below: int | None = None
    meaningful_change: int | None = None
    higher_is_worse: bool = True


class DataVersion(SQLModel, table=True):
    """A counter that every write advances; caches are keyed by it, not by process state."""

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, nullable=False)


# --- providers and their people ----------------------------------------------------------


class Provider(Editable, table=True):
    name: str = Field(max_length=200, index=True)
    registry_code: str = Field(max_length=8, unique=True)
    legal_form: str = Field(default=LegalForm.OU, max_length=20)
    contact_person: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=300)
    counties: list[str] = _json_list()
    languages: list[str] = _json_list()
    service_forms: list[str] = _json_list()
    onboarding_status: str = Field(default=OnboardingStatus.APPLIED, max_length=40, index=True)
    notes: str = Field(default="", max_length=4000)


class OnboardingStep(Editable, table=True):
    __table_args__ = (UniqueConstraint("provider_id", "step"),)

    provider_id: int = Field(foreign_key="provider.id", index=True)
    step: str = Field(max_length=40)
    done_on: date
    done_by_id: int | None = Field(default=None, foreign_key="user.id")
    document_ref: str = Field(default="", max_length=100)


class Specialist(Editable, table=True):
    provider_id: int = Field(foreign_key="provider.id", index=True)
    name: str = Field(max_length=200)
    profession: str = Field(default=Profession.OTHER, max_length=40)
    email: str = Field(default="", max_length=254)
    languages: list[str] = _json_list()
    counties: list[str] = _json_list()
    active: bool = True


class Qualification(Editable, table=True):
    specialist_id: int = Field(foreign_key="specialist.id", index=True)
    kind: str = Field(max_length=50)
    certificate_number: str = Field(default="", max_length=60)
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    issuer: str = Field(default="", max_length=200)
    valid_from: date | None = None
    valid_until: date | None = Field(default=None, index=True)
    verified_by_id: int | None = Field(default=None, foreign_key="user.id")
    verified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    source: str = Field(default="", max_length=40)
    document_ref: str = Field(default="", max_length=100)


# --- contracts and money -----------------------------------------------------------------


class Contract(Editable, table=True):
    provider_id: int = Field(foreign_key="provider.id", index=True)
    number: str = Field(max_length=60, unique=True)
    kind: str = Field(default=ContractKind.TTTVT, max_length=20)
    status: str = Field(default=ContractStatus.DRAFT, max_length=20, index=True)
    start_date: date
    end_date: date = Field(index=True)
    ceiling_cents: int = Field(ge=0)
    # [{"form": "in_person", "minutes": 60, "price_cents": 7000}, ...]
    unit_prices: list[dict[str, Any]] = _json_list()
    document_ref: str = Field(default="", max_length=100)
    notes: str = Field(default="", max_length=4000)
    termination_reason: str = Field(default="", max_length=1000)


class ContractAmendment(Editable, table=True):
    contract_id: int = Field(foreign_key="contract.id", index=True)
    amended_on: date
    what_changed: str = Field(max_length=1000)
    new_ceiling_cents: int | None = Field(default=None, ge=0)
    new_end_date: date | None = None
    document_ref: str = Field(default="", max_length=100)


class Invoice(Editable, table=True):
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    contract_id: int = Field(foreign_key="contract.id", index=True)
    number: str = Field(max_length=60)
    period_start: date
    period_end: date
    sessions_claimed: int = Field(ge=0)
    amount_cents: int = Field(ge=0)
    status: str = Field(default=InvoiceStatus.RECEIVED, max_length=20, index=True)
    received_on: date
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")
    checked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    rejection_reason: str = Field(default="", max_length=1000)
    paid_on: date | None = None


# --- clients (pseudonymous), sessions, outcomes ------------------------------------------


class Case(Editable, table=True):
    case_key: str = Field(max_length=40, unique=True)
    referral_date: date = Field(index=True)
    referral_source: str = Field(max_length=40)
    victim_category: str = Field(max_length=40)
    county: str = Field(max_length=4, index=True)
    language: str = Field(max_length=10)
    age_band: str = Field(max_length=10)
    gender: str = Field(max_length=10)
    decision_date: date | None = None
    cap_cents: int | None = Field(default=None, ge=0)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    first_session_date: date | None = None
    closed_date: date | None = None


class TherapySession(Editable, table=True):
    """One counselling or psychotherapy session (named so to avoid the ORM's Session)."""

    __tablename__ = "therapy_session"
    __table_args__ = (
        # cost_cents is in the index so that a period's count and cost are read from it alone.
        Index("ix_therapy_session_date_case", "session_date", "case_id", "cost_cents"),
        Index("ix_therapy_session_provider_date", "provider_id", "session_date"),
    )

    session_key: str = Field(max_length=40, unique=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    specialist_id: int | None = Field(default=None, foreign_key="specialist.id")
    session_date: date
    minutes: int = Field(ge=1, le=600)
    form: str = Field(max_length=20)
    cost_cents: int = Field(ge=0)


class OutcomeMeasure(Editable, table=True):
    __table_args__ = (UniqueConstraint("case_id", "instrument", "time_point"),)

    case_id: int = Field(foreign_key="case.id", index=True)
    instrument: str = Field(max_length=20)
    time_point: str = Field(max_length=20)
    score: int = Field(ge=0)
    measured_on: date


# --- feedback and development ------------------------------------------------------------


class FeedbackTheme(Editable, table=True):
    name: str = Field(max_length=80, unique=True)
    active: bool = True


class Proposal(Editable, table=True):
    title: str = Field(max_length=200)
    rationale: str = Field(default="", max_length=4000)
    origin: str = Field(default=ProposalOrigin.MONITORING, max_length=20)
    expected_effect: str = Field(default="", max_length=2000)
    status: str = Field(default=ProposalStatus.DRAFT, max_length=20, index=True)
    decision_text: str = Field(default="", max_length=2000)
    decided_on: date | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")


class Event(Editable, table=True):
    title: str = Field(max_length=200)
    kind: str = Field(max_length=20, index=True)
    start_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    end_at: datetime = Field(sa_type=DateTime(timezone=True))
    place: str = Field(default="", max_length=300)
    link: str = Field(default="", max_length=500)
    audience: str = Field(default=Audience.PROVIDERS, max_length=20)
    capacity: int | None = Field(default=None, ge=1)
    language: str = Field(default=Language.ESTONIAN, max_length=10)
    trainer: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=4000)
    status: str = Field(default=EventStatus.PLANNED, max_length=20)


class Feedback(Editable, table=True):
    source: str = Field(max_length=20, index=True)
    received_on: date = Field(index=True)
    channel: str = Field(max_length=20)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    language: str = Field(default=Language.ESTONIAN, max_length=10)
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    recommend: int | None = Field(default=None, ge=0, le=10)
    text: str = Field(default="", max_length=8000)
    themes: list[str] = _json_list()
    status: str = Field(default=FeedbackStatus.NEW, max_length=20, index=True)
    follow_up_needed: bool = False
    follow_up_action: str = Field(default="", max_length=2000)
    follow_up_owner: str = Field(default="", max_length=200)
    follow_up_due: date | None = None
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")


class Registration(Editable, table=True):
    event_id: int = Field(foreign_key="event.id", index=True)
    participant_kind: str = Field(max_length=20)
    specialist_id: int | None = Field(default=None, foreign_key="specialist.id")
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    participant_name: str = Field(default="", max_length=200)
    status: str = Field(default=RegistrationStatus.REGISTERED, max_length=20)
    attended: bool | None = None


# --- information management --------------------------------------------------------------


class Material(Editable, table=True):
    title: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    audience: str = Field(max_length=20)
    owner: str = Field(default="", max_length=200)
    version_label: str = Field(default="1.0", max_length=20)
    last_reviewed: date | None = None
    review_interval_months: int = Field(default=12, ge=1, le=60)
    # Derived from last_reviewed and the interval by core.materials, stored so that
    # "overdue" is one indexed comparison in every database.
    next_review_on: date | None = Field(default=None, index=True)


class MaterialLanguage(Editable, table=True):
    __table_args__ = (UniqueConstraint("material_id", "language"),)

    material_id: int = Field(foreign_key="material.id", index=True)
    language: str = Field(max_length=10)
    link: str = Field(default="", max_length=500)
    state: str = Field(default=MaterialState.DRAFT, max_length=20)


class MaterialReview(Editable, table=True):
    material_id: int = Field(foreign_key="material.id", index=True)
    reviewed_on: date
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    version_label: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=2000)


class Partner(Editable, table=True):
    name: str = Field(max_length=200)
    partner_type: str = Field(max_length=40, index=True)
    county: str | None = Field(default=None, max_length=4)
    notes: str = Field(default="", max_length=4000)


class PartnerPerson(Editable, table=True):
    partner_id: int = Field(foreign_key="partner.id", index=True)
    name: str = Field(max_length=200)
    role: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)


class ContactLog(Editable, table=True):
    partner_id: int = Field(foreign_key="partner.id", index=True)
    contacted_on: date
    topic: str = Field(max_length=200)
    outcome: str = Field(default="", max_length=2000)
    next_step: str = Field(default="", max_length=500)
    next_step_on: date | None = Field(default=None, index=True)


class Task(Editable, table=True):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    assigned_by_id: int | None = Field(default=None, foreign_key="user.id")
    due_on: date | None = Field(default=None, index=True)
    status: str = Field(default=TaskStatus.OPEN, max_length=20, index=True)
    priority: str = Field(default=Priority.NORMAL, max_length=10)
    closing_note: str = Field(default="", max_length=2000)


class TaskComment(Editable, table=True):
    task_id: int = Field(foreign_key="task.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(max_length=2000)


# --- people who use the tool, and the audit trail ----------------------------------------


class User(Editable, table=True):
    username: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    email: str = Field(default="", max_length=254)
    password_hash: str = Field(max_length=200)
    roles: list[str] = _json_list()
    active: bool = True
    is_demo: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Cookies and sessions issued before this instant are no longer honoured.
    sessions_valid_after: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuditEntry(SQLModel, table=True):
    """Who did what to which record; field names only, never the free text itself."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc_column(nullable=False, index=True)
    actor: str = Field(max_length=64, index=True)
    action: str = Field(max_length=40, index=True)
    table_name: str = Field(default="", max_length=60)
    record_id: int | None = None
    fields: list[str] = _json_list()
    outcome: str = Field(default="ok", max_length=20)


EDITABLE_TABLES: tuple[type[Editable], ...] = tuple(
    cls for cls in Editable.__subclasses__() if getattr(cls, "__table__", None) is not None
)
