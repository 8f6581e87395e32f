"""Load test: the API (uvicorn, 1 or more workers) on the 10,000-instructor benchmark database, driven
by locust headless with tests/load/locustfile.py; CSVs in var/load/, a summary table at the end.

    python -m bench.bench_load [--instructors 10000] [--workers 1 2] [--users 40] [--seconds 60]

Only 127.0.0.1; bounded in users and time. Accounts and bookings the run created are deleted after.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.datasets import bench_engine
from core.settings import PROJECT_ROOT

OUT = PROJECT_ROOT / "var" / "load"
LOCUSTFILE = PROJECT_ROOT / "tests" / "load" / "locustfile.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api(url: str, workers: int, port: int, log: Path, extra_env: dict | None = None) -> subprocess.Popen:
    """The load and fault clients stand for many students behind a local proxy: X-Forwarded-For from
    127.0.0.1 is believed (TRUSTED_PROXIES), and only by the app, as with `cli serve`."""
    env = {
        **os.environ,
        "INSTAINSTRU_RESOLVED_DB_URL": url,
        "HF_HUB_OFFLINE": "1",
        "TRUSTED_PROXIES": "127.0.0.1",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-proxy-headers",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                # every worker must have loaded the model: warm each with a few searches
                for q in ("piano lessons", "guitar in brooklyn", "math tutor", "yoga", "spanish online"):
                    httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": q}, timeout=30)
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited; see {log}")
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the API did not become ready")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_locust(port: int, users: int, seconds: int, prefix: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 5)),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
    ]
    done = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=seconds + 120)
    summary = [
        line
        for line in done.stdout.splitlines() + done.stderr.splitlines()
        if line.startswith("SUMMARY") or line.startswith("  ")
    ]
    with open(f"{prefix}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    agg = rows["Aggregated"]
    return {
        "requests": int(agg["Request Count"]),
        "failures": int(agg["Failure Count"]),
        "rps": float(agg["Requests/s"]),
        "p50": float(agg["50%"]),
        "p95": float(agg["95%"]),
        "p99": float(agg["99%"]),
        "search_p95": float(rows.get("/api/search", agg)["95%"]),
        "lines": summary,
    }


def cleanup(engine) -> dict:
    with engine.begin() as conn:
        ids = "SELECT id FROM users WHERE email LIKE '%@load.test'"
        conn.execute(
            text(
                f"DELETE FROM outbox WHERE payload->>'booking_id' IN "
                f"(SELECT id::text FROM bookings WHERE student_id IN ({ids}))"
            )
        )
        conn.execute(text("DELETE FROM outbox WHERE recipient LIKE '%@load.test'"))
        b = conn.execute(text(f"DELETE FROM bookings WHERE student_id IN ({ids})")).rowcount
        for table in ("search_history", "refresh_tokens", "revoked_tokens"):
            try:
                with conn.begin_nested():
                    conn.execute(text(f"DELETE FROM {table} WHERE user_id IN ({ids})"))
            except Exception:  # noqa: BLE001 - a table this schema version does not have
                pass
        u = conn.execute(text("DELETE FROM users WHERE email LIKE '%@load.test'")).rowcount
    return {"bookings": b, "users": u}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instructors", type=int, default=10_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--users", type=int, default=40)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    engine = bench_engine(args.instructors)
    url = engine.url.render_as_string(hide_password=False)
    results = {}
    for workers in args.workers:
        port = free_port()
        api = start_api(url, workers, port, OUT / f"api_w{workers}.log")
        try:
            results[workers] = run_locust(port, args.users, args.seconds, OUT / f"w{workers}")
        finally:
            stop(api)
            print("cleaned up:", cleanup(engine))
        print(f"\n== {workers} worker(s), {args.users} users, {args.seconds}s ==")
        print("\n".join(results[workers]["lines"]))
    print(f"\n{args.instructors:,} instructors, {args.users} simulated students, {args.seconds}s each")
    print(
        f"{'workers':>7} {'requests':>9} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'search p95':>10}"
    )
    for w, r in results.items():
        print(
            f"{w:>7} {r['requests']:>9} {r['failures']:>5} {r['rps']:>7.1f} {r['p50']:>7.0f} {r['p95']:>7.0f} "
            f"{r['p99']:>7.0f} {r['search_p95']:>10.0f}"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
