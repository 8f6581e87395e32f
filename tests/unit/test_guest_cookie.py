"""The guest cookie is formatted by hand (api.security.set_guest_cookie) for speed: a browser must get
exactly the header Starlette's own set_cookie would have written, in development and behind HTTPS."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.responses import Response

from api.security import GUEST_COOKIE, GUEST_COOKIE_DAYS, set_guest_cookie
from services.history import new_guest_id


@pytest.mark.parametrize("environment", ["development", "production"])
def test_the_guest_cookie_is_the_header_starlette_writes(environment):
    settings = SimpleNamespace(environment=environment)
    guest = new_guest_id()
    ours, starlettes = Response(b"{}"), Response(b"{}")
    set_guest_cookie(ours, settings, guest)
    starlettes.set_cookie(
        GUEST_COOKIE,
        guest,
        max_age=GUEST_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=environment != "development",
        path="/",
    )
    assert ours.headers.getlist("set-cookie") == starlettes.headers.getlist("set-cookie")
    assert ("; Secure" in ours.headers["set-cookie"]) is (environment != "development")


@pytest.mark.parametrize("bad", ["", "short", 'a"; Domain=evil.example; x=' + "a" * 20, "a b" * 10])
def test_a_value_that_is_not_a_guest_id_never_becomes_a_cookie(bad):
    response = Response(b"{}")
    with pytest.raises(ValueError):
        set_guest_cookie(response, SimpleNamespace(environment="development"), bad)
    assert "set-cookie" not in response.headers
