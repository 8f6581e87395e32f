"""Shapes of /api/admin."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from api.schemas.auth import UserOut


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["student", "instructor", "admin"]


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    granted: bool


class AdminUserOut(UserOut):
    permissions: list[str]
    overrides: dict[str, bool]
