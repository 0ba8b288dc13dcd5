"""A manager merges two records of one person from the console: found by a shared phone number
or by search, compared side by side, previewed, then confirmed once; the API's merge, with its
refusals in words. Clerks may not merge, and another center's records do not exist to a
center's manager."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from core.db import db
from identity.models import Resident
from points import ledger
from tests.consoles import Console, html, idempotency_key, log_in, result_code, text_of
from tests.factories import Account, Factory
from tests.merging.test_link import NUMBER, register

REASON = "同一人：窗口登记后又用微信注册"


def merged_into(app: Flask, resident_id: int) -> int | None:
    with app.app_context():
        resident = db.session.get(Resident, resident_id)
        assert resident is not None
        return resident.merged_into_id


def merges(app: Flask) -> int:
    with app.app_context():
        stmt = select(func.count()).where(Resident.merged_into_id.is_not(None))
        return int(db.session.scalar(stmt) or 0)


def balance(app: Flask, resident_id: int) -> int:
    with app.app_context():
        return ledger.balance_of(resident_id)[0]


def merge_form(stays: int, goes: int, **fields: Any) -> dict[str, Any]:
    return {"a": goes, "b": stays, "survivor_id": stays, "reason": REASON, **fields}


def confirmed(console: Console, form: dict[str, Any]) -> tuple[TestResponse, TestResponse]:
    """The preview, then its confirm with the preview's Idempotency-Key (as the page does)."""
    preview = console.post("/console/merges/preview", form)
    assert preview.status_code == 200, text_of(preview, "result")
    key = idempotency_key(preview, "confirm")
    return preview, console.post("/console/merges", form, headers={"Idempotency-Key": key})


