"""F17 for databases seeded before the fix: migration 0005 gives every account holding the old, cheaper
demo hash the one made at the live cost (the same password still works)."""

from __future__ import annotations

import uuid

from argon2.low_level import Type, hash_secret
from sqlalchemy import create_engine, text

from core import embedded_pg, migrate
from services import demo_data, passwords

OLD_DEMO_HASH = hash_secret(
    b"demo-pass-123", b"instainstru-demo", time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, type=Type.ID
).decode()


def test_old_demo_hashes_are_upgraded(pg_server):
    name = f"instainstru_demohash_{uuid.uuid4().hex[:8]}"
    embedded_pg.ensure_database(pg_server, name)
    url = embedded_pg.url_for(pg_server, name)
    engine = create_engine(url)
    try:
        migrate.upgrade(url, "0004")
        with engine.begin() as conn:
            for email, digest in (
                ("demo@old.test", OLD_DEMO_HASH),
                ("own@old.test", passwords.hash_password("x" * 12)),
            ):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, password_hash, full_name, role) "
                        "VALUES (gen_random_uuid(), :e, :h, 'Old', 'student')"
                    ),
                    {"e": email, "h": digest},
                )
        migrate.upgrade(url)
        with engine.connect() as conn:
            hashes = dict(conn.execute(text("SELECT email, password_hash FROM users")).all())
        assert hashes["demo@old.test"] == demo_data.demo_password_hash()
        assert passwords.verify_password(hashes["demo@old.test"], demo_data.DEMO_PASSWORD)
        assert hashes["own@old.test"] != demo_data.demo_password_hash()  # other accounts untouched
    finally:
        engine.dispose()
        embedded_pg.drop_database(pg_server, name)
