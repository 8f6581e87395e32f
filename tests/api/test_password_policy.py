"""F7: common and blank passwords are refused (422 with a clear message) wherever a password is set:
registration, change of password and reset. The list is zxcvbn's list of common passwords
(data/common_passwords.txt, made by `python -m cli.passwords`)."""

from __future__ import annotations

import pytest

from services import passwords
from tests.factories import PASSWORD, bearer, make_user, new_client, unique_email

WEAK = ["12345678", "password", "        ", "PASSWORD", "Password1", "iloveyou", "qwertyuiop", "11111111", " 12345678 "]


@pytest.mark.parametrize("weak", WEAK)
def test_registration_refuses_common_and_blank_passwords(engine, weak):
    answer = new_client(engine).post(
        "/api/auth/register", json={"email": unique_email("weak"), "password": weak, "full_name": "Weak Pass"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "password"]
    assert "common" in answer.json()["detail"][0]["msg"] or "blank" in answer.json()["detail"][0]["msg"]


def test_change_password_refuses_a_common_one(engine):
    user = make_user(engine)
    answer = new_client(engine).post(
        "/api/auth/change-password",
        headers=bearer(user),
        json={"current_password": PASSWORD, "new_password": "password1"},
    )
    assert answer.status_code == 422


def test_reset_refuses_a_common_one(engine):
    answer = new_client(engine).post(
        "/api/auth/password-reset/confirm", json={"token": "whatever-token", "new_password": "12345678"}
    )
    assert answer.status_code == 422


@pytest.mark.parametrize("fine", ["correct horse battery", "a long enough password", "demo-pass-123", "Tr0ub4dor&3x"])
def test_ordinary_passphrases_pass(fine):
    assert passwords.weakness(fine) is None


def test_the_list_is_large():
    assert len(passwords.common_passwords()) > 10_000


def test_the_committed_list_matches_a_rebuild():
    from cli import passwords as build

    assert build.main(["--check"]) == 0
