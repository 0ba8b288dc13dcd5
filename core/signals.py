"""What lower rooms tell higher ones, on blinker (which Flask already uses).

A domain sends a signal inside the transaction that did the thing, so whatever a receiver
writes commits or rolls back with it; receivers connect in their package's ``init_app``
(gamification, reminders). Nothing here knows who listens: the arrows keep pointing down.
Every signal is sent with ``resident_id`` (whose history changed) as a keyword.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A resident's new check-in stands: ``resident_id``, ``checkin_id``.
checked_in = _signals.signal("checked-in")
#: A check-in was annulled: ``resident_id``, ``checkin_id``.
checkin_annulled = _signals.signal("checkin-annulled")
#: A gift was handed over to a resident: ``resident_id``, ``redemption_id``.
redeemed = _signals.signal("redeemed")
#: A resident signed up for an event (报名): ``resident_id``, ``signup_id``, ``event_id``.
signed_up = _signals.signal("signed-up")
#: A live sign-up was cancelled (by the resident, their account's closing or a merge):
#: ``resident_id``, ``signup_id``, ``event_id``.
signup_cancelled = _signals.signal("signup-cancelled")
