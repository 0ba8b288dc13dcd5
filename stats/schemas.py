"""What the statistics endpoints take and give."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import validate

from core.api import FIRST_DAY, LAST_DAY, CenterRefSchema, LocalDateTime, day_field, id_field
from points.models import ACTIVITIES
from stats.periods import INTERVALS, Period
from stats.weekly import FIGURES, Week

#: Enough for ten years of monthly buckets or a year of daily ones, plus room.
MAX_DAYS = {"day": 731, "week": 3660, "month": 36600}


class StatsQueryArgsSchema(ma.Schema):
    """``?from=&to=`` (days included, district time) and ``center_id`` for one center."""

    from_ = day_field(data_key="from", required=True)
    to = day_field(required=True)
    center_id = id_field(load_default=None)
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))

    @ma.validates_schema
    def from_before_to(self, data: dict[str, Any], **_: object) -> None:
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ma.ValidationError("'from' must not be after 'to'.", "to")

    @ma.post_load
    def period(self, data: dict[str, Any], **_: object) -> dict[str, Any]:
        data["period"] = Period(data.pop("from_"), data.pop("to"))
        return data


class ParticipationQueryArgsSchema(StatsQueryArgsSchema):
    interval = ma.fields.String(load_default="month", validate=validate.OneOf(INTERVALS))
    group_by = ma.fields.String(load_default="kind", validate=validate.OneOf(("kind", "center")))

    @ma.validates_schema
    def not_too_many_buckets(self, data: dict[str, Any], **_: object) -> None:
        if "from_" in data and "to" in data:
            days = (data["to"] - data["from_"]).days + 1
            interval = data.get("interval", "month")
            if days > MAX_DAYS[interval]:
                raise ma.ValidationError(
                    f"At most {MAX_DAYS[interval]} days by {interval}; choose a longer interval.",
                    "to",
                )


class RankingQueryArgsSchema(StatsQueryArgsSchema):
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class EventRankingQueryArgsSchema(RankingQueryArgsSchema):
    kind = ma.fields.String(
        load_default=None,
        validate=validate.OneOf(ACTIVITIES),
        metadata={"description": "Events of this kind only (the yearly report's lectures)"},
    )


def _counts_by_activity(**kwargs: Any) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(validate=validate.OneOf(ACTIVITIES)),
        values=ma.fields.Integer(),
        required=True,
        **kwargs,
    )


class PeriodSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from", required=True)
    to = ma.fields.Date(required=True)


def _center_field() -> ma.fields.Nested:
    return ma.fields.Nested(
        CenterRefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The center the figures are for; null for the district"},
    )


class ItemHandedOutSchema(ma.Schema):
    item_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True)
    redemptions = ma.fields.Integer(required=True)


class FiguresSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    events = _counts_by_activity(
        metadata={"description": "Events that started in the period and took place"}
    )
    events_total = ma.fields.Integer(required=True)
    checkins = _counts_by_activity(metadata={"description": "Attendances (人次), not annulled"})
    checkins_total = ma.fields.Integer(required=True)
    unique_participants = ma.fields.Integer(required=True)
    new_participants = ma.fields.Integer(
        required=True, metadata={"description": "First check-in ever (in scope) in the period"}
    )
    repeat_participants = ma.fields.Integer(required=True)
    repeat_rate = ma.fields.Float(required=True, allow_none=True)
    points_issued = ma.fields.Integer(required=True)
    points_redeemed = ma.fields.Integer(required=True)
    points_expired = ma.fields.Integer(required=True)
    points_adjusted = ma.fields.Integer(required=True)
    points_outstanding = ma.fields.Integer(
        required=True, metadata={"description": "Held by the scope's residents at the end"}
    )
    redemptions = ma.fields.List(ma.fields.Nested(ItemHandedOutSchema), required=True)
    gifts_handed_out = ma.fields.Integer(required=True)


def _growth_field(description: str) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Float(allow_none=True),
        required=True,
        metadata={"description": description},
    )


class SummarySchema(FiguresSchema):
    center_id = ma.fields.Integer(required=True, allow_none=True)
    center = _center_field()
    previous_period = ma.fields.Nested(FiguresSchema, required=True)
    same_period_last_year = ma.fields.Nested(FiguresSchema, required=True)
    growth = _growth_field(
        "(this - same period last year) / that; null where that is 0. `checkins` is total"
        " attendances (as `checkins_total`)"
    )
    growth_vs_previous_period = _growth_field("The same against the previous period")


class BucketSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from", required=True)
    to = ma.fields.Date(required=True)
    checkins = ma.fields.Integer(required=True)
    unique_participants = ma.fields.Integer(required=True)
    groups = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "Check-ins by kind, or by center id"},
    )


class ParticipationSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    interval = ma.fields.String(required=True)
    group_by = ma.fields.String(required=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    center = _center_field()
    centers = ma.fields.List(
        ma.fields.Nested(CenterRefSchema),
        required=True,
        metadata={"description": "The scope's centers: their ids key the groups by center"},
    )
    buckets = ma.fields.List(ma.fields.Nested(BucketSchema), required=True)


class ComplianceCountsSchema(ma.Schema):
    due = ma.fields.Integer(
        required=True, metadata={"description": "Due in the period, by today at the latest"}
    )
    done_on_time = ma.fields.Integer(required=True)
    done_late = ma.fields.Integer(required=True)
    overdue = ma.fields.Integer(required=True, metadata={"description": "Its day passed undone"})
    open = ma.fields.Integer(required=True, metadata={"description": "Due today, not done yet"})
    not_yet_due = ma.fields.Integer(
        required=True, metadata={"description": "Due later in the period: not in the rate"}
    )
    on_time_rate = ma.fields.Float(
        required=True, allow_none=True, metadata={"description": "done_on_time / due"}
    )


class ComplianceRowSchema(ComplianceCountsSchema):
    center_id = ma.fields.Integer(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)
    month = ma.fields.String(required=True, metadata={"example": "2025-03"})


class ComplianceSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    center = _center_field()
    rows = ma.fields.List(ma.fields.Nested(ComplianceRowSchema), required=True)
    total = ma.fields.Nested(ComplianceCountsSchema, required=True)


class EventAttendanceSchema(ma.Schema):
    event_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    center_id = ma.fields.Integer(required=True)
    center = ma.fields.Nested(CenterRefSchema, required=True)
    starts_at = LocalDateTime(required=True)
    capacity = ma.fields.Integer(required=True, allow_none=True)
    attendance = ma.fields.Integer(required=True)
    fill_rate = ma.fields.Float(required=True, allow_none=True)


class EventRankingSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    center = _center_field()
    items = ma.fields.List(ma.fields.Nested(EventAttendanceSchema), required=True)


class ItemRankingSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    center = _center_field()
    items = ma.fields.List(ma.fields.Nested(ItemHandedOutSchema), required=True)


class WeekField(ma.fields.String):
    """An ISO week, ``2026-W09``: Monday to Sunday in the district's time zone."""

    default_error_messages: ClassVar[dict[str, str]] = {"week": "Not an ISO week (YYYY-Www)."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Week:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            week = Week.parse(text)
        except ValueError:
            raise self.make_error("week") from None
        if not FIRST_DAY.year < week.year <= LAST_DAY.year:
            raise self.make_error("week")
        return week


class WeeklyQueryArgsSchema(ma.Schema):
    week = WeekField(
        load_default=None,
        metadata={"description": "`YYYY-Www`; the last complete week by default"},
    )
    center_id = id_field(load_default=None)
    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "html")))


