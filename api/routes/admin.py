"""/api/admin: list users, change roles, per-user permission overrides (permission manage_users)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from api.caching import invalidate
from api.deps import SessionDep
from api.schemas.admin import AdminUserOut, OverrideIn, RoleIn, UserPage
from api.schemas.auth import UserOut
from api.security import require_permission
from models import User
from services import permissions, users
from services.errors import NotFound

router = APIRouter(prefix="/api/admin", tags=["admin"])
Admin = Annotated[User, Depends(require_permission("manage_users"))]


def _detail(db: Session, user: User) -> AdminUserOut:
    return AdminUserOut(
        **UserOut.model_validate(user).model_dump(),
        permissions=sorted(permissions.effective(db, user_id=user.id, role=user.role)),
        overrides=users.overrides(db, user_id=user.id),
    )


@router.get("/users", response_model=UserPage)
def list_users(
    _admin: Admin,
    db: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    role: Literal["student", "instructor", "admin"] | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
):
    items, total = users.list_users(
        db, limit=limit, offset=offset, role=role, q=q.replace("\x00", "").strip() if q else None
    )
    return UserPage(items=[UserOut.model_validate(u) for u in items], total=total, limit=limit, offset=offset)


@router.get("/users/{user_id}", response_model=AdminUserOut)
def get_user(user_id: uuid.UUID, _admin: Admin, db: SessionDep) -> AdminUserOut:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return _detail(db, user)


@router.patch("/users/{user_id}/role", response_model=AdminUserOut)
def change_role(user_id: uuid.UUID, body: RoleIn, admin: Admin, db: SessionDep, request: Request):
    user = users.set_role(db, user_id=user_id, role=body.role, acting_user_id=admin.id)
    invalidate(request)  # an instructor who is one no more leaves search and the public pages
    return _detail(db, user)


@router.put("/users/{user_id}/permissions/{name}", response_model=AdminUserOut)
def set_override(user_id: uuid.UUID, name: str, body: OverrideIn, admin: Admin, db: SessionDep):
    return _override(db, user_id, name, body.granted, admin.id)


@router.delete("/users/{user_id}/permissions/{name}", response_model=AdminUserOut)
def remove_override(user_id: uuid.UUID, name: str, admin: Admin, db: SessionDep):
    return _override(db, user_id, name, None, admin.id)


def _override(
    db: Session, user_id: uuid.UUID, name: str, granted: bool | None, acting_user_id: uuid.UUID
) -> AdminUserOut:
    users.set_override(db, user_id=user_id, permission=name, granted=granted, acting_user_id=acting_user_id)
    user = db.get(User, user_id)
    assert user is not None  # set_override found it
    return _detail(db, user)
