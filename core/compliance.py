"""Qualification compliance: who may provide which TTTVT service on a given date.

The rules are data (DOMAIN.md, "Who may provide it"): a service needs every one of its
requirements, and a requirement is met by one valid, verified qualification of any of
its accepted kinds. The engine below has no branch per kind or per service, so a rule
change is a change of the tables, not of the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from core.dates import add_months
from core.models import OnboardingStepKind, QualificationKind

Q = QualificationKind


class Service(StrEnum):
    COUNSELLING = "counselling"
    PSYCHOTHERAPY = "psychotherapy"


class QualificationStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # valid, but ends within the warning period
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNVERIFIED = "unverified"


class Verdict(StrEnum):
    PSYCHOTHERAPY = "psychotherapy"  # may also counsel
    COUNSELLING = "counselling"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class Requirement:
    key: str
    accepted: frozenset[QualificationKind]


PSYCHOLOGY_KUTSE = frozenset(
    {Q.KUTSE_CLINICAL_PSYCHOLOGIST, Q.KUTSE_COUNSELLING_PSYCHOLOGIST, Q.KUTSE_SCHOOL_PSYCHOLOGIST}
)

RULES: dict[Service, tuple[Requirement, ...]] = {
    Service.COUNSELLING: (
        Requirement("counselling_base", PSYCHOLOGY_KUTSE | {Q.MASTER_PSYCHOLOGY}),
    ),
    Service.PSYCHOTHERAPY: (
        Requirement(
            "psychotherapy_base",
            PSYCHOLOGY_KUTSE
            | {
                Q.KUTSE_SOCIAL_WORKER,
                Q.MASTER_PSYCHOLOGY,
                Q.MASTER_SOCIAL_WORK,
                Q.HEALTHCARE_PSYCHIATRY,
                Q.HEALTHCARE_MENTAL_HEALTH_NURSING,
            },
        ),
        # The European Certificate for Psychotherapy attests a completed training.
        Requirement("psychotherapy_training", frozenset({Q.PSYCHOTHERAPY_TRAINING, Q.ECP})),
    ),
}

# Where each kind is verified, and whether it carries an EQF level (Kutseregister).
REGISTER_OF: dict[QualificationKind, str] = {
    Q.KUTSE_CLINICAL_PSYCHOLOGIST: "kutseregister",
    Q.KUTSE_COUNSELLING_PSYCHOLOGIST: "kutseregister",
    Q.KUTSE_SCHOOL_PSYCHOLOGIST: "kutseregister",
    Q.KUTSE_SOCIAL_WORKER: "kutseregister",
    Q.MASTER_PSYCHOLOGY: "diploma",
    Q.MASTER_SOCIAL_WORK: "diploma",
    Q.PSYCHOTHERAPY_TRAINING: "document",
    Q.ECP: "epta",
    Q.HEALTHCARE_PSYCHIATRY: "medre",
    Q.HEALTHCARE_MENTAL_HEALTH_NURSING: "medre",
}

# What a provider needs before it may receive referrals. "contract_signed" is the
# onboarding step until the contracts capability decides it from the contract itself;
# "info_day_yearly" is the yearly info day (a setting may switch it off).
PROVIDER_REQUIREMENTS: tuple[str, ...] = (
    "eligible_specialist",
    f"step:{OnboardingStepKind.CONTRACT_SIGNED.value}",
    f"step:{OnboardingStepKind.INFO_SESSION_ATTENDED.value}",
    "info_day_yearly",
)

WARNING_MONTHS = 6


@dataclass(frozen=True)
class QualificationFacts:
    """What the engine needs to know of one qualification."""

    kind: str
    valid_from: date | None
    valid_until: date | None
    verified: bool
    id: int | None = None


@dataclass(frozen=True)
class Reason:
    """A message key with its parameters, translated by the page."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    verdict: Verdict
    services: frozenset[Service]
    reasons: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        return bool(self.services)


