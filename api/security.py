"""Who is calling: the current user from a Bearer header or the access_token cookie, and
permission checks. Routes depend on require_permission("..."), never on role names."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import select, text

from api.deps import SessionDep, SettingsDep
from models import User
from services import permissions, tokens

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(ACCESS_COOKIE)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def user_from_token(db, settings, token: str, kind: str = "access") -> tuple[User, dict]:
    try:
        claims = tokens.decode(token, secret=settings.secret_key, kind=kind)
    except tokens.InvalidToken:
        raise _unauthorized("Invalid or expired token; log in again.")
    user = db.execute(select(User).where(User.id == uuid.UUID(claims["sub"]))).scalar_one_or_none()
    if user is None or not user.is_active or user.anonymized_at is not None:
        raise _unauthorized("This account is not active.")
    if claims["ver"] != user.token_version:
        raise _unauthorized("This session was signed out; log in again.")
    revoked = db.execute(text("SELECT 1 FROM revoked_tokens WHERE jti = :j"), {"j": claims["jti"]}).first()
    if revoked:
        raise _unauthorized("This session was signed out; log in again.")
    return user, claims


def optional_user(request: Request, db: SessionDep, settings: SettingsDep) -> User | None:
    token = _bearer(request)
    if not token:
        return None
    return user_from_token(db, settings, token)[0]


def current_user(request: Request, db: SessionDep, settings: SettingsDep) -> User:
    token = _bearer(request)
    if not token:
        raise _unauthorized("Log in to do this.")
    user, claims = user_from_token(db, settings, token)
    request.state.token_claims = claims
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_permission(name: str):
    """Dependency factory: the current user, if they hold `name`; else 403."""

    def check(user: CurrentUser, db: SessionDep) -> User:
        if name not in permissions.effective(db, user_id=user.id, role=user.role):
            raise HTTPException(403, f"You do not have permission to {name.replace('_', ' ')}.")
        return user

    return check
