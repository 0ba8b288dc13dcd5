"""Joining two records of one person into one resident, in one transaction.

Which record survives:

- The mini-program's link (:func:`link`): the desk record survives, and the WeChat account
  joins it. Staff registered it, printed its member card, scheduled its follow-ups and know
  it by its id, and its ledger is usually the longer one. The WeChat login (openid) moves
  onto it, so every later ``wx.login`` finds it; the mini-program goes on with new tokens
  for it (``me.service.link``), and the WeChat record's logins end.
- A manager's merge (:func:`merge`): the record the manager names survives (the desk's,
  as a rule, for the same reasons).

Both join the same way: both points accounts locked first (the lower id first, so two joins
of one pair wait for each other), then each domain moves its own rows: identity (login,
consents, tags, cards), points (the balance, by ledger transactions on both chains, with
holds and caps), events (check-ins, follow-ups, personal events, scan log), catalog
(gifts and reservations) and reminders (grants and reminders). The join is audited on both
records. The absorbed record stays as an anonymous, closed row pointing at the survivor,
under the ledger entries and the few records a unique key keeps behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog import records
from core import qr_links
from core.auth import Principal
from core.codes import CodeKeys
from core.errors import TokenRevoked
from core.i18n import _l
from events import merging as events_merging
from identity import link_codes
from identity import merging as identity_merging
from identity import service as identity
from identity.audit import record_audit, resident_for_staff
from identity.merging import AlreadyMerged
from identity.models import Resident
from points import merging as points_merging
from reminders import merging as reminders_merging

#: What the ledgers of both records say for the points that moved.
MERGE_REASON = "账户合并"


@dataclass(frozen=True, slots=True)
class Joined:
    """What a join did: the one resident now, the record absorbed, the points moved to it,
    the check-ins both records had made at one event (annulled on the absorbed one) and the
    points those had earned that were spent already, so stayed (``events.merging``)."""

    resident: Resident
    from_resident_id: int
    points_moved: int
    duplicate_checkins: int
    duplicate_points_kept: int


def issue_link_code(
    actor: Principal,
    resident_id: int,
    ttl_seconds: int,
    keys: CodeKeys,
    base_url: str,
    now: datetime,
) -> dict[str, Any]:
    """A link code for a resident of the actor's center registered at a desk, with the
    signed link of its QR picture for the desk screen (or to print)."""
    resident = resident_for_staff(actor, resident_id)
    issued = link_codes.issue(actor, resident, now, ttl_seconds)
    return {
        "code": issued.code,
        "grouped": issued.grouped,
        "expires_at": issued.expires_at,
        "resident_id": resident.id,
        "image_url": qr_links.image_url(issued.code, issued.expires_at, keys, base_url),
    }


def link(resident_id: int, code: str, now: datetime, lockout: str) -> Joined:
    """The WeChat account ``resident_id`` used a link code: the desk record the code names
    absorbs it (the staff member who issued the code answers for the join). ``lockout``:
    how many wrong codes lock the account out (``link_codes.claim``)."""
    claimant = identity.get_resident(resident_id)
    used = link_codes.claim(code, claimant, now, lockout)
    actor = identity.resident_principal(claimant)
    return _join(used.resident_id, claimant.id, actor, used.issued_by_id, None, now)


def merge(
    actor: Principal, survivor_id: int, absorbed_id: int, reason: str, now: datetime
) -> Joined:
    """A manager merges two records of one person found later (e.g. by phone): the record
    ``absorbed_id`` joins ``survivor_id``. Both must be the manager's to see. ``reason``, the
    manager's words, is kept with the absorbed record, never in the audit trail (it may name
    the person)."""
    identity_merging.pair_for_merge(actor, survivor_id, absorbed_id)
    return _join(survivor_id, absorbed_id, actor, actor.id, reason, now)


def _join(
    survivor_id: int,
    absorbed_id: int,
    actor: Principal,
    staff_id: int,
    reason: str | None,
    now: datetime,
) -> Joined:
    try:
        points_merging.lock_pair(survivor_id, absorbed_id)
    except TokenRevoked:
        # Closed while this request waited for the lock: merged by the join that held it.
        raise AlreadyMerged(_l("One of the records was merged or closed meanwhile.")) from None
    survivor = identity_merging.absorb(survivor_id, absorbed_id, actor, staff_id, reason, now)
    moved = points_merging.move_account(
        absorbed_id, survivor_id, MERGE_REASON, actor, survivor.center_id, now
    )
    twice = events_merging.repoint_resident(absorbed_id, survivor_id, actor, staff_id, now)
    records.repoint_resident(absorbed_id, survivor_id)
    reminders_merging.repoint_resident(absorbed_id, survivor_id)
    detail = (
        f"from={absorbed_id} points={moved} duplicate_checkins={twice.duplicates} "
        f"duplicate_points_kept={twice.points_kept}"
    )
    record_audit(actor, "resident.merge", survivor_id, detail)
    record_audit(actor, "resident.merge", absorbed_id, f"into={survivor_id}")
    return Joined(survivor, absorbed_id, moved, twice.duplicates, twice.points_kept)
