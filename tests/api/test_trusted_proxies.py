"""F8: X-Forwarded-For is believed only from the proxies in TRUSTED_PROXIES (empty by default). With the
server `python -m cli serve` starts (uvicorn), a client that rotates X-Forwarded-For from 127.0.0.1
still spends one per-IP budget; behind a configured proxy the forwarded address counts."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from tests.net import closed_port


def _xff() -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 250}"}


def _serve_options(monkeypatch, settings: Settings) -> dict:
    """The keyword arguments `python -m cli serve` hands to uvicorn.run (set-up skipped)."""
    import cli.__main__ as cli_main

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    monkeypatch.setattr(cli_main, "prepare", lambda *_a, **_k: "postgresql://unused")
    monkeypatch.setattr(cli_main, "get_settings", lambda: settings)
    monkeypatch.setattr(cli_main.signal, "signal", lambda *_a: None)
    cli_main.serve(worker=False)  # no scheduled-jobs worker: only the uvicorn options matter here
    assert captured, "serve did not start uvicorn"
    return captured


@pytest.mark.parametrize("trusted, expect_limit", [("", True), ("127.0.0.1", False)])
def test_the_served_app_trusts_forwarded_headers_only_from_configured_proxies(
    engine, monkeypatch, trusted, expect_limit
):
    settings = Settings(rate_auth_per_ip=3, trusted_proxies=trusted)
    options = _serve_options(monkeypatch, settings)
    for key in ("host", "port", "workers", "factory", "log_level"):
        options.pop(key, None)
    port = closed_port()
    config = uvicorn.Config(
        create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        codes = [
            httpx.post(f"http://127.0.0.1:{port}/api/auth/refresh", headers=_xff(), timeout=10).status_code
            for _ in range(6)
        ]
    finally:
        server.should_exit = True
        thread.join(10)
    if expect_limit:
        assert codes == [401, 401, 401, 429, 429, 429]  # one client, whatever it claims
    else:
        assert 429 not in codes  # each forwarded address has its own budget


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(engine):
    peer = f"10.63.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"  # its own budget in this run
    client = TestClient(create_app(Settings(rate_auth_per_ip=2), engine=engine), client=(peer, 5))
    assert [client.post("/api/auth/refresh", headers=_xff()).status_code for _ in range(3)] == [401, 401, 429]


def test_forwarded_headers_from_a_trusted_proxy_count(engine):
    settings = Settings(rate_auth_per_ip=2, trusted_proxies="10.9.9.9, 192.0.2.0/24")
    for peer in ("10.9.9.9", "192.0.2.77"):
        client = TestClient(create_app(settings, engine=engine), client=(peer, 5))
        assert 429 not in [client.post("/api/auth/refresh", headers=_xff()).status_code for _ in range(4)]
    assert Settings().trusted_proxies == []
