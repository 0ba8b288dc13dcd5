"""Everything derived again from history: ``flask gamification rebuild``.

Badges and challenge progress are emptied and each resident with a check-in, a gift or a
completion is refreshed as a new check-in would refresh them (``progress.refresh_many``),
so the result is what the incremental path would have reached. Completions are kept: their ids are
the ledger's sources, and refreshing completes, keeps or revokes each against the history,
crediting or taking back a bonus only where the ledger disagrees.
"""

from __future__ import annotations

from sqlalchemy import delete, select, union

from catalog.models import Redemption
from core.db import db, utcnow
from events.models import Checkin
from gamification.models import BadgeAward, ChallengeCompletion, ChallengeProgress
from gamification.progress import GameSettings, Terms, refresh_many

#: Residents refreshed per transaction.
CHUNK = 200


def rebuild(settings: GameSettings) -> int:
    """Derive it all again and commit, a chunk of residents at a time; returns how many
    residents were refreshed."""
    residents = db.session.scalars(
        union(
            select(Checkin.resident_id),
            select(Redemption.resident_id).where(Redemption.status == "fulfilled"),
            select(ChallengeCompletion.resident_id),
        )
    ).all()
    for table in (BadgeAward, ChallengeProgress):
        db.session.execute(delete(table))
    terms = Terms.current()
    ordered = sorted(residents)
    for start in range(0, len(ordered), CHUNK):
        refresh_many(ordered[start : start + CHUNK], utcnow(), settings, terms)
        db.session.commit()
    return len(residents)
