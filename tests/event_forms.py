"""The console's event form as a clerk fills it in (and as the edit form shows it), the event as
the API then shows it, and times on the district's clock."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from tests.consoles import Console
from tests.factories import Account

SHANGHAI = ZoneInfo("Asia/Shanghai")


def form(**fields: str) -> dict[str, str]:
    """The new-event form as a clerk fills it in, on the district's clock."""
    return {
        "title": "高血压防治讲座",
        "kind": "lecture",
        "starts_at": "2026-12-05T09:30",
        "ends_at": "2026-12-05T10:30",
        "location": "二楼会议室",
        **fields,
    }


def created(console: Console, fields: dict[str, str]) -> int:
    response = console.post("/console/events", fields, htmx=False)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    found = re.fullmatch(r"/console/events/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def form_values(page: str) -> dict[str, str]:
    """The values the event form on ``page`` shows, by field name."""
    fields = page.split('data-testid="event-form"')[1]
    return dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', fields))


def api_event(client: FlaskClient, staff: Account, event_id: int) -> dict[str, object]:
    response = client.get(f"/api/v1/events/{event_id}", headers=staff.headers)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


def local(hour: int = 10, days: int = 0) -> datetime:
    """``days`` from today, at ``hour``:00 district time."""
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=SHANGHAI)
