"""EXPLAIN (ANALYZE, BUFFERS) of exactly the queries a stats report runs.

Rather than asking the stats package for a list of its queries (which could drift from what
the endpoint really sends), the report is requested in-process and every statement the
engine executes is captured with its parameters, then explained one by one on the same
database. Only reads are explained (EXPLAIN ANALYZE executes the statement).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from core.db import db


def plans_of(app: Flask, paths: dict[str, tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    """``{label: [{"sql", "plan"}]}`` for each stats request in ``paths``."""
    plans = {}
    with app.app_context():
        for label, (path, token) in paths.items():
            status, captured = _run_capturing(app, path, token)
            if status != 200:
                plans[label] = [{"sql": path, "plan": f"HTTP {status}"}]
                continue
            plans[label] = [
                {"sql": statement, "plan": _explain(statement, parameters)}
                for statement, parameters in captured
                if statement.lstrip().upper().startswith(("SELECT", "WITH"))
            ]
    return plans


def _run_capturing(app: Flask, path: str, token: str) -> tuple[int, list[tuple[str, Any]]]:
    """The request's status, and every statement it sent with its parameters."""
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return response.status_code, captured


def _explain(statement: str, parameters: Any) -> str:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in rows)
        conn.rollback()
    return plan
