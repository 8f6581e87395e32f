"""Small typed helpers around SQLAlchemy results."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.engine import CursorResult, Result


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (Session.execute types its result as a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount
