"""A personal follow-up or re-visit, made for one resident: nobody else sees it or its codes."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import Account, Factory

BODY = {
    "title": "陈伟 高血压随访",  # staff type names and conditions into titles
    "kind": "followup",
    "starts_at": "2026-12-05T09:30:00+08:00",
    "ends_at": "2026-12-05T10:30:00+08:00",
}


def personal_event(client: FlaskClient, desk: Account, resident_id: int, **fields: object) -> int:
    response = client.post(
        "/api/v1/events", headers=desk.headers, json={**BODY, "resident_id": resident_id, **fields}
    )
    assert response.status_code == 201, response.json
    assert response.json["resident_id"] == resident_id
    return int(response.json["id"])


def test_only_its_resident_and_staff_see_a_personal_event(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    patient = make.resident(desk.center_id)
    neighbour = make.resident(desk.center_id)
    lecture = make.event(desk.center_id)
    followup = personal_event(client, desk, patient.id)

    def listed(account: Account, query: str = "") -> list[int]:
        response = client.get(f"/api/v1/events{query}", headers=account.headers)
        return [event["id"] for event in response.json["items"]]

    detail_for_neighbour = client.get(f"/api/v1/events/{followup}", headers=neighbour.headers)
    detail_for_patient = client.get(f"/api/v1/events/{followup}", headers=patient.headers)

    assert followup not in listed(neighbour)
    assert followup not in listed(neighbour, f"?center_id={desk.center_id}&when=past")
    assert listed(neighbour, "?include_cancelled=true") == [lecture]
    assert (detail_for_neighbour.status_code, detail_for_neighbour.json["code"]) == (
        404,
        "not_found",
    )
    assert "随访" not in detail_for_neighbour.get_data(as_text=True)
    assert followup in listed(patient)
    assert detail_for_patient.json["title"] == BODY["title"]
    assert followup in listed(desk)


def test_a_personal_event_is_a_follow_up_or_re_visit(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    patient = make.resident(desk.center_id)

    lecture = client.post(
        "/api/v1/events",
        headers=desk.headers,
        json={**BODY, "kind": "lecture", "resident_id": patient.id},
    )

    assert (lecture.status_code, lecture.json["code"]) == (422, "validation_error")
    assert set(lecture.json["errors"]) == {"kind"}
    assert personal_event(client, desk, patient.id, kind="revisit")


def test_a_personal_event_is_for_a_resident_the_desk_may_see(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    elsewhere = make.resident(make.center())

    response = client.post(
        "/api/v1/events", headers=desk.headers, json={**BODY, "resident_id": elsewhere.id}
    )

    assert (response.status_code, response.json["code"]) == (404, "not_found")
    listed = client.get("/api/v1/events", headers=desk.headers).json["items"]
    assert listed == []


def test_a_personal_events_code_is_made_for_its_resident_only(
    client: FlaskClient, make: Factory, desk: Account
) -> None:
    patient = make.resident(desk.center_id)
    neighbour = make.resident(desk.center_id)
    followup = personal_event(client, desk, patient.id)
    shared = make.event(desk.center_id, kind="followup")

    def code(event_id: int, resident_id: int):  # type: ignore[no-untyped-def]
        return client.post(
            f"/api/v1/events/{event_id}/personal-codes",
            headers=desk.headers,
            json={"resident_id": resident_id},
        )

    for_neighbour = code(followup, neighbour.id)

    assert (for_neighbour.status_code, for_neighbour.json["code"]) == (409, "event_is_personal")
    assert code(followup, patient.id).status_code == 201
    assert code(shared, neighbour.id).status_code == 201
