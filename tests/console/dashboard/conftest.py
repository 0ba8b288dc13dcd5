"""The dashboard's own fixture: the district of two centers its figures are counted on."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.dashboards import arrange_district
from tests.factories import Factory


@pytest.fixture
def district(client: FlaskClient, make: Factory) -> dict[str, Any]:
    return arrange_district(client, make)
