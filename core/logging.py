"""Structured logs: one JSON object per line on stderr, each carrying the request id of the request
being served (a context variable set by the request middleware), so a support ticket's
X-Request-ID finds every line of that request."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TextIO

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

LOGGER_NAME = "instainstru"
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in record.__dict__.items():  # extra={...} fields
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(fmt: str = "json", level: str = "INFO", stream: TextIO | None = None) -> logging.Logger:
    """Set up the 'instainstru' logger tree once per process (later calls only update the level)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level.upper())
    if not any(getattr(h, "_instainstru", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._instainstru = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    return logger


class ClientAddressFilter(logging.Filter):
    """uvicorn's access line starts with the client's "address:port" (its first argument); this puts
    the keyed hash the app's own access line names in its place (issue #20: no raw IP in the logs),
    whoever started uvicorn and however its logging is configured."""

    def __init__(self, name_of: Callable[[str], str]) -> None:
        super().__init__()
        self.name_of = name_of

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str) and args[0]:
            address = args[0].rsplit(":", 1)[0]  # the port goes too; IPv6 keeps its own colons here
            record.args = (self.name_of(address), *args[1:])
        return True


UVICORN_ACCESS = "uvicorn.access"


def hide_client_addresses(name_of: Callable[[str], str]) -> None:
    """Put one ClientAddressFilter on uvicorn's access logger (replacing any earlier one, as each app
    a process makes installs its own). A logger's filters run before any handler sees the record, and
    uvicorn's dictConfig, which replaces handlers, keeps them."""
    logger = logging.getLogger(UVICORN_ACCESS)
    for old in [f for f in logger.filters if isinstance(f, ClientAddressFilter)]:
        logger.removeFilter(old)
    logger.addFilter(ClientAddressFilter(name_of))


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}")
