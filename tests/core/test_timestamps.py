"""Timestamps are the district's time: written with its offset, and read as district time
when they come without one."""

from __future__ import annotations

from datetime import datetime

import marshmallow as ma
from flask import Flask
from flask.testing import FlaskClient

from core.api import LocalDateTime
from tests.factories import Factory


def create_event(client: FlaskClient, make: Factory, starts_at: str, ends_at: str):  # type: ignore[no-untyped-def]
    desk = make.staff("staff")
    return client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={"title": "高血压讲座", "kind": "lecture", "starts_at": starts_at, "ends_at": ends_at},
    )


def test_a_timestamp_sent_with_an_offset_comes_back_in_district_time(
    client: FlaskClient, make: Factory
) -> None:
    event = create_event(client, make, "2026-12-05T01:30:00Z", "2026-12-05T02:30:00+00:00").json

    assert event["starts_at"] == "2026-12-05T09:30:00+08:00"
    assert event["ends_at"] == "2026-12-05T10:30:00+08:00"
    assert event["checkin_opens_at"] == "2026-12-05T09:00:00+08:00"  # half an hour before


def test_a_timestamp_sent_without_an_offset_is_district_time(
    client: FlaskClient, make: Factory
) -> None:
    response = create_event(client, make, "2026-12-05T09:30:00", "2026-12-05T10:30")

    assert response.status_code == 201, response.json
    assert response.json["starts_at"] == "2026-12-05T09:30:00+08:00"
    assert response.json["ends_at"] == "2026-12-05T10:30:00+08:00"


def test_every_personal_timestamp_carries_the_offset(client: FlaskClient, make: Factory) -> None:
    resident = make.resident()
    make.credit(resident.id, 10)

    code = client.get("/api/v1/me/member-code", headers=resident.headers).json
    ledger = client.get("/api/v1/me/ledger", headers=resident.headers).json["items"]

    assert datetime.fromisoformat(code["expires_at"]).utcoffset().total_seconds() == 8 * 3600
    assert ledger[0]["created_at"].endswith("+08:00")


def test_every_timestamp_field_of_the_api_is_district_time(app: Flask) -> None:
    schemas = {
        schema
        for package in ("core", "identity", "points", "events", "catalog", "stats")
        for schema in _subclasses(ma.Schema)
        if schema.__module__.startswith(f"{package}.")
    }
    fields = [
        (schema.__name__, name)
        for schema in schemas
        for name, field in schema._declared_fields.items()
        if isinstance(field, ma.fields.DateTime) and not isinstance(field, LocalDateTime)
    ]

    assert len(schemas) > 20
    assert fields == []


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]
