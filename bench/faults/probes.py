"""Scripted probes of the outside review's findings (F1-F17) against a real uvicorn API on 127.0.0.1, on
the 400-instructor benchmark database; bounded in requests and time, too slow for `make test`. Each
category reports its attempts and passes; everything goes to var/faults/probes.json.

    python -m bench.faults.probes [CATEGORY ...]        (make probes)

Categories: login_flood (F2), amplification (F1), race (F3), forged_token (F5), refresh_reuse (F6),
weak_passwords (F7), xff (F8), reset_mail (F9), deep_paging (F10), extreme (F11), last_admin (F14),
taken_email (F16), demo_timing (F17).
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from bench.bench_load import free_port, start_api, stop
from bench.datasets import bench_engine
from core.settings import PROJECT_ROOT

OUT = PROJECT_ROOT / "var" / "faults"
INSTRUCTORS = 400
PASSWORD = "probe password 4711"
DEMO_PASSWORD = "demo-pass-123"
PUBLIC_DEV_KEY = "dev-insecure-secret-change-me-0123456789"
EMAIL_DOMAIN = "probes.test"


def _email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@{EMAIL_DOMAIN}"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def _register(c: httpx.Client, email: str | None = None) -> dict:
    r = c.post("/api/auth/register", json={"email": email or _email("s"), "password": PASSWORD, "full_name": "Probe"})
    assert r.status_code == 201, r.text
    return r.json()


def _bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


class Api:
    """One uvicorn process (1 worker) on the probe database."""

    def __init__(self, url: str, name: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.proc = start_api(url, 1, self.port, OUT / f"probe_{name}.log", env or {})
        self.base = f"http://127.0.0.1:{self.port}"

    def client(self, ip: str | None = None, timeout: float = 30) -> httpx.Client:
        headers = {"X-Forwarded-For": ip or f"10.55.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
        return httpx.Client(base_url=self.base, timeout=timeout, headers=headers)

    def close(self) -> None:
        stop(self.proc)


def login_flood(api: Api, _engine) -> dict[str, Any]:
    """F2: 60 logins at once while another user searches; no search may get a 503, and logins past the
    hashing gate are refused fast."""
    with api.client() as c:
        email = _register(c)["user"]["email"]
    logins: list[tuple[int, float]] = []
    searches: list[tuple[int, float]] = []
    stop_searching = threading.Event()

    def login(_: int) -> None:
        with api.client(timeout=60) as c:
            t = time.perf_counter()
            r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            logins.append((r.status_code, time.perf_counter() - t))

    def search(n: int) -> None:
        with api.client(ip=f"10.56.0.{n}") as c:
            i = 0
            while not stop_searching.is_set():
                i += 1
                t = time.perf_counter()
                r = c.get("/api/search", params={"q": f"piano lessons {n} {i % 7}"})
                searches.append((r.status_code, time.perf_counter() - t))

    searchers = [threading.Thread(target=search, args=(n,)) for n in range(3)]
    for s in searchers:
        s.start()
    time.sleep(1)
    with ThreadPoolExecutor(max_workers=60) as pool:
        list(pool.map(login, range(60)))
    stop_searching.set()
    for s in searchers:
        s.join()
    busy = [d for s, d in logins if s == 503]
    ok = [d for s, d in logins if s == 200]
    login_pass = sum(1 for s, d in logins if s == 200 or (s == 503 and d < 2.0))
    search_pass = sum(1 for s, _ in searches if s == 200)
    return {
        "attempts": len(logins) + len(searches),
        "passes": login_pass + search_pass,
        "logins": dict(Counter(s for s, _ in logins)),
        "login_ok_ms": {"p50": _ms(_pct(ok, 50)), "p95": _ms(_pct(ok, 95)), "max": _ms(max(ok, default=0))},
        "login_503_ms": {"p50": _ms(_pct(busy, 50)), "max": _ms(max(busy, default=0))},
        "searches": dict(Counter(s for s, _ in searches)),
        "search_ms": {"p50": _ms(_pct([d for _, d in searches], 50)), "p95": _ms(_pct([d for _, d in searches], 95))},
    }


def amplification(api: Api, _engine) -> dict[str, Any]:
    """F1: the 0.98 MB body of 90,000 unknown keys, five times, while /health is polled."""
    body = json.dumps({f"k{i:x}": 0 for i in range(88_000)}, separators=(",", ":")).encode()
    health: list[float] = []
    done = threading.Event()

    def poll() -> None:
        with api.client() as c:
            while not done.is_set():
                t = time.perf_counter()
                c.get("/health")
                health.append(time.perf_counter() - t)
                time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    answers = []
    with api.client() as c:
        for _ in range(5):
            t = time.perf_counter()
            r = c.post("/api/auth/register", content=body, headers={"content-type": "application/json"})
            answers.append((r.status_code, len(r.content), time.perf_counter() - t))
    done.set()
    poller.join()
    passes = sum(1 for s, n, d in answers if s == 422 and n < 1_000 and d < 1.0)
    return {
        "attempts": len(answers),
        "passes": passes,
        "body_bytes": len(body),
        "answers": [{"status": s, "bytes": n, "ms": _ms(d)} for s, n, d in answers],
        "health_ms_max": _ms(max(health, default=0)),
    }


def _offer(c: httpx.Client) -> tuple[dict, list[str]]:
    """An online offering and some of its bookable starts, from a search."""
    results = c.get("/api/search", params={"q": "piano lessons online", "limit": 50}).json()["results"]
    for item in results:
        if "online" in item["formats"] and len(item["slots"]) >= 1:
            avail = c.get(
                f"/api/public/instructors/{item['instructor']['id']}/availability",
                params={"duration_minutes": item["duration_minutes"]},
            ).json()
            starts = [s for day in avail["days"] for w in day["windows"] for s in w["starts"]]
            if len(starts) >= 16:
                return item, starts
    raise RuntimeError("no bookable online offering found")


def _race_round(api: Api, tokens: dict, booking: dict) -> dict[str, int]:
    """The deletion and the booking, released together."""
    barrier = threading.Barrier(2)
    codes: dict[str, int] = {}

    def delete() -> None:
        with api.client() as c:
            barrier.wait()
            r = c.post("/api/privacy/delete", json={"password": PASSWORD}, headers=_bearer(tokens))
            codes["delete"] = r.status_code

    def book() -> None:
        with api.client() as c:
            barrier.wait()
            codes["booking"] = c.post("/api/bookings", headers=_bearer(tokens), json=booking).status_code

    threads = [threading.Thread(target=delete), threading.Thread(target=book)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def race(api: Api, engine) -> dict[str, Any]:
    """F3: 8 rounds of an account deletion and a booking for it sent at the same moment."""
    with api.client() as c:
        item, starts = _offer(c)
    rounds = []
    for n in range(8):
        with api.client() as c:
            tokens = _register(c)
        user_id = tokens["user"]["id"]
        booking = {
            "instructor_id": item["instructor"]["id"],
            "instructor_service_id": item["instructor_service_id"],
            "start": starts[n * 2],
            "duration_minutes": item["duration_minutes"],
            "format": "online",
        }
        codes = _race_round(api, tokens, booking)
        with engine.connect() as conn:
            deleted = conn.execute(
                text("SELECT anonymized_at IS NOT NULL FROM users WHERE id = :u"), {"u": user_id}
            ).scalar_one()
            live = conn.execute(
                text("SELECT count(*) FROM bookings WHERE student_id = :u AND status = 'confirmed'"), {"u": user_id}
            ).scalar_one()
        rounds.append({**codes, "deleted": deleted, "future_lessons": live})
    return {
        "attempts": len(rounds),
        "passes": sum(1 for r in rounds if not (r["deleted"] and r["future_lessons"])),
        "rounds": rounds,
    }


def forged_token(api: Api, engine) -> dict[str, Any]:
    """F5: an admin token signed with the development key this repository once published."""
    import jwt

    with engine.connect() as conn:
        admin = conn.execute(text("SELECT id, token_version FROM users WHERE role = 'admin' LIMIT 1")).one()
    now = datetime.now(UTC)
    claims = {
        "sub": str(admin.id),
        "type": "access",
        "jti": uuid.uuid4().hex,
        "ver": admin.token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    forged = jwt.encode(claims, PUBLIC_DEV_KEY, algorithm="HS256")
    with api.client() as c:
        status = c.get("/api/admin/users", headers={"Authorization": f"Bearer {forged}"}).status_code
    return {"attempts": 1, "passes": int(status == 401), "status": status}


def refresh_reuse(api: Api, _engine) -> dict[str, Any]:
    """F6: replay a rotated refresh token; the pair issued from it must stop working."""
    with api.client() as c:
        first = _register(c)
        second = c.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
        replay = c.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).status_code
        me = c.get("/api/auth/me", headers=_bearer(second)).status_code
        again = c.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code
    checks = [replay == 401, me == 401, again == 401]
    return {"attempts": 3, "passes": sum(checks), "replay": replay, "issued_access": me, "issued_refresh": again}


def weak_passwords(api: Api, _engine) -> dict[str, Any]:
    """F7."""
    weak = ["12345678", "password", "        ", "Password1", "qwertyuiop", "11111111"]
    with api.client() as c:
        codes = [
            c.post("/api/auth/register", json={"email": _email("w"), "password": p, "full_name": "W"}).status_code
            for p in weak
        ]
    return {"attempts": len(codes), "passes": codes.count(422), "codes": codes}


def xff(api_untrusted: Api, _engine) -> dict[str, Any]:
    """F8: rotating X-Forwarded-For from 127.0.0.1 with no trusted proxy configured (RATE_AUTH_PER_IP=10)."""
    codes = []
    with httpx.Client(base_url=api_untrusted.base, timeout=30) as c:
        for i in range(20):
            r = c.post("/api/auth/refresh", headers={"X-Forwarded-For": f"198.51.100.{i}"})
            codes.append(r.status_code)
    return {"attempts": 1, "passes": int(429 in codes), "codes": dict(Counter(codes))}


def reset_mail(api: Api, engine) -> dict[str, Any]:
    """F9: 40 reset requests for one address."""
    with api.client() as c:
        email = _register(c)["user"]["email"]
        codes = [c.post("/api/auth/password-reset/request", json={"email": email}).status_code for _ in range(40)]
    with engine.connect() as conn:
        queued = conn.execute(
            text("SELECT count(*) FROM outbox WHERE recipient = :e AND kind = 'password_reset'"), {"e": email}
        ).scalar_one()
    return {"attempts": 40, "passes": 40 if queued <= 3 and set(codes) == {202} else 0, "queued": queued}


def deep_paging(api: Api, engine) -> dict[str, Any]:
    """F10: browsing pages deep and past the end of the largest category."""
    with engine.connect() as conn:
        category = conn.execute(
            text(
                "SELECT c.slug FROM categories c JOIN subcategories sc ON sc.category_id = c.id "
                "JOIN services sv ON sv.subcategory_id = sc.id JOIN instructor_services s ON s.service_id = sv.id "
                "GROUP BY c.slug ORDER BY count(DISTINCT s.profile_id) DESC LIMIT 1"
            )
        ).scalar_one()
    timings = {}
    with api.client() as c:
        path = f"/api/catalog/categories/{category}/instructors"
        c.get(path, params={"record": "false"})
        for offset in (100, 120, 140, 9_960, 9_980):
            t = time.perf_counter()
            r = c.get(path, params={"offset": offset, "limit": 20, "record": "false"})
            timings[offset] = (r.status_code, _ms(time.perf_counter() - t))
    passes = sum(1 for s, ms in timings.values() if s == 200 and ms < 500)
    return {"attempts": len(timings), "passes": passes, "category": category, "ms": timings}


def extreme(api: Api, _engine) -> dict[str, Any]:
    """F11: far dates, extreme start times and numbers."""
    with api.client() as c:
        tokens = _register(c)
        item, starts = _offer(c)
        iid = item["instructor"]["id"]
        body = {
            "instructor_id": iid,
            "instructor_service_id": item["instructor_service_id"],
            "start": starts[-1],
            "duration_minutes": item["duration_minutes"],
            "format": "online",
        }
        probes = [
            c.get(f"/api/public/instructors/{iid}/availability", params={"start_date": "9999-12-31"}),
            c.get(f"/api/public/instructors/{iid}/availability", params={"start_date": "0001-01-01"}),
            c.post("/api/bookings", headers=_bearer(tokens), json={**body, "start": "9999-12-31T23:00:00-14:00"}),
            c.post("/api/bookings", headers=_bearer(tokens), json={**body, "start": "0001-01-01T00:00:00+14:00"}),
            c.post(
                "/api/bookings",
                headers={**_bearer(tokens), "content-type": "application/json"},
                content=json.dumps(body).replace(
                    f'"duration_minutes": {body["duration_minutes"]}', '"duration_minutes": 1e400'
                ),
            ),
            c.post(
                "/api/auth/register",
                content=b"[" * 50_000 + b"]" * 50_000,
                headers={"content-type": "application/json"},
            ),
        ]
    codes = [r.status_code for r in probes]
    return {"attempts": len(codes), "passes": sum(1 for s in codes if 400 <= s < 500), "codes": codes}


def last_admin(api: Api, engine) -> dict[str, Any]:
    """F14: the only admin deletes their own account (the probe database has one admin)."""
    with engine.connect() as conn:
        admins = (
            conn.execute(text("SELECT email FROM users WHERE role = 'admin' AND is_active AND anonymized_at IS NULL"))
            .scalars()
            .all()
        )
    if len(admins) != 1:
        return {"attempts": 0, "passes": 0, "skipped": f"{len(admins)} admins"}
    with api.client() as c:
        tokens = c.post("/api/auth/login", json={"email": admins[0], "password": DEMO_PASSWORD}).json()
        status = c.post("/api/privacy/delete", json={"password": DEMO_PASSWORD}, headers=_bearer(tokens)).status_code
    return {"attempts": 1, "passes": int(status == 409), "status": status}


def taken_email(api: Api, _engine) -> dict[str, Any]:
    """F16: enumeration through registration, from one address (docs/adr/0008)."""
    with api.client() as c:
        taken = _register(c)["user"]["email"]
    with api.client() as c:
        codes = [
            c.post("/api/auth/register", json={"email": taken, "password": PASSWORD, "full_name": "T"}).status_code
            for _ in range(12)
        ]
        fresh = c.post("/api/auth/register", json={"email": _email("f"), "password": PASSWORD, "full_name": "F"})
    return {
        "attempts": 1,
        "passes": int(codes[:10] == [409] * 10 and codes[10:] == [429, 429] and fresh.status_code == 429),
        "codes": codes,
        "fresh_email_after": fresh.status_code,
    }


def demo_timing(api: Api, _engine) -> dict[str, Any]:
    """F17: wrong passwords for a demo account and for an ordinary one take alike."""
    with api.client() as c:
        own = _register(c)["user"]["email"]
    demo = "student@instainstru.test"
    times: dict[str, list[float]] = {"demo": [], "own": []}
    for i in range(8):
        for name, email in (("demo", demo), ("own", own)):
            with api.client() as c:  # a fresh address each time: no lockout
                t = time.perf_counter()
                c.post("/api/auth/login", json={"email": email, "password": f"wrong {i}"})
                times[name].append(time.perf_counter() - t)
    ratio = statistics.median(times["demo"]) / statistics.median(times["own"])
    return {
        "attempts": 1,
        "passes": int(ratio > 0.7),
        "median_ms": {k: _ms(statistics.median(v)) for k, v in times.items()},
        "ratio": round(ratio, 2),
    }


PROBES = {
    "login_flood": login_flood,
    "amplification": amplification,
    "race": race,
    "forged_token": forged_token,
    "refresh_reuse": refresh_reuse,
    "weak_passwords": weak_passwords,
    "xff": xff,
    "reset_mail": reset_mail,
    "deep_paging": deep_paging,
    "extreme": extreme,
    "last_admin": last_admin,
    "taken_email": taken_email,
    "demo_timing": demo_timing,
}


def _cleanup(engine) -> None:
    like = f"%@{EMAIL_DOMAIN}"
    with engine.begin() as conn:
        users = "SELECT id FROM users WHERE email LIKE :l"
        conn.execute(
            text(
                "DELETE FROM outbox WHERE recipient LIKE :l OR payload->>'booking_id' IN "
                f"(SELECT id::text FROM bookings WHERE student_id IN ({users}))"
            ),
            {"l": like},
        )
        conn.execute(text(f"DELETE FROM bookings WHERE student_id IN ({users})"), {"l": like})
        conn.execute(text(f"DELETE FROM search_history WHERE user_id IN ({users})"), {"l": like})
        conn.execute(
            text("DELETE FROM users WHERE email LIKE :l OR email LIKE 'deleted-%@deleted.invalid'"), {"l": like}
        )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    chosen = sys.argv[1:] or list(PROBES)
    engine = bench_engine(INSTRUCTORS)
    url = engine.url.render_as_string(hide_password=False)
    api = Api(url, "main", {"RATE_LIMIT_ENABLED": "false"})
    untrusted = Api(url, "untrusted", {"TRUSTED_PROXIES": "", "RATE_AUTH_PER_IP": "10"}) if "xff" in chosen else None
    results: dict[str, Any] = {}
    try:
        for name in chosen:
            started = time.perf_counter()
            target = untrusted if name == "xff" and untrusted is not None else api
            try:
                results[name] = PROBES[name](target, engine)
            except Exception as exc:  # noqa: BLE001 - a probe that breaks is reported, the others still run
                results[name] = {"attempts": 1, "passes": 0, "error": repr(exc)}
            results[name]["seconds"] = round(time.perf_counter() - started, 1)
            r = results[name]
            print(
                f"{name:15s} {r['passes']}/{r['attempts']}  {json.dumps({k: v for k, v in r.items() if k not in ('attempts', 'passes')}, default=str)[:300]}",
                flush=True,
            )
    finally:
        api.close()
        if untrusted:
            untrusted.close()
        _cleanup(engine)
        engine.dispose()
    (OUT / "probes.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
