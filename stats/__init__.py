"""Managers' statistics and the weekly report; the daily rollups only its refresh job writes."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from core.jobs import register_job
from core.localtime import district_zone
from stats import rollups
from stats.weekly_mail import send_weekly_reports


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="stats-refresh",
        schedule="*/5 * * * *",
        run=_refresh,
        description="roll up the days ended or corrected since (flask stats refresh)",
    )
    register_job(
        app,
        name="stats-weekly-mail",
        schedule="0 8 * * 1",
        run=_mail_weekly_reports,
        description="mail last week's report to managers who asked (flask stats weekly-mail)",
    )


def _refresh(now: datetime) -> str:
    return f"Rolled up {rollups.refresh(now, district_zone())} day(s)."


def _mail_weekly_reports(now: datetime) -> str:
    return f"Sent {send_weekly_reports(now)} weekly report(s)."
