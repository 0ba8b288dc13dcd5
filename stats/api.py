"""Statistics for managers: a district manager sees every center, a center's manager theirs.

Every table also comes as CSV with ``format=csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from core.api import Blueprint, also_returns
from core.auth import auth_required, current_principal
from core.csvfiles import csv_response
from core.db import prepare_report_transaction, utcnow
from core.localtime import district_zone
from stats import exports, service
from stats.periods import Period
from stats.schemas import (
    ComplianceSchema,
    EventAttendanceSchema,
    EventRankingSchema,
    ItemHandedOutSchema,
    ItemRankingSchema,
    ParticipationQueryArgsSchema,
    ParticipationSchema,
    RankingQueryArgsSchema,
    StatsQueryArgsSchema,
    SummarySchema,
)

blp = Blueprint(
    "stats", __name__, url_prefix="/api/v1/stats", description="Participation statistics"
)
blueprints = (blp,)
MANAGERS = ("manager", "admin")

# A report's queries run rarely and are planned for the period asked for.
blp.before_request(prepare_report_transaction)


@blp.get("/summary")
@blp.response(200, SummarySchema)
@also_returns(SummarySchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(StatsQueryArgsSchema, location="query")
def summary(args: dict[str, Any]) -> Any:
    """Events, attendances, participants, points and gifts of a period, with the previous
    period, the same period a year earlier and the growth (the yearly report's numbers)."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    result = service.summary(args["period"], center_id, district_zone(), utcnow())
    return _maybe_csv(args, exports.summary_csv, result, "summary")


@blp.get("/participation")
@blp.response(200, ParticipationSchema)
@also_returns(ParticipationSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(ParticipationQueryArgsSchema, location="query")
def participation(args: dict[str, Any]) -> Any:
    """Attendances and participants per day, week or month, by kind or by center."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    result = service.participation(
        args["period"], args["interval"], args["group_by"], center_id, district_zone()
    )
    return _maybe_csv(args, exports.participation_csv, result, "participation")


@blp.get("/followups")
@blp.response(200, ComplianceSchema)
@also_returns(ComplianceSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(StatsQueryArgsSchema, location="query")
def followup_compliance(args: dict[str, Any]) -> Any:
    """Follow-ups due per center and month: done on time, done late, overdue, still open."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    result = service.followup_compliance(args["period"], center_id, district_zone(), utcnow())
    return _maybe_csv(args, exports.compliance_csv, result, "followups")


@blp.get("/events")
@blp.response(200, EventRankingSchema)
@also_returns(EventRankingSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(RankingQueryArgsSchema, location="query")
def events(args: dict[str, Any]) -> Any:
    """The period's events, best attended first."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    ranking = service.event_ranking(
        args["period"], center_id, district_zone(), args["limit"], utcnow()
    )
    columns = tuple(EventAttendanceSchema().fields)
    return _maybe_csv(
        args, lambda r, tz: exports.rows_csv(r["items"], columns, tz), ranking, "events"
    )


@blp.get("/items")
@blp.response(200, ItemRankingSchema)
@also_returns(ItemRankingSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(RankingQueryArgsSchema, location="query")
def items(args: dict[str, Any]) -> Any:
    """The gifts handed out in the period (not taken back), most given first."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    ranking = service.gift_ranking(args["period"], center_id, district_zone(), args["limit"])
    columns = tuple(ItemHandedOutSchema().fields)
    return _maybe_csv(
        args, lambda r, tz: exports.rows_csv(r["items"], columns, tz), ranking, "items"
    )


def _maybe_csv(
    args: dict[str, Any], to_csv: Callable[[Any, ZoneInfo], str], result: Any, name: str
) -> Any:
    if args["format"] != "csv":
        return result
    period: Period = args["period"]
    text = to_csv(result, district_zone())
    return csv_response(text, f"{name}-{period.start}-{period.end}.csv")
