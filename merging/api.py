"""Staff's side of linking and merging residents; a resident's link is ``POST /me/link``."""

from __future__ import annotations

from typing import Any

from flask import current_app

from core.api import Blueprint
from core.auth import STAFF_ROLES, auth_required, current_principal
from core.codes import current_keys
from core.db import utcnow
from core.idempotency import idempotent
from identity import merging as identity_merging
from merging import service
from merging.schemas import (
    DuplicatePageSchema,
    DuplicatesQueryArgsSchema,
    LinkCodeSchema,
    MergedSchema,
    MergeSchema,
)

blp = Blueprint(
    "resident_links",
    __name__,
    url_prefix="/api/v1/residents",
    description="Linking a resident registered at the desk to their WeChat account, and "
    "merging two records of one person",
)

blueprints = (blp,)


@blp.post("/<id:resident_id>/link-code")
@blp.response(201, LinkCodeSchema)
@auth_required(*STAFF_ROLES)
def issue_link_code(resident_id: int) -> dict[str, Any]:
    """A one-time code that joins this resident (registered at the desk) to the WeChat
    account that scans it in the mini-program (`POST /me/link`): show its QR (`image_url`)
    on the desk screen or print it, once the person before you is the resident. It works
    for `LINK_CODE_TTL` seconds (10 minutes by default). `resident_has_wechat` (409) for a
    resident who logs in with WeChat already. Audited (`resident.link_code`)."""
    config = current_app.config
    return service.issue_link_code(
        current_principal(),
        resident_id,
        config["LINK_CODE_TTL"],
        current_keys(),
        config["PUBLIC_BASE_URL"],
        utcnow(),
    )


@blp.get("/duplicates")
@blp.response(200, DuplicatePageSchema)
@auth_required("manager")
@blp.arguments(DuplicatesQueryArgsSchema, location="query")
def duplicates(args: dict[str, Any]) -> dict[str, Any]:
    """Records that share a phone number, one group per number, newest first: the manager's
    center's, or for a district manager every center's (or `center_id`'s). A shared number
    is a lead, not proof (a family shares one): merge only those who are one person."""
    return identity_merging.duplicates(
        current_principal(), args["center_id"], args["limit"], args["cursor"]
    )


@blp.post("/<id:resident_id>/merge")
@idempotent
@blp.response(200, MergedSchema)
@auth_required("manager")
@blp.arguments(MergeSchema)
def merge(args: dict[str, Any], resident_id: int) -> service.Joined:
    """Merge the record `from_resident_id` into this one: one person, two records. Its
    points move here by ledger transactions on both records' ledgers (each keeps its expiry
    date; points held for a reservation move with it); check-ins, follow-ups, gifts,
    consents and member cards are re-pointed; its WeChat login moves here if this record
    has none. Where both checked in to one event, this record's check-in stands and the
    other's is annulled, its points taken back; those spent already stay spent
    (`duplicate_points_kept`). The merged record is closed, keeping `reason`; the merge is
    audited (`resident.merge`) on both.

    Both records must be the manager's (a center's manager: their center's). Refusals:
    `not_found` (404: either record), `already_merged` (409: either record was merged
    already, or meanwhile), `resident_has_wechat` (409: both log in with WeChat),
    `validation_error` (422: a record into itself), `idempotency_key_reused` (409),
    `unavailable` (503, with `Retry-After`: a check-in or another change of one of the two
    records was under way at that moment; nothing was merged, send it again)."""
    return service.merge(
        current_principal(), resident_id, args["from_resident_id"], args["reason"], utcnow()
    )
