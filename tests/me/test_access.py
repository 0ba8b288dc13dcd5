"""Who may call ``/me``: its resident, and no one else."""

from __future__ import annotations

from core.db import db, utcnow
from identity import link_codes
from identity import service as identity
from tests.access import (
    Arrange,
    Call,
    World,
    access_tests,
    call,
    table,
)

ACCESS = table("""
                                      anon  res  desk  other  mgr  dist  admin
GET    /api/v1/me                     401   200  403    403   403  403    403
PUT    /api/v1/me                     401   200  403    403   403  403    403
PATCH  /api/v1/me                     401   200  403    403   403  403    403
DELETE /api/v1/me                     401   204  403    403   403  403    403
GET    /api/v1/me/ledger              401   200  403    403   403  403    403
POST   /api/v1/me/phone               401   200  403    403   403  403    403
POST   /api/v1/me/privacy             401   200  403    403   403  403    403
POST   /api/v1/me/link                401   200  403    403   403  403    403
GET    /api/v1/me/member-code         401   200  403    403   403  403    403
POST   /api/v1/me/consents            401   201  403    403   403  403    403
DELETE /api/v1/me/consents/{purpose}  401   200  403    403   403  403    403
GET    /api/v1/me/followups           401   200  403    403   403  403    403
GET    /api/v1/me/signups             401   200  403    403   403  403    403
GET    /api/v1/me/export              401   200  403    403   403  403    403
""")


def a_consent_to_withdraw(w: World) -> Call:
    w.make.consent(w.resident.id)
    return call(purpose="health_conditions")


def a_link_code(w: World) -> Call:
    """A code center A's desk issued for a resident it registered."""
    with w.app.app_context():
        registered = identity.register_resident(w.desk.principal, "黄秀英", None)
        issued = link_codes.issue(w.desk.principal, registered, utcnow(), 600)
        db.session.commit()
    return call(json={"code": issued.code})


REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/me": lambda w: call(),
    "PUT /api/v1/me": lambda w: call(json={"name": "王芳"}),
    "PATCH /api/v1/me": lambda w: call(json={"name": "王芳"}),
    "DELETE /api/v1/me": lambda w: call(),
    "GET /api/v1/me/ledger": lambda w: call(),
    "POST /api/v1/me/phone": lambda w: call(json={"code": "dev:13912345678"}),
    "POST /api/v1/me/privacy": lambda w: call(
        json={"version": w.app.config["PRIVACY_POLICY_VERSION"]}
    ),
    "POST /api/v1/me/link": a_link_code,
    "GET /api/v1/me/member-code": lambda w: call(),
    "POST /api/v1/me/consents": lambda w: call(
        json={"purpose": "health_conditions", "version": "2026-01"}
    ),
    "DELETE /api/v1/me/consents/{purpose}": a_consent_to_withdraw,
    "GET /api/v1/me/followups": lambda w: call(),
    "GET /api/v1/me/signups": lambda w: call(),
    "GET /api/v1/me/export": lambda w: call(),
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "me")
