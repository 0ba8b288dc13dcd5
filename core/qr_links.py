"""Signed links to QR images, for the mini-program's ``<image>``, which sends no headers.

A member code, a pickup code or a link code drawn as a picture: the link carries the code and the
moment it stops working, signed (itsdangerous, with a key derived from ``QR_SECRET_KEY``),
so the picture is fetched without a token and only while the link lives. The link is signed,
not encrypted: the code can be read from it (base64) for as long as the code itself is good,
so it goes only to the resident whose code it is, in the same answer as the code; request
logs show the link masked, and the picture is never cached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from flask.blueprints import BlueprintSetupState
from itsdangerous import BadData, URLSafeSerializer

from core import requestlog
from core.api import Blueprint
from core.codes import CodeKeys, current_keys, qr_image
from core.db import utcnow
from core.errors import DomainError
from core.i18n import _l

PATH = "/api/v1/qr/"
PURPOSE = "qr-image"
FORMATS = ("png", "svg")

blp = Blueprint(
    "qr_images",
    __name__,
    url_prefix=PATH.rstrip("/"),
    description="QR pictures for an <image> tag, by signed link",
)


class InvalidQrLink(DomainError):
    status, code, title = 400, "invalid_qr", _l("This picture's link is not valid")


class QrLinkExpired(DomainError):
    status, code, title = 410, "qr_expired", _l("This picture's link has expired")


def _serializer(keys: CodeKeys) -> URLSafeSerializer:
    # itsdangerous signs with the last key and verifies with any: links outlive a rotation.
    kids = [*(kid for kid in keys.secrets if kid != keys.current), keys.current]
    return URLSafeSerializer([keys.key(kid, PURPOSE) for kid in kids], salt=PURPOSE)


def image_url(
    text: str, expires_at: datetime, keys: CodeKeys, base_url: str, image_format: str = "png"
) -> str:
    """An absolute link to ``text`` as a QR picture, good until ``expires_at``."""
    token = _serializer(keys).dumps([text, int(expires_at.timestamp())])
    return f"{base_url}{PATH}{token}.{image_format}"


def read(token: str, keys: CodeKeys, now: datetime) -> str:
    """The text a link carries: ``invalid_qr`` if we did not sign it, ``qr_expired`` late."""
    try:
        text, expires = _serializer(keys).loads(token)
    except (BadData, ValueError, TypeError):
        raise InvalidQrLink(_l("Ask for the code again.")) from None
    if now.timestamp() >= expires:
        raise QrLinkExpired(_l("The code has changed; ask for it again."))
    return str(text)


@blp.record_once
def _hide_links_from_the_log(state: BlueprintSetupState) -> None:
    # The link shows the code: whoever reads the log could present a resident's codes.
    requestlog.hide_secret_segment(state.app, PATH)


_PICTURES = {
    "200": {
        "description": "The QR picture",
        "content": {
            content_type: {"schema": {"type": "string", "format": "binary"}}
            for content_type in ("image/png", "image/svg+xml")
        },
    }
}


@blp.get(f"/<string:token>.<any({', '.join(FORMATS)}):image_format>")
@blp.doc(responses=_PICTURES)
def picture(token: str, image_format: str) -> Any:
    """A member, pickup or link code as a QR picture (`.png` or `.svg`), from the signed link
    the code came with (`image_url`, `pickup_qr_url`); no `Authorization` needed.
    `invalid_qr` (400) for a link we did not sign, `qr_expired` (410) once it has lapsed."""
    text = read(token, current_keys(), utcnow())
    body, content_type = qr_image(text, image_format)
    return Response(body, content_type=content_type)