def test_records_sharing_a_phone_number_are_listed_to_compare(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept = register(client, desk)
    other = make.resident(desk.center_id, name="黄秀英", phone=NUMBER)
    alone = register(client, desk, name="陈伟", phone="13700001111")

    page = log_in(app, manager).get("/console/merges")

    assert page.status_code == 200
    listed = text_of(page, "duplicates")
    assert "138****1234" in listed and "陈伟" not in listed
    assert f'data-testid="compare-{kept}-{other.id}"' in html(page)
    assert f"compare-{alone}" not in html(page)


def test_two_records_are_found_by_search_one_after_the_other(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    first = register(client, desk, name="黄秀英", phone="13812341234")
    second = make.resident(desk.center_id, name="黄秀珍", phone="13999998888")
    console = log_in(app, manager)

    found = console.get("/console/merges", query_string={"q": "黄秀英"})
    chosen = console.get("/console/merges", query_string={"a": first, "q": "8888"})

    assert f'data-testid="choose-{first}"' in html(found)
    assert "黄秀英" in text_of(chosen, "first-record")
    assert f'href="/console/merges/compare?a={first}&amp;b={second.id}"' in html(chosen)


def test_the_two_records_side_by_side(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept = register(client, desk)
    other = make.resident(desk.center_id, name="黄秀英", phone="13999998888")
    make.credit(kept, 30)
    make.credit(other.id, 45)
    lecture = make.event(desk.center_id)
    make.checkin(lecture, kept)
    make.checkin(lecture, other.id)
    make.checkin(make.event(desk.center_id), other.id)

    page = log_in(app, manager).get(
        "/console/merges/compare", query_string={"a": other.id, "b": kept}
    )

    assert page.status_code == 200
    assert text_of(page, f"balance-{kept}") == "40"  # 30, and 10 for the lecture
    assert text_of(page, f"balance-{other.id}") == "65"
    assert (text_of(page, f"checkins-{kept}"), text_of(page, f"checkins-{other.id}")) == ("1", "2")
    assert text_of(page, f"wechat-{kept}") == "在服务台登记"
    assert text_of(page, f"wechat-{other.id}") == "使用小程序"
    assert "138****1234" in text_of(page, f"side-{kept}")
    assert "1" in text_of(page, "shared-events")
    # The desk record is offered to stay: the WeChat login moves onto it.
    assert f'value="{kept}" data-testid="stays-{kept}" checked' in html(page)


def test_a_manager_merges_previewed_and_confirmed_once(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept = register(client, desk)
    other = make.resident(desk.center_id, name="黄秀英", phone=NUMBER)
    make.credit(other.id, 60)
    lecture = make.event(desk.center_id)
    make.checkin(lecture, kept)
    make.checkin(lecture, other.id)
    console = log_in(app, manager)
    form = merge_form(kept, other.id)

    preview, merged = confirmed(console, form)
    again = console.post(
        "/console/merges", form, headers={"Idempotency-Key": idempotency_key(preview, "confirm")}
    )

    assert text_of(preview, "preview-points") == "70"
    assert text_of(preview, "preview-shared") == "1"
    assert (merged.status_code, result_code(merged)) == (200, "merged")
    assert text_of(merged, "points-moved") == "70"
    assert text_of(merged, "duplicate-checkins") == "1"
    assert text_of(merged, "balance-now") == "70"  # 10 + 70, less the lecture's 10 earned twice
    assert text_of(merged, "checkins-now") == "1"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert merged_into(app, other.id) == kept
    assert balance(app, kept) == 70
    with app.app_context():
        survivor = db.session.get(Resident, kept)
        assert survivor is not None and survivor.has_wechat


def test_the_preview_writes_nothing(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, manager: Account
) -> None:
    kept, other = register(client, desk), register(client, desk)

    preview = log_in(app, manager).post("/console/merges/preview", merge_form(kept, other))

    assert preview.status_code == 200
    assert 'data-testid="confirm"' in html(preview)
    assert merges(app) == 0


def test_a_merge_needs_a_reason_and_a_record_that_stays(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    kept, other = register(client, desk), register(client, desk)
    console = log_in(app, manager)

    no_reason = console.post("/console/merges", merge_form(kept, other, reason=""))
    no_choice = console.post("/console/merges", merge_form(kept, other, survivor_id=""))
    a_stranger = console.post("/console/merges", merge_form(kept, other, survivor_id=999999))

    for refused in (no_reason, no_choice, a_stranger):
        assert (refused.status_code, result_code(refused)) == (422, "validation_error")
    assert "此项为必填项" in text_of(no_reason, "result")
    assert "请选择保留哪一条记录" in text_of(no_choice, "result")
    assert merges(app) == 0


def test_two_wechat_accounts_are_refused_in_words(
    app: Flask, make: Factory, desk: Account, manager: Account
) -> None:
    first = make.resident(desk.center_id, name="黄秀英")
    second = make.resident(desk.center_id, name="黄秀英")

    refused = log_in(app, manager).post("/console/merges/preview", merge_form(first.id, second.id))

    assert (refused.status_code, result_code(refused)) == (409, "resident_has_wechat")
    assert "两条记录都已绑定微信登录" in text_of(refused, "result")
    assert merges(app) == 0


def test_a_clerk_may_not_merge(app: Flask, client: FlaskClient, desk: Account) -> None:
    kept, other = register(client, desk), register(client, desk)
    clerk = log_in(app, desk)

    page = clerk.get("/console/merges")
    refused = clerk.post("/console/merges", merge_form(kept, other))

    assert page.status_code == 403
    assert (refused.status_code, result_code(refused)) == (403, "forbidden")
    assert 'href="/console/merges"' not in html(clerk.get("/console/desk"))  # not in the bar
    assert merges(app) == 0


def test_another_centers_manager_neither_sees_nor_merges_its_records(
    app: Flask, client: FlaskClient, make: Factory, desk: Account, other_center_desk: Account
) -> None:
    kept = register(client, desk)
    other = make.resident(desk.center_id, name="黄秀英", phone=NUMBER)
    elsewhere = log_in(app, make.staff("manager", center_id=other_center_desk.center_id))
    pair = {"a": kept, "b": other.id}

    listed = elsewhere.get("/console/merges")
    searched = elsewhere.get("/console/merges", query_string={"q": "黄秀英"})
    compared = elsewhere.get("/console/merges/compare", query_string=pair)
    previewed = elsewhere.post("/console/merges/preview", merge_form(kept, other.id))
    merged = elsewhere.post("/console/merges", merge_form(kept, other.id))

    assert "138****1234" not in text_of(listed, "duplicates")
    assert f"choose-{kept}" not in html(searched)
    assert compared.status_code == 404
    for refused in (previewed, merged):
        assert (refused.status_code, result_code(refused)) == (404, "not_found")
    assert merges(app) == 0


def test_a_forged_merge_is_refused(
    app: Flask, client: FlaskClient, desk: Account, manager: Account
) -> None:
    kept, other = register(client, desk), register(client, desk)

    forged = log_in(app, manager).post("/console/merges", merge_form(kept, other), csrf=False)

    assert (forged.status_code, result_code(forged)) == (400, "csrf_failed")
    assert merges(app) == 0


def test_the_bar_offers_merging_to_managers(app: Flask, manager: Account) -> None:
    page = log_in(app, manager).get("/console/dashboard")

    assert 'href="/console/merges"' in html(page)
