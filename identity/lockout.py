"""Staff password logins lock a username after repeated failures.

Failures are counted in the rate limiter's storage (Redis in production), so every worker
sees the same count; a successful login starts it afresh. Unknown usernames are counted
alike, so a lockout says nothing about which usernames exist.
"""

from __future__ import annotations

import hashlib

from core import ratelimit
from core.errors import DomainError
from core.i18n import _l
from identity import staff_accounts
from identity.models import Staff

SCOPE = "staff-login-failures"


class AccountLocked(DomainError):
    status, code, title = 429, "account_locked", _l("Too many failed logins")


def authenticate_staff(username: str, password: str, lockout: str) -> Staff:
    """The staff member with these credentials, unless ``lockout`` (e.g. ``5 per 15 minutes``)
    failures for the username lock it for the rest of that window."""
    key = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()
    wait = ratelimit.seconds_locked(lockout, SCOPE, key)
    if wait is not None:
        raise AccountLocked(
            _l("Too many failed logins for this username; try again in %(s)d seconds.", s=wait),
            headers={"Retry-After": str(wait)},
        )
    try:
        staff = staff_accounts.authenticate_staff(username, password)
    except staff_accounts.InvalidCredentials:
        ratelimit.spend(lockout, SCOPE, key)
        raise
    ratelimit.forget(lockout, SCOPE, key)
    return staff
