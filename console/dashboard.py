"""The manager's dashboard (``/console/dashboard``) and the printable yearly report.

Every figure is the one ``/api/v1/stats`` gives for the same period and center: the views call
the same service functions (``stats.service``) and only lay their results out. A district
manager (or an admin) sees the district or picks a center; a center's manager sees their own
center whatever they ask for, as in the API. Each widget downloads as CSV or Excel through the
API's own tables (``stats.exports``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import marshmallow as ma
from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from console.plumbing import Area, console_blueprint, form_args, roles_required
from core.api import FIRST_DAY, LAST_DAY, id_field
from core.auth import current_principal
from core.db import prepare_report_transaction, utcnow
from core.exports import Table, csv_download, xlsx_download
from core.i18n import Text, _l
from core.localtime import district_minute, district_today, district_zone
from identity.service import list_centers
from points.models import ACTIVITIES
from stats import exports, service
from stats.periods import Period, month_end, month_of
from stats.schemas import ParticipationQueryArgsSchema

MANAGERS = ("manager", "admin")
bp = console_blueprint("dashboard", "/dashboard")
AREA = Area(_l("Dashboard"), "console_dashboard.index", MANAGERS)
# Like the API's reports: long reads, each statement planned for the period asked for.
bp.before_request(prepare_report_transaction)

#: The events the dashboard lists; their download holds as many as the API gives at most.
TOP_EVENTS, EVENTS_DOWNLOADED = 10, 100
#: Up to this many days the participation chart has a bar per day, beyond it one per month.
DAILY_UP_TO = 62

KIND_LABELS: dict[str, Text] = {
    "lecture": _l("Lectures"),
    "consultation": _l("Consultations"),
    "followup": _l("Follow-up visits"),
    "revisit": _l("Revisits"),
    "screening": _l("Screenings"),
}


@bp.get("")
@roles_required(*MANAGERS)
def index() -> str:
    view = _view()
    period, center_id, tz, now = view["period"], view["center_id"], district_zone(), utcnow()
    participation = service.participation(period, view["interval"], view["group_by"], center_id, tz)
    return render_template(
        "console/dashboard/index.html",
        **view,
        summary=service.summary(period, center_id, tz, now),
        participation=participation,
        chart=participation_chart(participation),
        events=service.event_ranking(period, center_id, tz, TOP_EVENTS, now),
        report_query={**_center_query(view["query"]), "year": str(period.end.year)},
        weekly_query=_center_query(view["query"]),
        quick_picks=[
            (label, _link(view["query"], pick), pick == period)
            for label, pick in quick_picks(district_today())
        ],
    )


@bp.get("/followups")
@roles_required(*MANAGERS)
def followups() -> str:
    """The follow-up compliance widget, which the page fetches once it shows: follow-ups have
    no rollup, and counting a district's year of them (a third of a second at full scale)
    would hold back the first answer, which the rollups make quick."""
    view = _view()
    compliance = service.followup_compliance(
        view["period"], view["center_id"], district_zone(), utcnow()
    )
    return render_template(
        "console/dashboard/_followups.html",
        **view,
        compliance=compliance,
        # The months (of each center) when follow-ups fell due: a year of zeros says nothing.
        compliance_rows=[row for row in compliance["rows"] if row["due"] or row["not_yet_due"]],
    )


def _widget_table(name: str, view: dict[str, Any]) -> Table:
    """One widget's table, from the service function the API calls for it."""
    period, center_id, tz, now = view["period"], view["center_id"], district_zone(), utcnow()
    if name == "summary":
        return exports.summary_table(service.summary(period, center_id, tz, now))
    if name == "participation":
        return exports.participation_table(
            service.participation(period, view["interval"], view["group_by"], center_id, tz)
        )
    if name == "followups":
        return exports.compliance_table(service.followup_compliance(period, center_id, tz, now))
    if name == "events":
        ranking = service.event_ranking(period, center_id, tz, EVENTS_DOWNLOADED, now)
        return exports.events_table(ranking["items"])
    return exports.items_table(service.gift_ranking(period, center_id, tz, None)["items"])


@bp.get("/<any(summary, participation, followups, events, items):widget>.<any(csv, xlsx):fmt>")
@roles_required(*MANAGERS)
def download(widget: str, fmt: str) -> Response:
    view = _view()
    period: Period = view["period"]
    filename = f"{widget}-{period.start}-{period.end}.{fmt}"
    return _download([_widget_table(widget, view)], filename, fmt)


def _download(tables: list[Table], filename: str, fmt: str) -> Response:
    if fmt == "csv":
        return csv_download(tables[0], filename, district_zone())
    return xlsx_download(tables, filename, district_zone())


def _view() -> dict[str, Any]:
    """The page's query (``from``, ``to``, ``center_id``, ``group_by``, ``interval``) loaded
    by the API's schema, this year by default, with the center the actor may see."""
    year = calendar_year(district_today().year)
    given = {k: v for k, v in request.args.items() if k in _QUERY and v.strip() != ""}
    args = form_args(
        ParticipationQueryArgsSchema(),
        {"from": year.start.isoformat(), "to": year.end.isoformat(), **given},
    )
    principal = current_principal()
    period: Period = args["period"]
    center_id = service.scope_for(principal, args["center_id"])
    if "interval" not in given:
        args["interval"] = "day" if period.days <= DAILY_UP_TO else "month"
    if "group_by" not in given:
        args["group_by"] = "kind" if center_id is not None else "center"
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if center_id is not None and principal.is_district_wide:
        query["center_id"] = str(center_id)
    return {
        "period": period,
        "center_id": center_id,
        "interval": args["interval"],
        "group_by": args["group_by"],
        "query": query,
        "district_wide": principal.is_district_wide,
        "centers": list_centers() if principal.is_district_wide else [],
    }


