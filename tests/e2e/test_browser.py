"""The app in a real browser: sign-in, the cookie, page guards, the sidebar, outside requests.

Each test starts from fresh browser contexts (no cookies). The server and its database are
shared by the whole session; see conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.helpers import (
    ADMIN_TITLE,
    OVERVIEW_TITLE,
    PASSWORD_LABEL,
    REFUSAL,
    USERNAME_LABEL,
    expect,
    log_in,
    login_button,
    logout_button,
    main_area,
    open_login_page,
    screenshot_full_page,
    sidebar,
    title,
    wait_for_auth_cookie,
    wait_for_page,
    wait_until_settled,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.e2e

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
KPI_LABEL = "Aktiivsed teenuseosutajad"
ALERTS_TITLE = "Tähelepanu vajab"
USERS_TAB = "Kasutajad"
AUDIT_TAB = "Auditilogi"
# Streamlit's own dialog for a URL that matches no page.
PAGE_NOT_FOUND = "Page not found"
VIEW_SWITCH_QUIET_SECONDS = 0.5
# Browser-internal schemes that never leave the machine.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


def _url_path(page_file: Path) -> str:
    """Streamlit's URL for a file in pages/: the name without its ordering number."""
    return "/" + re.sub(r"^\d+_", "", page_file.stem)


# Every file in pages/ answers a deep link, whether or not the sidebar lists it.
PAGE_PATHS = ("/", *sorted(_url_path(page_file) for page_file in PAGES_DIR.glob("*.py")))

ContextFactory = Callable[[], "BrowserContext"]


def assert_signed_out(page: Page) -> None:
    """Only the login form: no data, no navigation, no Streamlit error dialog.

    For a page opened with open_login_page, which waits until no run is pending.
    """
    expect(page.get_by_label(USERNAME_LABEL, exact=True)).to_be_visible()
    expect(page.get_by_label(PASSWORD_LABEL, exact=True)).to_be_visible()
    expect(login_button(page)).to_be_visible()
    expect(logout_button(page)).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_test_id("stPageLink")).to_have_count(0)
    expect(page.get_by_role("tab")).to_have_count(0)
    expect(page.get_by_text(KPI_LABEL)).to_have_count(0)
    expect(page.get_by_text(ALERTS_TITLE)).to_have_count(0)
    expect(page.get_by_text(AUDIT_TAB)).to_have_count(0)
    expect(page.get_by_text(PAGE_NOT_FOUND)).to_have_count(0)


def assert_overview_with_alerts(page: Page) -> None:
    expect(title(page, OVERVIEW_TITLE)).to_be_visible()
    expect(main_area(page).get_by_test_id("stMetric").first).to_be_visible()
    expect(main_area(page).get_by_text(KPI_LABEL, exact=True)).to_be_visible()
    expect(title(page, ALERTS_TITLE)).to_be_visible()


def test_coordinator_logs_in_and_sees_the_overview(page: Page) -> None:
    log_in(page, "koordinaator")
    assert_overview_with_alerts(page)

    wait_for_auth_cookie(page.context)
    page.reload()
    wait_for_page(page, title(page, OVERVIEW_TITLE))
    wait_until_settled(page)
    assert_overview_with_alerts(page)
    expect(logout_button(page)).to_be_visible()
    expect(login_button(page)).to_have_count(0)

    screenshot_full_page(page, "overview.png")


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_every_page_url_shows_only_the_login_form_when_logged_out(page: Page, path: str) -> None:
    open_login_page(page, path)
    assert_signed_out(page)


def test_logged_out_cookie_replayed_gets_the_login_form(new_context: ContextFactory) -> None:
    page = new_context().new_page()
    log_in(page, "koordinaator")
    wait_for_auth_cookie(page.context)
    copied_cookies = page.context.cookies()

    # Control: before logout the copy signs a new browser in, so the replay itself works.
    before_logout = new_context()
    before_logout.add_cookies(copied_cookies)
    control_page = before_logout.new_page()
    control_page.goto("/")
    wait_for_page(control_page, title(control_page, OVERVIEW_TITLE))
    expect(control_page.get_by_text(KPI_LABEL, exact=True)).to_be_visible()

    logout_button(page).click()
    wait_for_page(page, login_button(page))

    after_logout = new_context()
    after_logout.add_cookies(copied_cookies)
    replay_page = after_logout.new_page()
    open_login_page(replay_page)
    assert_signed_out(replay_page)


