"""F16 (docs/adr/0008): registration keeps its 409 for an email that has an account, and one address
can collect only a few of those answers per hour; after that every registration from it waits (429),
new emails included, so the 429 itself tells nothing and checking a list of emails does not scale."""

from __future__ import annotations

from core.settings import Settings
from tests.factories import make_user, new_client, unique_email

CAP = 10  # 409 answers per address per hour (services.auth.TAKEN_PER_HOUR)


def _register(client, email: str):
    return client.post(
        "/api/auth/register", json={"email": email, "password": "a long enough password", "full_name": "E"}
    )


def test_taken_answers_per_address_are_capped(engine):
    taken = make_user(engine).email
    client = new_client(engine, settings=Settings(rate_limit_enabled=False))
    codes = [_register(client, taken).status_code for _ in range(CAP)]
    assert codes == [409] * CAP
    assert _register(client, taken).status_code == 429
    refused = _register(client, unique_email("fresh"))  # a new email from that address waits too
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    other = new_client(engine, settings=Settings(rate_limit_enabled=False))  # another address is not affected
    assert _register(other, unique_email("fresh")).status_code == 201


def test_the_409_is_kept_and_says_what_to_do(engine):
    taken = make_user(engine).email
    answer = _register(new_client(engine), taken.upper())
    assert answer.status_code == 409 and answer.json()["code"] == "email_taken"
    assert "log in or reset" in answer.json()["detail"]
