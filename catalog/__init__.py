"""Gifts residents trade points for, their stock per center, and desk redemptions."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from catalog import reservations
from core.jobs import register_job


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="catalog-expire-reservations",
        schedule="10 0 * * *",
        run=_expire_reservations,
        description="release reservations nobody picked up (flask catalog expire-reservations)",
    )


def _expire_reservations(now: datetime) -> str:
    return f"Released {reservations.expire_due(now)} lapsed reservation(s)."
