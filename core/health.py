"""``GET /api/v1/health``: the process is up and the database answers; it names what is degraded."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core import ratelimit
from core.api import Blueprint
from core.db import db
from core.errors import Unavailable
from core.i18n import _l

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Liveness")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    degraded = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Dependencies not answering while the service still works: "
            "`rate_limit_storage` (limits are counted per process until it is back)"
        },
    )


@blp.get("")
@blp.response(200, HealthSchema)
def health() -> dict[str, Any]:
    """200 when the database answers, 503 `unavailable` otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Unavailable(_l("The database is not answering.")) from None
    degraded = [] if ratelimit.storage_answers() else ["rate_limit_storage"]
    return {"status": "ok", "degraded": degraded}
