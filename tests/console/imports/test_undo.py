"""Undoing a finished import from its page, and where an undo of balances stopped, in
words."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin
from identity.models import Resident
from tests.console.imports.conftest import imported
from tests.consoles import html, log_in, result_code, text_of
from tests.factories import Account, Factory
from tests.imports.conftest import BALANCES


def test_a_finished_import_is_undone_from_its_page(app: Flask, manager: Account) -> None:
    console = log_in(app, manager)
    real_id = imported(console)

    undone = console.post(f"/console/imports/{real_id}/undo")

    assert undone.status_code == 200, html(undone)
    assert 'data-status="undone"' in html(undone)
    assert text_of(undone, "result")
    assert 'data-testid="undo"' not in html(undone)
    with app.app_context():
        live = select(func.count()).select_from(Checkin).where(Checkin.annulled_at.is_(None))
        assert db.session.scalar(live) == 0
    twice = console.post(f"/console/imports/{real_id}/undo")
    assert (twice.status_code, result_code(twice)) == (409, "import_undone")


def test_an_undo_a_resident_spent_points_of_stops_there_in_words(
    app: Flask, client: FlaskClient, make: Factory, manager: Account
) -> None:
    console = log_in(app, manager)
    make.resident(manager.center_id, name="张明", phone="13900001111")
    real_id = imported(
        console,
        [
            BALANCES,
            ["黄秀英", "13812341234", "120", "积分卡结转"],
            ["张明", "13900001111", "35", ""],
        ],
        kind="balances",
    )
    with app.app_context():
        zhang = db.session.scalar(select(Resident.id).where(Resident.name == "张明"))
    spent = client.post(
        f"/api/v1/residents/{zhang}/adjustments",
        headers={**manager.headers, "Idempotency-Key": "spend-1"},
        json={"points": -30, "reason": "兑换毛巾"},
    )
    assert spent.status_code == 201, spent.json

    started = console.post(f"/console/imports/{real_id}/undo")

    assert started.status_code == 200, html(started)
    assert 'data-status="undoing"' in html(started)
    assert 'data-testid="progress"' in html(started)
    page = console.get(f"/console/imports/{real_id}")
    assert 'data-status="undoing"' in html(page)
    assert text_of(page, f"status-{real_id}") == "撤销中"  # "Undoing"
    assert "第 3 行的居民已使用了部分积分" in html(page)
    assert 'data-testid="undo"' in html(page)  # to carry on, once the balance is corrected
    assert 'data-testid="progress"' not in html(page)
