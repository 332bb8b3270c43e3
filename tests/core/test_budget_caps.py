"""Contract budgets and their forecast, and the per-client cap around its dated changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import budget, caps, db, stats
from core.errors import PermissionDenied
from core.settings import cap_on
from tests.core.contract_world import TODAY, case, contract, invoice, provider, therapy, world

# --- forecast ----------------------------------------------------------------------------


def test_the_forecast_divides_what_is_left_by_the_trailing_average():
    # 3 000 € left, 1 000 € a month on average: about three months.
    on = budget.forecast_exhaustion(300_000, [90_000, 100_000, 110_000], date(2026, 1, 1))
    assert on == date(2026, 1, 1) + timedelta(days=91)


def test_the_forecast_on_a_synthetic_series_of_rising_spend():
    series = [50_000 * n for n in range(1, 13)]  # 500 € in month 1 up to 6 000 € in month 12
    trailing = series[-3:]  # 5 000, 5 500, 6 000: 5 500 € a month
    on = budget.forecast_exhaustion(1_100_000, trailing, date(2026, 6, 1))
    assert on == date(2026, 6, 1) + timedelta(days=60)  # two months of 30.44 days, rounded down


def test_no_spend_never_runs_out_and_an_exhausted_ceiling_runs_out_today():
    assert budget.forecast_exhaustion(100, [0, 0, 0], TODAY) is None
    assert budget.forecast_exhaustion(100, [], TODAY) is None
    assert budget.forecast_exhaustion(0, [10, 10, 10], TODAY) == TODAY
    assert budget.forecast_exhaustion(-5, [0, 0, 0], TODAY) == TODAY


def test_the_trailing_months_are_the_three_full_months_before_this_one():
    assert budget.trailing_months(date(2026, 2, 14)) == ["2025-11", "2025-12", "2026-01"]


# --- budgets -----------------------------------------------------------------------------


def test_a_contract_budget_adds_up_invoices_and_sessions(coordinator, engine):
    ids = world()
    with db.write_session() as session:
        for status, cents in (("received", 100), ("approved", 1000), ("paid", 10000)):
            invoice(session, ids["contract"], status=status, amount_cents=cents)
        invoice(session, ids["contract"], status="rejected", amount_cents=99999)
        # Before the contract's term: not this contract's money.
        therapy(session, ids["case"], ids["provider"], date(2025, 12, 20))
    with db.read_session() as session:
        (item,) = budget.contract_budgets(session, coordinator, today=TODAY)
    assert item.invoiced_cents == 11100
    assert item.approved_cents == 11000
    assert item.paid_cents == 10000
    assert item.sessions_cents == 20000
    assert item.used_cents == 20000
    assert item.trailing_cents == (0, 0, 20000)  # August, September, October
    assert not item.warning


def test_the_warning_starts_at_80_percent_and_reaches_the_overview(coordinator, engine):
    with db.write_session() as session:
        p = provider(session)
        near = contract(session, p, ceiling_cents=10000)
        far = contract(session, p, ceiling_cents=100000, number="FAR")
        invoice(session, near, amount_cents=8000)
        invoice(session, far, amount_cents=7999)
    with db.read_session() as session:
        items = {
            b.contract_id: b for b in budget.contract_budgets(session, coordinator, today=TODAY)
        }
        overview = stats.overview(session, coordinator, today=TODAY)
    assert items[near].warning and items[near].share == pytest.approx(0.8)
    assert not items[far].warning
    flagged = [a for a in overview.alerts if a.kind == "contract_budget_80"]
    assert [(a.record_id, a.params["share"]) for a in flagged] == [(near, 80)]


def test_the_total_budget_sums_the_contracts(coordinator, engine):
    ids = world()
    with db.write_session() as session:
        contract(session, ids["provider"], ceiling_cents=5000, number="SECOND")
    with db.read_session() as session:
        items = budget.contract_budgets(session, coordinator, today=TODAY)
        burn = budget.burn_by_month(session, coordinator, today=TODAY)
    total = budget.total_budget(items, TODAY)
    assert total.ceiling_cents == 100_000_00 + 5000
    assert total.sessions_cents == sum(b.sessions_cents for b in items) == 40000
    assert list(burn["month"])[-1] == "2026-11" and len(burn) == 12
    assert int(burn["cents"].sum()) == 40000  # each contract counts its provider's sessions
    chart = budget.burn_chart(
        burn,
        titles={"month": "m", "value": "v", "monthly": "x", "cumulative": "c", "ceiling": "l"},
        ceiling_cents=total.ceiling_cents,
    )
    assert chart.to_dict()["layer"]


def test_viewer_cannot_see_contract_budgets(viewer, engine):
    with pytest.raises(PermissionDenied), db.read_session() as session:
        budget.contract_budgets(session, viewer, today=TODAY)


# --- per-client cap ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "cents"),
    [
        (date(2023, 12, 31), 725_00),
        (date(2024, 1, 1), 820_00),
        (date(2024, 12, 31), 820_00),
        (date(2025, 1, 1), 886_00),
        (date(2026, 3, 31), 886_00),  # 2026 before the change: still the 2025 cap
        (date(2026, 4, 1), 946_00),
        (date(2027, 1, 1), 946_00),
    ],
)
def test_the_cap_is_the_one_in_force_on_the_decision_date(engine, coordinator, decided, cents):
    with db.write_session() as session:
        p = provider(session)
        case_id = case(session, p, decided=decided, key="K-CAP")
        therapy(session, case_id, p, decided + timedelta(days=7), cost=1000)
    with db.read_session() as session:
        assert cap_on(session, decided) == cents
        status = caps.case_cap(session, coordinator, case_key="K-CAP")
    assert (status.cap_cents, status.spent_cents, status.level) == (cents, 1000, "ok")


def test_warnings_at_80_percent_and_over_the_cap(engine, coordinator):
    with db.write_session() as session:
        p = provider(session)
        spend = {
            "K-OK": 56_700,  # 886 € cap: 64 %
            "K-NEAR": 70_880,  # exactly 80 %
            "K-FULL": 88_600,  # exactly the cap: near, not over
            "K-OVER": 88_601,
            "K-NEW-RULE": 80_000,  # 946 € cap from 01.04.2026: 84.6 %
        }
        for key, cents in spend.items():
            decided = date(2026, 4, 1) if key == "K-NEW-RULE" else date(2025, 6, 1)
            case_id = case(session, p, decided=decided, key=key)
            therapy(session, case_id, p, decided + timedelta(days=3), cost=cents)
    with db.read_session() as session:
        listed = caps.cases_near_cap(session, coordinator)
        counts = caps.cap_counts(session)
        overview = stats.overview(session, coordinator, today=TODAY)
    assert [(c.case_key, c.level) for c in listed] == [
        ("K-OVER", "over"),
        ("K-FULL", "near"),
        ("K-NEW-RULE", "near"),
        ("K-NEAR", "near"),
    ]
    assert counts == (3, 1)
    # One client over the cap is below k: the alert shows "<5", never the number.
    (alert,) = [a for a in overview.alerts if a.kind == "cases_over_cap"]
    assert alert.subject == "<5"


def test_cap_levels():
    assert caps.cap_level(0, None) == "ok"
    assert caps.cap_level(799, 1000) == "ok"
    assert caps.cap_level(800, 1000) == "near"
    assert caps.cap_level(1000, 1000) == "near"
    assert caps.cap_level(1001, 1000) == "over"


def test_viewer_cannot_list_cases_near_the_cap(viewer, engine):
    with pytest.raises(PermissionDenied), db.read_session() as session:
        caps.cases_near_cap(session, viewer)


def test_demo_caps_agree_with_the_stored_case_caps(demo_db, coordinator):
    from sqlalchemy import select

    from core.models import Case

    with db.read_session() as session:
        for decided, stored in session.execute(
            select(Case.decision_date, Case.cap_cents).limit(200)
        ).all():
            assert cap_on(session, decided) == stored
