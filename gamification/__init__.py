"""Levels, streaks, badges, challenges and the leaderboard, derived from check-ins and the
ledger. The lower rooms' signals (``core.signals``) reach it here."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from core import signals
from core.db import utcnow
from gamification import progress


def init_app(app: Flask) -> None:
    for signal in (signals.checked_in, signals.checkin_annulled, signals.redeemed):
        signal.connect(_history_changed)


def _history_changed(_sender: Any, *, resident_id: int, **_details: Any) -> None:
    """With ``GAMIFICATION_INLINE`` the resident is refreshed in the transaction that changed
    their history; otherwise the worker finds the change in the history (``worker``)."""
    config = current_app.config
    if config["GAMIFICATION_INLINE"]:
        progress.refresh(resident_id, utcnow(), progress.GameSettings.from_config(config))
