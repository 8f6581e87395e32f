"""Typed dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from core.redis_client import RedisHandle
from core.settings import Settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request, made on the event loop (no I/O until it is used). A sync dependency would
    cost two trips through the thread pool on every request, cached searches included; the session is
    closed in the pool only when it holds a connection, since closing then rolls back over the network."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_redis(request: Request) -> RedisHandle:
    return request.app.state.redis


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RedisDep = Annotated[RedisHandle, Depends(get_redis)]
