"""Security headers on every response, set here once rather than per view.

- ``Content-Security-Policy``: the API answers data that nothing may run or frame; a page
  may load only its own assets, and run only the inline scripts it was rendered with (a
  nonce per response: ``<script nonce="{{ csp_nonce() }}">``). The API documentation's
  Swagger UI page has an inline script it cannot tag, and no personal data: it may run
  inline scripts.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (display links
  carry their token in the path).
- ``Cache-Control: no-store`` unless a view chose its own (gift pictures) or the response
  is the public API description: personal data, tokens and live codes are never kept by a
  browser or a proxy.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'{nonce}; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: flask-smorest's blueprint serving /api/openapi.json and /api/docs.
API_DOCS_BLUEPRINT = "api-docs"
DOCS_POLICY = PAGE_POLICY.format(nonce=" 'unsafe-inline'")


def csp_nonce() -> str:
    """This response's nonce, for the ``nonce`` attribute of a page's inline script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def _policy(response: Response) -> str:
    if response.mimetype != "text/html":
        return API_POLICY
    if request.blueprint == API_DOCS_BLUEPRINT:
        return DOCS_POLICY
    nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
    return PAGE_POLICY.format(nonce=nonce)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _policy(response))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if "Cache-Control" not in headers and request.blueprint != API_DOCS_BLUEPRINT:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_security_headers)
