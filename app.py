"""The application factory: configuration and wiring, nothing else.

``flask --app app run`` for development, ``gunicorn "app:create_app()"`` in production.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import catalog
import console
import gamification
import identity
import imports
import points
import reminders
import stats
from catalog import api as catalog_api
from catalog import cli as catalog_cli
from catalog import media as catalog_media
from catalog import records as catalog_records
from core import (
    auth,
    embedded_db,
    errors,
    headers,
    health,
    i18n,
    jobs,
    migrations,
    qr_links,
    ratelimit,
    requestbody,
    requestlog,
    scheduler,
)
from core import config as app_config
from core import db as database
from core.api import Api
from demo import cli as demo_cli
from events import api as events_api
from events import followups_api as events_followups_api
from events import ledger as events_ledger
from events import pages as events_pages
from events import signups_api as events_signups_api
from gamification import api as gamification_api
from gamification import challenges as gamification_challenges
from gamification import cli as gamification_cli
from identity import api as identity_api
from identity import cli as identity_cli
from identity import sessions as identity_sessions
from imports import api as imports_api
from imports import cli as imports_cli
from me import api as me_api
from merging import api as merging_api
from points import api as points_api
from points import cli as points_cli
from points.history import describe_sources
from reminders import api as reminders_api
from reminders import cli as reminders_cli
from stats import api as stats_api
from stats import cli as stats_cli

ROOT = Path(__file__).resolve().parent

OPENAPI_SETTINGS = {
    "API_TITLE": "Health points",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/static/",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"))
    app.config.update(OPENAPI_SETTINGS)
    app.config.update(app_config.from_environment(os.environ))
    app.config.update(config or {})
    app.config["MEDIA_DIR"] = app.config["MEDIA_DIR"] or str(Path(app.instance_path) / "media")
    app_config.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        # No DATABASE_URL outside production (check refused it there): a server of our own.
        app.config["SQLALCHEMY_DATABASE_URI"] = embedded_db.uri(Path(app.instance_path))
    if app.config.get("PROXY_FIX_X_FOR"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]))  # type: ignore[method-assign]

    requestlog.init_app(app)
    headers.init_app(app)  # before the database's hook: its after_request runs after the commit
    requestbody.init_app(app)
    i18n.init_app(app)
    database.init_app(app)
    migrations.init_app(app, directory=str(ROOT / "migrations"))
    errors.register_error_handlers(app)
    ratelimit.init_app(app)
    auth.init_app(app, identity_sessions.access_principal)
    api = Api(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )

    api.register_blueprint(health.blp)
    api.register_blueprint(qr_links.blp)
    domains = (
        identity_api,
        merging_api,
        points_api,
        events_api,
        events_followups_api,
        events_signups_api,
        catalog_api,
        stats_api,
        imports_api,
        gamification_api,
        reminders_api,
        me_api,
    )
    for blueprint in (bp for domain in domains for bp in domain.blueprints):
        api.register_blueprint(blueprint)
    app.register_blueprint(events_pages.pages)
    app.register_blueprint(catalog_media.media)
    console.init_app(app)
    # Ledgers name what earned or bought points; the packages that move them know the names.
    describe_sources("checkin", events_ledger.event_titles)
    describe_sources("redemption", catalog_records.gift_titles)
    describe_sources("challenge", gamification_challenges.bonus_titles)
    gamification.init_app(app)
    reminders.init_app(app)
    # Each package registers its periodic jobs; `flask scheduler` runs them.
    jobs.init_app(app)
    for domain in (identity, points, catalog, stats, imports):
        domain.init_app(app)

    clis = (
        identity_cli,
        points_cli,
        catalog_cli,
        stats_cli,
        imports_cli,
        gamification_cli,
        reminders_cli,
        demo_cli,
        scheduler,
    )
    for command in (command for cli in clis for command in cli.commands):
        app.cli.add_command(command)
    return app
