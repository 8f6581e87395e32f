"""The one exception handler: each domain error's status, body and headers."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors as api_errors
from services import errors


def _app(exc: Exception) -> TestClient:
    app = FastAPI()
    api_errors.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "cls, status, code",
    [
        (errors.BadRequest, 400, "bad_request"),
        (errors.Unauthorized, 401, "unauthorized"),
        (errors.NotFound, 404, "not_found"),
        (errors.Conflict, 409, "conflict"),
        (errors.Invalid, 422, "invalid"),
    ],
)
def test_each_error_maps_to_its_status_with_detail_and_code(cls, status, code):
    r = _app(cls("Nope.", field="start")).get("/boom")
    assert r.status_code == status
    assert r.json() == {"detail": "Nope.", "code": code, "field": "start"}
    assert ("www-authenticate" in r.headers) == (status == 401)


def test_a_code_given_wins_and_throttling_says_when_to_retry():
    r = _app(errors.Throttled("Slow down.", retry_after=30, code="too_many_logins")).get("/boom")
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    assert r.json() == {"detail": "Slow down.", "code": "too_many_logins"}


def test_other_exceptions_are_not_domain_errors():
    r = _app(RuntimeError("bug")).get("/boom")
    assert r.status_code == 500
