"""The database handle, the model base, and the one transaction each request runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from core.errors import Unavailable, problem_response
from core.i18n import _l

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware timestamp, stored in UTC; a naive one is refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC)


def _set_timeouts(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Bound how long a request's statements may run and wait for a lock.

    A connection keeps its settings in the pool, so they are sent only when a connection
    first serves a request: the check-in path pays no round trip for them. Outside a
    request (jobs, migrations, the shell) statements run as long as they need.
    """
    if has_request_context():
        config = current_app.config
        wanted = (config["DB_STATEMENT_TIMEOUT_MS"], config["DB_LOCK_TIMEOUT_MS"])
    else:
        wanted = (0, 0)
    if record.info.get("timeouts") == wanted:
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false),"
            " set_config('lock_timeout', %s, false)",
            [str(milliseconds) for milliseconds in wanted],
        )
    dbapi_connection.commit()
    record.info["timeouts"] = wanted


def write_regardless(write: Callable[[], object]) -> None:
    """Write when the request ends, whether its work commits or is refused: the record of a
    refused attempt (a check-in's scan log line), or what a refusal must still do (revoking a
    stolen token's family). On success it joins the request's transaction; on a refusal it
    runs alone, after the rollback."""
    g.setdefault("_writes_regardless", []).append(write)


def _write_regardless() -> None:
    for write in g.pop("_writes_regardless", ()):
        write()


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the request's work is committed (never after a refusal): what
    must see that work, such as a job started on the rows the request wrote."""
    g.setdefault("_after_commit", []).append(callback)


def finish_request_transaction(response: Response) -> Response:
    """Commit the request's work if it succeeded, roll it back otherwise.

    This is the only place a request commits: services flush, views never commit.
    """
    on_commit = g.pop("_after_commit", ())
    if response.status_code >= 400:
        db.session.rollback()
        if "_writes_regardless" in g:
            try:
                _write_regardless()
                db.session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                current_app.logger.exception("could not record a refused request")
        return response
    try:
        _write_regardless()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("commit failed")
        return problem_response(
            Unavailable(_l("The database did not accept the change; try again."))
        )
    for callback in on_commit:
        callback()
    return response


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        event.listen(db.engine, "checkout", _set_timeouts)
    app.after_request(finish_request_transaction)


@contextmanager
def driver_connection() -> Iterator[Any]:
    """The DBAPI connection under the request's session, for hot-path statements in the
    driver's own SQL (no SQLAlchemy construct, compilation or result wrapping).

    It is the session's connection and transaction; the driver's errors come out as
    SQLAlchemy's (``IntegrityError``...), so the error handlers treat them like any other.
    """
    db.session.flush()  # as session.execute would: the statement may need pending rows
    connection = db.session.connection()
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        yield connection.connection.dbapi_connection
    except dbapi_error as error:
        raise DBAPIError.instance(None, None, error, dbapi_error) from error


def lift_timeouts() -> None:
    """Let the rest of this transaction's statements run, and wait for locks, as long as
    they need, as a job's do: for work done on a request's connection (or thread) that is
    no request's, such as an import's runner, which waits its turn at a center behind
    another import for as long as that one takes. Local to the transaction: the pooled
    connection keeps the request's bounds for the next request."""
    db.session.execute(
        text(
            "SELECT set_config('statement_timeout', '0', true),"
            " set_config('lock_timeout', '0', true)"
        )
    )


def prepare_report_transaction() -> None:
    """Ready the rest of this transaction for a report's long reads.

    Its statements may run up to ``DB_REPORT_STATEMENT_TIMEOUT_MS``, and are planned for
    their parameters: psycopg prepares a statement it has run five times, and PostgreSQL may
    then switch to one generic plan for any parameters: right for the hot path, ruinous for
    a report whose best plan depends on the period asked for (an event ranking went from
    0.2 s to 2 s). Nor are they compiled (JIT): a district's year costs enough to trigger
    it, and compiling took longer than it saved (30-90 ms a statement, bench/RESULTS.md).
    """
    db.session.execute(
        text(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
            " set_config('jit', 'off', true),"
            " set_config('statement_timeout', :milliseconds, true)"
        ),
        {"milliseconds": str(current_app.config["DB_REPORT_STATEMENT_TIMEOUT_MS"])},
    )
