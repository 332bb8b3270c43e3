"""Contracts: the lifecycle's allowed steps, refusals that say why, amendments, filters, the
derived "expiring" status and its agreement with the Overview."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core import db, stats
from core.errors import ConflictError, PermissionDenied, ValidationFailed
from core.models import AuditEntry, Contract, ContractAmendment
from core.services import contracts
from tests.core.contract_world import PRICES, TODAY, contract, provider

NEW = {
    "number": "TTTVT-2026/900",
    "kind": "tttvt",
    "start_date": date(2026, 1, 1),
    "end_date": date(2027, 12, 31),
    "ceiling_cents": 50_000_00,
    "unit_prices": PRICES,
    "document_ref": "",
    "notes": "",
}


def _create(coordinator, provider_id: int, **changes) -> int:
    with db.write_session() as session:
        return contracts.create_contract(
            session, coordinator, data={**NEW, "provider_id": provider_id, **changes}
        )


def _status(contract_id: int) -> tuple[str, int]:
    with db.read_session() as session:
        row = session.get(Contract, contract_id)
        return row.status, row.version


def _move(coordinator, contract_id: int, status: str, reason: str = "", today=TODAY):
    _, version = _status(contract_id)
    with db.write_session() as session:
        return contracts.change_status(
            session,
            coordinator,
            contract_id=contract_id,
            status=status,
            expected_version=version,
            today=today,
            reason=reason,
        )


@pytest.fixture
def provider_id(engine):
    with db.write_session() as session:
        return provider(session)


def test_a_new_contract_is_a_draft_and_is_audited(coordinator, provider_id):
    contract_id = _create(coordinator, provider_id)
    assert _status(contract_id)[0] == "draft"
    with db.read_session() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "contract.create")
        ).scalar_one()
    assert entry.record_id == contract_id and "ceiling_cents" in entry.fields


def test_the_whole_lifecycle_goes_draft_review_signed_active_ended(coordinator, provider_id):
    contract_id = _create(coordinator, provider_id, document_ref="7.2-3/2026/5")
    for status in ("in_review", "signed", "active", "ended"):
        assert _move(coordinator, contract_id, status) == status
    with pytest.raises(ValidationFailed) as refused:
        _move(coordinator, contract_id, "active")
    assert refused.value.problems[0][1] == "contract.transition.final"


def test_a_skipped_step_is_refused_with_the_allowed_steps(coordinator, provider_id):
    contract_id = _create(coordinator, provider_id)
    with pytest.raises(ValidationFailed) as refused:
        _move(coordinator, contract_id, "active")
    field, key, params = refused.value.problems[0]
    assert (field, key) == ("contract.status", "contract.transition.not_allowed")
    assert params == {"from": "draft", "to": "active", "allowed": ["in_review"]}
    assert _status(contract_id)[0] == "draft"


def test_signing_needs_a_document_number(coordinator, provider_id):
    contract_id = _create(coordinator, provider_id)
    _move(coordinator, contract_id, "in_review")
    with pytest.raises(ValidationFailed) as refused:
        _move(coordinator, contract_id, "signed")
    assert refused.value.problems[0][1] == "contract.transition.document_required"


def test_activation_needs_unit_prices_and_a_started_term(coordinator, provider_id):
    contract_id = _create(
        coordinator, provider_id, document_ref="D-1", unit_prices=[], start_date=date(2027, 1, 1)
    )
    _move(coordinator, contract_id, "in_review")
    _move(coordinator, contract_id, "signed")
    with pytest.raises(ValidationFailed) as refused:
        _move(coordinator, contract_id, "active")
    keys = {key for _f, key, _p in refused.value.problems}
    assert keys == {"contract.transition.prices_required", "contract.transition.not_started"}


def test_termination_needs_a_reason_and_is_allowed_only_from_signed_or_active(
    coordinator, provider_id
):
    draft = _create(coordinator, provider_id)
    with pytest.raises(ValidationFailed):
        _move(coordinator, draft, "terminated", reason="Teenuseosutaja loobus")
    signed = _create(coordinator, provider_id, number="TTTVT-2026/901", document_ref="D-2")
    _move(coordinator, signed, "in_review")
    _move(coordinator, signed, "signed")
    with pytest.raises(ValidationFailed) as refused:
        _move(coordinator, signed, "terminated", reason=" ")
    assert refused.value.problems[0][1] == "contract.transition.reason_required"
    assert _move(coordinator, signed, "terminated", reason="Teenuseosutaja loobus") == "terminated"
    with db.read_session() as session:
        assert session.get(Contract, signed).termination_reason == "Teenuseosutaja loobus"


def test_a_stored_expiring_contract_is_active_for_the_lifecycle(coordinator, provider_id):
    with db.write_session() as session:
        contract_id = contract(session, provider_id, status="expiring")
    assert _move(coordinator, contract_id, "ended") == "ended"


def test_expiring_is_derived_from_the_end_date():
    assert contracts.shown_status("active", TODAY + timedelta(days=91), TODAY) == "active"
    assert contracts.shown_status("active", TODAY + timedelta(days=90), TODAY) == "expiring"
    assert contracts.shown_status("expiring", TODAY + timedelta(days=300), TODAY) == "active"
    assert contracts.shown_status("signed", TODAY + timedelta(days=10), TODAY) == "signed"
    assert contracts.ACTIVE_STATUSES == stats.ACTIVE_CONTRACT
    assert contracts.LIVE_STATUSES == stats.LIVE_CONTRACT


def test_filters_by_shown_status_provider_and_days_to_end(coordinator, provider_id):
    with db.write_session() as session:
        other = provider(session, "Teine OÜ", "10000002")
        soon = contract(session, provider_id, end_date=TODAY + timedelta(days=25))
        later = contract(session, provider_id, end_date=TODAY + timedelta(days=200))
        stored_expiring = contract(
            session, other, status="expiring", end_date=TODAY + timedelta(days=70)
        )
        contract(session, other, status="draft", end_date=TODAY + timedelta(days=20))
    with db.read_session() as session:

        def ids(**filters):
            found = contracts.list_contracts(session, coordinator, today=TODAY, **filters)
            return {row.id for row in found}

        assert ids(status="expiring") == {soon, stored_expiring}
        assert ids(status="active") == {later}
        assert ids(provider_id=other, status="expiring") == {stored_expiring}
        assert ids(ending_within_days=30) == {soon}
        assert ids(ending_within_days=90) == {soon, stored_expiring}


def test_page_alerts_are_the_overview_alerts(coordinator, provider_id):
    with db.write_session() as session:
        for days in (10, 45, 80, 120):
            contract(session, provider_id, end_date=TODAY + timedelta(days=days))
        contract(session, provider_id, status="signed", end_date=TODAY + timedelta(days=59))
    with db.read_session() as session:
        page = contracts.ending_alerts(session, coordinator, today=TODAY)
        overview = stats.overview(session, coordinator, today=TODAY)
    shown = {(row.id, f"contract_ending_{row.alert_days}") for row in page}
    on_overview = {
        (alert.record_id, alert.kind)
        for alert in overview.alerts
        if alert.table == "contract" and alert.kind.startswith("contract_ending")
    }
    assert shown == on_overview
    assert sorted(row.alert_days for row in page) == [30, 60, 60, 90]


def test_active_contract_tile_counts_active_and_expiring(coordinator, provider_id):
    with db.write_session() as session:
        contract(session, provider_id, end_date=TODAY + timedelta(days=30))
        contract(session, provider_id, status="expiring", end_date=TODAY + timedelta(days=30))
        contract(session, provider_id, end_date=TODAY + timedelta(days=400))
        contract(session, provider_id, status="signed")
    with db.read_session() as session:
        tiles = {t.key: t for t in stats.overview(session, coordinator, today=TODAY).tiles}
        listed = contracts.list_contracts(session, coordinator, today=TODAY)
    active = [row for row in listed if row.status in ("active", "expiring")]
    assert tiles["active_contracts"].count.value == len(active) == 3
    assert tiles["active_contracts"].page == "contracts"


def test_a_signed_contract_is_changed_only_by_amendment(coordinator, provider_id):
    with db.write_session() as session:
        contract_id = contract(session, provider_id, ceiling_cents=30_000_00)
    _, version = _status(contract_id)
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        contracts.update_contract(
            session,
            coordinator,
            contract_id=contract_id,
            data={**NEW, "provider_id": provider_id, "number": "X-1"},
            expected_version=version,
        )
    assert refused.value.problems[0][1] == "contract.edit_after_signing"
    with db.write_session() as session:
        contracts.add_amendment(
            session,
            coordinator,
            contract_id=contract_id,
            data={
                "amended_on": date(2026, 6, 1),
                "what_changed": "Maksimaalse summa suurendamine",
                "new_ceiling_cents": 45_000_00,
                "new_end_date": date(2028, 6, 30),
            },
            expected_version=version,
        )
    with db.read_session() as session:
        detail = contracts.get_contract(session, coordinator, contract_id=contract_id, today=TODAY)
    assert detail.row.ceiling_cents == 45_000_00
    assert detail.row.end_date == date(2028, 6, 30)
    assert [a.what_changed for a in detail.amendments] == ["Maksimaalse summa suurendamine"]
    assert detail.amendments[0].new_ceiling_cents == 45_000_00


def test_an_amendment_needs_a_description_and_a_live_contract(coordinator, provider_id):
    with db.write_session() as session:
        draft = contract(session, provider_id, status="draft")
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        contracts.add_amendment(
            session,
            coordinator,
            contract_id=draft,
            data={"amended_on": date(2026, 6, 1), "what_changed": "x"},
            expected_version=1,
        )
    keys = {key for _f, key, _p in refused.value.problems}
    assert keys == {"invalid.amendment.what_changed"}
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        contracts.add_amendment(
            session,
            coordinator,
            contract_id=draft,
            data={"amended_on": date(2026, 6, 1), "what_changed": "Uus hind"},
            expected_version=1,
        )
    assert refused.value.problems[0][1] == "contract.amend_not_allowed"
    with db.read_session() as session:
        assert session.execute(select(func.count()).select_from(ContractAmendment)).scalar() == 0


def test_bad_input_names_the_fields_and_saves_nothing(coordinator, provider_id):
    with pytest.raises(ValidationFailed) as refused:
        _create(
            coordinator,
            provider_id,
            number="",
            end_date=date(2025, 1, 1),
            unit_prices=[*PRICES, PRICES[0]],
        )
    fields = {field for field, _k, _p in refused.value.problems}
    assert "contract.number" in fields
    with pytest.raises(ValidationFailed) as refused:
        _create(coordinator, provider_id, end_date=date(2025, 1, 1))
    assert refused.value.problems == [
        ("contract.end_date", "invalid.contract.end_before_start", {})
    ]
    with pytest.raises(ValidationFailed) as refused:
        _create(coordinator, provider_id, unit_prices=[*PRICES, PRICES[0]])
    assert refused.value.problems[0][1] == "invalid.contract.unit_price_twice"
    with db.read_session() as session:
        assert session.execute(select(func.count()).select_from(Contract)).scalar() == 0


def test_a_stale_version_is_a_conflict(coordinator, provider_id):
    contract_id = _create(coordinator, provider_id, document_ref="D")
    with pytest.raises(ConflictError), db.write_session() as session:
        contracts.change_status(
            session,
            coordinator,
            contract_id=contract_id,
            status="in_review",
            expected_version=99,
            today=TODAY,
        )


@pytest.mark.parametrize("who", ["lead", "viewer"])
def test_lead_and_viewer_cannot_change_a_contract(who, request, coordinator, provider_id):
    actor = request.getfixturevalue(who)
    contract_id = _create(coordinator, provider_id, document_ref="D")
    calls = [
        lambda s: contracts.create_contract(s, actor, data={**NEW, "provider_id": provider_id}),
        lambda s: contracts.change_status(
            s, actor, contract_id=contract_id, status="in_review", expected_version=1, today=TODAY
        ),
        lambda s: contracts.add_amendment(
            s,
            actor,
            contract_id=contract_id,
            data={"amended_on": TODAY, "what_changed": "Uus summa", "new_ceiling_cents": 1},
            expected_version=1,
        ),
        lambda s: contracts.update_contract(
            s,
            actor,
            contract_id=contract_id,
            data={**NEW, "provider_id": provider_id, "number": "Y"},
            expected_version=1,
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied), db.write_session() as session:
            call(session)
    with db.read_session() as session:
        assert session.execute(select(func.count()).select_from(Contract)).scalar() == 1
        assert session.get(Contract, contract_id).status == "draft"


def test_viewer_cannot_read_contracts(viewer, provider_id):
    with pytest.raises(PermissionDenied), db.read_session() as session:
        contracts.list_contracts(session, viewer, today=TODAY)


def test_demo_amendments_are_applied_to_their_contracts(demo_db):
    with db.read_session() as session:
        rows = session.execute(
            select(Contract.ceiling_cents, ContractAmendment.new_ceiling_cents).join(
                ContractAmendment, ContractAmendment.contract_id == Contract.id
            )
        ).all()
    assert rows and all(ceiling == new for ceiling, new in rows)
