"""``POST /api/v1/me/phone``: a WeChat resident's number comes from WeChat's getPhoneNumber,
verified, and one verified number belongs to one resident. Numbers typed at the desk stay
unverified.

WeChat is played by pytest-httpserver on loopback (nothing is patched): ``stable_token``
hands out the access token, ``getuserphonenumber`` trades the phone button's code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from core.db import db, utcnow
from identity import phones, sessions
from identity.models import Resident
from identity.wechat import ACCESS_TOKEN_MARGIN
from tests.conftest import Build
from tests.factories import Account, Factory
from tests.racing import race
from tests.wechat import PRODUCTION, wechat_config

TOKEN_PATH = "/cgi-bin/stable_token"
PHONE_PATH = "/wxa/business/getuserphonenumber"
NUMBER = "13812345678"


def token_request(httpserver: HTTPServer) -> Any:
    return httpserver.expect_request(
        TOKEN_PATH,
        "POST",
        json={
            "grant_type": "client_credential",
            "appid": "wx-test-app",
            "secret": "test-secret",
            "force_refresh": False,
        },
    )


def phone_info(number: str = NUMBER, country: Any = "86") -> dict[str, Any]:
    info = {"phoneNumber": f"+{country}{number}", "purePhoneNumber": number}
    return {"errcode": 0, "errmsg": "ok", "phone_info": {**info, "countryCode": country}}


def give_phone(app: Flask, resident: Account, code: str = "phone-code-1") -> Any:
    return app.test_client().post("/api/v1/me/phone", headers=resident.headers, json={"code": code})


def stored_phone(app: Flask, resident: Account) -> tuple[str | None, bool]:
    with app.app_context():
        stored = db.session.get(Resident, resident.id)
        return stored.phone, stored.phone_verified


def requests_to(httpserver: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)


# -- WeChat gives the number --------------------------------------------------------------


def test_the_phone_buttons_code_sets_the_verified_number(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory
) -> None:
    resident = make.resident(phone="13900000000")
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    httpserver.expect_request(
        PHONE_PATH,
        "POST",
        query_string={"access_token": "ACCESS-1"},
        json={"code": "phone-code-1"},
    ).respond_with_json(phone_info())

    response = give_phone(wechat_app, resident, "phone-code-1")

    assert response.status_code == 200
    assert (response.json["phone_masked"], response.json["phone_verified"]) == (
        "138****5678",
        True,
    )
    assert NUMBER not in response.get_data(as_text=True)
    assert stored_phone(wechat_app, resident) == (NUMBER, True)


def test_the_access_token_is_fetched_once_and_reused(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory
) -> None:
    first, second = make.resident(), make.resident()
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    for code, number in (("code-1", "13812340001"), ("code-2", "13812340002")):
        httpserver.expect_request(
            PHONE_PATH, query_string={"access_token": "ACCESS-1"}, json={"code": code}
        ).respond_with_json(phone_info(number))

    answers = [give_phone(wechat_app, first, "code-1"), give_phone(wechat_app, second, "code-2")]

    assert [a.status_code for a in answers] == [200, 200]
    assert requests_to(httpserver, TOKEN_PATH) == 1


def test_an_access_token_about_to_expire_is_fetched_anew(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory
) -> None:
    resident = make.resident()
    token_request(httpserver).respond_with_json(
        {"access_token": "ACCESS-1", "expires_in": ACCESS_TOKEN_MARGIN}
    )
    httpserver.expect_request(PHONE_PATH).respond_with_json(phone_info())

    answers = [give_phone(wechat_app, resident), give_phone(wechat_app, resident)]

    assert [a.status_code for a in answers] == [200, 200]
    assert requests_to(httpserver, TOKEN_PATH) == 2


def test_a_token_wechat_no_longer_takes_is_replaced_and_the_code_asked_again(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory
) -> None:
    resident = make.resident()
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    httpserver.expect_request(PHONE_PATH).respond_with_json(phone_info("13812340001"))
    assert give_phone(wechat_app, resident, "code-1").status_code == 200
    httpserver.clear()  # someone forced a refresh: WeChat now knows only ACCESS-2
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-2", "expires_in": 7200})
    httpserver.expect_request(
        PHONE_PATH, query_string={"access_token": "ACCESS-1"}
    ).respond_with_json({"errcode": 40001, "errmsg": "invalid credential"})
    httpserver.expect_request(
        PHONE_PATH, query_string={"access_token": "ACCESS-2"}
    ).respond_with_json(phone_info("13812340002"))

    response = give_phone(wechat_app, resident, "code-2")

    assert response.status_code == 200
    assert stored_phone(wechat_app, resident) == ("13812340002", True)
    assert requests_to(httpserver, TOKEN_PATH) == 1


# -- WeChat refuses or misbehaves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [
        (40029, 400, "wechat_phone_failed"),  # invalid or used code
        (45011, 429, "rate_limited"),  # too many for this user
        (-1, 503, "wechat_phone_failed"),  # WeChat busy
        (40013, 503, "wechat_phone_failed"),  # our appid is wrong
        (40001, 503, "wechat_phone_failed"),  # even a fresh token is refused
    ],
)
def test_wechat_errcodes_map_to_refusals(
    wechat_app: Flask,
    httpserver: HTTPServer,
    make: Factory,
    errcode: int,
    status: int,
    code: str,
) -> None:
    resident = make.resident(phone="13900000000")
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    httpserver.expect_request(PHONE_PATH).respond_with_json({"errcode": errcode, "errmsg": "no"})

    response = give_phone(wechat_app, resident)

    assert (response.status_code, response.json["code"]) == (status, code)
    if status in (429, 503):
        assert int(response.headers["Retry-After"]) >= 1
    assert stored_phone(wechat_app, resident) == ("13900000000", True)


@pytest.mark.parametrize(
    "token_answer",
    [
        {"errcode": 40125, "errmsg": "invalid appsecret"},
        {"access_token": "ACCESS-1"},  # no expires_in
        {"access_token": "", "expires_in": 7200},
    ],
)
def test_no_access_token_is_a_503(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory, token_answer: dict[str, Any]
) -> None:
    resident = make.resident()
    token_request(httpserver).respond_with_json(token_answer)

    response = give_phone(wechat_app, resident)

    assert (response.status_code, response.json["code"]) == (503, "wechat_phone_failed")
    assert requests_to(httpserver, PHONE_PATH) == 0


@pytest.mark.parametrize(
    "respond",
    [
        lambda handler: handler.respond_with_data("Internal Server Error", status=500),
        lambda handler: handler.respond_with_data("<html>upstream</html>", status=200),
        lambda handler: handler.respond_with_json({"errcode": 0, "phone_info": "?"}),
    ],
    ids=["http-500", "not-json", "no-phone-info"],
)
def test_a_broken_answer_from_wechat_is_a_503(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory, respond: Callable[[Any], None]
) -> None:
    resident = make.resident()
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    respond(httpserver.expect_request(PHONE_PATH))

    response = give_phone(wechat_app, resident)

    assert (response.status_code, response.json["code"]) == (503, "wechat_phone_failed")


def test_unreachable_wechat_is_a_503(build: Build, closed_port: int, make: Factory) -> None:
    unreachable = build(**wechat_config(f"http://127.0.0.1:{closed_port}"))

    response = give_phone(unreachable, make.resident())

    assert (response.status_code, response.json["code"]) == (503, "wechat_phone_failed")


@pytest.mark.parametrize(
    "answer",
    [phone_info("91234567", country="852"), phone_info("12345678901"), phone_info("138123")],
    ids=["hong-kong", "not-a-mobile", "short"],
)
def test_only_a_mainland_mobile_number_is_taken(
    wechat_app: Flask, httpserver: HTTPServer, make: Factory, answer: dict[str, Any]
) -> None:
    resident = make.resident(phone="13900000000")
    token_request(httpserver).respond_with_json({"access_token": "ACCESS-1", "expires_in": 7200})
    httpserver.expect_request(PHONE_PATH).respond_with_json(answer)

    response = give_phone(wechat_app, resident)

    assert (response.status_code, response.json["code"]) == (400, "wechat_phone_failed")
    assert stored_phone(wechat_app, resident) == ("13900000000", True)


# -- dev codes ----------------------------------------------------------------------------------


def test_without_an_appid_a_dev_code_gives_the_number(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    resident = make.resident()

    response = client.post(
        "/api/v1/me/phone", headers=resident.headers, json={"code": f"dev:{NUMBER}"}
    )

    assert response.status_code == 200
    assert response.json["phone_verified"] is True
    assert stored_phone(app, resident) == (NUMBER, True)


@pytest.mark.parametrize("code", ["dev:", "dev:1381234567", "dev:138123456789", "dev:1381234567x"])
def test_a_malformed_dev_code_is_refused(client: FlaskClient, make: Factory, code: str) -> None:
    resident = make.resident()

    response = client.post("/api/v1/me/phone", headers=resident.headers, json={"code": code})

    assert (response.status_code, response.json["code"]) == (400, "wechat_phone_failed")


def test_production_without_an_appid_refuses_dev_codes(build: Build, make: Factory) -> None:
    production = build(**PRODUCTION)
    made = make.resident(phone="13900000000")
    with production.app_context():  # a token signed with production's key
        tokens = sessions.start(db.session.get(Resident, made.id))
        db.session.commit()
    resident = Account(made.id, "resident", made.center_id, tokens)

    response = give_phone(production, resident, f"dev:{NUMBER}")

    assert (response.status_code, response.json["code"]) == (503, "wechat_phone_failed")
    assert stored_phone(production, resident) == ("13900000000", True)


# -- one resident per verified number ------------------------------------------------------------


def test_a_number_another_resident_verified_is_refused(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    holder = make.resident(phone=NUMBER)
    other = make.resident(phone="13900000000")

    refused = client.post("/api/v1/me/phone", headers=other.headers, json={"code": f"dev:{NUMBER}"})
    again = client.post("/api/v1/me/phone", headers=holder.headers, json={"code": f"dev:{NUMBER}"})

    assert (refused.status_code, refused.json["code"]) == (409, "phone_taken")
    assert stored_phone(app, other) == ("13900000000", True)
    assert again.status_code == 200  # the holder verifying it again is fine
    assert stored_phone(app, holder) == (NUMBER, True)


def test_a_number_typed_at_the_desk_stays_unverified_and_blocks_no_one(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    desk = make.staff("staff")
    registered = client.post(
        "/api/v1/residents", headers=desk.headers, json={"name": "黄秀英", "phone": NUMBER}
    )
    resident = make.resident(desk.center_id, phone="13900000000")

    verified = client.post(
        "/api/v1/me/phone", headers=resident.headers, json={"code": f"dev:{NUMBER}"}
    )
    found = client.get(f"/api/v1/residents?q={NUMBER}", headers=desk.headers).json["items"]
    record = client.get(f"/api/v1/residents/{resident.id}", headers=desk.headers).json

    assert registered.json["phone_verified"] is False
    assert verified.status_code == 200
    assert {(r["id"], r["phone_verified"]) for r in found} == {
        (registered.json["id"], False),
        (resident.id, True),
    }
    assert record["phone_verified"] is True


def test_residents_verifying_one_number_at_once_get_it_once(
    racing_app: Flask, make: Factory
) -> None:
    residents = [make.resident() for _ in range(8)]

    def verify(i: int) -> int:
        resident = db.session.get(Resident, residents[i].id)
        return phones.record_verified(resident, NUMBER, utcnow()).id

    outcomes = race(racing_app, len(residents), verify)

    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert all(isinstance(o, int | phones.PhoneTaken) for o in outcomes), outcomes
    with racing_app.app_context():
        holders = db.session.scalars(select(Resident.id).where(Resident.phone == NUMBER)).all()
    assert holders == [o for o in outcomes if isinstance(o, int)]
