"""The glossary's metric definitions on small hand-made data sets with known answers.

Figures are checked twice where it matters: raw from core.statistics.compute over the
snapshot, and as the statistics page shows them (core.statistics.views) with k set to 1 so
that nothing is suppressed, or with the default k = 5 to see what a reader gets instead.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from core import db
from core.statistics import compute, store, views
from core.statistics.filters import StatFilters
from core.statistics.pivot import PivotSpec, compute_pivot
from tests.core.statistics_world import (
    case,
    facts_changed,
    forget_caches,
    measure,
    provider,
    set_k,
    therapy,
)

MARCH = StatFilters(date(2026, 3, 1), date(2026, 3, 31))
YEAR_2025 = StatFilters(date(2025, 1, 1), date(2025, 12, 31))
YEAR_2026 = StatFilters(date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_caches()
    yield
    forget_caches()


def _activity(engine, filters: StatFilters) -> compute.Activity:
    return compute.activity(store.snapshot(engine), filters)


def _view(actor, filters: StatFilters, *, k: int | None = None) -> views.StatisticsView:
    if k is not None:
        with db.write_session() as session:
            set_k(session, k)
    with db.read_session() as session:
        return views.statistics_view(session, actor, filters=filters)


# --- unduplicated clients, new and continuing ----------------------------------------------


def test_a_client_counts_once_however_many_sessions_they_had(engine, coordinator):
    with db.write_session() as session:
        p = provider(session)
        three, one, two = case(session, p), case(session, p), case(session, p)
        for day in (2, 9, 16):
            therapy(session, three, p, date(2026, 3, day))
        therapy(session, one, p, date(2026, 3, 20))
        therapy(session, two, p, date(2026, 2, 23))
        therapy(session, two, p, date(2026, 3, 23))
        facts_changed(session)
    march = _activity(engine, MARCH)
    assert (march.clients, march.sessions) == (3, 5)
    spring = StatFilters(date(2026, 2, 1), date(2026, 3, 31))
    assert (_activity(engine, spring).clients, _activity(engine, spring).sessions) == (3, 6)
    facts = store.snapshot(engine)
    months = compute.monthly(facts, compute.select(facts, spring))
    assert months.months == [date(2026, 2, 1), date(2026, 3, 1)]
    # Each month counts its own clients: a client of both months is in both.
    assert months.clients.tolist() == [1, 3]
    assert months.sessions.tolist() == [1, 5]
    assert _view(coordinator, MARCH, k=1).tiles["clients"].value == 3


@pytest.fixture
def year_boundary(engine):
    """A client first seen in December 2025 and again in January 2026, and one who starts
    in January 2026."""
    with db.write_session() as session:
        p = provider(session)
        december = case(session, p, referred=date(2025, 12, 1))
        january = case(session, p, referred=date(2026, 1, 2))
        therapy(session, december, p, date(2025, 12, 10))
        therapy(session, december, p, date(2026, 1, 14))
        therapy(session, january, p, date(2026, 1, 20))
        therapy(session, january, p, date(2026, 10, 6))
        facts_changed(session)


def test_a_client_is_new_in_the_year_of_their_first_session_and_continuing_after_it(
    engine, year_boundary
):
    in_2025 = _activity(engine, YEAR_2025)
    assert (in_2025.clients, in_2025.new_clients, in_2025.continuing_clients) == (1, 1, 0)
    in_2026 = _activity(engine, YEAR_2026)
    assert (in_2026.clients, in_2026.new_clients, in_2026.continuing_clients) == (2, 1, 1)
    january = _activity(engine, StatFilters(date(2026, 1, 1), date(2026, 1, 31)))
    assert (january.clients, january.new_clients, january.continuing_clients) == (2, 1, 1)
    # Still new later in the year of the first session.
    october = _activity(engine, StatFilters(date(2026, 10, 1), date(2026, 10, 31)))
    assert (october.clients, october.new_clients) == (1, 1)


def test_a_period_across_new_year_counts_new_clients_from_the_year_it_starts_in(
    engine, year_boundary
):
    winter = StatFilters(date(2025, 12, 1), date(2026, 1, 31))
    totals = _activity(engine, winter)
    assert (totals.clients, totals.new_clients, totals.continuing_clients) == (2, 2, 0)
    assert totals.started == 2  # both first sessions fall in the period


def test_monthly_new_and_continuing_use_each_months_own_year(engine, coordinator, year_boundary):
    winter = StatFilters(date(2025, 12, 1), date(2026, 1, 31))
    facts = store.snapshot(engine)
    months = compute.monthly(facts, compute.select(facts, winter))
    assert months.clients.tolist() == [1, 2]
    assert months.new_clients.tolist() == [1, 1]  # December: new; January: only the newcomer
    frame = _view(coordinator, winter, k=1).monthly
    assert frame["clients"].tolist() == [1, 2]
    assert frame["new_clients"].tolist() == [1, 1]
    assert frame["continuing_clients"].tolist() == [0, 1]
    tiles = _view(coordinator, YEAR_2026, k=1).tiles
    assert (tiles["new_clients"].value, tiles["continuing_clients"].value) == (1, 1)


# --- sessions and cost ------------------------------------------------------------------------


@pytest.fixture
def three_clients(engine):
    """March 2026: one session at 70 €, two at 60 €, three at 45 €."""
    with db.write_session() as session:
        p = provider(session)
        for sessions, cost in ((1, 7000), (2, 6000), (3, 4500)):
            client = case(session, p)
            for n in range(sessions):
                therapy(session, client, p, date(2026, 3, 2 + 7 * n), cost=cost)
        facts_changed(session)


def test_sessions_per_client_cost_and_cost_per_client(engine, coordinator, three_clients):
    totals = _activity(engine, MARCH)
    assert (totals.clients, totals.sessions, totals.cost_cents) == (3, 6, 32500)
    tiles = _view(coordinator, MARCH, k=1).tiles
    assert tiles["sessions"].value == 6
    assert tiles["cost"].value == 32500
    assert tiles["sessions_per_client"].value == pytest.approx(2.0)
    assert tiles["cost_per_client"].value == pytest.approx(32500 / 3)


def test_sessions_and_cost_of_fewer_than_k_clients_are_hidden(engine, coordinator, three_clients):
    tiles = _view(coordinator, MARCH).tiles
    assert tiles["clients"].shown == "<5"
    assert tiles["clients"].value is None
    for key in ("sessions", "cost", "sessions_per_client", "cost_per_client"):
        assert tiles[key].value is None
        assert tiles[key].shown == "×"


# --- waiting ----------------------------------------------------------------------------------


@pytest.fixture
def waiting_world(engine):
    """First sessions in March 2026 after 3, 10, 14, 20 and 40 days; three cases referred in
    March without a session in March (one starts in April after 13 days)."""
    with db.write_session() as session:
        p = provider(session)
        for referred, first in (
            (date(2026, 3, 1), date(2026, 3, 4)),
            (date(2026, 3, 2), date(2026, 3, 12)),
            (date(2026, 3, 5), date(2026, 3, 19)),
            (date(2026, 3, 1), date(2026, 3, 21)),
            (date(2026, 2, 10), date(2026, 3, 22)),
            (date(2026, 3, 20), date(2026, 4, 2)),
        ):
            client = case(session, p, referred=referred)
            therapy(session, client, p, first)
            therapy(session, client, p, first.replace(day=first.day + 5))
        case(session, p, referred=date(2026, 3, 3))  # waiting 28 days at the end of March
        case(session, p, referred=date(2026, 3, 25))  # waiting 6 days
        earlier = case(session, p, referred=date(2026, 1, 10))
        therapy(session, earlier, p, date(2026, 2, 2))
        therapy(session, earlier, p, date(2026, 3, 2))
        facts_changed(session)


def test_waiting_time_counts_the_clients_whose_first_session_is_in_the_period(
    engine, waiting_world
):
    facts = store.snapshot(engine)
    result = compute.waiting(facts, MARCH, compute.select(facts, MARCH), 14)
    assert sorted(result.days.tolist()) == [3, 10, 14, 20, 40]
    assert result.median() == 14.0
    assert result.p90() == pytest.approx(32.0)  # linear between 20 and 40
    assert result.within_target() == 3
    assert result.share_within_target() == pytest.approx(0.6)
    assert result.histogram().tolist() == [1, 2, 1, 0, 1, 0]


def test_a_case_without_a_first_session_is_not_in_the_median_but_still_waiting(
    engine, waiting_world
):
    facts = store.snapshot(engine)
    march = compute.waiting(facts, MARCH, compute.select(facts, MARCH), 14)
    assert march.clients == 5
    assert march.still_waiting == 3  # two without any session, one who starts in April
    assert march.still_waiting_over_target == 1  # referred on 3 March
    april_filters = StatFilters(date(2026, 4, 1), date(2026, 4, 30))
    april = compute.waiting(facts, april_filters, compute.select(facts, april_filters), 14)
    assert april.days.tolist() == [13]
    assert april.still_waiting == 0
    spring = StatFilters(date(2026, 3, 1), date(2026, 4, 30))
    both = compute.waiting(facts, spring, compute.select(facts, spring), 14)
    assert both.median() == pytest.approx(13.5)
    assert both.still_waiting == 2


def test_the_page_shows_the_waiting_figures_with_the_target_from_the_settings(
    engine, coordinator, waiting_world
):
    view = _view(coordinator, MARCH, k=1)
    assert view.tiles["waiting_median"].value == 14.0
    assert view.tiles["waiting_p90"].value == pytest.approx(32.0)
    assert view.tiles["waiting_within_target"].value == pytest.approx(0.6)
    assert view.tiles["still_waiting"].value == 3
    assert view.waiting_histogram["clients"].tolist() == [1, 2, 1, 0, 1, 0]
    trend = view.waiting_trend.set_index("month")
    assert trend.loc[date(2026, 3, 1), "clients"] == 5
    assert trend.loc[date(2026, 3, 1), "median"] == 14.0


def test_waiting_figures_of_fewer_than_k_clients_are_hidden(engine, coordinator, waiting_world):
    tiles = _view(coordinator, MARCH).tiles  # k = 5, five clients: shown
    assert tiles["waiting_median"].value == 14.0
    assert tiles["still_waiting"].shown == "<5"
    april = _view(coordinator, StatFilters(date(2026, 4, 1), date(2026, 4, 30))).tiles
    assert april["waiting_median"].value is None
    assert april["waiting_median"].shown == "×"


# --- one session only -------------------------------------------------------------------------


def test_one_session_share_counts_sessions_ever_of_clients_who_started_in_the_period(
    engine, coordinator
):
    with db.write_session() as session:
        p = provider(session)
        only = case(session, p)
        therapy(session, only, p, date(2026, 5, 4))
        later = case(session, p)  # one session in May, the second in June
        therapy(session, later, p, date(2026, 5, 5))
        therapy(session, later, p, date(2026, 6, 2))
        before = case(session, p)  # started in April
        therapy(session, before, p, date(2026, 4, 20))
        therapy(session, before, p, date(2026, 5, 11))
        three = case(session, p)
        for day in (10, 17, 24):
            therapy(session, three, p, date(2026, 5, day))
        facts_changed(session)
    may = StatFilters(date(2026, 5, 1), date(2026, 5, 31))
    totals = _activity(engine, may)
    assert (totals.clients, totals.started, totals.one_session) == (4, 3, 1)
    tile = _view(coordinator, may, k=1).tiles["one_session_share"]
    assert tile.value == pytest.approx(1 / 3)
    assert tile.n == 3
    hidden = _view(coordinator, may, k=5).tiles["one_session_share"]
    assert (hidden.value, hidden.shown, hidden.n) == (None, "×", None)


# --- outcomes ---------------------------------------------------------------------------------


@pytest.fixture
def outcome_world(engine):
    """PCL-5 (clinical cut-off 31, reliable change 5, recovered below 31)."""
    with db.write_session() as session:
        p = provider(session)
        for scores in (
            ((50, date(2026, 2, 1)), (25, date(2026, 5, 1))),  # improved, recovered
            ((40, date(2026, 2, 3)), (38, date(2026, 6, 1))),  # clinical, not improved
            ((20, date(2026, 3, 1)), (10, date(2026, 7, 1))),  # improved, not clinical
            ((45, date(2026, 4, 1)), None),  # no end measure yet
            ((60, date(2025, 11, 1)), (30, date(2026, 3, 1))),  # started in 2025, recovered
            ((55, date(2025, 6, 1)), None),  # started in 2025, no end
            ((50, date(2025, 1, 10)), (20, date(2025, 6, 1))),  # all in 2025
        ):
            client = case(session, p, referred=date(2025, 1, 2))
            (start, started_on), end = scores
            measure(session, client, "PCL-5", "start", start, started_on)
            if end is not None:
                measure(session, client, "PCL-5", "end", end[0], end[1])
            if start == 50 and started_on.year == 2026:
                measure(session, client, "EEK-2", "start", 3, started_on)
                measure(session, client, "EEK-2", "end", 1, end[1])
        facts_changed(session)


def _by_instrument(engine, filters: StatFilters) -> dict[str, compute.Outcome]:
    facts = store.snapshot(engine)
    with db.read_session() as session:
        rules = views.thresholds(session)
    rows = compute.outcomes(facts, filters, compute.select(facts, filters), rules)
    return {row.instrument: row for row in rows}


def test_outcome_change_improvement_and_recovery_per_instrument(engine, outcome_world):
    pcl = _by_instrument(engine, YEAR_2026)["PCL-5"]
    assert pcl.measured == 4  # the end measure is in the period
    assert pcl.mean_start == pytest.approx(42.5)
    assert pcl.mean_end == pytest.approx(25.75)
    assert pcl.mean_change == pytest.approx(-16.75)
    assert pcl.improved == 3
    assert pcl.in_clinical_range == 3
    assert pcl.recovered == 2


def test_a_case_missing_its_end_measure_is_start_only_and_not_measured(engine, outcome_world):
    outcomes = _by_instrument(engine, YEAR_2026)
    assert outcomes["PCL-5"].start_only == 1
    in_2025 = _by_instrument(engine, YEAR_2025)["PCL-5"]
    # The case whose end measure came in 2026 was still "start only" at the end of 2025: a
    # past period's figure does not change as later measures arrive.
    assert (in_2025.measured, in_2025.start_only) == (1, 2)
    assert in_2025.mean_change == pytest.approx(-30.0)
    # An instrument without a reliable-change rule has means but no improvement share.
    eek = outcomes["EEK-2"]
    assert (eek.measured, eek.mean_change, eek.improved, eek.recovered) == (1, -2.0, None, None)
    empty = outcomes["GAD-7"]
    assert (empty.measured, empty.start_only, empty.mean_change) == (0, 0, None)


def test_the_outcome_table_shows_shares_of_the_clients_measured(engine, coordinator, outcome_world):
    frame = _view(coordinator, YEAR_2026, k=1).outcomes.set_index("instrument")
    assert set(frame.index) == {"PCL-5", "EEK-2"}
    assert frame.loc["PCL-5", "measured_shown"] == 4
    assert frame.loc["PCL-5", "start_only_shown"] == 1
    assert frame.loc["PCL-5", "mean_change"] == pytest.approx(-16.75)
    assert frame.loc["PCL-5", "improved"] == pytest.approx(0.75)
    assert frame.loc["PCL-5", "recovered"] == pytest.approx(2 / 3)
    hidden = _view(coordinator, YEAR_2026, k=5).outcomes.set_index("instrument")
    assert hidden.loc["PCL-5", "measured_shown"] == "<5"
    assert hidden.loc["PCL-5", "mean_change"] is None
    assert hidden.loc["PCL-5", "improved_shown"] == "×"


# --- filters ----------------------------------------------------------------------------------


@pytest.fixture
def two_providers(engine):
    """March 2026. c1 (Harju, referred to A) sees A and B; c2 (Tartu, Russian, domestic
    violence, referred to B) sees B twice; c3 (Tartu, referred to A) sees A once; c4
    (Harju, referred to B) was seen in February only."""
    with db.write_session() as session:
        a, b = provider(session, "A OÜ"), provider(session, "B OÜ")
        c1 = case(session, a, referred=date(2026, 2, 20), county="0037")
        c2 = case(
            session,
            b,
            referred=date(2026, 2, 25),
            county="0079",
            category="domestic_violence",
            language="ru",
        )
        c3 = case(session, a, referred=date(2026, 3, 1), county="0079")
        c4 = case(session, b, referred=date(2026, 2, 1), county="0037")
        therapy(session, c1, a, date(2026, 3, 2))
        therapy(session, c1, b, date(2026, 3, 9), cost=6000)
        therapy(session, c2, b, date(2026, 3, 3), cost=6000)
        therapy(session, c2, b, date(2026, 3, 10), cost=6000)
        therapy(session, c3, a, date(2026, 3, 5))
        therapy(session, c4, b, date(2026, 2, 20))
        facts_changed(session)
    return a, b


def _with(**values) -> StatFilters:
    return StatFilters(MARCH.start, MARCH.end, **values)


def test_case_filters_select_the_cases_with_those_attributes(engine, two_providers):
    def figures(filters):
        totals = _activity(engine, filters)
        return totals.clients, totals.sessions, totals.cost_cents

    assert figures(MARCH) == (3, 5, 32000)
    assert figures(_with(county=("0079",))) == (2, 3, 19000)
    assert figures(_with(county=("0079",), category=("crime",))) == (1, 1, 7000)
    assert figures(_with(language=("ru",))) == (1, 2, 12000)
    assert figures(_with(county=("0037", "0079"))) == (3, 5, 32000)
    assert figures(_with(county=("0045",))) == (0, 0, 0)
    assert figures(_with(gender=("male",))) == (0, 0, 0)
    assert figures(_with(age_band=("27-39",), source=("victim_support_worker",))) == (3, 5, 32000)


def test_the_provider_filter_selects_sessions_by_who_held_them(engine, two_providers):
    a, b = two_providers
    by_b = _activity(engine, _with(provider=(b,)))
    assert (by_b.clients, by_b.sessions, by_b.cost_cents) == (2, 3, 18000)
    by_a = _activity(engine, _with(provider=(a,)))
    assert (by_a.clients, by_a.sessions, by_a.cost_cents) == (2, 2, 14000)
    both = _activity(engine, _with(provider=(b,), county=("0079",)))
    assert (both.clients, both.sessions) == (1, 2)
    # Waiting is about the case as a whole: the provider it was referred to.
    facts = store.snapshot(engine)
    filters = _with(provider=(b,))
    waited = compute.waiting(facts, filters, compute.select(facts, filters), 14)
    assert waited.days.tolist() == [6]  # c2 only: referred 25 February, first session 3 March


def test_breakdowns_by_county_and_by_provider(engine, two_providers):
    a, b = two_providers
    facts = store.snapshot(engine)
    selected = compute.select(facts, MARCH)
    counties = compute.by_case_dimension(facts, selected, "county")
    shown = {
        key: (int(n), int(s))
        for key, n, s in zip(counties.keys, counties.clients, counties.sessions, strict=True)
        if n
    }
    assert shown == {"0037": (1, 2), "0079": (2, 3)}
    assert counties.total_clients == 3
    providers = compute.by_provider(facts, selected)
    per = dict(zip(providers.keys, providers.clients.tolist(), strict=True))
    # A client seen by both providers counts for each.
    assert (per[str(a)], per[str(b)]) == (2, 2)
    assert providers.sessions.tolist() == [2, 3]
    assert providers.total_clients == 3


def test_the_page_applies_the_filters_to_every_figure(engine, coordinator, two_providers):
    view = _view(coordinator, _with(county=("0079",)), k=1)
    assert view.tiles["clients"].value == 2
    assert view.breakdowns["county"]["key"].tolist() == ["0079"]
    assert view.monthly["sessions"].tolist() == [3]


# --- an empty database ------------------------------------------------------------------------


def test_an_empty_database_gives_zeros_and_no_errors(engine, coordinator, viewer):
    facts = store.snapshot(engine)
    assert (facts.n_cases, facts.n_sessions) == (0, 0)
    totals = _activity(engine, YEAR_2026)
    assert totals == compute.Activity(0, 0, 0, 0, 0, 0)
    selected = compute.select(facts, YEAR_2026)
    months = compute.monthly(facts, selected)
    assert len(months.months) == 12
    assert months.clients.tolist() == [0] * 12
    waited = compute.waiting(facts, YEAR_2026, selected, 14)
    assert (waited.median(), waited.p90(), waited.share_within_target()) == (None, None, None)
    assert waited.still_waiting == 0
    assert all(row.measured == 0 for row in compute.outcomes(facts, YEAR_2026, selected, {}))
    assert compute.by_provider(facts, selected).keys == []
    view = _view(viewer, YEAR_2026)
    assert view.tiles["clients"].value == 0
    assert view.tiles["clients"].shown == 0
    assert view.tiles["waiting_median"].value is None
    assert view.outcomes.empty
    assert view.monthly["clients"].tolist() == [0] * 12
    assert all(frame.empty for frame in view.breakdowns.values())
    result = compute_pivot(facts, YEAR_2026, PivotSpec("county", "category"), 5)
    assert result.row_keys == []
    assert np.all(result.clients == 0)
