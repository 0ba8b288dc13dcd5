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
from werkzeug.serving import make_server

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


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Any:
    """``screenshot(page, "name")`` saves ``<test>-<name>.png`` for review."""

    def save(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def console_login(live_server: str) -> Any:
    """``console_login(page, account)``: log ``account`` in through the console's form."""

    def log_in(page: Any, account: Any, password: str = "correct horse battery") -> None:
        page.goto(f"{live_server}/console/")
        page.fill("input[name=username]", account.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/console/" in url and not url.endswith("/console/"))

    return log_in
