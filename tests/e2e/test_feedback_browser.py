"""Feedback in a real browser: the coordinator enters a client's feedback that contains
an e-mail address, accepts the redaction, sees it in the trend, turns it into a
development proposal and submits it; the lead signs in and accepts it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import (
    expect,
    log_in,
    main_area,
    screenshot_full_page,
    title,
    wait_for_auth_cookie,
    wait_for_page,
    wait_until_settled,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.e2e

FEEDBACK_TITLE = "Tagasiside"
PROPOSALS_TITLE = "Arendusettepanekud"
CLIENT_TEXT = "Psühholoog aitas väga. Vastake mulle palun: klient.nimi@example.ee"
REDACTED_TEXT = "Psühholoog aitas väga. Vastake mulle palun: [e-post]"


def _signed_in(context: BrowserContext, username: str, path: str) -> Page:
    """Sign in on the Overview, then open `path` (the login cookie carries the session)."""
    page = context.new_page()
    log_in(page, username)
    wait_for_auth_cookie(context)
    page.goto(path)
    return page


def _view(page: Page, name: str) -> None:
    main_area(page).get_by_test_id("stButtonGroup").get_by_text(name, exact=True).click()
    wait_until_settled(page)


def _choose(page: Page, label: str, option: str) -> None:
    main_area(page).get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_until_settled(page)


def _latest_responses(page: Page) -> str:
    metric = main_area(page).get_by_test_id("stMetric").filter(has_text="Vastuseid (")
    expect(metric).to_have_count(1)
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def test_client_feedback_becomes_an_accepted_proposal(
    new_context: Callable[[], BrowserContext],
) -> None:
    page = _signed_in(new_context(), "koordinaator", "/Feedback?view=analysis")
    wait_for_page(page, title(page, FEEDBACK_TITLE))
    before = _latest_responses(page)

    # Entry: the check finds the address and offers the redacted text.
    _view(page, "Sisesta")
    main = main_area(page)
    _choose(page, "Rahulolu (1–5)", "5")
    _choose(page, "Soovitaks (0–10)", "10")
    main.get_by_label("Tekst", exact=True).fill(CLIENT_TEXT)
    main.get_by_label("Tekst", exact=True).press("Control+Enter")
    wait_until_settled(page)
    main.get_by_role("button", name="Kontrolli ja salvesta").click()
    expect(main.get_by_text("Tekstis on isikuandmeid: e-posti aadress")).to_be_visible()
    expect(main.get_by_text(REDACTED_TEXT, exact=True)).to_be_visible()
    main.get_by_role("button", name="Kasuta asendatud teksti ja salvesta").click()
    saved = main.get_by_text(re.compile(r"Tagasiside #\d+ on salvestatud\."))
    expect(saved).to_be_visible()
    feedback_id = re.search(r"#(\d+)", saved.inner_text()).group(1)  # type: ignore[union-attr]
    wait_until_settled(page)

    # The trend counts it in the latest period.
    _view(page, "Analüüs")
    after = _latest_responses(page)
    if before.isdigit():
        assert int(after) == int(before) + 1
    expect(main.get_by_text("Rahulolu ja soovitamine (NPS) ajas")).to_be_visible()
    screenshot = screenshot_full_page(page, "feedback.png")
    assert screenshot.exists()

    # Follow-up: the saved text is the redacted one; start a proposal from it.
    page.goto(f"/Feedback?view=list&feedback={feedback_id}")
    wait_for_page(page, page.get_by_role("heading", name=f"Tagasiside #{feedback_id}"))
    wait_until_settled(page)
    expect(main.get_by_test_id("stText").filter(has_text=REDACTED_TEXT)).to_be_visible()
    expect(main.get_by_text("klient.nimi@example.ee")).to_have_count(0)
    main.get_by_label("Pealkiri", exact=True).fill("Kliendile vastamise kord")
    main.get_by_label("Põhjendus", exact=True).fill("Kliendid soovivad tagasisidele vastust.")
    main.get_by_role("button", name="Algata arendusettepanek").click()
    link = main.get_by_role("link", name=re.compile(r"Ava ettepanek #\d+"))
    expect(link).to_be_visible()
    proposal_id = re.search(r"#(\d+)", link.inner_text()).group(1)  # type: ignore[union-attr]
    link.click()
    wait_for_page(page, title(page, PROPOSALS_TITLE))
    wait_until_settled(page)
    main.get_by_role("button", name="Esita tiimijuhile otsustamiseks").click()
    expect(main.get_by_text("Ettepanek ootab tiimijuhi otsust.")).to_be_visible()

    # The lead decides.
    lead = _signed_in(new_context(), "tiimijuht", f"/Proposals?proposal={proposal_id}")
    wait_for_page(lead, title(lead, PROPOSALS_TITLE))
    lead_main = main_area(lead)
    heading = lead_main.get_by_role("heading", name=f"#{proposal_id} Kliendile vastamise kord")
    expect(heading).to_be_visible()
    lead_main.get_by_text("Kiida heaks", exact=True).click()
    lead_main.get_by_label("Otsuse sisu ja põhjendus", exact=True).fill("Kiidan heaks.")
    lead_main.get_by_role("button", name="Salvesta otsus").click()
    expect(lead_main.get_by_text("Olek: heaks kiidetud")).to_be_visible()
    expect(lead_main.get_by_role("button", name="Salvesta otsus")).to_have_count(0)


SURVEY = (
    "Ajatempel;Rahulolu;NPS;Kommentaar;Vastaja ID\n"
    "01.11.2026 10:15;5;10;Väga hea, helistage 5123 4567;a1\n"
    "2026-11-02;4;8;Ootasin kaua;a2\n"
)


def test_a_survey_export_is_mapped_previewed_and_imported(
    new_context: Callable[[], BrowserContext], tmp_path: Path
) -> None:
    survey = tmp_path / "kusitlus.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    page = _signed_in(new_context(), "koordinaator", "/Feedback?view=import")
    wait_for_page(page, title(page, FEEDBACK_TITLE))
    main = main_area(page)
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(survey))
    expect(main.get_by_text("2 rida; isikuandmed asendati 1 tekstis.")).to_be_visible()
    wait_until_settled(page)
    main.get_by_role("button", name="Impordi (2 rida)").click()
    expect(main.get_by_text("Imporditud 2 tagasisidet.")).to_be_visible()
