"""WeChat's code2Session (jscode2session): turn a ``wx.login`` code into an openid.

The ``session_key`` WeChat returns is never stored or passed on: nothing here needs it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from core.config import is_development
from core.errors import DomainError, RateLimited
from core.i18n import _l

logger = logging.getLogger("health_points.wechat")


#: One client for the process: it keeps the TLS session and connection to WeChat warm.
_client = httpx.Client()


class WeChatLoginFailed(DomainError):
    status, code, title = 401, "wechat_login_failed", _l("WeChat login failed")


@dataclass(frozen=True, slots=True)
class WeChatIdentity:
    openid: str
    unionid: str | None


#: errcode → the refusal the client gets. Anything else is our problem, not the user's.
_USER_ERRORS: dict[int, DomainError] = {
    40029: WeChatLoginFailed(_l("The login code is invalid or expired; call wx.login again.")),
    40163: WeChatLoginFailed(_l("The login code was already used; call wx.login again.")),
    40226: WeChatLoginFailed(_l("WeChat blocked this account as high-risk."), status=403),
    45011: RateLimited(_l("WeChat is limiting logins for this user; wait a minute.")),
}


def code_to_session(
    code: str, *, api_base: str, appid: str, secret: str, timeout: float
) -> WeChatIdentity:
    unavailable = WeChatLoginFailed(_l("WeChat cannot be reached; try again."), status=503)
    try:
        response = _client.get(
            f"{api_base}/sns/jscode2session",
            params={
                "appid": appid,
                "secret": secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
            timeout=timeout,
        )
        data = response.json()
    except (httpx.HTTPError, ValueError):
        logger.warning("code2Session unreachable or not JSON")
        raise unavailable from None
    if response.status_code != 200 or not isinstance(data, dict):
        logger.warning("code2Session answered HTTP %s", response.status_code)
        raise unavailable
    errcode = data.get("errcode") or 0
    openid = data.get("openid")
    if errcode == 0 and isinstance(openid, str) and openid:
        unionid = data.get("unionid")
        return WeChatIdentity(openid=openid, unionid=unionid if isinstance(unionid, str) else None)
    if errcode in _USER_ERRORS:
        error = _USER_ERRORS[errcode]
        raise type(error)(error.detail, status=error.status)
    if errcode == -1:
        logger.warning("code2Session busy (errcode -1)")
    else:
        # 40125 (bad secret), 40013 (bad appid)...: the deployment is misconfigured.
        logger.error("code2Session refused our credentials: errcode=%s", errcode)
    raise unavailable


DEV_CODE_PREFIX = "dev:"
_DEV_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


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
