"""Schemathesis over the app's own OpenAPI document: no input gets a 5xx or an undocumented answer.

The schema is read from ``/api/openapi.json`` of the test's app (in-process, over WSGI), so
every endpoint a later change adds is fuzzed too, with no list to keep up to date here.

To get past 401/403 into the views, each example carries the token of a role that may call
the operation. Who may call what is not written down here either: before fuzzing, every
secured operation is probed once with each role's token, and the roles it does not refuse
(401/403) are the ones the fuzzer draws from. About half the examples also have the ids,
credentials and codes they name (``resident_id``, ``username``, ``token``...) replaced by
real ones, so the fuzzer reaches the success paths rather than only 404s.

WeChat is faked in-process (code2Session and getPhoneNumber answer most codes with an openid
or a number, some with "invalid code"), so ``POST /auth/wechat`` and ``POST /me/phone`` are
fuzzed the way production runs them; without it every code gets the documented 503 "WeChat
is not configured".
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.api import MAX_ID
from identity import wechat
from tests.factories import PASSWORD, Account, Factory

#: Per operation and generation phase; the whole run stays well under a minute.
MAX_EXAMPLES = 20

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

#: Everyone who can hold a token. A manager with no center is the district's manager.
ROLES = ("staff", "manager", "district_manager", "admin", "resident")
METHODS = ("get", "put", "post", "delete", "patch")

#: Explicit, so a schemathesis.toml somewhere up the tree cannot change what runs here. The
#: coverage phase (every boundary of every parameter, and every undocumented method) is off:
#: it doubles the run time, and is there for a longer run (`"coverage": {"enabled": True}`).
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": False},
        }
    }
)


def fake_wechat(request: httpx.Request) -> httpx.Response:
    """WeChat's server API: an access token; an openid (jscode2session) or a phone number
    (getuserphonenumber) for three codes in four, 'invalid code' otherwise."""
    if request.url.path == "/cgi-bin/stable_token":
        return httpx.Response(200, json={"access_token": "fuzz-token", "expires_in": 7200})
    if request.url.path == "/wxa/business/getuserphonenumber":
        code = json.loads(request.content)["code"]
    else:
        code = request.url.params["js_code"]
    digest = hashlib.sha256(code.encode()).hexdigest()
    if digest[0] in "0123":
        return httpx.Response(200, json={"errcode": 40029, "errmsg": "invalid code"})
    if request.url.path == "/wxa/business/getuserphonenumber":
        number = f"139{int(digest[:16], 16) % 10**8:08d}"
        info = {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86"}
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "phone_info": info})
    return httpx.Response(200, json={"openid": f"o{digest[:27]}", "session_key": "k"})


@pytest.fixture
def fuzz_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app.config.update(
        WECHAT_APPID="wx-fuzz",
        WECHAT_SECRET="fuzz-secret",
        # The limit is read per request: keep the fuzzer's logins from all being 429s.
        LOGIN_RATE_LIMIT="100000 per minute",
        REFRESH_RATE_LIMIT="100000 per minute",
        WECHAT_LOGIN_RATE_LIMIT="100000 per minute",
    )
    client = httpx.Client(transport=httpx.MockTransport(fake_wechat))
    monkeypatch.setattr(wechat, "_client", client)
    yield app
    client.close()


@pytest.fixture
def world(fuzz_app: Flask, make: Factory) -> dict[str, Any]:
    """A center with an account of each role, a resident with points and a gift taken,
    a gift in stock, and two open events.

    The fuzzer gets the first event's id, which it may well cancel; the QR code it gets is the
    second's, so its check-ins can still succeed (201, then 200 "already checked in").
    """
    center = make.center()
    accounts: dict[str, Account] = {
        "staff": make.staff("staff", center_id=center),
        "manager": make.staff("manager", center_id=center),
        "district_manager": make.staff("manager"),
        "admin": make.staff("admin"),
        "resident": make.resident(center),
    }
    resident = accounts["resident"]
    make.credit(resident.id, 500)
    event, scanned_event = make.event(center), make.event(center)

    client = fuzz_app.test_client()
    staff = accounts["staff"].headers
    checkin = client.post(
        f"/api/v1/events/{event}/checkins", json={"resident_id": resident.id}, headers=staff
    )
    qr = client.get(f"/api/v1/events/{scanned_event}/qr?mode=static", headers=staff)
    member_code = client.get("/api/v1/me/member-code", headers=resident.headers)
    manager = accounts["manager"].headers
    item = client.post(
        "/api/v1/catalog/items", json={"name": "血压计", "points_cost": 10}, headers=manager
    )
    stock = client.post(
        f"/api/v1/catalog/items/{item.json['id']}/stock",
        json={"center_id": center, "delta": 100, "reason": "received"},
        headers=manager,
    )
    redemption = client.post(
        "/api/v1/redemptions",
        json={"resident_id": resident.id, "item_id": item.json["id"], "quantity": 1},
        headers=staff,
    )
    statuses = [r.status_code for r in (checkin, qr, member_code, item, stock, redemption)]
    assert statuses == [201, 200, 200, 201, 200, 201], statuses
    known = {
        "center_id": center,
        "resident_id": resident.id,
        "event_id": event,
        "checkin_id": checkin.json["checkin"]["id"],
        "item_id": item.json["id"],
        "redemption_id": redemption.json["id"],
        "username": accounts["manager"].username,
        "password": PASSWORD,
        "refresh_token": accounts["staff"].tokens["refresh_token"],
        "token": qr.json["token"],
        "url": qr.json["url"],
        "member_code": member_code.json["code"],
    }
    return {"accounts": accounts, "known": known}


@pytest.fixture
def api_schema(fuzz_app: Flask, request: pytest.FixtureRequest) -> schemathesis.BaseSchema:
    # schemathesis 4.32's from_fixture renames the test to each operation through the node's
    # `_nodeid`, which pytest 9 no longer has (it keeps `_id`): give it one to read and write.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app, config=CONFIG)


def documented_operations(app: Flask) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation), the operation's parameters including its path's."""
    document = app.test_client().get("/api/openapi.json").json
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                parameters = [*item.get("parameters", []), *item[method].get("parameters", [])]
                yield method.upper(), path, {**item[method], "parameters": parameters}


