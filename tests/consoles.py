"""A browser's console session in the test client: logged in through the login form, with the
page's CSRF token sent the way the pages send it."""

from __future__ import annotations

import re
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
        self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = True, **kwargs: Any
    ) -> TestResponse:
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
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
