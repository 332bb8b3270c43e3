"""Provider services: validation by field, onboarding status from steps, activation that
lists what is missing, specialists saved all-or-nothing, verification recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from core import db
from core.dates import local_today
from core.errors import ConflictError, PermissionDenied, ValidationFailed
from core.models import AuditEntry, Provider, Setting, Specialist
from core.services import providers
from tests.conftest import actor_with

TODAY = local_today()
GOOD = {
    "name": "Hingerahu OÜ",
    "registry_code": "12345678",
    "legal_form": "ou",
    "contact_person": "Mari Tamm",
    "email": "info@hingerahu.example",
    "phone": "+372 5123 4567",
    "address": "Tartu, Riia 6",
    "counties": ["0079"],
    "languages": ["et", "ru"],
    "service_forms": ["in_person", "video"],
    "notes": "",
}


def _create(coordinator, **changes) -> int:
    with db.write_session() as session:
        return providers.create_provider(session, coordinator, data={**GOOD, **changes})


def _detail(coordinator, provider_id: int):
    with db.read_session() as session:
        return providers.get_provider(session, coordinator, provider_id=provider_id, on=TODAY)


def test_a_good_provider_is_saved_and_audited(engine, coordinator):
    provider_id = _create(coordinator)
    detail = _detail(coordinator, provider_id)
    assert (detail.name, detail.onboarding_status, detail.counties) == (
        "Hingerahu OÜ",
        "applied",
        ("0079",),
    )
    with db.read_session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "provider.create")).one()
    assert entry.record_id == provider_id and "name" in entry.fields


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registry_code", "1234567"),
        ("registry_code", "abcdefgh"),
        ("email", "pole-aadress"),
        ("phone", "helista mulle"),
        ("counties", []),
        ("languages", []),
        ("counties", ["9999"]),
        ("name", "X"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_saved(engine, coordinator, field, value):
    with pytest.raises(ValidationFailed) as refused:
        _create(coordinator, **{field: value})
    assert [problem[0] for problem in refused.value.problems] == [field]
    with db.read_session() as session:
        assert session.exec(select(Provider)).first() is None


def test_a_duplicate_registry_code_is_refused(engine, coordinator):
    _create(coordinator)
    with pytest.raises(ValidationFailed) as refused:
        _create(coordinator, name="Teine OÜ")
    assert refused.value.problems[0][:2] == ("registry_code", "invalid.registry_code_taken")


def test_an_edit_over_a_newer_version_is_a_conflict(engine, coordinator):
    provider_id = _create(coordinator)
    loaded = _detail(coordinator, provider_id)
    with db.write_session() as session:
        providers.update_provider(
            session,
            coordinator,
            provider_id=provider_id,
            data={**GOOD, "name": "Esimene OÜ"},
            expected_version=loaded.version,
        )
    with pytest.raises(ConflictError), db.write_session() as session:
        providers.update_provider(
            session,
            coordinator,
            provider_id=provider_id,
            data={**GOOD, "name": "Teine OÜ"},
            expected_version=loaded.version,
        )
    assert _detail(coordinator, provider_id).name == "Esimene OÜ"


def _step(coordinator, provider_id: int, step: str) -> None:
    with db.write_session() as session:
        providers.record_step(
            session,
            coordinator,
            provider_id=provider_id,
            step=step,
            done_on=TODAY,
            document_ref="7.2-1/2026/1",
        )


def test_the_status_follows_the_steps(engine, coordinator):
    provider_id = _create(coordinator)
    for step, status in [
        ("application", "applied"),
        ("provider_questionnaire", "applied"),
        ("qualification_proof", "documents_checked"),
        ("qualifications_verified", "qualifications_verified"),
        ("contract_signed", "contract_signed"),
        ("info_session_attended", "info_session_attended"),
    ]:
        _step(coordinator, provider_id, step)
        assert _detail(coordinator, provider_id).onboarding_status == status
    with db.write_session() as session:
        providers.clear_step(
            session, coordinator, provider_id=provider_id, step="info_session_attended"
        )
    assert _detail(coordinator, provider_id).onboarding_status == "contract_signed"


def _add_specialist(coordinator, provider_id: int, name: str = "Mari Tamm") -> int:
    with db.write_session() as session:
        return providers.save_specialists(
            session,
            coordinator,
            provider_id=provider_id,
            rows=[{"name": name, "profession": "clinical_psychologist", "languages": ["et"]}],
        )[0]


def test_activation_is_refused_with_exactly_what_is_missing(engine, coordinator):
    provider_id = _create(coordinator)
    specialist_id = _add_specialist(coordinator, provider_id)
    with db.write_session() as session:
        providers.save_qualification(
            session,
            coordinator,
            specialist_id=specialist_id,
            data={
                "kind": "kutse_clinical_psychologist",
                "certificate_number": "123456",
                "eqf_level": 7,
                "valid_until": date(2030, 1, 1),
            },
        )
    for step in (
        "application",
        "provider_questionnaire",
        "specialist_questionnaires",
        "qualification_proof",
        "qualifications_verified",
        "contract_signed",
    ):
        _step(coordinator, provider_id, step)
    detail = _detail(coordinator, provider_id)
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        providers.set_status(
            session,
            coordinator,
            provider_id=provider_id,
            status="active",
            expected_version=detail.version,
            on=TODAY,
        )
    problems = [
        (key, params.get("name"), params.get("step"))
        for _field, key, params in refused.value.problems
    ]
    assert ("readiness.no_eligible_specialist", None, None) in problems
    assert ("readiness.specialist", "Mari Tamm", None) in problems  # the kutse is unverified
    assert ("readiness.step", None, "info_session_attended") in problems
    reasons_for_mari = sorted(
        params["reason"]
        for _f, key, params in refused.value.problems
        if key == "readiness.specialist"
    )
    assert reasons_for_mari == [
        "compliance.missing.counselling_base",
        "compliance.missing.psychotherapy_base",
        "compliance.missing.psychotherapy_training",
        "compliance.status.unverified",
    ]
    assert len(problems) == 6  # no eligible specialist, Mari's four reasons, one step
    assert _detail(coordinator, provider_id).onboarding_status == "contract_signed"


def test_a_verified_specialist_and_every_step_make_the_provider_active_and_ready(
    engine, coordinator
):
    provider_id = _create(coordinator)
    specialist_id = _add_specialist(coordinator, provider_id)
    with db.write_session() as session:
        qualification_id = providers.save_qualification(
            session,
            coordinator,
            specialist_id=specialist_id,
            data={
                "kind": "kutse_clinical_psychologist",
                "certificate_number": "123456",
                "eqf_level": 7,
                "valid_until": date(2030, 1, 1),
            },
        )
    with db.write_session() as session:
        providers.verify_qualification(
            session,
            coordinator,
            qualification_id=qualification_id,
            source="kutseregister",
            document_ref="KR 123456",
            expected_version=1,
        )
    for step in providers.STEP_ORDER[:-1]:
        _step(coordinator, provider_id, step.value)
    detail = _detail(coordinator, provider_id)
    assert detail.activation.ready
    assert detail.specialists[0].eligibility.verdict.value == "counselling"
    with db.write_session() as session:
        providers.set_status(
            session,
            coordinator,
            provider_id=provider_id,
            status="active",
            expected_version=detail.version,
            on=TODAY,
        )
    detail = _detail(coordinator, provider_id)
    assert detail.onboarding_status == "active"
    # Active, but the yearly info day is still missing; with the rule switched off, ready.
    assert [r.key for r in detail.readiness.missing] == ["readiness.info_day_missing"]
    with db.write_session() as session:
        rule = session.exec(select(Setting).where(Setting.key == "info_day_required_yearly"))
        rule.one().value = False
    assert _detail(coordinator, provider_id).readiness.ready


def test_changing_a_verified_qualification_needs_verifying_again(engine, coordinator):
    provider_id = _create(coordinator)
    specialist_id = _add_specialist(coordinator, provider_id)
    data = {
        "kind": "kutse_clinical_psychologist",
        "certificate_number": "123456",
        "valid_until": date(2030, 1, 1),
    }
    with db.write_session() as session:
        qualification_id = providers.save_qualification(
            session, coordinator, specialist_id=specialist_id, data=data
        )
    with db.write_session() as session:
        providers.verify_qualification(
            session,
            coordinator,
            qualification_id=qualification_id,
            source="kutseregister",
            expected_version=1,
        )
    with db.write_session() as session:
        providers.save_qualification(
            session,
            coordinator,
            specialist_id=specialist_id,
            qualification_id=qualification_id,
            expected_version=2,
            data={**data, "valid_until": date(2031, 1, 1)},
        )
    quality = _detail(coordinator, provider_id).specialists[0].qualifications[0]
    assert quality.status.value == "unverified"


def test_a_kutse_without_its_number_or_with_reversed_dates_is_refused(engine, coordinator):
    specialist_id = _add_specialist(coordinator, _create(coordinator))
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        providers.save_qualification(
            session,
            coordinator,
            specialist_id=specialist_id,
            data={
                "kind": "kutse_clinical_psychologist",
                "valid_from": date(2026, 1, 1),
                "valid_until": date(2025, 1, 1),
            },
        )
    assert {p[1] for p in refused.value.problems} == {
        "invalid.valid_until_before_from",
        "invalid.certificate_number_required",
    }


def test_specialists_are_saved_all_or_nothing_with_row_numbers(engine, coordinator):
    provider_id = _create(coordinator)
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        providers.save_specialists(
            session,
            coordinator,
            provider_id=provider_id,
            rows=[
                {"name": "Mari Tamm", "profession": "clinical_psychologist", "languages": ["et"]},
                {"name": "", "profession": "clinical_psychologist", "languages": ["et"]},
                {"name": "Jaan Saar", "profession": "nobody", "languages": []},
            ],
        )
    rows = sorted({(params["row"], field) for field, _key, params in refused.value.problems})
    assert rows == [(2, "name"), (3, "languages"), (3, "profession")]
    with db.read_session() as session:
        assert session.exec(select(Specialist)).first() is None


@pytest.mark.parametrize("role", ["lead", "viewer"])
def test_lead_and_viewer_cannot_change_providers(engine, coordinator, role):
    from core.models import Role

    provider_id = _create(coordinator)
    actor = actor_with(Role(role), username=role)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        providers.update_provider(
            session,
            actor,
            provider_id=provider_id,
            data={**GOOD, "name": "Muudetud"},
            expected_version=1,
        )
    with pytest.raises(PermissionDenied), db.write_session() as session:
        providers.record_step(
            session, actor, provider_id=provider_id, step="application", done_on=TODAY
        )
    assert _detail(coordinator, provider_id).name == "Hingerahu OÜ"


def test_viewer_cannot_read_provider_records(engine, coordinator, viewer):
    provider_id = _create(coordinator)
    with pytest.raises(PermissionDenied), db.read_session() as session:
        providers.get_provider(session, viewer, provider_id=provider_id, on=TODAY)


def test_filters_on_demo_data(demo_db, coordinator):
    with db.read_session() as session:
        everyone = providers.list_providers(
            session, coordinator, filters=providers.ProviderFilter(), on=TODAY
        )
        tartu = providers.list_providers(
            session, coordinator, filters=providers.ProviderFilter(county="0079"), on=TODAY
        )
        ready = providers.list_providers(
            session, coordinator, filters=providers.ProviderFilter(compliance="ready"), on=TODAY
        )
        expired = providers.list_providers(
            session, coordinator, filters=providers.ProviderFilter(compliance="expired"), on=TODAY
        )
    assert len(everyone) == 40
    assert tartu and all("0079" in d.counties for d in tartu)
    assert ready and all(d.readiness.ready and d.onboarding_status == "active" for d in ready)
    assert all(
        any(q.status.value == "expired" for p in d.specialists for q in p.qualifications)
        for d in expired
    )
    table = providers.provider_table(everyone)
    assert len(table) == 40 and table["ready"].sum() == len(ready)
