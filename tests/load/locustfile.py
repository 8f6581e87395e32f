"""Realistic load on the API (locust): 70% search with varied queries, 15% browsing, 10% public
availability, 5% booking. Each simulated student has its own address (X-Forwarded-For, which uvicorn
trusts from 127.0.0.1) and, for booking, its own account, so the per-IP and per-user rate limits see
traffic as they would in production.

    make load   (bench/bench_load.py starts the API on the 10,000-instructor database and runs this headless)
    locust -f tests/load/locustfile.py --host http://127.0.0.1:8000   (by hand, with the web UI)
"""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, events, task

from bench.queries import query_mix, zipf_stream

QUERIES = zipf_stream(query_mix(400, seed=11), 20_000, seed=13)
CATEGORIES = ["music", "tutoring", "languages", "sports-fitness", "arts", "dance"]
SERVICES = ["piano", "guitar", "violin", "swimming", "tennis", "yoga", "spanish", "chess", "drawing", "math"]
_counter = itertools.count()
CATALOG_LOADED: list[bool] = []
SEEN_INSTRUCTORS: list[str] = []  # profile ids met in search results, shared by all simulated users


class Student(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        if not CATALOG_LOADED:
            self._load_catalog()
        n = next(_counter)
        self.ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        self.rng = random.Random(n)
        self.client.headers.update({"X-Forwarded-For": self.ip})
        self.token = None
        self.offers: list[dict] = []  # bookable (instructor, service, slot) from this user's searches

    def _load_catalog(self) -> None:
        r = self.client.get("/api/catalog/categories", name="/api/catalog/categories")
        if r.status_code != 200:
            return
        cats = r.json()["categories"]
        CATEGORIES[:] = [c["slug"] for c in cats]
        SERVICES[:] = [s["slug"] for c in cats for sub in c["subcategories"] for s in sub["services"]]
        CATALOG_LOADED.append(True)

    # 70%
    @task(70)
    def search(self) -> None:
        q = QUERIES[self.rng.randrange(len(QUERIES))]
        with self.client.get("/api/search", params={"q": q}, name="/api/search", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
                return
            results = r.json().get("results") or []
            for item in results[:3]:
                SEEN_INSTRUCTORS.append(item["instructor"]["id"])
                if item["slots"] and "online" in item["formats"]:
                    self.offers.append(
                        {
                            "instructor_id": item["instructor"]["id"],
                            "instructor_service_id": item["instructor_service_id"],
                            "start": self.rng.choice(item["slots"])["start"],
                            "duration_minutes": item["duration_minutes"],
                            "format": "online",
                        }
                    )
            del SEEN_INSTRUCTORS[:-2000]
            del self.offers[:-20]

    # 15%: categories, a category or service page, an instructor's profile
    @task(15)
    def browse(self) -> None:
        pick = self.rng.random()
        if pick < 0.2:
            self.client.get("/api/catalog/categories", name="/api/catalog/categories")
        elif pick < 0.5:
            self.client.get(
                f"/api/catalog/categories/{self.rng.choice(CATEGORIES)}/instructors",
                name="/api/catalog/categories/{slug}/instructors",
            )
        elif pick < 0.75:
            self.client.get(
                f"/api/catalog/services/{self.rng.choice(SERVICES)}/instructors",
                name="/api/catalog/services/{slug}/instructors",
            )
        elif SEEN_INSTRUCTORS:
            self.client.get(
                f"/api/public/instructors/{self.rng.choice(SEEN_INSTRUCTORS)}", name="/api/public/instructors/{id}"
            )

    # 10%
    @task(10)
    def availability(self) -> None:
        if not SEEN_INSTRUCTORS:
            return self.search()
        start = (datetime.now(UTC) + timedelta(days=self.rng.randrange(0, 10))).date()
        self.client.get(
            f"/api/public/instructors/{self.rng.choice(SEEN_INSTRUCTORS)}/availability",
            params={"start_date": str(start)},
            name="/api/public/instructors/{id}/availability",
        )

    # 5%: sign up once, then book a slot seen in a search; 409 (someone was faster) is a valid answer
    @task(5)
    def book(self) -> None:
        if not self.offers:
            return self.search()
        if self.token is None:
            email = f"load-{uuid.uuid4().hex[:12]}@load.test"
            r = self.client.post(
                "/api/auth/register",
                name="/api/auth/register",
                json={"email": email, "password": "load test password", "full_name": "Load Tester"},
            )
            if r.status_code != 201:
                return
            self.token = r.json()["access_token"]
            self.client.cookies.clear()
        offer = self.offers.pop(self.rng.randrange(len(self.offers)))
        with self.client.post(
            "/api/bookings",
            json=offer,
            name="/api/bookings",
            headers={"Authorization": f"Bearer {self.token}"},
            catch_response=True,
        ) as r:
            if r.status_code in (201, 409, 422):  # taken, or no longer bookable (notice window): expected
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:120]}")


@events.quitting.add_listener
def _summary(environment, **_kw) -> None:
    total = environment.stats.total
    if not total.num_requests:
        return
    print(
        f"\nSUMMARY requests={total.num_requests} failures={total.num_failures} "
        f"rps={total.total_rps:.1f} p50={total.get_response_time_percentile(0.5):.0f}ms "
        f"p95={total.get_response_time_percentile(0.95):.0f}ms p99={total.get_response_time_percentile(0.99):.0f}ms"
    )
    for _name, entry in sorted(environment.stats.entries.items()):
        print(
            f"  {entry.method:5} {entry.name:48} n={entry.num_requests:6} fail={entry.num_failures:4} "
            f"p50={entry.get_response_time_percentile(0.5):.0f} p95={entry.get_response_time_percentile(0.95):.0f} "
            f"p99={entry.get_response_time_percentile(0.99):.0f}"
        )
