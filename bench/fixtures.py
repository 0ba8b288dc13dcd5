"""What the benchmark sends: request files for ``requests.lua``, made with the app's own code.

Runs inside an app context configured exactly like the gunicorn under test (same keys, same
database), so tokens are minted by ``identity.tokens`` and check-in codes signed by
``events.codes`` with the production keys; open events and stock are created through the
services the API uses, so the database stays as consistent as the loader left it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text

from catalog import items as catalog
from console import session as console_session
from core.auth import Principal
from core.codes import current_keys
from core.db import db, utcnow
from core.localtime import district_today, district_zone
from events import checkin, codes
from events import service as events
from events.models import Event
from events.scans import Scanner
from gamification import challenges
from identity import member_codes
from identity.models import Resident, Staff
from identity.tokens import issue_tokens, new_token_id
from points.expiry import PointsSettings
from stats.periods import Period

#: The gift the desk benchmark hands over: the cheapest, so most residents can afford it.
GIFT_ID = 1


@dataclass(frozen=True)
class Cast:
    """Who acts: the busiest center, its manager and a desk clerk, and a district manager."""

    center_id: int
    manager: Principal
    desk: Principal
    district: Principal

    @classmethod
    def find(cls) -> Cast:
        center_id = db.session.execute(
            text("SELECT center_id FROM residents GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
        staff = db.session.execute(
            text(
                "SELECT id, role, center_id FROM staff WHERE center_id = :c OR "
                "(role = 'manager' AND center_id IS NULL) ORDER BY id"
            ),
            {"c": center_id},
        ).all()
        pick = {
            (role, center is None): Principal("staff", id_, role, center)
            for id_, role, center in reversed(staff)
        }
        return cls(
            center_id, pick[("manager", False)], pick[("staff", False)], pick[("manager", True)]
        )


def token(principal: Principal) -> str:
    """An access token; the bench never refreshes, so its session is recorded nowhere."""
    return str(
        issue_tokens(principal, session=new_token_id(), refresh_jti=new_token_id())["access_token"]
    )


def console_credentials(app: Flask, principal: Principal) -> str:
    """A console login for ``principal``, as ``requests.lua`` sends it: the session cookie the
    login form would set and the CSRF token the page would carry.

    In an application context of its own: Flask-WTF keeps the token it made on ``g``, so a
    second login in the caller's context would carry the first one's token, which the new
    session refuses."""
    with app.app_context(), app.test_request_context("/console/"):
        console_session.log_in(db.session.get_one(Staff, principal.id))
        csrf = generate_csrf()
        db.session.commit()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))  # type: ignore[attr-defined]
    return f"cookie:{app.config['SESSION_COOKIE_NAME']}={cookie}|{csrf}"


def desk_scans(path: Path, app: Flask, cast: Cast, count: int) -> Path:
    """``count`` scans of residents' member codes at the center's desk, each opening the card.

    Codes are minted now and live a minute: the run that sends them follows at once.
    """
    ids = db.session.execute(
        text("SELECT id FROM residents WHERE center_id = :c ORDER BY id LIMIT 5000"),
        {"c": cast.center_id},
    ).scalars()
    keys, now = current_keys(), utcnow()
    scanned = [member_codes.issue(db.session.get_one(Resident, rid), keys, now).code for rid in ids]
    credentials = console_credentials(app, cast.desk)
    lines = [
        ("POST", "/console/desk/scan", credentials, "form:" + urlencode({"code": code}))
        for code in scanned
    ]
    return write(path, (lines * (count // max(len(lines), 1) + 1))[:count])


def dashboard_paths(app: Flask, cast: Cast) -> dict[str, tuple[str, str]]:
    """What the district manager's browser asks for when the dashboard first opens (this
    year, every center): the page, then its follow-up compliance widget."""
    credentials = console_credentials(app, cast.district)
    return {
        "page": ("/console/dashboard", credentials),
        "follow-ups widget": ("/console/dashboard/followups", credentials),
    }


def a_typical_day_so_far(app: Flask, cast: Cast, seed: int) -> int:
    """Today's check-ins brought up to the district's typical day (the mean of the last four
    rolled-up weeks), as a manager opening the dashboard at closing time finds them: this
    year's figures count today live, from the check-ins. Returns how many today holds.

    Through the check-in service, at lectures of the busiest center open now, by residents
    from all over the district."""
    since, until = Period(district_today(), district_today()).bounds(district_zone())
    today = (
        "SELECT count(*) FROM checkins WHERE created_at >= :since AND created_at < :until"
        " AND annulled_at IS NULL"
    )
    held = db.session.execute(text(today), {"since": since, "until": until}).scalar_one()
    typical = db.session.execute(
        text(
            "SELECT coalesce(sum(checkins), 0) / 28 FROM stats_daily_checkins, stats_rollup_state"
            " WHERE scope = 0 AND day BETWEEN covered_through - 27 AND covered_through"
        )
    ).scalar_one()
    missing = int(typical) - held
    if missing <= 0:
        return held
    now, settings = utcnow(), PointsSettings.from_config(app.config)
    residents = [rid for rid, _ in resident_tokens(min(missing, 20_000), seed + 1)]
    for first in range(0, missing, len(residents)):
        event = open_lecture(cast, "今日讲座 (bench)", now)
        for resident_id in residents[: missing - first]:
            checkin.check_in(
                event.id, resident_id, now=utcnow(), settings=settings, scanner=Scanner.of(None)
            )
            db.session.commit()
    return held + missing


def write(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def resident_tokens(count: int, seed: int) -> list[tuple[int, str]]:
    """Tokens for ``count`` residents spread over the whole district."""
    total = db.session.execute(text("SELECT max(id) FROM residents")).scalar_one()
    ids = random.Random(seed).sample(range(1, total + 1), min(count, total))
    return [(rid, token(Principal("resident", rid, "resident"))) for rid in ids]


def open_lecture(cast: Cast, title: str, now: datetime) -> Event:
    """A lecture at the busiest center, begun ten minutes ago, open for hours, no capacity."""
    return events.create_event(
        cast.manager,
        {
            "title": title,
            "kind": "lecture",
            "starts_at": now - timedelta(minutes=10),
            "ends_at": now + timedelta(hours=6),
        },
    )


def checkins(path: Path, cast: Cast, residents: list[tuple[int, str]], count: int) -> Path:
    """``count`` first check-ins: each resident once per event, as many fresh events as needed.

    Consecutive lines are different residents, so concurrent requests never queue on one
    account's lock; the events have no capacity, like most lectures, so no seat row is hot.
    """
    now = utcnow()
    lines = []
    for first in range(0, count, len(residents)):
        event = open_lecture(cast, "压测讲座", now)
        code = codes.static(event.id, event.checkin_closes_at, current_keys(), "").token
        body = f'{{"token": "{code}"}}'
        for _, access in residents[: count - first]:
            lines.append(("POST", "/api/v1/checkins", access, body))
    db.session.commit()
    return write(path, lines)


def winter_challenge(cast: Cast, today: date) -> None:
    """A district-wide challenge the bench's lectures count toward (3 lectures from today,
    50 points), so the gamification worker does a running campaign's work: each check-in
    moves a resident's progress. Made once: a run on a reused database finds it."""
    title = "冬季控压挑战 (bench)"
    if db.session.execute(text("SELECT 1 FROM challenges WHERE title = :t"), {"t": title}).first():
        return
    challenges.create(
        cast.district,
        {
            "title": title,
            "starts_on": today,
            "ends_on": today + timedelta(days=90),
            "goal": {"kind": "lecture", "count": 3},
            "bonus_points": 50,
        },
    )
    db.session.commit()


