"""When earned points expire, and the job that expires them.

Policies (``POINTS_EXPIRY``): ``never``; ``end_of_next_year`` — points earned in a year are
usable through December 31 of the next year (the usual 年底清零); ``<N>d`` — N days.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from core.db import db
from core.errors import TokenRevoked
from core.localtime import day_start, zone_of
from points.ledger import Source, lock_account
from points.models import LedgerTransaction, PointsAccount, PointsLot
from points.service import spend_account

_DAYS = re.compile(r"^([1-9]\d{0,4})d$")


@dataclass(frozen=True, slots=True)
class PointsSettings:
    """District-wide settings the ledger needs, taken from configuration by the caller."""

    tz: ZoneInfo
    expiry: str = "end_of_next_year"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PointsSettings:
        return cls(tz=zone_of(config), expiry=config["POINTS_EXPIRY"])

    def __post_init__(self) -> None:
        if self.expiry not in ("never", "end_of_next_year") and not _DAYS.match(self.expiry):
            raise ValueError(f"POINTS_EXPIRY {self.expiry!r}: never, end_of_next_year or <N>d")

    def expires_at(self, earned_at: datetime) -> datetime | None:
        if self.expiry == "never":
            return None
        if self.expiry == "end_of_next_year":
            year = earned_at.astimezone(self.tz).year
            return day_start(date(year + 2, 1, 1), self.tz)
        days = int(_DAYS.match(self.expiry).group(1))  # type: ignore[union-attr]
        return earned_at + timedelta(days=days)

    def last_day(self, expires_at: datetime) -> str:
        """The last local day the points can be used, as ``YYYY-MM-DD``."""
        return (expires_at.astimezone(self.tz) - timedelta(microseconds=1)).date().isoformat()


def current_settings() -> PointsSettings:
    """The running app's settings (for views; services take them as an argument)."""
    extensions = current_app.extensions
    if "points_settings" not in extensions:
        extensions["points_settings"] = PointsSettings.from_config(current_app.config)
    return extensions["points_settings"]  # type: ignore[no-any-return]


def expiring(resident_id: int, settings: PointsSettings) -> list[dict[str, object]]:
    """``[{"points", "on"}]``: live points by the last day they can be used, soonest first."""
    rows = db.session.execute(
        select(PointsLot.expires_at, func.sum(PointsLot.remaining))
        .where(
            PointsLot.resident_id == resident_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at.is_not(None),
        )
        .group_by(PointsLot.expires_at)
        .order_by(PointsLot.expires_at)
    ).all()
    by_day: dict[str, int] = {}
    for expires_at, points in rows:
        day = settings.last_day(expires_at)
        by_day[day] = by_day.get(day, 0) + int(points)
    return [{"points": points, "on": day} for day, points in by_day.items()]


EXPIRY_REASON = "积分到期清零"


def expire_due(as_of: datetime) -> int:
    """Write one ``expire`` transaction per lot due by ``as_of``; returns how many.

    Keyed by lot (and by how many times the lot expired before), under the account lock, so
    a second run, or two at once, write nothing more. Points reserved for a pickup are
    left in their lot until the hold is settled; a later run expires what is left then.
    A closed account has nothing left to expire (closing forfeits it; a merge moves it,
    lots and all): one closed while this run waited for its lock is passed over.
    """
    due = db.session.execute(
        select(PointsLot.resident_id, PointsLot.id)
        .join(PointsAccount, PointsAccount.resident_id == PointsLot.resident_id)
        .where(
            PointsLot.remaining > 0,
            PointsLot.expires_at <= as_of,
            PointsAccount.closed_at.is_(None),
        )
        .order_by(PointsLot.resident_id, PointsLot.id)
    ).all()
    written = 0
    for resident_id, lots in groupby(due, key=lambda row: row.resident_id):
        try:
            account = lock_account(resident_id)
        except TokenRevoked:
            continue
        for _, lot_id in lots:
            remaining = db.session.scalar(select(PointsLot.remaining).where(PointsLot.id == lot_id))
            amount = min(remaining or 0, account.balance - account.reserved)
            if amount <= 0:
                continue
            times_before = db.session.scalar(
                select(func.count()).where(
                    LedgerTransaction.kind == "expire",
                    LedgerTransaction.source_type == "lot",
                    LedgerTransaction.source_id.startswith(f"{lot_id}."),
                )
            )
            source = Source("lot", f"{lot_id}.{times_before + 1}", EXPIRY_REASON)
            movement = spend_account(
                account, amount, source, None, kind="expire", prefer_lot=lot_id
            )
            written += not movement.duplicate
    db.session.flush()
    return written
