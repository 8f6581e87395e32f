"""One exception handler: every services.errors.DomainError becomes its HTTP answer,
{"detail": message, "code": code, ...extra}, with the headers its status calls for."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.errors import DomainError, Throttled, Unauthorized


def domain_error_response(exc: DomainError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    body = {"detail": exc.message, "code": exc.code, **exc.extra}
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _handle)
