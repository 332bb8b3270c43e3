"""What the end-to-end tests do again and again: wait for a run, sign in, read the screen.

Playwright is imported lazily, so that this module and the tests import without it and the
fixtures in conftest.py can skip (or, in CI, fail) with a clear reason instead.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, LocatorAssertions, Page

DEMO_PASSWORD = "tttvt-demo"
AUTH_COOKIE = "tttvt_auth"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The first load, which migrates and seeds the database, has its own allowance in conftest.py.
PAGE_TIMEOUT_MS = 20_000
# A run can trigger another (the cookie component reports back), so "idle" must last a while
# before a test may conclude that something is absent.
SETTLED_SECONDS = 1.5
POLL_SECONDS = 0.1

USERNAME_LABEL = "Kasutajanimi"
PASSWORD_LABEL = "Parool"
LOGIN_BUTTON = "Logi sisse"
LOGOUT_BUTTON = "Logi välja"
OVERVIEW_TITLE = "Ülevaade"
ADMIN_TITLE = "Haldus"
REFUSAL = "Sinu rollil pole sellele lehele ligipääsu."


def expect(locator: Locator) -> LocatorAssertions:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def wait_for_page(page: Page, marker: Locator, *, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait for text that only the expected page shows, then for the script run to end."""
    # An exception box ends the wait at once instead of after the whole timeout.
    expect(marker.or_(app_error(page)).first).to_be_visible(timeout=timeout_ms)
    page.locator(APP_IDLE).wait_for(state="attached", timeout=timeout_ms)
    assert_no_app_error(page)


def app_error(page: Page) -> Locator:
    return page.get_by_test_id("stException")


def assert_no_app_error(page: Page) -> None:
    """An exception in a page script shows as an error box while the rest still renders."""
    expect(app_error(page)).to_have_count(0)


def wait_until_settled(
    page: Page, *, quiet_seconds: float = SETTLED_SECONDS, timeout_ms: int = PAGE_TIMEOUT_MS
) -> None:
    """Wait until the app has stayed idle for `quiet_seconds`: no run is pending."""
    deadline = time.monotonic() + timeout_ms / 1000
    idle_since: float | None = None
    while time.monotonic() < deadline:
        if page.locator(APP_IDLE).count():
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= quiet_seconds:
                return
        else:
            idle_since = None
        page.wait_for_timeout(POLL_SECONDS * 1000)
    raise AssertionError(f"the app did not settle within {timeout_ms} ms")


def title(page: Page, text: str) -> Locator:
    return page.get_by_role("heading", name=text, exact=True)


def login_button(page: Page) -> Locator:
    return page.get_by_role("button", name=LOGIN_BUTTON, exact=True)


def logout_button(page: Page) -> Locator:
    return page.get_by_role("button", name=LOGOUT_BUTTON, exact=True)


def open_login_page(page: Page, path: str = "/") -> None:
    """Open `path` signed out and wait until the login form is drawn and settled."""
    page.goto(path)
    wait_for_page(page, login_button(page))
    # The cookie component reports back after the first run and reruns the page; a form
    # submitted during that rerun can be lost, and data could still appear after it.
    wait_until_settled(page)


def log_in(page: Page, username: str) -> None:
    """Sign in on the Overview and wait until it is drawn and settled."""
    open_login_page(page)
    page.get_by_label(USERNAME_LABEL, exact=True).fill(username)
    page.get_by_label(PASSWORD_LABEL, exact=True).fill(DEMO_PASSWORD)
    login_button(page).click()
    wait_for_page(page, logout_button(page))
    wait_for_page(page, title(page, OVERVIEW_TITLE))
    # The cookie component reports back after sign-in and reruns the page; let that finish
    # before the test clicks anything.
    wait_until_settled(page)


def wait_for_auth_cookie(context: BrowserContext, *, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """The cookie is written by a component in the browser, a moment after sign-in."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if any(cookie["name"] == AUTH_COOKIE for cookie in context.cookies()):
            return
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"no {AUTH_COOKIE} cookie within {timeout_ms} ms of signing in")


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def main_area(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def screenshot_full_page(page: Page, name: str) -> Path:
    """Save the whole page, including the part of the main area scrolled out of view.

    Streamlit scrolls inside its own container, so Playwright's full_page sees one screen;
    the viewport is stretched to the content's height for the picture and then restored.
    """
    viewport = page.viewport_size
    assert viewport is not None
    content_height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return main ? main.scrollHeight : document.body.scrollHeight;
        }"""
    )
    path = SCREENSHOT_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(
        {"width": viewport["width"], "height": max(viewport["height"], content_height)}
    )
    # Park the pointer on the empty right margin: hovering shows toolbars and the sidebar's
    # collapse button in the picture.
    page.mouse.move(viewport["width"] - 5, viewport["height"] - 5)
    try:
        wait_until_settled(page)
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(viewport)
    return path
