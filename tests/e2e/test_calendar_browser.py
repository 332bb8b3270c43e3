"""The training calendar in a real browser: create an info day, register two specialists
over a capacity of one, see the waiting list, mark attendance, download the .ics file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from core.formatting import TALLINN
from tests.e2e.helpers import (
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

CALENDAR_TITLE = "Koolituskalender"
EVENT_TITLE = "Infopäev e2e, Tartu; 2026"


def _choose(page: Page, label: str, option_index: int) -> None:
    """Open a Streamlit selectbox by its label and pick the n-th option."""
    main_area(page).get_by_label(label, exact=True).click()
    options = page.get_by_role("option")
    expect(options.nth(option_index)).to_be_visible()
    options.nth(option_index).click()
    wait_until_settled(page)


def test_info_day_registrations_waiting_list_attendance_and_ics(page: Page, tmp_path: Path) -> None:
    from icalendar import Calendar

    log_in(page, "koordinaator")
    sidebar(page).get_by_role("link", name=CALENDAR_TITLE).click()
    wait_for_page(page, title(page, CALENDAR_TITLE))
    wait_until_settled(page)
    main = main_area(page)

    # A new info day, yesterday from 10:00 to 13:00, one place.
    main.get_by_role("button", name="Lisa sündmus").click()
    wait_for_page(page, main.get_by_text("Uus sündmus", exact=True))
    yesterday = datetime.now(TALLINN).date() - timedelta(days=1)
    main.get_by_label("Pealkiri", exact=True).fill(EVENT_TITLE)
    day = main.get_by_label("Alguse kuupäev", exact=True)
    # A segmented date field (day, month, year): type the digits into the first segment.
    day.get_by_role("spinbutton").first.click()
    page.keyboard.type(yesterday.strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    capacity = main.get_by_label("Kohtade arv", exact=True)
    capacity.fill("1")
    capacity.press("Tab")
    main.get_by_role("button", name="Salvesta").click()
    wait_for_page(page, main.get_by_role("heading", name=EVENT_TITLE))
    wait_until_settled(page)
    expect(main.get_by_text(yesterday.strftime("%d.%m.%Y"), exact=False).first).to_be_visible()

    # Two specialists over a capacity of one: the second goes on the waiting list.
    _choose(page, "Spetsialist", 0)
    main.get_by_role("button", name="Registreeri", exact=True).click()
    wait_for_page(page, main.get_by_text("Registreeritud.", exact=True))
    wait_until_settled(page)
    _choose(page, "Spetsialist", 1)
    main.get_by_role("button", name="Registreeri", exact=True).click()
    wait_for_page(page, main.get_by_text("lisatud ootenimekirja (1. kohale)", exact=False))
    wait_until_settled(page)
    expect(main.get_by_text("Registreerunud 1 / 1, ootenimekirjas 1")).to_be_visible()
    expect(main.get_by_text("Ootenimekiri (1)")).to_be_visible()
    expect(main.get_by_text("Kõik kohad on täis", exact=False)).to_be_visible()

    # Attendance: tick the one registered participant and save; the event becomes held.
    editor = main.get_by_test_id("stDataFrame").last
    editor.scroll_into_view_if_needed()
    box = editor.bounding_box()
    assert box is not None
    # The checkbox in the first column (75 px wide) of the first data row (under a 35 px
    # header); the grid is a canvas, so the click goes to the checkbox's place.
    page.mouse.click(box["x"] + 37, box["y"] + 35 + 17)
    wait_until_settled(page)
    main.get_by_role("button", name="Salvesta osalemine").click()
    wait_for_page(page, main.get_by_text("Osales: 1", exact=True))
    wait_until_settled(page)
    expect(main.get_by_text("toimunud", exact=False).first).to_be_visible()
    screenshot_full_page(page, "calendar_event.png")
    expect(main.get_by_text("Registreerunud 1 / 1, ootenimekirjas 1")).to_be_visible()

    # The .ics file of this event, parsed back.
    with page.expect_download() as download_info:
        main.get_by_role("button", name="Laadi alla .ics").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    calendar = Calendar.from_ical(target.read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == EVENT_TITLE
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Tallinn" and (start.hour, start.minute) == (10, 0)
    assert start.date() == yesterday
    assert "SUMMARY:Infopäev e2e\\, Tartu\\; 2026" in target.read_text(encoding="utf-8")

    # The month with the event, for the documentation.
    page.goto(f"/Calendar?view=month&date={yesterday.isoformat()}")
    wait_for_page(page, title(page, CALENDAR_TITLE))
    wait_until_settled(page)
    expect(main_area(page).get_by_text(EVENT_TITLE, exact=False).first).to_be_visible()
    screenshot_full_page(page, "calendar.png")

    # The supervision log and the training hours with the info-day rule.
    for view, marker in (
        ("supervision", "Minu kovisioon ja supervisioon"),
        ("hours", "Koolitustunnid spetsialistide kaupa"),
        ("week", "Eelmine"),
        ("list", "Vali rida, et sündmus avada."),
    ):
        page.goto(f"/Calendar?view={view}&date={yesterday.isoformat()}")
        wait_for_page(page, main_area(page).get_by_text(marker, exact=True).first)
        wait_until_settled(page)