_QUERY = ("from", "to", "center_id", "group_by", "interval")


def _center_query(query: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in query.items() if key == "center_id"}


def _link(query: dict[str, str], period: Period) -> str:
    """The dashboard of ``period``, for the same center."""
    changed = {**query, "from": period.start.isoformat(), "to": period.end.isoformat()}
    return url_for(".index", **changed)


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def quick_picks(today: date) -> list[tuple[Text, Period]]:
    """This month, last month, this year and last year, as whole calendar periods."""
    this_month = Period(today.replace(day=1), month_end(today))
    last_day = this_month.start - timedelta(days=1)
    return [
        (_l("This month"), this_month),
        (_l("Last month"), Period(last_day.replace(day=1), last_day)),
        (_l("This year"), calendar_year(today.year)),
        (_l("Last year"), calendar_year(today.year - 1)),
    ]


def participation_chart(participation: dict[str, Any]) -> dict[str, Any]:
    """The participation series as the chart draws them: stacked check-ins per kind (or
    center), and the participants of each bucket as a line."""
    buckets = participation["buckets"]
    daily = participation["interval"] != "month"
    if participation["group_by"] == "kind":
        groups = [(kind, str(KIND_LABELS[kind])) for kind in ACTIVITIES]
    else:
        groups = [(str(center["id"]), center["name"]) for center in participation["centers"]]
    return {
        "labels": [b["from"].isoformat() if daily else month_of(b["from"]) for b in buckets],
        "bars": [
            {"name": name, "data": [b["groups"].get(key, 0) for b in buckets]}
            for key, name in groups
        ],
        "line": {
            "name": str(_l("Participants")),
            "data": [b["unique_participants"] for b in buckets],
        },
    }


class ReportArgsSchema(ma.Schema):
    """``?year=`` (this year by default) and ``center_id``."""

    year = ma.fields.Integer(
        load_default=lambda: district_today().year,
        validate=ma.validate.Range(min=FIRST_DAY.year, max=LAST_DAY.year),
    )
    center_id = id_field(load_default=None)


def _report_args() -> tuple[Period, int | None, dict[str, str]]:
    given = {k: v for k, v in request.args.items() if k in ("year", "center_id") and v.strip()}
    args = form_args(ReportArgsSchema(), given)
    principal = current_principal()
    center_id = service.scope_for(principal, args["center_id"])
    query = {"year": str(args["year"])}
    if center_id is not None and principal.is_district_wide:
        query["center_id"] = str(center_id)
    return calendar_year(args["year"]), center_id, query


def _report(period: Period, center_id: int | None, now: datetime) -> dict[str, Any]:
    """The yearly report's parts, each from the service function the API calls for it."""
    tz = district_zone()
    return {
        "summary": service.summary(period, center_id, tz, now),
        "months": service.participation(period, "month", "kind", center_id, tz),
        "compliance": service.followup_compliance(period, center_id, tz, now),
        "lectures": service.event_ranking(period, center_id, tz, TOP_EVENTS, now, "lecture"),
    }


@bp.get("/report")
@roles_required(*MANAGERS)
def report() -> str:
    period, center_id, query = _report_args()
    principal = current_principal()
    parts = _report(period, center_id, utcnow())
    return render_template(
        "console/dashboard/report.html",
        **parts,
        chart=participation_chart(parts["months"]),
        period=period,
        center_id=center_id,
        query=query,
        dashboard_query={
            **_center_query(query),
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
        },
        district_wide=principal.is_district_wide,
        centers=list_centers() if principal.is_district_wide else [],
        years=range(district_today().year, FIRST_DAY.year - 1, -1)[:10],
        printed_on=district_today(),
    )


@bp.get("/report.xlsx")
@roles_required(*MANAGERS)
def report_download() -> Response:
    """The yearly report as a workbook: one sheet per part."""
    period, center_id, _ = _report_args()
    parts = _report(period, center_id, utcnow())
    tables = [
        exports.summary_table(parts["summary"]),
        exports.participation_table(parts["months"]),
        exports.compliance_table(parts["compliance"]),
        exports.events_table(parts["lectures"]["items"]),
        exports.items_table(parts["summary"]["redemptions"]),
    ]
    return xlsx_download(tables, f"report-{period.start.year}.xlsx", district_zone())


@bp.context_processor
def _formats() -> dict[str, Callable[..., str]]:
    return {
        "as_growth": as_growth,
        "as_rate": as_rate,
        "kind_label": kind_label,
        "local_minute": district_minute,
    }


def as_growth(rate: float | None) -> str:
    """``+27.56%``, ``-3.10%``; ``—`` where there is nothing to grow from."""
    return "—" if rate is None else f"{rate:+.2%}"


def as_rate(rate: float | None) -> str:
    """``56.3%``; ``—`` where there is no whole to take a share of."""
    return "—" if rate is None else f"{rate:.1%}"


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
