"""A browser's console session in the test client: logged in through the login form, with the
page's CSRF token sent the way the pages send it; and reading what a page says back."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PASSWORD, Account

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: TestResponse) -> str:
    """The CSRF token a page carries in its forms."""
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, "the page carries no CSRF token"
    return found.group(1)


class Console:
    """A logged-in staff member's browser: ``post`` sends the CSRF token as htmx does."""

    def __init__(self, client: FlaskClient, account: Account, token: str) -> None:
        self.client, self.account, self.token = client, account, token

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        htmx: bool = True,
        csrf: bool = True,
        **kwargs: Any,
    ) -> TestResponse:
        """``csrf=False`` sends the form as a forged one would: without the page's token."""
        headers = {"X-CSRFToken": self.token} if csrf else {}
        headers |= kwargs.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data or {}, headers=headers, **kwargs)


def log_in(app: Flask, account: Account, password: str = PASSWORD) -> Console:
    client = app.test_client()
    form = client.get("/console/")
    response = client.post(
        "/console/",
        data={"username": account.username, "password": password, "csrf_token": csrf_token(form)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"], follow_redirects=True)
    return Console(client, account, csrf_token(page))


# -- reading a page --------------------------------------------------------------------------


def html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def text_of(response: TestResponse, name: str) -> str:
    """The text inside the element ``data-testid=name``, spaces collapsed."""
    finder = _TextOf(name)
    finder.feed(html(response))
    assert finder.depth is not None, f"no {name} in the response"
    return " ".join("".join(finder.text).split())


class _TextOf(HTMLParser):
    _VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.depth, self.text = name, None, []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            return
        if self.depth is None and ("data-testid", self.name) in attrs:
            self.depth = 0
        elif self.depth is not None and self.depth >= 0:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth is not None and self.depth >= 0 and tag not in self._VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth is not None and self.depth >= 0:
            self.text.append(data)


def result_code(response: TestResponse) -> str | None:
    """The outcome's code in ``#result`` (``data-code``), or None where there is none."""
    found = re.search(r'data-testid="result"[^>]*data-code="([^"]+)"', html(response))
    found = found or re.search(r'data-code="([^"]+)"[^>]*data-testid="result"', html(response))
    return found.group(1) if found else None


def idempotency_key(response: TestResponse, hook: str) -> str:
    """The Idempotency-Key the element ``data-testid=hook`` sends with its request."""
    found = re.search(
        rf'data-testid="{hook}"[^>]*?hx-headers=\'\{{"Idempotency-Key": "([0-9a-f]+)"\}}\'',
        html(response),
        re.S,
    )
    assert found, f"{hook} carries no Idempotency-Key"
    return found.group(1)
