"""Every operation of the OpenAPI document, fuzzed: never a 5xx, never off its schema.

The schema is read from the running app, so endpoints added later are fuzzed too. Each
operation is called with a token of a role allowed to use it, so the fuzzing reaches the
views and services rather than stopping at 401/403.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import Account, Factory

EXAMPLES = 12
#: 503s the contract promises: WeChat login without WeChat configured (as in these tests).
EXPECTED_UNAVAILABLE = {"wechat_login_failed"}


@schemathesis.check
def no_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """No 5xx, except a 503 the contract documents (it is problem+json with its code)."""
    if response.status_code < 500:
        return
    if response.status_code == 503 and response.json().get("code") in EXPECTED_UNAVAILABLE:
        return
    raise AssertionError(f"{response.status_code} from {case.method} {case.path}: {response.text}")


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

#: Who calls what: residents their own endpoints, admins account management, managers the
#: rules and adjustments; desk staff everything else.
ROLE_BY_OPERATION = {
    ("GET", "/api/v1/me"): "resident",
    ("PATCH", "/api/v1/me"): "resident",
    ("GET", "/api/v1/me/ledger"): "resident",
    ("GET", "/api/v1/me/member-code"): "resident",
    ("POST", "/api/v1/me/consents"): "resident",
    ("DELETE", "/api/v1/me/consents/{purpose}"): "resident",
    ("POST", "/api/v1/checkins"): "resident",
    ("POST", "/api/v1/redemptions/reservations"): "resident",
    ("POST", "/api/v1/catalog/items"): "manager",
    ("PATCH", "/api/v1/catalog/items/{item_id}"): "manager",
    ("POST", "/api/v1/catalog/items/{item_id}/image"): "manager",
    ("POST", "/api/v1/centers"): "admin",
    ("POST", "/api/v1/staff"): "admin",
    ("GET", "/api/v1/staff"): "manager",
    ("PUT", "/api/v1/points/rules/{activity}"): "manager",
    ("POST", "/api/v1/residents/{resident_id}/adjustments"): "manager",
}


@pytest.fixture
def accounts(make: Factory) -> dict[str, Account]:
    center = make.center()
    accounts = {
        "staff": make.staff("staff", center_id=center),
        "manager": make.staff("manager", center_id=center),
        "admin": make.staff("admin"),
        "resident": make.resident(center),
    }
    make.event(center)
    make.credit(accounts["resident"].id, 50)
    return accounts


def operations(app: Flask) -> list[APIOperation]:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def fuzzer(operation: APIOperation, headers: dict[str, str]) -> Callable[[], None]:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    return fuzz  # type: ignore[no-any-return]


def test_no_operation_errors_or_breaks_its_documented_schema(
    app: Flask, accounts: dict[str, Account]
) -> None:
    failed = {}
    for operation in operations(app):
        role = ROLE_BY_OPERATION.get((operation.method.upper(), operation.path), "staff")
        try:
            fuzzer(operation, accounts[role].headers)()
        except Exception as failure:  # one operation's failure must not hide the others'
            failed[f"{operation.method.upper()} {operation.path}"] = failure
    assert not failed, "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())


def test_the_fuzzing_covers_every_operation(app: Flask) -> None:
    operations = {
        (method.upper(), path)
        for path, item in app.test_client().get("/api/openapi.json").json["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }

    assert len(operations) >= 30
    assert set(ROLE_BY_OPERATION) <= operations
