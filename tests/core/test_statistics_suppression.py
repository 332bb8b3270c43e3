"""Small-cell suppression: no count below k is ever shown, and no hidden cell can be worked
back from the visible cells and totals.

"Worked back" is checked as linear algebra: every row and every column of a table with
margins is one equation (the inner cells add up to the margin). With the hidden cells as
unknowns and the visible cells moved to the right-hand side, a hidden cell's value follows
from what a reader sees exactly when its unit vector lies in the row space of the system
restricted to the unknowns, that is when rank([A; e_i]) == rank(A).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from itertools import product

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core import db
from core.models import Feedback, Role
from core.statistics import charts, store, views
from core.statistics.filters import StatFilters
from core.statistics.pivot import PivotSpec, compute_pivot
from core.suppression import PRIMARY, SECONDARY, SHOWN, protect_series, protect_table
from tests.conftest import actor_with
from tests.core.statistics_world import (
    case,
    facts_changed,
    forget_caches,
    measure,
    provider,
    set_k,
    therapy,
)

K = 5
MARCH_2026 = StatFilters(date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_caches()
    yield
    forget_caches()


# --- the checks ------------------------------------------------------------------------------


def margin_equations(shape: tuple[int, int]) -> np.ndarray:
    """One equation per row and per column of an extended table (inner cells minus the
    margin is zero), over the cells in row-major order."""
    rows, cols = shape
    equations = []
    for r in range(rows):
        line = np.zeros(shape)
        line[r, : cols - 1] = 1
        line[r, cols - 1] = -1
        equations.append(line.ravel())
    for c in range(cols):
        line = np.zeros(shape)
        line[: rows - 1, c] = 1
        line[rows - 1, c] = -1
        equations.append(line.ravel())
    return np.array(equations)


def determined_cells(equations: np.ndarray, hidden: np.ndarray) -> list[int]:
    """The hidden cells (flat indices) whose value follows from the visible ones."""
    unknowns = np.flatnonzero(hidden)
    if not len(unknowns):
        return []
    system = equations[:, unknowns]
    rank = np.linalg.matrix_rank(system)
    found = []
    for n, cell in enumerate(unknowns):
        unit = np.zeros(len(unknowns))
        unit[n] = 1
        if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
            found.append(int(cell))
    return found


def assert_table_protected(table: np.ndarray, states: np.ndarray, k: int) -> None:
    table = np.asarray(table, dtype=np.int64)
    assert states.shape == table.shape
    hidden = states != SHOWN
    # Primary: nothing visible is a count in 1..k-1, inner cells and margins alike.
    small = (table > 0) & (table < k)
    assert not np.any(small & ~hidden), (table, states)
    # The simple rule: no row or column has exactly one hidden cell.
    for r in range(table.shape[0]):
        assert np.count_nonzero(hidden[r]) != 1, ("row", r, table, states)
    for c in range(table.shape[1]):
        assert np.count_nonzero(hidden[:, c]) != 1, ("column", c, table, states)
    # The full rule: no hidden cell follows from all the equations together.
    found = determined_cells(margin_equations(table.shape), hidden.ravel())
    assert found == [], (found, table, states)


def with_margins(inner: np.ndarray) -> np.ndarray:
    rows, cols = inner.shape
    table = np.zeros((rows + 1, cols + 1), dtype=np.int64)
    table[:rows, :cols] = inner
    table[:rows, cols] = inner.sum(axis=1)
    table[rows, :cols] = inner.sum(axis=0)
    table[rows, cols] = inner.sum()
    return table


def assert_series_protected(values: list[int], total: int, k: int) -> None:
    states, total_state = protect_series(values, total, k)
    cells = [*values, total]
    hidden = np.array([s != SHOWN for s in [*states.tolist(), total_state]])
    for value, is_hidden in zip(cells, hidden, strict=True):
        assert is_hidden or not 0 < value < k, (values, total, states, total_state)
    if total_state == SHOWN:
        # Subtracting the visible cells from the visible total never leaves one hidden cell.
        assert np.count_nonzero(hidden[:-1]) != 1, (values, states)
    equation = np.array([[1.0] * len(values) + [-1.0]])
    assert determined_cells(equation, hidden) == [], (values, total, states, total_state)


# --- (a) tables with margins -----------------------------------------------------------------


@st.composite
def tables(draw) -> np.ndarray:
    rows = draw(st.integers(min_value=1, max_value=5))
    cols = draw(st.integers(min_value=1, max_value=5))
    cells = draw(
        st.lists(st.integers(min_value=0, max_value=20), min_size=rows * cols, max_size=rows * cols)
    )
    return np.array(cells, dtype=np.int64).reshape(rows, cols)


@settings(max_examples=400, deadline=None)
@given(inner=tables(), k=st.integers(min_value=2, max_value=8))
@example(inner=np.array([[3, 10], [10, 10]]), k=5)
@example(inner=np.array([[1, 0], [0, 0]]), k=5)
@example(inner=np.array([[2, 9, 9], [9, 9, 9], [9, 9, 2]]), k=5)
@example(inner=np.array([[4]]), k=5)
def test_no_hidden_cell_of_a_table_can_be_worked_back_from_visible_cells_and_totals(inner, k):
    table = with_margins(inner)
    assert_table_protected(table, protect_table(table, k), k)


def test_the_check_finds_a_hidden_cell_that_can_be_worked_back():
    """The property above is only as good as its check. Two hidden rectangles joined by one
    more hidden cell: every line has two or more hidden cells, yet the joining cell is the
    difference of two sums a reader can form, and the check finds exactly that cell."""
    table = with_margins(np.full((4, 4), 10))
    hidden = np.zeros(table.shape, dtype=bool)
    for r, c in product((0, 1), (0, 1)):
        hidden[r, c] = hidden[r + 2, c + 2] = True
    hidden[1, 2] = True
    assert all(np.count_nonzero(line) != 1 for line in (*hidden, *hidden.T))
    equations = margin_equations(table.shape)
    assert determined_cells(equations, hidden.ravel()) == [1 * table.shape[1] + 2]
    hidden[1, 2] = False
    assert determined_cells(equations, hidden.ravel()) == []
    states = np.where(hidden, SECONDARY, SHOWN)
    states[0, 0] = SHOWN  # row 0 and column 0 now have one hidden cell each
    with pytest.raises(AssertionError):
        assert_table_protected(table, states, 5)


def test_a_table_without_small_cells_hides_nothing():
    table = with_margins(np.array([[5, 6], [0, 9]]))
    assert not np.any(protect_table(table, 5) != SHOWN)


def test_one_small_cell_costs_a_rectangle_of_the_smallest_neighbours():
    table = with_margins(np.array([[2, 30, 6], [7, 40, 50], [9, 8, 60]]))
    states = protect_table(table, 5)
    assert states[0, 0] == PRIMARY
    hidden = {(int(r), int(c)) for r, c in zip(*np.nonzero(states), strict=True)}
    assert hidden == {(0, 0), (0, 2), (1, 0), (1, 2)}
    assert all(states[cell] == SECONDARY for cell in hidden - {(0, 0)})


# --- (b) series with a total -------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=8),
    k=st.integers(min_value=2, max_value=8),
)
@example(values=[3, 0, 0], k=5)
@example(values=[3, 6, 0], k=5)
@example(values=[4], k=5)
def test_no_hidden_cell_of_a_breakdown_can_be_worked_back_from_its_total(values, k):
    assert_series_protected(values, sum(values), k)


def test_a_breakdown_with_one_small_cell_hides_the_smallest_other_count():
    states, total = protect_series([12, 3, 0, 7, 9], 31, 5)
    assert states.tolist() == [SHOWN, PRIMARY, SHOWN, SECONDARY, SHOWN]
    assert total == SHOWN


# --- (c) the meeting-mode pivot on the demo data ----------------------------------------------

ADDITIVE_SPECS = [
    ("county", "category"),
    ("category", "county"),
    ("county", None),
    ("age_band", "gender"),
    ("source", "language"),
    ("language", "age_band"),
]
PERIODS = [
    StatFilters(date(2026, 1, 1), date(2026, 10, 31)),
    StatFilters(date(2026, 10, 1), date(2026, 10, 31)),
    StatFilters(date(2025, 4, 1), date(2025, 6, 30), language=("et", "ru")),
]


def test_pivot_tables_of_the_demo_data_reveal_no_hidden_cell(demo_db, engine):
    facts = store.snapshot(engine)
    hidden_somewhere = 0
    for filters in PERIODS:
        for rows, columns in ADDITIVE_SPECS:
            for k in (K, 10):
                for figure in ("clients", "new_clients", "continuing_clients"):
                    spec = PivotSpec(rows=rows, columns=columns, measure=figure, chart="table")
                    result = compute_pivot(facts, filters, spec, k)
                    clients = result.clients.astype(np.int64)
                    # Case attributes split the clients exactly: the margins are sums.
                    assert np.array_equal(clients, with_margins(clients[:-1, :-1]))
                    assert_table_protected(clients, result.states, k)
                    hidden_somewhere += int(np.count_nonzero(result.states))
                    # The measure's own figures obey the same rules under the same pattern.
                    raw = compute_pivot(facts, filters, spec, 1).values
                    assert not np.any(np.isnan(raw))
                    assert_table_protected(raw.astype(np.int64), result.states, k)
                    shown = ~np.isnan(result.values)
                    assert np.array_equal(shown, result.states == SHOWN)
                    assert np.array_equal(result.values[shown], raw[shown])
    assert hidden_somewhere > 0  # the demo data do have small cells to protect


def test_the_pivot_and_the_page_together_reveal_no_hidden_county(demo_db, engine, coordinator):
    """The page's county breakdown and a pivot by county show the same counts with the
    same total; whatever each hides, the cells hidden in both are never a single one."""
    facts = store.snapshot(engine)
    for filters in PERIODS:
        with db.read_session() as session:
            view = views.statistics_view(session, coordinator, filters=filters)
        for dimension in ("county", "category", "language", "age_band", "source"):
            page = view.breakdowns[dimension]
            page_hidden = set(page.loc[page["clients"].isna(), "key"])
            result = compute_pivot(facts, filters, PivotSpec(rows=dimension), K)
            pivot_hidden = {
                key for n, key in enumerate(result.row_keys) if result.states[n, -1] != SHOWN
            }
            if view.tiles["clients"].value is not None:
                assert len(page_hidden & pivot_hidden) != 1, (dimension, filters)


# --- (d) no figure below k anywhere on the page or in its files ----------------------------------

PERIOD = StatFilters(date(2026, 1, 1), date(2026, 4, 30))
COUNT_COLUMNS = ("clients", "new_clients", "continuing_clients", "measured", "start_only")
COUNTIES = ["0037"] * 12 + ["0079"] * 8 + ["0045"] * 3 + ["0068"] * 2 + ["0074"]
# 14, 6, 3, 2 and 1 clients
CATEGORIES = ["crime"] * 14 + ["domestic_violence"] * 6 + ["sexual_violence"] * 3
CATEGORIES += ["family_member"] * 2 + ["witness"]


@pytest.fixture
def small_groups(engine):
    """26 clients in January-April 2026, many groups of 1-4: counties of 3, 2 and 1, a
    provider with three clients, three continuing clients, waiting times in small bins,
    GAD-7 measured for three clients, and two cases still waiting."""
    with db.write_session() as session:
        main, small = provider(session, "Suur OÜ"), provider(session, "Väike OÜ")
        for n, county in enumerate(COUNTIES):
            first = date(2026, 1 + n % 4, 3 + n % 20)
            wait = (2, 5, 9, 12, 25, 70)[n % 6] if n % 7 else 45
            held_by = small if n in (4, 11, 17) else main
            client = case(
                session,
                held_by,
                referred=first - timedelta(days=wait),
                county=county,
                category=CATEGORIES[n],
                language="ru" if n % 6 == 1 else "et",
                age_band=("18-26", "27-39", "40-54", "65+")[n % 4],
                gender="male" if n % 5 == 2 else "female",
            )
            if n in (3, 8, 15):  # continuing clients, first seen in 2025
                therapy(session, client, held_by, date(2025, 11, 20))
            for week in range(1 + n % 3):
                therapy(session, client, held_by, first + timedelta(days=7 * week))
            if n < 7:
                end = first + timedelta(days=60)
                measure(session, client, "PCL-5", "start", 40 + n, first)
                measure(session, client, "PCL-5", "end", 20 if n < 2 else 38, end)
            if n in (9, 10, 12):
                measure(session, client, "GAD-7", "start", 15, first)
                measure(session, client, "GAD-7", "end", 5, first + timedelta(days=40))
            if n in (13, 14):
                measure(session, client, "PHQ-9", "start", 18, first)
        case(session, main, referred=date(2026, 4, 2))
        case(session, small, referred=date(2026, 4, 20))
        facts_changed(session)


def _frames(view: views.StatisticsView) -> dict[str, pd.DataFrame]:
    return {
        "monthly": view.monthly,
        "waiting_histogram": view.waiting_histogram,
        "waiting_trend": view.waiting_trend,
        "outcomes": view.outcomes,
        "satisfaction": view.satisfaction,
        **{f"by_{name}": frame for name, frame in view.breakdowns.items()},
    }


def _is_small(value: object, k: int) -> bool:
    if value is None or isinstance(value, str | bool):
        return False
    number = float(value)  # type: ignore[arg-type]
    return number == number and 0 < number < k


def _read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_no_count_below_k_appears_in_any_figure_of_the_page(engine, viewer, small_groups):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=PERIOD)
    assert view.k == K
    seen_hidden = set()
    for name, frame in _frames(view).items():
        for column in (*COUNT_COLUMNS, "responses", "satisfaction_n", "nps_n"):
            for which in (column, f"{column}_shown"):
                if which not in frame.columns:
                    continue
                for value in frame[which]:
                    assert not _is_small(value, K), (name, which, frame)
                    if isinstance(value, str):
                        assert value in ("<5", "×"), (name, which, value)
                        seen_hidden.add(name)
    for key in ("clients", "new_clients", "continuing_clients", "still_waiting"):
        figure = view.tiles[key]
        assert not _is_small(figure.value, K), figure
        assert not _is_small(figure.shown, K), figure
    assert all(not _is_small(figure.n, K) for figure in view.tiles.values())
    # The data do have groups of 1-4, so the page had something to hide in each part.
    assert {"by_county", "by_category", "waiting_histogram", "outcomes"}.issubset(seen_hidden)
    assert view.tiles["still_waiting"].shown == "<5"
    # The coordinator also sees the breakdown by provider, suppressed the same way.
    with db.read_session() as session:
        full = views.statistics_view(session, actor_with(Role.COORDINATOR), filters=PERIOD)
    by_provider = full.breakdowns["provider"]
    assert not any(_is_small(v, K) for v in by_provider["clients_shown"])
    assert "<5" in by_provider["clients_shown"].tolist()


def test_exports_show_hidden_cells_as_marks_and_never_their_numbers(engine, viewer, small_groups):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=PERIOD)
    exported_marks = 0
    for name, frame in _frames(view).items():
        if frame.empty:
            continue
        content = charts.data_file(frame, "csv", sheet=name)
        header, *rows = _read_csv(content)
        assert header == [str(c) for c in frame.columns]
        assert len(rows) == len(frame)
        shown_columns = [c for c in COUNT_COLUMNS if f"{c}_shown" in frame.columns]
        for row, (_index, record) in zip(rows, frame.iterrows(), strict=True):
            cells = dict(zip(header, row, strict=True))
            for column in shown_columns:
                if record[column] is None or record[column] != record[column]:
                    # A hidden count: the file holds a mark or nothing, never a number.
                    assert cells[f"{column}_shown"] in ("<5", "×", ""), (name, column, cells)
                    assert cells[column] == "", (name, column, cells)
                    exported_marks += cells[f"{column}_shown"] == "<5"
            for column, cell in cells.items():
                if column.removesuffix("_shown") in COUNT_COLUMNS:
                    try:
                        number = float(cell)
                    except ValueError:
                        continue
                    assert not 0 < number < K, (name, column, cells)
        if "<5" in [cell for row in rows for cell in row]:
            assert b"<5" in content
    assert exported_marks >= 5


def test_rows_hidden_in_an_export_carry_no_sessions_or_cost(engine, viewer, small_groups):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=PERIOD)
    frame = view.breakdowns["county"]
    header, *rows = _read_csv(charts.data_file(frame, "csv", sheet="county"))
    hidden_rows = [dict(zip(header, row, strict=True)) for row in rows]
    hidden_rows = [row for row in hidden_rows if row["clients"] == ""]
    assert {row["key"] for row in hidden_rows} >= {"0045", "0068", "0074"}
    for row in hidden_rows:
        for column, cell in row.items():
            if column != "key":
                assert cell in ("", "<5", "×"), (column, row)


def test_a_small_world_breakdown_never_has_one_hidden_cell_under_a_visible_total(
    engine, viewer, small_groups
):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=PERIOD)
    assert view.tiles["clients"].value == len(COUNTIES)
    for dimension, frame in view.breakdowns.items():
        if dimension != "provider":
            assert frame["clients"].isna().sum() != 1, dimension
    months = view.monthly
    for record in months.itertuples(index=False):
        if record.clients is not None and record.clients == record.clients:
            hidden = [v is None or v != v for v in (record.new_clients, record.continuing_clients)]
            assert sum(hidden) != 1, record


# --- series whose totals are visible elsewhere on the page ---------------------------------------


@pytest.fixture
def lopsided_months(engine):
    """January: 8 clients; February: 3 (a small month); March: 9. Everyone waited 3 days,
    so the waiting histogram has one visible bin of 20. Feedback: 8 answers in January and
    3 in February."""
    with db.write_session() as session:
        p = provider(session)
        for month, clients in ((1, 8), (2, 3), (3, 9)):
            for n in range(clients):
                first = date(2026, month, 2 + n)
                client = case(session, p, referred=first - timedelta(days=3))
                therapy(session, client, p, first)
                therapy(session, client, p, first + timedelta(days=7))
        for month, answers in ((1, 8), (2, 3)):
            for n in range(answers):
                session.add(
                    Feedback(
                        source="client",
                        received_on=date(2026, month, 5 + n),
                        channel="web",
                        provider_id=p,
                        satisfaction=4,
                        recommend=9,
                    )
                )
        facts_changed(session)


QUARTER = StatFilters(date(2026, 1, 1), date(2026, 3, 31))


def test_a_small_month_of_the_monthly_table_is_hidden_with_a_second_month(
    engine, viewer, lopsided_months
):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=QUARTER)
    assert view.monthly["clients_shown"].tolist() == ["×", "<5", 9]
    assert view.monthly["sessions_shown"].tolist() == ["×", "×", 18]
    assert view.tiles["sessions"].value == 40


def test_a_hidden_month_of_the_waiting_trend_cannot_be_worked_out_from_the_histogram(
    engine, viewer, lopsided_months
):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=QUARTER)
    histogram = view.waiting_histogram
    assert histogram["clients"].notna().all()  # every bin visible: the total is known
    total = int(histogram["clients"].sum())
    trend = view.waiting_trend
    hidden = trend["clients"].isna()
    if hidden.sum() == 1:
        worked_out = total - int(trend.loc[~hidden, "clients"].sum())
        pytest.fail(f"the hidden month's {worked_out} clients follow from the histogram")


def test_the_budget_line_does_not_reveal_the_cost_of_a_hidden_month(
    engine, viewer, lopsided_months
):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=QUARTER)
    cumulative = [
        None if value is None or value != value else value
        for value in view.budget["cost_cents"].tolist()
    ]
    for month, cost in enumerate(view.monthly["cost"].tolist()):
        if cost is None or cost != cost:
            before = 0 if month == 0 else cumulative[month - 1]
            assert before is None or cumulative[month] is None, (month, cumulative)


def test_a_hidden_month_of_feedback_cannot_be_worked_out_from_the_satisfaction_tile(
    engine, viewer, lopsided_months
):
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=QUARTER)
    tile = view.tiles["satisfaction"]
    assert tile.n == 11
    months = view.satisfaction
    hidden = months["satisfaction_n"].isna()
    assert hidden.sum() != 1, months[["month", "satisfaction_n_shown"]]


def test_k_from_the_settings_decides_what_is_hidden(engine, viewer, lopsided_months):
    with db.write_session() as session:
        set_k(session, 3)
    with db.read_session() as session:
        view = views.statistics_view(session, viewer, filters=QUARTER)
    assert view.k == 3
    assert view.monthly["clients_shown"].tolist() == [8, 3, 9]


def test_a_pivot_count_below_k_of_the_measure_itself_is_shown_as_below_k(engine):
    """Tartu has 12 clients (hidden only to protect Harju's 3) of whom 2 are continuing."""
    with db.write_session() as session:
        p = provider(session)
        for county, clients, continuing in (("0037", 3, 0), ("0079", 12, 2), ("0045", 20, 0)):
            for n in range(clients):
                client = case(session, p, county=county)
                if n < continuing:
                    therapy(session, client, p, date(2025, 11, 3))
                therapy(session, client, p, date(2026, 3, 2 + n % 20))
        facts_changed(session)
    facts = store.snapshot(engine)
    spec = PivotSpec(rows="county", measure="continuing_clients")
    result = compute_pivot(facts, MARCH_2026, spec, K)
    raw = compute_pivot(facts, MARCH_2026, spec, 1)
    tartu = result.row_keys.index("0079")
    assert raw.values[tartu, -1] == 2
    assert result.shown(tartu, len(result.column_keys)) == "<5"
