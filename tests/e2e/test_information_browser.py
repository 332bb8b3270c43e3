"""Information management in a real browser: a material whose review was due yesterday is
overdue on the Overview and on the due list; marking it reviewed takes it off both."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from core.dates import add_months
from tests.e2e.helpers import (
    OVERVIEW_TITLE,
    expect,
    log_in,
    main_area,
    screenshot_full_page,
    sidebar,
    title,
    wait_for_page,
    wait_until_settled,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

OVERDUE_TILE = "Ülevaatamata materjalid"
MATERIALS_TITLE = "Materjalid"
DUE_TITLE = "Tähtajad"


def _last_review_for_yesterday() -> date:
    """A last-review date whose 12-month interval ends yesterday (Tallinn time)."""
    yesterday = datetime.now(ZoneInfo("Europe/Tallinn")).date() - timedelta(days=1)
    last = add_months(yesterday, -12)
    while add_months(last, 12) < yesterday:  # 29 February has no twin a year before
        last += timedelta(days=1)
    assert add_months(last, 12) == yesterday
    return last


def _overdue_count(page: Page) -> int:
    page.goto("/")
    wait_for_page(page, title(page, OVERVIEW_TITLE))
    wait_until_settled(page)
    tile = main_area(page).get_by_test_id("stMetric").filter(has_text=OVERDUE_TILE)
    value = tile.get_by_test_id("stMetricValue").inner_text()
    return int(re.sub(r"\D", "", value))


def _due_rows(page: Page, text: str) -> None:
    page.goto("/Due")
    wait_for_page(page, title(page, DUE_TITLE))
    search = page.get_by_label("Otsi", exact=True)
    search.fill(text)
    search.press("Enter")
    wait_until_settled(page)


def test_a_material_overdue_yesterday_is_shown_and_leaves_when_reviewed(page: Page) -> None:
    material_title = f"Ülevaatuse proov {int(time.time())}"
    log_in(page, "koordinaator")
    before = _overdue_count(page)

    page.goto("/Materials?view=detail&material=new")
    wait_for_page(page, page.get_by_label("Pealkiri", exact=True))
    page.get_by_label("Pealkiri", exact=True).fill(material_title)
    # A date field of segments (day, month, year): type the digits into the first one.
    reviewed = page.get_by_label("Viimati üle vaadatud", exact=True)
    reviewed.get_by_role("spinbutton").first.click()
    page.keyboard.type(_last_review_for_yesterday().strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    page.get_by_label("Ülevaatuse intervall (kuud)", exact=True).fill("12")
    main_area(page).get_by_role("button", name="Salvesta", exact=True).click()
    wait_for_page(page, page.get_by_text("on möödas"))
    wait_until_settled(page)
    material_url = page.url
    assert re.search(r"material=\d+", material_url), material_url

    assert _overdue_count(page) == before + 1

    _due_rows(page, material_title)
    table = main_area(page).get_by_test_id("stDataFrame").first
    expect(table).to_contain_text(material_title)
    expect(table).to_contain_text("1 p üle tähtaja")
    screenshot_full_page(page, "information-due-search.png")

    page.goto(material_url)
    wait_for_page(page, page.get_by_text("on möödas"))
    page.get_by_label("Märkus", exact=True).fill("Kontaktandmed üle kontrollitud")
    main_area(page).get_by_role("button", name="Märgi ülevaadatuks").click()
    wait_for_page(page, page.get_by_text("Järgmine ülevaatus"))
    wait_until_settled(page)
    expect(page.get_by_text("on möödas")).to_have_count(0)

    assert _overdue_count(page) == before
    _due_rows(page, material_title)
    expect(page.get_by_text("Valitud ajavahemikus pole midagi teha.")).to_be_visible()


def _count_line(page: Page) -> int:
    text = main_area(page).get_by_text(re.compile(r"^Nimekirjas \d+")).inner_text()
    return int(re.search(r"\d+", text).group())


def _click_first_row(page: Page) -> None:
    """The grid draws on a canvas: click the first row's selection box."""
    table = main_area(page).get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)


def test_a_due_item_is_marked_done_from_its_row(page: Page) -> None:
    log_in(page, "koordinaator")
    sidebar(page).get_by_role("link", name=DUE_TITLE, exact=True).click()
    wait_for_page(page, title(page, DUE_TITLE))
    wait_until_settled(page)
    before = _count_line(page)
    _click_first_row(page)
    done = main_area(page).get_by_role("button", name="Märgi tehtuks")
    wait_for_page(page, done)
    screenshot_full_page(page, "due.png")
    done.click()
    wait_until_settled(page)
    expect(main_area(page).get_by_text(f"Nimekirjas {before - 1};")).to_be_visible()


def test_information_pages_for_the_readme(page: Page) -> None:
    log_in(page, "koordinaator")
    for link, marker, name in (
        ("Materjalid", MATERIALS_TITLE, "materials.png"),
        ("Partnerid", "Partnerid", "partners.png"),
        ("Ülesanded", "Ülesanded", "tasks.png"),
    ):
        sidebar(page).get_by_role("link", name=link, exact=True).click()
        wait_for_page(page, title(page, marker))
        wait_until_settled(page)
        screenshot_full_page(page, name)
    sidebar(page).get_by_role("link", name="Partnerid", exact=True).click()
    wait_for_page(page, title(page, "Partnerid"))
    _click_first_row(page)
    wait_for_page(page, page.get_by_role("tab", name="Kontaktide logi"))
    expect(main_area(page).get_by_role("button", name="Salvesta kontakt")).to_be_visible()
    # Back to the directory: the row chosen before must not open the partner again.
    main_area(page).get_by_role("radio", name="Kataloog").click()
    wait_until_settled(page)
    expect(page.get_by_role("tab", name="Kontaktide logi")).to_have_count(0)
    expect(main_area(page).get_by_text("Leitud 30.")).to_be_visible()
    main_area(page).get_by_role("radio", name="Võrgustik").click()
    wait_for_page(page, page.get_by_text("Võrgustik maakonniti ja liigiti"))
    wait_until_settled(page)
    screenshot_full_page(page, "partners-network.png")
