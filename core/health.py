"""``GET /api/v1/health``: the process is up and the database answers."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.api import Blueprint
from core.db import db
from core.errors import Unavailable
from core.i18n import _l

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Liveness")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)


@blp.get("")
@blp.response(200, HealthSchema)
def health() -> dict[str, str]:
    """200 when the database answers, 503 `unavailable` otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Unavailable(_l("The database is not answering.")) from None
    return {"status": "ok"}
