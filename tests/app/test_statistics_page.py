"""The Statistics page and meeting mode as the coordinator, the lead and the viewer use
them: every section renders, filters and views live in the URL, small cells stay hidden."""

from __future__ import annotations

import re
from datetime import date

import pytest

from core import audit, db
from core.statistics.filters import default_filters
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users
from tests.core.contract_world import case, therapy
from tests.core.contract_world import provider as add_provider
from ui.statistics_views import SECTIONS
from ui.widgets import today

PAGE = "pages/10_Statistics.py"
MEETING = "pages/14_Meeting.py"


def _open(username: str, page: str = PAGE, lang: str = "et", **query: str):
    app = sign_in(new_app(lang), username)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders_on_the_demo_data(demo_db, section):
    app = _open("koordinaator", view=section)
    assert "Statistika ja mõju" in all_text(app)
    assert not app.error


def test_the_overview_shows_tiles_with_definitions_and_the_kpi_board(demo_db):
    app = _open("tiimijuht", lang="en")
    clients = next(m for m in app.metric if m.label == "Clients (unduplicated)")
    assert "first" not in clients.value
    assert clients.help and "Distinct cases" in clients.help
    text = all_text(app)
    assert "KPIs" in text
    assert "Waiting within target" in text


def test_the_statistics_page_works_on_an_empty_database(db_url):
    _empty_database_with_users(db_url)
    for section in SECTIONS:
        app = _open("koordinaator", view=section)
        assert not app.error
    app = _open("koordinaator")
    assert _metric(app, "Kliente (unikaalsed)") in ("0", "–")


def test_a_county_in_the_url_filters_the_page_and_fills_the_filter(demo_db):
    everyone = _open("koordinaator")
    harju = _open("koordinaator", county="0037")
    county_box = next(box for box in harju.multiselect if box.label == "Maakond")
    assert county_box.value == ["0037"]
    as_number = lambda text: int(re.sub(r"\D", "", text))  # noqa: E731
    assert as_number(_metric(harju, "Kliente (unikaalsed)")) < as_number(
        _metric(everyone, "Kliente (unikaalsed)")
    )


def test_choosing_a_filter_puts_it_in_the_url(demo_db):
    app = _open("koordinaator")
    box = next(box for box in app.multiselect if box.label == "Sugu")
    box.select("male").run()
    assert not app.exception
    assert app.query_params.get("gender") in ("male", ["male"])


def test_the_viewer_sees_the_page_with_suppressed_figures_only(db_url):
    _empty_database_with_users(db_url)
    day = today().replace(day=1)
    with db.write_session() as session:
        provider = add_provider(session, "Väike OÜ", "10000002")
        for _ in range(3):  # three clients: fewer than k
            therapy(session, case(session, provider, decided=day, county="0039"), provider, day)
        audit.bump_data_version(session, facts=True)
    app = _open("vaatleja", view="activity")
    assert _metric(app, "Kliente (unikaalsed)") == "<5"
    numbers = {m.label: m.value for m in app.metric}
    assert all(
        value in ("<5", "×", "–") or not re.fullmatch(r"[1-4]", value) for value in numbers.values()
    )


def test_a_meeting_view_opens_from_its_url_with_the_same_settings(demo_db):
    app = _open(
        "koordinaator",
        page=MEETING,
        rows="county",
        cols="quarter",
        measure="sessions",
        chart="heatmap",
    )
    chosen = {box.label: box.value for box in app.selectbox}
    assert chosen["Read"] == "county"
    assert chosen["Veerud"] == "quarter"
    assert chosen["Näitaja"] == "sessions"
    assert chosen["Joonis"] == "heatmap"
    table = app.dataframe[-1].value
    assert table.columns[0] == "Maakond"
    assert any("kvartal" in str(column) for column in table.columns)
    assert table.iloc[-1, 0] == "Kokku"


def test_changing_the_pivot_updates_the_url_for_a_colleague(demo_db):
    app = _open("koordinaator", page=MEETING)
    next(box for box in app.selectbox if box.label == "Read").select("age_band").run()
    next(box for box in app.selectbox if box.label == "Näitaja").select("cost").run()
    assert not app.exception
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in app.query_params.items()}
    assert query["rows"] == "age_band"
    assert query["measure"] == "cost"
    colleague = _open("tiimijuht", page=MEETING, **query)
    assert {b.label: b.value for b in colleague.selectbox}["Read"] == "age_band"
    assert all_text(app).count("Kokku") == all_text(colleague).count("Kokku")


def test_presentation_mode_hides_the_controls(demo_db):
    app = _open("koordinaator", page=MEETING, present="1", rows="county")
    assert not app.multiselect
    assert any(b.label == "Välju esitlusrežiimist" for b in app.button)


def test_the_default_period_is_the_year_to_date():
    filters = default_filters(date(2026, 11, 24))
    assert (filters.start, filters.end) == (date(2026, 1, 1), date(2026, 11, 24))


def test_the_coordinator_sets_a_kpi_target_and_the_board_shows_it(demo_db):
    app = _open("koordinaator", lang="en")
    form_inputs = {box.label: box for box in app.number_input}
    form_inputs["Target: net promoter score"].set_value(55.0)
    next(b for b in app.button if b.label == "Save").click().run()
    assert not app.exception
    board = next(frame.value for frame in app.dataframe if "Target" in frame.value.columns)
    assert "at least 55.0" in board["Target"].tolist()


def test_the_lead_sees_no_settings_form(demo_db):
    app = _open("tiimijuht", lang="en")
    assert not any(box.label == "Small-cell threshold k" for box in app.number_input)


def test_the_viewer_gets_no_provider_names_filter_or_pivot(demo_db):
    app = _open("vaatleja", view="breakdown")
    assert not any(box.label == "Teenuseosutaja" for box in app.multiselect)
    dimensions = next(c for c in app.get("button_group") if "Maakond" in str(c.proto))
    assert "Teenuseosutaja" not in str(dimensions.proto)
    meeting = _open("vaatleja", page=MEETING, rows="provider", measure="sessions")
    assert {b.label: b.value for b in meeting.selectbox}["Read"] == "month"
    assert "Teenuseosutaja" not in str([b.options for b in meeting.selectbox])
