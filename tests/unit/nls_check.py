"""Shared by the nls unit tests: a fixed reference time and a full-object check."""
from __future__ import annotations

import os
from datetime import datetime

os.environ["NLS_STRICT"] = "1"  # the never-raise safety net re-raises, so bugs fail tests
import nls  # noqa: E402

NOW = datetime(2026, 11, 26, 10, 0)
DEFAULTS = {k: v for k, v in nls.parser.empty("").items() if k not in ("query", "text")}


def check(q, now=NOW, **expected):
    """Parse q and assert every field: the expected ones as given, all others at their defaults."""
    r = nls.parse(q, now=now)
    got = {k: v for k, v in r.items() if k not in ("query", "text")}
    assert got == {**DEFAULTS, **expected}, q
    return r
