"""Gamification's tests refresh residents inside the check-in's transaction (the worker's
own path has its tests in test_worker.py), and a resident's past is made month by month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Account, Factory


@pytest.fixture(autouse=True)
def gamification_inline(app: Flask) -> None:
    app.config["GAMIFICATION_INLINE"] = True


def months_ago(months: int, day: int = 10) -> datetime:
    """10:00 UTC on ``day`` of the month ``months`` before this one."""
    today = date.today()
    index = today.year * 12 + today.month - 1 - months
    return datetime(index // 12, index % 12 + 1, day, 2, 0, tzinfo=UTC)


def attend(
    make: Factory, resident: Account, at: datetime, kind: str = "lecture", **fields: Any
) -> int:
    """The resident attends a new event of the kind at their center, starting ``at``."""
    event = make.event(resident.center_id, kind=kind, starts_at=at, **fields)
    return make.checkin(event, resident.id, at=at + timedelta(minutes=1))


def achievements(client: FlaskClient, resident: Account) -> dict[str, Any]:
    response = client.get("/api/v1/me/achievements", headers=resident.headers)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]
