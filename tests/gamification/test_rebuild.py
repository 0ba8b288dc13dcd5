"""``flask gamification rebuild`` derives from history what the check-ins did one by one.

Two residents of each pair live the same random history (the same events, check-ins and
annulments, in the same order, which is not the order of their days): the first is refreshed
at every step, the second never until the rebuild. Afterwards both hold the same badges,
progress, completions and points, and the rebuild changed nothing for the first.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin, Event
from gamification.models import BadgeAward, ChallengeCompletion, ChallengeProgress
from points.ledger import balance_of
from points.models import LedgerTransaction
from tests.factories import Account, Factory
from tests.gamification.conftest import months_ago

KINDS = ("lecture", "lecture", "screening", "followup", "consultation")


def snapshot(app: Flask, resident_id: int) -> dict[str, Any]:
    """What gamification holds for the resident, check-ins named by their event."""
    with app.app_context():
        event_of = dict(
            db.session.execute(
                select(Checkin.id, Checkin.event_id).where(Checkin.resident_id == resident_id)
            ).all()
        )
        bonus = db.session.scalar(
            select(func.coalesce(func.sum(LedgerTransaction.amount), 0)).where(
                LedgerTransaction.resident_id == resident_id,
                (LedgerTransaction.source_type == "challenge")
                | LedgerTransaction.reverses_id.in_(
                    select(LedgerTransaction.id).where(LedgerTransaction.source_type == "challenge")
                ),
            )
        )
        return {
            "badges": sorted(
                (award.badge_code, award.earned_at, event_of.get(award.checkin_id))
                for award in db.session.scalars(
                    select(BadgeAward).where(BadgeAward.resident_id == resident_id)
                )
            ),
            "progress": sorted(
                db.session.execute(
                    select(ChallengeProgress.challenge_id, ChallengeProgress.progress).where(
                        ChallengeProgress.resident_id == resident_id
                    )
                ).all()
            ),
            "completions": sorted(
                (c.challenge_id, c.completed_at, event_of[c.checkin_id])
                for c in db.session.scalars(
                    select(ChallengeCompletion).where(
                        ChallengeCompletion.resident_id == resident_id,
                        ChallengeCompletion.revoked_at.is_(None),
                    )
                )
            ),
            "bonus": bonus,
            "balance": balance_of(resident_id),
        }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuilding_from_history_equals_what_the_checkins_did(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    desk: Account,
    district_manager: Account,
    seed: int,
) -> None:
    rng = random.Random(seed)
    center = desk.center_id
    for title, kind, count, since in (("讲座月", "lecture", 2, 3), ("全年活跃", "any", 5, 9)):
        client.post(
            "/api/v1/challenges",
            headers=district_manager.headers,
            json={
                "title": title,
                "starts_on": str(months_ago(since, day=1).date()),
                "ends_on": str(months_ago(0, day=28).date()),
                "center_id": center if kind == "lecture" else None,
                "goal": {"kind": kind, "count": count},
                "bonus_points": 30,
            },
        )
    client.post(
        "/api/v1/badges",
        headers=district_manager.headers,
        json={"name": "三月连击", "rule": "streak", "count": 3},
    )
    events = [
        make.event(
            center,
            kind=rng.choice(KINDS),
            starts_at=months_ago(rng.randint(0, 8), day=rng.randint(1, 28)),
        )
        for _ in range(16)
    ]
    pairs = [(make.resident(center), make.resident(center)) for _ in range(4)]
    attended: dict[int, list[tuple[int, int]]] = {pair: [] for pair in range(len(pairs))}
    with app.app_context():
        starts = dict(db.session.execute(select(Event.id, Event.starts_at)).all())

    for _ in range(60):
        pair = rng.randrange(len(pairs))
        valid = attended[pair]
        if valid and rng.random() < 0.25:
            both = valid.pop(rng.randrange(len(valid)))
            for inline, checkin_id in zip((True, False), both, strict=True):
                app.config["GAMIFICATION_INLINE"] = inline
                make.annul(checkin_id, center or 0)
            continue
        used = {event for event, _ in _events_of(app, pairs[pair][0].id)}
        free = [event for event in events if event not in used]
        if not free:
            continue
        event = rng.choice(free)
        at = starts[event] + timedelta(minutes=1)
        made = []
        for inline, resident in zip((True, False), pairs[pair], strict=True):
            app.config["GAMIFICATION_INLINE"] = inline
            made.append(make.checkin(event, resident.id, at=at))
        valid.append((made[0], made[1]))

    incremental = [snapshot(app, first.id) for first, _ in pairs]
    result = app.test_cli_runner().invoke(args=["gamification", "rebuild"])

    assert result.exit_code == 0, result.output
    assert [snapshot(app, first.id) for first, _ in pairs] == incremental
    assert [snapshot(app, second.id) for _, second in pairs] == incremental
    assert any(s["badges"] for s in incremental) and any(s["completions"] for s in incremental)


def _events_of(app: Flask, resident_id: int) -> list[tuple[int, int]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(Checkin.event_id, Checkin.id).where(Checkin.resident_id == resident_id)
            )
        ]
