"""The access token every sender shares, in the database (``wechat_access_tokens``): one
fetch from ``stable_token`` serves every thread and process until shortly before it lapses.
Each process keeps a copy in memory so a send reads no row; a token WeChat refuses is
replaced once, under the row's lock, by whoever sees it first.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core.db import db, utcnow
from reminders.models import WeChatAccessToken
from reminders.settings import ReminderSettings
from reminders.wechat import Answer, stable_token

#: A token is replaced this long before WeChat says it lapses (it lives 7200 s).
EARLY = timedelta(minutes=5)
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class TokenUnavailable(Exception):
    """``stable_token`` gave no token: ``answer`` says what it gave instead."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.errmsg)
        self.answer = answer


class SharedAccessTokens:
    """Commits its own short transactions: call it between, never inside, a sender's."""

    def __init__(self, settings: ReminderSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._copy: tuple[str, datetime] | None = None

    def get(self) -> str:
        with self._lock:
            if self._copy and self._copy[1] > utcnow():
                return self._copy[0]
        return self._from_row(refused=None)

    def replace(self, refused: str) -> str:
        """WeChat refused ``refused``: a new token, unless another sender already got one."""
        return self._from_row(refused=refused)

    def _from_row(self, refused: str | None) -> str:
        appid = self._settings.appid
        db.session.execute(
            insert(WeChatAccessToken)
            .values(appid=appid, token="", good_until=_NEVER)
            .on_conflict_do_nothing(index_elements=[WeChatAccessToken.appid])
        )
        row = db.session.scalars(
            select(WeChatAccessToken).where(WeChatAccessToken.appid == appid).with_for_update()
        ).one()
        now = utcnow()
        if row.token and row.good_until > now and row.token != refused:
            token, good_until = row.token, row.good_until
            db.session.commit()
        else:
            answer = stable_token(self._settings, force_refresh=refused is not None)
            data = answer.data or {}
            token, lifetime = data.get("access_token"), data.get("expires_in")
            if not answer.ok or not isinstance(token, str) or type(lifetime) is not int:
                db.session.rollback()
                raise TokenUnavailable(answer)
            good_until = now + timedelta(seconds=lifetime) - EARLY
            row.token, row.good_until, row.fetched_at = token, good_until, now
            db.session.commit()
        with self._lock:
            self._copy = (token, good_until)
        return token
