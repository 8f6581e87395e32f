"""The README's mail variables are the ones the code reads, and each one takes effect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from services import mail
from services.mail_settings import MailSettings

# A value for every variable, different from its default.
VALUES = {
    "MAIL_SENDER": ("file", "sender", "file"),
    "MAIL_FROM": ("Lessons <hello@example.org>", "from_address", "Lessons <hello@example.org>"),
    "MAIL_FILE_DIR": ("/tmp/instainstru-mail-test", "file_dir", Path("/tmp/instainstru-mail-test")),
    "MAIL_SMTP_HOST": ("mail.example.org", "smtp_host", "mail.example.org"),
    "MAIL_SMTP_PORT": ("2525", "smtp_port", 2525),
    "MAIL_SMTP_USERNAME": ("someone", "smtp_username", "someone"),
    "MAIL_SMTP_PASSWORD": ("secret", "smtp_password", "secret"),
    "MAIL_SMTP_STARTTLS": ("false", "smtp_starttls", False),
    "MAIL_SMTP_TIMEOUT": ("3.5", "smtp_timeout", 3.5),
}


def readme_mail_variables() -> set[str]:
    text = (PROJECT_ROOT / "README.md").read_text()
    return set(re.findall(r"`(MAIL_[A-Z_]+)`", text))


def test_the_readme_names_every_mail_variable_and_no_other():
    assert readme_mail_variables() == set(VALUES)
    fields = set(MailSettings.model_fields)
    assert {field for _, field, _ in VALUES.values()} == fields  # every setting has its variable


@pytest.mark.parametrize("variable", sorted(VALUES))
def test_each_variable_is_read(monkeypatch, variable):
    raw, field, expected = VALUES[variable]
    for name in VALUES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(PROJECT_ROOT / "tests")  # no .env here
    monkeypatch.setenv(variable, raw)
    assert MailSettings.model_fields[field].default != expected  # the variable, not the default
    assert getattr(MailSettings(), field) == expected


def test_sender_auto_is_smtp_with_a_host_else_the_console(monkeypatch):
    for name in VALUES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(PROJECT_ROOT / "tests")
    assert MailSettings().resolved_sender() == "console"
    monkeypatch.setenv("MAIL_SMTP_HOST", "mail.example.org")
    assert MailSettings().resolved_sender() == "smtp"
    monkeypatch.setenv("MAIL_SENDER", "file")
    assert isinstance(mail.make_sender(MailSettings()), mail.FileSender)
