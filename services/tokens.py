"""JWT access and refresh tokens (PyJWT). Each carries a jti (for revocation) and the user's
token_version (bumped by "log out everywhere")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
ACCESS_MINUTES = 15
REFRESH_DAYS = 14


class InvalidToken(Exception):
    pass


def issue(
    *,
    user_id: uuid.UUID,
    token_version: int,
    kind: str,
    secret: str,
    now: datetime | None = None,
    family: str | None = None,
) -> tuple[str, dict]:
    """`family` ("fam") ties every token issued from one login through its refreshes together, so
    that all of them can be revoked at once when a refresh token is used twice."""
    now = now or datetime.now(UTC)
    life = timedelta(minutes=ACCESS_MINUTES) if kind == "access" else timedelta(days=REFRESH_DAYS)
    claims = {
        "sub": str(user_id),
        "type": kind,
        "jti": uuid.uuid4().hex,
        "ver": token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + life).timestamp()),
    }
    if family:
        claims["fam"] = family
    return jwt.encode(claims, secret, algorithm=ALGORITHM), claims


def decode(token: str, *, secret: str, kind: str) -> dict:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "type", "jti", "exp", "ver"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("type") != kind:
        raise InvalidToken(f"expected a {kind} token")
    try:
        uuid.UUID(claims["sub"])
    except (ValueError, TypeError) as exc:
        raise InvalidToken("bad subject") from exc
    return claims
