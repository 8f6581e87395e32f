"""Argon2id password hashing (argon2-cffi), bounded: at most `slots` hashes run at once and at most
`queue` more wait for one; past that a caller gets Busy (503 with Retry-After) at once (F2). Each run
takes 64 MiB and ~0.3 s of CPU here, so an unbounded login flood would otherwise hold every worker
thread, and with them the database connections and memory that other requests need."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.errors import Busy

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 low-memory parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MAX_WAIT_SECONDS = 2.0  # a queued caller never waits longer than this for a slot
BUSY_RETRY_AFTER = 1


class HashGate:
    """A semaphore of `slots` with a bounded waiting room of `queue` callers."""

    def __init__(self, slots: int, queue: int) -> None:
        self.slots, self.queue = slots, queue
        self._running = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._admitted = 0

    def check(self) -> None:
        """Busy at once when no caller could be admitted now (before any other work is done)."""
        if self._admitted >= self.slots + self.queue:
            raise _busy()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            if self._admitted >= self.slots + self.queue:
                raise _busy()
            self._admitted += 1
        try:
            if not self._running.acquire(timeout=MAX_WAIT_SECONDS):
                raise _busy()
            try:
                yield
            finally:
                self._running.release()
        finally:
            with self._lock:
                self._admitted -= 1


def _busy() -> Busy:
    return Busy(
        "Too many sign-ins are being checked right now; try again in a second.",
        retry_after=BUSY_RETRY_AFTER,
        code="busy_hashing",
    )


_gate = HashGate(slots=os.cpu_count() or 2, queue=4)


def configure(*, slots: int, queue: int) -> None:
    """Size the gate (from settings, when the app is made); callers already inside keep the old one."""
    global _gate
    if (_gate.slots, _gate.queue) != (slots, queue):
        _gate = HashGate(slots, queue)


COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
WEAK_MESSAGE = (
    "This password is too common: it is on lists of leaked passwords that attackers try first. "
    "Choose another, e.g. a few unrelated words."
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The refused passwords, lowercased (data/common_passwords.txt, made by `python -m cli.passwords`)."""
    lines = COMMON_PASSWORDS.read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def weakness(password: str) -> str | None:
    """Why this password may not be set (blank, common, or one or two characters repeated), or None (F7)."""
    bare = password.strip()
    if not bare:
        return "The password cannot be blank."
    if bare.lower() in common_passwords() or len(set(bare.lower())) <= 2:
        return WEAK_MESSAGE
    return None


def check_capacity() -> None:
    """Refuse (Busy) at once when the hashing gate is full: callers do this before their other work."""
    _gate.check()


def hash_password(password: str) -> str:
    with _gate.slot():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _gate.slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def dummy_verify(password: str) -> None:
    """Spend the same time as a real check, so an unknown email cannot be told apart by timing."""
    verify_password(_DUMMY_HASH, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def hash_with_salt(password: str, salt: bytes) -> str:
    """A hash with the live parameters and a given salt: only for the deterministic demo accounts."""
    from argon2.low_level import hash_secret

    return hash_secret(
        password.encode(),
        salt,
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
        hash_len=_hasher.hash_len,
        type=_hasher.type,
    ).decode()
