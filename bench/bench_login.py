"""Login benchmark, in process (FastAPI TestClient against the real app, database and Redis), with the
Argon2id cost included: successful logins, failed logins for an unknown email (the dummy hash check
must cost about the same) and for a wrong password, plus one bare Argon2 verify for reference.

    python -m bench.bench_login [--n 50]

It creates one throwaway user in the configured database and deletes it at the end.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from api.app import create_app
from cli.setup import prepare
from core.db import make_engine
from core.settings import get_settings
from services import passwords

console = Console()
PASSWORD = "bench-pass-123456"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _client(app) -> TestClient:
    """A fresh client address each time, so failed logins never trip the per-IP throttle."""
    n = uuid.uuid4().int
    return TestClient(app, client=(f"198.18.{n % 250}.{(n >> 8) % 250}", 40000))


def timed(fn, n: int, expect: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status = fn()
        times.append((time.perf_counter() - start) * 1000)
        assert status == expect, f"expected {expect}, got {status}"
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="logins per kind")
    args = parser.parse_args()

    settings = get_settings()
    url = prepare(settings, seed_if_empty=False)
    engine = make_engine(url, settings)
    app = create_app(settings, engine=engine)
    email = f"bench-{uuid.uuid4().hex[:12]}@bench.example.com"
    client = _client(app)
    created = client.post("/api/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Bench"})
    assert created.status_code == 201, created.text
    try:
        body = {"email": email, "password": PASSWORD}
        timed(lambda: client.post("/api/auth/login", json=body).status_code, 3, 200)  # warm-up
        # Interleaved, so that a change of load on the machine weighs on every case alike.
        ok, unknown, wrong, argon = [], [], [], []
        hashed = passwords.hash_password(PASSWORD)
        for _ in range(args.n):
            ok += timed(lambda: client.post("/api/auth/login", json=body).status_code, 1, 200)
            unknown += timed(
                lambda: (
                    _client(app)
                    .post(
                        "/api/auth/login",
                        json={"email": f"nobody-{uuid.uuid4().hex[:10]}@bench.example.com", "password": PASSWORD},
                    )
                    .status_code
                ),
                1,
                401,
            )
            # The success just before cleared the email's failures: the lockout stays out of the figure.
            wrong += timed(
                lambda: (
                    _client(app).post("/api/auth/login", json={"email": email, "password": "wrong-pass-1"}).status_code
                ),
                1,
                401,
            )
            argon += timed(lambda: 200 if passwords.verify_password(hashed, PASSWORD) else 0, 1, 200)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE email = :e"), {"e": email})
        engine.dispose()

    table = Table(title=f"POST /api/auth/login, in process ({args.n} each)")
    for col in ("case", "p50 ms", "p95 ms", "mean ms"):
        table.add_column(col, justify="right" if col != "case" else "left")
    for name, values in (
        ("success", ok),
        ("unknown email (dummy hash)", unknown),
        ("wrong password", wrong),
        ("argon2 verify alone", argon),
    ):
        table.add_row(name, f"{pct(values, 50):.1f}", f"{pct(values, 95):.1f}", f"{statistics.mean(values):.1f}")
    console.print(table)
    console.print(
        f"login p50 {pct(ok, 50):.1f} ms; unknown/known failure ratio {pct(unknown, 50) / pct(wrong, 50):.2f}"
    )


if __name__ == "__main__":
    main()
