"""F5: no install signs tokens with a key anyone can read. Without SECRET_KEY a random per-install
secret is generated once (var/secret_key, owner-only), in development too; the old public development
key is refused everywhere, so a token forged with it is a 401."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from pydantic import ValidationError

from core.settings import PROJECT_ROOT, Settings
from services import tokens
from tests.factories import make_user, new_client

PUBLIC_DEV_KEY = "dev-insecure-secret-change-me-0123456789"  # the key this repository used to ship


def test_a_token_signed_with_the_public_development_key_is_refused(engine, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    admin = make_user(engine, role="admin")
    forged, _ = tokens.issue(user_id=admin.id, token_version=0, kind="access", secret=PUBLIC_DEV_KEY)
    client = new_client(engine, settings=Settings())  # the default configuration
    answer = client.get("/api/admin/users", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401


def test_the_generated_secret_is_made_once_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    path = tmp_path / "var" / "secret_key"
    first = Settings(secret_key_file=path)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32 and first.secret_key != PUBLIC_DEV_KEY
    assert Settings(secret_key_file=path).secret_key == first.secret_key  # stable across restarts
    assert Settings(secret_key_file=tmp_path / "other").secret_key != first.secret_key  # per install


def test_processes_starting_together_agree_on_one_secret(tmp_path):
    """Workers of one install start at the same moment: they must not each write their own key."""
    path = tmp_path / "secret_key"
    code = f"from core.settings import Settings; print(Settings(secret_key_file={str(path)!r}).secret_key)"
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and path.read_text().strip() in keys


def test_the_public_development_key_is_refused_even_in_development():
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(secret_key=PUBLIC_DEV_KEY)


def test_an_explicit_secret_wins_and_writes_no_file(tmp_path):
    strong = "s" * 40
    path = tmp_path / "secret_key"
    assert Settings(secret_key=strong, secret_key_file=path).secret_key == strong
    assert not path.exists()
