"""Who may open what in a console area: route × persona tables, like tests/access.py's for the
API, sent through a logged-in browser session (tests/consoles.py).

The personas are tests/access.py's but the resident (who has no console login): ``anon``
(no session: 302 to the login form), ``desk``, ``other`` (another center's desk), ``mgr``,
``dist`` and ``admin``. Each cell is the status a request gets that is otherwise good enough
to succeed; 403 is "not your role", 404 "not your center".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.access import World
from tests.consoles import csrf_token, log_in

PERSONAS: dict[str, str | None] = {
    "anon": None,
    "desk": "desk",
    "other": "other_center_desk",
    "mgr": "manager",
    "dist": "district_manager",
    "admin": "admin",
}

Table = dict[str, dict[str, int]]
#: A row's request: the path (parameters filled in) and, for a POST, the form it sends.
Arrange = Callable[[World], tuple[str, dict[str, Any] | None]]


def table(text: str) -> Table:
    """``METHOD /path status...`` rows under a header naming the personas."""
    header, *rows = [line.split() for line in text.strip().splitlines() if line.strip()]
    assert tuple(header) == tuple(PERSONAS), f"columns must be {' '.join(PERSONAS)}"
    parsed: Table = {}
    for method, path, *cells in rows:
        assert len(cells) == len(PERSONAS), f"{method} {path}: one status per persona"
        parsed[f"{method} {path}"] = dict(zip(PERSONAS, map(int, cells), strict=True))
    return parsed


def routes_of(app: Flask, blueprint: str) -> set[str]:
    """Every ``METHOD /path`` of a console blueprint, parameters written ``{name}``."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{blueprint}."):
            path = rule.rule.replace("<id:", "{").replace(">", "}")
            found |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def cases(access: Table) -> list[Any]:
    return [
        pytest.param(route, persona, status, id=f"{route} as {PERSONAS[persona] or 'anonymous'}")
        for route, row in access.items()
        for persona, status in row.items()
    ]


def status_as(request: pytest.FixtureRequest, route: str, persona: str, arrange: Arrange) -> int:
    """Arrange the row's request and send it as ``persona`` (a POST as htmx sends it, with
    the CSRF token; an anonymous one as a plain form)."""
    world = World(request)
    world.app.config["MEDIA_DIR"] = str(request.getfixturevalue("tmp_path"))
    method = route.split(" ", 1)[0]
    path, form = arrange(world)
    fixture = PERSONAS[persona]
    if fixture is None:
        client = world.app.test_client()
        token = csrf_token(client.get("/console/"))
        if method == "GET":
            return client.get(path).status_code
        return client.post(path, data=form or {}, headers={"X-CSRFToken": token}).status_code
    console = log_in(world.app, request.getfixturevalue(fixture))
    if method == "GET":
        return console.get(path).status_code
    return console.post(path, form).status_code
