"""Each ``/me`` operation as one call, put together from the domains that hold its rules
(identity for the profile, points for the balance); nothing here decides anything itself.

The resident is the one the token names (``identity.get_resident``: a closed account's
token speaks for nobody). Functions flush and never commit; the request commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core import qr_links
from core.codes import CodeKeys
from gamification import leaderboard
from identity import member_codes, phones, privacy, sessions, wechat
from identity import service as identity
from identity.models import Consent
from merging import service as merging
from points import ledger
from points.expiry import PointsSettings, expiring


def profile_with_points(
    resident_id: int, privacy_version: str, settings: PointsSettings
) -> dict[str, Any]:
    """The profile with the balance, what can be spent now, and what expires when."""
    resident = identity.get_resident(resident_id)
    balance, reserved = ledger.balance_of(resident.id)
    return {
        **identity.profile(resident, privacy_version),
        "balance": balance,
        "reserved": reserved,
        "spendable": balance - reserved,
        "expiring": expiring(resident.id, settings),
    }


def update_profile(
    resident_id: int, changes: dict[str, Any], privacy_version: str
) -> dict[str, Any]:
    """Change name or home center, or remove the phone number, or the leaderboard choice;
    the profile afterwards, with the choice."""
    changes = dict(changes)
    resident = identity.get_resident(resident_id)
    if "leaderboard_opt_in" in changes:
        leaderboard.set_opt_in(resident.id, changes.pop("leaderboard_opt_in"))
    resident = identity.update_profile(resident, changes)
    return {
        **identity.profile(resident, privacy_version),
        "leaderboard_opt_in": leaderboard.opted_in(resident.id),
    }


def verify_phone(
    resident_id: int,
    code: str,
    config: Mapping[str, Any],
    tokens: wechat.AccessTokens,
    now: datetime,
    privacy_version: str,
) -> dict[str, Any]:
    """Trade the phone button's code for the number WeChat verified; the profile afterwards."""
    resident = identity.get_resident(resident_id)
    phones.record_verified(resident, wechat.phone_number(code, config, tokens), now)
    return identity.profile(resident, privacy_version)


def link(
    resident_id: int, code: str, now: datetime, lockout: str, privacy_version: str
) -> dict[str, Any]:
    """Join the desk record a link code names (``merging.service.link``) and log in as it:
    tokens shaped as a WeChat login's, and the points that moved."""
    joined = merging.link(resident_id, code, now, lockout)
    return {
        **sessions.start(joined.resident),
        "resident": joined.resident,
        "privacy": privacy.state(joined.resident.id, privacy_version),
        "points_moved": joined.points_moved,
    }


def accept_privacy_policy(resident_id: int, version: str, current: str) -> privacy.PrivacyState:
    """Record the acceptance of ``version`` (it must be ``current``); the state afterwards."""
    resident = identity.get_resident(resident_id)
    privacy.accept(resident, version, current)
    return privacy.state(resident.id, current)


def member_code(resident_id: int, keys: CodeKeys, now: datetime, base_url: str) -> dict[str, Any]:
    """The code the desk scans now, and the signed link of its picture for an ``<image>``."""
    issued = member_codes.issue(identity.get_resident(resident_id), keys, now)
    return {
        "code": issued.code,
        "expires_at": issued.expires_at,
        "image_url": qr_links.image_url(issued.code, issued.expires_at, keys, base_url),
    }


def grant_consent(resident_id: int, purpose: str, version: str) -> Consent:
    return identity.grant_consent(identity.get_resident(resident_id), purpose, version)


def withdraw_consent(resident_id: int, purpose: str) -> Consent:
    return identity.withdraw_consent(identity.get_resident(resident_id), purpose)
