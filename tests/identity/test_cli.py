"""``flask create-center``, ``flask create-staff`` and ``flask seed-demo``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from catalog.models import Redemption
from core.db import db
from events.models import Checkin, Event, FollowUp
from identity.models import Center, Consent, Resident, ResidentCondition, Staff
from points.models import LedgerTransaction
from tests.factories import PASSWORD


def test_create_center_prints_its_id_last(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["create-center", "登峰街社区卫生服务中心"])

    assert result.exit_code == 0, result.output
    center_id = int(result.output.strip().splitlines()[-1])
    with app.app_context():
        assert db.session.get(Center, center_id).name == "登峰街社区卫生服务中心"


def test_create_center_refuses_a_duplicate_name(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["create-center", "A"])

    result = runner.invoke(args=["create-center", "A"])

    assert result.exit_code != 0
    assert "已有名为“A”的中心" in result.output  # the CLI speaks the default language too


def test_create_staff_with_a_password_flag_can_then_log_in(app: Flask) -> None:
    runner = app.test_cli_runner()
    center_id = runner.invoke(args=["create-center", "A"]).output.strip().splitlines()[-1]

    result = runner.invoke(
        args=[
            "create-staff",
            "desk",
            "--role",
            "staff",
            "--center",
            center_id,
            "--password",
            PASSWORD,
        ]
    )
    login = app.test_client().post(
        "/api/v1/auth/login", json={"username": "desk", "password": PASSWORD}
    )

    assert result.exit_code == 0, result.output
    assert login.status_code == 200
    assert login.json["staff"]["id"] == int(result.output.strip().splitlines()[-1])


def test_create_staff_prompts_for_the_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-staff", "chief", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Staff.role).where(Staff.username == "chief")) == "admin"


def test_create_staff_refuses_desk_staff_without_a_center(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-staff", "desk", "--role", "staff", "--password", PASSWORD]
    )

    assert result.exit_code != 0
    assert "center" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Staff.id))) == 0


def test_seed_demo_builds_a_small_district_once(app: Flask) -> None:
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0
    assert "there already" in second.output
    with app.app_context():
        count = lambda column: db.session.scalar(select(func.count(column)))  # noqa: E731
        assert count(Center.id) == 3
        assert count(Resident.id) == 51
        assert count(Consent.id) > 0
        assert count(ResidentCondition.resident_id) > 0
        roles = set(db.session.scalars(select(Staff.role)))
        assert count(LedgerTransaction.id) > count(Resident.id)
        assert count(Event.id) >= 3 * 13
        assert count(Checkin.id) > 3 * 50
        assert count(FollowUp.id) > 0
        assert count(Redemption.id) > 3
    assert roles == {"admin", "manager", "staff"}
    login = app.test_client().post(
        "/api/v1/auth/login", json={"username": "desk1", "password": "demo-pass-2026"}
    )
    assert login.status_code == 200


def test_create_staff_refuses_a_short_password_in_words(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-staff", "boss", "--role", "admin", "--password", "short"]
    )

    assert result.exit_code == 1
    assert "password" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Staff.id))) == 0
