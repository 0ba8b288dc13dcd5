"""Member codes: the short-lived QR a resident shows at the desk to be identified.

A new code every 30 seconds (the previous one still accepted), signed with a key derived
from the server's secret and the resident's own ``member_secret``, so rotating that secret
(a lost phone) voids every code the resident had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core import codes
from core.codes import Code, CodeKeys, InvalidCode, InvalidQr, QrExpired
from core.db import db
from core.i18n import _l
from identity.models import Resident

KIND = 4
STEP_SECONDS = 30
PURPOSE = "member"


@dataclass(frozen=True, slots=True)
class MemberCode:
    code: str
    expires_at: datetime


def _key(keys: CodeKeys, kid: int, resident: Resident) -> bytes:
    return keys.key(kid, PURPOSE, resident.member_secret.encode())


def issue(resident: Resident, keys: CodeKeys, now: datetime) -> MemberCode:
    step = int(now.timestamp()) // STEP_SECONDS
    code = Code(KIND, keys.current, resident.id, step)
    # Accepted during its own step and the next one.
    expires_at = datetime.fromtimestamp((step + 2) * STEP_SECONDS, UTC)
    return MemberCode(codes.encode(code, _key(keys, keys.current, resident)), expires_at)


def resident_of(token: str, keys: CodeKeys, now: datetime) -> Resident:
    """The resident a scanned member code names, or ``invalid_qr`` / ``qr_expired``."""
    try:
        code, fields, tag = codes.parse(token.strip())
        if code.kind != KIND:
            raise InvalidCode("not a member code")
        resident = db.session.get(Resident, code.subject) if code.subject else None
        if resident is None:
            raise InvalidCode("no such resident")
        codes.verify(fields, tag, _key(keys, code.kid, resident))
    except InvalidCode:
        raise InvalidQr(_l("This is not a member code of ours.")) from None
    if int(now.timestamp()) // STEP_SECONDS - code.counter not in (0, 1):
        raise QrExpired(_l("The member code has expired; ask the resident to refresh it."))
    return resident
