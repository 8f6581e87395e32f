"""Request and response shapes of /api/auth (and the user shape shared with /api/admin)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services import passwords

# A practical check (no email-validator dependency): one @, a dotted domain, no spaces.
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("Enter a valid email address, like name@example.com.")
    return value


def _password(value: str) -> str:
    if "\x00" in value:
        raise ValueError("The password cannot contain NUL characters.")
    return value


def _new_password(value: str) -> str:
    """A password being set: also not blank and not a common one (F7)."""
    problem = passwords.weakness(_password(value))
    if problem:
        raise ValueError(problem)
    return value


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value or "\x00" in value:
        raise ValueError("Enter your name.")
    return value


Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]
# 8 is the floor; 1,024 keeps one request from making Argon2 hash megabytes.
NewPassword = Annotated[str, Field(min_length=8, max_length=1024), AfterValidator(_new_password)]
AnyPassword = Annotated[str, Field(min_length=1, max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_name)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(Strict):
    email: Email
    password: NewPassword
    full_name: Name


class LoginIn(Strict):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: AnyPassword


class RefreshIn(Strict):
    refresh_token: Annotated[str | None, Field(max_length=4096)] = None


class ChangePasswordIn(Strict):
    current_password: AnyPassword
    new_password: NewPassword


class ResetRequestIn(Strict):
    email: Email


class ResetConfirmIn(Strict):
    token: Annotated[str, Field(min_length=1, max_length=512)]
    new_password: NewPassword


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_active: bool
    created_at: datetime


class MeOut(UserOut):
    permissions: list[str]


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut


class MessageOut(BaseModel):
    message: str
