"""/api/privacy: export one's data; delete (anonymize) one's account."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from api.deps import SessionDep, SettingsDep
from api.schemas.auth import MessageOut
from api.schemas.privacy import DeleteAccountIn
from api.security import clear_session_cookies, require_permission
from models import User
from services import passwords, privacy

router = APIRouter(prefix="/api/privacy", tags=["privacy"])
DataOwner = Annotated[User, Depends(require_permission("manage_own_data"))]


@router.get("/export")
def export(user: DataOwner, db: SessionDep, response: Response) -> dict:
    """Profile, bookings and search history as JSON."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = 'attachment; filename="instainstru-export.json"'
    return privacy.export(db, user=user)


@router.post("/delete", response_model=MessageOut)
def delete_account(body: DeleteAccountIn, user: DataOwner, request: Request, response: Response,
                   db: SessionDep, settings: SettingsDep):
    if not passwords.verify_password(user.password_hash, body.password):
        raise HTTPException(400, "The password is incorrect.")
    try:
        withdrawn = privacy.delete_account(db, user=user, tz=settings.timezone)
    except privacy.Refused as exc:
        db.rollback()
        raise HTTPException(409, str(exc))
    db.commit()
    if withdrawn:
        request.app.state.cache.bump()
    clear_session_cookies(response, settings)
    return MessageOut(message="Your account is deleted: your details are anonymized and your search history removed.")
