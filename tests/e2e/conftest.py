"""Fixtures for the real-browser tests: the app server in a subprocess, and Chromium.

The server runs `streamlit run app.py` against its own empty SQLite database in a temporary
directory, so the first page load migrates and seeds the demo data, as a first install does.
Without Chromium or Playwright the tests are skipped, except in CI, where they must run.
When a test fails, a screenshot of each of its pages goes to test-artifacts/e2e/.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import PAGE_TIMEOUT_MS, login_button, wait_for_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACT_DIR = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_SECONDS = 60
SERVER_STOP_SECONDS = 10
# The first page load migrates and seeds the database.
FIRST_LOAD_TIMEOUT_MS = 60_000
LOG_TAIL_CHARS = 4000


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing browser is a broken pipeline, not a reason to skip."""
    if _running_in_ci():
        pytest.fail(f"the end-to-end tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def e2e_requirements() -> None:
    """Stop before starting anything when the browser or Playwright is missing."""
    if not CHROMIUM_PATH.exists():
        _unavailable(f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the Python package playwright is not installed (requirements-dev.txt)")


@dataclass(frozen=True)
class AppServer:
    url: str
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The tests need their own empty database and cookie key, never the developer's.
    env.pop("DATABASE_URL", None)
    env.pop("COOKIE_KEY", None)
    env["APP_DATA_DIR"] = str(data_dir)
    env["APP_ENV"] = "test"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _is_healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/_stcore/health")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _wait_until_healthy(process: subprocess.Popen[bytes], port: int, server: AppServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the app server exited with {process.returncode}:\n{server.log_tail()}",
                pytrace=False,
            )
        if _is_healthy(port):
            return
        time.sleep(0.25)
    pytest.fail(
        f"the app server was not healthy after {SERVER_START_SECONDS} s:\n{server.log_tail()}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # The server runs in its own process group, so this reaches its children and nothing else.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=SERVER_STOP_SECONDS)


@pytest.fixture(scope="session")
def app_server(
    e2e_requirements: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """The app on a free localhost port with a fresh data directory."""
    workdir = tmp_path_factory.mktemp("e2e_server")
    port = _free_port()
    server = AppServer(url=f"http://127.0.0.1:{port}", log_path=workdir / "streamlit.log")
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=_server_env(workdir / "data"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(process, port, server)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser(e2e_requirements: None) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def base_url(browser: Browser, app_server: AppServer) -> str:
    """The app's URL once its first run has migrated and seeded the database.

    Doing that once here lets every test wait the ordinary PAGE_TIMEOUT_MS, and a broken
    start fails here with the server's log instead of as a timeout in some test.
    """
    context = browser.new_context(base_url=app_server.url)
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_page(page, login_button(page), timeout_ms=FIRST_LOAD_TIMEOUT_MS)
    except Exception as error:
        pytest.fail(f"the login page did not load: {error}\n{app_server.log_tail()}", pytrace=False)
    finally:
        context.close()
    return app_server.url


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed, for the fixtures' teardown to see."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _save_failure_screenshots(test_name: str, contexts: list[BrowserContext]) -> None:
    ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
    safe_name = re.sub(r"[^\w.-]+", "_", test_name)
    pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(pages, start=1):
        # A page that is itself broken must not hide the test's own failure.
        try:
            page.screenshot(path=str(ARTIFACT_DIR / f"{safe_name}-{number}.png"), full_page=True)
        except Exception as error:
            print(f"no failure screenshot of page {number}: {error}")


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest, browser: Browser, base_url: str
) -> Iterator[Callable[[], BrowserContext]]:
    """Make fresh browser contexts (no cookies, no storage); all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="et-EE")
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_CALL_FAILED, False):
        _save_failure_screenshots(request.node.name, contexts)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[[], BrowserContext]) -> Page:
    return new_context().new_page()