def qualification_status(
    facts: QualificationFacts, on: date, warning_months: int = WARNING_MONTHS
) -> QualificationStatus:
    if not facts.verified:
        return QualificationStatus.UNVERIFIED
    if facts.valid_from is not None and facts.valid_from > on:
        return QualificationStatus.NOT_YET_VALID
    if facts.valid_until is None:
        return QualificationStatus.VALID
    if facts.valid_until < on:
        return QualificationStatus.EXPIRED
    if facts.valid_until <= add_months(on, warning_months):
        return QualificationStatus.EXPIRING
    return QualificationStatus.VALID


COUNTS = frozenset({QualificationStatus.VALID, QualificationStatus.EXPIRING})


def evaluate(qualifications: Iterable[QualificationFacts], on: date) -> Eligibility:
    """For a specialist's qualifications and a date: which services, and why (not)."""
    held = list(qualifications)
    statuses = [(facts, qualification_status(facts, on)) for facts in held]
    services: set[Service] = set()
    reasons: list[Reason] = []
    for service, requirements in RULES.items():
        missing = [req for req in requirements if not _met(req, statuses)]
        if not missing:
            services.add(service)
            continue
        for requirement in missing:
            reasons.append(
                Reason(f"compliance.missing.{requirement.key}", {"service": service.value})
            )
            for facts, status in statuses:
                if _accepts(requirement, facts.kind) and status not in COUNTS:
                    reasons.append(
                        Reason(
                            f"compliance.status.{status.value}",
                            {
                                "kind": facts.kind,
                                "until": facts.valid_until,
                                "from": facts.valid_from,
                            },
                        )
                    )
    for facts, status in statuses:
        if status is QualificationStatus.EXPIRING:
            reasons.append(
                Reason(
                    "compliance.status.expiring", {"kind": facts.kind, "until": facts.valid_until}
                )
            )
    verdict = (
        Verdict.PSYCHOTHERAPY
        if Service.PSYCHOTHERAPY in services
        else Verdict.COUNSELLING
        if Service.COUNSELLING in services
        else Verdict.NOT_ELIGIBLE
    )
    return Eligibility(verdict, frozenset(services), tuple(_unique(reasons)))


def _accepts(requirement: Requirement, kind: str) -> bool:
    return kind in {accepted.value for accepted in requirement.accepted}


def _met(
    requirement: Requirement, statuses: Sequence[tuple[QualificationFacts, QualificationStatus]]
) -> bool:
    return any(_accepts(requirement, facts.kind) and status in COUNTS for facts, status in statuses)


def _unique(reasons: list[Reason]) -> list[Reason]:
    seen: list[Reason] = []
    for reason in reasons:
        if reason not in seen:
            seen.append(reason)
    return seen


@dataclass(frozen=True)
class ProviderReadiness:
    """Whether a provider may receive referrals, and the exact list of what is missing."""

    missing: tuple[Reason, ...]

    @property
    def ready(self) -> bool:
        return not self.missing


def provider_readiness(
    *,
    specialists: Sequence[tuple[str, bool, Eligibility]],
    steps_done: set[str],
    requirements: Sequence[str] = PROVIDER_REQUIREMENTS,
    last_info_day: date | None = None,
    info_day_required: bool = True,
) -> ProviderReadiness:
    """`specialists` is (name, active, eligibility) for each of the provider's people;
    `last_info_day` the last info day one of them attended within the past 12 months."""
    missing: list[Reason] = []
    for requirement in requirements:
        if requirement == "eligible_specialist":
            if not any(active and result.eligible for _name, active, result in specialists):
                missing.append(Reason("readiness.no_eligible_specialist"))
                for name, active, result in specialists:
                    if active:
                        missing.extend(
                            Reason(
                                "readiness.specialist",
                                {"name": name, "reason": reason.key, **reason.params},
                            )
                            for reason in result.reasons
                            if reason.key.startswith(
                                (
                                    "compliance.missing",
                                    "compliance.status.expired",
                                    "compliance.status.unverified",
                                    "compliance.status.not_yet_valid",
                                )
                            )
                        )
        elif requirement == "info_day_yearly":
            if info_day_required and last_info_day is None:
                missing.append(Reason("readiness.info_day_missing"))
        elif requirement.startswith("step:"):
            step = requirement.removeprefix("step:")
            if step not in steps_done:
                missing.append(Reason("readiness.step", {"step": step}))
    return ProviderReadiness(tuple(missing))
