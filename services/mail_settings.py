"""Mail delivery settings (MAIL_* environment variables, also read from .env), as the README lists them:
MAIL_SENDER, MAIL_FROM, MAIL_FILE_DIR, MAIL_SMTP_HOST, MAIL_SMTP_PORT, MAIL_SMTP_USERNAME,
MAIL_SMTP_PASSWORD, MAIL_SMTP_STARTTLS, MAIL_SMTP_TIMEOUT."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import PROJECT_ROOT


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MAIL_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # MAIL_SENDER. "auto": SMTP when MAIL_SMTP_HOST is set, else the console.
    sender: Literal["auto", "console", "file", "smtp"] = "auto"
    # MAIL_FROM
    from_address: str = Field(
        "InstaInstru <no-reply@instainstru.test>", validation_alias=AliasChoices("from_address", "MAIL_FROM")
    )
    file_dir: Path = PROJECT_ROOT / "var" / "mail"
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_timeout: float = Field(default=10.0, gt=0)

    def resolved_sender(self) -> str:
        if self.sender != "auto":
            return self.sender
        return "smtp" if self.smtp_host else "console"


@lru_cache
def get_mail_settings() -> MailSettings:
    return MailSettings()
