"""The scan log: every attempt recorded, refusals too; many residents from one device flagged."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.events.test_checkin import qr, scan
from tests.factories import Account, Factory


def test_one_device_checking_in_many_residents_is_flagged_not_blocked(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    event_id = make.event(desk.center_id)
    token = qr(client, desk, event_id, "static")["token"]
    phone = {"User-Agent": "WeChat/8.0 (relay phone)"}

    statuses = [
        client.post(
            "/api/v1/checkins",
            headers={**make.resident(desk.center_id).headers, **phone},
            json={"token": token},
        ).status_code
        for _ in range(3)
    ]
    flags = client.get(f"/api/v1/events/{event_id}/flags", headers=desk.headers).json

    assert statuses == [201, 201, 201]
    assert flags == [
        {
            "client_ip": "127.0.0.1",
            "user_agent": "WeChat/8.0 (relay phone)",
            "residents": 3,
            "attempts": 3,
        }
    ]


def test_the_scan_log_lists_refusals_too(client: FlaskClient, make: Factory, desk: Account) -> None:
    event_id = make.event(desk.center_id, capacity=1)
    token = qr(client, desk, event_id, "static")["token"]
    first = make.resident(desk.center_id)
    scan(client, first, token=token)
    scan(client, make.resident(desk.center_id), token=token)
    scan(client, first, token=token)

    log = client.get(f"/api/v1/events/{event_id}/scans", headers=desk.headers).json

    assert [s["outcome"] for s in log["items"]] == [
        "already_checked_in",
        "event_full",
        "checked_in",
    ]
    assert {s["method"] for s in log["items"]} == {"self"}
