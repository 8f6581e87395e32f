"""FastAPI app factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from threadpoolctl import threadpool_limits
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import errors, read_routing
from api.middleware import BodyLimitMiddleware, JsonLimitMiddleware, RateLimitMiddleware, RequestContextMiddleware
from api.routes import admin as admin_routes
from api.routes import analytics as analytics_routes
from api.routes import auth as auth_routes
from api.routes import bookings as booking_routes
from api.routes import catalog as catalog_routes
from api.routes import docs as docs_routes
from api.routes import health, search, web
from api.routes import history as history_routes
from api.routes import instructors as instructor_routes
from api.routes import metrics as metrics_routes
from api.routes import monitoring as monitoring_routes
from api.routes import privacy as privacy_routes
from api.routes import public as public_routes
from api.routes import reviews as review_routes
from core import monitoring
from core.cache import Cache, DeploymentNamespace
from core.db import get_engine
from core.logging import configure_logging, hide_client_addresses
from core.pseudonyms import Pseudonyms
from core.ratelimit import RateLimiter, WindowCounter, budgets_from
from core.redis_client import RedisHandle
from core.settings import Settings, get_settings
from services import analytics, history, passwords

YOUNG_OBJECTS = 10_000


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # numpy's BLAS runs the query-time products (a query against the 2,547 card sentences, for one) on one
    # thread. With OpenBLAS's default two, the second thread spins for ~0.1 s after each product: at 10,000
    # instructors that was 22 of an uncached search's 40 ms of process CPU, and under load a core taken
    # from Postgres and the other requests (README: Figures).
    threadpool_limits(1, user_api="blas")
    # Load the parser lexicons, the ONNX model, the cards and the map before the first request, not during it.
    from index.search import warm_up

    warm_up()
    # The young generation is collected every YOUNG_OBJECTS net allocations of tracked objects, not Python's
    # 700. A search allocates enough to set that off 1.3 times, and each collection also walks what the
    # searches in flight still hold, a few milliseconds of garbage-free objects a second. In one process,
    # 600 new sentences at 10k in turns with each setting, eight times: 3.20 -> 2.94 ms of CPU a search
    # (lower in all eight pairs). Under load it is more: every query new at 16 connections, two servers
    # side by side, five alternated bursts each, 128-149 -> 174-193 req/s, API CPU 5.6-6.6 -> 4.2-4.8 ms a
    # request (16 searches in flight leave many young objects alive for each collection to walk). 50,000
    # did no better. Cyclic garbage lives a little longer; everything else is freed as before.
    previous = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *previous[1:])
    # The deployment's Redis namespace is read from the database once: here, in a thread, so the
    # first search's cache lookup on the event loop never waits for it.
    await run_in_threadpool(_app.state.namespace)
    # Cached answers this process holds are then answered without a round trip to Redis while their
    # version is current (core/cache.VersionWatch).
    _app.state.cache.watch_versions()
    yield
    _app.state.cache.close()
    _app.state.impressions.close()  # the impressions still queued are written, not lost
    _app.state.history_writer.close()  # the searches still queued are written, not lost
    gc.set_threshold(*previous)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="InstaInstru discovery service",
        version="0.1.0",
        description="Natural-language search for lessons in New York City, with bookable slots.",
        lifespan=lifespan,
        docs_url=None,  # served offline by api/routes/docs.py
        redoc_url=None,
    )
    app.state.settings = settings
    passwords.configure(slots=settings.password_hash_concurrency, queue=settings.password_hash_queue)
    errors.install(app)
    app.state.engine = engine or get_engine()
    app.state.sessionmaker = sessionmaker(bind=app.state.engine, expire_on_commit=False)
    app.state.impressions = analytics.ImpressionWriter(app.state.sessionmaker)  # written behind the answer
    app.state.history_writer = history.HistoryWriter(app.state.sessionmaker)  # written behind the answer
    app.state.redis = RedisHandle(settings.redis_url)
    # One namespace per deployment, so two deployments (or the tests) never touch each other's keys.
    app.state.namespace = DeploymentNamespace(app.state.engine, settings.redis_namespace)
    app.state.cache = Cache(app.state.redis, namespace=app.state.namespace)
    app.state.rate_limiter = RateLimiter(
        WindowCounter(app.state.redis),
        budgets_from(settings),
        window=settings.rate_limit_window_seconds,
        namespace=app.state.namespace,
        secret=settings.secret_key,  # IP keys hold a keyed hash of the address, never the address
    )
    configure_logging(settings.log_format, settings.log_level)
    # Access lines (the app's and uvicorn's) name a client by a keyed hash, never its address (issue #20).
    log_names = Pseudonyms(settings.secret_key, "access-log", daily=True)
    hide_client_addresses(log_names)
    monitoring.configure(settings)  # slow-request and slow-query rings
    monitoring.instrument_engine(app.state.engine)
    # Innermost: replicas from DATABASE_READ_URL, and the middleware that retries a failed replica read.
    read_routing.install(app, settings)
    # Added innermost first: requests pass RequestContext -> CORS -> BodyLimit -> RateLimit -> JsonLimit -> routes.
    # JSON shape limits sit inside the body size limit (which bounds what they read) and the rate limits.
    app.add_middleware(JsonLimitMiddleware, max_depth=settings.max_json_depth, max_keys=settings.max_json_keys)
    if settings.rate_limit_enabled:
        app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter, secret=settings.secret_key)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Guest-Session-ID", "X-Request-ID", "Idempotency-Key"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(
        RequestContextMiddleware, client_name=log_names, production=settings.environment != "development"
    )
    if settings.trusted_proxies:
        # Outermost: the forwarded client is the client for logs, rate limits and throttles alike. Only
        # the configured proxies are believed (uvicorn's own trust of 127.0.0.1 is off: cli serve, F8).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.include_router(health.router)
    app.include_router(metrics_routes.router)
    app.include_router(monitoring_routes.router)
    app.include_router(search.router)
    app.include_router(analytics_routes.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.WEB_DIR), name="static")
    app.include_router(docs_routes.router)
    app.mount(docs_routes.ASSETS_URL, docs_routes.static_assets(), name="docs-assets")
    app.include_router(auth_routes.router)
    app.include_router(history_routes.router)
    app.include_router(privacy_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(booking_routes.router)
    app.include_router(instructor_routes.router)
    app.include_router(public_routes.router)
    app.include_router(review_routes.router)
    app.include_router(catalog_routes.router)
    return app
