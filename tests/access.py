"""Who may call what: the route × role tables of tests/<package>/test_access.py.

Each package's table is written by hand, one row per route of the package (read from the
app's URL map, so a route added without a row fails), one column per persona, each cell the
status a request gets that is otherwise good enough to succeed. Every request is about
center A's things (its residents, events, gifts, reservations); the personas are the
fixtures of tests/conftest.py:

    anon   no token at all
    res    a resident whose home is center A (``resident``)
    desk   center A's desk staff (``desk``)
    other  another center's desk staff (``other_center_desk``)
    mgr    center A's manager (``manager``)
    dist   the district's manager, a manager without a center (``district_manager``)
    admin  an administrator (``admin``)

401 is "log in first" (302 to the login form for a console page: tests/console's table),
403 "not your role", 404 "not your center" (another center's things do not exist to its
staff); anything else is the answer the allowed persona gets. A
changed ``auth_required`` changes a cell; the ``x-roles`` the OpenAPI document lists are
checked against the table, not the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from flask import Flask

from tests.consoles import csrf_token, log_in
from tests.factories import Account, Factory

#: The table's columns, and the fixture each persona is (None: no token).
PERSONAS: dict[str, str | None] = {
    "anon": None,
    "res": "resident",
    "desk": "desk",
    "other": "other_center_desk",
    "mgr": "manager",
    "dist": "district_manager",
    "admin": "admin",
}
#: The role each persona's token carries, as ``x-roles`` names them.
ROLE_OF = {
    "res": "resident",
    "desk": "staff",
    "other": "staff",
    "mgr": "manager",
    "dist": "manager",
    "admin": "admin",
}
#: Refused before the view runs: no token, or a role ``auth_required`` does not list.
REFUSED_AT_THE_DOOR = (401, 403)

Route = str  # "METHOD /path/{param}"
Table = dict[Route, dict[str, int]]


def table(text: str) -> Table:
    """Read a table: a header naming the personas, then ``METHOD /path status...`` rows."""
    header, *rows = [line.split() for line in text.strip().splitlines() if line.strip()]
    assert tuple(header) == tuple(PERSONAS), f"columns must be {' '.join(PERSONAS)}"
    parsed: Table = {}
    for method, path, *cells in rows:
        route = f"{method} {path}"
        assert len(cells) == len(PERSONAS), f"{route}: one status per persona"
        assert route not in parsed, f"{route}: two rows"
        parsed[route] = {persona: int(cell) for persona, cell in zip(PERSONAS, cells, strict=True)}
    return parsed


def cases(access: Table) -> list[Any]:
    """One test per cell, named ``METHOD /path as <fixture>``."""
    return [
        pytest.param(route, persona, status, id=f"{route} as {PERSONAS[persona] or 'anonymous'}")
        for route, row in access.items()
        for persona, status in row.items()
    ]


_PARAMETER = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def routes_of(app: Flask, package: str) -> set[Route]:
    """Every ``METHOD /path`` whose view lives in ``package``, parameters written ``{name}``."""
    found = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        module = getattr(view, "view_class", view).__module__
        if module.split(".")[0] != package:
            continue
        path = _PARAMETER.sub(r"{\1}", rule.rule)
        found |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented_roles(app: Flask) -> dict[Route, set[str] | None]:
    """The ``x-roles`` of each operation of the OpenAPI document (None: no token needed)."""
    document = app.test_client().get("/api/openapi.json").json
    return {
        f"{method.upper()} {path}": (set(operation["x-roles"]) if "x-roles" in operation else None)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
    }


def let_through(row: dict[str, int]) -> set[str]:
    """The roles the table lets past ``auth_required``: some persona of the role is not
    refused with 401 or 403 (a 403 from the rules themselves is the same status, so a role
    whose every persona the rules refuse cannot be told apart; no route has one today)."""
    return {
        ROLE_OF[persona]
        for persona, status in row.items()
        if persona != "anon" and status not in REFUSED_AT_THE_DOOR
    }


def assert_agrees_with_the_document(app: Flask, access: Table) -> None:
    """Where the OpenAPI document speaks of a route, it says what the table says."""
    documented = documented_roles(app)
    disagreements = {}
    for route, row in access.items():
        if route not in documented:  # pages outside the API
            continue
        roles = documented[route]
        if roles is None:
            expected_anon_refused = False
            roles = set(ROLE_OF.values())
        else:
            expected_anon_refused = True
        if let_through(row) != roles or (row["anon"] == 401) != expected_anon_refused:
            disagreements[route] = (sorted(roles), row)
    assert disagreements == {}


@dataclass(frozen=True)
class Call:
    """The request a row's cells are about: path parameters by name, and what it sends."""

    params: dict[str, object] = field(default_factory=dict)
    json: Any = None
    query: dict[str, object] | None = None
    files: dict[str, Any] | None = None


