"""F14: there is always someone who can manage users. Deleting one's account, a role change or a
permission override that would leave no active user holding manage_users is refused (409), and two
admins removing each other at the same moment cannot both succeed (a row lock serialises them)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from core import embedded_pg, migrate
from models import User
from services import passwords, privacy, users
from services.errors import Conflict

PASSWORD = "correct horse battery"


def _admin(conn, role: str = "admin") -> uuid.UUID:
    uid = uuid.uuid4()
    conn.execute(
        text("INSERT INTO users (id, email, password_hash, full_name, role) VALUES (:i, :e, :h, 'Admin', :r)"),
        {"i": uid, "e": f"{uid.hex}@admins.test", "h": passwords.hash_password(PASSWORD), "r": role},
    )
    return uid


@pytest.fixture
def lone(db):
    """Inside the test's rolled-back transaction: every other manager of users removed, one admin left."""
    db.execute(text("UPDATE users SET role = 'student' WHERE role = 'admin'"))
    db.execute(
        text(
            "DELETE FROM user_permissions WHERE granted AND permission_id = "
            "(SELECT id FROM permissions WHERE name = 'manage_users')"
        )
    )
    admin = _admin(db.connection())
    other = _admin(db.connection(), role="student")
    return db.get(User, admin), other


def test_the_only_admin_cannot_delete_their_account(db, lone):
    admin, _ = lone
    with pytest.raises(Conflict) as info:
        privacy.delete_account(db, user=admin, password=PASSWORD, tz="America/New_York")
    assert info.value.code == "last_admin"


def test_the_only_admin_cannot_be_demoted_or_lose_manage_users(db, lone):
    admin, other = lone
    # the acting user is someone else: an admin may not change their own role anyway
    with pytest.raises(Conflict) as info:
        users.set_role(db, user_id=admin.id, role="student", acting_user_id=other)
    assert info.value.code == "last_admin"
    with pytest.raises(Conflict):
        users.set_override(db, user_id=admin.id, permission="manage_users", granted=False, acting_user_id=other)


def test_with_a_second_admin_it_works(db, lone):
    admin, other = lone
    users.set_role(db, user_id=other, role="admin", acting_user_id=admin.id)
    privacy.delete_account(db, user=admin, password=PASSWORD, tz="America/New_York")
    assert db.get(User, admin.id).anonymized_at is not None


@pytest.fixture
def own_db(pg_server):
    """A database of this module's own: the race needs two committed admins and nobody else."""
    name = f"instainstru_admins_{uuid.uuid4().hex[:8]}"
    embedded_pg.ensure_database(pg_server, name)
    url = embedded_pg.url_for(pg_server, name)
    migrate.upgrade(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    embedded_pg.drop_database(pg_server, name)


def test_two_admins_demoting_each_other_at_once_leave_one(own_db, monkeypatch):
    with own_db.begin() as conn:
        a, b = _admin(conn), _admin(conn)
    first_in, go = threading.Event(), threading.Event()
    real_flush = Session.flush
    outcome: dict[str, object] = {}

    def slow_flush(self, *args, **kwargs):  # the first demotion pauses after writing, before committing
        writing = bool(self.dirty or self.new)
        real_flush(self, *args, **kwargs)
        if writing and threading.current_thread().name == "first" and not first_in.is_set():
            first_in.set()
            go.wait(10)

    monkeypatch.setattr(Session, "flush", slow_flush)

    def demote(name: str, target: uuid.UUID, actor: uuid.UUID) -> None:
        with Session(own_db) as db:
            try:
                users.set_role(db, user_id=target, role="student", acting_user_id=actor)
                outcome[name] = "ok"
            except Conflict as exc:
                outcome[name] = exc.code

    one = threading.Thread(target=demote, args=("first", b, a), name="first")
    one.start()
    assert first_in.wait(10)
    two = threading.Thread(target=demote, args=("second", a, b), name="second")
    two.start()
    time.sleep(0.5)
    go.set()
    one.join(20)
    two.join(20)
    with own_db.connect() as conn:
        admins = conn.execute(text("SELECT count(*) FROM users WHERE role = 'admin'")).scalar_one()
    assert admins == 1, outcome
    assert sorted(outcome.values()) == ["last_admin", "ok"]
