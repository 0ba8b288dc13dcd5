"""The resident's card at the desk, put together from the services that own each part: who
(identity), points and what expires when (points), level, streak and badges
(gamification), today's events here (events), the gifts here as the resident sees them
(catalog), the last ledger lines (points' history), and the other record that may be
theirs (identity's link suggestions: a desk record and the WeChat account that verified its
number, for the clerk to offer the link).

A dozen indexed queries whatever the resident's history: scan → card is the desk's hot path.

A resident of another center who shows their code is served here (``resident_at_desk``) but
is a visitor: the card names them masked, as the API's desk answers do, and shows no ledger
and no expiry, which only their center's staff read (``resident_for_staff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from catalog import service as catalog
from catalog.service import Offered
from core.auth import Principal
from core.localtime import local_date
from events.listing import DayEvent, day_at_center
from gamification.progress import GameSettings
from gamification.service import Glance, glance
from identity.merging import link_suggestions
from identity.models import Resident, mask_name, mask_phone
from identity.schemas import LinkSuggestionSchema
from points import ledger
from points.expiry import expiring
from points.history import ledger_page

#: The resident's latest ledger lines on the card.
LEDGER_LINES = 8
#: Gifts listed (a district's catalog is a few dozen).
GIFTS = 100
_SUGGESTIONS = LinkSuggestionSchema(many=True)


@dataclass(frozen=True, slots=True)
class Card:
    resident_id: int
    name: str | None
    phone_masked: str | None
    #: The desk may open the resident's record: their center's staff, or the district's.
    known: bool
    #: How the card's buttons name the resident: by id where the desk may open the record,
    #: else by the code the visitor showed.
    ref: dict[str, Any]
    #: Logs in with the mini-program; a record registered at the desk has no WeChat (yet).
    has_wechat: bool
    #: The records that may be this person's other one, as the API shows them (masked
    #: names); none for a visitor.
    link_suggestions: list[dict[str, Any]]
    balance: int
    reserved: int
    #: ``[{"points", "on"}]``, soonest first; empty for a visitor.
    expiring: list[dict[str, Any]]
    #: Level, streak and badges; None for a visitor (their center's staff read them).
    game: Glance | None
    #: The desk's center; None for a district-wide principal who has not chosen one.
    center_id: int | None
    events: list[DayEvent]
    gifts: list[Offered]
    ledger: list[dict[str, Any]]

    @property
    def spendable(self) -> int:
        return self.balance - self.reserved


def reference(actor: Principal, resident: Resident, code: str | None) -> dict[str, Any]:
    """How later requests name the resident: their id when the actor may open their record
    (or no code was shown), else the code they showed."""
    if code is None or actor.can_access_center(resident.center_id):
        return {"resident_id": resident.id}
    return {"member_code": code}


def card_of(
    actor: Principal,
    resident: Resident,
    code: str | None,
    center_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    settings: GameSettings,
) -> Card:
    """The card of ``resident``, reached by the ``code`` they showed (None: by id, after a
    search), at the desk of ``center_id``."""
    known = actor.can_access_center(resident.center_id)
    balance, reserved = ledger.balance_of(resident.id)
    events: list[DayEvent] = []
    gifts: list[Offered] = []
    if center_id is not None:
        events = day_at_center(center_id, resident.id, local_date(now, tz), tz)
        gifts = catalog.items_page(actor, center_id, GIFTS, None, now, tz, serving=resident.id)[
            "items"
        ]
    return Card(
        resident_id=resident.id,
        name=resident.name if known else mask_name(resident.name),
        phone_masked=mask_phone(resident.phone),
        known=known,
        ref=reference(actor, resident, code),
        has_wechat=resident.has_wechat,
        link_suggestions=_SUGGESTIONS.dump(link_suggestions(actor, resident)) if known else [],
        balance=balance,
        reserved=reserved,
        expiring=expiring(resident.id, settings.points) if known else [],
        game=glance(resident.id, local_date(now, tz), settings) if known else None,
        center_id=center_id,
        events=events,
        gifts=gifts,
        ledger=ledger_page(resident.id, LEDGER_LINES, None)["items"] if known else [],
    )
