"""Accounts and sessions: register, log in (throttled, timing-safe), token pairs, refresh rotation,
revocation, log out everywhere, change password, password reset through the outbox.
Every operation that writes commits its own transaction; refusals are services.errors."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import OutboxMessage, PasswordResetToken, RevokedToken, User
from services import passwords, tokens
from services.errors import BadRequest, Conflict, Throttled, Unauthorized
from services.sql import affected
from services.throttle import LoginThrottle

RESET_MINUTES = 60
RESETS_PER_HOUR = 3  # reset emails one address can be sent per hour (F9)
BAD_LOGIN = "Email or password is incorrect."
BAD_RESET = "This reset link is invalid, expired or already used; ask for a new one."
EMAIL_TAKEN = "An account with this email already exists; log in or reset the password."


def _throttled(retry_after: int) -> Throttled:
    return Throttled(
        f"Too many failed logins; try again in {retry_after} seconds.", retry_after=retry_after, code="too_many_logins"
    )


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_claims: dict
    refresh_claims: dict


def find_by_email(db: Session, *, email: str) -> User | None:
    return db.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def register(
    db: Session, *, email: str, password: str, full_name: str, ip: str = "", throttle: LoginThrottle | None = None
) -> User:
    """A new student account. The password is hashed before the first query, so no pooled connection
    waits on Argon2 (and a taken email costs the same time as a new one).

    A taken email is a 409 (docs/adr/0008); with a throttle, one address gets at most
    TAKEN_PER_HOUR of those an hour and then waits (429) whatever it registers."""
    email = email.strip()
    wait = throttle.registration_wait(ip=ip) if throttle else 0
    if wait:
        raise Throttled(
            f"Too many sign-up attempts from this address; try again in {wait} seconds.",
            retry_after=wait,
            code="too_many_registrations",
        )
    password_hash = passwords.hash_password(password)
    if find_by_email(db, email=email) is not None:
        if throttle:
            throttle.email_taken(ip=ip)
        raise Conflict(EMAIL_TAKEN, code="email_taken")
    user = User(
        id=uuid.uuid4(),
        email=email,
        password_hash=password_hash,
        full_name=full_name.strip(),
        role="student",
    )
    db.add(user)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:  # the same email registered concurrently
        if throttle:
            throttle.email_taken(ip=ip)
        raise Conflict(EMAIL_TAKEN, code="email_taken") from None
    db.commit()
    return user


def authenticate(db: Session, *, email: str, password: str, ip: str, throttle: LoginThrottle) -> User:
    """The user whose password this is. Unknown emails cost the same Argon2 check as known ones.

    The password check runs with no pooled connection checked out (F2): the account's id and hash are
    read, the transaction ends (handing the connection back), and only then does Argon2 run; a flood
    of logins therefore waits on the hashing gate (services.passwords), never on the pool."""
    passwords.check_capacity()  # a flood is refused before it touches Redis or the database
    wait = throttle.retry_after(email=email, ip=ip)
    if wait:
        raise _throttled(wait)
    row = db.execute(
        select(User.id, User.password_hash).where(
            func.lower(User.email) == email.strip().lower(), User.is_active, User.anonymized_at.is_(None)
        )
    ).first()
    db.rollback()  # read-only so far: this only returns the connection to the pool
    if row is not None:
        ok = passwords.verify_password(row.password_hash, password)
    else:
        passwords.dummy_verify(password)
        ok = False
    if not ok or row is None:
        locked = throttle.failure(email=email, ip=ip)
        if locked:
            raise _throttled(locked)
        raise Unauthorized(BAD_LOGIN, code="bad_credentials")
    throttle.success(email=email)
    new_hash = passwords.hash_password(password) if passwords.needs_rehash(row.password_hash) else None
    user = db.get(User, row.id)
    if user is None or not user.is_active or user.anonymized_at is not None:  # deleted meanwhile
        raise Unauthorized(BAD_LOGIN, code="bad_credentials")
    if new_hash is not None:
        user.password_hash = new_hash
        db.commit()
    return user


def issue_pair(*, user: User, secret: str, family: str | None = None) -> TokenPair:
    """An access and a refresh token of one family: a new one at login, the refreshed token's own
    on rotation."""
    family = family or uuid.uuid4().hex
    access, access_claims = tokens.issue(
        user_id=user.id, token_version=user.token_version, kind="access", secret=secret, family=family
    )
    refresh, refresh_claims = tokens.issue(
        user_id=user.id, token_version=user.token_version, kind="refresh", secret=secret, family=family
    )
    return TokenPair(access, refresh, access_claims, refresh_claims)


def revoke(db: Session, *, user_id: uuid.UUID, claims: list[dict]) -> None:
    """Refuse these tokens from now on (until they would have expired anyway)."""
    for c in claims:
        expires = datetime.fromtimestamp(c["exp"], UTC)
        db.execute(
            insert(RevokedToken)
            .values(jti=c["jti"], user_id=user_id, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["jti"])
        )
    db.commit()


def rotate(db: Session, *, user: User, refresh_claims: dict, secret: str) -> TokenPair:
    """A refresh token is used once: it is revoked and a new pair of the same family is issued. The
    revocation row decides: of two concurrent refreshes with one token, only the one that inserts it
    wins. A token used again means a copy of it is in someone else's hands (F6): its whole family is
    revoked, the pair issued from it included (a token from before families: every session)."""
    expires = datetime.fromtimestamp(refresh_claims["exp"], UTC)
    won = db.execute(
        insert(RevokedToken)
        .values(jti=refresh_claims["jti"], user_id=user.id, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["jti"])
        .returning(RevokedToken.jti)
    ).first()
    if won is None:
        revoke_family(db, user=user, claims=refresh_claims)
        raise Unauthorized("This session was signed out; log in again.", code="token_reused")
    db.commit()
    return issue_pair(user=user, secret=secret, family=refresh_claims.get("fam"))


def revoke_family(db: Session, *, user: User, claims: dict) -> None:
    """Refuse every token of this token's family from now on. The family id is kept in revoked_tokens
    (its jti column holds token ids and family ids alike: random hex, never equal) until the last token
    the family could hold has expired."""
    family = claims.get("fam")
    if family:
        db.execute(
            insert(RevokedToken)
            .values(jti=family, user_id=user.id, expires_at=datetime.now(UTC) + timedelta(days=tokens.REFRESH_DAYS))
            .on_conflict_do_nothing(index_elements=["jti"])
        )
    else:
        user.token_version = user.token_version + 1
    db.commit()


def refresh(db: Session, *, token: str, secret: str) -> tuple[User, TokenPair]:
    """The refresh flow: a valid, unrevoked refresh token of an active account is rotated; one that
    was already used (or revoked) revokes its family."""
    try:
        claims = tokens.decode(token, secret=secret, kind="refresh")
    except tokens.InvalidToken:
        raise Unauthorized("Invalid or expired token; log in again.", code="invalid_token") from None
    user = db.get(User, uuid.UUID(claims["sub"]))
    if user is None or not user.is_active or user.anonymized_at is not None:
        raise Unauthorized("This account is not active.", code="inactive")
    if claims["ver"] != user.token_version or revoked(db, claims.get("fam")):
        raise Unauthorized("This session was signed out; log in again.", code="signed_out")
    return user, rotate(db, user=user, refresh_claims=claims, secret=secret)


def revoked(db: Session, *ids: str | None) -> bool:
    """One of these token or family ids was revoked."""
    wanted = [i for i in ids if i]
    if not wanted:
        return False
    return db.execute(select(RevokedToken.jti).where(RevokedToken.jti.in_(wanted)).limit(1)).first() is not None


def log_out_everywhere(db: Session, *, user: User) -> None:
    """Every token issued so far carries the old version and is refused from now on."""
    user.token_version = user.token_version + 1
    db.commit()


def change_password(db: Session, *, user: User, current: str, new: str, secret: str) -> TokenPair:
    """Other sessions are signed out; the caller gets a fresh pair."""
    if not passwords.verify_password(user.password_hash, current):
        raise BadRequest("The current password is incorrect.", code="wrong_password")
    user.password_hash = passwords.hash_password(new)
    log_out_everywhere(db, user=user)  # commits
    return issue_pair(user=user, secret=secret)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(db: Session, *, email: str, now: datetime | None = None) -> str | None:
    """Queue a reset email when the account exists; the caller answers the same either way.
    Returns the raw token (only for the caller's tests to follow; never put it in a response)."""
    now = now or datetime.now(UTC)
    user = find_by_email(db, email=email)
    if user is None or not user.is_active or user.anonymized_at is not None:
        _digest(secrets.token_urlsafe(32))  # the same work as the real path
        return None
    # At most RESETS_PER_HOUR emails per address and hour, whoever asks (F9): the account's row lock
    # makes concurrent requests count one after another; past the cap nothing is sent (the last link
    # still works) and the caller answers the same.
    db.execute(select(User.id).where(User.id == user.id).with_for_update())
    sent = db.execute(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.created_at > now - timedelta(hours=1))
    ).scalar_one()
    if sent >= RESETS_PER_HOUR:
        db.rollback()
        return None
    # Earlier links stop working: only the newest is live.
    db.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.add(
        PasswordResetToken(
            id=uuid.uuid4(),
            user_id=user.id,
            token_hash=_digest(token),
            expires_at=now + timedelta(minutes=RESET_MINUTES),
        )
    )
    db.add(
        OutboxMessage(
            id=uuid.uuid4(),
            kind="password_reset",
            recipient=user.email,
            subject="Reset your InstaInstru password",
            body=(
                f"Hi {user.full_name},\n\nSomeone asked to reset your password. If it was you, open "
                f"/reset-password?token={token} within {RESET_MINUTES} minutes. The link works once.\n\n"
                "If it was not you, ignore this email; your password stays the same."
            ),
            payload={"user_id": str(user.id)},
        )
    )
    db.commit()
    return token


def confirm_reset(db: Session, *, token: str, new_password: str, now: datetime | None = None) -> User:
    """Set a new password with a reset token: once, within the hour. Signs out every session."""
    now = now or datetime.now(UTC)
    row = db.execute(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token)).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise BadRequest(BAD_RESET, code="invalid_reset_token")
    user = db.get(User, row.user_id, with_for_update=True)
    if user is None or not user.is_active or user.anonymized_at is not None:
        raise BadRequest(BAD_RESET, code="invalid_reset_token")
    row.used_at = now
    user.password_hash = passwords.hash_password(new_password)
    log_out_everywhere(db, user=user)  # commits
    return user


def purge_expired(db: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Revocations of tokens that have expired anyway, and reset tokens past their hour."""
    from sqlalchemy import delete

    now = now or datetime.now(UTC)
    return {
        "revoked_tokens": affected(db.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))),
        "reset_tokens": affected(
            db.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at < now - timedelta(days=1)))
        ),
    }
