"""The overdue follow-ups in a real browser: the clerk shows a number, phones, and records
the outcome in place, at the desk PC's width and on a tablet."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.browser.conftest import BrowserConsole
from tests.events.test_followups import consenting, schedule, today
from tests.factories import Account, Factory


def test_a_clerk_phones_an_overdue_resident_and_records_a_new_day(
    client: FlaskClient, make: Factory, desk: Account, console: BrowserConsole
) -> None:
    late = consenting(client, make, desk.center_id, name="黄秀英", phone="13812345678")
    followup = schedule(client, desk, late.id, today() - timedelta(days=12)).json
    other = consenting(client, make, desk.center_id, name="李建国", phone="13700001111")
    called = schedule(client, desk, other.id, today() - timedelta(days=3)).json
    client.post(
        f"/api/v1/followups/{called['id']}/calls",
        headers=desk.headers,
        json={"outcome": "no_answer", "note": "响铃无人接"},
    )
    fid = followup["id"]
    agreed = today() + timedelta(days=6)

    console.log_in(desk)
    page = console.open("/console/followups")

    card = page.get_by_test_id(f"followup-{fid}")
    expect(card).to_contain_text("逾期未随访 · 12 天")
    expect(page.get_by_test_id(f"last-call-{called['id']}")).to_contain_text("无人接听")
    console.screenshot("overdue")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("overdue-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_test_id(f"show-phone-{fid}").click()
    expect(page.get_by_test_id(f"phone-number-{fid}")).to_have_text("13812345678")

    card.get_by_text("已接通").click()
    page.get_by_test_id(f"note-{fid}").fill("约好下周来复查")
    page.get_by_test_id(f"new-due-{fid}").fill(agreed.isoformat())
    page.get_by_test_id(f"record-call-{fid}").click()

    result = page.get_by_test_id(f"followup-{fid}").get_by_test_id("result")
    expect(result).to_contain_text("通话已记录")
    expect(result).to_contain_text(f"已改期至 {agreed.isoformat()}")
    expect(page.get_by_test_id(f"status-{fid}")).to_have_text("未到期")
    expect(page.get_by_test_id(f"due-{fid}")).to_have_text(agreed.isoformat())
    console.screenshot("recorded")

    calls = client.get(f"/api/v1/followups/{fid}/calls", headers=desk.headers).json["items"]
    assert [(c["outcome"], c["note"], c["new_due_on"]) for c in calls] == [
        ("reached", "约好下周来复查", agreed.isoformat())
    ]

    page.get_by_test_id(f"followup-{fid}").locator("summary").click()
    page.get_by_test_id(f"history-{fid}").click()
    expect(page.get_by_test_id(f"calls-{fid}")).to_contain_text("约好下周来复查")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("history-tablet")
