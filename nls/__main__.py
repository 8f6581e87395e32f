"""Command line: ``python -m nls parse [QUERY] [--now ISO] [--tz ZONE]``.

With a query argument prints one JSON line. Without one, reads standard input
one query per line and writes exactly one JSON object per line, in order,
flushing after each.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from .parser import DEFAULT_TZ, parse


def _now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"--now: not an ISO date-time: {value!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nls", description="Parse lesson search queries.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("parse", help="parse a query (or stdin, one query per line)")
    p.add_argument("query", nargs="*", help="the query; omit to read stdin")
    p.add_argument("--now", help="reference local date-time, e.g. 2026-11-26T10:00")
    p.add_argument("--tz", default=DEFAULT_TZ, help="IANA time zone (default America/New_York)")
    args = ap.parse_args(argv)
    now = _now(args.now)
    out = sys.stdout
    if args.query:
        out.write(json.dumps(parse(" ".join(args.query), now=now, tz=args.tz), ensure_ascii=False) + "\n")
        out.flush()
        return 0
    stdin = sys.stdin
    try:
        stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    for line in stdin:
        q = line.rstrip("\r\n")
        out.write(json.dumps(parse(q, now=now, tz=args.tz), ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
