"""The console's stylesheets and scripts, served by the app (no CDN). Vendored files carry
their version in their name, so a browser may keep them; our own are revalidated."""

from __future__ import annotations

from flask import Blueprint, Response, request

from console.plumbing import ROOT

bp = Blueprint(
    "console_assets",
    __name__,
    static_folder=str(ROOT / "static"),
    static_url_path="/console/static",
)

VENDOR_MAX_AGE = 365 * 24 * 3600


@bp.after_request
def _cache(response: Response) -> Response:
    if "/vendor/" in request.path and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
