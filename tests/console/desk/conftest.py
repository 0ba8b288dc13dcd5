"""The desk's own fixtures: a resident of the desk's center with points to spend, and the
desk's clerk logged in to the console."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.consoles import Console, log_in
from tests.factories import Account, Factory


@pytest.fixture
def resident(make: Factory, desk: Account) -> Account:
    """A resident of the desk's center, with 100 points."""
    account = make.resident(desk.center_id, name="王秀英", phone="13912345678")
    make.credit(account.id, 100)
    return account


@pytest.fixture
def clerk(app: Flask, desk: Account) -> Console:
    return log_in(app, desk)
