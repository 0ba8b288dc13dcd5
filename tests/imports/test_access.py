"""Who may import: managers, for their own center (a district manager for any)."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from tests.access import Arrange, Call, World, access_tests, call, table
from tests.factories import Account, Factory
from tests.imports.conftest import RESIDENTS, csv_bytes, send

ACCESS = table("""
                                       anon  res  desk  other  mgr  dist  admin
GET /api/v1/imports                    401   403  403    403   200  200    403
POST /api/v1/imports                   401   403  403    403   201  201    403
GET /api/v1/imports/{batch_id}         401   403  403    403   200  200    403
POST /api/v1/imports/{batch_id}/confirm  401  403  403   403   201  201    403
POST /api/v1/imports/{batch_id}/undo   401   403  403    403   200  200    403
""")


def register_for_center_a(w: World) -> Call:
    content = csv_bytes([RESIDENTS, ["黄秀英", "13812341234"]])
    return call(
        files={
            "kind": "residents",
            "center_id": str(w.center),
            "dry_run": "false",
            "file": (io.BytesIO(content), "名单.csv"),
        }
    )


def center_as_batch(w: World) -> Call:
    """A register imported for center A by its manager."""
    content = csv_bytes([RESIDENTS, ["黄秀英", "13812341234"]])
    client = w.app.test_client()
    w.app.config["IMPORTS_INLINE"] = True
    sent = send(client, w._fixture("manager"), "residents", content)
    assert sent.status_code == 201, sent.json
    return call(batch_id=sent.json["id"])


def center_as_dry_run(w: World) -> Call:
    """A register checked for center A by its manager, its rows held."""
    content = csv_bytes([RESIDENTS, ["黄秀英", "13812341234"]])
    sent = send(w.app.test_client(), w._fixture("manager"), "residents", content, dry_run=True)
    assert sent.status_code == 201, sent.json
    return call(batch_id=sent.json["id"])


REQUESTS: dict[str, Arrange] = {
    "GET /api/v1/imports": lambda w: call(query={"center_id": w.center}),
    "POST /api/v1/imports": register_for_center_a,
    "GET /api/v1/imports/{batch_id}": center_as_batch,
    "POST /api/v1/imports/{batch_id}/confirm": center_as_dry_run,
    "POST /api/v1/imports/{batch_id}/undo": center_as_batch,
}


(
    test_every_route_of_the_package_has_a_row,
    test_the_openapi_document_lists_the_same_roles,
    test_who_may_call_what,
) = access_tests(ACCESS, REQUESTS, "imports")


def test_another_centers_manager_neither_reads_nor_imports_for_it(
    client: FlaskClient, make: Factory, manager: Account
) -> None:
    content = csv_bytes([RESIDENTS, ["黄秀英", "13812341234"]])
    sent = send(client, manager, "residents", content).json
    elsewhere = make.staff("manager", center_id=make.center())

    read = client.get(f"/api/v1/imports/{sent['id']}", headers=elsewhere.headers)
    undone = client.post(f"/api/v1/imports/{sent['id']}/undo", headers=elsewhere.headers)
    imported = send(client, elsewhere, "residents", content, center_id=manager.center_id)
    listed = client.get("/api/v1/imports", headers=elsewhere.headers)

    assert (read.status_code, undone.status_code, imported.status_code) == (404, 404, 404)
    assert listed.json["items"] == []
