"""Who takes part: centers, staff, residents, consent, and how each of them logs in."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from core.jobs import register_job
from identity import sessions


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="identity-prune-tokens",
        schedule="20 3 * * *",
        run=_prune_tokens,
        description="forget refresh tokens past their expiry (flask prune-tokens)",
    )


def _prune_tokens(now: datetime) -> str:
    return f"Pruned {sessions.prune(now)} expired refresh token(s)."
