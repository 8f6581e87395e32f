"""/health and /ready, with Redis present, absent, and the database gone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.app import create_app
from core.settings import Settings
from tests.net import closed_port


@pytest.fixture
def client(engine):
    return TestClient(create_app(Settings(), engine=engine))


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_with_redis(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "reads": "none",  # no DATABASE_READ_URL: every read on the primary
        "replicas": [],
    }


def test_ready_without_redis_is_degraded_not_down(engine):
    settings = Settings(redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = TestClient(create_app(settings, engine=engine))
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "unavailable",
        "reads": "none",
        "replicas": [],
    }


def test_ready_without_database_is_503():
    dead = create_engine(f"postgresql+psycopg://x@127.0.0.1:{closed_port()}/x", connect_args={"connect_timeout": 1})
    client = TestClient(create_app(Settings(), engine=dead))
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "InstaInstru discovery service"
