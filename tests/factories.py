"""Arrange test data through the services, the way the application itself would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from flask import Flask

from core.db import db
from identity import service
from identity.tokens import issue_tokens
from identity.wechat import WeChatIdentity

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
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def center(self, name: str | None = None) -> int:
        with self.app.app_context():
            center = service.create_center(name or f"测试中心{next(_sequence)}")
            db.session.commit()
            return center.id

    def staff(
        self, role: str = "staff", center_id: int | None = None, username: str | None = None
    ) -> Account:
        if role == "staff" and center_id is None:
            center_id = self.center()
        username = username or f"{role}{next(_sequence)}"
        with self.app.app_context():
            staff = service.create_staff(username, PASSWORD, role, center_id)
            db.session.commit()
            principal = service.staff_principal(staff)
            return Account(staff.id, role, center_id, issue_tokens(principal), username)

    def resident(
        self,
        center_id: int | None = None,
        name: str = "陈伟",
        phone: str | None = None,
        openid: str | None = None,
    ) -> Account:
        """A resident who logged in with WeChat and filled in their profile."""
        number = next(_sequence)
        with self.app.app_context():
            if center_id is None:
                center_id = service.create_center(f"测试中心{number}").id
            identity = WeChatIdentity(openid=openid or f"openid-{number}", unionid=None)
            resident = service.resident_for_wechat(identity)
            service.update_profile(
                resident,
                {"name": name, "phone": phone or f"139{number:08d}", "center_id": center_id},
            )
            db.session.commit()
            tokens = issue_tokens(service.resident_principal(resident))
            return Account(resident.id, "resident", center_id, tokens)
