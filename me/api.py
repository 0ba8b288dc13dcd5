"""``/api/v1/me``: what a resident calls about themselves. Each view parses, lets only the
resident in, calls one service function and answers through the owning domain's schema."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from core.api import Blueprint, PageArgsSchema, also_returns
from core.auth import RESIDENT, auth_required, current_principal
from core.codes import current_keys, qr_image
from core.db import utcnow
from core.idempotency import idempotent
from core.localtime import district_today, district_zone, local_date
from events import followups, listing
from events.schemas import MyFollowUpPageSchema
from events.signup_schemas import SignupPageSchema
from identity import privacy, wechat
from identity.models import Consent
from identity.schemas import (
    ConsentGrantSchema,
    ConsentSchema,
    MemberCodeQueryArgsSchema,
    MemberCodeSchema,
    MeSchema,
    PhoneCodeSchema,
    PrivacyAcceptSchema,
    PrivacySchema,
)
from me import service as me
from me.schemas import MeChangeSchema, MeChoicesSchema, MePointsSchema
from merging.schemas import LinkedSchema, LinkSchema
from points.expiry import current_settings
from points.history import ledger_page
from points.schemas import LedgerPageSchema
from privacy import closure, export
from privacy.schemas import DataCopySchema

blp = Blueprint(
    "me",
    __name__,
    url_prefix="/api/v1/me",
    description="The resident's own account: profile and points, phone, privacy policy, "
    "member code, linking a desk record, consents, follow-ups, sign-ups, a copy of their data "
    "(PIPL Art. 45), closing the account (Art. 47)",
)

blueprints = (blp,)

#: Browsers and ``wx.downloadFile`` save the copy under this name.
COPY_FILENAME = "health-points-my-data.json"


@blp.get("")
@blp.response(200, MePointsSchema)
@auth_required(RESIDENT)
def me_with_points() -> dict[str, Any]:
    """The resident's profile, home center, balance, what they can spend now, and what
    expires when."""
    return me.profile_with_points(
        current_principal().id, privacy.current_version(), current_settings()
    )


@blp.route("", methods=["PUT", "PATCH"])
@blp.response(200, MeChoicesSchema)
@auth_required(RESIDENT)
@blp.arguments(MeChangeSchema)
def update_me(changes: dict[str, Any]) -> dict[str, Any]:
    """Change name or home center, or remove the phone number, or choose whether to appear
    on the leaderboard (`leaderboard_opt_in`); only the fields sent change.
    PUT and PATCH are the same (WeChat's `wx.request` has no PATCH). A number is refused
    (`validation_error`): it comes from `POST /me/phone`."""
    return me.update_profile(current_principal().id, changes, privacy.current_version())


@blp.delete("")
@idempotent
@blp.response(204)
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


@blp.get("/ledger")
@blp.response(200, LedgerPageSchema)
@auth_required(RESIDENT)
@blp.arguments(PageArgsSchema, location="query")
def my_ledger(args: dict[str, Any]) -> dict[str, Any]:
    """Every change of the resident's points, newest first, each with its reason."""
    return ledger_page(current_principal().id, args["limit"], args["cursor"])


@blp.post("/phone")
@blp.response(200, MeSchema)
@auth_required(RESIDENT)
@blp.arguments(PhoneCodeSchema)
def verify_phone(args: dict[str, Any]) -> dict[str, Any]:
    """Set the resident's phone number from WeChat's phone button: the server trades its code
    for the number WeChat verified. Refusals: `wechat_phone_failed` (400 a bad or used code,
    503 WeChat unreachable), `phone_taken` (409: another resident verified this number)."""
    return me.verify_phone(
        current_principal().id,
        args["code"],
        current_app.config,
        wechat.access_tokens(),
        utcnow(),
        privacy.current_version(),
    )


@blp.post("/link")
@blp.response(200, LinkedSchema)
@auth_required(RESIDENT)
@blp.arguments(LinkSchema)
def link(args: dict[str, Any]) -> dict[str, Any]:
    """Join the record the desk registered for this resident to this WeChat account, with the
    link code the desk showed (`POST /residents/{id}/link-code`): one resident afterwards,
    the desk's, keeping its ledger, check-ins, follow-ups, consents and member card, and
    taking this account's points, check-ins and gifts. Answers as a WeChat login does: go on
    with the new tokens (the old ones are revoked; a later `wx.login` finds the joined
    resident).

    Where both records checked in to one event, the desk record's check-in stands and this
    account's is annulled, its points taken back; those spent already stay spent.

    Refusals: `link_code_unknown` (404), `link_code_used` (409: each code works once),
    `link_code_expired` (410), `resident_has_wechat` (409: the record has a WeChat account
    already), `already_merged` (409: the desk record was merged into another meanwhile; ask
    the desk for a code of that one), `rate_limited` (429, with `Retry-After`:
    `LINK_CODE_LOCKOUT` wrong codes), `token_revoked` (401: this account was joined or
    closed already), `unavailable` (503, with `Retry-After`: a check-in of one of the two
    records was under way at that moment; nothing was joined, send it again).

    No `Idempotency-Key`: its replay would keep this answer's tokens in the database. A retry
    of a lost answer is safe without it: the account it came from is joined, so its token is
    `401 token_revoked`, and `wx.login` logs in to the joined resident."""
    config = current_app.config
    return me.link(
        current_principal().id,
        args["code"],
        utcnow(),
        config["LINK_CODE_LOCKOUT"],
        privacy.current_version(),
    )


@blp.post("/privacy")
@blp.response(200, PrivacySchema)
@auth_required(RESIDENT)
@blp.arguments(PrivacyAcceptSchema)
def accept_privacy_policy(args: dict[str, Any]) -> privacy.PrivacyState:
    """Record that the resident accepted the privacy policy shown (again after a new version);
    every version accepted is kept. `privacy_version_mismatch` (409) when `version` is not the
    current one."""
    return me.accept_privacy_policy(
        current_principal().id, args["version"], privacy.current_version()
    )


@blp.get("/member-code")
@blp.response(200, MemberCodeSchema)
@also_returns(MemberCodeSchema, "image/png", "image/svg+xml")
@auth_required(RESIDENT)
@blp.arguments(MemberCodeQueryArgsSchema, location="query")
def member_code(args: dict[str, Any]) -> Any:
    """The code the desk scans to identify the resident; a new one every 30 seconds.
    `image_url` draws it for an `<image>` tag (no header needed) while the code lives."""
    base_url = current_app.config["PUBLIC_BASE_URL"]
    code = me.member_code(current_principal().id, current_keys(), utcnow(), base_url)
    if args["format"] == "json":
        return code
    body, content_type = qr_image(code["code"], args["format"])
    return Response(body, content_type=content_type)


@blp.post("/consents")
@blp.response(201, ConsentSchema)
@auth_required(RESIDENT)
@blp.arguments(ConsentGrantSchema)
def grant_consent(args: dict[str, Any]) -> Consent:
    """Record the resident's consent (e.g. to have chronic conditions recorded)."""
    return me.grant_consent(current_principal().id, args["purpose"], args["version"])


@blp.delete("/consents/<string:purpose>")
@blp.response(200, ConsentSchema)
@auth_required(RESIDENT)
def withdraw_consent(purpose: str) -> Consent:
    """Withdraw a consent; what it allowed us to keep is erased."""
    return me.withdraw_consent(current_principal().id, purpose)


@blp.get("/followups")
@blp.response(200, MyFollowUpPageSchema)
@auth_required(RESIDENT)
@blp.arguments(PageArgsSchema, location="query")
def my_followups(args: dict[str, Any]) -> dict[str, Any]:
    """The resident's follow-ups: the ones to do by due date (overdue ones first), then the
    done ones, latest first; each with its due day, status and center, never the condition."""
    return followups.my_followups(
        current_principal().id, district_today(), args["limit"], args["cursor"]
    )


@blp.get("/signups")
@blp.response(200, SignupPageSchema)
@auth_required(RESIDENT)
@blp.arguments(PageArgsSchema, location="query")
def my_signups(args: dict[str, Any]) -> dict[str, Any]:
    """The resident's sign-ups (报名) for events not yet ended, soonest first; an event
    cancelled since stays listed, its `cancelled_at` set."""
    return listing.my_signups(current_principal().id, utcnow(), args["limit"], args["cursor"])


@blp.get("/export")
@blp.response(200, DataCopySchema)
@auth_required(RESIDENT)
def export_my_data() -> tuple[dict[str, Any], int, dict[str, str]]:
    """A copy of everything held about the resident: profile (phone in full), consents,
    condition tags, check-ins, sign-ups, the whole ledger, gifts, follow-ups (with their
    condition), and who on the staff side read or changed their record (role and center, no
    names).
    Audited (`resident.export`); a closed account's token is `401 token_revoked`."""
    now = utcnow()
    copy = export.copy_for(current_principal(), now, local_date(now, district_zone()))
    return copy, 200, {"Content-Disposition": f'attachment; filename="{COPY_FILENAME}"'}
