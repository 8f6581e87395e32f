"""One exception handler: every services.errors.DomainError becomes its HTTP answer,
{"detail": message, "code": code, ...extra}, with the headers its status calls for.

Request validation errors (FastAPI's 422) get a handler of their own that keeps the answer small
whatever the request (F1): at most MAX_ERRORS errors, each input echoed only when it is a short scalar,
and errors_total saying how many there were."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.errors import Busy, DomainError, Throttled, Unauthorized


def domain_error_response(exc: DomainError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, Throttled | Busy):
        headers["Retry-After"] = str(exc.retry_after)
    body = {"detail": exc.message, "code": exc.code, **exc.extra}
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


MAX_ERRORS = 10
MAX_ECHO = 100  # characters of an input string echoed back
MAX_TEXT = 300  # characters of a message


def _echo(value: Any) -> Any:
    """What of an invalid input goes back: short strings and numbers; never a container or a huge string
    (and never an infinite float, which JSON cannot carry)."""
    if isinstance(value, str):
        return value if len(value) <= MAX_ECHO else value[:MAX_ECHO] + "…"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return f"<{type(value).__name__}>"


def validation_error_response(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    shown = []
    for err in errors[:MAX_ERRORS]:
        item: dict[str, Any] = {
            "type": str(err.get("type", "")),
            "loc": [p if isinstance(p, int) else str(p)[:MAX_ECHO] for p in list(err.get("loc", ()))[:8]],
            "msg": str(err.get("msg", ""))[:MAX_TEXT],
        }
        if "input" in err:
            item["input"] = _echo(err["input"])
        shown.append(item)
    return JSONResponse({"detail": shown, "code": "validation_error", "errors_total": len(errors)}, status_code=422)


async def _handle_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_error_response(exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _handle)
    app.add_exception_handler(RequestValidationError, _handle_validation)
