"""``flask seed-demo``: three centers, staff of every role, about fifty residents with points,
two months of events with attendance, follow-ups, events to try now, and gifts in stock,
some handed over."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.auth import Principal
from core.codes import CodeKeys
from core.db import db, utcnow
from demo.activities import first_day, seed_activities, seed_events_to_try
from demo.gifts import seed_catalog, seed_desk
from gamification.progress import GameSettings
from gamification.rebuild import rebuild
from identity import service as identity
from identity import staff_accounts
from identity.models import CONDITIONS, HEALTH_CONDITIONS_CONSENT, Center, Resident, Staff
from points import adjustments
from points.expiry import PointsSettings

DEMO_PASSWORD = "demo-pass-2026"
CENTERS = (
    ("登峰街社区卫生服务中心", "广州市越秀区登峰路"),
    ("黄花岗街社区卫生服务中心", "广州市越秀区先烈中路"),
    ("白云街社区卫生服务中心", "广州市越秀区东湖路"),
)
SURNAMES = "陈李黄张梁林刘吴何罗郑谢冯邓曾彭"
GIVEN = ("伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "洁", "勇", "艳", "杰", "娟", "涛", "明")
RESIDENTS_PER_CENTER = 17
DESKS = ("desk1", "desk2", "desk3")
DESK_NAMES = ("王护士", "刘护士", "赵护士")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create the demo district once; every run makes sure today's lecture is open."""
    settings = PointsSettings.from_config(current_app.config)
    now = utcnow()
    if db.session.scalar(select(Center.id).where(Center.name == CENTERS[0][0])) is not None:
        click.echo("The demo district is there already.")
    else:
        _seed_district(settings, now)
        db.session.commit()
        # The two months of attendance earn their badges and levels, as the worker would.
        rebuild(GameSettings.from_config(current_app.config))
        click.echo("Seeded the demo district.")
    for desk in db.session.scalars(select(Staff).where(Staff.username.in_(DESKS))):
        seed_events_to_try(identity.staff_principal(desk), now, settings.tz)
    db.session.commit()
    _print_logins()


def _seed_district(settings: PointsSettings, now: datetime) -> None:
    rng = random.Random(2026)
    staff_accounts.create_staff("admin", DEMO_PASSWORD, "admin", display_name="系统管理员")
    staff_accounts.create_staff("district", DEMO_PASSWORD, "manager", display_name="区卫健局")
    keys = CodeKeys.from_config(current_app.config)
    gifts = seed_catalog()
    for number, (name, address) in enumerate(CENTERS, start=1):
        center = identity.create_center(name, address)
        manager = staff_accounts.create_staff(
            f"manager{number}", DEMO_PASSWORD, "manager", center.id, display_name=f"{name[:3]}主任"
        )
        desk = staff_accounts.create_staff(
            DESKS[number - 1],
            DEMO_PASSWORD,
            "staff",
            center.id,
            display_name=DESK_NAMES[number - 1],
        )
        desk_staff = identity.staff_principal(desk)
        residents = _seed_residents(rng, number, center.id, desk_staff)
        launch = datetime.combine(
            first_day(now, settings.tz) - timedelta(days=7), time(8), settings.tz
        )
        _seed_paper_balances(rng, residents, identity.staff_principal(manager), settings, launch)
        seed_activities(rng, desk_staff, residents, settings, now)
        seed_desk(rng, gifts, desk_staff, residents, settings, keys, now)


def _seed_residents(
    rng: random.Random, number: int, center_id: int, desk: Principal
) -> list[Resident]:
    residents = []
    for index in range(1, RESIDENTS_PER_CENTER + 1):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"138{number:02d}{rng.randrange(10**6):06d}"
        resident = identity.register_resident(desk, name, phone, center_id)
        if index % 4 != 0:
            # Most residents use the mini-program; every fourth is checked in by staff.
            resident.openid = f"demo-c{number}-r{index:02d}"
        if index % 3 == 0:
            identity.grant_consent(resident, HEALTH_CONDITIONS_CONSENT, "2026-01")
            tags = rng.sample(sorted(CONDITIONS)[:3], k=rng.randint(1, 2))
            identity.set_conditions(desk, resident, tags)
        residents.append(resident)
    return residents


def _seed_paper_balances(
    rng: random.Random,
    residents: list[Resident],
    manager: Principal,
    settings: PointsSettings,
    launch: datetime,
) -> None:
    """The paper booklets' stamps carried over at launch, and a few corrections the day after."""
    expires_at = settings.expires_at(launch)
    for index, resident in enumerate(residents):
        opening = rng.choice((20, 30, 50, 80, 120))
        adjustments.adjust(
            resident.id,
            opening,
            "纸质积分卡余额转入",
            manager,
            center_id=manager.center_id,
            expires_at=expires_at,
            at=launch,
        )
        if index % 5 == 4:
            adjustments.adjust(
                resident.id,
                -10,
                "纸质积分卡重复登记，更正",
                manager,
                center_id=manager.center_id,
                expires_at=None,
                at=launch + timedelta(days=1),
            )


def _print_logins() -> None:
    click.echo(f"Staff logins for the console at /console/ (password {DEMO_PASSWORD}):")
    click.echo("  admin     admin, manages centers and staff")
    click.echo("  district  district manager, sees every center")
    for number, (name, _) in enumerate(CENTERS, start=1):
        click.echo(f"  manager{number}  manager of {name}")
        click.echo(f"  desk{number}     desk staff of {name}")
    click.echo(
        "Resident logins: POST /api/v1/auth/wechat with code dev:demo-c1-r01 (or any dev:<id>)"
    )


commands = (seed_demo,)
