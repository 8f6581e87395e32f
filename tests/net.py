"""Network helpers shared by tests."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A local port nothing listens on (bound once and released): a Redis or Postgres that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
