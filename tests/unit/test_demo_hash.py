"""F17: the seeded demo accounts' password hash costs what every other hash costs, so a failed login
to a demo account takes as long as any other (it was 57 ms against 280 ms)."""

from __future__ import annotations

from argon2 import extract_parameters

from services import demo_data, passwords


def test_demo_hash_uses_the_live_parameters():
    demo = demo_data.demo_password_hash()
    assert extract_parameters(demo) == extract_parameters(passwords.hash_password("anything at all"))
    assert not passwords.needs_rehash(demo)
    assert passwords.verify_password(demo, demo_data.DEMO_PASSWORD)


def test_demo_hash_stays_deterministic():
    assert demo_data.demo_password_hash() == demo_data.demo_password_hash()
