"""Every statistics table as a :class:`~core.exports.Table` with Chinese headers, for the API's
CSV and the dashboard's CSV and Excel downloads."""

from __future__ import annotations

from typing import Any

from core.exports import Table
from points.models import ACTIVITY_NAMES
from stats.figures import GROWTH_KEYS
from stats.followups import COUNTS
from stats.schemas import EventAttendanceSchema, ItemHandedOutSchema

#: The summary's figures, one per line.
SUMMARY_FIGURES = (
    "events_total",
    "checkins_total",
    "unique_participants",
    "new_participants",
    "repeat_participants",
    "repeat_rate",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_adjusted",
    "points_outstanding",
    "gifts_handed_out",
)

#: What managers read for each figure and column (a key not here is shown as it is).
LABELS = {
    "events_total": "活动场次",
    "checkins_total": "签到人次",
    "unique_participants": "参与人数",
    "new_participants": "首次参与人数",
    "repeat_participants": "多次参与人数",
    "repeat_rate": "多次参与率",
    "points_issued": "发放积分",
    "points_redeemed": "兑换积分",
    "points_expired": "过期积分",
    "points_adjusted": "调整积分",
    "points_outstanding": "未使用积分",
    "gifts_handed_out": "发放礼品数",
    "events": "活动场次",
    "checkins": "签到人次",
    "from": "开始日期",
    "to": "结束日期",
    "center_id": "中心编号",
    "center": "中心",
    "month": "月份",
    "due": "应随访",
    "done_on_time": "按时随访",
    "done_late": "逾期后随访",
    "overdue": "逾期未随访",
    "open": "未到期",
    "on_time_rate": "按时随访率",
    "event_id": "活动编号",
    "title": "活动名称",
    "kind": "类型",
    "starts_at": "开始时间",
    "capacity": "名额",
    "attendance": "签到人次",
    "fill_rate": "满座率",
    "item_id": "礼品编号",
    "name": "名称",
    "quantity": "数量",
    "points": "积分",
    "redemptions": "兑换次数",
}


def _label(key: str) -> str:
    return LABELS.get(key, ACTIVITY_NAMES.get(key, key))


def summary_table(summary: dict[str, Any]) -> Table:
    """One line per figure: this period, the previous one, the same a year ago, growth.

    For a whole year the previous period is the year before: one column says so, not two.
    """
    previous, last_year = summary["previous_period"], summary["same_period_last_year"]
    bases = [previous, last_year]
    header = ["指标", f"本期 {_period(summary)}", f"上期 {_period(previous)}"]
    if previous["period"] == last_year["period"]:
        bases = [previous]
        header[-1] = f"上期（去年同期） {_period(previous)}"
    else:
        header.append(f"去年同期 {_period(last_year)}")
    center = _value("center", summary["center"])
    lines: list[list[Any]] = [[_label("center"), center, *(center for _ in bases), None]]
    for key in SUMMARY_FIGURES:
        growth = summary["growth"].get(key) if key in GROWTH_KEYS else None
        lines.append([_label(key), summary[key], *(base[key] for base in bases), growth])
    for group in ("events", "checkins"):
        for kind, n in summary[group].items():
            counts = (base[group][kind] for base in bases)
            lines.append([f"{_label(group)}·{_label(kind)}", n, *counts, None])
    return Table("汇总", [*header, "同比增长"], lines)


def _period(figures: dict[str, Any]) -> str:
    return f"{figures['period']['from']}至{figures['period']['to']}"


def participation_table(series: dict[str, Any]) -> Table:
    """Check-ins by kind, or by center: then headed by the centers' names."""
    groups = sorted({key for bucket in series["buckets"] for key in bucket["groups"]})
    headings = {group: _label(group) for group in groups}
    if series["group_by"] == "center":
        headings |= {str(center["id"]): center["name"] for center in series["centers"]}
    columns = ["from", "to", "checkins", "unique_participants"]
    return Table(
        "参与情况",
        [*(_label(column) for column in columns), *(headings[group] for group in groups)],
        [
            [b["from"], b["to"], b["checkins"], b["unique_participants"]]
            + [b["groups"].get(group, 0) for group in groups]
            for b in series["buckets"]
        ],
    )


def compliance_table(report: dict[str, Any]) -> Table:
    columns = ("center_id", "center", "month", *COUNTS, "on_time_rate")
    return _rows_table("随访", report["rows"], columns)


def events_table(events: list[dict[str, Any]]) -> Table:
    """The event ranking's events (``items``)."""
    return _rows_table("活动排行", events, tuple(EventAttendanceSchema().fields))


def items_table(items: list[dict[str, Any]]) -> Table:
    """Gifts handed out: the gift ranking's ``items``, or the summary's ``redemptions``."""
    return _rows_table("礼品发放", items, tuple(ItemHandedOutSchema().fields))


def _rows_table(title: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Table:
    return Table(
        title,
        [_label(column) for column in columns],
        [[_value(column, row[column]) for column in columns] for row in rows],
    )


def _value(column: str, value: Any) -> Any:
    """A kind in words; a center (``{"id", "name"}``) by its name, the district's left empty."""
    if column == "kind":
        return ACTIVITY_NAMES.get(value, value)
    if isinstance(value, dict):
        return value["name"]
    return value
