"""Compact signed codes for QR images: check-in codes and member codes.

A code is 10 bytes of fields — kind, key id, subject, counter — and a 10-byte HMAC-SHA256
tag, in base64url: 27 characters, short enough that the QR stays coarse. The key id lets
keys rotate: codes signed with an older key listed in ``QR_OLD_KEYS`` still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from flask import current_app

from core.errors import DomainError
from core.i18n import _l

_FIELDS = struct.Struct(">BBII")
TAG_BYTES = 10
CODE_LENGTH = 27


class InvalidCode(ValueError):
    """Not a code we signed: unreadable, forged, or signed with an unknown key."""


class InvalidQr(DomainError):
    status, code, title = 400, "invalid_qr", _l("This code is not valid")


class QrExpired(DomainError):
    status, code, title = 410, "qr_expired", _l("This code has expired")


@dataclass(frozen=True, slots=True)
class Code:
    kind: int
    kid: int
    subject: int
    counter: int


@dataclass(frozen=True, slots=True)
class CodeKeys:
    """The signing key (``current``) and every key that still verifies, by key id."""

    current: int
    secrets: Mapping[int, bytes]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CodeKeys:
        current = int(config.get("QR_KEY_ID", 1))
        secrets = {current: config["QR_SECRET_KEY"].encode()}
        for item in filter(None, (config.get("QR_OLD_KEYS") or "").split(",")):
            kid, _, secret = item.partition("=")
            secrets.setdefault(int(kid), secret.encode())
        if not all(0 <= kid <= 255 for kid in secrets):
            raise ValueError("QR key ids are 0-255")
        return cls(current, secrets)

    def key(self, kid: int, purpose: str, extra: bytes = b"") -> bytes:
        """A key per purpose (and per resident, for member codes), derived from the secret."""
        try:
            secret = self.secrets[kid]
        except KeyError:
            raise InvalidCode("unknown key id") from None
        return hmac.new(secret, purpose.encode() + b"\0" + extra, hashlib.sha256).digest()


def current_keys() -> CodeKeys:
    """The running app's keys (for views; services take keys as an argument)."""
    extensions = current_app.extensions
    if "code_keys" not in extensions:
        extensions["code_keys"] = CodeKeys.from_config(current_app.config)
    return extensions["code_keys"]  # type: ignore[no-any-return]


def encode(code: Code, key: bytes) -> str:
    fields = _FIELDS.pack(code.kind, code.kid, code.subject, code.counter)
    tag = hmac.new(key, fields, hashlib.sha256).digest()[:TAG_BYTES]
    return base64.urlsafe_b64encode(fields + tag).decode().rstrip("=")


def parse(token: str) -> tuple[Code, bytes, bytes]:
    """The code's fields (unverified), its packed bytes and its tag."""
    if len(token) != CODE_LENGTH:
        raise InvalidCode("wrong length")
    try:
        raw = base64.b64decode(token + "=", altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCode("not base64url") from None
    if len(raw) != _FIELDS.size + TAG_BYTES:
        raise InvalidCode("wrong length")
    fields, tag = raw[: _FIELDS.size], raw[_FIELDS.size :]
    return Code(*_FIELDS.unpack(fields)), fields, tag


def verify(fields: bytes, tag: bytes, key: bytes) -> None:
    expected = hmac.new(key, fields, hashlib.sha256).digest()[:TAG_BYTES]
    if not hmac.compare_digest(expected, tag):
        raise InvalidCode("bad signature")


def qr_image(data: str, image_format: str) -> tuple[bytes, str]:
    """The QR for ``data`` as PNG or SVG bytes, with its content type."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    if image_format == "svg":
        qr.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
        return buffer.getvalue(), "image/svg+xml"
    qr.make_image().save(buffer)
    return buffer.getvalue(), "image/png"
