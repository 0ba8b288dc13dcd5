"""Gift pictures: checked and re-encoded on upload, served with long-lived caching."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed
from core.i18n import _l

media = Blueprint("media", __name__)
PATH = "/media/"
MAX_SIDE = 1200
ONE_YEAR = 365 * 24 * 3600


def store_image(data: bytes, media_dir: str, max_bytes: int) -> str:
    """Keep a picture as a JPEG named by its content (no metadata, at most 1200 px a side)."""
    if len(data) > max_bytes:
        raise ValidationFailed(
            errors={"image": [_l("At most %(size)d KB.", size=max_bytes // 1024)]}
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG", "WEBP"):
                raise ValidationFailed(errors={"image": [_l("A JPEG, PNG or WebP picture.")]})
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationFailed(
            errors={"image": [_l("This is not a picture we can read.")]}
        ) from None
    encoded = out.getvalue()
    name = f"items/{hashlib.sha256(encoded).hexdigest()[:32]}.jpg"
    path = Path(media_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoded)
    return name


def picture_url(name: str) -> str:
    """A stored picture's absolute address: the mini-program's ``<image>`` needs one."""
    return f"{current_app.config['PUBLIC_BASE_URL']}{PATH}{name}"


@media.get(f"{PATH}<path:name>")
def serve(name: str) -> Response:
    """Content-addressed files never change, so browsers may keep them for a year."""
    response = send_from_directory(current_app.config["MEDIA_DIR"], name, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
