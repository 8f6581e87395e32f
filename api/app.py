"""FastAPI app factory."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from api.routes import health, search, web
from api.routes import auth as auth_routes, history as history_routes
from api.routes import admin as admin_routes, privacy as privacy_routes
from api.routes import bookings as booking_routes, catalog as catalog_routes
from api.routes import instructors as instructor_routes, public as public_routes
from core.cache import Cache
from core.db import get_engine
from core.redis_client import RedisHandle
from core.settings import Settings, get_settings


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Load the parser lexicons and the ONNX model before the first request, not during it.
    import nls
    from index.embedding import get_embedder

    nls.parse("piano lessons in park slope this saturday")
    get_embedder().embed_query("piano lessons")
    yield


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="InstaInstru discovery service",
        version="0.1.0",
        description="Natural-language search for lessons in New York City, with bookable slots.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or get_engine()
    app.state.sessionmaker = sessionmaker(bind=app.state.engine, expire_on_commit=False)
    app.state.redis = RedisHandle(settings.redis_url)
    # One namespace per database, so two deployments (or the tests) never read each other's entries.
    url = app.state.engine.url
    app.state.cache = Cache(app.state.redis, namespace=f"ii:{url.host or ''}:{url.database}")
    app.include_router(health.router)
    app.include_router(search.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.WEB_DIR), name="static")
    app.include_router(auth_routes.router)
    app.include_router(history_routes.router)
    app.include_router(privacy_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(booking_routes.router)
    app.include_router(instructor_routes.router)
    app.include_router(public_routes.router)
    app.include_router(catalog_routes.router)
    return app
