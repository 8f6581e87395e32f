"""Search history recording for the routes that search or browse: the caller's history gets the
entry, and a first-time guest gets a guest id cookie (a random id: no database round trip). The entry
is queued and written behind the answer (services.history.HistoryWriter). A failure is logged and
never fails the answer."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response

from api.security import GUEST_HEADER, guest_id, set_guest_cookie, user_or_none
from services import history

log = logging.getLogger(__name__)


def remember(request: Request, response: Response, db, *, query: str, search_type: str, total: int) -> None:
    try:
        settings = request.app.state.settings
        user = user_or_none(request, db, settings)
        guest = None if user else guest_id(request)
        if user is None and guest is None and GUEST_HEADER not in request.headers:
            guest = history.new_guest_id()
            set_guest_cookie(response, settings, guest)
            request.state.new_guest_id = guest  # the impression names it too (api.impressions.schedule)
        request.app.state.history_writer.add(
            user_id=user.id if user else None,
            guest_id=guest,
            query=query,
            search_type=search_type,
            result_count=total,
        )
    except Exception:  # noqa: BLE001 - the answer matters more than its history
        log.exception("recording search history failed")
