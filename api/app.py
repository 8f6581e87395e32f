"""FastAPI app factory."""
from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from api.routes import health
from core.db import get_engine
from core.redis_client import RedisHandle
from core.settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="InstaInstru discovery service",
        version="0.1.0",
        description="Natural-language search for lessons in New York City, with bookable slots.",
    )
    app.state.settings = settings
    app.state.engine = engine or get_engine()
    app.state.sessionmaker = sessionmaker(bind=app.state.engine, expire_on_commit=False)
    app.state.redis = RedisHandle(settings.redis_url)
    app.include_router(health.router)
    return app