def test_sidebar_lists_only_permitted_pages(new_context: ContextFactory) -> None:
    viewer = new_context().new_page()
    log_in(viewer, "vaatleja")
    expect(sidebar(viewer).get_by_role("link", name=OVERVIEW_TITLE)).to_be_visible()
    expect(sidebar(viewer).get_by_role("link", name=ADMIN_TITLE)).to_have_count(0)

    viewer.goto("/Admin")
    wait_for_page(viewer, viewer.get_by_text(REFUSAL))
    wait_until_settled(viewer)
    expect(viewer.get_by_role("tab", name=USERS_TAB)).to_have_count(0)
    expect(viewer.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(viewer.get_by_text("koordinaator@example.invalid")).to_have_count(0)

    admin = new_context().new_page()
    log_in(admin, "admin")
    admin_link = sidebar(admin).get_by_role("link", name=ADMIN_TITLE)
    expect(admin_link).to_be_visible()
    admin_link.click()
    wait_for_page(admin, admin.get_by_role("tab", name=USERS_TAB))
    expect(title(admin, ADMIN_TITLE)).to_be_visible()
    users_table = main_area(admin).get_by_test_id("stDataFrame").first
    expect(users_table).to_contain_text("koordinaator")
    expect(users_table).to_contain_text("vaatleja")


def click_every_view_switch(page: Page) -> None:
    """Tabs and segmented controls switch to views that may load more (charts, maps)."""
    main = main_area(page)
    for switches in (
        main.get_by_role("tab"),
        main.get_by_test_id("stButtonGroup").get_by_role("radio"),
    ):
        index = 0
        # Counted again each time: a view may bring switches of its own.
        while index < switches.count():
            switches.nth(index).click()
            # Long enough for the click's run to start and draw; the last view gets the
            # full settling time below.
            wait_until_settled(page, quiet_seconds=VIEW_SWITCH_QUIET_SECONDS)
            index += 1
    wait_until_settled(page)


def visit_sidebar_pages(page: Page, *, already_visited: set[str]) -> set[str]:
    """Open, as a user would, each sidebar page not visited yet and every view on it.

    Returns the URL paths of the pages opened.
    """
    links = sidebar(page).get_by_test_id("stPageLink").get_by_role("link")
    hrefs = [links.nth(index).get_attribute("href") or "" for index in range(links.count())]
    assert hrefs, "the sidebar lists no page"
    visited: set[str] = set()
    for index, href in enumerate(hrefs):
        # Links are relative, and a page may add query parameters of its own.
        path = urlsplit(urljoin(page.url, href)).path
        if path in already_visited:
            continue
        links.nth(index).click()
        page.wait_for_url(lambda url, path=path: urlsplit(url).path == path)
        wait_for_page(page, logout_button(page))
        wait_until_settled(page)
        click_every_view_switch(page)
        visited.add(path)
    return visited


def test_pages_load_nothing_from_foreign_hosts(new_context: ContextFactory, base_url: str) -> None:
    requested: list[str] = []

    def recorded(context: BrowserContext) -> BrowserContext:
        context.on("request", lambda request: requested.append(request.url))
        # WebSockets are not "requests" to Playwright; the app's own one must be local too.
        context.on("page", lambda page: page.on("websocket", lambda ws: requested.append(ws.url)))
        return context

    # Between them the coordinator and the admin may open every page; each is visited once.
    visited: set[str] = set()
    for username in ("koordinaator", "admin"):
        page = recorded(new_context()).new_page()
        log_in(page, username)
        visited |= visit_sidebar_pages(page, already_visited=visited)
    assert "/Admin" in visited

    server = urlsplit(base_url)
    foreign = sorted(
        {
            url
            for url in requested
            if urlsplit(url).scheme not in LOCAL_SCHEMES
            and (urlsplit(url).hostname, urlsplit(url).port) != (server.hostname, server.port)
        }
    )
    assert foreign == [], f"requests to hosts other than {server.netloc}: {foreign}"
    # Guards against a recorder that silently records nothing.
    assert any(url.startswith("ws://") for url in requested), "the app's WebSocket was not seen"


def test_english_switch(new_context: ContextFactory) -> None:
    login_page = new_context().new_page()
    open_login_page(login_page)
    screenshot_full_page(login_page, "login.png")

    page = new_context().new_page()
    log_in(page, "admin")
    sidebar(page).get_by_role("radio", name="English", exact=True).click()
    wait_for_page(page, title(page, "Overview"))
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()

    sidebar(page).get_by_role("link", name="Administration").click()
    wait_for_page(page, page.get_by_role("tab", name="Users"))
    expect(page.get_by_role("tab", name="Audit log")).to_be_visible()

    # English outlived the page switch above; back to Estonian for the README picture.
    sidebar(page).get_by_role("radio", name="Eesti", exact=True).click()
    wait_for_page(page, page.get_by_role("tab", name=USERS_TAB))
    expect(title(page, ADMIN_TITLE)).to_be_visible()
    expect(main_area(page).get_by_test_id("stDataFrame").first).to_contain_text("koordinaator")
    screenshot_full_page(page, "admin.png")
