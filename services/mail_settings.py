"""Mail delivery settings (MAIL_* environment variables, also read from .env)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import PROJECT_ROOT


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAIL_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    # "auto": SMTP when MAIL_SMTP_HOST is set, else the console.
    backend: Literal["auto", "console", "file", "smtp"] = "auto"
    from_address: str = "InstaInstru <no-reply@instainstru.test>"
    file_dir: Path = PROJECT_ROOT / "var" / "mail"
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_timeout: float = Field(default=10.0, gt=0)

    def resolved_backend(self) -> str:
        if self.backend != "auto":
            return self.backend
        return "smtp" if self.smtp_host else "console"


@lru_cache
def get_mail_settings() -> MailSettings:
    return MailSettings()
