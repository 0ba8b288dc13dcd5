"""Every figure must come out the same from the domain tables and from the rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from core.db import db
from stats.rollups import refresh


def roll_up(app: Flask, ahead: timedelta = timedelta(0)) -> None:
    """``flask stats refresh``, as if run ``ahead`` from now (to roll up today as well)."""
    with app.app_context():
        refresh(datetime.now(UTC) + ahead, ZoneInfo("Asia/Shanghai"))
        db.session.commit()


@pytest.fixture(params=["counted afresh", "rolled up"])
def counting(request: pytest.FixtureRequest) -> str:
    """Arrange, then count straight from the domain tables or roll up first."""
    return str(request.param)
