"""Managers' statistics and the weekly report; the daily rollups only its refresh job writes."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from core.jobs import register_job
from core.localtime import district_zone
from stats import rollups


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="stats-refresh",
        schedule="*/5 * * * *",
        run=_refresh,
        description="roll up the days ended or corrected since (flask stats refresh)",
    )


def _refresh(now: datetime) -> str:
    return f"Rolled up {rollups.refresh(now, district_zone())} day(s)."
