"""Pages driven in Debian's Chromium by Playwright, against the test's app served on loopback.

Nothing is downloaded: the browser is the system's ``chromium`` (``apt-get install chromium``;
``.ci/run`` installs it). Where it is missing these tests are skipped, saying why. Each test
saves screenshots under ``test-results/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

from tests.factories import PASSWORD, Account

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="no chromium on this machine (apt-get install chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # The machine has no network but loopback: keep Chromium from reaching out.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's app on a free loopback port; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


class BrowserConsole:
    """The console in one test's browser: its page, the live server and the test's screenshots."""

    def __init__(self, page: Page, base_url: str, test_name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.test_name = test_name

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str) -> Page:
        self.page.goto(self.url(path))
        return self.page

    def submit_login(self, username: str, password: str, page: Page | None = None) -> Page:
        """Send the login form, whatever it answers."""
        page = page or self.page
        page.goto(self.url("/console/"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        return page

    def log_in(
        self, account: Account | str, password: str = PASSWORD, page: Page | None = None
    ) -> Page:
        """Log in through the form, as a person does, and wait to be let in; ``page`` for
        another browser than the test's."""
        username = account if isinstance(account, str) else account.username or ""
        page = self.submit_login(username, password, page)
        page.wait_for_url(lambda url: "/console/" in url and not url.endswith("/console/"))
        return page

    def screenshot(self, name: str, page: Page | None = None) -> Path:
        """Save ``<test>-<name>.png`` for a person to review."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{name}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def console(page: Page, live_server: str, request: pytest.FixtureRequest) -> BrowserConsole:
    """The test's page on the live server, to log in, open pages and take screenshots."""
    return BrowserConsole(page, live_server, request.node.name)
