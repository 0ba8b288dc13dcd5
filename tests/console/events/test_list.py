"""The console's list of events: upcoming first, then past ones with attendance; filtered by kind
and month; every center or one for a district manager; never another center's."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask

from tests.consoles import log_in
from tests.event_forms import SHANGHAI, local
from tests.factories import Account, Factory


def test_the_list_shows_upcoming_events_first_then_past_ones_with_attendance(
    app: Flask, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    soon = make.event(desk.center_id, title="下周讲座", starts_at=local(days=7))
    later = make.event(desk.center_id, title="下月筛查", kind="screening", starts_at=local(days=30))
    past = make.event(
        desk.center_id, title="上周义诊", kind="consultation", starts_at=local(days=-7)
    )
    now_on = make.event(desk.center_id, title="正在进行")
    make.checkin(now_on, make.resident(desk.center_id).id)
    make.checkin(now_on, make.resident(desk.center_id).id)
    elsewhere = make.event(other_center_desk.center_id, title="别的中心", starts_at=local(days=7))

    html = log_in(app, desk).get("/console/events").get_data(as_text=True)

    upcoming, past_part = html.split('data-testid="events-past"')
    listed = [int(i) for i in re.findall(r'data-event-id="(\d+)"', upcoming)]
    assert listed == [now_on, soon, later]
    assert [int(i) for i in re.findall(r'data-event-id="(\d+)"', past_part)] == [past]
    assert re.search(rf'data-testid="attendance-{now_on}">2<', html)
    assert f'data-event-id="{elsewhere}"' not in html and "别的中心" not in html


def test_the_list_filters_by_kind_and_month(app: Flask, make: Factory, desk: Account) -> None:
    december = datetime(2026, 12, 10, 10, tzinfo=SHANGHAI)
    lecture = make.event(desk.center_id, starts_at=december)
    screening = make.event(desk.center_id, kind="screening", starts_at=december)
    january = make.event(desk.center_id, starts_at=datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI))
    console = log_in(app, desk)

    def shown(query: str) -> set[int]:
        page = console.get(f"/console/events?{query}")
        assert page.status_code == 200
        return {int(i) for i in re.findall(r'data-event-id="(\d+)"', page.get_data(as_text=True))}

    assert shown("month=2026-12") == {lecture, screening}
    assert shown("month=2027-01") == {january}  # 00:30 on the 1st, district time
    assert shown("kind=lecture") == {lecture, january}
    assert shown("kind=screening&month=2026-12") == {screening}
    assert console.get("/console/events?month=十二月").status_code == 422


def test_a_district_manager_sees_every_center_or_picks_one(
    app: Flask, make: Factory, desk: Account, other_center_desk: Account, district_manager: Account
) -> None:
    here = make.event(desk.center_id, starts_at=local(days=2))
    there = make.event(other_center_desk.center_id, starts_at=local(days=2))
    console = log_in(app, district_manager)

    every = console.get("/console/events").get_data(as_text=True)
    picked = console.get(f"/console/events?center_id={desk.center_id}").get_data(as_text=True)

    assert f'data-event-id="{here}"' in every and f'data-event-id="{there}"' in every
    assert f'data-event-id="{here}"' in picked and f'data-event-id="{there}"' not in picked