def call(
    *,
    json: Any = None,
    query: dict[str, object] | None = None,
    files: dict[str, Any] | None = None,
    **params: object,
) -> Call:
    return Call(params, json, query, files)


class World:
    """Center A and its people, each made on first use (every test starts empty)."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request

    def _fixture(self, name: str) -> Any:
        return self._request.getfixturevalue(name)

    @property
    def app(self) -> Flask:
        return self._fixture("app")  # type: ignore[no-any-return]

    @property
    def make(self) -> Factory:
        return self._fixture("make")  # type: ignore[no-any-return]

    @property
    def desk(self) -> Account:
        return self._fixture("desk")  # type: ignore[no-any-return]

    @property
    def resident(self) -> Account:
        return self._fixture("resident")  # type: ignore[no-any-return]

    @cached_property
    def center(self) -> int:
        """Center A: the desk's."""
        assert self.desk.center_id is not None
        return self.desk.center_id


Arrange = Callable[[World], Call]


def status_of(request: pytest.FixtureRequest, route: Route, persona: str, arrange: Arrange) -> int:
    """Arrange the row's request, send it as ``persona``, and return the status."""
    world = World(request)
    # Uploaded pictures go to the test's own folder.
    world.app.config["MEDIA_DIR"] = str(request.getfixturevalue("tmp_path"))
    planned = arrange(world)
    fixture = PERSONAS[persona]
    method, path = route.split(" ", 1)
    url = path.format(**planned.params)
    if path.startswith("/console"):
        account = request.getfixturevalue(fixture) if fixture else None
        return _console_status(world.app, account, method, url, planned)
    client = world.app.test_client()
    headers = {} if fixture is None else request.getfixturevalue(fixture).headers
    sent = {"data": planned.files} if planned.files is not None else {"json": planned.json}
    with client.open(url, method=method, headers=headers, query_string=planned.query, **sent) as r:
        return r.status_code


def _console_status(
    app: Flask, account: Account | None, method: str, url: str, planned: Call
) -> int:
    """A console page's status for a browser: staff logged in through the login form, anyone
    else (a resident has no console login) with only the login page's session. Every unsafe
    request carries the CSRF token, so the cell is about who may, not about the token; a
    form's fields are the call's ``json``."""
    if account is not None and account.role != "resident":
        console = log_in(app, account)
        client, token = console.client, console.token
    else:
        client = app.test_client()
        token = csrf_token(client.get("/console/"))
    headers = {"X-CSRFToken": token}
    with client.open(
        url, method=method, headers=headers, query_string=planned.query, data=planned.json
    ) as response:
        return response.status_code


def access_tests(
    access: Table, requests: dict[Route, Arrange], *packages: str
) -> tuple[Callable[..., None], Callable[..., None], Callable[..., None]]:
    """The three tests every package's table gets: each of its routes has a row (and a
    request), the OpenAPI document's ``x-roles`` agree, and each cell holds. A module binds
    them to test names: ``test_rows, test_document, test_who_may_call_what = access_tests(...)``.
    """

    def test_every_route_of_the_package_has_a_row(app: Flask) -> None:
        assert set(access) == set().union(*(routes_of(app, package) for package in packages))
        assert set(requests) == set(access)

    def test_the_openapi_document_lists_the_same_roles(app: Flask) -> None:
        assert_agrees_with_the_document(app, access)

    @pytest.mark.parametrize(("route", "persona", "status"), cases(access))
    def test_who_may_call_what(
        request: pytest.FixtureRequest, route: str, persona: str, status: int
    ) -> None:
        got = status_of(request, route, persona, requests[route])
        assert got == status, f"{route} as {persona}: {got}, the table says {status}"

    return (
        test_every_route_of_the_package_has_a_row,
        test_the_openapi_document_lists_the_same_roles,
        test_who_may_call_what,
    )
