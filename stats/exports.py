"""Every statistics table as CSV (UTF-8 with a BOM, so Excel reads the Chinese right)."""

from __future__ import annotations

from typing import Any

from core.csvfiles import csv_text
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


def summary_csv(summary: dict[str, Any]) -> str:
    """One line per figure: this period, the previous one, the same a year ago, growth."""
    previous, last_year = summary["previous_period"], summary["same_period_last_year"]
    center = _cell(summary["center"])
    lines: list[list[Any]] = [["center", center, center, center, None]]
    for key in SUMMARY_FIGURES:
        growth = summary["growth"].get(key) if key in GROWTH_KEYS else None
        lines.append([key, summary[key], previous[key], last_year[key], growth])
    for group in ("events", "checkins"):
        for kind, n in summary[group].items():
            lines.append(
                [f"{group}.{kind}", n, previous[group][kind], last_year[group][kind], None]
            )
    return csv_text(
        ["figure", _label(summary), _label(previous), _label(last_year), "growth_vs_last_year"],
        lines,
    )


def _label(figures: dict[str, Any]) -> str:
    return f"{figures['period']['from']}..{figures['period']['to']}"


def participation_csv(series: dict[str, Any]) -> str:
    """Check-ins by kind, or by center: then headed by the centers' names."""
    groups = sorted({key for bucket in series["buckets"] for key in bucket["groups"]})
    headings = dict(zip(groups, groups, strict=True))
    if series["group_by"] == "center":
        headings |= {str(center["id"]): center["name"] for center in series["centers"]}
    return csv_text(
        ["from", "to", "checkins", "unique_participants", *(headings[g] for g in groups)],
        (
            [b["from"], b["to"], b["checkins"], b["unique_participants"]]
            + [b["groups"].get(group, 0) for group in groups]
            for b in series["buckets"]
        ),
    )


def compliance_csv(report: dict[str, Any]) -> str:
    return rows_csv(report["rows"], ("center_id", "center", "month", *COUNTS, "on_time_rate"))


def rows_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    return csv_text(columns, ([_cell(row[c]) for c in columns] for row in rows))


def _cell(value: Any) -> Any:
    """A center (``{"id", "name"}``) is written by its name; the district's is left empty."""
    if isinstance(value, dict):
        return value["name"]
    return "" if value is None else value
