"""Two records of one person joined (merging.service): their check-ins, sign-ups,
follow-ups, events made for them alone and scan log are the survivor's.

A person attends an event once (one check-in per event and resident). Where both records
checked in to one event, the survivor's check-in stands for the person; the absorbed
record's stays behind with it, annulled, and a follow-up it completed is completed by the
survivor's. The one case left as it was: the survivor's check-in annulled and the absorbed
one's standing; then that attendance stays with the absorbed record, counted and earned.

The points the annulled check-in earned were earned twice for one attendance, so they come
back out (reversed on the survivor's account, where the points are now), if they are still
there to take. If they were spent (a gift bought with them), they stay spent: a balance
never goes negative, so the only other way would be to refuse the join until the person
earns that much again, leaving one person two records meanwhile, and a resident who scans
a link code nothing they could do. The points were spent in good faith, the second record
was the desk's doing, and what stayed is on the record: the earn unreversed beside its
annulled check-in, and the count in the merge's audit line (``duplicate_points_kept``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from core.auth import Principal
from core.db import db
from events import signups
from events.checkin import annul_checkin
from events.models import Checkin, Event, FollowUp, ScanAttempt
from points.service import reverse_earned_if_unspent

#: What the resident's ledger says for the points of a check-in made twice.
DUPLICATE_LEDGER_REASON = "重复签到作废（账户合并）"
#: What staff read on the annulled check-in.
DUPLICATE_REASON = "两条记录合并：同一活动重复签到"


@dataclass(frozen=True, slots=True)
class PairAttendance:
    """Two records' attendance before a join, for the manager who decides it: each one's
    standing check-ins, and the events both checked in to (the absorbed one's check-in
    there would be annulled)."""

    checkins: dict[int, int]
    shared_events: int


def pair_attendance(first_id: int, second_id: int) -> PairAttendance:
    standing = select(Checkin.resident_id, Checkin.event_id).where(
        Checkin.resident_id.in_((first_id, second_id)), Checkin.annulled_at.is_(None)
    )
    rows = db.session.execute(standing).all()
    checkins = {first_id: 0, second_id: 0}
    events: dict[int, set[int]] = {first_id: set(), second_id: set()}
    for resident_id, event_id in rows:
        checkins[resident_id] += 1
        events[resident_id].add(event_id)
    return PairAttendance(checkins, len(events[first_id] & events[second_id]))


@dataclass(frozen=True, slots=True)
class Repointed:
    """Check-ins both records made at one event: annulled on the absorbed record, and the
    points they had earned that were spent already, so stayed."""

    duplicates: int
    points_kept: int


def repoint_resident(
    from_id: int, to_id: int, actor: Principal, staff_id: int, now: datetime
) -> Repointed:
    """Move ``from_id``'s attendance and sign-ups (``signups.repoint_resident``: one live
    sign-up per event stands) to ``to_id``, in the name of ``staff_id``. The caller holds
    both points accounts' locks."""
    signups.repoint_resident(from_id, to_id, now)
    kept = aliased(Checkin)
    twice = db.session.execute(
        select(Checkin, Event, kept.id.label("kept_id"), kept.annulled_at.label("kept_annulled"))
        .join(kept, (kept.event_id == Checkin.event_id) & (kept.resident_id == to_id))
        .join(Event, Event.id == Checkin.event_id)
        .where(Checkin.resident_id == from_id)
        .order_by(Checkin.id)
    ).all()
    duplicates = points_kept = 0
    for row in twice:
        if row.Checkin.annulled_at is not None or row.kept_annulled is not None:
            continue
        db.session.execute(
            update(FollowUp)
            .where(FollowUp.checkin_id == row.Checkin.id)
            .values(checkin_id=row.kept_id)
            .execution_options(synchronize_session=False)
        )
        points_kept += reverse_earned_if_unspent(
            "checkin", str(row.Checkin.id), DUPLICATE_LEDGER_REASON, actor
        )
        annul_checkin(row.Checkin, row.Event, staff_id, DUPLICATE_REASON, now)
        duplicates += 1
    staying = [row.Checkin.id for row in twice]
    db.session.execute(
        update(Checkin)
        .where(Checkin.resident_id == from_id, Checkin.id.not_in(staying))
        .values(resident_id=to_id)
        .execution_options(synchronize_session=False)
    )
    for table in (FollowUp, Event, ScanAttempt):
        db.session.execute(
            update(table)
            .where(table.resident_id == from_id)
            .values(resident_id=to_id)
            .execution_options(synchronize_session=False)
        )
    return Repointed(duplicates, points_kept)
