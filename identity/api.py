"""Login, and staff access to residents, centers and accounts (a resident's own: me.api)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import RequestEntityTooLarge

from core.api import Blueprint, also_returns, whole
from core.auth import STAFF_ROLES, auth_required, current_principal
from core.csvfiles import csv_response
from core.db import utcnow
from core.errors import DomainError
from core.localtime import district_zone
from core.ratelimit import limiter
from identity import (
    audit,
    lockout,
    member_cards,
    merging,
    privacy,
    service,
    sessions,
    staff_accounts,
    wechat,
)
from identity.member_cards import PrintedCard
from identity.models import Center, MemberCard, Resident, Staff
from identity.schemas import (
    ConditionsSchema,
    IssuedMemberCardSchema,
    MemberCardIssueSchema,
    MemberCardRevokeSchema,
    MemberCardSchema,
    RefreshedTokensSchema,
    RefreshSchema,
    ResidentCreateSchema,
    ResidentDetailSchema,
    ResidentPageSchema,
    ResidentQueryArgsSchema,
    ResidentSchema,
    ResidentTokensSchema,
    StaffLoginSchema,
    StaffTokensSchema,
    WeChatLoginSchema,
)
from identity.staff_schemas import (
    AuditPageSchema,
    AuditQueryArgsSchema,
    CenterCreateSchema,
    CenterPageSchema,
    CenterSchema,
    CenterUpdateSchema,
    OwnAccountUpdateSchema,
    PasswordChangeSchema,
    PasswordResetSchema,
    StaffAccountSchema,
    StaffCreateSchema,
    StaffQueryArgsSchema,
    StaffUpdateSchema,
)
from identity.tokens import REFRESH, decode_claims

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in")
residents_blp = Blueprint(
    "residents", __name__, url_prefix="/api/v1/residents", description="Residents, for staff"
)
centers_blp = Blueprint("centers", __name__, url_prefix="/api/v1/centers", description="Centers")
staff_blp = Blueprint("staff", __name__, url_prefix="/api/v1/staff", description="Staff accounts")
audit_blp = Blueprint(
    "audit", __name__, url_prefix="/api/v1/audit", description="The personal-data audit trail"
)

blueprints = (auth_blp, residents_blp, centers_blp, staff_blp, audit_blp)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]  # type: ignore[no-any-return]


def _wechat_login_limit() -> str:
    return current_app.config["WECHAT_LOGIN_RATE_LIMIT"]  # type: ignore[no-any-return]


def _refresh_limit() -> str:
    return current_app.config["REFRESH_RATE_LIMIT"]  # type: ignore[no-any-return]


def _refresh_token_account() -> str:
    """Whose login the body's refresh token belongs to (expired or not: we signed it), so
    residents sharing a lecture hall's one address do not share a budget, and an old token
    someone kept cannot spend the budget of the resident's current login; the client
    address for a token we did not sign."""
    try:
        body = request.get_json(silent=True)
    except RequestEntityTooLarge:  # the view refuses it (413) before looking at any token
        body = None
    token = body.get("refresh_token") if isinstance(body, dict) else None
    if isinstance(token, str):
        try:
            claims = decode_claims(token, REFRESH, verify_expiry=False)
        except DomainError:
            pass
        else:
            return f"{claims.principal.kind}:{claims.principal.id}:{claims.session}"
    return get_remote_address()


def _tokens_for(account: Resident | Staff, tokens: dict[str, Any] | None = None) -> dict[str, Any]:
    tokens = tokens or sessions.start(account)
    return {**tokens, "staff" if isinstance(account, Staff) else "resident": account}


@auth_blp.post("/wechat")
@limiter.limit(_wechat_login_limit)
@auth_blp.arguments(WeChatLoginSchema)
@auth_blp.response(200, ResidentTokensSchema)
def wechat_login(args: dict[str, Any]) -> dict[str, Any]:
    """Log a resident in with the mini-program's ``wx.login`` code, recording the privacy
    policy they accepted when `privacy_version` is sent and is the current one. An older
    version logs in all the same: `privacy` then says they must accept the current policy."""
    resident = service.resident_for_wechat(wechat.identify(args["code"], current_app.config))
    if args["privacy_version"] is not None:
        privacy.accept_at_login(resident, args["privacy_version"], privacy.current_version())
    return {
        **_tokens_for(resident),
        "privacy": privacy.state(resident.id, privacy.current_version()),
    }


@auth_blp.post("/login")
@limiter.limit(_login_limit)
@auth_blp.arguments(StaffLoginSchema)
@auth_blp.response(200, StaffTokensSchema)
def staff_login(args: dict[str, Any]) -> dict[str, Any]:
    """Log a staff member in with username and password; repeated failures lock the username
    for a while (`account_locked`, with `Retry-After`)."""
    staff = lockout.authenticate_staff(
        args["username"], args["password"], current_app.config["LOGIN_LOCKOUT"]
    )
    return _tokens_for(staff)


@auth_blp.post("/refresh")
@limiter.limit(_refresh_limit, key_func=_refresh_token_account)
@auth_blp.arguments(RefreshSchema)
@auth_blp.response(200, RefreshedTokensSchema)
def refresh(args: dict[str, Any]) -> dict[str, Any]:
    """Trade a refresh token for a new pair; the refresh token is spent (`token_revoked` when
    it is used again, and then every token of that login is revoked). Limited per account
    (`rate_limited`, with `Retry-After`), not per client address."""
    return _tokens_for(*sessions.refresh(args["refresh_token"]))


@auth_blp.post("/logout")
@auth_blp.arguments(RefreshSchema)
@auth_blp.response(204)
def logout(args: dict[str, Any]) -> None:
    """End a login: its refresh token (and every one refreshed from the same login) is revoked."""
    sessions.end(args["refresh_token"])


@auth_blp.route("/me")
class OwnAccount(MethodView):
    @auth_blp.response(200, StaffAccountSchema)
    @auth_required(*STAFF_ROLES)
    def get(self) -> Staff:
        """The staff account logged in."""
        return staff_accounts.get_staff(current_principal().id)

    @auth_blp.response(200, StaffAccountSchema)
    @auth_required(*STAFF_ROLES)
    @auth_blp.arguments(OwnAccountUpdateSchema)
    def put(self, changes: dict[str, Any]) -> Staff:
        """Set one's own `email`, and `weekly_report` (managers and admins: the weekly report
        by e-mail, which needs an e-mail); fields left out stay."""
        return staff_accounts.update_own_account(current_principal(), changes)


@auth_blp.post("/password")
@limiter.limit(_login_limit)
@auth_blp.response(204)
@auth_required(*STAFF_ROLES)
@auth_blp.arguments(PasswordChangeSchema)
def change_password(args: dict[str, Any]) -> None:
    """Change one's own password; other logins of the account can no longer refresh."""
    staff_accounts.change_own_password(
        current_principal(), sessions.current_session(), args["old_password"], args["new_password"]
    )


