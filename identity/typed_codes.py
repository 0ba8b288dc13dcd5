"""Random codes a person may have to type: a prefix and a body of Crockford's base32, printed
in groups of four; only their SHA-256 is kept (identity.card_codes, identity.link_codes).

Crockford's base32 has no I, L, O or U, so a code read aloud or typed is not misread, and
letters and digits only keep its QR small (alphanumeric mode). Enough random bits need
neither a key nor a slow hash to stay unguessable from the stored hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Crockford's rule for typed codes: the letters people mistake for digits are those digits.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code(prefix: str, length: int) -> str:
    """``prefix`` and ``length`` random characters (5 bits each)."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def grouped(code: str, prefix: str) -> str:
    """``HPX-ABCD-EFGH-…``: the code as printed for a person to read or type."""
    body = code[len(prefix) :]
    return "-".join([prefix, *(body[i : i + 4] for i in range(0, len(body), 4))])


def spelled(text: str, prefix: str, length: int) -> str | None:
    """The code ``text`` spells (scanned, or typed: any case, with or without hyphens, spaces
    and the prefix, O for 0 and I or L for 1), or None if it cannot be one."""
    body = re.sub(r"[-\s]", "", text.upper())
    if len(body) == len(prefix) + length and body.startswith(prefix):
        body = body[len(prefix) :]
    body = body.translate(_MISREAD)
    if len(body) != length or not all(char in ALPHABET for char in body):
        return None
    return prefix + body
