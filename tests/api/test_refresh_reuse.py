"""F6: a refresh token used twice means it leaked. The replay is refused and the whole token family
(every pair issued from that login through its rotations) is revoked; other sessions keep working."""

from __future__ import annotations

from tests.factories import login, make_user, new_client


def _me(client, pair) -> int:
    return client.get("/api/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"}).status_code


def _refresh(client, token: str):
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def test_reusing_a_refresh_token_revokes_what_was_issued_from_it(engine):
    user = make_user(engine)
    first = login(new_client(engine), user.email).json()
    elsewhere = login(new_client(engine), user.email).json()  # another device: another family
    rotated = _refresh(new_client(engine), first["refresh_token"])
    assert rotated.status_code == 200
    second = rotated.json()
    third = _refresh(new_client(engine), second["refresh_token"]).json()  # the family goes on rotating

    replay = _refresh(new_client(engine), first["refresh_token"])  # the stolen copy comes back
    assert replay.status_code == 401 and replay.json()["code"] == "token_reused"

    fresh = new_client(engine)
    assert _me(fresh, second) == 401 and _me(fresh, third) == 401
    assert _refresh(fresh, third["refresh_token"]).status_code == 401
    assert _me(fresh, elsewhere) == 200 and _refresh(fresh, elsewhere["refresh_token"]).status_code == 200
    assert login(fresh, user.email).status_code == 200  # signing in again starts a new family


def test_the_family_survives_normal_rotation(engine):
    user = make_user(engine)
    pair = login(new_client(engine), user.email).json()
    for _ in range(3):
        answer = _refresh(new_client(engine), pair["refresh_token"])
        assert answer.status_code == 200
        pair = answer.json()
        assert _me(new_client(engine), pair) == 200
