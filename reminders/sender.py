"""Sending due reminders through WeChat: a pool of sender threads, each claiming a few due
rows at a time (``FOR UPDATE SKIP LOCKED``, so threads and processes never take the same
row), spending one grant per message in the claim, then calling WeChat and recording every
attempt.

A claimed reminder is committed as ``sending`` before WeChat is called, and a batch's
outcomes are recorded together after it: a sender that dies in between leaves its batch
there, never sends it twice (``settling.settle_stale`` fails it later).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Integer, String, column, insert, select, update, values

from core.db import db, utcnow
from identity.models import Resident
from reminders import subscriptions
from reminders.messages import message
from reminders.models import KIND_TEMPLATES, Reminder, ReminderAttempt
from reminders.settings import ReminderSettings, is_quiet
from reminders.tokens import SharedAccessTokens, TokenUnavailable
from reminders.wechat import REFUSED, STALE_TOKEN, Answer, send_message

#: Reminders a sender claims per transaction.
BATCH = 50
#: A claimed reminder put back as ``pending``: not tried, or not to be tried now.
HELD_BACK = "pending"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    resident_id: int
    kind: str
    openid: str
    data: dict[str, Any]


def send_due(now: datetime, settings: ReminderSettings) -> Counter[str]:
    """Send every WeChat reminder due at ``now`` with ``settings.senders`` threads; the
    outcomes counted by status. Stops claiming when the district's night begins."""
    if not settings.template_ids or not settings.appid:
        return Counter()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tokens = SharedAccessTokens(settings)
    started = time.monotonic()
    with ThreadPoolExecutor(settings.senders, thread_name_prefix="reminder-sender") as pool:
        runs = [
            pool.submit(_sender, app, now, started, settings, tokens)
            for _ in range(settings.senders)
        ]
        return sum((run.result() for run in runs), Counter())


