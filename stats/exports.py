"""Every statistics table as CSV (UTF-8 with a BOM, so Excel reads the Chinese right), with
Chinese headers and local times like the other exports."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from core.csvfiles import csv_text
from points.models import ACTIVITY_NAMES
from stats.figures import GROWTH_KEYS
from stats.followups import COUNTS

#: The summary's figures, one per CSV line.
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


def summary_csv(summary: dict[str, Any], tz: ZoneInfo) -> str:
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
    return csv_text([*header, "同比增长"], lines, tz=tz)


def _period(figures: dict[str, Any]) -> str:
    return f"{figures['period']['from']}至{figures['period']['to']}"


def participation_csv(series: dict[str, Any], tz: ZoneInfo) -> str:
    """Check-ins by kind, or by center: then headed by the centers' names."""
    groups = sorted({key for bucket in series["buckets"] for key in bucket["groups"]})
    headings = {group: _label(group) for group in groups}
    if series["group_by"] == "center":
        headings |= {str(center["id"]): center["name"] for center in series["centers"]}
    columns = ["from", "to", "checkins", "unique_participants"]
    return csv_text(
        [*(_label(column) for column in columns), *(headings[group] for group in groups)],
        (
            [b["from"], b["to"], b["checkins"], b["unique_participants"]]
            + [b["groups"].get(group, 0) for group in groups]
            for b in series["buckets"]
        ),
        tz=tz,
    )


def compliance_csv(report: dict[str, Any], tz: ZoneInfo) -> str:
    columns = ("center_id", "center", "month", *COUNTS, "on_time_rate")
    return rows_csv(report["rows"], columns, tz)


def rows_csv(rows: list[dict[str, Any]], columns: tuple[str, ...], tz: ZoneInfo) -> str:
    return csv_text(
        [_label(column) for column in columns],
        ([_value(column, row[column]) for column in columns] for row in rows),
        tz=tz,
    )


def _value(column: str, value: Any) -> Any:
    """A kind in words; a center (``{"id", "name"}``) by its name, the district's left empty."""
    if column == "kind":
        return ACTIVITY_NAMES.get(value, value)
    if isinstance(value, dict):
        return value["name"]
    return value
