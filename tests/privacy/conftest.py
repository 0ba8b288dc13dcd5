from __future__ import annotations

import pytest

from tests.factories import Account, Factory


@pytest.fixture
def desk(make: Factory) -> Account:
    return make.staff("staff")


@pytest.fixture
def manager(make: Factory, desk: Account) -> Account:
    return make.staff("manager", center_id=desk.center_id)
