"""HTTP caching shared by the public routes: cached JSON answers with an ETag and Cache-Control,
and the cache invalidation a committed write calls for."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response


def invalidate(request: Request) -> None:
    """A committed write changed what search and the public pages show."""
    request.app.state.cache.bump()


def cached_json(request: Request, key: str, max_age: int, compute: Callable[[], dict[str, Any]]) -> Response:
    """The answer under `key` (computed on a miss), keyed on the write version, so any committed
    booking, availability or profile change invalidates it; a matching If-None-Match gets a 304.
    With replicas, the cache as the route's read may use it (api/read_routing.py, core/read_cache.py)."""
    from api.read_routing import current_reads

    cache = current_reads(request).cache
    full_key, body = cache.lookup(f"public:{key}")  # keyed on the write version
    if body is None:
        body = json.dumps(compute(), separators=(",", ":")).encode()
        cache.set(full_key, body, ttl=max_age * 10)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    wanted = request.headers.get("if-none-match", "")
    if etag in {t.strip() for t in wanted.split(",")} or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
