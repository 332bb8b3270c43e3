"""The case-data import in a real browser: the coordinator uploads a case-system export,
checks the column mapping and the preview, imports it, and a second upload of the same
file has nothing to do."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import expect, log_in, main_area, wait_for_page, wait_until_settled

pytestmark = pytest.mark.e2e

CASES = (
    "\ufeffJuhtumi kood;Suunamise kuupäev;Suunaja;Ohvri liik;Maakond;Keel;Vanuserühm;Sugu;"
    "Otsuse kuupäev\r\n"
    "E2E-1;03.01.2025;politsei;lähisuhtevägivald;Harju;eesti;27-39;naine;05.01.2025\r\n"
    "E2E-2;2025-02-10;ise;witness;0079;vene;65+;mees;\r\n"
).encode()


def _upload(page: Page) -> None:
    page.goto("/Import")
    wait_for_page(page, main_area(page).get_by_text("Andmete import", exact=True).first)
    wait_until_settled(page)
    page.locator("input[type=file]").set_input_files(
        {"name": "juhtumid.csv", "mimeType": "text/csv", "buffer": CASES}
    )
    wait_for_page(page, main_area(page).get_by_text("Veergude vastavus", exact=True))
    wait_until_settled(page)


def test_the_coordinator_imports_cases_and_a_second_import_changes_nothing(page: Page) -> None:
    log_in(page, "koordinaator")
    _upload(page)
    button = main_area(page).get_by_role("button", name="Impordi (uusi 2, muudetud 0)")
    expect(button).to_be_visible()
    button.click()
    wait_for_page(page, main_area(page).get_by_text("Import on tehtud", exact=False).first)
    wait_until_settled(page)

    _upload(page)
    expect(
        main_area(page).get_by_role("button", name="Impordi (uusi 2, muudetud 0)")
    ).to_have_count(0)
