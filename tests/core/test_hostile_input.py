"""Shapes of input that once made a 500, and bodies past their size limit: each is refused
with a problem, never a server error.

The schemathesis run (tests/test_openapi_fuzz.py) draws from the documented schemas, which
never produce these; they are written out here so they stay fixed.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from core.requestbody import MULTIPART_ALLOWANCE
from identity.tokens import ALGORITHM
from tests.conftest import Build
from tests.factories import Account, Factory

#: 27 characters, the length of a code, none of them base64url.
NOT_BASE64 = "~" * 27


def assert_problem(response: Any, status: int, code: str) -> None:
    assert (response.status_code, response.content_type) == (status, "application/problem+json")
    assert response.json["code"] == code


# -- signed codes that are not base64url -------------------------------------------------------


def test_a_display_link_that_is_not_a_code_is_refused(client: FlaskClient) -> None:
    page = client.get(f"/display/{NOT_BASE64}")
    state = client.get(f"/display/{NOT_BASE64}/state")

    assert page.status_code == 400
    assert_problem(state, 400, "invalid_qr")


def test_a_checkin_token_that_is_not_a_code_is_refused(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    resident = make.resident(desk.center_id)

    response = client.post("/api/v1/checkins", headers=resident.headers, json={"token": NOT_BASE64})

    assert_problem(response, 400, "invalid_qr")


def test_a_member_code_that_is_not_a_code_is_refused_at_the_desk(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    member_code = NOT_BASE64
    event = make.event(desk.center_id)

    checkin = client.post(
        f"/api/v1/events/{event}/checkins", headers=desk.headers, json={"member_code": member_code}
    )
    redemption = client.post(
        "/api/v1/redemptions",
        headers=desk.headers,
        json={"member_code": member_code, "item_id": 1},
    )

    assert checkin.status_code == redemption.status_code == 400
    assert checkin.json["code"] == redemption.json["code"]


# -- JSON that parses in Python but nowhere else ------------------------------------------------

#: Past Python's limit of 4300 digits for int(); AT_THE_LIMIT parses, to reach the schemas.
HUGE_NUMBER = '{"username": "desk", "password": ' + "9" * 4301 + "}"
AT_THE_LIMIT = json.dumps(dict.fromkeys(["points", "quantity", "item_id", "resident_id"], 0))
AT_THE_LIMIT = AT_THE_LIMIT.replace("0", "9" * 4300)
#: Deeper than the interpreter's stack, within the size limit (a deeper one is larger: 413).
DEEP_NESTING = '{"username": ' + "[" * 30_000 + "]" * 30_000 + ', "password": "x"}'
LONE_SURROGATE = '{"username": "desk", "password": "\\ud800"}'


@pytest.mark.parametrize(
    "body", [HUGE_NUMBER, DEEP_NESTING, LONE_SURROGATE], ids=["digits", "depth", "surrogate"]
)
def test_json_no_one_could_store_is_a_bad_request(client: FlaskClient, body: str) -> None:
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")

    assert_problem(response, 400, "bad_request")


def test_a_lone_surrogate_in_a_profile_is_a_bad_request(app: Flask, make: Factory) -> None:
    resident = make.resident(name="陈伟")
    client = app.test_client()

    response = client.patch(
        "/api/v1/me",
        headers=resident.headers,
        data='{"name": "\\ud800"}',
        content_type="application/json",
    )

    assert_problem(response, 400, "bad_request")
    assert client.get("/api/v1/me", headers=resident.headers).json["name"] == "陈伟"


def test_a_surrogate_pair_is_an_ordinary_character(app: Flask, make: Factory) -> None:
    resident = make.resident()
    client = app.test_client()

    response = client.patch(
        "/api/v1/me",
        headers=resident.headers,
        data='{"name": "\\u9648\\ud83d\\ude00"}',
        content_type="application/json",
    )

    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=resident.headers).json["name"] == "陈😀"


def documented_json_operations(app: Flask) -> Iterator[tuple[str, str]]:
    document = app.test_client().get("/api/openapi.json").json
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method.upper(), path.replace("{", "").replace("}", "").replace("_id", "1")


def test_no_operation_answers_these_bodies_with_a_server_error(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    center = make.center()
    callers = [make.staff("admin"), make.staff("manager", center_id=center), make.resident(center)]
    operations = list(documented_json_operations(app))
    assert len(operations) >= 15

    refused = set()
    for method, path in operations:
        for caller in callers:
            for body in (HUGE_NUMBER, AT_THE_LIMIT, DEEP_NESTING, LONE_SURROGATE):
                response = client.open(
                    path,
                    method=method,
                    data=body,
                    content_type="application/json",
                    headers=caller.headers,
                )
                assert response.status_code < 500, (method, path, body[:40])
                refused.add(response.content_type)
    assert refused == {"application/problem+json"}


# -- tokens signed with the key, with claims of the wrong shape ---------------------------------


@pytest.mark.parametrize(
    "wrong",
    [
        {"cid": True},
        {"cid": 2**40},
        {"sub": "staff:²"},
        {"sub": "staff:99999999999"},
    ],
    ids=repr,
)
def test_a_signed_token_with_claims_of_the_wrong_shape_is_refused(
    app: Flask, client: FlaskClient, desk: Account, wrong: dict[str, Any]
) -> None:
    now = int(time.time())
    claims = {
        "iss": app.config["JWT_ISSUER"],
        "aud": app.config["JWT_AUDIENCE"],
        "sub": f"staff:{desk.id}",
        "role": "staff",
        "cid": desk.center_id,
        "typ": "access",
        "iat": now,
        "exp": now + 60,
        **wrong,
    }
    token = jwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm=ALGORITHM)

    response = client.get("/api/v1/residents", headers={"Authorization": f"Bearer {token}"})

    assert_problem(response, 401, "unauthorized")


# -- how large a body may be ----------------------------------------------------------------------


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes (endless when None) that counts what was read."""

    def __init__(self, size: int | None) -> None:
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = len(buffer) if self.left is None else min(len(buffer), self.left)
        buffer[:n] = b" " * n
        self.read_bytes += n
        if self.left is not None:
            self.left -= n
        return n


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(client: FlaskClient) -> None:
    size = 100 * 1024 * 1024
    body = CountingStream(size)

    response = client.post(
        "/api/v1/auth/login",
        content_type="application/json",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(size)},
    )

    assert_problem(response, 413, "payload_too_large")
    assert body.read_bytes == 0


