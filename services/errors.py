"""The domain errors: a business rule (or a lookup) said no. Every service raises these and only
these for refusals a caller should see; api.errors maps them to HTTP in one exception handler.

`message` is for humans, `code` is stable for clients, `extra` holds machine-readable details
(the field at fault, the constraint that refused...). `status` is the HTTP status they map to.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra


class BadRequest(DomainError):
    """The request cannot be carried out as asked (a wrong current password, a dead reset link)."""

    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    """The caller's credentials are missing, wrong or revoked."""

    status = 401
    code = "unauthorized"


class NotFound(DomainError):
    """No such thing, or not the caller's to see."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The current state refuses it (taken, already done, still in use)."""

    status = 409
    code = "conflict"


class Deadlocked(Conflict):
    """Postgres chose this transaction as a deadlock's victim and rolled it back: running it again is
    safe, and then it sees what the other writer committed (services/bookings.py retries it)."""


class Invalid(DomainError):
    """The input breaks a rule that the request schema cannot express."""

    status = 422
    code = "invalid"


class Busy(DomainError):
    """The server has no capacity for this work right now; try again after `retry_after` seconds."""

    status = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None, **extra: object) -> None:
        super().__init__(message, code=code, **extra)
        self.retry_after = retry_after


class Throttled(DomainError):
    """Too many attempts; try again after `retry_after` seconds."""

    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None, **extra: object) -> None:
        super().__init__(message, code=code, **extra)
        self.retry_after = retry_after
