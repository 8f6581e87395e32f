"""Issue #20 in the logs: neither the app's access line nor uvicorn's names the client's address,
however the app is served (make run, the Dockerfile's uvicorn, uvicorn by hand). The app's line names
a keyed hash instead, the same for the requests of one client within a day."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from core.logging import JsonFormatter
from core.settings import Settings
from tests.net import closed_port


@contextmanager
def _captured(logger_name: str, formatter: logging.Formatter) -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    logging.getLogger(logger_name).addHandler(handler)
    try:
        yield out
    finally:
        logging.getLogger(logger_name).removeHandler(handler)


def test_the_apps_access_log_holds_no_address(indexed_engine):
    n = uuid.uuid4().int
    ip = f"10.94.{n % 250}.{(n >> 8) % 250}"
    client = TestClient(create_app(Settings(), engine=indexed_engine), client=(ip, 50000))
    with _captured("instainstru.access", JsonFormatter()) as out:
        assert client.get("/api/search", params={"q": "guitar"}).status_code == 200
        assert client.get("/health/lite").status_code == 200
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["path"] for line in lines] == ["/api/search", "/health/lite"]
    assert ip not in out.getvalue()
    assert lines[0]["client"] and lines[0]["client"] == lines[1]["client"]
    assert lines[0]["client"] != hashlib.sha256(ip.encode()).hexdigest()[:32]


@contextmanager
def _served(app) -> Iterator[str]:
    """The app served by uvicorn in a thread of this process, uvicorn's access log on (INFO)."""
    port = closed_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_uvicorns_access_log_holds_no_address(engine):
    with _served(create_app(Settings(), engine=engine)) as base:
        with _captured("uvicorn.access", logging.Formatter("%(message)s")) as out:
            with urllib.request.urlopen(f"{base}/health/lite", timeout=10) as answer:
                assert answer.status == 200
            deadline = time.monotonic() + 5
            while "/health/lite" not in out.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)  # the access line is written after the response
    assert "/health/lite" in out.getvalue()  # the line is written...
    assert "127.0.0.1" not in out.getvalue()  # ...without the address
