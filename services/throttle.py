"""Login throttling per email and per IP: failures are counted in a window; past the limit the key
is locked out, and each further failure doubles the lockout (progressive). Redis when it answers,
an in-process table when it does not (per process, so a little looser, never absent).

Keys name a keyed hash of the email or address (core/pseudonyms.py), never the value or a plain
hash of it, which could be reversed by hashing every IPv4 address or a list of emails (issue #20).
The hash does not change with the day, unlike the rate limits': a lockout must not end at midnight,
and these keys live at most an hour anyway."""

from __future__ import annotations

from dataclasses import dataclass

from core.cache import Namespace, namespace_of
from core.pseudonyms import Pseudonyms
from core.ratelimit import WindowCounter
from core.redis_client import RedisHandle

WINDOW_SECONDS = 15 * 60
EMAIL_LIMIT = 5  # failures per email within the window before the first lockout
IP_LIMIT = 30  # per IP: higher, since many people can share one address
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int


EMAIL = Rule("email", EMAIL_LIMIT)
IP = Rule("ip", IP_LIMIT)
# Registration answers 409 for a taken email (docs/adr/0008); one address collects at most this many
# per hour, then every registration from it waits, so the wait itself tells nothing.
TAKEN_PER_HOUR = 10
TAKEN_WINDOW_SECONDS = 60 * 60
TAKEN = Rule("taken", TAKEN_PER_HOUR)


def lock_seconds(failures: int, limit: int) -> int:
    """0 below the limit; then 30 s, 60 s, 120 s ... up to 15 minutes."""
    if failures < limit:
        return 0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - limit), MAX_LOCK_SECONDS)


class LoginThrottle:
    def __init__(self, redis: RedisHandle, namespace: Namespace, *, secret: str):
        self.redis = redis
        self.namespace = namespace
        self.counter = WindowCounter(redis)  # the same store as the request rate limits
        self._name = Pseudonyms(secret, "throttle", daily=False)

    def _key(self, rule: Rule, value: str) -> str:
        return f"{namespace_of(self.namespace)}:throttle:{rule.prefix}:{self._name(value.strip().lower())}"

    def _keys(self, *, email: str, ip: str) -> list[tuple[str, Rule]]:
        return [(self._key(EMAIL, email), EMAIL), (self._key(IP, ip), IP)]

    def retry_after(self, *, email: str, ip: str) -> int:
        """Seconds until a login may be tried again; 0 when it may be tried now."""
        keys = [k for k, _ in self._keys(email=email, ip=ip)]
        return int(self.counter.lock_remaining(keys) + 0.999)

    def failure(self, *, email: str, ip: str) -> int:
        """Count a failed login; return the lockout it starts (0 when none)."""
        longest = 0
        for key, rule in self._keys(email=email, ip=ip):
            count, _ = self.counter.incr(key, WINDOW_SECONDS)
            seconds = lock_seconds(count, rule.limit)
            if seconds:
                # The count lives at least as long as the window and the lockout it caused.
                self.counter.extend(key, max(WINDOW_SECONDS, seconds))
                self.counter.lock(key, seconds)
            longest = max(longest, seconds)
        return longest

    def registration_wait(self, *, ip: str) -> int:
        """Seconds until this address may register again after collecting TAKEN_PER_HOUR answers that an
        email is taken (docs/adr/0008); 0 when it may register now."""
        return int(self.counter.lock_remaining([self._key(TAKEN, ip)]) + 0.999)

    def email_taken(self, *, ip: str) -> None:
        """Count one 'email taken' answer to this address; at TAKEN_PER_HOUR its registrations wait for
        the rest of the hour."""
        key = self._key(TAKEN, ip)
        count, reset_in = self.counter.incr(key, TAKEN_WINDOW_SECONDS)
        if count >= TAKEN.limit:
            self.counter.lock(key, max(reset_in, 1.0))

    def success(self, *, email: str) -> None:
        """A correct password clears the email's count (not the IP's: one valid account must not
        reset an address that is guessing at others)."""
        self.counter.clear(self._key(EMAIL, email))
