"""The monitoring key (F12): /metrics and /api/monitoring/* answer only to a caller that sends
MONITORING_API_KEY in the X-Monitoring-API-Key header, or as "Authorization: Bearer <key>" (what
Prometheus 2.x sends from a credentials file; it cannot set other headers). Without a key configured
they are open in development and refused (403) anywhere else."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

HEADER = "X-Monitoring-API-Key"


def _presented(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key:
        return key
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def require_monitoring_key(request: Request) -> None:
    settings = request.app.state.settings
    expected = settings.monitoring_api_key
    if not expected:
        if settings.environment == "development":
            return
        raise HTTPException(
            403,
            f"Monitoring is closed: set MONITORING_API_KEY (ENVIRONMENT={settings.environment}) and send it in {HEADER}.",
        )
    presented = _presented(request)
    if presented is None or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise HTTPException(
            401, f"Send the monitoring key in the {HEADER} header.", headers={"WWW-Authenticate": "Bearer"}
        )
