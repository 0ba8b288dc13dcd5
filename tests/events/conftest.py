"""Fixtures the events tests share."""

from __future__ import annotations

import pytest

from tests.factories import Account, Factory


@pytest.fixture
def desk(make: Factory) -> Account:
    """A desk clerk at a center of their own."""
    return make.staff("staff")
