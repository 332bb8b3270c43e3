"""Statistics and meeting mode in a real browser: a click on a county bar filters the whole
page through the URL, a chart downloads as a PNG drawn on the server, and a meeting view
opens from its link and goes into presentation mode."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import (
    expect,
    log_in,
    main_area,
    screenshot_full_page,
    sidebar,
    wait_for_page,
    wait_until_settled,
)

pytestmark = pytest.mark.e2e


def _open(page: Page, path: str, marker: str) -> None:
    page.goto(path)
    wait_for_page(page, main_area(page).get_by_text(marker, exact=True).first)
    wait_until_settled(page)


def test_clicking_a_county_bar_filters_the_page_and_a_chart_downloads(page: Page) -> None:
    log_in(page, "koordinaator")
    _open(page, "/Statistics", "Statistika ja mõju")
    charts = main_area(page).get_by_test_id("stVegaLiteChart")
    expect(charts.nth(1)).to_be_visible()
    screenshot_full_page(page, "statistics.png")
    charts.nth(1).scroll_into_view_if_needed()
    box = charts.nth(1).bounding_box()
    assert box is not None
    # The county bars are sorted largest first: the top bar is the biggest county.
    page.mouse.click(box["x"] + box["width"] * 0.35, box["y"] + 48)
    page.wait_for_url("**county=*")
    wait_until_settled(page)
    county = parse_qs(urlsplit(page.url).query)["county"]
    assert len(county) == 1
    expect(main_area(page).get_by_role("button", name="Laadi alla").first).to_be_visible()

    main_area(page).get_by_role("button", name="Laadi alla").first.click()
    popover = page.get_by_test_id("stPopoverBody")
    with page.expect_download() as download:
        popover.get_by_role("button", name="PNG").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\x89PNG")


def test_a_meeting_view_opens_from_its_link_and_presents(page: Page) -> None:
    log_in(page, "tiimijuht")
    _open(
        page, "/Meeting?rows=county&cols=quarter&measure=sessions&chart=heatmap", "Koosoleku vaade"
    )
    expect(main_area(page).get_by_test_id("stVegaLiteChart").first).to_be_visible()
    screenshot_full_page(page, "meeting.png")
    main_area(page).get_by_role("button", name="Esitlusrežiim").click()
    page.wait_for_url("**present=1*")
    wait_for_page(page, main_area(page).get_by_role("button", name="Välju esitlusrežiimist"))
    wait_until_settled(page)
    expect(sidebar(page)).to_be_hidden()
    screenshot_full_page(page, "meeting-presentation.png")
