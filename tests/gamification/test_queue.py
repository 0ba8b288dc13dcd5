"""Off the hot path: a check-in only notes its resident; the worker (here ``flask
gamification run``, its backstop) refreshes them, and forgets a note only if nothing noted
the resident again meanwhile."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from gamification import queue
from gamification.models import PendingResident
from gamification.progress import GameSettings
from tests.factories import Account, Factory
from tests.gamification.conftest import achievements, attend, months_ago


def notes(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(PendingResident.resident_id)))


def test_a_checkin_is_noted_and_the_worker_awards_its_badge(
    app: Flask, client: FlaskClient, make: Factory, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = False
    attend(make, resident, months_ago(0, day=1))
    before = achievements(client, resident)["badges"]
    noted = notes(app)

    result = app.test_cli_runner().invoke(args=["gamification", "run"])

    assert before == [] and noted == [resident.id]
    assert result.exit_code == 0 and "Refreshed 1 " in result.output
    assert [b["code"] for b in achievements(client, resident)["badges"]] == ["first_lecture"]
    assert notes(app) == []


def test_a_note_made_while_its_resident_was_refreshed_stays(
    app: Flask, make: Factory, resident: Account
) -> None:
    app.config["GAMIFICATION_INLINE"] = False
    attend(make, resident, months_ago(0, day=1))
    with app.app_context():
        seen = db.session.scalar(select(PendingResident.noted_at))
        queue.note(resident.id)  # a second check-in lands meanwhile
        db.session.commit()
        refreshed = queue._refresh_noted(resident.id, seen, GameSettings.from_config(app.config))

    assert refreshed and notes(app) == [resident.id]
    with app.app_context():
        assert queue.drain(GameSettings.from_config(app.config)) == 1
    assert notes(app) == []
