"""Staff views of a ledger, manager adjustments and earning rules (a resident's own: me.api)."""

from __future__ import annotations

from typing import Any

from core.api import Blueprint, PageArgsSchema
from core.auth import STAFF_ROLES, auth_required, current_principal
from core.db import utcnow
from core.idempotency import idempotent
from identity.audit import resident_for_staff
from points import adjustments, rules
from points.expiry import current_settings
from points.history import ledger_page
from points.schemas import (
    AdjustmentCreateSchema,
    LedgerPageSchema,
    MovementSchema,
    RuleQueryArgsSchema,
    RuleSchema,
    RuleUpdateSchema,
)
from points.service import Movement

ledgers_blp = Blueprint(
    "ledgers", __name__, url_prefix="/api/v1/residents", description="Residents' points, for staff"
)
rules_blp = Blueprint(
    "points_rules", __name__, url_prefix="/api/v1/points/rules", description="Earning rules"
)

blueprints = (ledgers_blp, rules_blp)


@ledgers_blp.get("/<id:resident_id>/ledger")
@ledgers_blp.response(200, LedgerPageSchema)
@auth_required(*STAFF_ROLES)
@ledgers_blp.arguments(PageArgsSchema, location="query")
def resident_ledger(args: dict[str, Any], resident_id: int) -> dict[str, Any]:
    """A resident's ledger, for staff of their center (audited)."""
    resident = resident_for_staff(current_principal(), resident_id)
    return ledger_page(resident.id, args["limit"], args["cursor"])


@ledgers_blp.post("/<id:resident_id>/adjustments")
@idempotent
@ledgers_blp.response(201, MovementSchema)
@auth_required("manager")
@ledgers_blp.arguments(AdjustmentCreateSchema)
def adjust(args: dict[str, Any], resident_id: int) -> Movement:
    """Correct a resident's points with a reason they will read (`insufficient_points`)."""
    actor = current_principal()
    resident = resident_for_staff(actor, resident_id)
    return adjustments.adjust(
        resident.id,
        args["points"],
        args["reason"],
        actor,
        center_id=actor.center_id or resident.center_id,
        expires_at=current_settings().expires_at(utcnow()),
    )


@rules_blp.get("")
@rules_blp.response(200, RuleSchema(many=True))
@auth_required(*STAFF_ROLES)
@rules_blp.arguments(RuleQueryArgsSchema, location="query")
def list_rules(args: dict[str, Any]) -> list[rules.Rule]:
    """The rules in force at a center (or the district's defaults)."""
    actor = current_principal()
    center_id = args["center_id"] if args["center_id"] is not None else actor.center_id
    return rules.rules_for(center_id)


@rules_blp.put("/<string:activity>")
@rules_blp.response(200, RuleSchema)
@auth_required("manager")
@rules_blp.arguments(RuleUpdateSchema)
def set_rule(args: dict[str, Any], activity: str) -> rules.Rule:
    """Set the points and caps for an activity at a center, or the district default."""
    return rules.set_rule(current_principal(), activity=activity, **args)
