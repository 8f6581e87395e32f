"""/api/auth: register, log in, refresh, log out (here or everywhere), me, change password, reset."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.schemas.auth import (
    ChangePasswordIn,
    LoginIn,
    MeOut,
    MessageOut,
    RefreshIn,
    RegisterIn,
    ResetConfirmIn,
    ResetRequestIn,
    TokensOut,
    UserOut,
)
from api.security import (
    REFRESH_COOKIE,
    CurrentUser,
    clear_session_cookies,
    client_ip,
    guest_id,
    set_session_cookies,
)
from core.settings import Settings
from models import User
from services import auth, history, permissions, tokens
from services.errors import Unauthorized
from services.throttle import LoginThrottle

router = APIRouter(prefix="/api/auth", tags=["auth"])
RESET_SENT = "If an account exists for this email, a reset link is on its way."


def _throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    if getattr(state, "login_throttle", None) is None:
        state.login_throttle = LoginThrottle(state.redis, namespace=state.namespace, secret=state.settings.secret_key)
    return state.login_throttle


def _signed_in(db: Session, settings: Settings, request: Request, response: Response, user: User) -> TokensOut:
    """Issue the pair, set the cookies, and fold the guest's searches into the account."""
    pair = auth.issue_pair(user=user, secret=settings.secret_key)  # a new token family
    history.merge_guest_safely(db, guest_id=guest_id(request), user_id=user.id)
    set_session_cookies(response, settings, access_token=pair.access_token, refresh_token=pair.refresh_token)
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=tokens.ACCESS_MINUTES * 60,
        user=UserOut.model_validate(user),
    )


@router.post("/register", response_model=TokensOut, status_code=status.HTTP_201_CREATED)
def register(body: RegisterIn, request: Request, response: Response, db: SessionDep, settings: SettingsDep):
    user = auth.register(
        db,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        ip=client_ip(request),
        throttle=_throttle(request),
    )
    return _signed_in(db, settings, request, response, user)


@router.post("/login", response_model=TokensOut)
def login(body: LoginIn, request: Request, response: Response, db: SessionDep, settings: SettingsDep):
    user = auth.authenticate(
        db, email=body.email, password=body.password, ip=client_ip(request), throttle=_throttle(request)
    )
    return _signed_in(db, settings, request, response, user)


@router.post("/refresh", response_model=TokensOut)
def refresh(request: Request, response: Response, db: SessionDep, settings: SettingsDep, body: RefreshIn | None = None):
    token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthorized("No refresh token; log in again.", code="no_refresh_token")
    user, pair = auth.refresh(db, token=token, secret=settings.secret_key)
    set_session_cookies(response, settings, access_token=pair.access_token, refresh_token=pair.refresh_token)
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=tokens.ACCESS_MINUTES * 60,
        user=UserOut.model_validate(user),
    )


@router.post("/logout", response_model=MessageOut)
def logout(
    user: CurrentUser,
    request: Request,
    response: Response,
    db: SessionDep,
    settings: SettingsDep,
    body: RefreshIn | None = None,
):
    """Revoke this access token, and the refresh token sent with it (body or cookie)."""
    revoked = [request.state.token_claims]
    refresh_token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if refresh_token:
        try:
            claims = tokens.decode(refresh_token, secret=settings.secret_key, kind="refresh")
            if claims["sub"] == str(user.id):
                revoked.append(claims)
        except tokens.InvalidToken:
            pass
    auth.revoke(db, user_id=user.id, claims=revoked)
    clear_session_cookies(response, settings)
    return MessageOut(message="Logged out.")


@router.post("/logout-all", response_model=MessageOut)
def logout_all(user: CurrentUser, response: Response, db: SessionDep, settings: SettingsDep):
    auth.log_out_everywhere(db, user=user)
    clear_session_cookies(response, settings)
    return MessageOut(message="Logged out on every device.")


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser, db: SessionDep):
    granted = sorted(permissions.effective(db, user_id=user.id, role=user.role))
    return MeOut(**UserOut.model_validate(user).model_dump(), permissions=granted)


@router.post("/change-password", response_model=TokensOut)
def change_password(
    body: ChangePasswordIn, user: CurrentUser, response: Response, db: SessionDep, settings: SettingsDep
):
    """Sets the new password, signs out every other session, returns a fresh pair for this one."""
    pair = auth.change_password(
        db, user=user, current=body.current_password, new=body.new_password, secret=settings.secret_key
    )
    set_session_cookies(response, settings, access_token=pair.access_token, refresh_token=pair.refresh_token)
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=tokens.ACCESS_MINUTES * 60,
        user=UserOut.model_validate(user),
    )


@router.post("/password-reset/request", response_model=MessageOut, status_code=status.HTTP_202_ACCEPTED)
def password_reset_request(body: ResetRequestIn, db: SessionDep):
    """The answer is the same whether or not the email has an account."""
    auth.request_reset(db, email=body.email)
    return MessageOut(message=RESET_SENT)


@router.post("/password-reset/confirm", response_model=MessageOut)
def password_reset_confirm(body: ResetConfirmIn, db: SessionDep):
    auth.confirm_reset(db, token=body.token, new_password=body.new_password)
    return MessageOut(message="Your password is set; log in with it. Every session was signed out.")
