"""Each test gets a fresh app over a database migrated once and emptied before every test.

The database is ``TEST_DATABASE_URL`` when it is set (its schema is rebuilt at start);
otherwise a throwaway one on the embedded server (core/embedded_db.py), dropped at the end,
beside the data ``make run`` keeps there.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import flask_migrate
import pytest
import redis
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import URL, create_engine, make_url, text

from app import ROOT, create_app
from catalog.items import stock_problems
from core import embedded_db
from core.config import database_uri
from core.db import db
from core.migrations import load_migrations
from core.ratelimit import limiter
from identity import staff_accounts
from points.verify import verify
from tests.factories import Account, Factory
from tests.wechat import wechat_config

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'TEST_DATABASE_URL' if TEST_DATABASE_URL else 'embedded PostgreSQL'}"


def app_config(uri: str, **overrides: object) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "WECHAT_APPID": "",
        "APP_ENV": "test",
        **overrides,
    }


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2 at its floor: the suite makes thousands of staff accounts and logs in as them,
    and at the production cost (identity/staff_accounts.py) hashing alone took minutes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(staff_accounts, "_hasher", PasswordHasher(1, 8, parallelism=1))
        yield


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    if TEST_DATABASE_URL:
        uri = database_uri(TEST_DATABASE_URL)
        _execute(uri, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
    else:
        throwaway = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        uri = embedded_db.uri(ROOT / "instance", throwaway)
    app = create_app(app_config(uri))
    with app.app_context():
        load_migrations(app)
        flask_migrate.upgrade()
        db.engine.dispose()
    yield uri
    if not TEST_DATABASE_URL:
        server = make_url(uri).set(database="postgres")
        _execute(server, f'DROP DATABASE "{throwaway}" WITH (FORCE)')


def _execute(uri: str | URL, *statements: str) -> None:
    engine = create_engine(uri, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> tuple[Flask, dict[str, Any]]:
    """The app every test gets, built once: building one (its routes and OpenAPI document)
    takes a fifth of a second, which thousands of tests would pay again and again. Beside
    it, the rate limiter as this app set it up (one Limiter serves every app of the process
    and takes its storage from the latest app built)."""
    app = create_app(app_config(database_url))
    return app, dict(vars(limiter))


@pytest.fixture
def app(
    shared_app: tuple[Flask, dict[str, Any]], request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """The shared app as new: its configuration as built (a test may change it), its rate
    limits counted afresh, its database empty."""
    app, limiter_as_built = shared_app
    config_as_built = dict(app.config)
    vars(limiter).update(limiter_as_built)
    limiter.reset()
    with app.app_context():
        empty_all_tables()
    yield app
    app.config.clear()
    app.config.update(config_as_built)
    with app.app_context():
        # Whatever a test did, the ledger must still add up (unless it tampers on purpose).
        if request.node.get_closest_marker("tampers_ledger"):
            empty_all_tables()  # leave nothing broken behind for `flask points verify` in CI
        else:
            assert verify() == []
            assert stock_problems() == []
        db.session.remove()  # hand its connection back first, or dispose() leaves it open
        db.engine.dispose()


def empty_all_tables() -> None:
    """Truncate the tables that hold rows and restart every sequence. A test leaves most of
    the schema empty, and truncating an empty table still costs PostgreSQL a file swap."""
    holding = db.session.scalars(text(_tables_holding_rows_query())).all()
    if holding:
        names = ", ".join(f'"{name}"' for name in holding)
        db.session.execute(text(f"TRUNCATE {names} CASCADE"))
    db.session.execute(
        text(
            "SELECT setval(oid, 1, false) FROM pg_class"
            " WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
        )
    )
    db.session.commit()


@cache
def _tables_holding_rows_query() -> str:
    return " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT FROM \"{table.name}\")"
        for table in db.metadata.sorted_tables
    )


Build = Callable[..., Flask]


@pytest.fixture
def build(app: Flask, database_url: str) -> Iterator[Build]:
    """Apps over the database the ``app`` fixture just emptied, with config overrides."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        built.append(create_app(app_config(database_url, **overrides)))
        return built[-1]

    yield build
    for each in built:
        with each.app_context():
            db.engine.dispose()


@pytest.fixture
def racing_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The test's database, with a connection for every thread."""
    racing = create_app(
        app_config(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 0})
    )
    yield racing
    with racing.app_context():
        db.engine.dispose()


#: The local Redis, on a database of its own; each test adds a key prefix of its own.
TEST_REDIS_URI = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def shared_limits(app: Flask) -> dict[str, object]:
    """Configuration for apps (workers) whose rate limits count in one Redis."""
    client = redis.Redis.from_url(TEST_REDIS_URI, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {TEST_REDIS_URI}")
    finally:
        client.close()
    return {"RATELIMIT_STORAGE_URI": TEST_REDIS_URI, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}


@pytest.fixture
def wechat_app(build: Build, httpserver: HTTPServer) -> Flask:
    """The app, with pytest-httpserver on loopback playing WeChat (logins and phone numbers)."""
    return build(**wechat_config(httpserver.url_for("")))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port held bound but never listening: connecting to it is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture
def desk(make: Factory) -> Account:
    """A desk clerk at a center of their own."""
    return make.staff("staff")


@pytest.fixture
def manager(make: Factory, desk: Account) -> Account:
    """The manager of the desk's center."""
    return make.staff("manager", center_id=desk.center_id)


@pytest.fixture
def resident(make: Factory, desk: Account) -> Account:
    """A resident whose home is the desk's center."""
    return make.resident(desk.center_id)


@pytest.fixture
def other_center_desk(make: Factory) -> Account:
    """A desk clerk at another center."""
    return make.staff("staff")


@pytest.fixture
def district_manager(make: Factory) -> Account:
    """The district's manager: a manager without a center, who sees every center."""
    return make.staff("manager")


@pytest.fixture
def admin(make: Factory) -> Account:
    """An administrator (staff accounts, centers, the catalog)."""
    return make.staff("admin")
