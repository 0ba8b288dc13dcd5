"""Statistics for managers: a district manager sees every center, a center's manager theirs.

Every table also comes as CSV with ``format=csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from core.api import Blueprint, also_returns
from core.auth import auth_required, current_principal
from core.db import prepare_report_transaction, utcnow
from core.exports import Table, csv_download
from core.localtime import district_today, district_zone
from stats import exports, service, weekly
from stats.periods import Period
from stats.schemas import (
    ComplianceSchema,
    EventRankingQueryArgsSchema,
    EventRankingSchema,
    ItemRankingSchema,
    ParticipationQueryArgsSchema,
    ParticipationSchema,
    RankingQueryArgsSchema,
    StatsQueryArgsSchema,
    SummarySchema,
    WeeklyQueryArgsSchema,
    WeeklyReportSchema,
)

blp = Blueprint(
    "stats",
    __name__,
    url_prefix="/api/v1/stats",
    description="Participation statistics",
    template_folder="templates",
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
    return _maybe_csv(args, exports.summary_table, result, "summary")


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
    return _maybe_csv(args, exports.participation_table, result, "participation")


@blp.get("/followups")
@blp.response(200, ComplianceSchema)
@also_returns(ComplianceSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(StatsQueryArgsSchema, location="query")
def followup_compliance(args: dict[str, Any]) -> Any:
    """Follow-ups due per center and month: done on time, done late, overdue, still open."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    result = service.followup_compliance(args["period"], center_id, district_zone(), utcnow())
    return _maybe_csv(args, exports.compliance_table, result, "followups")


@blp.get("/events")
@blp.response(200, EventRankingSchema)
@also_returns(EventRankingSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(EventRankingQueryArgsSchema, location="query")
def events(args: dict[str, Any]) -> Any:
    """The period's events (of one kind with ``kind``), best attended first."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    ranking = service.event_ranking(
        args["period"], center_id, district_zone(), args["limit"], utcnow(), args["kind"]
    )
    return _maybe_csv(args, lambda r: exports.events_table(r["items"]), ranking, "events")


@blp.get("/items")
@blp.response(200, ItemRankingSchema)
@also_returns(ItemRankingSchema, "text/csv")
@auth_required(*MANAGERS)
@blp.arguments(RankingQueryArgsSchema, location="query")
def items(args: dict[str, Any]) -> Any:
    """The gifts handed out in the period (not taken back), most given first."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    ranking = service.gift_ranking(args["period"], center_id, district_zone(), args["limit"])
    return _maybe_csv(args, lambda r: exports.items_table(r["items"]), ranking, "items")


@blp.get("/weekly")
@blp.response(200, WeeklyReportSchema)
@also_returns(WeeklyReportSchema, "text/csv", "text/html")
@auth_required(*MANAGERS)
@blp.arguments(WeeklyQueryArgsSchema, location="query")
def weekly_report(args: dict[str, Any]) -> Any:
    """An ISO week's figures (the last complete week by default) beside the week before and
    the same ISO week last year; `format=html` is a printable page."""
    center_id = service.scope_for(current_principal(), args["center_id"])
    tz, now = district_zone(), utcnow()
    week = args["week"] or weekly.last_complete_week(now, tz)
    result = weekly.report(week, center_id, tz, now)
    if args["format"] == "csv":
        return csv_download(weekly.table(result), f"weekly-{week}.csv", tz)
    if args["format"] == "html":
        return Response(weekly.page(result, district_today()), content_type="text/html")
    return result


def _maybe_csv(
    args: dict[str, Any], to_table: Callable[[Any], Table], result: Any, name: str
) -> Any:
    if args["format"] != "csv":
        return result
    period: Period = args["period"]
    filename = f"{name}-{period.start}-{period.end}.csv"
    return csv_download(to_table(result), filename, district_zone())
