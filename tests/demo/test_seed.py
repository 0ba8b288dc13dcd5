"""``flask seed-demo``: the README's walk-through works on any day, and the demo's ledger
reads like a real one."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin, Event


def seed(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def login(client: FlaskClient, **body: str) -> dict[str, str]:
    path = "/api/v1/auth/login" if "username" in body else "/api/v1/auth/wechat"
    response = client.post(path, json=body)
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_todays_lecture_is_open_whenever_the_demo_is_started(
    app: Flask, client: FlaskClient
) -> None:
    seed(app)
    with app.app_context():
        # The demo was seeded three days ago: every event moves back with it.
        for event in db.session.scalars(select(Event)):
            for moment in ("starts_at", "ends_at", "checkin_opens_at", "checkin_closes_at"):
                setattr(event, moment, getattr(event, moment) - timedelta(days=3))
        db.session.commit()

    seed(app)
    with app.app_context():
        events = db.session.scalar(select(func.count(Event.id)))
    seed(app)

    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id))) == events  # once a day is enough
    desk = login(client, username="desk1", password="demo-pass-2026")
    listed = client.get("/api/v1/events", headers=desk).json["items"]
    todays = next(e for e in listed if e["title"].startswith("今日"))
    url = client.get(f"/api/v1/events/{todays['id']}/qr", headers=desk).json["url"]
    resident = login(client, code="dev:demo-c1-r01")
    checked_in = client.post("/api/v1/checkins", headers=resident, json={"url": url})
    assert checked_in.status_code == 201, checked_in.json


def test_demo_points_are_dated_when_they_were_earned(app: Flask, client: FlaskClient) -> None:
    seed(app)
    resident = login(client, code="dev:demo-c1-r01")

    ledger = client.get("/api/v1/me/ledger?limit=100", headers=resident).json["items"]

    times = [datetime.fromisoformat(entry["created_at"]) for entry in ledger]
    assert times == sorted(times, reverse=True)  # newest first, by time as by sequence
    earned = {
        int(e["source"]["id"]): datetime.fromisoformat(e["created_at"])
        for e in ledger
        if e["source"]["type"] == "checkin"
    }
    with app.app_context():
        checked_in = dict(
            db.session.execute(
                select(Checkin.id, Checkin.created_at).where(Checkin.id.in_(earned))
            ).all()
        )
    assert earned and earned == checked_in


def test_demo_residents_have_earned_their_badges(app: Flask, client: FlaskClient) -> None:
    seed(app)
    resident = login(client, code="dev:demo-c1-r01")

    achievements = client.get("/api/v1/me/achievements", headers=resident).json

    assert achievements["level"]["lifetime_points"] > 0
    assert "first_lecture" in {badge["code"] for badge in achievements["badges"]}