def challenge_completions() -> int:
    """Challenges completed (bonus paid) so far, all of them."""
    db.session.rollback()  # the worker committed them in its own process
    return db.session.execute(text("SELECT count(*) FROM challenge_completions")).scalar_one()


def redemptions(path: Path, cast: Cast, count: int) -> Path:
    """Desk redemptions of the cheapest gift for residents of the center who can afford it.

    A resident comes back once per gift they can pay for, never twice in a row; stock is
    topped up first (a recorded ``received`` movement) when the shelf has fewer than needed.
    """
    cost = db.session.execute(
        text("SELECT points_cost FROM catalog_items WHERE id = :i"), {"i": GIFT_ID}
    ).scalar_one()
    rows = db.session.execute(
        text(
            "SELECT a.resident_id, (a.balance - a.reserved) / :cost FROM points_accounts a "
            "JOIN residents r ON r.id = a.resident_id "
            "WHERE r.center_id = :c AND a.balance - a.reserved >= :cost "
            "ORDER BY a.resident_id LIMIT 20000"
        ),
        {"cost": cost, "c": cast.center_id},
    ).all()
    lines: list[tuple[str, str, str, str]] = []
    desk = token(cast.desk)
    for round_ in range(max((n for _, n in rows), default=0)):
        for resident_id, affordable in rows:
            if round_ < affordable and len(lines) < count:
                body = f'{{"resident_id": {resident_id}, "item_id": {GIFT_ID}, "quantity": 1}}'
                lines.append(("POST", "/api/v1/redemptions", desk, body))
    shelf = catalog.available_stock(GIFT_ID, cast.center_id)
    if shelf < len(lines):
        catalog.move_stock(cast.manager, GIFT_ID, cast.center_id, len(lines) - shelf, "received")
    db.session.commit()
    return write(path, lines)


def ledgers(path: Path) -> tuple[Path, float]:
    """First ledger pages of the 200 residents with the longest histories (and their mean)."""
    rows = db.session.execute(
        text("SELECT resident_id, version FROM points_accounts ORDER BY version DESC LIMIT 200")
    ).all()
    lines = [
        ("GET", "/api/v1/me/ledger", token(Principal("resident", rid, "resident")), "-")
        for rid, _ in rows
    ]
    return write(path, lines), sum(v for _, v in rows) / max(len(rows), 1)


def stats_paths(cast: Cast, today: date) -> dict[str, tuple[str, str]]:
    """The summary for last calendar month and last calendar year, district-wide (district
    manager) and for the busiest center (its manager); every other report for last year,
    district-wide."""
    month_end = today.replace(day=1) - timedelta(days=1)
    month = (month_end.replace(day=1), month_end)
    year = (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    district, manager = token(cast.district), token(cast.manager)
    paths = {}
    for label, (first, last) in (("month", month), ("year", year)):
        base = f"/api/v1/stats/summary?from={first}&to={last}"
        paths[f"summary ({label}, district)"] = (base, district)
        paths[f"summary ({label}, center {cast.center_id})"] = (
            f"{base}&center_id={cast.center_id}",
            manager,
        )
    last_year = f"from={year[0]}&to={year[1]}"
    for report, query in (
        ("participation", "&interval=month&group_by=center"),
        ("followups", ""),
        ("events", ""),
        ("items", ""),
    ):
        paths[f"{report} (year, district)"] = (
            f"/api/v1/stats/{report}?{last_year}{query}",
            district,
        )
    return paths


def rollups_cover() -> str | None:
    """The last day the stats rollups cover, if ``flask stats refresh`` has run."""
    day = db.session.execute(text("SELECT max(covered_through) FROM stats_rollup_state")).scalar()
    return str(day) if day else None