@residents_blp.route("")
class Residents(MethodView):
    @residents_blp.response(200, ResidentPageSchema)
    @auth_required(*STAFF_ROLES)
    @residents_blp.arguments(ResidentQueryArgsSchema, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Find residents by phone (full or last digits) or name; phones come back masked."""
        return service.search_residents(
            current_principal(), args["q"], args["limit"], args["cursor"]
        )

    @residents_blp.response(201, ResidentSchema)
    @auth_required(*STAFF_ROLES)
    @residents_blp.arguments(ResidentCreateSchema)
    def post(self, args: dict[str, Any]) -> Resident:
        """Register a resident at the desk (for people without a smartphone)."""
        return service.register_resident(
            current_principal(), args["name"], args["phone"], args["center_id"]
        )


@residents_blp.get("/<id:resident_id>")
@residents_blp.response(200, ResidentDetailSchema)
@auth_required(*STAFF_ROLES)
def get_resident(resident_id: int) -> merging.OpenedRecord:
    """Open a resident's record (audited), with condition tags, consents, member card and
    the records of the actor's center that may be the same person."""
    actor = current_principal()
    return merging.opened(actor, audit.resident_for_staff(actor, resident_id))


@residents_blp.put("/<id:resident_id>/conditions")
@residents_blp.response(200, ResidentDetailSchema)
@auth_required(*STAFF_ROLES)
@residents_blp.arguments(ConditionsSchema)
def set_conditions(args: dict[str, Any], resident_id: int) -> merging.OpenedRecord:
    """Replace a resident's chronic-condition tags; needs their consent (`consent_required`)."""
    actor = current_principal()
    resident = audit.resident_for_staff(actor, resident_id)
    service.set_conditions(actor, resident, args["conditions"])
    return merging.opened(actor, resident)


@residents_blp.route("/<id:resident_id>/member-card")
class ResidentMemberCard(MethodView):
    @residents_blp.response(201, IssuedMemberCardSchema)
    @auth_required(*STAFF_ROLES)
    @residents_blp.arguments(MemberCardIssueSchema)
    def post(self, args: dict[str, Any], resident_id: int) -> PrintedCard:
        """Print a member card for a resident without a smartphone: its `code` goes on the
        card as a QR, and the desk reads it like the phone's member code. The code is in this
        answer only (the server keeps its hash). A resident with a live card gets another
        only with `reissue_reason`, which revokes that card (`member_card_exists` otherwise):
        so too when this answer was lost on the way."""
        actor = current_principal()
        resident = audit.resident_for_staff(actor, resident_id)
        return member_cards.issue(actor, resident, utcnow(), replacing=args["reissue_reason"])

    @residents_blp.response(200, MemberCardSchema)
    @auth_required(*STAFF_ROLES)
    @residents_blp.arguments(MemberCardRevokeSchema)
    def delete(self, args: dict[str, Any], resident_id: int) -> MemberCard:
        """Revoke the resident's live member card (lost, stolen): a scan of it is then
        refused with `card_revoked`. `not_found` when they have no card in use."""
        actor = current_principal()
        resident = audit.resident_for_staff(actor, resident_id)
        return member_cards.revoke(actor, resident, args["reason"], utcnow())


@centers_blp.route("")
class Centers(MethodView):
    @centers_blp.response(200, CenterPageSchema)
    @auth_required()
    def get(self) -> dict[str, Any]:
        """Every center of the district (a hundred or so: one page, `next_cursor` null)."""
        return whole(service.list_centers())

    @centers_blp.response(201, CenterSchema)
    @auth_required("admin")
    @centers_blp.arguments(CenterCreateSchema)
    def post(self, args: dict[str, Any]) -> Center:
        """Add a center (admin)."""
        return service.create_center(args["name"], args["address"])


@centers_blp.patch("/<id:center_id>")
@centers_blp.response(200, CenterSchema)
@auth_required("admin")
@centers_blp.arguments(CenterUpdateSchema)
def update_center(changes: dict[str, Any], center_id: int) -> Center:
    """Rename a center or change its address (admin); `address: null` clears it."""
    return service.update_center(center_id, changes)


@staff_blp.route("")
class StaffAccounts(MethodView):
    @staff_blp.response(200, StaffAccountSchema(many=True))
    @auth_required("admin", "manager")
    @staff_blp.arguments(StaffQueryArgsSchema, location="query")
    def get(self, args: dict[str, Any]) -> list[Staff]:
        """Staff accounts: all for an admin or district manager, a center's for its manager;
        narrowed by `center_id`, `role` and `active`."""
        return staff_accounts.list_staff(current_principal(), **args)

    @staff_blp.response(201, StaffAccountSchema)
    @auth_required("admin")
    @staff_blp.arguments(StaffCreateSchema)
    def post(self, args: dict[str, Any]) -> Staff:
        """Create a staff account (admin)."""
        return staff_accounts.create_staff(**args)


@staff_blp.patch("/<id:staff_id>")
@staff_blp.response(200, StaffAccountSchema)
@auth_required("admin")
@staff_blp.arguments(StaffUpdateSchema)
def update_staff(changes: dict[str, Any], staff_id: int) -> Staff:
    """Change a staff account's role, center or `active` (admin). A new role or center, or
    deactivation, revokes the account's tokens at once (`token_revoked`)."""
    return staff_accounts.update_staff(current_principal(), staff_id, changes)


@staff_blp.post("/<id:staff_id>/password")
@staff_blp.response(204)
@auth_required("admin")
@staff_blp.arguments(PasswordResetSchema)
def reset_staff_password(args: dict[str, Any], staff_id: int) -> None:
    """Set a staff member's password (admin); every token of theirs is revoked."""
    staff_accounts.reset_password(current_principal(), staff_id, args["password"])


@audit_blp.get("")
@audit_blp.response(200, AuditPageSchema)
@also_returns(AuditPageSchema, "text/csv")
@auth_required("admin")
@audit_blp.arguments(AuditQueryArgsSchema, location="query")
def audit_trail(filters: dict[str, Any]) -> Any:
    """Who read or changed which resident's data or staff account, when: newest first, by who
    acted (`actor_id`), whose data (`resident_id`), `action` (or its start) and district days
    `from`..`to` (admin). `format=csv` downloads every event selected (the download is itself
    recorded, `audit.export`)."""
    filters["from"] = filters.pop("from_")
    tz = district_zone()
    if filters["format"] == "csv":
        return csv_response(audit.export_audit(current_principal(), filters, tz), "audit.csv")
    return audit.audit_page(filters, filters["limit"], filters["cursor"], tz)
