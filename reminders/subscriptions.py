"""Residents' grants to be sent a template (``wx.requestSubscribeMessage``): one grant, one
message. Counted per resident and template, spent by the senders one at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, column, delete, func, select, update, values
from sqlalchemy.dialects.postgresql import insert

from core.db import db
from reminders.models import MAX_GRANTS, TEMPLATES, ReminderSubscription


def grant(resident_id: int, template: str, count: int, now: datetime) -> dict[str, Any]:
    """Add ``count`` grants to the resident's for ``template``, at most :data:`MAX_GRANTS`
    held (WeChat's own count may be lower; a send it refuses sets ours to none)."""
    statement = insert(ReminderSubscription).values(
        resident_id=resident_id,
        template=template,
        remaining=min(count, MAX_GRANTS),
        updated_at=now,
    )
    remaining = db.session.scalar(
        statement.on_conflict_do_update(
            index_elements=[ReminderSubscription.resident_id, ReminderSubscription.template],
            set_={
                "remaining": func.least(
                    ReminderSubscription.remaining + statement.excluded.remaining, MAX_GRANTS
                ),
                "updated_at": now,
            },
        ).returning(ReminderSubscription.remaining)
    )
    return {"template": template, "remaining": remaining}


def withdraw(resident_id: int, template: str) -> None:
    """The resident wants no more messages of ``template``: their grants go."""
    db.session.execute(
        delete(ReminderSubscription).where(
            ReminderSubscription.resident_id == resident_id,
            ReminderSubscription.template == template,
        )
    )


def held(resident_id: int, template_ids: dict[str, str]) -> list[dict[str, Any]]:
    """Every template with the grants the resident holds (0 for none) and WeChat's template
    id to ask with (null while the district has not set it up)."""
    remaining = dict(
        db.session.execute(
            select(ReminderSubscription.template, ReminderSubscription.remaining).where(
                ReminderSubscription.resident_id == resident_id
            )
        ).all()
    )
    return [
        {
            "template": template,
            "remaining": remaining.get(template, 0),
            "template_id": template_ids.get(template),
        }
        for template in TEMPLATES
    ]


def spend(resident_id: int, template: str, now: datetime) -> bool:
    """Take one grant; False when none is left. One statement, so two senders never spend
    the same grant."""
    spent = db.session.execute(
        update(ReminderSubscription)
        .where(
            ReminderSubscription.resident_id == resident_id,
            ReminderSubscription.template == template,
            ReminderSubscription.remaining > 0,
        )
        .values(remaining=ReminderSubscription.remaining - 1, updated_at=now)
    )
    return spent.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def refund(resident_id: int, template: str, now: datetime) -> None:
    """Give back a grant spent on a message WeChat never took (a withdrawn template stays
    withdrawn: its row is gone)."""
    db.session.execute(
        update(ReminderSubscription)
        .where(
            ReminderSubscription.resident_id == resident_id,
            ReminderSubscription.template == template,
            ReminderSubscription.remaining < MAX_GRANTS,
        )
        .values(remaining=ReminderSubscription.remaining + 1, updated_at=now)
    )


def spend_each(wanted: list[tuple[int, str]], now: datetime) -> set[tuple[int, str]]:
    """Take one grant for each distinct (resident, template) in ``wanted``, in one statement;
    the pairs that had one (the others hold none)."""
    if not wanted:
        return set()
    pairs = values(column("resident_id", Integer), column("template", String), name="wanted").data(
        sorted(set(wanted))
    )
    spent = db.session.execute(
        update(ReminderSubscription)
        .where(
            ReminderSubscription.resident_id == pairs.c.resident_id,
            ReminderSubscription.template == pairs.c.template,
            ReminderSubscription.remaining > 0,
        )
        .values(remaining=ReminderSubscription.remaining - 1, updated_at=now)
        .returning(ReminderSubscription.resident_id, ReminderSubscription.template)
    )
    return {(resident_id, template) for resident_id, template in spent}


def forget_all(resident_id: int, template: str, now: datetime) -> None:
    """WeChat says the resident holds no grant (43101): believe it over our count."""
    db.session.execute(
        update(ReminderSubscription)
        .where(
            ReminderSubscription.resident_id == resident_id,
            ReminderSubscription.template == template,
        )
        .values(remaining=0, updated_at=now)
    )
