"""The desk's own fixtures: a resident of the desk's center with points to spend, and the
desk's clerk logged in to the console."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.consoles import Console, log_in
from tests.desks import resident  # noqa: F401 (the fixture)
from tests.factories import Account


@pytest.fixture
def clerk(app: Flask, desk: Account) -> Console:
    return log_in(app, desk)
