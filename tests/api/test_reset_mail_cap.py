"""F9: password-reset mail is capped per address and per hour, so nobody can mail-bomb an inbox
through the reset form; the answer stays the same (202) either way."""

from __future__ import annotations

from sqlalchemy import text

from core.settings import Settings
from tests.factories import make_user, new_client

CAP = 3  # emails per address per hour (services.auth.RESETS_PER_HOUR)


def _queued(engine, email: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM outbox WHERE lower(recipient) = lower(:e) AND kind = 'password_reset'"),
            {"e": email},
        ).scalar_one()


def test_forty_requests_queue_a_few_emails(engine):
    user = make_user(engine)
    client = new_client(engine, settings=Settings(rate_limit_enabled=False))
    codes = {client.post("/api/auth/password-reset/request", json={"email": user.email}).status_code for _ in range(40)}
    assert codes == {202}
    assert _queued(engine, user.email) == CAP


def test_the_cap_is_per_address(engine):
    one, two = make_user(engine), make_user(engine)
    client = new_client(engine, settings=Settings(rate_limit_enabled=False))
    for _ in range(CAP + 2):
        client.post("/api/auth/password-reset/request", json={"email": one.email})
    client.post("/api/auth/password-reset/request", json={"email": two.email.upper()})
    assert _queued(engine, one.email) == CAP and _queued(engine, two.email) == 1
