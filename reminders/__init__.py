"""Reminders through WeChat subscribe messages, and the desk's call list for residents
without WeChat: grants, an outbox of reminders decided once, their delivery. A sign-up's
reminder is written in the sign-up's own transaction (``core.signals``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app

from core import signals
from core.db import utcnow
from core.jobs import register_job
from reminders import planning
from reminders.jobs import run_reminders
from reminders.settings import ReminderSettings


def init_app(app: Flask) -> None:
    signals.signed_up.connect(_signed_up)
    signals.signup_cancelled.connect(_signup_cancelled)
    register_job(
        app,
        name="reminders-run",
        # Every five minutes by day: nothing is sent between 21:00 and 08:00.
        schedule="*/5 8-20 * * *",
        run=_run_reminders,
        description="plan, settle and send the reminders due (flask reminders run)",
    )


def _run_reminders(now: datetime) -> str:
    ran = run_reminders(now)
    planned = sum(ran["planned"].values())
    sent = ", ".join(f"{n} {outcome}" for outcome, n in sorted(ran["outcomes"].items()))
    return f"Planned {planned}, settled {ran['settled']}; sent: {sent or 'none'}."


def _signed_up(_sender: Any, *, resident_id: int, signup_id: int, event_id: int, **_: Any) -> None:
    settings = ReminderSettings.from_config(current_app.config)
    planning.plan_event_reminder(resident_id, signup_id, event_id, utcnow(), settings)


def _signup_cancelled(_sender: Any, *, resident_id: int, signup_id: int, **_: Any) -> None:
    planning.cancel_event_reminder(resident_id, signup_id, utcnow())
