"""The activity and cost report: one source for its totals, suppression, files, audit."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from core import db, reports, stats
from core.errors import PermissionDenied
from core.models import AuditEntry, Case, Provider, TherapySession
from tests.core.contract_world import TODAY, case, contract, invoice, provider, therapy, world


def test_periods_cover_a_month_a_quarter_and_a_year():
    assert reports.period_of("month", 2024, 2).end == date(2024, 2, 29)
    quarter = reports.period_of("quarter", 2026, 4)
    assert (quarter.start, quarter.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert reports.period_of("year", 2025).label("et") == "2025"
    assert quarter.label("et") == "4. kvartal 2026"


def test_new_and_continuing_clients(engine, coordinator):
    with db.write_session() as session:
        p = provider(session)
        contract(session, p)
        returning = case(session, p)
        fresh = case(session, p)
        # New is by calendar year (the glossary): a client who started in September 2026
        # is still new in October 2026; one who started in December 2025 is continuing.
        therapy(session, returning, p, date(2025, 12, 20))
        therapy(session, returning, p, date(2026, 10, 4))
        therapy(session, fresh, p, date(2026, 10, 11))
        therapy(session, fresh, p, date(2026, 10, 18))
    with db.read_session() as session:
        totals = reports.activity_totals(session, date(2026, 10, 1), date(2026, 10, 31))
    assert totals == reports.Totals(sessions=3, cost_cents=21000, clients=2, new_clients=1)
    assert totals.continuing_clients == 1
    with db.write_session() as session:
        september_starter = case(session, p)
        therapy(session, september_starter, p, date(2026, 9, 20))
        therapy(session, september_starter, p, date(2026, 10, 25))
    with db.read_session() as session:
        totals = reports.activity_totals(session, date(2026, 10, 1), date(2026, 10, 31))
    assert (totals.clients, totals.new_clients) == (3, 2)


def test_report_totals_equal_the_overview_statistics_for_the_same_period(demo_db, coordinator):
    """The Overview's "sessions this month" and the report count the same sessions."""
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="month", year=2026, number=10)
        assert (report.totals.sessions, report.totals.cost_cents) == stats._sessions_between(
            session, start, end
        )
        counted = session.execute(
            select(TherapySession.id).where(
                TherapySession.session_date >= start, TherapySession.session_date <= end
            )
        ).all()
    assert report.totals.sessions == len(counted) > 0
    for lines in (report.by_provider, report.by_county, report.by_category):
        assert sum(line.sessions for line in lines) == report.totals.sessions
        assert sum(line.cost_cents for line in lines) == report.totals.cost_cents


def test_the_report_takes_its_totals_from_activity_totals(monkeypatch, engine, coordinator):
    world()
    calls = []
    original = reports.activity_totals

    def spy(session, start, end):
        calls.append((start, end))
        return original(session, start, end)

    monkeypatch.setattr(reports, "activity_totals", spy)
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="quarter", year=2026, number=4)
    assert calls == [(date(2026, 10, 1), date(2026, 12, 31))]
    assert report.totals.sessions == 3


_days = st.integers(min_value=0, max_value=120).map(lambda n: date(2026, 8, 1) + timedelta(n))
_sessions = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # which case
        _days,
        st.sampled_from([4500, 6000, 7000, 9999]),
        st.sampled_from(["0037", "0079", "0045"]),
    ),
    max_size=40,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sessions=_sessions)
def test_report_totals_are_the_sum_of_the_sessions(engine, coordinator, sessions):
    with db.write_session() as session:
        for model in (TherapySession, Case, Provider):
            session.execute(delete(model))
        p = provider(session)
        cases: dict[int, tuple[int, str]] = {}
        for which, day, cost, county in sessions:
            if which not in cases:
                cases[which] = (case(session, p, county=county), county)
            therapy(session, cases[which][0], p, day, cost=cost)
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="quarter", year=2026, number=4)
    inside = [s for s in sessions if date(2026, 10, 1) <= s[1] <= date(2026, 12, 31)]
    first_seen: dict[int, date] = {}
    for which, day, _cost, _county in sessions:
        first_seen[which] = min(day, first_seen.get(which, day))
    clients = {s[0] for s in inside}
    assert report.totals.sessions == len(inside)
    assert report.totals.cost_cents == sum(s[2] for s in inside)
    assert report.totals.clients == len(clients)
    # New in the calendar year of the first session (the glossary's definition).
    assert report.totals.new_clients == sum(
        1 for which in clients if first_seen[which] >= date(2026, 1, 1)
    )
    assert sum(line.sessions for line in report.by_county) == len(inside)
    assert sum(line.cost_cents for line in report.by_county) == report.totals.cost_cents
    assert sum(line.sessions for line in report.by_provider or []) == len(inside)


