"""Reminders through WeChat subscribe messages, and the desk's call list for residents
without WeChat: grants, an outbox of reminders decided once, their delivery. A sign-up's
reminder is written in the sign-up's own transaction (``core.signals``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from core import signals
from core.db import utcnow
from reminders import planning
from reminders.settings import ReminderSettings


def init_app(app: Flask) -> None:
    signals.signed_up.connect(_signed_up)
    signals.signup_cancelled.connect(_signup_cancelled)


def _signed_up(_sender: Any, *, resident_id: int, signup_id: int, event_id: int, **_: Any) -> None:
    settings = ReminderSettings.from_config(current_app.config)
    planning.plan_event_reminder(resident_id, signup_id, event_id, utcnow(), settings)


def _signup_cancelled(_sender: Any, *, resident_id: int, signup_id: int, **_: Any) -> None:
    planning.cancel_event_reminder(resident_id, signup_id, utcnow())
