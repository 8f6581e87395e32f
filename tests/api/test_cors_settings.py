"""F13: CORS always allows credentials (cookies carry the session), so a wildcard origin would let any
site act as the signed-in student. CORS_ORIGINS='*' (or any entry with '*') is refused at start-up with
one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from core.settings import PROJECT_ROOT, Settings, SettingsError, get_settings
from tests.net import closed_port


@pytest.mark.parametrize("origins", ["*", "https://app.example.com, *", "https://*.example.com"])
def test_wildcard_origins_are_refused(origins):
    with pytest.raises(ValidationError, match="(?i)cors_origins"):
        Settings(cors_origins=origins)


def test_exact_origins_are_kept():
    assert Settings(cors_origins="https://a.example.com, https://b.example.com").cors_origins == [
        "https://a.example.com",
        "https://b.example.com",
    ]


def test_get_settings_says_it_in_one_line(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "*")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError) as info:
            get_settings()
        assert "\n" not in str(info.value) and "CORS_ORIGINS" in str(info.value)
    finally:
        get_settings.cache_clear()


def test_cli_serve_stops_with_one_line():
    env = {
        **os.environ,
        "CORS_ORIGINS": "*",
        # were the origins accepted, start-up would stop later, at the database, with another line
        "DATABASE_URL": f"postgresql://nobody@127.0.0.1:{closed_port()}/none",
        "PORT": str(closed_port()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli", "serve"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    out = (done.stdout + done.stderr).strip()
    assert done.returncode == 1
    assert "Traceback" not in out and len(out.splitlines()) == 1
    assert out.startswith("error:") and "CORS_ORIGINS" in out
