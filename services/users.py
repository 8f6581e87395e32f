"""Administration of users: list them, change roles, set per-user permission overrides."""

from __future__ import annotations

import uuid
from contextlib import nullcontext

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import Permission, User, UserPermission
from models.user import ROLES
from services import permissions
from services.errors import Conflict, Invalid, NotFound


def list_users(
    db: Session, *, limit: int = 50, offset: int = 0, role: str | None = None, q: str | None = None
) -> tuple[list[User], int]:
    """A page of users (newest first) and the total matching; q matches email or name."""
    where = []
    if role:
        where.append(User.role == role)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(User.email.ilike(pattern, escape="\\"), User.full_name.ilike(pattern, escape="\\")))
    total = db.execute(select(func.count()).select_from(User).where(*where)).scalar_one()
    users = db.execute(
        select(User).where(*where).order_by(User.created_at.desc(), User.id).limit(limit).offset(offset)
    ).scalars()
    return list(users), total


def _get(db: Session, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


def set_role(db: Session, *, user_id: uuid.UUID, role: str, acting_user_id: uuid.UUID) -> User:
    """Change a user's role. An admin cannot change their own (no one locks the last admin out)."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    if user_id == acting_user_id:
        raise Conflict("You cannot change your own role; ask another admin.", code="own_account")
    with permissions.keep_a_user_manager(db):  # never the last admin (F14)
        user = _get(db, user_id)
        if user.anonymized_at is not None:
            raise Conflict("This account was deleted.", code="account_deleted")
        user.role = role
    db.commit()
    return user


def set_override(
    db: Session, *, user_id: uuid.UUID, permission: str, granted: bool | None, acting_user_id: uuid.UUID
) -> None:
    """Grant (True) or take away (False) one permission for one user, whatever their role;
    None removes the override so the role decides again. Like roles, never one's own."""
    if user_id == acting_user_id:
        raise Conflict("You cannot change your own permissions; ask another admin.", code="own_account")
    guard = permissions.keep_a_user_manager(db) if permission == permissions.MANAGE_USERS else nullcontext()
    with guard:  # never the last one who can manage users (F14)
        _get(db, user_id)
        perm_id = db.execute(select(Permission.id).where(Permission.name == permission)).scalar_one_or_none()
        if perm_id is None:
            raise NotFound(f"No permission named {permission!r}.", code="permission_not_found")
        if granted is None:
            db.query(UserPermission).filter_by(user_id=user_id, permission_id=perm_id).delete()
        else:
            db.execute(
                insert(UserPermission)
                .values(user_id=user_id, permission_id=perm_id, granted=granted)
                .on_conflict_do_update(index_elements=["user_id", "permission_id"], set_={"granted": granted})
            )
    db.commit()


def overrides(db: Session, *, user_id: uuid.UUID) -> dict[str, bool]:
    rows = db.execute(
        select(Permission.name, UserPermission.granted)
        .join(UserPermission, UserPermission.permission_id == Permission.id)
        .where(UserPermission.user_id == user_id)
    ).all()
    return dict(rows)
