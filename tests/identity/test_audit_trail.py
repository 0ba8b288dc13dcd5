"""Reading the audit trail back (admin): filters, newest first, keyset pages, CSV; and the
admin's other reads and writes the console stands on: centers renamed, staff listed by
center, role and state."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db
from identity.audit import record_audit
from identity.models import AuditEvent
from tests.factories import Account, Factory


def recorded(
    app: Flask,
    actor: Account | None,
    action: str,
    resident_id: int | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> int:
    """An audit event recorded by ``actor`` (None: the system), at ``at`` if given; its id."""
    with app.app_context():
        record_audit(actor.principal if actor else None, action, resident_id, detail)
        db.session.flush()
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None
        if at is not None:
            event.at = at
        db.session.commit()
        return event.id


def _ids(response: object) -> list[int]:
    return [item["id"] for item in response.json["items"]]  # type: ignore[attr-defined]


def test_an_event_says_who_did_what_to_whom_and_when(
    app: Flask, client: FlaskClient, admin: Account, desk: Account, resident: Account
) -> None:
    event = recorded(
        app, desk, "resident.read", resident.id, at=datetime(2026, 3, 1, 2, 5, tzinfo=UTC)
    )

    response = client.get(
        "/api/v1/audit", headers=admin.headers, query_string={"resident_id": resident.id}
    )

    assert response.status_code == 200
    assert response.json == {
        "items": [
            {
                "id": event,
                "at": "2026-03-01T10:05:00+08:00",
                "actor_kind": "staff",
                "actor_id": desk.id,
                "actor": {"id": desk.id, "name": desk.username},
                "action": "resident.read",
                "resident_id": resident.id,
                "staff": None,
                "detail": None,
            }
        ],
        "next_cursor": None,
    }


def test_an_account_change_names_the_account_changed(
    client: FlaskClient, admin: Account, desk: Account
) -> None:
    client.patch(f"/api/v1/staff/{desk.id}", headers=admin.headers, json={"role": "manager"})

    items = client.get(
        "/api/v1/audit", headers=admin.headers, query_string={"action": "staff.update"}
    ).json["items"]

    assert [(i["actor"]["id"], i["staff"]) for i in items] == [
        (admin.id, {"id": desk.id, "name": desk.username})
    ]


def test_filters_select_by_actor_resident_action_start_and_district_days(
    app: Flask, client: FlaskClient, make: Factory, admin: Account, desk: Account
) -> None:
    other = make.staff("staff", center_id=desk.center_id)
    one, two = make.resident(desk.center_id).id, make.resident(desk.center_id).id
    # 2026-03-01 23:30 in Shanghai is still March 1st there, 15:30 UTC.
    late = recorded(app, desk, "resident.read", one, at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    next_day = recorded(
        app, other, "resident.read", two, at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    )
    search = recorded(
        app, desk, "resident.search", None, "q=陈*", at=datetime(2026, 3, 3, tzinfo=UTC)
    )
    ours = {late, next_day, search}

    def found(**query: object) -> list[int]:
        response = client.get("/api/v1/audit", headers=admin.headers, query_string=query)
        assert response.status_code == 200, response.json
        return [i for i in _ids(response) if i in ours]

    assert found() == [search, next_day, late]
    assert found(actor_id=desk.id) == [search, late]
    assert found(resident_id=two) == [next_day]
    assert found(action="resident.") == [search, next_day, late]
    assert found(action="resident.read") == [next_day, late]
    assert found(action="resident.re%") == []  # a wildcard is only a character
    assert found(**{"from": "2026-03-01", "to": "2026-03-01"}) == [late]
    assert found(**{"from": "2026-03-02"}) == [search, next_day]


def test_pages_run_newest_to_oldest_without_gaps(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    made = [recorded(app, desk, "resident.search", None, f"q={n}") for n in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        query = {"action": "resident.search", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/audit", headers=admin.headers, query_string=query).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == made[::-1]


@pytest.mark.parametrize(
    "query",
    [{"cursor": "not-a-cursor"}, {"resident_id": "x"}, {"from": "2026-13-01"}, {"limit": 101}],
)
def test_bad_filters_are_refused(client: FlaskClient, admin: Account, query: dict) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/audit", headers=admin.headers, query_string=query)

    assert response.status_code in (400, 422)
    assert response.json["code"] in ("bad_request", "validation_error")


def test_the_csv_is_formula_safe_and_its_download_is_recorded(
    app: Flask, client: FlaskClient, admin: Account, desk: Account, resident: Account
) -> None:
    recorded(app, desk, "resident.read", resident.id, "+1 call me")

    response = client.get(
        "/api/v1/audit",
        headers=admin.headers,
        query_string={"resident_id": resident.id, "format": "csv"},
    )

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][4] == desk.username and rows[1][8] == "'+1 call me"
    exports = client.get(
        "/api/v1/audit", headers=admin.headers, query_string={"action": "audit.export"}
    ).json["items"]
    assert [(e["actor_id"], e["detail"]) for e in exports] == [
        (admin.id, f"resident_id={resident.id}")
    ]


# -- centers and staff, as the console's admin pages read and change them ---------------------


def test_an_admin_renames_a_center_and_clears_its_address(
    client: FlaskClient, make: Factory, admin: Account
) -> None:
    center = make.center("南湖社区卫生服务中心")

    renamed = client.patch(
        f"/api/v1/centers/{center}",
        headers=admin.headers,
        json={"name": " 南湖街道社区卫生服务中心 ", "address": "南湖路2号"},
    )
    cleared = client.patch(
        f"/api/v1/centers/{center}", headers=admin.headers, json={"address": None}
    )

    assert renamed.status_code == 200
    assert renamed.json == {
        "id": center,
        "name": "南湖街道社区卫生服务中心",
        "address": "南湖路2号",
    }
    assert cleared.json == {"id": center, "name": "南湖街道社区卫生服务中心", "address": None}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "北山社区卫生服务中心"}, 409, "conflict"),
        ({"name": "   "}, 422, "validation_error"),
        ({"name": "x" * 101}, 422, "validation_error"),
    ],
)
def test_a_center_keeps_a_unique_name(
    client: FlaskClient,
    make: Factory,
    admin: Account,
    body: dict,
    status: int,
    code: str,  # type: ignore[type-arg]
) -> None:
    make.center("北山社区卫生服务中心")
    center = make.center("南山社区卫生服务中心")

    response = client.patch(f"/api/v1/centers/{center}", headers=admin.headers, json=body)

    assert (response.status_code, response.json["code"]) == (status, code)
    names = {
        c["id"]: c["name"]
        for c in client.get("/api/v1/centers", headers=admin.headers).json["items"]
    }
    assert names[center] == "南山社区卫生服务中心"


def test_an_unknown_center_is_not_found(client: FlaskClient, admin: Account) -> None:
    response = client.patch("/api/v1/centers/999999", headers=admin.headers, json={"name": "新"})

    assert response.json["code"] == "not_found"


def test_staff_are_listed_by_center_role_and_state(
    client: FlaskClient, make: Factory, admin: Account, desk: Account, manager: Account
) -> None:
    other = make.staff("staff")
    client.patch(f"/api/v1/staff/{other.id}", headers=admin.headers, json={"active": False})

    def listed(**query: object) -> set[int]:
        return {
            s["id"]
            for s in client.get("/api/v1/staff", headers=admin.headers, query_string=query).json
        }

    assert listed(center_id=desk.center_id) == {desk.id, manager.id}
    assert listed(center_id=desk.center_id, role="manager") == {manager.id}
    assert listed(active="false") == {other.id}
    assert listed(role="admin", active="true") == {admin.id}


def test_a_center_manager_sees_only_their_center_whatever_they_ask(
    client: FlaskClient, make: Factory, manager: Account, desk: Account
) -> None:
    other = make.staff("staff")

    response = client.get(
        "/api/v1/staff", headers=manager.headers, query_string={"center_id": other.center_id}
    )

    assert {s["id"] for s in response.json} == {desk.id, manager.id}
