"""Invoices: reconciliation against recorded sessions, the workflow with who and when, the
remaining-ceiling flag, and the all-or-nothing import."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core import db
from core.errors import PermissionDenied, ValidationFailed
from core.models import Contract, Invoice
from core.services import invoices
from core.services.invoices import Group, reconcile_groups
from core.tabular import TableRefused, read_table
from tests.core.contract_world import PRICES, invoice, therapy, world


def _row(invoice_id: int, actor) -> invoices.InvoiceRow:
    with db.read_session() as session:
        return invoices.get_invoice(session, actor, invoice_id=invoice_id).row


def _version(invoice_id: int) -> int:
    with db.read_session() as session:
        return session.get(Invoice, invoice_id).version


@pytest.fixture
def ids(engine):
    return world()


# --- reconciliation ----------------------------------------------------------------------


def test_an_invoice_that_matches_the_sessions_is_not_flagged(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=3, amount_cents=20000)
    result = _row(invoice_id, coordinator).reconciliation
    assert result.matches
    assert (result.recorded_sessions, result.expected_cents) == (3, 20000)


def test_an_invoice_claiming_unrecorded_sessions_is_flagged_with_the_difference(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=4, amount_cents=27000)
    result = _row(invoice_id, coordinator).reconciliation
    assert not result.matches
    assert result.session_difference == 1 and result.amount_difference == 7000
    assert [issue.kind for issue in result.issues] == ["missing_sessions", "amount"]
    assert result.issues[0].params == {"count": 1}


def test_sessions_recorded_but_not_invoiced_are_flagged(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=2, amount_cents=14000)
    result = _row(invoice_id, coordinator).reconciliation
    assert [issue.kind for issue in result.issues] == ["extra_sessions", "amount"]
    assert result.session_difference == -1 and result.amount_difference == -6000


def test_the_right_count_at_the_wrong_price_is_a_price_mismatch(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=3, amount_cents=21000)
    result = _row(invoice_id, coordinator).reconciliation
    assert [(i.kind, i.params) for i in result.issues] == [("price_mismatch", {"difference": 1000})]


def test_sessions_without_a_unit_price_are_flagged_and_listed(coordinator, ids):
    with db.write_session() as session:
        therapy(session, ids["case"], ids["provider"], date(2026, 10, 27), minutes=90, cost=9000)
        invoice_id = invoice(session, ids["contract"], sessions_claimed=4, amount_cents=20000)
    with db.read_session() as session:
        detail = invoices.get_invoice(session, coordinator, invoice_id=invoice_id)
    assert [i.kind for i in detail.row.reconciliation.issues] == ["unpriced"]
    assert [line.unit_price_cents for line in detail.sessions] == [7000, 7000, 6000, None]
    assert [line.differs for line in detail.sessions] == [False, False, False, True]


def test_sessions_outside_the_period_or_of_another_provider_do_not_count(coordinator, ids):
    from tests.core.contract_world import case, provider

    with db.write_session() as session:
        other = provider(session, "Muu OÜ", "10000009")
        therapy(session, case(session, other), other, date(2026, 10, 8))
        therapy(session, ids["case"], ids["provider"], date(2026, 11, 2))
        invoice_id = invoice(session, ids["contract"], sessions_claimed=3, amount_cents=20000)
    assert _row(invoice_id, coordinator).reconciliation.matches


def test_reconciliation_is_a_pure_function_of_sessions_and_prices():
    groups = [Group("in_person", 60, 2, 14000), Group("phone", 45, 1, 4000)]
    result = reconcile_groups(3, 18500, groups, PRICES)
    assert result.expected_cents == 18500 and result.matches
    assert result.recorded_cost_cents == 18000


# --- workflow ----------------------------------------------------------------------------


def test_the_workflow_records_who_and_when(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=3, amount_cents=20000)
    with db.write_session() as session:
        invoices.check_invoice(
            session, coordinator, invoice_id=invoice_id, expected_version=_version(invoice_id)
        )
    with db.write_session() as session:
        invoices.approve_invoice(
            session, coordinator, invoice_id=invoice_id, expected_version=_version(invoice_id)
        )
    with db.write_session() as session:
        invoices.mark_paid(
            session,
            coordinator,
            invoice_id=invoice_id,
            paid_on=date(2026, 11, 20),
            expected_version=_version(invoice_id),
        )
    with db.read_session() as session:
        row = session.get(Invoice, invoice_id)
    assert row.status == "paid" and row.paid_on == date(2026, 11, 20)
    assert row.checked_at is not None and row.decided_at is not None


def test_approval_waits_for_a_check_and_a_mismatch_cannot_be_approved(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=4, amount_cents=27000)
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        invoices.approve_invoice(session, coordinator, invoice_id=invoice_id, expected_version=1)
    assert refused.value.problems[0][1] == "invoice.transition.not_allowed"
    with db.write_session() as session:
        invoices.check_invoice(session, coordinator, invoice_id=invoice_id, expected_version=1)
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        invoices.approve_invoice(
            session, coordinator, invoice_id=invoice_id, expected_version=_version(invoice_id)
        )
    assert refused.value.problems[0] == (
        "invoice.status",
        "invoice.approve.mismatch",
        {"sessions": 1, "difference": 7000},
    )
    # Corrected to what was recorded, it goes back to "received" and can then pass.
    with db.write_session() as session:
        invoices.update_invoice(
            session,
            coordinator,
            invoice_id=invoice_id,
            data={
                "contract_id": ids["contract"],
                "number": "A-korr",
                "period_start": date(2026, 10, 1),
                "period_end": date(2026, 10, 31),
                "sessions_claimed": 3,
                "amount_cents": 20000,
                "received_on": date(2026, 11, 5),
            },
            expected_version=_version(invoice_id),
        )
    assert _row(invoice_id, coordinator).status == "received"
    for step in (invoices.check_invoice, invoices.approve_invoice):
        with db.write_session() as session:
            step(session, coordinator, invoice_id=invoice_id, expected_version=_version(invoice_id))
    assert _row(invoice_id, coordinator).status == "approved"


def test_rejecting_needs_a_reason(coordinator, ids):
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"])
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        invoices.reject_invoice(
            session, coordinator, invoice_id=invoice_id, reason="", expected_version=1
        )
    assert refused.value.problems[0][1] == "invoice.reject.reason_required"
    with db.write_session() as session:
        invoices.reject_invoice(
            session, coordinator, invoice_id=invoice_id, reason="Topeltarve", expected_version=1
        )
    with db.read_session() as session:
        row = session.get(Invoice, invoice_id)
    assert (row.status, row.rejection_reason) == ("rejected", "Topeltarve")
    assert row.decided_at is not None


def test_an_invoice_over_the_remaining_ceiling_is_flagged(coordinator, ids):
    with db.write_session() as session:
        session.get(Contract, ids["contract"]).ceiling_cents = 30000
        invoice(session, ids["contract"], amount_cents=20000, status="approved", number="old")
        small = invoice(session, ids["contract"], amount_cents=10000)
        large = invoice(session, ids["contract"], amount_cents=10001)
    assert not _row(small, coordinator).over_ceiling
    assert _row(large, coordinator).over_ceiling
    assert _row(large, coordinator).remaining_before_cents == 10000


@pytest.mark.parametrize("who", ["lead", "viewer"])
def test_lead_and_viewer_cannot_change_an_invoice(who, request, ids):
    actor = request.getfixturevalue(who)
    with db.write_session() as session:
        invoice_id = invoice(session, ids["contract"], sessions_claimed=3, amount_cents=20000)
    for call in (
        lambda s: invoices.check_invoice(s, actor, invoice_id=invoice_id, expected_version=1),
        lambda s: invoices.reject_invoice(
            s, actor, invoice_id=invoice_id, reason="ei sobi", expected_version=1
        ),
        lambda s: invoices.create_invoice(s, actor, data={}),
        lambda s: invoices.run_import(s, actor, data=b"x", filename="a.csv"),
    ):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            call(session)
    with db.read_session() as session:
        assert session.get(Invoice, invoice_id).status == "received"
        assert session.execute(select(func.count()).select_from(Invoice)).scalar() == 1


# --- import ------------------------------------------------------------------------------


def _number(ids) -> str:
    with db.read_session() as session:
        return session.get(Contract, ids["contract"]).number


def test_the_template_has_the_import_columns_in_both_languages():
    for lang in ("et", "en"):
        for fmt in ("csv", "xlsx"):
            content = invoices.template_file(lang, fmt)
            if fmt == "csv":
                content += b"\r\nT-1;A-1;01.10.2026;31.10.2026;1;70\r\n"
            else:
                from io import BytesIO

                from openpyxl import load_workbook

                book = load_workbook(BytesIO(content))
                book.active.append(["T-1", "A-1", "01.10.2026", "31.10.2026", "1", "70"])
                buffer = BytesIO()
                book.save(buffer)
                content = buffer.getvalue()
            table = read_table(content, f"t.{fmt}", invoices.COLUMNS)
            assert table.columns == [spec.name for spec in invoices.COLUMNS]
            assert table.rows[0][1]["amount"] == "70"


def test_import_preview_reconciles_each_row_and_writes_nothing(coordinator, ids):
    number = _number(ids)
    data = (
        "Lepingu number;Arve number;Perioodi algus;Perioodi lõpp;Seansside arv;Summa (€)\n"
        f"{number};IMP-1;01.10.2026;31.10.2026;4;270,00\n"
    ).encode()
    with db.read_session() as session:
        preview = invoices.preview_import(session, coordinator, data=data, filename="a.csv")
    assert preview.ok and preview.planned == 1
    assert preview.frame.loc[0, "recorded"] == 3 and preview.frame.loc[0, "difference"] == 7000
    with db.read_session() as session:
        assert session.execute(select(func.count()).select_from(Invoice)).scalar() == 0


def test_an_import_with_a_bad_row_saves_nothing(coordinator, ids):
    number = _number(ids)
    data = (
        "contract_number;number;period_start;period_end;sessions_claimed;amount\n"
        f"{number};IMP-1;2026-10-01;2026-10-31;3;200\n"
        f"{number};IMP-2;2026-10-31;2026-10-01;x;abc\n"
        "EI-OLE;IMP-3;2026-10-01;2026-10-31;1;70\n"
    ).encode()
    with pytest.raises(TableRefused) as refused, db.write_session() as session:
        invoices.run_import(session, coordinator, data=data, filename="a.csv")
    where = {(p.row, p.column, p.key) for p in refused.value.items}
    assert (3, "sessions_claimed", "invoices.import.count") in where
    assert (3, "amount", "invoices.import.amount") in where
    assert (4, "contract_number", "invoices.import.no_contract") in where
    with db.read_session() as session:
        assert session.execute(select(func.count()).select_from(Invoice)).scalar() == 0


def test_an_import_saves_every_row_and_flags_mismatches(coordinator, ids):
    number = _number(ids)
    data = (
        "contract_number,number,period_start,period_end,sessions_claimed,amount,received_on\n"
        f"{number},IMP-1,2026-10-01,2026-10-31,3,200.00,2026-11-03\n"
        f"{number},IMP-2,2026-09-01,2026-09-30,2,140,2026-10-03\n"
    ).encode()
    with db.write_session() as session:
        result = invoices.run_import(session, coordinator, data=data, filename="a.csv")
    assert (result.created, result.mismatched) == (2, 1)
    with db.read_session() as session:
        rows = invoices.list_invoices(session, coordinator, mismatched_only=True)
    assert [row.number for row in rows] == ["IMP-2"]
    with pytest.raises(TableRefused) as again, db.write_session() as session:
        invoices.run_import(session, coordinator, data=data, filename="a.csv")
    assert {p.key for p in again.value.items} == {"invoices.import.exists"}


def test_money_is_read_as_written_in_estonia_or_in_english():
    assert invoices.parse_money("1 234,50") == 123450
    assert invoices.parse_money("1234.5") == 123450
    assert invoices.parse_money("70 €") == 7000
    assert invoices.parse_money("7O") is None