class WeekSchema(ma.Schema):
    week = ma.fields.String(required=True, metadata={"example": "2026-W09"})
    period = ma.fields.Nested(PeriodSchema, required=True)


class WeeklyFigureSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=validate.OneOf(tuple(FIGURES)))
    label = ma.fields.String(required=True, metadata={"description": "In the reader's language"})
    value = ma.fields.Integer(required=True)
    previous = ma.fields.Integer(required=True, metadata={"description": "The week before"})
    last_year = ma.fields.Integer(
        required=True, metadata={"description": "The same ISO week a year earlier"}
    )
    change_vs_previous = ma.fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "(value - previous) / previous; null where previous is 0"},
    )
    change_vs_last_year = ma.fields.Float(
        required=True, allow_none=True, metadata={"description": "The same against last year"}
    )


class WeeklyReportSchema(WeekSchema):
    previous_week = ma.fields.Nested(WeekSchema, required=True)
    same_week_last_year = ma.fields.Nested(WeekSchema, required=True)
    center_id = ma.fields.Integer(required=True, allow_none=True)
    center = _center_field()
    figures = ma.fields.List(
        ma.fields.Nested(WeeklyFigureSchema),
        required=True,
        metadata={
            "description": "events_held, checkins, participants, new_participants (first"
            " check-in), new_residents (registered), followups_done and followups_overdue (of"
            " those due in the week, as /stats/followups counts them), followups_reached (by"
            " phone in the week), points_issued, points_redeemed, gifts_handed_out"
        },
    )
