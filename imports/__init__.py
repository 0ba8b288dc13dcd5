"""Importing a center's paper years: its register of residents, lecture sign-in sheets and
the balances in residents' booklets, in batches that can be checked first and undone."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from core.jobs import register_job
from imports import service


def init_app(app: Flask) -> None:
    register_job(
        app,
        name="imports-forget-held",
        schedule="*/10 * * * *",
        run=_forget_held,
        description="forget the rows of dry runs not confirmed within an hour",
    )


def _forget_held(now: datetime) -> str:
    return f"Forgot {service.forget_unconfirmed(now)} row(s) of unconfirmed checks."