def _sender(
    app: Flask,
    now: datetime,
    started: float,
    settings: ReminderSettings,
    tokens: SharedAccessTokens,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    with app.app_context():
        while True:
            moment = now + timedelta(seconds=time.monotonic() - started)
            if is_quiet(moment, settings.tz):
                break
            claimed, settled = claim(moment, settings)
            counts.update(settled)
            if not claimed and not settled:
                break

            def clock() -> datetime:
                return now + timedelta(seconds=time.monotonic() - started)

            outcomes: list[Outcome] = []
            for item in claimed:
                held_back = outcomes and outcomes[-1][1] == HELD_BACK
                outcomes.append(
                    (item, HELD_BACK, [])
                    if held_back
                    else (item, *deliver(item, settings, tokens, clock))
                )
            if outcomes:
                record(outcomes, utcnow())
            counts.update(status for _, status, _ in outcomes)
            if any(status == HELD_BACK for _, status, _ in outcomes):
                break  # night has come, or WeChat gives no token: the next run goes on
    return counts


def claim(now: datetime, settings: ReminderSettings) -> tuple[list[Claimed], Counter[str]]:
    """Take up to :data:`BATCH` due reminders: each spends a grant and is ``sending``, or
    settles at once (``no_grant``; a resident without WeChat goes to the call list). Commits.
    Returns what to send, and what settled at once by status."""
    kinds = [kind for kind, template in KIND_TEMPLATES.items() if template in settings.template_ids]
    rows = db.session.execute(
        select(Reminder.id, Reminder.resident_id, Reminder.kind, Reminder.data, Resident.openid)
        .join(Resident, Resident.id == Reminder.resident_id)
        .where(
            Reminder.status == "pending",
            Reminder.channel == "wechat",
            Reminder.send_after <= now,
            Reminder.send_before > now,
            Reminder.kind.in_(kinds),
        )
        .order_by(Reminder.send_after, Reminder.id)
        .limit(BATCH)
        .with_for_update(of=Reminder, skip_locked=True)
    ).all()
    with_wechat = [row for row in rows if row.openid is not None]
    to_call = [row.id for row in rows if row.openid is None]  # unlinked since it was planned
    # One statement spends a grant for each resident and template; a second reminder of
    # the same resident and template in the batch spends its own after it.
    first = subscriptions.spend_each(
        [(row.resident_id, KIND_TEMPLATES[row.kind]) for row in with_wechat], now
    )
    claimed, no_grant, seen = [], [], set()
    for row in with_wechat:
        pair = (row.resident_id, KIND_TEMPLATES[row.kind])
        granted = pair in first if pair not in seen else subscriptions.spend(*pair, now)
        seen.add(pair)
        if granted:
            claimed.append(Claimed(row.id, row.resident_id, row.kind, row.openid, row.data))
        else:
            no_grant.append(row.id)
    for ids, changes in (
        (to_call, {"channel": "call"}),
        (no_grant, {"status": "no_grant", "settled_at": now}),
        ([item.id for item in claimed], {"status": "sending", "claimed_at": now}),
    ):
        if ids:
            db.session.execute(update(Reminder).where(Reminder.id.in_(ids)).values(**changes))
    db.session.commit()
    return claimed, +Counter(call=len(to_call), no_grant=len(no_grant))  # + drops zeros


def deliver(
    item: Claimed,
    settings: ReminderSettings,
    tokens: SharedAccessTokens,
    clock: Callable[[], datetime],
) -> tuple[str, list[tuple[datetime, Answer]]]:
    """Call WeChat until it answers for good: ``sent``; ``refused`` (43101, never again);
    ``failed`` after ``max_attempts`` (5xx, refused connections and rate limits wait twice
    as long each time; a stale token is replaced once and costs no wait), on any other
    refusal, or at once when the request went out and no answer came (it may have been
    delivered: never twice). :data:`HELD_BACK` when night comes before an attempt or WeChat
    gives no access token: back to the queue, its grant given back."""
    template = KIND_TEMPLATES[item.kind]
    body = message(
        item.kind,
        item.data,
        item.openid,
        settings.template_ids[template],
        settings.miniprogram_state,
        settings.tz,
    )
    attempts: list[tuple[datetime, Answer]] = []
    token: str | None = None
    replaced = False
    wait = 0.0
    for _ in range(settings.max_attempts):
        time.sleep(wait)
        if is_quiet(clock(), settings.tz):
            return HELD_BACK, attempts
        if token is None:
            try:
                token = tokens.get()
            except TokenUnavailable as unavailable:
                log.error("WeChat gave no access token: %s", unavailable.answer.errmsg)
                attempts.append((utcnow(), unavailable.answer))
                return HELD_BACK, attempts
        answer = send_message(settings, token, body)
        attempts.append((utcnow(), answer))
        if answer.ok:
            return "sent", attempts
        if answer.errcode == REFUSED:
            return "refused", attempts
        if answer.errcode in STALE_TOKEN and not replaced:
            replaced = True
            try:
                token = tokens.replace(token)
            except TokenUnavailable:
                token = None
            wait = 0.0
            continue
        if not answer.retryable:
            return "failed", attempts
        wait = _backoff(settings, attempts)
    return "failed", attempts


def _backoff(settings: ReminderSettings, attempts: list[tuple[datetime, Answer]]) -> float:
    return float(settings.retry_seconds * 2 ** (len(attempts) - 1))


#: A claimed reminder's outcome: its status and every attempt, with when it was made.
Outcome = tuple[Claimed, str, list[tuple[datetime, Answer]]]


def record(outcomes: list[Outcome], now: datetime) -> None:
    """Settle claimed reminders with their attempts, in one transaction; commits."""
    db.session.execute(
        insert(ReminderAttempt),
        [
            {
                "reminder_id": item.id,
                "at": at,
                "http_status": answer.http_status,
                "errcode": answer.errcode,
                "errmsg": answer.errmsg,
            }
            for item, _, attempts in outcomes
            for at, answer in attempts
        ],
    )
    settled = values(
        column("id", Integer), column("status", String), column("tries", Integer), name="settled"
    ).data([(item.id, status, len(attempts)) for item, status, attempts in outcomes])
    db.session.execute(
        update(Reminder)
        .where(Reminder.id == settled.c.id)
        .values(
            status=settled.c.status,
            settled_at=now,
            attempts=Reminder.attempts + settled.c.tries,
        )
    )
    held_back = [item.id for item, status, _ in outcomes if status == HELD_BACK]
    if held_back:
        db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(held_back))
            .values(status="pending", settled_at=None, claimed_at=None)
        )
    for item, status, attempts in outcomes:
        template = KIND_TEMPLATES[item.kind]
        if status == "refused":
            subscriptions.forget_all(item.resident_id, template, now)
        elif status == HELD_BACK or (status == "failed" and not _maybe_delivered(attempts)):
            subscriptions.refund(item.resident_id, template, now)
    db.session.commit()


def _maybe_delivered(attempts: list[tuple[datetime, Answer]]) -> bool:
    return any(answer.maybe_delivered for _, answer in attempts)