def probe_path(path: str, parameters: list[dict[str, Any]]) -> str:
    """The path with parameters that name nothing: a refusal can only be about the role."""
    for parameter in parameters:
        if parameter["in"] == "path":
            value = MAX_ID if parameter["schema"].get("type") == "integer" else "nothing"
            path = path.replace(f"{{{parameter['name']}}}", str(value))
    return path


@pytest.fixture
def roles(fuzz_app: Flask, world: dict[str, Any]) -> dict[tuple[str, str], list[str | None]]:
    """For each operation, the roles whose token it accepts (``None``: no token needed)."""
    client = fuzz_app.test_client()
    allowed: dict[tuple[str, str], list[str | None]] = {}
    for method, path, operation in documented_operations(fuzz_app):
        if (method, path) == ("DELETE", "/api/v1/me"):
            continue  # a probe that succeeds closes the world's resident; fuzzed it is not
        if not operation.get("security"):
            allowed[(method, path)] = [None]
            continue
        allowed[(method, path)] = [
            role
            for role in ROLES
            if client.open(
                probe_path(path, operation["parameters"]),
                method=method,
                headers=world["accounts"][role].headers,
                json={} if "requestBody" in operation else None,
            ).status_code
            not in (401, 403)
        ]
    return allowed


def with_known_values(case: schemathesis.Case, known: dict[str, Any]) -> None:
    """Put real ids, credentials and codes where the case has a field of that name."""
    for container in ("path_parameters", "query", "body"):
        values = getattr(case, container)
        if isinstance(values, dict) and known.keys() & values.keys():
            setattr(case, container, {k: known.get(k, v) for k, v in values.items()})


# Closing the account would end every resident case after it (tests/privacy has its own).
schema = schemathesis.pytest.from_fixture("api_schema").exclude(method="DELETE", path="/api/v1/me")


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@schema.parametrize()
def test_no_input_gets_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case,
    world: dict[str, Any],
    roles: dict[tuple[str, str], list[str | None]],
) -> None:
    # Who calls, and with or without real ids, follows from the case itself: the choice varies
    # from case to case and stays the same when Hypothesis replays one. (Drawing it with
    # @schema.given would switch off schemathesis' examples and coverage phases.)
    digest = zlib.crc32(repr(case).encode())
    allowed = roles[(case.operation.method.upper(), case.operation.path)] or [None]
    role = allowed[digest % len(allowed)]
    if digest & 0x10000:
        with_known_values(case, world["known"])
    # The failure report's curl line filters the token out: this says whose it was.
    headers = {"X-Fuzz-Role": role or "nobody"}
    if role:
        headers.update(world["accounts"][role].headers)
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_every_secured_operation_is_fuzzed_past_its_role_check(
    roles: dict[tuple[str, str], list[str | None]],
) -> None:
    """Otherwise the fuzzer would only ever see 403s there (e.g. a role this file doesn't know)."""
    assert len(roles) >= 39
    assert [operation for operation, allowed in roles.items() if not allowed] == []
