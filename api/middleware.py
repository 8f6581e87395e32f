"""HTTP hardening as pure ASGI middleware (no per-request task or body copy):

- RequestContextMiddleware (outermost): a request id (X-Request-ID in and out), one JSON access log
  line per request (naming a keyed hash of the client, never its address), Prometheus request metrics, security headers on every response, and a JSON 500
  (or 503 when the database is down) instead of a bare traceback.
- BodyLimitMiddleware: request bodies above settings.max_body_bytes get 413, by Content-Length
  or, for chunked bodies, as soon as the bytes read pass the limit.
- RateLimitMiddleware: the search, write and auth budgets per IP and per user (core/ratelimit.py);
  429 with Retry-After.
CORS is Starlette's CORSMiddleware with the origins from settings (api/app.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence

from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from api import metrics
from core import ids
from core.logging import get_logger, request_id_var
from core.ratelimit import RateLimiter, classify

REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
DB_DOWN_DETAIL = "The database is unavailable right now; try again in a few seconds."
DB_RETRY_AFTER = 5

access_log = get_logger("access")
error_log = get_logger("error")


def security_headers(production: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self), payment=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if production:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# ReDoc (served offline, api/routes/docs.py) styles itself with <style> elements it writes at run
# time and parses the schema in a worker it makes from a blob; scripts stay 'self' only.
REDOC_CSP = CSP.replace(b"style-src 'self'", b"style-src 'self' 'unsafe-inline'") + b"; worker-src 'self' blob:"


def is_db_outage(exc: BaseException) -> bool:
    """A lost or refused database connection, or a pool that cannot hand one out in time."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def json_response_parts(status: int, body: dict, headers: Sequence[tuple[bytes, bytes]] = ()) -> tuple[dict, dict]:
    payload = json.dumps(body).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers],
    }
    return start, {"type": "http.response.body", "body": payload}


class RequestContextMiddleware:
    def __init__(self, app, *, client_name: Callable[[str], str], production: bool = False) -> None:
        self.app = app
        self.headers = security_headers(production)
        # Logs are kept for long: they name a client by a keyed hash that changes daily (issue #20).
        self.client_name = client_name

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else ids.new_hex()
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope["path"]
        extra = list(self.headers)
        extra.append((b"x-request-id", request_id.encode()))
        extra.append((b"content-security-policy", REDOC_CSP if path == "/redoc" else CSP))
        status = 500
        started = False

        async def send_wrapper(message):
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        t0 = time.perf_counter()
        metrics.HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: log it, answer in JSON
            if is_db_outage(exc):
                status = 503
                metrics.DB_UNAVAILABLE.inc()
                error_log.warning("database unavailable: %s", type(exc).__name__)
                body = {"detail": DB_DOWN_DETAIL, "code": "database_unavailable", "request_id": request_id}
                headers = extra + [(b"retry-after", str(DB_RETRY_AFTER).encode())]
            elif isinstance(exc, DataError):
                # Postgres refused a value from the request (out of range, unstorable text): the
                # caller's input, so a 4xx; logged in full, since validation should have caught it.
                status = 422
                error_log.warning("database refused a request value", exc_info=True)
                body = {
                    "detail": "A value in this request cannot be stored or compared (malformed or out of range).",
                    "code": "invalid_value",
                    "request_id": request_id,
                }
                headers = extra
            else:
                status = 500
                error_log.exception("unhandled error on %s %s", scope["method"], path)
                body = {
                    "detail": "Something went wrong on our side; it has been logged.",
                    "code": "internal_error",
                    "request_id": request_id,
                }
                headers = extra
            if not started:
                start, body_msg = json_response_parts(status, body, headers)
                await send(start)
                await send(body_msg)
        finally:
            metrics.HTTP_IN_FLIGHT.dec()
            seconds = time.perf_counter() - t0
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None)
            if template is None:
                template = "/static" if path.startswith("/static/") else "<unmatched>"
            metrics.observe_request(scope["method"], template, status, seconds)
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": path,
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": self.client_name(client[0]) if client else None,
                },
            )
            request_id_var.reset(token)


