"""Search impressions for the routes that search or browse: every answer gets a `search_id` (in the
body and in the X-Search-ID header, which a 304 revalidation also carries) and its impression is
queued for the writer (services.analytics.ImpressionWriter), so it never slows the answer. Who asked
is read without a database round trip: the access token's subject (the writer drops accounts that are
gone), the guest id, the address (hashed when written, never stored). A failure is logged and never
reaches the student."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.security import _bearer, client_ip, guest_id
from core import ids
from services import analytics, experiments, tokens

log = logging.getLogger(__name__)
SEARCH_ID_HEADER = "X-Search-ID"


def with_search_id(body: dict[str, Any]) -> tuple[uuid.UUID, dict[str, Any]]:
    """A new search id and a copy of the answer carrying it (the answer may be a cached object)."""
    search_id = ids.new_uuid()
    return search_id, {"search_id": str(search_id), **body}


def search_impression(
    result: dict[str, Any],
    search_id: uuid.UUID,
    *,
    offset: int,
    sort: str,
    submitted: bool,
    trial: experiments.Trial | None = None,
) -> analytics.Impression:
    """The impression of a natural-language search answer (interleaved for an experiment: `trial`)."""
    return analytics.Impression(
        search_id=search_id,
        surface="search",
        query=str(result.get("query") or ""),
        parsed=dict(result.get("parsed") or {}),
        relaxed=list(result.get("relaxed") or []),
        result_ids=[r["instructor_service_id"] for r in result.get("results") or []],
        total=int(result.get("total") or 0),
        offset=offset,
        sort=sort,
        submitted=submitted,
        experiment=trial.experiment if trial else None,
        teams=trial.teams if trial else None,
    )


def stamp_browse(
    request: Request, response: Response, *, surface: str, name: str, filters: dict[str, Any], listing: Any
) -> Response:
    """Give a browse answer (200, or 304 to a revalidation) its search id and queue its impression.
    The body is spliced, not re-serialized: after the new first key its bytes are the cached ones."""
    if response.status_code not in (200, 304):
        return response
    search_id = ids.new_uuid()
    parsed = {**filters, "day": listing.day, "time_of_day": listing.time_of_day, "level": listing.level}
    body = bytes(response.body) if response.status_code == 200 else b""
    impression = analytics.Impression(
        search_id=search_id,
        surface=surface,
        query=name,
        parsed={k: v for k, v in parsed.items() if v is not None},
        offset=listing.offset,
        sort=listing.sort,
        submitted=listing.record,
        answer=body or None,  # a 304 sent no results: the impression has none
    )
    if body.startswith(b"{"):
        response.body = b'{"search_id":"%s",' % str(search_id).encode() + body[1:]
        response.headers["content-length"] = str(len(response.body))
    schedule(request, response, impression)
    return response


def schedule(request: Request, response: Response, impression: analytics.Impression) -> None:
    """Name the answer's search id in its headers and queue its impression, with who asked."""
    response.headers[SEARCH_ID_HEADER] = str(impression.search_id)
    response.headers["Cache-Control"] = private_cache_control(response.headers.get("cache-control"))
    try:
        impression.user_id = _token_subject(request)
        impression.guest_id = guest_id(request) or getattr(request.state, "new_guest_id", None)
        impression.ip = client_ip(request)
        request.app.state.impressions.add(impression)
    except Exception:  # noqa: BLE001 - analytics must never fail a search
        log.exception("queueing the search impression failed")


def private_cache_control(current: str | None) -> str:
    """An answer with a search_id is one person's (its id, often a new guest cookie): a shared cache
    must not hand it to others, or their clicks and bookings would be credited to one search. A
    browse answer keeps its max-age, so the person's own browser may still reuse it (cached_json made
    it public); a search answer, which never had one, is not stored at all."""
    kept = [d.strip() for d in (current or "").split(",") if d.strip() and d.strip().lower() != "public"]
    return ", ".join(["private", *kept]) if kept else "private, no-store"


def _token_subject(request: Request) -> uuid.UUID | None:
    """The account of a valid access token (signature and expiry only: no database round trip)."""
    token = _bearer(request)
    if not token:
        return None
    try:
        claims = tokens.decode(token, secret=request.app.state.settings.secret_key, kind="access")
    except tokens.InvalidToken:
        return None
    return uuid.UUID(claims["sub"])
