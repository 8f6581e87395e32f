"""Keyed hashes that stand in for a client's address or an email where we only need to tell one
client from another: rate-limit and throttle keys in Redis, access-log lines (issue #20: no raw IP
is stored anywhere).

Why keyed: a plain SHA-256 of an IPv4 address is reversed by hashing all 2^32 addresses (minutes on
a laptop), and of an email by hashing a list of known addresses. An HMAC under a key derived from
the install's secret (settings.secret_key) cannot be recomputed without that secret. Each use derives
its own sub-key, so a value seen in one place (a log line) cannot be matched against another (a Redis
key). The analytics tables use a stronger scheme (a random salt per day, kept in the database and
deleted the next day: services/analytics.py), since they are kept for months.
"""

from __future__ import annotations

import hashlib
import hmac

from core.clock import market_now

DIGEST_HEX = 32  # 16 bytes: no collisions between the clients of one deployment in practice


def subkey(secret: str, purpose: str) -> bytes:
    """The key for one purpose, derived from the install's secret."""
    return hmac.new(secret.encode(), f"instainstru:{purpose}".encode(), hashlib.sha256).digest()


class Pseudonyms:
    """value -> 32 hex characters of HMAC-SHA256 under subkey(secret, purpose).

    daily=True mixes in the New York day, so the same client gets another name each day and nothing
    kept (a log archive, a Redis snapshot) links its days; use it where a key changing at midnight
    costs nothing that matters."""

    def __init__(self, secret: str, purpose: str, *, daily: bool) -> None:
        if not secret:
            # An empty key would be a public one: the hashes could be recomputed for every address.
            raise ValueError("a pseudonym needs the install's secret key")
        self._key = subkey(secret, purpose)
        self.daily = daily

    def __call__(self, value: str) -> str:
        material = value.encode()
        if self.daily:
            material = market_now().date().isoformat().encode() + b"|" + material
        return hmac.new(self._key, material, hashlib.sha256).hexdigest()[:DIGEST_HEX]
