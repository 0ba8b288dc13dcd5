"""The resident closes their account, or takes a copy of their data."""

from __future__ import annotations

from typing import Any

from core.api import Blueprint
from core.db import utcnow
from core.localtime import district_zone
from identity.auth import RESIDENT, auth_required, current_principal
from points.idempotency import idempotent
from privacy import closure, export
from privacy.schemas import DataCopySchema

me_privacy_blp = Blueprint(
    "me_privacy",
    __name__,
    url_prefix="/api/v1/me",
    description="Closing one's account, and a copy of one's data (PIPL Art. 45 and 47)",
)

blueprints = (me_privacy_blp,)

#: Browsers and ``wx.downloadFile`` save the copy under this name.
COPY_FILENAME = "health-points-my-data.json"


@me_privacy_blp.delete("")
@idempotent
@me_privacy_blp.response(204)
@auth_required(RESIDENT)
def close_account() -> None:
    """Close the resident's account for good (the mini-program asks the resident first).

    In one transaction: open reservations are cancelled (points and stock back), the points
    left are forfeited by a ledger entry (kind `expire`, reason 账户注销), name, phone, WeChat
    ids, condition tags and follow-ups are erased, consents withdrawn (their records kept),
    every login ended, and the member code voided. The ledger, check-ins and gifts stay,
    under an anonymous account. Audited (`resident.close`).

    Afterwards every token of the account is `401 token_revoked`, a second DELETE included
    (one with the first one's `Idempotency-Key` replays its 204). Logging in with WeChat
    again starts a new, empty account.
    """
    closure.close_account(current_principal(), utcnow())


@me_privacy_blp.get("/export")
@me_privacy_blp.response(200, DataCopySchema)
@auth_required(RESIDENT)
def export_my_data() -> tuple[dict[str, Any], int, dict[str, str]]:
    """A copy of everything held about the resident: profile (phone in full), consents,
    condition tags, check-ins, the whole ledger, gifts, follow-ups (with their condition),
    and who on the staff side read or changed their record (role and center, no names).
    Audited (`resident.export`); a closed account's token is `401 token_revoked`."""
    now = utcnow()
    copy = export.copy_for(current_principal(), now, now.astimezone(district_zone()).date())
    return copy, 200, {"Content-Disposition": f'attachment; filename="{COPY_FILENAME}"'}
