"""/api/search-history: the caller's own recent searches, as a signed-in user or as a guest session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from api.deps import SessionDep, SettingsDep
from api.schemas.history import ClearedOut, HistoryEntryOut
from api.security import _bearer, current_user, guest_id, require_permission
from services import history

router = APIRouter(prefix="/api/search-history", tags=["search history"])


@dataclass(frozen=True)
class Owner:
    user_id: uuid.UUID | None = None
    guest_id: str | None = None


def history_owner(permission: str):
    """A signed-in caller needs `permission` (via require_permission); a guest owns the history of
    their own guest session (cookie or X-Guest-Session-ID); anyone else gets 401."""
    check = require_permission(permission)

    def resolve(request: Request, db: SessionDep, settings: SettingsDep) -> Owner:
        if _bearer(request):
            user = check(current_user(request, db, settings), db)
            return Owner(user_id=user.id)
        guest = guest_id(request)
        if guest:
            return Owner(guest_id=guest)
        raise HTTPException(
            401, "Log in, or search first, to have a search history.", headers={"WWW-Authenticate": "Bearer"}
        )

    return resolve


Reader = Annotated[Owner, Depends(history_owner("view_own_search_history"))]
Manager = Annotated[Owner, Depends(history_owner("manage_own_search_history"))]


@router.get("", response_model=list[HistoryEntryOut])
def list_history(owner: Reader, db: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 10):
    """Most recent first."""
    return history.recent(db, user_id=owner.user_id, guest_id=owner.guest_id, limit=limit)


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_entry(entry_id: uuid.UUID, owner: Manager, db: SessionDep) -> None:
    history.remove(db, entry_id=entry_id, user_id=owner.user_id, guest_id=owner.guest_id)


@router.delete("", response_model=ClearedOut)
def clear_history(owner: Manager, db: SessionDep):
    deleted = history.clear(db, user_id=owner.user_id, guest_id=owner.guest_id)
    return ClearedOut(deleted=deleted)
