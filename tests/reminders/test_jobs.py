"""The scheduler runs the reminders every five minutes by day; at night they hold back."""

from __future__ import annotations

import pytest
from flask import Flask

from core.jobs import job_named, run_job
from tests.factories import Factory
from tests.reminders.conftest import (
    FakeWeChat,
    at,
    grant,
    reminders_of,
    schedule_followup,
    three_days_after,
)


@pytest.mark.parametrize(("hour", "sent"), [(10, 1), (22, 0)])
def test_the_reminders_job_plans_and_sends_what_is_due_by_day(
    reminders_app: Flask, make: Factory, wechat: FakeWeChat, hour: int, sent: int
) -> None:
    resident = make.resident(make.center())
    grant(reminders_app, resident.id)
    schedule_followup(reminders_app, make, resident.id, resident.center_id, three_days_after())
    job = job_named(reminders_app, "reminders-run")
    assert job is not None

    outcome = run_job(reminders_app, job, due_at=None, clock=lambda: at(hour))

    assert job.schedule == "*/5 8-20 * * *"
    assert outcome is not None and outcome.outcome == "ok", outcome
    assert len(wechat.messages) == sent
    assert [r.status for r in reminders_of(reminders_app, resident.id)] == ["sent"] * sent
