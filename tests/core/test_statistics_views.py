"""The statistics page's state and plumbing: filters and pivot specs in the URL, the
comparison period, cache invalidation by writes, who may see and export, KPI colours,
and the chart builders and downloads."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from core import audit, db
from core.errors import PermissionDenied
from core.models import AuditEntry, TherapySession
from core.permissions import Actor
from core.statistics import charts, kpis, store, views
from core.statistics.filters import StatFilters, default_filters, preset_period
from core.statistics.glossary import PIVOT_MEASURES
from core.statistics.pivot import CHART_TYPES, DIMENSIONS, PivotSpec, pivot
from core.statistics.store import CASE_DIMENSIONS
from tests.core.statistics_world import case, facts_changed, forget_caches, provider, therapy

DEFAULT = StatFilters(date(2026, 1, 1), date(2026, 11, 24))
MARCH = StatFilters(date(2026, 3, 1), date(2026, 3, 31))
DEMO_PERIOD = StatFilters(date(2026, 1, 1), date(2026, 10, 31))


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_caches()
    yield
    forget_caches()


# --- filters in the URL ------------------------------------------------------------------------


@st.composite
def valid_filters(draw) -> StatFilters:
    days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
    start, end = sorted((draw(days), draw(days)))
    values = {
        name: tuple(draw(st.lists(st.sampled_from(known), unique=True, max_size=6)))
        for name, (_column, known) in CASE_DIMENSIONS.items()
    }
    providers = draw(
        st.lists(st.integers(min_value=1, max_value=2**31 - 1), unique=True, max_size=6)
    )
    return StatFilters(start=start, end=end, provider=tuple(providers), **values)


@settings(max_examples=200, deadline=None)
@given(filters=valid_filters())
def test_filters_survive_the_round_trip_through_the_url(filters):
    query = filters.to_query()
    assert all(isinstance(value, str) for value in query.values())
    assert StatFilters.from_query(query, DEFAULT) == filters


def test_an_empty_query_gives_the_default_filters():
    assert StatFilters.from_query({}, DEFAULT) == DEFAULT
    assert DEFAULT.to_query() == {"from": "2026-01-01", "to": "2026-11-24"}


def test_hand_edited_values_that_are_not_valid_are_dropped():
    query = {
        "from": "2026-02-30",
        "to": "eile",
        "county": "0037,XXXX, 0079,0037,",
        "category": "crime;witness",
        "gender": "female",
        "provider": "12,abc,-3,,12",
        "unknown": "1",
    }
    filters = StatFilters.from_query(query, DEFAULT)
    assert (filters.start, filters.end) == (DEFAULT.start, DEFAULT.end)
    assert filters.county == ("0037", "0079")
    assert filters.category == ()
    assert filters.gender == ("female",)
    assert filters.provider == (12,)


def test_a_period_that_ends_before_it_starts_falls_back_to_the_default():
    filters = StatFilters.from_query({"from": "2026-05-01", "to": "2026-04-01"}, DEFAULT)
    assert (filters.start, filters.end) == (DEFAULT.start, DEFAULT.end)
    with pytest.raises(ValueError):
        StatFilters(date(2026, 5, 1), date(2026, 4, 1))


@settings(max_examples=200, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from(["from", "to", "provider", *CASE_DIMENSIONS]),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    )
)
def test_any_ascii_link_opens_with_valid_filters(params):
    filters = StatFilters.from_query(params, DEFAULT)
    assert filters.start <= filters.end
    for name, (_column, known) in CASE_DIMENSIONS.items():
        assert set(getattr(filters, name)) <= set(known)
    assert all(isinstance(value, int) and value >= 0 for value in filters.provider)


@pytest.mark.parametrize("raw", ["²", "99999999999999999999999"])
def test_a_provider_id_that_cannot_be_a_database_id_is_dropped(engine, coordinator, raw):
    filters = StatFilters.from_query({"provider": f"{raw},7"}, DEFAULT)
    assert filters.provider == (7,)
    with db.read_session() as session:
        views.statistics_view(session, coordinator, filters=filters)


# --- the comparison period -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "previous_start", "previous_end"),
    [
        # a month, a quarter, a year, two months across new year
        (date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 4, 1), date(2026, 6, 30), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 1, 1), date(2026, 12, 31), date(2025, 1, 1), date(2025, 12, 31)),
        # Two months from January: a year to date, compared with the same months a year before.
        (date(2026, 1, 1), date(2026, 2, 28), date(2025, 1, 1), date(2025, 2, 28)),
        # a year to date: the same dates a year earlier
        (date(2026, 1, 1), date(2026, 11, 24), date(2025, 1, 1), date(2025, 11, 24)),
        (date(2028, 1, 1), date(2028, 2, 28), date(2027, 1, 1), date(2027, 2, 28)),
        # any other range: as many days just before
        (date(2026, 3, 10), date(2026, 3, 19), date(2026, 2, 28), date(2026, 3, 9)),
        (date(2026, 1, 15), date(2026, 2, 14), date(2025, 12, 15), date(2026, 1, 14)),
        (date(2026, 6, 5), date(2026, 6, 5), date(2026, 6, 4), date(2026, 6, 4)),
    ],
)
def test_the_previous_period_to_compare_with(start, end, previous_start, previous_end):
    filters = StatFilters(start, end, county=("0037",), provider=(3,))
    previous = filters.previous()
    assert (previous.start, previous.end) == (previous_start, previous_end)
    assert (previous.county, previous.provider) == (("0037",), (3,))


@settings(max_examples=200, deadline=None)
@given(filters=valid_filters())
def test_a_previous_period_other_than_a_year_to_date_ends_the_day_before(filters):
    previous = filters.previous()
    assert previous.start < filters.start
    year_to_date = (filters.start.month, filters.start.day) == (1, 1) and previous.start.year < (
        filters.start.year
    )
    if previous.end != filters.start - timedelta(days=1):
        assert year_to_date
        assert previous.end.year == filters.end.year - 1


def test_preset_periods_and_the_default_filters():
    today = date(2026, 11, 24)
    assert preset_period("this_year", today) == (date(2026, 1, 1), today)
    assert preset_period("last_year", today) == (date(2025, 1, 1), date(2025, 12, 31))
    assert preset_period("last_12_months", today) == (date(2025, 12, 1), today)
    assert preset_period("this_quarter", today) == (date(2026, 10, 1), today)
    assert preset_period("last_quarter", today) == (date(2026, 7, 1), date(2026, 9, 30))
    assert default_filters(today) == StatFilters(date(2026, 1, 1), today)
    with pytest.raises(ValueError):
        preset_period("forever", today)


# --- the pivot spec in the URL ------------------------------------------------------------------


def test_every_pivot_spec_survives_the_round_trip_through_the_url():
    checked = 0
    for rows, columns, measure, chart in product(
        DIMENSIONS, (None, *DIMENSIONS), PIVOT_MEASURES, CHART_TYPES
    ):
        if columns == rows:
            continue
        spec = PivotSpec(rows=rows, columns=columns, measure=measure, chart=chart)
        assert PivotSpec.from_query(spec.to_query()) == spec
        checked += 1
    assert checked > 3000


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, PivotSpec()),
        ({"rows": "planet"}, PivotSpec()),
        ({"rows": "county", "cols": "county"}, PivotSpec(rows="county")),
        ({"rows": "county", "cols": "planet"}, PivotSpec(rows="county")),
        ({"cols": "month"}, PivotSpec()),  # the default rows are months already
        ({"measure": "waiting_median"}, PivotSpec()),  # not a pivot measure
        ({"measure": "DROP TABLE"}, PivotSpec()),
        ({"chart": "pie"}, PivotSpec()),
        (
            {"rows": "provider", "cols": "year", "measure": "cost", "chart": "heatmap"},
            PivotSpec("provider", "year", "cost", "heatmap"),
        ),
    ],
)
def test_a_pivot_link_with_invalid_parts_falls_back_part_by_part(query, expected):
    assert PivotSpec.from_query(query) == expected


def test_an_invalid_pivot_spec_cannot_be_made():
    for values in (
        {"rows": "planet"},
        {"rows": "county", "columns": "county"},
        {"measure": "waiting_median"},
        {"chart": "pie"},
    ):
        with pytest.raises(ValueError):
            PivotSpec(**values)


# --- caches and writes ----------------------------------------------------------------------------


@pytest.fixture
def six_clients(engine) -> list[int]:
    """Six clients with two sessions each in March 2026 (k = 5: everything is shown)."""
    with db.write_session() as session:
        p = provider(session)
        sessions = []
        for n in range(6):
            client = case(session, p, county="0037" if n < 3 else "0079")
            sessions.append(therapy(session, client, p, date(2026, 3, 2 + n)))
            sessions.append(therapy(session, client, p, date(2026, 3, 16 + n)))
        facts_changed(session)
    return sessions


def _view(actor: Actor, filters: StatFilters = MARCH) -> views.StatisticsView:
    with db.read_session() as session:
        return views.statistics_view(session, actor, filters=filters)


def _pivot(actor: Actor, spec: PivotSpec, filters: StatFilters = MARCH):
    with db.read_session() as session:
        return pivot(session, actor, filters=filters, spec=spec)


def test_a_warm_view_comes_from_the_cache(engine, coordinator, viewer, six_clients):
    first = _view(coordinator)
    assert _view(coordinator) is first
    seen = _view(viewer)  # the same cached figures, without provider names for the viewer
    assert seen.tiles is first.tiles
    assert seen.provider_names == {} and "provider" not in seen.breakdowns
    assert _view(coordinator, StatFilters(MARCH.start, MARCH.end, county=("0037",))) is not first


def test_a_change_to_a_session_changes_the_view_and_the_pivot(engine, coordinator, six_clients):
    spec = PivotSpec(rows="county", measure="cost")
    before = _view(coordinator)
    pivot_before = _pivot(coordinator, spec)
    assert before.tiles["cost"].value == 12 * 7000
    with db.write_session() as session:
        row = session.get(TherapySession, six_clients[0])
        assert row is not None
        row.cost_cents = 9500
        facts_changed(session)
    after = _view(coordinator)
    assert after.tiles["cost"].value == 12 * 7000 + 2500
    assert after.monthly["cost"].tolist() == [12 * 7000 + 2500]
    pivot_after = _pivot(coordinator, spec)
    assert pivot_after.values[-1, -1] == pivot_before.values[-1, -1] + 2500


def test_a_new_session_is_counted_after_the_write(engine, viewer, six_clients):
    assert _view(viewer).tiles["sessions"].value == 12
    with db.write_session() as session:
        row = session.get(TherapySession, six_clients[0])
        assert row is not None
        therapy(session, row.case_id, row.provider_id, date(2026, 3, 30))
        facts_changed(session)
    assert _view(viewer).tiles["sessions"].value == 13


def test_only_writes_to_the_facts_rebuild_the_snapshot(engine, six_clients):
    first = store.snapshot(engine)
    assert store.snapshot(engine) is first
    with db.write_session() as session:
        audit.bump_data_version(session)  # e.g. a material was edited
    assert store.snapshot(engine) is first
    with db.write_session() as session:
        audit.bump_data_version(session, facts=True)
    rebuilt = store.snapshot(engine)
    assert rebuilt is not first
    assert rebuilt.version == first.version + 1
    assert rebuilt.n_sessions == first.n_sessions == 12


# --- who may see and export ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "lead", "coordinator"])
def test_every_role_with_statistics_may_see_the_page_and_the_pivot(
    request, engine, six_clients, role
):
    actor = request.getfixturevalue(role)
    assert _view(actor).tiles["clients"].value == 6
    result = _pivot(actor, PivotSpec(rows="county", columns="category"))
    assert result.clients[-1, -1] == 6


def _refusals(action: str) -> int:
    with db.read_session() as session:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.outcome == "refused")
        ).all()
    return len(rows)


def test_an_admin_may_not_see_statistics(engine, admin, six_clients):
    with pytest.raises(PermissionDenied):
        _view(admin)
    with pytest.raises(PermissionDenied):
        _pivot(admin, PivotSpec())
    assert _refusals("statistics.view") == 1
    assert _refusals("statistics.pivot") == 1


def _exports() -> list[AuditEntry]:
    with db.read_session() as session:
        return list(
            session.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalars()
        )


@pytest.mark.parametrize("role", ["viewer", "lead", "coordinator"])
def test_an_export_is_audited(request, engine, role):
    actor = request.getfixturevalue(role)
    with db.write_session() as session:
        content = views.export_file(
            session, actor, name="by-county", fmt="csv", build=lambda: b"a;b\r\n"
        )
    assert content == b"a;b\r\n"
    (entry,) = _exports()
    assert entry.actor == actor.username
    assert entry.table_name == "statistics"
    assert entry.outcome == "ok"
    assert set(entry.fields) == {"chart=by-county", "format=csv"}


def test_an_export_without_the_permission_is_refused_and_nothing_is_built(engine, admin):
    built = []

    def build() -> bytes:
        built.append(True)
        return b""

    with pytest.raises(PermissionDenied), db.write_session() as session:
        views.export_file(session, admin, name="by-county", fmt="csv", build=build)
    assert built == []
    assert _exports() == []
    assert _refusals("statistics.export") == 1


# --- KPIs --------------------------------------------------------------------------------------


def test_kpi_status_against_a_target_where_higher_is_better():
    target = kpis.Target(value=0.8, higher_is_better=True, tolerance=0.1)
    assert kpis.status_of(0.95, target) == "green"
    assert kpis.status_of(0.8, target) == "green"
    assert kpis.status_of(0.75, target) == "amber"
    assert kpis.status_of(0.5, target) == "red"
    assert kpis.status_of(None, target) == "none"


def test_kpi_status_against_a_target_where_lower_is_better():
    target = kpis.Target.from_setting({"target": 14, "better": "lower", "tolerance": 3})
    assert kpis.status_of(10, target) == "green"
    assert kpis.status_of(14, target) == "green"
    assert kpis.status_of(17, target) == "amber"
    assert kpis.status_of(17.5, target) == "red"
    assert kpis.status_of(None, target) == "none"


def test_the_kpi_board_follows_the_targets_in_the_settings(demo_db, lead):
    with db.read_session() as session:
        goals = kpis.targets(session)
        view = views.statistics_view(session, lead, filters=DEMO_PERIOD)
    assert set(goals) == set(kpis.KPI_ORDER)
    rows = kpis.board(view, goals)
    assert [row.key for row in rows] == list(kpis.KPI_ORDER)
    for row in rows:
        expected = kpis.status_of(
            None if row.figure.value is None else float(row.figure.value), goals[row.key]
        )
        assert row.status == expected
        if row.figure.value is None:
            assert row.status == "none"
            assert row.change is None
    assert any(row.status != "none" for row in rows)


# --- charts and downloads -------------------------------------------------------------------------


def _marks_without_tooltips(spec: dict) -> list[dict]:
    """Every part of a Vega-Lite spec that draws a mark, missing a tooltip."""
    missing = []
    if "mark" in spec and "tooltip" not in spec.get("encoding", {}):
        missing.append(spec)
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in spec.get(key, []):
            missing.extend(_marks_without_tooltips(part))
    return missing


def _chart_frames(view: views.StatisticsView) -> dict[str, object]:
    month = view.monthly.copy()
    month["month_label"] = [charts.month_label(m) for m in month["month"]]
    month["clients_text"] = [charts.shown(v, "count", "et") for v in month["clients_shown"]]
    month["sessions_text"] = [charts.shown(v, "count", "et") for v in month["sessions_shown"]]
    stacked = pd.DataFrame(
        [
            {"month_label": "03/2026", "series": "uued", "order": 0, "value": 6, "text": "6"},
            {"month_label": "03/2026", "series": "jätkavad", "order": 1, "value": 0, "text": "0"},
        ]
    )
    line = pd.DataFrame([{"x_label": "03/2026", "series": "mediaan", "value": 4.0, "text": "4"}])
    bars = view.breakdowns["county"].copy()
    bars["label"] = bars["key"]
    bars["value"] = bars["clients"]
    bars["clients_text"] = [str(v) for v in bars["clients_shown"]]
    long = pd.DataFrame(
        [{"row_label": "Harju", "column_label": "kuritegu", "value": 3.0, "shown": "3"}]
    )
    labels = {"month": "Kuu", "clients": "Kliente", "sessions": "Seansse"}
    return {
        "clients_sessions": charts.clients_sessions(month, title="Kliendid", labels=labels),
        "stacked": charts.stacked_months(
            stacked, title="Uued", month_title="Kuu", value_title="Kliente", series_title="Rida"
        ),
        "lines": charts.lines(
            line, title="Ooteaeg", x_title="Kuu", y_title="Päeva", series_title="Rida"
        ),
        "lines_with_target": charts.lines(
            line,
            title="Ooteaeg",
            x_title="Kuu",
            y_title="Päeva",
            series_title="Rida",
            rule=14.0,
            rule_label="Eesmärk 14 päeva",
        ),
        "bars": charts.bars(
            bars,
            title="Maakonniti",
            category_title="Maakond",
            value_title="Kliente",
            tooltips=[("clients_text", "Kliente")],
            selectable=True,
        ),
        **{
            f"pivot_{kind}": charts.pivot_chart(
                long,
                kind=kind,
                title="Pivot",
                row_title="Maakond",
                column_title="Kategooria",
                value_title="Kliente",
            )
            for kind in ("bar", "stacked", "grouped", "line", "heatmap")
        },
    }


def test_every_chart_has_tooltips_on_every_mark(engine, coordinator, six_clients):
    built = _chart_frames(_view(coordinator))
    for name, chart in built.items():
        spec = chart.to_dict()  # type: ignore[attr-defined]
        assert _marks_without_tooltips(spec) == [], name
    bars = built["bars"].to_dict()  # type: ignore[attr-defined]
    assert any(param.get("name") == charts.PICK for param in bars.get("params", []))


def test_a_chart_downloads_as_png_and_svg(engine, coordinator, six_clients):
    built = _chart_frames(_view(coordinator))
    titles = {"bars": "Maakonniti", "pivot_grouped": "Pivot", "lines_with_target": "Ooteaeg"}
    for name, title in titles.items():
        chart = built[name]
        png = charts.chart_image(chart, "png")  # type: ignore[arg-type]
        assert png.startswith(b"\x89PNG"), name
        svg = charts.chart_image(chart, "svg").decode("utf-8")  # type: ignore[arg-type]
        assert svg.lstrip().startswith("<svg"), name
        assert title in svg, name
    with pytest.raises(ValueError):
        charts.chart_image(built["bars"], "gif")  # type: ignore[arg-type]


def test_the_clients_and_sessions_chart_of_the_page_downloads_as_png_and_svg(
    engine, coordinator, six_clients
):
    """Its frame is the view's monthly frame, whose `month` column holds dates."""
    chart = _chart_frames(_view(coordinator))["clients_sessions"]
    assert charts.chart_image(chart, "png").startswith(b"\x89PNG")  # type: ignore[arg-type]
    assert b"<svg" in charts.chart_image(chart, "svg")  # type: ignore[arg-type]


def test_the_figures_behind_a_chart_download_as_csv_and_xlsx(engine, coordinator, six_clients):
    frame = _view(coordinator).breakdowns["county"]
    csv_bytes = charts.data_file(frame, "csv", sheet="Maakonnad")
    assert csv_bytes.startswith("\ufeff".encode())
    assert csv_bytes.decode("utf-8").splitlines()[0].startswith("\ufeffkey;clients;")
    xlsx = charts.data_file(frame, "xlsx", sheet="Maakonnad ja kõik muu, mis ei mahu lehe nimesse")
    assert xlsx.startswith(b"PK")
    with pytest.raises(ValueError):
        charts.data_file(frame, "pdf", sheet="x")


def test_shown_values_are_formatted_for_the_reader():
    assert charts.shown("<5", "count", "et") == "<5"
    assert charts.shown("×", "money", "et") == "×"
    assert charts.shown(None, "count", "et") == "–"
    assert charts.shown(float("nan"), "ratio", "et") == "–"
    assert charts.month_label(date(2026, 3, 1)) == "03/2026"
