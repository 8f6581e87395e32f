"""The API documentation works offline: Swagger UI and ReDoc load everything from this server (no
CDN) under a Content-Security-Policy, and list the operations."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest


@pytest.mark.parametrize("path, operation", [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")])
def test_api_docs_load_offline_and_list_the_operations(page, live_server, path, operation):
    answered, violations = [], []
    page.on("response", lambda r: answered.append(r.url))
    page.on("console", lambda m: "Content-Security-Policy" in m.text and violations.append(m.text))
    response = page.goto(path)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(operation, has_text="/api/search").first.wait_for()
    assert page.locator(operation).count() > 40
    hosts = {urlparse(u).netloc for u in answered if u.startswith("http")}
    assert hosts == {urlparse(live_server).netloc}, hosts  # nothing from anywhere else
    # ReDoc always tries its vendor's logo from a CDN (it hides the image when that fails): the
    # policy refuses it; nothing else is refused.
    assert all("cdn.redoc.ly/redoc/logo-mini.svg" in v for v in violations), violations
