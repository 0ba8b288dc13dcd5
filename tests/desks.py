"""Arranging a day at the desk and reading back what it did: a resident with points to spend,
an event open all day, a member code, a reservation's pickup code, a gift redeemed at the
desk, rows counted, a balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from core.db import db
from core.localtime import day_start, local_date, zone_of
from points import ledger
from tests.consoles import Console, idempotency_key
from tests.factories import Account, Factory


@pytest.fixture
def resident(make: Factory, desk: Account) -> Account:
    """A resident of the desk's center, with 100 points (the desk's tests import it)."""
    account = make.resident(desk.center_id, name="王秀英", phone="13912345678")
    make.credit(account.id, 100)
    return account


def all_day_event(app: Flask, make: Factory, center_id: int | None, **fields: Any) -> int:
    """An event today in the district, from 00:00 to 23:59: its check-in is open whenever the
    test runs."""
    tz = zone_of(app.config)
    today = local_date(datetime.now(UTC), tz)
    return make.event(
        center_id, starts_at=day_start(today, tz), lasts=timedelta(hours=23, minutes=59), **fields
    )


def member_code(client: FlaskClient, resident: Account) -> str:
    response = client.get("/api/v1/me/member-code", headers=resident.headers)
    assert response.status_code == 200
    return str(response.json["code"])


def reserve(client: FlaskClient, resident: Account, item_id: int, center_id: int | None) -> str:
    """The pickup code of the gift the resident reserves in the mini-program."""
    response = client.post(
        "/api/v1/redemptions/reservations",
        headers=resident.headers,
        json={"item_id": item_id, "center_id": center_id},
    )
    assert response.status_code == 201, response.json
    return str(response.json["pickup_code"])


def redeem_at_desk(console: Console, form: dict[str, Any]) -> TestResponse:
    """A gift redeemed as the clerk does it: the preview, then its confirm with the preview's
    Idempotency-Key."""
    key = idempotency_key(console.post("/console/desk/redeem/preview", form), "confirm")
    return console.post("/console/desk/redeem", form, headers={"Idempotency-Key": key})


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def balance(app: Flask, resident: Account) -> int:
    with app.app_context():
        return ledger.balance_of(resident.id)[0]
