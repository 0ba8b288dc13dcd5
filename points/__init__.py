"""The points ledger: accounts, append-only entries, earning rules and expiry."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from core import idempotency
from core.jobs import register_job
from points import earning
from points.expiry import PointsSettings, expire_due


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="points-expire",
        schedule="5 0 * * *",
        run=_expire,
        description="expire the lots that are due (flask points expire)",
    )
    register_job(
        app,
        name="points-prune-counters",
        schedule="15 0 * * *",
        run=_prune_counters,
        description="forget the caps' counters of ended days and months"
        " (flask points prune-counters)",
    )
    register_job(
        app,
        name="points-prune-keys",
        schedule="30 3 * * *",
        run=_prune_keys,
        description="forget Idempotency-Keys older than 24 h (flask points prune-keys)",
    )


def _expire(now: datetime) -> str:
    return f"Expired {expire_due(now)} lot(s)."


def _prune_counters(now: datetime) -> str:
    removed = earning.prune_counters(now, PointsSettings.from_config(current_app.config))
    return f"Removed {removed} counter(s) of ended days and months."


def _prune_keys(now: datetime) -> str:
    return f"Removed {idempotency.prune(now)} idempotency key(s)."
