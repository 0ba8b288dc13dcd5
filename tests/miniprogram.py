"""A client that can do only what the residents' WeChat mini-program can.

``wx.request`` sends GET, POST, PUT and DELETE (no PATCH) with a JSON body and the headers the
page sets; an ``<image>`` tag fetches an absolute URL and sends no headers at all; a scanned
"ordinary link" QR reaches the page as ``options.q``, the link ``encodeURIComponent``-ed, which
the page decodes before sending it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask.testing import FlaskClient

#: What ``wx.request`` offers besides OPTIONS, HEAD, TRACE and CONNECT, which pages do not use.
WX_REQUEST_METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})


@dataclass(frozen=True)
class WxResponse:
    """What ``wx.request``'s success callback gets: ``statusCode``, ``header`` and ``data``."""

    status: int
    headers: dict[str, str]
    data: Any


def scanned_options_q(link: str) -> str:
    """``options.q`` of a page opened by scanning ``link`` (WeChat's encodeURIComponent)."""
    return quote(link, safe="-_.!~*'()")


class MiniProgram:
    """One resident's mini-program: its stored tokens and the calls its screens make."""

    def __init__(self, client: FlaskClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url
        self.access_token: str | None = None
        self.refresh_token: str | None = None
        #: Every (method, path) the screens called, to hold against the OpenAPI document.
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> WxResponse:
        """``wx.request``: GET's ``data`` goes into the query string, others' into a JSON body."""
        if method not in WX_REQUEST_METHODS:
            raise AssertionError(f"wx.request cannot send {method}")
        self.calls.append((method, urlsplit(path).path))
        headers = {"Content-Type": "application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        if method == "GET":
            response = self.client.get(path, query_string=data or {}, headers=headers)
        else:
            response = self.client.open(path, method=method, json=data or {}, headers=headers)
        body = response.get_json(silent=True)
        return WxResponse(response.status_code, dict(response.headers), body)

    def login(self, wx_login_code: str, **fields: Any) -> WxResponse:
        """``wx.login`` then the server's login; the tokens are kept in storage."""
        response = self.request("POST", "/api/v1/auth/wechat", {"code": wx_login_code, **fields})
        if response.status == 200:
            self.access_token = response.data["access_token"]
            self.refresh_token = response.data["refresh_token"]
        return response

    def refresh(self) -> WxResponse:
        response = self.request(
            "POST", "/api/v1/auth/refresh", {"refresh_token": self.refresh_token}
        )
        if response.status == 200:
            self.access_token = response.data["access_token"]
            self.refresh_token = response.data["refresh_token"]
        return response

    def scan(self, link: str, **extra: Any) -> WxResponse:
        """The page a scanned link opens: decode ``options.q`` and check in with it.

        ``extra``: what real clients add to the body (``scancode_time``...)."""
        options_q = scanned_options_q(link)
        return self.request("POST", "/api/v1/checkins", {"url": unquote(options_q), **extra})

    def image(self, url: str) -> tuple[int, str, bytes]:
        """An ``<image src=url>``: an absolute URL of ours, fetched with no headers."""
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            raise AssertionError(f"<image> needs an absolute URL, got {url!r}")
        if not url.startswith(self.base_url + "/"):
            raise AssertionError(f"{url!r} is not under {self.base_url}")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.calls.append(("GET", parts.path))
        # Buffered: a picture is a file, read and closed as a browser would.
        response = self.client.get(path, headers={}, buffered=True)
        return response.status_code, response.content_type, response.data