class BodyTooLarge(HTTPException):
    """Raised from receive(): an HTTPException, so FastAPI's body parsing passes it on as a 413
    instead of turning it into "There was an error parsing the body"."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is too large; the limit is {limit} bytes.")


class UnstorableText(HTTPException):
    def __init__(self) -> None:
        super().__init__(422, NUL_DETAIL)


NUL_DETAIL = "Text may not contain NUL characters or unpaired UTF-16 surrogates."
_ESCAPE = re.compile(rb"\\u([0-9a-fA-F]{4})")


def has_bad_json_escape(data: bytes) -> bool:
    """A JSON \\u0000 (NUL, which Postgres text cannot hold) or an unpaired surrogate escape (which
    cannot be encoded as UTF-8), not itself escaped by a backslash."""
    if b"\\u" not in data:
        return False
    paired_low = -1
    for m in _ESCAPE.finditer(data):
        start = m.start()
        slashes = 0
        while start - slashes - 1 >= 0 and data[start - slashes - 1] == 0x5C:
            slashes += 1
        if slashes % 2:  # "\\\\u0000" is the six characters \u0000, not an escape
            continue
        code = int(m.group(1), 16)
        if code == 0:
            return True
        if 0xD800 <= code <= 0xDBFF:
            nxt = _ESCAPE.match(data, m.end())
            if not nxt or not 0xDC00 <= int(nxt.group(1), 16) <= 0xDFFF:
                return True
            paired_low = nxt.start()
        elif 0xDC00 <= code <= 0xDFFF and start != paired_low:
            return True
    return False


class BodyLimitMiddleware:
    """The body size limit, and JSON bodies with text Postgres cannot store (NUL; unpaired surrogates)
    refused with a 422 up front instead of failing deep in a query. (Query strings keep their NUL:
    search strips it; elsewhere the database's DataError becomes a 422, see RequestContextMiddleware.)"""

    def __init__(self, app, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self):
        return json_response_parts(
            413,
            {
                "detail": f"The request body is too large; the limit is {self.max_bytes} bytes.",
                "code": "body_too_large",
            },
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.max_bytes:
                if declared < 0:
                    start, body = json_response_parts(
                        400, {"detail": "Invalid Content-Length header.", "code": "bad_request"}
                    )
                else:
                    start, body = self._too_large()
                await send(start)
                await send(body)
                return
        is_json = any(k == b"content-type" and b"json" in v for k, v in scope["headers"])
        received = 0
        started = False
        tail = b""

        async def counting_receive():
            nonlocal received, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                if is_json and has_bad_json_escape(tail + chunk):
                    raise UnstorableText()
                tail = chunk[-16:]  # an escape split across two chunks is still seen
            return message

        async def send_wrapper(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, send_wrapper)
        except (BodyTooLarge, UnstorableText) as exc:
            if started:
                raise
            start, body = (
                self._too_large()
                if isinstance(exc, BodyTooLarge)
                else json_response_parts(422, {"detail": NUL_DETAIL, "code": "invalid_text"})
            )
            await send(start)
            await send(body)


class _TooManyKeys(Exception):
    pass


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(set(range(256)) - set(b"[]{}"))


def json_shape_problem(body: bytes, *, max_depth: int, max_keys: int) -> tuple[str, str] | None:
    """(code, message) when a JSON body nests deeper than max_depth or holds more than max_keys object
    keys in all; None when it is within both, or is not valid JSON (the route's parser says so then).

    One pass of the C parser counts keys (object_pairs_hook) and proves the body valid; on valid JSON,
    removing the strings leaves only structure, whose deepest nesting numpy reads off a running sum.
    Milliseconds for a megabyte."""
    # Cheap bounds first: every key has a colon and every level a bracket, so most bodies stop here.
    colons = body.count(b":")
    opens = body.count(b"[") + body.count(b"{")
    if colons <= max_keys and opens <= max_depth:
        return None
    keys = 0

    def count(pairs: list) -> None:
        nonlocal keys
        keys += len(pairs)
        if keys > max_keys:
            raise _TooManyKeys

    too_deep = ("json_too_deep", f"The JSON body is nested too deeply; at most {max_depth} levels are accepted.")
    try:
        json.loads(body, object_pairs_hook=count)
    except _TooManyKeys:
        return "json_too_many_keys", f"The JSON body has too many keys; at most {max_keys} are accepted."
    except RecursionError:
        return too_deep
    except ValueError:  # malformed JSON or text: FastAPI answers it
        return None
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    if len(brackets) > 2 * max_depth:
        import numpy as np

        steps = np.frombuffer(brackets, dtype=np.uint8)
        opens = (steps == ord("[")) | (steps == ord("{"))
        if int(np.cumsum(np.where(opens, 1, -1)).max()) > max_depth:
            return too_deep
    return None


class JsonLimitMiddleware:
    """JSON request bodies (already bounded in size by BodyLimitMiddleware) are read whole and their
    shape checked before any route parses them: nesting depth and object keys. Over either limit is a
    422 at once, so no body can make validation produce (and serialise) tens of thousands of errors."""

    def __init__(self, app, *, max_depth: int, max_keys: int) -> None:
        self.app = app
        self.max_depth = max_depth
        self.max_keys = max_keys

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            return await self.app(scope, receive, send)
        if not any(k == b"content-type" and b"json" in v for k, v in scope["headers"]):
            return await self.app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = json_shape_problem(body, max_depth=self.max_depth, max_keys=self.max_keys)
        if problem is not None:
            start, payload = json_response_parts(422, {"detail": problem[1], "code": problem[0]})
            await send(start)
            await send(payload)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def access_token_user(scope, secret: str) -> str | None:
    """The signed-in user's id from a valid access token (Bearer header or cookie), else None.
    Only the signature and expiry are checked here (no database): enough to pick a budget or a database."""
    from services import tokens

    token = None
    cookie = b""
    for key, value in scope["headers"]:
        if key == b"authorization" and value[:7].lower() == b"bearer ":
            token = value[7:].decode("latin-1").strip()
        elif key == b"cookie":
            cookie = value
    if not token and b"access_token=" in cookie:
        for part in cookie.decode("latin-1").split(";"):
            name, _, val = part.strip().partition("=")
            if name == "access_token":
                token = val
    if not token:
        return None
    try:
        return tokens.decode(token, secret=secret, kind="access")["sub"]
    except tokens.InvalidToken:
        return None


class RateLimitMiddleware:
    def __init__(self, app, *, limiter: RateLimiter, secret: str) -> None:
        self.app = app
        self.limiter = limiter
        self.secret = secret

    def _user_id(self, scope) -> str | None:
        return access_token_user(scope, self.secret)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        budget = classify(scope["method"], scope["path"])
        if budget is None:
            return await self.app(scope, receive, send)
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        # Awaited, not blocking: a slow Redis holds this request only, not the worker's event loop.
        decision = await self.limiter.acheck(budget, ip=ip, user_id=self._user_id(scope))
        if not decision.allowed:
            metrics.RATE_LIMITED.labels(budget=budget, scope=decision.scope).inc()
            noun = {"search": "searches", "write": "changes", "auth": "sign-in requests"}[budget]
            start, body = json_response_parts(
                429,
                {
                    "detail": f"Too many {noun} from this {'account' if decision.scope == 'user' else 'address'}; "
                    f"try again in {decision.retry_after} seconds.",
                    "code": "rate_limited",
                    "retry_after": decision.retry_after,
                },
                [
                    (b"retry-after", str(decision.retry_after).encode()),
                    (b"x-ratelimit-limit", str(decision.limit).encode()),
                    (b"x-ratelimit-remaining", b"0"),
                ],
            )
            await send(start)
            await send(body)
            return

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-ratelimit-limit", str(decision.limit).encode()),
                    (b"x-ratelimit-remaining", str(decision.remaining).encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_wrapper)
