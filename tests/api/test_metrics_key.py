"""F12: /metrics answers only with the monitoring key (header X-Monitoring-API-Key = MONITORING_API_KEY).
Without a key configured it is open in development only; elsewhere it is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings

KEY = "m" * 40
STRONG = "s" * 40


def test_with_a_key_only_the_key_opens_metrics(engine):
    client = TestClient(create_app(Settings(monitoring_api_key=KEY), engine=engine))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"X-Monitoring-API-Key": "wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"X-Monitoring-API-Key": KEY})
    assert ok.status_code == 200 and "instainstru_http_requests_total" in ok.text


def test_without_a_key_metrics_are_refused_outside_development(engine):
    client = TestClient(create_app(Settings(environment="production", secret_key=STRONG), engine=engine))
    answer = client.get("/metrics", headers={"X-Monitoring-API-Key": "anything"})
    assert answer.status_code == 403 and "MONITORING_API_KEY" in answer.json()["detail"]


def test_without_a_key_development_stays_open(engine):
    assert TestClient(create_app(Settings(), engine=engine)).get("/metrics").status_code == 200
