"""Closing a resident's account (PIPL Art. 47): settle what is open, erase who they were.

Called off: reservations (points and stock back) and sign-ups for events still to come
(their places free). Kept, under the resident's row made anonymous: the ledger (points are
public money: every entry stays and the chain still verifies), check-ins, past sign-ups and
gifts handed over (the statistics count them), consent records, all withdrawn (the proof
that what was held, was held with consent), and the audit log. Erased: name, phone, WeChat
ids, condition tags, follow-ups (their condition is health data, and the compliance
statistics leave out a follow-up whose condition tag is gone anyway), the titles and places
of events made for the resident alone, the phone's address and browser in the scan log, the
reasons managers gave for merging records into theirs, every login and every member card,
every reminder and grant to send one. A WeChat login afterwards finds no one with that openid
and starts a new, empty account.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import case, delete, select, update

from catalog import reservations
from catalog.models import Redemption
from core.auth import Principal
from core.db import db
from events import signups
from events.models import Event, FollowUp, ScanAttempt
from gamification import progress as game
from identity import member_cards, sessions
from identity import service as identity
from identity.audit import record_audit
from identity.merging import forget_merge_reasons
from identity.models import Consent, Resident, ResidentCondition
from points import ledger
from points.ledger import Source
from points.models import ACTIVITY_NAMES
from points.service import spend_account
from reminders import service as reminders

#: The reason the ledger and the stock movements give for what closing settles.
CLOSURE_REASON = "账户注销"
#: The ledger's source for the closing's settlement: one per resident, so it happens once.
CLOSURE_SOURCE = "closure"


def close_account(actor: Principal, now: datetime) -> None:
    """Close the actor's own account, all of it in the request's transaction.

    The points account's lock comes first (every move of points takes it): a second closing
    waits behind the first, then finds the account closed (``token_revoked``).
    """
    ledger.lock_account(actor.id)
    resident = identity.get_resident(actor.id)
    cancelled = _cancel_reservations(actor, resident.id, now)
    settled = _settle_balance(actor, resident.id)
    ledger.close_account(resident.id, now)
    _withdraw_consents(resident.id, now)
    _erase_followups_and_personal_events(resident.id, now)
    signups.end_for_closed_account(resident.id, now)
    _erase_devices(resident.id)
    sessions.revoke_resident(resident.id, now)
    member_cards.erase(resident.id)
    game.erase(resident.id)
    reminders.erase(resident.id)
    _erase_identity(resident, now)
    forget_merge_reasons(resident.id)
    record_audit(actor, "resident.close", resident.id, f"points={settled} reservations={cancelled}")
    db.session.flush()


def _cancel_reservations(actor: Principal, resident_id: int, now: datetime) -> int:
    """Call off every open reservation (points and stock back); returns how many were open."""
    open_reservations = db.session.scalars(
        select(Redemption)
        .where(Redemption.resident_id == resident_id, Redemption.status == "reserved")
        .order_by(Redemption.id)
    ).all()
    for reservation in open_reservations:
        # One that lapsed unseen by the job is settled as lapsed, as reading it would.
        if reservations.expire_if_lapsed(reservation, now).status == "reserved":
            reservations.cancel(actor, reservation, CLOSURE_REASON, now)
    return len(open_reservations)


def _settle_balance(actor: Principal, resident_id: int) -> int:
    """Forfeit what is left, as an ``expire`` that says why: points lapse unused, as at year
    end, rather than being a manager's correction (``adjust``). Returns how many points."""
    account = ledger.lock_account(resident_id)
    left = account.balance - account.reserved
    if left > 0:
        source = Source(CLOSURE_SOURCE, str(resident_id), CLOSURE_REASON)
        spend_account(account, left, source, actor, kind="expire")
    return left


def _withdraw_consents(resident_id: int, now: datetime) -> None:
    """Every consent withdrawn (the records stay), and the condition tags it allowed erased."""
    db.session.execute(
        update(Consent)
        .where(Consent.resident_id == resident_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    db.session.execute(
        delete(ResidentCondition).where(ResidentCondition.resident_id == resident_id)
    )


def _erase_followups_and_personal_events(resident_id: int, now: datetime) -> None:
    """Follow-ups go; events made for the resident alone are called off if still to come,
    their titles (where staff may have named the resident or a condition) become the
    activity's name and their place (a home visit's is the resident's address) goes."""
    db.session.execute(delete(FollowUp).where(FollowUp.resident_id == resident_id))
    db.session.execute(
        update(Event)
        .where(Event.resident_id == resident_id)
        .values(title=case(ACTIVITY_NAMES, value=Event.kind), location=None)
    )
    db.session.execute(
        update(Event)
        .where(
            Event.resident_id == resident_id,
            Event.cancelled_at.is_(None),
            Event.checkin_closes_at > now,
        )
        .values(cancelled_at=now)
    )


def _erase_devices(resident_id: int) -> None:
    """The scan log keeps the attempts (the fraud record counts them), not the phone's
    address and browser that said who the resident was."""
    db.session.execute(
        update(ScanAttempt)
        .where(ScanAttempt.resident_id == resident_id)
        .values(client_ip=None, user_agent=None)
    )


def _erase_identity(resident: Resident, now: datetime) -> None:
    resident.name = resident.phone = resident.openid = resident.unionid = None
    resident.phone_verified_at = None  # frees the number for whoever verifies it next
    # Voids every member code already shown (a screenshot of one, too).
    resident.member_secret = secrets.token_hex(16)
    resident.closed_at = now
