"""WeChat's server API as reminders use it: ``stable_token`` (the access token) and
``message/subscribe/send``, each call's outcome as an :class:`Answer` to record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from core.wechat_client import client
from reminders.settings import ReminderSettings

#: The user holds no grant for the template (refused, or spent it): never retried.
REFUSED = 43101
#: The access token is invalid or expired: fetch a new one and try once more.
STALE_TOKEN = frozenset({40001, 40014, 42001})
#: WeChat is busy or limiting this app: worth trying again later.
BUSY = frozenset({-1, 45009, 45011, 45047})
#: Failures before the request left: trying again cannot send a message twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class Answer:
    """What one call came back with; ``http_status`` None when nothing answered."""

    http_status: int | None
    errcode: int | None
    errmsg: str | None
    data: dict[str, Any] | None = None
    #: No answer came, but the request had gone out (a read timeout, a dropped reply):
    #: WeChat may have delivered it, so it is never sent again.
    maybe_delivered: bool = False

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and self.errcode == 0

    @property
    def retryable(self) -> bool:
        """Nothing answered (the request never went out), a 5xx or 429, an answer that was
        not WeChat's, or busy."""
        if self.maybe_delivered:
            return False
        if self.http_status is None or self.http_status >= 500 or self.http_status == 429:
            return True
        return self.errcode is None or self.errcode in BUSY


def _call(method: str, url: str, settings: ReminderSettings, **kwargs: Any) -> Answer:
    try:
        response = client.request(method, url, timeout=settings.timeout, **kwargs)
    except NOT_SENT as error:
        return Answer(None, None, type(error).__name__)
    except httpx.HTTPError as error:
        return Answer(None, None, type(error).__name__, maybe_delivered=True)
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Answer(response.status_code, None, None)
    errcode = data.get("errcode") or 0
    errmsg = data.get("errmsg")
    return Answer(
        response.status_code,
        errcode if type(errcode) is int else None,
        str(errmsg)[:200] if errmsg is not None else None,
        data,
    )


def stable_token(settings: ReminderSettings, *, force_refresh: bool) -> Answer:
    """``access_token`` and ``expires_in`` in ``data`` when ``ok``."""
    return _call(
        "POST",
        f"{settings.api_base}/cgi-bin/stable_token",
        settings,
        json={
            "grant_type": "client_credential",
            "appid": settings.appid,
            "secret": settings.secret,
            "force_refresh": force_refresh,
        },
    )


def send_message(settings: ReminderSettings, token: str, message: dict[str, Any]) -> Answer:
    return _call(
        "POST",
        f"{settings.api_base}/cgi-bin/message/subscribe/send",
        settings,
        params={"access_token": token},
        json=message,
    )
