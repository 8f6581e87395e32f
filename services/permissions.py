"""RBAC: a user's permissions are their role's grants plus per-user overrides."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

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
