"""Follow-ups: the staff's schedule and overdue list (a resident's own: me.api)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema
from core.auth import STAFF_ROLES, auth_required, current_principal
from core.csvfiles import csv_response
from core.localtime import district_today, district_zone
from events import followups
from events.schemas import (
    FollowUpCallCreateSchema,
    FollowUpCallPageSchema,
    FollowUpCallSchema,
    FollowUpCreateSchema,
    FollowUpPageSchema,
    FollowUpQueryArgsSchema,
    FollowUpSchema,
)

followups_blp = Blueprint(
    "followups", __name__, url_prefix="/api/v1/followups", description="Follow-ups (staff)"
)


@followups_blp.route("")
class FollowUps(MethodView):
    @followups_blp.response(201, FollowUpSchema)
    @auth_required(*STAFF_ROLES)
    @followups_blp.arguments(FollowUpCreateSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Schedule a follow-up (needs the resident's consent: `consent_required`)."""
        actor = current_principal()
        followup = followups.schedule(actor, args["resident_id"], args["condition"], args["due_on"])
        return followups.describe(followup, district_today())

    @followups_blp.response(200, FollowUpPageSchema)
    @auth_required(*STAFF_ROLES)
    @followups_blp.arguments(FollowUpQueryArgsSchema, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Follow-ups by due date; `status=overdue` is the list to phone (逾期未随访)."""
        return followups.followup_page(
            current_principal(),
            args["center_id"],
            args["status"],
            district_today(),
            args["limit"],
            args["cursor"],
            (args["due_from"], args["due_to"]),
        )


@followups_blp.route("/<id:followup_id>/calls")
class Calls(MethodView):
    @followups_blp.response(201, FollowUpCallSchema)
    @auth_required(*STAFF_ROLES)
    @followups_blp.arguments(FollowUpCallCreateSchema)
    def post(self, args: dict[str, Any], followup_id: int) -> dict[str, Any]:
        """Record a call about the follow-up: `reached`, `no_answer` or `refused`, a note, and
        a new due day agreed (it reschedules the follow-up). Audited."""
        call = followups.record_call(
            current_principal(),
            followup_id,
            args["outcome"],
            args["note"],
            args["new_due_on"],
            district_today(),
        )
        return followups.described_call(call)

    @followups_blp.response(200, FollowUpCallPageSchema)
    @auth_required(*STAFF_ROLES)
    @followups_blp.arguments(PageArgsSchema, location="query")
    def get(self, args: dict[str, Any], followup_id: int) -> dict[str, Any]:
        """The follow-up's calls, the latest first (reading the notes is audited)."""
        return followups.calls_page(current_principal(), followup_id, args["limit"], args["cursor"])


@followups_blp.get("/overdue.csv")
@followups_blp.response(200, description="CSV (UTF-8 with BOM)", content_type="text/csv")
@auth_required(*STAFF_ROLES)
@followups_blp.arguments(FollowUpQueryArgsSchema(only=("center_id",)), location="query")
def overdue_csv(args: dict[str, Any]) -> Response:
    """The overdue follow-ups with full phone numbers, for calling (the export is audited)."""
    text = followups.overdue_csv(
        current_principal(), args["center_id"], district_today(), district_zone()
    )
    return csv_response(text, "overdue-followups.csv")


blueprints = (followups_blp,)
