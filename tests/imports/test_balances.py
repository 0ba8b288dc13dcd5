"""Balances from residents' booklets: ledger adjustments, each line credited once, every
chain valid; undone through the ledger, unless the points were spent."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.models import Resident
from imports import applying, undo
from imports.models import ImportBatch
from points.models import LedgerTransaction
from points.verify import verify
from tests.factories import Account, Factory
from tests.imports.conftest import BALANCES, batch, csv_bytes, send

BOOKLETS = [
    BALANCES,
    ["黄秀英", "13812341234", "120", "2025年纸质积分卡结转"],
    ["张明", "13900001111", 35, ""],
    ["张明", "13900001111", 35, ""],
    ["李芳", "", "0", "x"],
]


def ledger(app: Flask) -> list[tuple[str, int, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                LedgerTransaction.kind,
                LedgerTransaction.amount,
                LedgerTransaction.reason,
                LedgerTransaction.source_type,
            ).order_by(LedgerTransaction.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_balances_are_adjustments_credited_once(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    zhang = make.resident(manager.center_id, name="张明", phone="13900001111")

    dry = send(client, manager, "balances", csv_bytes(BOOKLETS), dry_run=True).json
    done = batch(client, manager, send(client, manager, "balances", csv_bytes(BOOKLETS)).json["id"])
    again = batch(
        client, manager, send(client, manager, "balances", csv_bytes(BOOKLETS)).json["id"]
    )

    assert (dry["created"], dry["invalid"], dry["residents_created"]) == (3, 1, 1)
    assert [(e["row"], e["column"], e["code"]) for e in dry["errors"]] == [
        (5, "积分", "bad_points")
    ]
    assert (done["created"], done["skipped"], done["invalid"]) == (3, 0, 1)
    assert (again["created"], again["skipped"]) == (0, 3)
    assert ledger(app) == [
        ("adjust", 120, "2025年纸质积分卡结转", "import"),
        ("adjust", 35, "纸质积分卡结转", "import"),
        ("adjust", 35, "纸质积分卡结转", "import"),
    ]
    me = client.get("/api/v1/me", headers=zhang.headers).json
    assert me["balance"] == 70
    with app.app_context():
        assert verify() == []


def test_a_line_given_with_and_without_its_phone_is_credited_once(
    client: FlaskClient, manager: Account, make: Factory
) -> None:
    zhang = make.resident(manager.center_id, name="张明", phone="13900001111")
    with_phone = [BALANCES, ["张明", "13900001111", "35", ""]]
    by_name = [BALANCES, ["张明", "", "35", ""]]

    first = batch(
        client, manager, send(client, manager, "balances", csv_bytes(with_phone)).json["id"]
    )
    dry = send(client, manager, "balances", csv_bytes(by_name), dry_run=True).json
    again = batch(client, manager, send(client, manager, "balances", csv_bytes(by_name)).json["id"])

    assert first["created"] == 1
    assert (dry["created"], dry["skipped"]) == (0, 1)
    assert (again["created"], again["skipped"]) == (0, 1)
    assert client.get("/api/v1/me", headers=zhang.headers).json["balance"] == 35


def test_undo_reverses_each_credit_through_the_ledger_in_the_background(
    app: Flask, client: FlaskClient, manager: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applying, "ACCOUNTS_AT_ONCE", 1)  # a chunk of accounts: one row
    reversed_after: list[int] = []
    chunk = undo.reverse_chunk

    def noting_progress(batch: ImportBatch, *args: Any) -> int | None:
        reversed_after.append(batch.processed)
        return chunk(batch, *args)

    monkeypatch.setattr(undo, "reverse_chunk", noting_progress)
    sent = send(client, manager, "balances", csv_bytes(BOOKLETS[:3])).json

    undone = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=manager.headers)

    assert undone.status_code == 200, undone.json
    assert (undone.json["status"], undone.json["processed"]) == ("undoing", 0)
    assert reversed_after == [0, 1, 2]
    after = batch(client, manager, sent["id"])
    assert (after["status"], after["processed"], after["failure"]) == ("undone", 2, None)
    assert [(kind, amount) for kind, amount, _, _ in ledger(app)] == [
        ("adjust", 120),
        ("adjust", 35),
        ("adjust", -120),
        ("adjust", -35),
    ]
    with app.app_context():
        assert verify() == []
        # The residents it registered hold a reversed ledger: they stay, with nothing.
        assert len(db.session.scalars(select(Resident.id)).all()) == 2


def test_undo_stops_where_a_resident_spent_the_points(
    app: Flask, client: FlaskClient, manager: Account, make: Factory
) -> None:
    make.resident(manager.center_id, name="张明", phone="13900001111")
    sent = send(client, manager, "balances", csv_bytes(BOOKLETS[:3])).json
    with app.app_context():
        zhang = db.session.scalar(select(Resident.id).where(Resident.name == "张明"))
    spent = client.post(
        f"/api/v1/residents/{zhang}/adjustments",
        headers={**manager.headers, "Idempotency-Key": "spend-1"},
        json={"points": -30, "reason": "兑换毛巾"},
    )
    assert spent.status_code == 201, spent.json

    undone = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=manager.headers)

    assert (undone.status_code, undone.json["status"]) == (200, "undoing")
    stopped = batch(client, manager, sent["id"])
    assert stopped["status"] == "undoing"
    assert stopped["failure"].startswith("import_undo_blocked")
    assert len(ledger(app)) == 3  # nothing reversed
    # The balance corrected by hand, undoing again carries on to the end.
    credited = client.post(
        f"/api/v1/residents/{zhang}/adjustments",
        headers={**manager.headers, "Idempotency-Key": "give-back-1"},
        json={"points": 30, "reason": "更正"},
    )
    assert credited.status_code == 201, credited.json
    again = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=manager.headers)
    assert (again.status_code, again.json["failure"]) == (200, None)
    assert batch(client, manager, sent["id"])["status"] == "undone"
    with app.app_context():
        assert verify() == []
