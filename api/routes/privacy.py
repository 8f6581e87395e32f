"""/api/privacy: export one's data; delete (anonymize) one's account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.caching import invalidate
from api.deps import SessionDep, SettingsDep
from api.schemas.auth import MessageOut
from api.schemas.privacy import DeleteAccountIn, ExportOut
from api.security import clear_session_cookies, require_permission
from models import User
from services import privacy

router = APIRouter(prefix="/api/privacy", tags=["privacy"])
DataOwner = Annotated[User, Depends(require_permission("manage_own_data"))]


@router.get("/export", response_model=ExportOut)
def export(user: DataOwner, db: SessionDep, response: Response) -> dict:
    """Profile, bookings and search history as JSON."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = 'attachment; filename="instainstru-export.json"'
    return privacy.export(db, user=user)


@router.post("/delete", response_model=MessageOut)
def delete_account(
    body: DeleteAccountIn, user: DataOwner, request: Request, response: Response, db: SessionDep, settings: SettingsDep
):
    withdrawn = privacy.delete_account(db, user=user, password=body.password, tz=settings.timezone)
    if withdrawn:
        invalidate(request)
    clear_session_cookies(response, settings)
    return MessageOut(message="Your account is deleted: your details are anonymized and your search history removed.")
