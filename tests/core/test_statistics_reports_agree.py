"""The report totals of the contracts capability and these statistics agree: the activity
report (SQL over the database) and the statistics page (NumPy over the snapshot) count the
same sessions, cost, unduplicated clients and new clients for any period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import db, reports
from core.dates import add_months
from core.statistics import compute, store
from core.statistics.filters import StatFilters
from tests.core.statistics_world import (
    case,
    facts_changed,
    forget_caches,
    provider,
    therapy,
)


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_caches()
    yield
    forget_caches()


def _periods() -> list[tuple[date, date]]:
    months = [(add_months(date(2025, 10, 1), n), n) for n in range(14)]
    periods = [(start, add_months(start, 1) - timedelta(days=1)) for start, _n in months]
    for year in (2025, 2026):
        for quarter in range(4):
            start = date(year, 3 * quarter + 1, 1)
            periods.append((start, add_months(start, 3) - timedelta(days=1)))
        periods.append((date(year, 1, 1), date(year, 12, 31)))
    periods += [
        (date(2025, 12, 1), date(2026, 1, 31)),  # across new year
        (date(2026, 1, 1), date(2026, 11, 24)),  # the year to date
        (date(2024, 1, 1), date(2026, 12, 31)),  # everything
        (date(2026, 3, 10), date(2026, 4, 9)),  # not whole months
    ]
    return periods


def _compare(engine, periods: list[tuple[date, date]]) -> int:
    facts = store.snapshot(engine)
    non_empty = 0
    with db.read_session() as session:
        for start, end in periods:
            report = reports.activity_totals(session, start, end)
            statistics = compute.activity(facts, StatFilters(start, end))
            assert (
                report.sessions,
                report.cost_cents,
                report.clients,
                report.new_clients,
            ) == (
                statistics.sessions,
                statistics.cost_cents,
                statistics.clients,
                statistics.new_clients,
            ), (start, end)
            assert report.continuing_clients == statistics.continuing_clients
            non_empty += report.sessions > 0
    return non_empty


def test_report_totals_and_statistics_agree_on_the_demo_data(demo_db, engine):
    periods = _periods()
    assert _compare(engine, periods) >= len(periods) - 2


def test_report_totals_and_statistics_agree_across_a_year_boundary(engine):
    with db.write_session() as session:
        p = provider(session)
        december = case(session, p, referred=date(2025, 12, 1))
        therapy(session, december, p, date(2025, 12, 10), cost=4500)
        therapy(session, december, p, date(2026, 1, 14))
        january = case(session, p, referred=date(2026, 1, 2))
        therapy(session, january, p, date(2026, 1, 20), cost=6000)
        case(session, p, referred=date(2026, 1, 3))  # no session: not a client
        facts_changed(session)
    periods = [
        (date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2025, 12, 1), date(2026, 1, 31)),
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
    ]
    assert _compare(engine, periods) == 5
    with db.read_session() as session:
        january_report = reports.activity_totals(session, date(2026, 1, 1), date(2026, 1, 31))
    assert january_report == reports.Totals(sessions=2, cost_cents=13000, clients=2, new_clients=1)


def test_report_totals_and_statistics_agree_on_an_empty_database(engine):
    assert _compare(engine, [(date(2026, 1, 1), date(2026, 12, 31))]) == 0
