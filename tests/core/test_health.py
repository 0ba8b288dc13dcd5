from flask.testing import FlaskClient

from app import create_app
from tests.conftest import app_config


def test_health_answers_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "degraded": []}


def test_health_is_unavailable_without_a_database(tmp_path) -> None:
    # A socket directory where no server listens: refused at once, without the network.
    nowhere = tmp_path / "no-server-here"
    app = create_app(app_config(f"postgresql+psycopg://postgres@/db?host={nowhere}"))

    response = app.test_client().get("/api/v1/health")

    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "unavailable"