def test_small_client_counts_are_suppressed_with_a_second_cell(engine, coordinator):
    shown = reports.suppress_column([2, 40, 7, 0], 5)
    assert [c.display() for c in shown] == ["<5", "40", "×", "0"]
    assert shown[2].suppressed
    assert [c.display() for c in reports.suppress_column([6, 7], 5)] == ["6", "7"]


def test_viewer_gets_no_provider_names_and_lead_may_export(demo_db, viewer, lead):
    with db.read_session() as session:
        seen = reports.build_report(session, viewer, kind="month", year=2026, number=10)
    assert seen.by_provider is None
    with db.write_session() as session:
        reports.export_report(session, lead, report=seen, fmt="xlsx", lang="en")


def test_admin_cannot_build_a_report(admin, engine):
    with pytest.raises(PermissionDenied), db.read_session() as session:
        reports.build_report(session, admin, kind="year", year=2026)


def test_the_xlsx_neutralises_formula_like_text_and_its_totals_match(engine, coordinator):
    from openpyxl import load_workbook

    with db.write_session() as session:
        p = provider(session, name='=HYPERLINK("http://x")', code="10000077")
        contract(session, p)
        for n in range(6):
            therapy(session, case(session, p), p, date(2026, 10, 2 + n))
        invoice(session, contract(session, p, number="N-2"), amount_cents=100)
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="month", year=2026, number=10)
    with db.write_session() as session:
        content = reports.export_report(session, coordinator, report=report, fmt="xlsx", lang="et")
    book = load_workbook(io.BytesIO(content))
    sheet = book["Teenuseosutajate kaupa"]
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["B3"].value == 6 and sheet["A3"].value == "Kokku"
    summary = {row[0].value: row[1].value for row in book["Kokkuvõte"].iter_rows(min_row=2)}
    assert summary["Seansse"] == 6
    assert summary["Kulu"] == 420.0
    assert book["Kokkuvõte"]["B7"].number_format == '#,##0.00 "€"'
    with db.read_session() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "export")
        ).scalar_one()
    assert "format=xlsx" in entry.fields and entry.table_name == "report"


def test_the_pdf_embeds_the_unicode_font(engine, coordinator):
    world()
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="month", year=2026, number=10)
    for lang in ("et", "en"):
        content = reports.to_pdf(report, lang)
        assert content.startswith(b"%PDF")
        assert b"DejaVu" in content and b"FontFile2" in content


def test_the_report_shows_budget_use_and_invoices_by_status(engine, coordinator):
    ids = world()
    with db.write_session() as session:
        invoice(session, ids["contract"], status="approved", amount_cents=20000)
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="year", year=TODAY.year)
    assert report.budget.ceiling_cents == 100_000_00
    assert report.budget.approved_cents == 20000
    assert [line.status for line in report.invoices][:3] == ["received", "checked", "approved"]


def test_the_pdf_font_has_every_estonian_letter(engine, coordinator, caplog):
    with db.write_session() as session:
        p = provider(session, name="Šokolaadi Žürii Õõ Ää Öö Üü Teraapia OÜ", code="10000055")
        therapy(session, case(session, p), p, date(2026, 10, 5))
    with db.read_session() as session:
        report = reports.build_report(session, coordinator, kind="month", year=2026, number=10)
    with caplog.at_level("WARNING"):
        reports.to_pdf(report, "et")
    assert not [r for r in caplog.records if "missing" in r.getMessage().lower()]
