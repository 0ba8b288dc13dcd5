"""Check-in codes: what the QR on the projector, the poster or a personal slip encodes.

An https link under ``PUBLIC_BASE_URL`` (so WeChat's "scan an ordinary link" rule opens the
mini-program) carrying a 27-character signed code: the event, and a time step for rotating
codes or the resident for a personal one. Validity is decided by the server's clock only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from core import codes
from core.codes import Code, CodeKeys, InvalidCode, InvalidQr, QrExpired
from core.i18n import _l

ROTATING, STATIC, PERSONAL = 1, 2, 3
PURPOSE = "checkin"
LINK_PATH = "/q/"


@dataclass(frozen=True, slots=True)
class CheckinCode:
    """A verified code: which event, and whose it is if it is personal."""

    event_id: int
    kind: int
    resident_id: int | None = None


@dataclass(frozen=True, slots=True)
class CodeLink:
    url: str
    token: str
    expires_at: datetime | None


def link(base_url: str, token: str) -> str:
    return f"{base_url}{LINK_PATH}{token}"


def rotating(event_id: int, keys: CodeKeys, now: datetime, base_url: str, seconds: int) -> CodeLink:
    """The code on the projector now; it is accepted for this step and the next."""
    step = int(now.timestamp()) // seconds
    token = _sign(ROTATING, event_id, step, keys)
    expires_at = datetime.fromtimestamp((step + 2) * seconds, UTC)
    return CodeLink(link(base_url, token), token, expires_at)


def static(event_id: int, closes_at: datetime, keys: CodeKeys, base_url: str) -> CodeLink:
    """A code for a poster: good for the whole check-in window."""
    token = _sign(STATIC, event_id, 0, keys)
    return CodeLink(link(base_url, token), token, closes_at)


def personal(event_id: int, resident_id: int, keys: CodeKeys, base_url: str) -> CodeLink:
    """A code bound to one resident (a follow-up visit); its second use checks in nobody."""
    token = _sign(PERSONAL, event_id, resident_id, keys)
    return CodeLink(link(base_url, token), token, None)


def _sign(kind: int, event_id: int, counter: int, keys: CodeKeys) -> str:
    return codes.encode(
        Code(kind, keys.current, event_id, counter), keys.key(keys.current, PURPOSE)
    )


def token_of(scanned: str, bases: tuple[str, ...]) -> str:
    """The code inside a scanned link (or the bare code), as WeChat and phones hand links over.

    ``bases``: the origins links are minted under (``PUBLIC_BASE_URL``) or were before a move
    (``CHECKIN_LINK_PREFIXES``). Scheme and host match in any case; the path does not (the
    code is case-sensitive); a trailing slash, a query and a fragment are dropped. A link
    URL-encoded once (the mini-program's ``options.q``, not decoded) is decoded once.
    """
    scanned = scanned.strip()
    if _ENCODED_LINK.match(scanned):
        scanned = unquote(scanned)
    if "/" not in scanned:
        return scanned
    try:
        link = urlsplit(scanned)
    except ValueError:  # e.g. an unclosed "[" in the host
        raise InvalidQr(_l("This link is not one of our check-in codes.")) from None
    origin = (link.scheme.lower(), link.netloc.lower())
    for base_origin, code_path in _link_prefixes(bases):
        if origin == base_origin and link.path.startswith(code_path):
            token = link.path[len(code_path) :].removesuffix("/")
            if token and "/" not in token:
                return token
    raise InvalidQr(_l("This link is not one of our check-in codes."))


#: ``https%3A%2F%2F...``: a link that is still URL-encoded.
_ENCODED_LINK = re.compile(r"https?%3A%2F%2F", re.IGNORECASE)


@lru_cache(maxsize=8)
def _link_prefixes(bases: tuple[str, ...]) -> tuple[tuple[tuple[str, str], str], ...]:
    """Each base's (scheme, host) in lower case, and the path its codes follow."""
    return tuple(
        ((parts.scheme.lower(), parts.netloc.lower()), parts.path.rstrip("/") + LINK_PATH)
        for parts in map(urlsplit, bases)
    )


def read(token: str, keys: CodeKeys, now: datetime, seconds: int) -> CheckinCode:
    """Verify a code; ``invalid_qr`` if forged or unknown, ``qr_expired`` if too old."""
    try:
        code, fields, tag = codes.parse(token)
        if code.kind not in (ROTATING, STATIC, PERSONAL):
            raise InvalidCode("not a check-in code")
        codes.verify(fields, tag, keys.key(code.kid, PURPOSE))
    except InvalidCode:
        raise InvalidQr(_l("This is not a valid check-in code.")) from None
    if code.kind == ROTATING:
        age = int(now.timestamp()) // seconds - code.counter
        if age < 0:
            raise InvalidQr(_l("This code is not valid yet."))
        if age > 1:
            raise QrExpired(_l("This code has expired; scan the one on the screen now."))
    elif code.kind == STATIC and code.counter != 0:
        raise InvalidQr(_l("This is not a valid check-in code."))
    resident_id = code.counter if code.kind == PERSONAL else None
    return CheckinCode(code.subject, code.kind, resident_id)


DISPLAY = 5
DISPLAY_PURPOSE = "display"
DISPLAY_PATH = "/display/"


@dataclass(frozen=True, slots=True)
class DisplayCode:
    """A verified projector token: its event, and the generation of links it was issued in."""

    event_id: int
    generation: int


def display(event_id: int, generation: int, keys: CodeKeys) -> str:
    """A token for the projector page of one event.

    It holds no expiry of its own: the event decides (its check-in window, its current
    generation of links), so a changed window or a revocation takes effect at once.
    """
    code = Code(DISPLAY, keys.current, event_id, generation)
    return codes.encode(code, keys.key(keys.current, DISPLAY_PURPOSE))


def display_link(
    event_id: int, generation: int, closes_at: datetime, keys: CodeKeys, base_url: str
) -> CodeLink:
    """The projector page's link, for an event's current generation of links; it works
    until check-in closes."""
    token = display(event_id, generation, keys)
    return CodeLink(f"{base_url}{DISPLAY_PATH}{token}", token, closes_at)


def read_display(token: str, keys: CodeKeys) -> DisplayCode:
    """What a projector token names; ``invalid_qr`` if it is not one we signed."""
    try:
        code, fields, tag = codes.parse(token)
        if code.kind != DISPLAY:
            raise InvalidCode("not a display token")
        codes.verify(fields, tag, keys.key(code.kid, DISPLAY_PURPOSE))
    except InvalidCode:
        raise InvalidQr(_l("This display link is not valid.")) from None
    return DisplayCode(code.subject, code.counter)
