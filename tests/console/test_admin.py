"""The admin area: staff accounts and centers (admin), earning rules (managers set them, as
the API lets them) and the personal-data audit log (admin); each action as the API sees it.
Who may open which of its pages: the console's table, tests/console/test_access.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.db import db
from identity.audit import record_audit
from identity.models import AuditEvent
from tests.consoles import log_in
from tests.factories import PASSWORD, Account, Factory

NEW_PASSWORD = "a new and longer secret"


def test_the_admin_area_opens_on_the_first_tab_each_role_may_see(
    app: Flask, admin: Account, manager: Account
) -> None:
    assert log_in(app, admin).get("/console/admin").headers["Location"] == "/console/admin/staff"
    assert log_in(app, manager).get("/console/admin").headers["Location"] == "/console/admin/rules"


def test_a_clerk_and_a_manager_are_refused_in_words(
    app: Flask, desk: Account, manager: Account
) -> None:
    for account, path in ((desk, "/console/admin/rules"), (manager, "/console/admin/staff")):
        response = log_in(app, account).get(path)

        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert 'data-code="forbidden"' in html and "您的角色无权进行此操作" in html


def test_the_nav_shows_admin_in_chinese_to_an_admin_only_with_its_tabs(
    app: Flask, admin: Account, desk: Account
) -> None:
    page = log_in(app, admin).get("/console/admin/staff").get_data(as_text=True)
    assert ">管理</a>" in page
    assert "工作人员账号" in page and "审计日志" in page and "积分规则" in page

    assert ">管理</a>" not in log_in(app, desk).get("/console/desk").get_data(as_text=True)


# -- staff accounts --------------------------------------------------------------------------


def _api_staff(client: FlaskClient, admin: Account, staff_id: int) -> dict[str, object]:
    accounts = client.get("/api/v1/staff", headers=admin.headers).json
    return next(account for account in accounts if account["id"] == staff_id)


def _login_status(client: FlaskClient, username: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    ).status_code


def test_an_admin_creates_a_staff_account_that_can_log_in(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    console = log_in(app, admin)

    response = console.post(
        "/console/admin/staff",
        {
            "username": "wang.li",
            "display_name": "王丽",
            "role": "staff",
            "center_id": desk.center_id,
            "password": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert 'data-code="done"' in response.get_data(as_text=True)
    assert "已创建账号 wang.li" in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "admin-changed"
    accounts = client.get("/api/v1/staff", headers=admin.headers).json
    created = next(account for account in accounts if account["username"] == "wang.li")
    assert created == {
        "id": created["id"],
        "username": "wang.li",
        "display_name": "王丽",
        "role": "staff",
        "center_id": desk.center_id,
        "active": True,
    }
    assert _login_status(client, "wang.li", NEW_PASSWORD) == 200
    assert "wang.li" in console.get("/console/admin/staff").get_data(as_text=True)


def test_a_password_is_taken_as_typed(app: Flask, client: FlaskClient, admin: Account) -> None:
    log_in(app, admin).post(
        "/console/admin/staff",
        {"username": "spaced", "role": "admin", "password": "  spaces count  "},
    )

    assert _login_status(client, "spaced", "  spaces count  ") == 200


@pytest.mark.parametrize(
    ("form", "code", "words"),
    [
        ({"password": "short"}, "validation_error", "至少8个字符"),
        ({"username": "a b"}, "validation_error", None),
        ({"role": "staff", "center_id": ""}, "validation_error", None),
    ],
)
def test_a_bad_new_account_is_refused_in_words_and_not_made(
    app: Flask,
    client: FlaskClient,
    admin: Account,
    desk: Account,
    form: dict[str, str],
    code: str,
    words: str | None,
) -> None:
    sent = {
        "username": "li.na",
        "role": "staff",
        "center_id": str(desk.center_id),
        "password": NEW_PASSWORD,
        **form,
    }

    response = log_in(app, admin).post("/console/admin/staff", sent)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-code="{code}"' in html and 'data-testid="result"' in html
    if words:
        assert words in html
    names = [
        account["username"] for account in client.get("/api/v1/staff", headers=admin.headers).json
    ]
    assert sent["username"] not in names


def test_a_taken_username_is_refused(app: Flask, admin: Account, desk: Account) -> None:
    response = log_in(app, admin).post(
        "/console/admin/staff",
        {"username": desk.username, "role": "admin", "password": NEW_PASSWORD},
    )

    assert response.status_code == 409
    assert 'data-code="conflict"' in response.get_data(as_text=True)


def test_the_list_filters_by_center_role_and_state(
    app: Flask, make: Factory, admin: Account, desk: Account, manager: Account
) -> None:
    other = make.staff("staff")
    gone = make.staff("staff", center_id=desk.center_id)
    console = log_in(app, admin)
    console.post(f"/console/admin/staff/{gone.id}/active", {"active": "false"})

    def listed(query: str) -> set[int]:
        html = console.get(f"/console/admin/staff?{query}").get_data(as_text=True)
        return {
            account.id
            for account in (desk, manager, other, gone, admin)
            if f'data-testid="staff-{account.id}"' in html
        }

    assert listed(f"center_id={desk.center_id}") == {desk.id, manager.id, gone.id}
    assert listed(f"center_id={desk.center_id}&role=staff&active=true") == {desk.id}
    assert listed("active=false") == {gone.id}
    assert listed("role=admin&center_id=") == {admin.id}


def test_deactivating_ends_the_console_session_and_tokens_at_once_and_reactivating_lets_back_in(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    clerk = log_in(app, desk)
    assert clerk.get("/console/desk").status_code == 200
    console = log_in(app, admin)

    response = console.post(f"/console/admin/staff/{desk.id}/active", {"active": "false"})

    assert response.status_code == 200
    assert "账号已停用" in response.get_data(as_text=True)
    bounced = clerk.get("/console/desk")
    assert bounced.status_code == 302 and bounced.headers["Location"].startswith("/console/")
    assert client.get("/api/v1/me", headers=desk.headers).status_code == 401
    assert client.get("/api/v1/residents", headers=desk.headers).json["code"] == "token_revoked"
    assert _api_staff(client, admin, desk.id)["active"] is False
    assert _login_status(client, str(desk.username), PASSWORD) == 401

    console.post(f"/console/admin/staff/{desk.id}/active", {"active": "true"})

    assert _api_staff(client, admin, desk.id)["active"] is True
    assert log_in(app, desk).get("/console/desk").status_code == 200


def test_a_new_password_ends_their_logins_and_a_weak_one_is_refused(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    clerk = log_in(app, desk)
    console = log_in(app, admin)

    weak = console.post(f"/console/admin/staff/{desk.id}/password", {"password": "1234567"})

    assert weak.status_code == 422
    assert "至少8个字符" in weak.get_data(as_text=True)
    assert clerk.get("/console/desk").status_code == 200

    done = console.post(f"/console/admin/staff/{desk.id}/password", {"password": NEW_PASSWORD})

    assert done.status_code == 200
    assert clerk.get("/console/desk").status_code == 302
    assert _login_status(client, str(desk.username), PASSWORD) == 401
    assert _login_status(client, str(desk.username), NEW_PASSWORD) == 200


def test_a_new_role_and_center_as_the_api_sees_them(
    app: Flask, client: FlaskClient, make: Factory, admin: Account, desk: Account
) -> None:
    elsewhere = make.center()
    console = log_in(app, admin)

    console.post(f"/console/admin/staff/{desk.id}", {"role": "manager", "center_id": elsewhere})

    account = _api_staff(client, admin, desk.id)
    assert (account["role"], account["center_id"]) == ("manager", elsewhere)

    console.post(f"/console/admin/staff/{desk.id}", {"role": "manager", "center_id": ""})

    assert _api_staff(client, admin, desk.id)["center_id"] is None


def test_desk_staff_without_a_center_is_refused_in_words(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    response = log_in(app, admin).post(
        f"/console/admin/staff/{desk.id}", {"role": "staff", "center_id": ""}
    )

    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.get_data(as_text=True)
    assert _api_staff(client, admin, desk.id)["center_id"] == desk.center_id


def test_an_admin_cannot_deactivate_themselves(app: Flask, admin: Account) -> None:
    console = log_in(app, admin)

    response = console.post(f"/console/admin/staff/{admin.id}/active", {"active": "false"})

    assert response.status_code == 409
    assert "管理员不能降低自己的权限或停用自己的账号" in response.get_data(as_text=True)
    assert console.get("/console/admin/staff").status_code == 200


def test_no_such_account_is_404(app: Flask, admin: Account) -> None:
    console = log_in(app, admin)

    assert console.get("/console/admin/staff/999999").status_code == 404
    assert (
        console.post("/console/admin/staff/999999/active", {"active": "false"}).status_code == 404
    )


def test_the_account_page_offers_each_change(app: Flask, admin: Account, desk: Account) -> None:
    html = log_in(app, admin).get(f"/console/admin/staff/{desk.id}").get_data(as_text=True)

    assert 'data-testid="deactivate"' in html
    assert 'data-testid="reset-password"' in html and 'data-testid="change-staff"' in html


# -- CSRF ------------------------------------------------------------------------------------


def test_a_form_without_the_csrf_token_changes_nothing(
    app: Flask, client: FlaskClient, admin: Account, desk: Account
) -> None:
    console = log_in(app, admin)

    response = console.client.post(
        f"/console/admin/staff/{desk.id}/active",
        data={"active": "false"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert 'data-code="csrf_failed"' in response.get_data(as_text=True)
    assert _api_staff(client, admin, desk.id)["active"] is True


# -- centers ---------------------------------------------------------------------------------


def test_an_admin_adds_renames_and_readdresses_a_center(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    console = log_in(app, admin)

    added = console.post(
        "/console/admin/centers", {"name": "东湖社区卫生服务中心", "address": "东湖路8号"}
    )

    assert added.status_code == 200
    center = next(
        c
        for c in client.get("/api/v1/centers", headers=admin.headers).json
        if c["name"] == "东湖社区卫生服务中心"
    )
    assert center["address"] == "东湖路8号"

    console.post(
        f"/console/admin/centers/{center['id']}",
        {"name": "东湖街道社区卫生服务中心", "address": ""},
    )

    centers = {c["id"]: c for c in client.get("/api/v1/centers", headers=admin.headers).json}
    assert centers[center["id"]] == {
        "id": center["id"],
        "name": "东湖街道社区卫生服务中心",
        "address": None,
    }
    assert "东湖街道社区卫生服务中心" in console.get("/console/admin/centers").get_data(
        as_text=True
    )


def test_two_centers_cannot_share_a_name(app: Flask, make: Factory, admin: Account) -> None:
    make.center("西山社区卫生服务中心")
    other = make.center("北城社区卫生服务中心")
    console = log_in(app, admin)

    assert (
        console.post("/console/admin/centers", {"name": "西山社区卫生服务中心"}).status_code == 409
    )
    renamed = console.post(f"/console/admin/centers/{other}", {"name": "西山社区卫生服务中心"})
    assert renamed.status_code == 409
    assert "已有名为“西山社区卫生服务中心”的中心" in renamed.get_data(as_text=True)
    empty = console.post(f"/console/admin/centers/{other}", {"name": ""})
    assert empty.status_code == 422


# -- earning rules ---------------------------------------------------------------------------


def _api_rule(
    client: FlaskClient, account: Account, center_id: int | None, activity: str
) -> dict[str, object]:
    query = {} if center_id is None else {"center_id": center_id}
    rules = client.get("/api/v1/points/rules", headers=account.headers, query_string=query).json
    return next(rule for rule in rules if rule["activity"] == activity)


def test_a_manager_sets_their_centers_rule_as_the_api_sees_it(
    app: Flask, client: FlaskClient, manager: Account, desk: Account
) -> None:
    console = log_in(app, manager)

    response = console.post(
        "/console/admin/rules",
        {
            "activity": "lecture",
            "center_id": str(desk.center_id),
            "points": "15",
            "daily_cap": "30",
            "monthly_cap": "",
        },
    )

    assert response.status_code == 200
    assert "讲座现在可得15积分" in response.get_data(as_text=True)
    assert _api_rule(client, desk, desk.center_id, "lecture") == {
        "activity": "lecture",
        "points": 15,
        "daily_cap": 30,
        "monthly_cap": None,
        "origin": "center",
        "center_id": desk.center_id,
    }
    page = console.get(f"/console/admin/rules?center_id={desk.center_id}").get_data(as_text=True)
    assert 'data-testid="rule-lecture-points">15<' in page
    assert "本中心规则" in page
    assert str(manager.username) in page  # who set it last


def test_a_district_manager_sets_the_districts_rule(
    app: Flask, client: FlaskClient, district_manager: Account, desk: Account
) -> None:
    console = log_in(app, district_manager)

    console.post("/console/admin/rules", {"activity": "screening", "center_id": "", "points": "20"})

    assert _api_rule(client, desk, desk.center_id, "screening")["points"] == 20
    assert _api_rule(client, desk, desk.center_id, "screening")["origin"] == "district"


@pytest.mark.parametrize(
    ("form", "status", "words"),
    [
        ({"center_id": ""}, 403, "只有区级管理员可以设置全区规则"),
        ({"points": "-1"}, 422, None),
        ({"points": "很多"}, 422, None),
        ({"activity": "dancing"}, 422, None),
    ],
)
def test_a_rule_the_service_refuses_is_refused_in_words(
    app: Flask,
    client: FlaskClient,
    manager: Account,
    desk: Account,
    form: dict[str, str],
    status: int,
    words: str | None,
) -> None:
    sent = {"activity": "lecture", "center_id": str(desk.center_id), "points": "15", **form}

    response = log_in(app, manager).post("/console/admin/rules", sent)

    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'data-testid="result"' in html
    if words:
        assert words in html
    assert _api_rule(client, desk, desk.center_id, "lecture")["origin"] == "default"


def test_a_manager_cannot_set_another_centers_rule(
    app: Flask, client: FlaskClient, manager: Account, other_center_desk: Account
) -> None:
    response = log_in(app, manager).post(
        "/console/admin/rules",
        {"activity": "lecture", "center_id": str(other_center_desk.center_id), "points": "50"},
    )

    assert response.status_code == 403
    assert "您管理的是其他中心" in response.get_data(as_text=True)
    assert (
        _api_rule(client, other_center_desk, other_center_desk.center_id, "lecture")["points"] == 10
    )


def test_an_admin_reads_the_rules_but_has_no_form_to_set_them(app: Flask, admin: Account) -> None:
    html = log_in(app, admin).get("/console/admin/rules").get_data(as_text=True)

    assert 'data-testid="rules-table"' in html
    assert 'data-testid="set-rule"' not in html


def test_every_rule_change_is_kept_in_the_audit_log(
    app: Flask, manager: Account, admin: Account, desk: Account
) -> None:
    console = log_in(app, manager)
    for points in ("12", "14"):
        console.post(
            "/console/admin/rules",
            {"activity": "lecture", "center_id": str(desk.center_id), "points": points},
        )

    html = log_in(app, admin).get("/console/admin/audit?action=rule.set").get_data(as_text=True)

    assert f"center {desk.center_id} lecture: points=12" in html
    assert f"center {desk.center_id} lecture: points=14" in html


# -- the audit log ---------------------------------------------------------------------------


def _record(
    app: Flask,
    actor: Account | None,
    action: str,
    resident_id: int | None,
    detail: str | None = None,
    at: datetime | None = None,
) -> int:
    with app.app_context():
        record_audit(actor.principal if actor else None, action, resident_id, detail)
        db.session.flush()
        event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert event is not None
        if at is not None:
            event.at = at
        db.session.commit()
        return event.id


def _shown(html: str, *ids: int) -> list[int]:
    """The ids among ``ids`` the page shows, in the order it shows them."""
    return sorted(
        (i for i in ids if f'data-testid="audit-{i}"' in html),
        key=lambda i: html.index(f'data-testid="audit-{i}"'),
    )


def test_the_audit_log_filters_by_staff_resident_action_and_days_newest_first(
    app: Flask, make: Factory, admin: Account, desk: Account, manager: Account
) -> None:
    one, two = make.resident(desk.center_id).id, make.resident(desk.center_id).id
    read_one = _record(app, desk, "resident.read", one, at=datetime(2026, 3, 1, 2, tzinfo=UTC))
    read_two = _record(app, desk, "resident.read", two, at=datetime(2026, 3, 2, 2, tzinfo=UTC))
    searched = _record(
        app, manager, "resident.search", None, "q=陈*", at=datetime(2026, 3, 3, 2, tzinfo=UTC)
    )
    ids = (read_one, read_two, searched)
    console = log_in(app, admin)

    def shown(query: str) -> list[int]:
        return _shown(console.get(f"/console/admin/audit?{query}").get_data(as_text=True), *ids)

    assert shown("") == [searched, read_two, read_one]
    assert shown(f"actor_id={desk.id}") == [read_two, read_one]
    assert shown(f"resident_id={one}") == [read_one]
    assert shown("action=resident.search") == [searched]
    assert shown("action=resident.") == [searched, read_two, read_one]
    assert shown("from=2026-03-02&to=2026-03-02") == [read_two]
    assert shown("from=2026-03-02") == [searched, read_two]


def test_the_audit_log_pages_older_events(app: Flask, admin: Account, desk: Account) -> None:
    ids = [_record(app, desk, "resident.search", None, f"q={n}") for n in range(55)]
    console = log_in(app, admin)

    first = console.get("/console/admin/audit?action=resident.search").get_data(as_text=True)
    assert _shown(first, *ids) == ids[::-1][:50]
    older = first.split('data-testid="audit-older" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "action=resident.search" in older

    second = console.get(older).get_data(as_text=True)
    assert _shown(second, *ids) == ids[::-1][50:]
    assert 'data-testid="audit-older"' not in second


def test_a_bad_filter_is_refused_in_words(app: Flask, admin: Account) -> None:
    response = log_in(app, admin).get("/console/admin/audit?resident_id=abc")

    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.get_data(as_text=True)


def test_the_audit_log_downloads_as_formula_safe_csv_and_the_download_is_recorded(
    app: Flask, admin: Account, desk: Account
) -> None:
    resident_id = Factory(app).resident(desk.center_id).id
    _record(app, desk, "resident.read", resident_id, '=HYPERLINK("http://x")')
    console = log_in(app, admin)

    response = console.get(f"/console/admin/audit?format=csv&resident_id={resident_id}")

    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["编号", "时间", "操作者类型", "操作者编号", "操作者", "操作"]
    assert len(rows) == 2
    assert rows[1][2] == "工作人员" and rows[1][5] == "resident.read"
    assert rows[1][6] == str(resident_id)
    assert rows[1][8] == '\'=HYPERLINK("http://x")'
    exported = console.get("/console/admin/audit?action=audit.export").get_data(as_text=True)
    assert f"resident_id={resident_id}" in exported
