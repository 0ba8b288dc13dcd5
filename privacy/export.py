"""A copy of a resident's own data (PIPL Art. 45): everything held about them, in one answer.

One query per kind of record however long the history, never one per row: a resident with
years of check-ins gets their copy about as fast as a newcomer.

A resident whose records were joined (merging) gets the history of every one of them: what
moved to the survivor, and what stayed on the record merged into it (its ledger, a check-in
it made at an event the survivor attended too, a privacy-policy version both accepted, who
read it). Each ledger entry says which record's chain it is on (``record_id``).

Their condition tags and follow-ups' conditions are in it (their own health data is theirs
to have). Who on the staff side opened their record is in it by role and center, without
the staff member's name: the center answers for its staff, and a name is the staff
member's own personal information.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from catalog.models import CatalogItem, Redemption
from core.auth import Principal
from core.db import db
from events.followups import status_of
from events.models import Checkin, Event, EventSignup, FollowUp
from gamification import leaderboard
from gamification import service as game
from identity import service as identity
from identity.audit import record_audit
from identity.merging import merged_records
from identity.models import (
    CONDITIONS,
    AuditEvent,
    Center,
    PrivacyAcceptance,
    Resident,
    Staff,
    center_of,
)
from points import ledger
from points.models import LedgerEntry, LedgerTransaction


def copy_for(actor: Principal, now: datetime, today: date) -> dict[str, Any]:
    """The actor's own data (``today``, the district's day, says which follow-ups are
    overdue); the copy is audited."""
    resident = identity.get_resident(actor.id)
    balance, reserved = ledger.balance_of(resident.id)
    records = merged_records(resident.id)
    copy = {
        "exported_at": now,
        "profile": _profile(resident),
        "consents": resident.consents,
        "privacy_acceptances": _privacy_acceptances(records),
        "conditions": [
            {
                "code": tag.condition,
                "name": CONDITIONS[tag.condition],
                "recorded_at": tag.recorded_at,
            }
            for tag in resident.condition_tags
        ],
        "member_cards": resident.member_cards[::-1],
        "points": {"balance": balance, "reserved": reserved},
        "checkins": _checkins(records),
        "signups": _signups(records),
        "ledger": _ledger(records),
        "redemptions": _redemptions(records),
        "followups": _followups(records, today),
        "badges": game.held_badges(resident.id),
        "challenges": game.my_challenges(resident.id, today),
        "leaderboard_opt_in": leaderboard.opted_in(resident.id),
        "access_log": _access_log(records),
    }
    record_audit(actor, "resident.export", resident.id)
    return copy


def _center(center_id: int | None, name: str | None) -> dict[str, Any] | None:
    return None if center_id is None else {"id": center_id, "name": name}


def _profile(resident: Resident) -> dict[str, Any]:
    return {
        "id": resident.id,
        "name": resident.name,
        "phone": resident.phone,
        "center": center_of(resident.center_id),
        "phone_verified": resident.phone_verified,
        "has_wechat": resident.has_wechat,
        "created_at": resident.created_at,
    }


def _privacy_acceptances(records: list[int]) -> list[PrivacyAcceptance]:
    return list(
        db.session.scalars(
            select(PrivacyAcceptance)
            .where(PrivacyAcceptance.resident_id.in_(records))
            .order_by(PrivacyAcceptance.accepted_at, PrivacyAcceptance.id)
        )
    )


def _checkins(records: list[int]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Checkin.id, Checkin.created_at, Checkin.method, Checkin.annulled_at, *_EVENT)
        .join(Event, Event.id == Checkin.event_id)
        .join(Center, Center.id == Event.center_id)
        .where(Checkin.resident_id.in_(records))
        .order_by(Checkin.created_at, Checkin.id)
    )
    return [
        {
            "id": row.id,
            "checked_in_at": row.created_at,
            "method": row.method,
            "annulled_at": row.annulled_at,
            "event": _event(row),
        }
        for row in rows
    ]


def _signups(records: list[int]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(EventSignup.id, EventSignup.created_at, EventSignup.cancelled_at, *_EVENT)
        .join(Event, Event.id == EventSignup.event_id)
        .join(Center, Center.id == Event.center_id)
        .where(EventSignup.resident_id.in_(records))
        .order_by(EventSignup.created_at, EventSignup.id)
    )
    return [
        {
            "id": row.id,
            "signed_up_at": row.created_at,
            "cancelled_at": row.cancelled_at,
            "event": _event(row),
        }
        for row in rows
    ]


#: The event a check-in or a sign-up was for, and its center, as the copy shows it.
_EVENT = (
    Event.id.label("event_id"),
    Event.title,
    Event.kind,
    Event.starts_at,
    Center.id.label("center_id"),
    Center.name.label("center_name"),
)


def _event(row: Any) -> dict[str, Any]:
    return {
        "id": row.event_id,
        "title": row.title,
        "kind": row.kind,
        "starts_at": row.starts_at,
        "center": _center(row.center_id, row.center_name),
    }


def _ledger(records: list[int]) -> list[dict[str, Any]]:
    t = LedgerTransaction
    rows = db.session.execute(
        select(
            LedgerEntry.resident_id,
            LedgerEntry.seq,
            LedgerEntry.created_at,
            LedgerEntry.delta,
            LedgerEntry.balance_after,
            t.kind,
            t.reason,
            Center.id.label("center_id"),
            Center.name.label("center_name"),
        )
        .join(t, t.id == LedgerEntry.transaction_id)
        .outerjoin(Center, Center.id == t.center_id)
        .where(LedgerEntry.resident_id.in_(records))
        .order_by(LedgerEntry.id)  # each chain in its order, the chains as they were written
    )
    return [
        {
            "record_id": row.resident_id,
            "seq": row.seq,
            "created_at": row.created_at,
            "kind": row.kind,
            "reason": row.reason,
            "delta": row.delta,
            "balance_after": row.balance_after,
            "center": _center(row.center_id, row.center_name),
        }
        for row in rows
    ]


def _redemptions(records: list[int]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(
            Redemption.id,
            Redemption.created_at,
            Redemption.status,
            Redemption.quantity,
            Redemption.points_spent,
            Redemption.expires_at,
            Redemption.fulfilled_at,
            Redemption.cancelled_at,
            CatalogItem.id.label("item_id"),
            CatalogItem.name.label("item_name"),
            Center.id.label("center_id"),
            Center.name.label("center_name"),
        )
        .join(CatalogItem, CatalogItem.id == Redemption.item_id)
        .join(Center, Center.id == Redemption.center_id)
        .where(Redemption.resident_id.in_(records))
        .order_by(Redemption.id)
    )
    return [
        {
            "id": row.id,
            "created_at": row.created_at,
            "status": row.status,
            "item": {"id": row.item_id, "name": row.item_name},
            "quantity": row.quantity,
            "points_spent": row.points_spent,
            "center": _center(row.center_id, row.center_name),
            "expires_at": row.expires_at,
            "fulfilled_at": row.fulfilled_at,
            "cancelled_at": row.cancelled_at,
        }
        for row in rows
    ]


def _followups(records: list[int], today: date) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(FollowUp, Center.name.label("center_name"))
        .join(Center, Center.id == FollowUp.center_id)
        .where(FollowUp.resident_id.in_(records))
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    return [
        {
            "id": row.FollowUp.id,
            "due_on": row.FollowUp.due_on,
            "status": status_of(row.FollowUp, today),
            "done_at": row.FollowUp.done_at,
            "condition": {
                "code": row.FollowUp.condition,
                "name": CONDITIONS[row.FollowUp.condition],
            },
            "center": _center(row.FollowUp.center_id, row.center_name),
        }
        for row in rows
    ]


def _access_log(records: list[int]) -> list[dict[str, Any]]:
    """Who read, changed or exported the resident's record: staff by role and center."""
    rows = db.session.execute(
        select(
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.actor_kind,
            Staff.role,
            Center.id.label("center_id"),
            Center.name.label("center_name"),
        )
        .outerjoin(Staff, (AuditEvent.actor_kind == "staff") & (Staff.id == AuditEvent.actor_id))
        .outerjoin(Center, Center.id == Staff.center_id)
        .where(AuditEvent.resident_id.in_(records))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        {
            "at": row.at,
            "action": row.action,
            "by": {
                "kind": row.actor_kind,
                "role": row.role,
                "center": _center(row.center_id, row.center_name),
            },
        }
        for row in rows
    ]
