"""A real run answers at once and applies its rows in a thread of its own, chunk by chunk;
its progress is read while it runs, and a run a process left unfinished is resumed."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from core.db import db
from imports import runner, staging
from imports.models import ImportBatch
from tests.factories import Account
from tests.imports.conftest import ATTENDANCE, batch, csv_bytes, send

SHEET = [ATTENDANCE] + [
    ["2025-03-08", "控制血压", "讲座", f"居民{n}", f"1380000{n:04d}"] for n in range(12)
]


def wait_for(client: FlaskClient, manager: Account, batch_id: int) -> dict[str, Any]:
    for _ in range(200):
        found = batch(client, manager, batch_id)
        if found["status"] != "running":
            return found
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_progress_is_readable_while_the_rows_are_applied(
    app: Flask, client: FlaskClient, manager: Account, database_url: str
) -> None:
    app.config["IMPORTS_INLINE"] = False
    engine = create_engine(database_url)
    with engine.connect() as holder:
        # Another import of the center holds its turn: this one waits, visibly running.
        holder.execute(
            text("SELECT pg_advisory_lock(hashtext('imports'), :center)"),
            {"center": manager.center_id},
        )
        sent = send(client, manager, "attendance", csv_bytes(SHEET))
        assert sent.status_code == 201, sent.json
        running = batch(client, manager, sent.json["id"])
        holder.execute(text("SELECT pg_advisory_unlock_all()"))
    engine.dispose()

    assert (running["status"], running["rows"], running["processed"]) == ("running", 12, 0)
    done = wait_for(client, manager, sent.json["id"])
    assert (done["status"], done["processed"], done["created"]) == ("done", 12, 12)


def test_rows_are_applied_a_chunk_at_a_time(
    app: Flask, client: FlaskClient, manager: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "CHUNK_ROWS", 5)
    seen: list[int] = []
    applied = runner.applying.apply_chunk

    def noting_progress(batch: ImportBatch, *args: Any) -> Any:
        seen.append(batch.processed)
        return applied(batch, *args)

    monkeypatch.setattr(runner.applying, "apply_chunk", noting_progress)

    sent = send(client, manager, "attendance", csv_bytes(SHEET))

    done = batch(client, manager, sent.json["id"])
    assert (done["status"], done["processed"], done["created"]) == ("done", 12, 12)
    assert seen == [0, 5, 10, 12]


def test_a_run_left_unfinished_is_resumed(
    app: Flask, client: FlaskClient, manager: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "CHUNK_ROWS", 5)
    applied = runner.applying.apply_chunk
    calls = []

    def dies_after_one_chunk(*args: Any) -> int:
        if calls:
            raise RuntimeError("the process died")
        calls.append(1)
        return applied(*args)

    monkeypatch.setattr(runner.applying, "apply_chunk", dies_after_one_chunk)
    sent = send(client, manager, "attendance", csv_bytes(SHEET))
    failed = batch(client, manager, sent.json["id"])
    monkeypatch.setattr(runner.applying, "apply_chunk", applied)

    result = app.test_cli_runner().invoke(args=["imports", "resume"])

    assert (failed["status"], failed["processed"]) == ("failed", 5)
    assert "RuntimeError" in failed["failure"]
    assert result.exit_code == 0, result.output
    done = batch(client, manager, sent.json["id"])
    assert (done["status"], done["created"], done["skipped"]) == ("done", 12, 0)
    with app.app_context():
        assert db.session.get(ImportBatch, sent.json["id"]).failure is None


def test_a_run_waits_its_turn_past_the_requests_lock_timeout(
    app: Flask, client: FlaskClient, manager: Account, database_url: str
) -> None:
    # Applied in the request's own thread (IMPORTS_INLINE), under a request's timeouts.
    app.config["DB_LOCK_TIMEOUT_MS"] = 100
    engine = create_engine(database_url)
    with engine.connect() as holder:
        # Another import of the center holds its turn well past a request's lock timeout.
        holder.execute(
            text("SELECT pg_advisory_lock(hashtext('imports'), :center)"),
            {"center": manager.center_id},
        )
        release = threading.Timer(
            0.5, lambda: holder.execute(text("SELECT pg_advisory_unlock_all()"))
        )
        release.start()
        sent = send(client, manager, "attendance", csv_bytes(SHEET))
        release.join()
    engine.dispose()

    assert sent.status_code == 201, sent.json
    done = batch(client, manager, sent.json["id"])
    assert (done["status"], done["failure"], done["created"]) == ("done", None, 12)


def test_a_batch_undone_while_resume_starts_stays_undone(
    app: Flask,
    client: FlaskClient,
    manager: Account,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    applied = runner.applying.apply_chunk

    def dies(*args: Any) -> int:
        raise RuntimeError("the process died")

    monkeypatch.setattr(runner.applying, "apply_chunk", dies)
    sent = send(client, manager, "attendance", csv_bytes(SHEET))
    failed = batch(client, manager, sent.json["id"])
    monkeypatch.setattr(runner.applying, "apply_chunk", applied)
    engine = create_engine(database_url)
    with engine.connect() as holder:
        # An undo of the failed batch holds it while resume starts.
        holder.execute(
            text("UPDATE import_batches SET status = 'undone' WHERE id = :id"),
            {"id": sent.json["id"]},
        )
        resuming = threading.Thread(
            target=app.test_cli_runner().invoke, kwargs={"args": ["imports", "resume"]}
        )
        resuming.start()
        time.sleep(0.5)
        holder.commit()
        resuming.join()
    engine.dispose()

    assert failed["status"] == "failed"
    after = batch(client, manager, sent.json["id"])
    assert (after["status"], after["created"]) == ("undone", 0)
