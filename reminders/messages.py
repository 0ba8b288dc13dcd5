"""A reminder's words as a subscribe message: the fields of each template, and the page of
the mini-program it opens.

The templates chosen in the mini-program's admin must have these keywords: ``thing1`` (what),
``time2`` or ``date2`` (when), and ``thing3`` (where) or, for points, ``number3`` (how many).
A ``thing`` holds at most 20 characters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from reminders.models import KIND_TEMPLATES

THING_LIMIT = 20
#: The mini-program's page each template opens.
PAGES = {
    "event_reminder": "pages/events/index",
    "followup_due": "pages/followups/index",
    "points_expiring": "pages/points/index",
    "pickup_expiring": "pages/gifts/index",
}


def thing(value: Any) -> str:
    text = str(value or "-")
    return text if len(text) <= THING_LIMIT else text[: THING_LIMIT - 1] + "…"


def _when(value: str, tz: ZoneInfo) -> tuple[str, str]:
    """(field type, text): a day as ``date``, a moment as ``time`` in the district's hours."""
    if "T" not in value:
        day = date.fromisoformat(value)
        return "date", f"{day.year}年{day.month}月{day.day}日"
    moment = datetime.fromisoformat(value).astimezone(tz)
    return "time", f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def message(
    kind: str, data: dict[str, Any], openid: str, template_id: str, state: str, tz: ZoneInfo
) -> dict[str, Any]:
    template = KIND_TEMPLATES[kind]
    when_type, when = _when(str(data["when"]), tz)
    fields = {"thing1": thing(data.get("title")), f"{when_type}2": when}
    if template == "points_expiring":
        fields["number3"] = str(data.get("amount") or 0)
    else:
        fields["thing3"] = thing(data.get("place"))
    return {
        "touser": openid,
        "template_id": template_id,
        "page": PAGES[template],
        "data": {key: {"value": value} for key, value in fields.items()},
        "miniprogram_state": state,
    }
