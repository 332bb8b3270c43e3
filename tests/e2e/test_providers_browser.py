"""The Providers page in a real browser: onboarding a provider from nothing to an eligible
specialist, with a hostile provider name that must stay text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import (
    expect,
    log_in,
    main_area,
    screenshot_full_page,
    wait_for_page,
    wait_until_settled,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def _settle(page: Page) -> None:
    wait_until_settled(page)


def _people(page: Page):
    """The Specialists tab's panel (other tabs mention specialists too)."""
    return main_area(page).get_by_role("tabpanel", name="Spetsialistid")


def _button(page: Page, name: str):
    return main_area(page).get_by_role("button", name=name, exact=True)


def test_coordinator_onboards_a_provider_to_an_eligible_specialist(page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "koordinaator")

    page.goto("/Providers?view=detail&provider=new")
    main = main_area(page)
    code = main.get_by_role("textbox", name="Registrikood")
    wait_for_page(page, code)
    main.get_by_role("textbox", name="Nimi", exact=True).fill(HOSTILE_NAME)
    code.fill("99999901")
    main.get_by_role("textbox", name="E-post").fill("info@uus-kabinet.example")
    main.get_by_role("textbox", name="Telefon").fill("+372 5123 4567")
    counties = main.get_by_test_id("stMultiSelect").filter(has_text="Maakonnad")
    counties.locator("input").click()
    page.keyboard.type("Tartu")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _button(page, "Salvesta").click()
    wait_for_page(page, main.get_by_text("Liitumine: 0 sammu 8-st tehtud"))

    # The name is shown as text, never as an element, and nothing ran.
    expect(main.get_by_role("heading", name=HOSTILE_NAME)).to_be_visible()
    expect(page.locator('img[src="x"]')).to_have_count(0)
    # What is missing is listed: no eligible specialist, the contract and the info session.
    expect(
        main.get_by_text("Pole ühtegi aktiivset nõuetele vastavat spetsialisti", exact=True)
    ).to_be_visible()
    expect(
        main.get_by_text("Liitumise samm tegemata: Leping allkirjastatud", exact=True)
    ).to_be_visible()

    main.get_by_role("tab", name="Spetsialistid").click()
    add_form = main.get_by_test_id("stForm").filter(has_text="Lisa spetsialist")
    add_form.get_by_role("textbox", name="Nimi").fill("Kärt Õunapuu")
    add_form.get_by_role("button", name="Lisa spetsialist").click()
    _settle(page)
    main.get_by_role("tab", name="Spetsialistid").click()
    expander = _people(page).get_by_test_id("stExpander").filter(has_text="Kärt Õunapuu")
    expect(expander).to_contain_text("ei vasta nõuetele")
    expander.get_by_text("Kärt Õunapuu").first.click()

    qualification = expander.get_by_test_id("stForm").filter(has_text="Lisa kvalifikatsioon")
    # The first kind offered is the clinical psychologist's professional qualification.
    qualification.get_by_role("textbox", name="Tunnistuse number").fill("123456")
    until = qualification.get_by_test_id("stDateInput").filter(has_text="Kehtiv kuni")
    until = until.locator("input")
    until.fill("31.12.2030")
    until.press("Enter")
    qualification.get_by_role("button", name="Lisa kvalifikatsioon").click()
    _settle(page)

    main.get_by_role("tab", name="Spetsialistid").click()
    expander = _people(page).get_by_test_id("stExpander").filter(has_text="Kärt Õunapuu")
    if not expander.get_by_role("button", name="Märgi kontrollituks").is_visible():
        expander.get_by_text("Kärt Õunapuu").first.click()
    expect(expander).to_contain_text("kliiniline psühholoog (kutse)")
    expect(expander).to_contain_text("kontrollimata")
    expander.get_by_role("button", name="Märgi kontrollituks").click()
    _settle(page)

    main.get_by_role("tab", name="Spetsialistid").click()
    expander = _people(page).get_by_test_id("stExpander").filter(has_text="Kärt Õunapuu")
    expect(expander.first).to_contain_text("võib osutada psühholoogilist nõustamist")
    # The provider still lacks its onboarding steps, and says so.
    expect(
        main.get_by_text("Pole ühtegi aktiivset nõuetele vastavat spetsialisti", exact=True)
    ).to_have_count(0)
    expect(
        main.get_by_text("Liitumise samm tegemata: Leping allkirjastatud", exact=True)
    ).to_be_visible()
    expect(
        main.get_by_text("Liitumise samm tegemata: Infotunnis osaletud", exact=True)
    ).to_be_visible()
    assert dialogs == []


def test_provider_list_screenshot(page: Page):
    log_in(page, "koordinaator")
    page.goto("/Providers")
    wait_for_page(page, main_area(page).get_by_text("Leitud", exact=False).first)
    screenshot_full_page(page, "providers.png")
