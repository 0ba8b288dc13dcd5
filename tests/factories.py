"""Arrange test data through the services, the way the application itself would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask

from core.auth import Principal
from core.db import db
from events import checkin
from events import service as events
from events.scans import Scanner
from identity import phones, sessions, staff_accounts
from identity import service as identity
from identity.models import HEALTH_CONDITIONS_CONSENT
from identity.wechat import WeChatIdentity
from points.earning import earn
from points.expiry import PointsSettings
from points.ledger import Source
from points.service import Movement

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


@dataclass(frozen=True)
class Account:
    """Someone who can call the API: their id, role, center and a fresh access token."""

    id: int
    role: str
    center_id: int | None
    tokens: dict[str, object] = field(repr=False)
    username: str | None = None

    @property
    def token(self) -> str:
        return str(self.tokens["access_token"])

    @property
    def principal(self) -> Principal:
        kind = "resident" if self.role == "resident" else "staff"
        return Principal(kind=kind, id=self.id, role=self.role, center_id=self.center_id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._organizers: dict[int, Account] = {}

    def event(
        self,
        center_id: int | None = None,
        *,
        kind: str = "lecture",
        starts_in: timedelta = timedelta(minutes=10),
        starts_at: datetime | None = None,
        lasts: timedelta = timedelta(hours=1),
        by: Account | None = None,
        **fields: object,
    ) -> int:
        """An event at a center, by default starting in 10 minutes (check-in already open).

        ``by``: who creates it (default: the center's desk staff, who may not set points above
        the center's rule; a manager may).
        """
        center_id = center_id or self.center()
        starts_at = starts_at or datetime.now(UTC) + starts_in
        with self.app.app_context():
            event = events.create_event(
                (by or self.organizer(center_id)).principal,
                {
                    "title": "控制血压，从吃盐做起",
                    "kind": kind,
                    "starts_at": starts_at,
                    "ends_at": starts_at + lasts,
                    "center_id": center_id,
                    **fields,
                },
            )
            db.session.commit()
            return event.id

    def organizer(self, center_id: int) -> Account:
        """The staff member who runs a center's events in tests."""
        if center_id not in self._organizers:
            self._organizers[center_id] = self.staff("staff", center_id=center_id)
        return self._organizers[center_id]

    def checkin(self, event_id: int, resident_id: int, at: datetime | None = None) -> int:
        """The resident scans the event's code, at ``at`` (within its check-in window)."""
        with self.app.app_context():
            result = checkin.check_in(
                event_id,
                resident_id,
                now=at or datetime.now(UTC),
                settings=PointsSettings.from_config(self.app.config),
                scanner=Scanner.of(None),
            )
            db.session.commit()
            return result.checkin_id

    def annul(self, checkin_id: int, center_id: int) -> None:
        with self.app.app_context():
            actor = self.organizer(center_id).principal
            checkin.annul(checkin_id, actor, "扫错了", datetime.now(UTC))
            db.session.commit()

    def credit(self, resident_id: int, amount: int, *, expires_at: datetime | None = None) -> int:
        """Give a resident points (a test source, like a check-in would); returns the txn id."""
        with self.app.app_context():
            source = Source("test", f"grant-{next(_sequence)}", "测试积分")
            movement = credit(resident_id, amount, source, expires_at=expires_at)
            db.session.commit()
            assert movement.transaction_id is not None
            return movement.transaction_id

    def center(self, name: str | None = None) -> int:
        with self.app.app_context():
            center = identity.create_center(name or f"测试中心{next(_sequence)}")
            db.session.commit()
            return center.id

    def staff(
        self, role: str = "staff", center_id: int | None = None, username: str | None = None
    ) -> Account:
        if role == "staff" and center_id is None:
            center_id = self.center()
        username = username or f"{role}{next(_sequence)}"
        with self.app.app_context():
            staff = staff_accounts.create_staff(username, PASSWORD, role, center_id)
            tokens = sessions.start(staff)
            db.session.commit()
            return Account(staff.id, role, center_id, tokens, username)

    def resident(
        self,
        center_id: int | None = None,
        name: str = "陈伟",
        phone: str | None = None,
        openid: str | None = None,
    ) -> Account:
        """A resident who logged in with WeChat, filled in their profile and gave their phone
        number with WeChat's phone button."""
        number = next(_sequence)
        with self.app.app_context():
            if center_id is None:
                center_id = identity.create_center(f"测试中心{number}").id
            wechat_user = WeChatIdentity(openid=openid or f"openid-{number}", unionid=None)
            resident = identity.resident_for_wechat(wechat_user)
            identity.update_profile(resident, {"name": name, "center_id": center_id})
            phones.record_verified(resident, phone or f"139{number:08d}", datetime.now(UTC))
            tokens = sessions.start(resident)
            db.session.commit()
            return Account(resident.id, "resident", center_id, tokens)

    def consent(self, resident_id: int, purpose: str = HEALTH_CONDITIONS_CONSENT) -> None:
        """The resident consents in the mini-program (to condition records, by default)."""
        with self.app.app_context():
            identity.grant_consent(identity.get_resident(resident_id), purpose, "2026-01")
            db.session.commit()


def credit(
    resident_id: int, amount: int, source: Source, *, expires_at: datetime | None = None
) -> Movement:
    """Points for a test source, credited as every earn is (no rule, no caps)."""
    return earn(resident_id, source, None, points=amount, expires_at=expires_at).movement
