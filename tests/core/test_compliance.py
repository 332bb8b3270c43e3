"""The compliance engine, table-driven, with dates on the boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.compliance import (
    RULES,
    QualificationFacts,
    QualificationStatus,
    Service,
    Verdict,
    evaluate,
    provider_readiness,
    qualification_status,
)
from core.models import QualificationKind as Q

TODAY = date(2026, 11, 24)
SIX_MONTHS = date(2027, 5, 24)


def held(
    kind: Q, until: date | None = None, *, verified: bool = True, since: date | None = None
) -> QualificationFacts:
    return QualificationFacts(
        kind=kind.value, valid_from=since, valid_until=until, verified=verified
    )


@pytest.mark.parametrize(
    ("until", "verified", "since", "expected"),
    [
        (TODAY, True, None, QualificationStatus.EXPIRING),  # valid until today: still valid
        (TODAY - timedelta(days=1), True, None, QualificationStatus.EXPIRED),  # yesterday
        (SIX_MONTHS, True, None, QualificationStatus.EXPIRING),  # exactly six months
        (SIX_MONTHS + timedelta(days=1), True, None, QualificationStatus.VALID),
        (None, True, None, QualificationStatus.VALID),  # a degree does not expire
        (SIX_MONTHS + timedelta(days=400), False, None, QualificationStatus.UNVERIFIED),
        (None, True, TODAY + timedelta(days=1), QualificationStatus.NOT_YET_VALID),
        (None, True, TODAY, QualificationStatus.VALID),
    ],
)
def test_qualification_status_on_the_boundaries(until, verified, since, expected):
    facts = held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, until, verified=verified, since=since)
    assert qualification_status(facts, TODAY) is expected


FAR = date(2030, 1, 1)
CASES = [
    (
        "clinical psychologist kutse",
        [held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, FAR)],
        Verdict.COUNSELLING,
    ),
    (
        "counselling psychologist kutse",
        [held(Q.KUTSE_COUNSELLING_PSYCHOLOGIST, FAR)],
        Verdict.COUNSELLING,
    ),
    ("school psychologist kutse", [held(Q.KUTSE_SCHOOL_PSYCHOLOGIST, FAR)], Verdict.COUNSELLING),
    ("master's in psychology", [held(Q.MASTER_PSYCHOLOGY)], Verdict.COUNSELLING),
    ("master's in social work alone", [held(Q.MASTER_SOCIAL_WORK)], Verdict.NOT_ELIGIBLE),
    (
        "social worker + psychotherapy training",
        [held(Q.KUTSE_SOCIAL_WORKER, FAR), held(Q.PSYCHOTHERAPY_TRAINING)],
        Verdict.PSYCHOTHERAPY,
    ),
    (
        "psychiatrist + ECP",
        [held(Q.HEALTHCARE_PSYCHIATRY), held(Q.ECP, FAR)],
        Verdict.PSYCHOTHERAPY,
    ),
    (
        "mental-health nurse + training",
        [held(Q.HEALTHCARE_MENTAL_HEALTH_NURSING), held(Q.PSYCHOTHERAPY_TRAINING)],
        Verdict.PSYCHOTHERAPY,
    ),
    ("training without a base", [held(Q.PSYCHOTHERAPY_TRAINING)], Verdict.NOT_ELIGIBLE),
    (
        "psychologist + training: both services",
        [held(Q.MASTER_PSYCHOLOGY), held(Q.PSYCHOTHERAPY_TRAINING)],
        Verdict.PSYCHOTHERAPY,
    ),
    (
        "expired kutse",
        [held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, TODAY - timedelta(days=1))],
        Verdict.NOT_ELIGIBLE,
    ),
    ("kutse valid until today", [held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, TODAY)], Verdict.COUNSELLING),
    (
        "unverified kutse",
        [held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, FAR, verified=False)],
        Verdict.NOT_ELIGIBLE,
    ),
    (
        "expired ECP, no other training",
        [held(Q.MASTER_PSYCHOLOGY), held(Q.ECP, TODAY - timedelta(days=3))],
        Verdict.COUNSELLING,
    ),
    ("nothing", [], Verdict.NOT_ELIGIBLE),
]


@pytest.mark.parametrize(("case", "qualifications", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_eligibility_follows_the_rules(case, qualifications, verdict):
    assert evaluate(qualifications, TODAY).verdict is verdict


def test_reasons_name_the_rule_and_the_failing_qualification():
    result = evaluate([held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, date(2026, 1, 31))], TODAY)
    keys = [reason.key for reason in result.reasons]
    assert "compliance.missing.counselling_base" in keys
    assert "compliance.status.expired" in keys
    expired = next(r for r in result.reasons if r.key == "compliance.status.expired")
    assert expired.params["kind"] == "kutse_clinical_psychologist"
    assert expired.params["until"] == date(2026, 1, 31)


def test_an_expiring_qualification_is_eligible_with_a_warning():
    result = evaluate([held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, TODAY + timedelta(days=30))], TODAY)
    assert result.verdict is Verdict.COUNSELLING
    # The kutse is also a psychotherapy base; only the training is missing there.
    assert [r.key for r in result.reasons] == [
        "compliance.missing.psychotherapy_training",
        "compliance.status.expiring",
    ]


def test_rules_are_data_every_kind_is_used_somewhere():
    used = {
        kind for requirements in RULES.values() for req in requirements for kind in req.accepted
    }
    assert used == set(Q)
    assert set(RULES) == set(Service)


def test_provider_readiness_lists_exactly_what_is_missing():
    not_eligible = evaluate([held(Q.KUTSE_CLINICAL_PSYCHOLOGIST, FAR, verified=False)], TODAY)
    readiness = provider_readiness(
        specialists=[("Mari Tamm", True, not_eligible), ("Endine Töötaja", False, not_eligible)],
        steps_done={"contract_signed"},
    )
    keys = [(r.key, r.params.get("name"), r.params.get("step")) for r in readiness.missing]
    assert ("readiness.no_eligible_specialist", None, None) in keys
    assert ("readiness.specialist", "Mari Tamm", None) in keys
    assert all(name != "Endine Töötaja" for _key, name, _step in keys)
    assert ("readiness.step", None, "info_session_attended") in keys
    assert not readiness.ready

    eligible = evaluate([held(Q.MASTER_PSYCHOLOGY)], TODAY)
    steps = {"contract_signed", "info_session_attended"}
    ready = provider_readiness(
        specialists=[("Mari Tamm", True, eligible)],
        steps_done=steps,
        last_info_day=date(2026, 3, 12),
    )
    assert ready.ready
    no_info_day = provider_readiness(specialists=[("Mari Tamm", True, eligible)], steps_done=steps)
    assert [r.key for r in no_info_day.missing] == ["readiness.info_day_missing"]
    rule_off = provider_readiness(
        specialists=[("Mari Tamm", True, eligible)], steps_done=steps, info_day_required=False
    )
    assert rule_off.ready
