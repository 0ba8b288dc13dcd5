"""A link code from the desk's card: for a resident the desk registered, a slip with the code's
QR and its expiry (the API's link code: the mini-program's scan of it joins the records); none
for a resident who has WeChat; and the WeChat account that verified the record's number shown
on the card, for the clerk to offer the link."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from core.db import db
from identity.models import LinkCode, Resident
from tests.consoles import html, log_in, result_code, text_of
from tests.factories import Account, Factory
from tests.merging.test_link import NUMBER, register, scan

_CODE = re.compile(r'data-testid="link-code-text">(HPL-[0-9A-Z-]+)<')


def link_codes(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(LinkCode)) or 0)


def shown_code(response: TestResponse) -> str:
    found = _CODE.search(html(response))
    assert found, "the answer shows no link code"
    return found.group(1)


def test_the_card_of_a_desk_record_gives_a_link_code_that_joins_the_wechat_account(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    registered = register(client, desk)
    clerk = log_in(app, desk)
    card = clerk.get(f"/console/desk/residents/{registered}")
    assert 'data-testid="link-code"' in html(card)
    assert "生成绑定码" in text_of(card, "linking")

    slip = clerk.post(f"/console/residents/{registered}/link-code")

    assert slip.status_code == 200
    assert re.search(r'data-testid="link-qr"[^>]*>\s*<svg', html(slip))
    expires = text_of(slip, "link-expires")
    assert re.search(r"有效至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（10 分钟）", expires)
    wechat = make.resident(desk.center_id, name="黄秀英", openid="o-huang")
    linked = scan(client, wechat, shown_code(slip))
    assert linked.status_code == 200, linked.json
    with app.app_context():
        desk_record, absorbed = (db.session.get(Resident, i) for i in (registered, wechat.id))
        assert desk_record is not None and desk_record.openid == "o-huang"
        assert absorbed is not None and absorbed.merged_into_id == registered


def test_the_residents_page_prints_a_link_code(
    app: Flask, client: FlaskClient, desk: Account
) -> None:
    registered = register(client, desk)
    clerk = log_in(app, desk)
    assert 'data-testid="link-code"' in html(clerk.get(f"/console/residents/{registered}"))

    page = clerk.post(f"/console/residents/{registered}/link-code", htmx=False)

    assert page.status_code == 200
    assert 'data-testid="print-link-code"' in html(page)
    assert "黄秀英" in text_of(page, "link-slip")
    assert link_codes(app) == 1


def test_a_resident_with_wechat_has_no_link_code(
    app: Flask, make: Factory, desk: Account, resident: Account
) -> None:
    clerk = log_in(app, desk)
    card = clerk.get(f"/console/desk/residents/{resident.id}")
    page = clerk.get(f"/console/residents/{resident.id}")

    refused = clerk.post(f"/console/residents/{resident.id}/link-code")

    assert 'data-testid="link-code"' not in html(card)
    assert 'data-testid="link-code"' not in html(page)
    assert (refused.status_code, result_code(refused)) == (409, "resident_has_wechat")
    assert "该居民已用微信登录" in text_of(refused, "result")
    assert link_codes(app) == 0


def test_a_forged_request_gets_no_link_code(app: Flask, client: FlaskClient, desk: Account) -> None:
    registered = register(client, desk)
    clerk = log_in(app, desk)

    forged = clerk.post(f"/console/residents/{registered}/link-code", csrf=False)

    assert (forged.status_code, result_code(forged)) == (400, "csrf_failed")
    assert link_codes(app) == 0


def test_another_centers_clerk_gets_no_link_code(
    app: Flask, client: FlaskClient, desk: Account, other_center_desk: Account
) -> None:
    registered = register(client, desk)

    refused = log_in(app, other_center_desk).post(f"/console/residents/{registered}/link-code")

    assert (refused.status_code, result_code(refused)) == (404, "not_found")
    assert link_codes(app) == 0


def test_the_card_names_the_wechat_account_that_verified_the_records_number(
    app: Flask, client: FlaskClient, make: Factory, desk: Account
) -> None:
    registered = register(client, desk)
    unrelated = register(client, desk, name="陈伟", phone="13700001111")
    wechat = make.resident(desk.center_id, name="黄秀英", phone=NUMBER)
    clerk = log_in(app, desk)

    desk_card = clerk.get(f"/console/desk/residents/{registered}")
    wechat_card = clerk.get(f"/console/desk/residents/{wechat.id}")
    plain_card = clerk.get(f"/console/desk/residents/{unrelated}")

    assert "黄*英" in text_of(desk_card, "link-suggestion")
    assert f'data-resident="{wechat.id}"' in html(desk_card)
    assert 'data-testid="link-code"' not in html(wechat_card)
    assert f'data-testid="open-suggestion-{registered}"' in html(wechat_card)
    assert "link-suggestion" not in html(plain_card)
    assert 'data-testid="link-code"' in html(plain_card)
