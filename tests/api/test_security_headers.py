"""Security headers on every response, CORS from settings, the request body limit (413), a clear 503
while the database is down, and settings that refuse the development secret outside development."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from core.db import make_engine
from core.settings import DEV_SECRET, PROJECT_ROOT, Settings, SettingsError, get_settings
from tests.net import closed_port

STRONG = "s" * 40


@pytest.fixture
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/health", 200),
        ("GET", "/", 200),
        ("GET", "/api/nope", 404),
        ("GET", "/api/search", 422),
    ],
)
def test_security_headers_on_every_response(client, method, path, status):
    r = client.request(method, path)
    assert r.status_code == status
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "strict-transport-security" not in r.headers  # development is plain http
    assert r.headers["x-request-id"]


def test_docs_pages_keep_a_strict_csp_and_hsts_outside_development(indexed_engine):
    c = TestClient(create_app(Settings(environment="production", secret_key=STRONG), engine=indexed_engine))
    for path in ("/docs", "/redoc"):  # served offline (api/routes/docs.py): scripts from this server only
        docs = c.get(path)
        policy = docs.headers["content-security-policy"]
        assert docs.status_code == 200 and "script-src 'self';" in policy and "unsafe-eval" not in policy
        assert "<script>" not in docs.text and "cdn" not in docs.text.lower()
    assert c.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "max-age=" in c.get("/health").headers["strict-transport-security"]


def test_cors_allows_only_configured_origins(indexed_engine):
    settings = Settings(cors_origins="https://app.example.com")
    assert settings.cors_origins == ["https://app.example.com"]
    c = TestClient(create_app(settings, engine=indexed_engine))
    ok = c.get("/health", headers={"Origin": "https://app.example.com"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "x-request-id" in ok.headers["access-control-expose-headers"].lower()
    evil = c.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in evil.headers
    pre = c.options(
        "/api/bookings",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]
    assert (
        "access-control-allow-origin"
        not in TestClient(create_app(Settings(), engine=indexed_engine))
        .get("/health", headers={"Origin": "https://app.example.com"})
        .headers
    )  # none by default


def test_body_limit_by_content_length_and_while_streaming(indexed_engine):
    c = TestClient(create_app(Settings(max_body_bytes=4096), engine=indexed_engine))
    big = b'{"email": "a@example.com", "password": "' + b"x" * 5000 + b'"}'
    r = c.post("/api/auth/login", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "4096 bytes" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"email": "a@example.com", "password": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    streamed = c.post("/api/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and "too large" in streamed.json()["detail"]
    small = c.post("/api/auth/login", json={"email": "nobody@example.com", "password": "wrong password"})
    assert small.status_code == 401


def test_database_down_is_a_clear_503(indexed_engine):
    dead = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/nothing")
    try:
        c = TestClient(create_app(Settings(), engine=dead))
        for path in (
            "/api/search?q=piano",
            "/api/catalog/categories",
            "/api/public/instructors/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
        ):
            r = c.get(path)
            assert r.status_code == 503, (path, r.text)
            assert r.headers["retry-after"] == "5"
            assert r.json()["code"] == "database_unavailable" and "try again" in r.json()["detail"]
        assert c.get("/ready").status_code == 503
    finally:
        dead.dispose()


def test_settings_refuse_the_development_secret_and_short_keys():
    for environment in ("production", "development"):
        with pytest.raises(ValidationError, match="SECRET_KEY is the development key"):
            Settings(environment=environment, secret_key=DEV_SECRET)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(environment="staging", secret_key="short")
    assert Settings(environment="production", secret_key=STRONG).secret_key == STRONG
    # out of the box: the install's own generated key (tests/api/test_secret_key.py)
    assert Settings().secret_key != DEV_SECRET and len(Settings().secret_key) >= 32


def test_get_settings_raises_one_line(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError) as info:
            get_settings()
        assert "\n" not in str(info.value) and "SECRET_KEY" in str(info.value)
    finally:
        get_settings.cache_clear()


def test_cli_serve_prints_one_clear_line():
    env = {**os.environ, "ENVIRONMENT": "production", "SECRET_KEY": "short"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "serve"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    out = (done.stdout + done.stderr).strip()
    assert done.returncode == 1
    assert "Traceback" not in out and len(out.splitlines()) == 1
    assert out.startswith("error:") and "SECRET_KEY" in out
