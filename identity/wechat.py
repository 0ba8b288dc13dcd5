"""WeChat's server API: code2Session (a ``wx.login`` code → an openid), the mini-program's
access token (``stable_token``), and getPhoneNumber (a phone button's code → the number).

The ``session_key`` code2Session returns is never stored or passed on: nothing here needs it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from flask import current_app

from core.config import is_development
from core.errors import DomainError, RateLimited, Unavailable
from core.i18n import _l
from core.wechat_client import client as _client

logger = logging.getLogger("health_points.wechat")


class WeChatLoginFailed(DomainError):
    status, code, title = 401, "wechat_login_failed", _l("WeChat login failed")


class WeChatPhoneFailed(DomainError):
    status, code, title = 400, "wechat_phone_failed", _l("WeChat did not give the phone number")


class WeChatUnavailable(Unavailable):
    """WeChat cannot be reached, or refuses this server's credentials (logged)."""


@dataclass(frozen=True, slots=True)
class WeChatIdentity:
    openid: str
    unionid: str | None


def _answer(name: str, send: Callable[[], httpx.Response]) -> dict[str, Any] | None:
    """WeChat's JSON answer, or None when it cannot be reached or answers nonsense (logged)."""
    try:
        response = send()
        data = response.json()
    except (httpx.HTTPError, ValueError):
        logger.warning("%s unreachable or not JSON", name)
        return None
    if response.status_code != 200 or not isinstance(data, dict):
        logger.warning("%s answered HTTP %s", name, response.status_code)
        return None
    return data


def _errcode(data: Mapping[str, Any]) -> Any:
    return data.get("errcode") or 0


def _log_refusal(name: str, errcode: Any) -> None:
    if errcode == -1:
        logger.warning("%s busy (errcode -1)", name)
    else:
        # 40125 (bad secret), 40013 (bad appid), 40164 (address not whitelisted)...: the
        # deployment is misconfigured.
        logger.error("%s refused our credentials: errcode=%s", name, errcode)


def _refusal(error: DomainError) -> DomainError:
    """A fresh copy of a prepared refusal (an exception instance is raised once)."""
    return type(error)(error.detail, status=error.status)


# -- code2Session ---------------------------------------------------------------------------

#: errcode → the refusal the client gets. Anything else is our problem, not the user's.
_LOGIN_ERRORS: dict[int, DomainError] = {
    40029: WeChatLoginFailed(_l("The login code is invalid or expired; call wx.login again.")),
    40163: WeChatLoginFailed(_l("The login code was already used; call wx.login again.")),
    40226: WeChatLoginFailed(_l("WeChat blocked this account as high-risk."), status=403),
    45011: RateLimited(_l("WeChat is limiting logins for this user; wait a minute.")),
}


