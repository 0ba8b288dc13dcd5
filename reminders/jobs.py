"""``run_reminders``: the periodic job (``flask reminders run``; a scheduler may call it):
decide what is due, settle what no longer is, send what is due now. Idempotent: a second
run at once decides nothing twice and finds nothing more to send. Commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from core.db import db, utcnow
from reminders.planning import plan_reminders
from reminders.sender import send_due
from reminders.settings import ReminderSettings, is_quiet
from reminders.settling import settle_stale


def run_reminders(now: datetime | None = None) -> dict[str, Any]:
    """Plan, settle and send at ``now`` (the present by default). At night in the district
    (21:00–08:00) it does nothing: ``quiet`` is true."""
    now = now or utcnow()
    settings = ReminderSettings.from_config(current_app.config)
    if is_quiet(now, settings.tz):
        return {"quiet": True, "planned": {}, "settled": 0, "outcomes": {}}
    settled = settle_stale(now, settings)  # first: a moved follow-up is decided again now
    planned = plan_reminders(now, settings)
    db.session.commit()
    outcomes = send_due(now, settings)
    return {"quiet": False, "planned": planned, "settled": settled, "outcomes": dict(outcomes)}
