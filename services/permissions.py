"""RBAC: a user's permissions are their role's grants plus per-user overrides."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.errors import Conflict

MANAGE_USERS = "manage_users"
LAST_MANAGER = "This is the only active account that can manage users (an admin); make another user an admin first."

EFFECTIVE_SQL = text("""
SELECT p.name FROM permissions p
JOIN role_permissions rp ON rp.permission_id = p.id AND rp.role = :role
WHERE NOT EXISTS (SELECT 1 FROM user_permissions up
                  WHERE up.user_id = :uid AND up.permission_id = p.id AND NOT up.granted)
UNION
SELECT p.name FROM permissions p
JOIN user_permissions up ON up.permission_id = p.id AND up.user_id = :uid AND up.granted
""")


def effective(db: Session, *, user_id: uuid.UUID, role: str) -> set[str]:
    return set(db.execute(EFFECTIVE_SQL, {"role": role, "uid": user_id}).scalars())


# ---- someone can always manage users (F14) -----------------------------------------------------

MANAGERS_SQL = text("""
SELECT count(*) FROM users u
WHERE u.is_active AND u.anonymized_at IS NULL AND u.id IS DISTINCT FROM :excluding
  AND COALESCE(
      (SELECT up.granted FROM user_permissions up WHERE up.user_id = u.id AND up.permission_id = :p),
      EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role = u.role AND rp.permission_id = :p))
""")


def lock_user_managers(db: Session) -> int:
    """Serialise every change to who can manage users: the manage_users permission row, locked for
    update until the transaction ends, is the mutex (role changes, overrides of manage_users and
    account deletions take it before any user row). Returns the permission's id."""
    return db.execute(text("SELECT id FROM permissions WHERE name = :n FOR UPDATE"), {"n": MANAGE_USERS}).scalar_one()


def user_managers(db: Session, permission_id: int, *, excluding: uuid.UUID | None = None) -> int:
    """Active accounts holding manage_users (by role or override), but `excluding`."""
    return db.execute(MANAGERS_SQL, {"p": permission_id, "excluding": excluding}).scalar_one()


@contextmanager
def keep_a_user_manager(db: Session) -> Iterator[None]:
    """Run a change to roles or overrides in a savepoint under the mutex; when it would leave nobody
    able to manage users, it is undone and refused (409 last_admin)."""
    permission_id = lock_user_managers(db)
    with db.begin_nested():
        yield
        db.flush()
        if user_managers(db, permission_id) == 0:
            raise Conflict(LAST_MANAGER, code="last_admin")
