"""``growth`` names the contract's keys: ``checkins`` is total attendances."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.stats.test_summary import district, summary

__all__ = ["district"]  # the fixture, shared with the summary's tests


def test_growth_of_checkins_is_that_of_total_attendances(
    client: FlaskClient, district: dict[str, Any]
) -> None:
    manager = district["district_manager"]

    year = summary(client, manager, "2025-01-01", "2025-12-31")
    b = summary(client, manager, "2025-01-01", "2025-12-31", center_id=district["b"])

    assert year["growth"]["checkins"] == year["growth"]["checkins_total"] == 5.0  # 6 after 1
    assert year["growth_vs_previous_period"]["checkins"] == 5.0
    assert b["growth"]["checkins"] is None  # B had nobody in 2024