def code_to_session(
    code: str, *, api_base: str, appid: str, secret: str, timeout: float
) -> WeChatIdentity:
    unavailable = WeChatLoginFailed(_l("WeChat cannot be reached; try again."), status=503)
    data = _answer(
        "code2Session",
        lambda: _client.get(
            f"{api_base}/sns/jscode2session",
            params={
                "appid": appid,
                "secret": secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
            timeout=timeout,
        ),
    )
    if data is None:
        raise unavailable
    errcode = _errcode(data)
    openid = data.get("openid")
    if errcode == 0 and isinstance(openid, str) and openid:
        unionid = data.get("unionid")
        return WeChatIdentity(openid=openid, unionid=unionid if isinstance(unionid, str) else None)
    if errcode in _LOGIN_ERRORS:
        raise _refusal(_LOGIN_ERRORS[errcode])
    _log_refusal("code2Session", errcode)
    raise unavailable


DEV_CODE_PREFIX = "dev:"
_DEV_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_DEV_PHONE = re.compile(r"^[0-9]{11}$")


def dev_login_allowed(config: Mapping[str, Any]) -> bool:
    return is_development(config) and not config["WECHAT_APPID"]


def identify(code: str, config: Mapping[str, Any]) -> WeChatIdentity:
    """Who a ``wx.login`` code belongs to; ``dev:<openid>`` only on a development setup."""
    if code.startswith(DEV_CODE_PREFIX) and dev_login_allowed(config):
        openid = code[len(DEV_CODE_PREFIX) :]
        if not _DEV_OPENID.match(openid):
            raise WeChatLoginFailed(_l("A dev code is 'dev:' and 1-60 letters, digits, - or _."))
        return WeChatIdentity(openid=openid, unionid=None)
    if not config["WECHAT_APPID"]:
        raise WeChatLoginFailed(_l("WeChat login is not configured on this server."), status=503)
    return code_to_session(
        code,
        api_base=config["WECHAT_API_BASE"],
        appid=config["WECHAT_APPID"],
        secret=config["WECHAT_SECRET"],
        timeout=config["WECHAT_TIMEOUT"],
    )


# -- the access token -----------------------------------------------------------------------

#: A cached access token is replaced this many seconds before WeChat says it expires.
ACCESS_TOKEN_MARGIN = 300


class AccessTokens:
    """The mini-program's access token from ``/cgi-bin/stable_token``, kept until shortly
    before it expires. stable_token hands every caller the same token while it is valid, so
    each process keeping its own copy invalidates nobody else's."""

    def __init__(self, *, api_base: str, appid: str, secret: str, timeout: float) -> None:
        self._api_base, self._appid, self._secret, self._timeout = api_base, appid, secret, timeout
        self._token: str | None = None
        self._good_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AccessTokens:
        return cls(
            api_base=config["WECHAT_API_BASE"],
            appid=config["WECHAT_APPID"],
            secret=config["WECHAT_SECRET"],
            timeout=config["WECHAT_TIMEOUT"],
        )

    def get(self) -> str:
        """A valid access token, or ``WeChatUnavailable``."""
        with self._lock:  # one fetch at a time: the others wait for its token
            if self._token is None or time.monotonic() >= self._good_until:
                self._token, lifetime = self._fetch()
                self._good_until = time.monotonic() + lifetime - ACCESS_TOKEN_MARGIN
            return self._token

    def forget(self, token: str) -> None:
        """WeChat refused ``token``: the next :meth:`get` fetches another."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> tuple[str, int]:
        data = _answer(
            "stable_token",
            lambda: _client.post(
                f"{self._api_base}/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": self._appid,
                    "secret": self._secret,
                    "force_refresh": False,
                },
                timeout=self._timeout,
            ),
        )
        unavailable = WeChatUnavailable(_l("WeChat cannot be reached; try again."))
        if data is None:
            raise unavailable
        token, lifetime = data.get("access_token"), data.get("expires_in")
        if _errcode(data) == 0 and isinstance(token, str) and token and type(lifetime) is int:
            return token, lifetime
        _log_refusal("stable_token", _errcode(data))
        raise unavailable


def access_tokens() -> AccessTokens:
    """The running app's access tokens (for views and jobs; the rules take them as an
    argument)."""
    extensions = current_app.extensions
    if "wechat_access_tokens" not in extensions:
        extensions["wechat_access_tokens"] = AccessTokens.from_config(current_app.config)
    return extensions["wechat_access_tokens"]  # type: ignore[no-any-return]


# -- getPhoneNumber ---------------------------------------------------------------------------

#: errcodes that mean the access token is no longer valid: fetch another and ask once more.
_STALE_ACCESS_TOKEN = frozenset({40001, 40014, 42001})

_PHONE_ERRORS: dict[int, DomainError] = {
    40029: WeChatPhoneFailed(
        _l("The phone code is invalid or expired; ask with the phone button again.")
    ),
    45011: RateLimited(
        _l("WeChat is limiting phone number requests for this user; wait a minute.")
    ),
}


def phone_number(code: str, config: Mapping[str, Any], tokens: AccessTokens) -> str:
    """The mainland number a phone button's code (``bindgetphonenumber``) stands for, without
    its country code; ``dev:<11 digits>`` only on a development setup."""
    if code.startswith(DEV_CODE_PREFIX) and dev_login_allowed(config):
        number = code[len(DEV_CODE_PREFIX) :]
        if not _DEV_PHONE.match(number):
            raise WeChatPhoneFailed(_l("A dev phone code is 'dev:' and 11 digits."))
        return number
    if not config["WECHAT_APPID"]:
        raise WeChatPhoneFailed(_l("WeChat is not configured on this server."), status=503)
    unavailable = WeChatPhoneFailed(_l("WeChat cannot be reached; try again."), status=503)
    try:
        token = tokens.get()
        data = _ask_phone_number(code, token, config)
        if data is not None and _errcode(data) in _STALE_ACCESS_TOKEN:
            # Replaced early (someone forced a refresh): once more, with the new token.
            tokens.forget(token)
            data = _ask_phone_number(code, tokens.get(), config)
    except WeChatUnavailable:
        raise unavailable from None
    if data is None:
        raise unavailable
    errcode, info = _errcode(data), data.get("phone_info")
    if errcode == 0 and isinstance(info, dict):
        number = info.get("purePhoneNumber")
        if str(info.get("countryCode")) != "86" or not isinstance(number, str):
            raise WeChatPhoneFailed(_l("Only a mainland China mobile number can be used here."))
        return number
    if errcode in _PHONE_ERRORS:
        raise _refusal(_PHONE_ERRORS[errcode])
    _log_refusal("getuserphonenumber", errcode)
    raise unavailable


def _ask_phone_number(code: str, token: str, config: Mapping[str, Any]) -> dict[str, Any] | None:
    return _answer(
        "getuserphonenumber",
        lambda: _client.post(
            f"{config['WECHAT_API_BASE']}/wxa/business/getuserphonenumber",
            params={"access_token": token},
            json={"code": code},
            timeout=config["WECHAT_TIMEOUT"],
        ),
    )
