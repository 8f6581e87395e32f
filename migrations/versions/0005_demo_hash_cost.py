"""demo accounts: the deterministic demo password hash at the live Argon2 cost (F17)

Databases seeded before this held the demo accounts' hash at a lower cost (t=2, m=19 MiB, p=1), so a
wrong password for a demo account was rejected in a fifth of the time of any other. The same password
and salt are hashed again at argon2-cffi's default cost (t=3, m=64 MiB, p=4: services/passwords.py)
and every row holding the old hash gets the new one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from argon2.low_level import Type, hash_secret

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PASSWORD = b"demo-pass-123"
SALT = b"instainstru-demo"
OLD = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
NEW = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def _hash(cost: dict) -> str:
    return hash_secret(PASSWORD, SALT, hash_len=32, type=Type.ID, **cost).decode()


def _swap(before: str, after: str) -> None:
    op.get_bind().execute(
        sa.text("UPDATE users SET password_hash = :after WHERE password_hash = :before"),
        {"before": before, "after": after},
    )


def upgrade() -> None:
    _swap(_hash(OLD), _hash(NEW))


def downgrade() -> None:
    _swap(_hash(NEW), _hash(OLD))