def test_a_chunked_body_is_refused_once_it_passes_the_limit(app: Flask) -> None:
    body = CountingStream(None)  # endless, with no Content-Length: the server ends the stream

    response = app.test_client().post(
        "/api/v1/auth/login",
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True},
    )

    assert_problem(response, 413, "payload_too_large")
    assert body.read_bytes <= app.config["MAX_CONTENT_LENGTH"] + 64 * 1024


def test_an_ordinary_json_body_just_under_the_limit_is_read(client: FlaskClient) -> None:
    padding = " " * (64 * 1024 - 100)
    body = json.dumps({"username": "nobody", "password": "wrong password"}) + padding

    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")

    assert_problem(response, 401, "invalid_credentials")


def noise(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def media_app(build: Build, tmp_path: Path) -> Flask:
    # Bodies stay under 500 KB: above that the test client spools them to a temporary file
    # it never closes.
    return build(MEDIA_DIR=str(tmp_path), MAX_IMAGE_BYTES=300_000)


def test_a_picture_may_be_larger_than_a_json_body_up_to_its_own_limit(
    media_app: Flask, make: Factory
) -> None:
    client = media_app.test_client()
    manager = make.staff("manager", center_id=make.center())
    item = client.post(
        "/api/v1/catalog/items", headers=manager.headers, json={"name": "体重秤", "points_cost": 80}
    ).json
    url = f"/api/v1/catalog/items/{item['id']}/image"
    fits, too_large = noise(250), noise(350)
    assert 64 * 1024 < len(fits) < 300_000 < len(too_large) - MULTIPART_ALLOWANCE

    uploaded = client.post(
        url, headers=manager.headers, data={"image": (io.BytesIO(fits), "scale.png")}
    )
    refused = client.post(
        url, headers=manager.headers, data={"image": (io.BytesIO(too_large), "scale.png")}
    )

    assert uploaded.status_code == 200
    assert "/media/items/" in uploaded.json["image_url"]
    assert_problem(refused, 413, "payload_too_large")


# -- a query string of raw UTF-8 -----------------------------------------------------------------


def test_a_query_string_of_raw_utf8_is_read_as_utf8(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    """What a server passes on unencoded (WSGI gives it as latin-1) still searches.

    A guard: the app reads it right already. The 400 HTML pages such a request gets come
    from the servers in front, before the app: the development server (Python's http.server
    splits the request line at the byte 0xA0, in 张) and gunicorn (RFC 9112 allows only ASCII
    there). Clients percent-encode, as browsers and wx.request do.
    """
    make.resident(desk.center_id, name="张明")
    raw = "q=张明".encode().decode("latin-1")

    response = client.get(
        "/api/v1/residents", headers=desk.headers, environ_overrides={"QUERY_STRING": raw}
    )

    assert response.status_code == 200
    assert [resident["name"] for resident in response.json["items"]] == ["张明"]
