"""Category and pill browsing: the tree with instructor counts, and a service's instructors in
the search result shape, filtered and paged."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from index import places
from tests.factories import make_instructor, nyc_today


@pytest.fixture(scope="module")
def client(indexed_engine):
    with TestClient(create_app(Settings(), engine=indexed_engine)) as c:
        yield c


def test_category_tree_counts_active_instructors(client, engine):
    from sqlalchemy import text

    r = client.get("/api/catalog/categories")
    assert r.status_code == 200 and r.headers["etag"]
    tree = r.json()["categories"]
    assert len(tree) == 7
    services = {s["slug"]: s for c in tree for sc in c["subcategories"] for s in sc["services"]}
    assert len(services) == 224
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT count(DISTINCT s.profile_id) FROM instructor_services s JOIN services sv ON sv.id = s.service_id "
                "JOIN instructor_profiles p ON p.id = s.profile_id JOIN users u ON u.id = p.user_id "
                "WHERE sv.slug = 'piano' AND s.is_active AND u.is_active AND u.anonymized_at IS NULL"
            )
        ).scalar()
    assert services["piano"]["instructors"] == expected > 0
    assert all(
        c["instructors"] >= max(s["instructors"] for sc in c["subcategories"] for s in sc["services"]) for c in tree
    )
    assert client.get("/api/catalog/categories", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_browse_has_the_search_shape_and_honours_filters(client):
    r = client.get("/api/catalog/services/piano/instructors", params={"borough": "brooklyn", "limit": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["results"], body
    for res in body["results"]:
        assert set(res) >= {
            "instructor",
            "service",
            "price",
            "formats",
            "duration_minutes",
            "slots",
            "next_available",
            "score",
            "why",
        }
        assert res["service"]["slug"] == "piano" and res["slots"]
        areas = res["instructor"]["areas"]
        assert (
            res["formats"] == ["online"]
            or "brooklyn" in areas["boroughs"]
            or any(places.borough_of(n) == "brooklyn" for n in areas["neighborhoods"])
        )
    page2 = client.get(
        "/api/catalog/services/piano/instructors", params={"borough": "brooklyn", "limit": 5, "offset": 5}
    ).json()
    ids = {x["instructor"]["id"] for x in body["results"]}
    assert not ids & {x["instructor"]["id"] for x in page2["results"]}


def _browse_all(client, slug: str, **params) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for offset in range(0, 2000, 50):
        r = client.get(f"/api/catalog/services/{slug}/instructors", params={**params, "limit": 50, "offset": offset})
        assert r.status_code == 200, r.text
        found.update((x["instructor"]["id"], x) for x in r.json()["results"])
        if len(r.json()["results"]) < 50:
            break
    return found


def test_browse_price_format_and_dates(client, engine):
    day = nyc_today() + timedelta(days=3)
    # One instructor that must be listed, and one that each filter must leave out.
    fits = make_instructor(engine, first_day=day, days=1, services=(("guitar", None, Decimal("50"), [60]),))
    too_dear = make_instructor(engine, first_day=day, days=1, services=(("guitar", None, Decimal("90"), [60]),))
    in_person = make_instructor(engine, first_day=day, days=1, services=(("guitar", Decimal("50"), None, [60]),))
    other_day = make_instructor(
        engine, first_day=day + timedelta(days=1), days=1, services=(("guitar", None, Decimal("50"), [60]),)
    )
    found = _browse_all(client, "guitar", format="online", price_max=70, dates=[day.isoformat()])
    assert str(fits.profile_id) in found
    assert not {str(i.profile_id) for i in (too_dear, in_person, other_day)} & set(found)
    for res in found.values():
        assert "online" in res["formats"] and res["price"]["online"] <= 70 and res["slots"]
        assert all(datetime.fromisoformat(s["start"]).date() == day for s in res["slots"])


@pytest.mark.parametrize(
    "path, params, status, fragment",
    [
        ("/api/catalog/services/no-such-thing/instructors", {}, 404, "No service"),
        ("/api/catalog/services/piano/instructors", {"borough": "atlantis"}, 422, "Unknown borough"),
        ("/api/catalog/services/piano/instructors", {"neighborhood": "park-slope", "borough": "queens"}, 422, "not in"),
        ("/api/catalog/services/piano/instructors", {"price_min": 90, "price_max": 10}, 422, "price_min"),
        ("/api/catalog/services/piano/instructors", {"format": "carrier-pigeon"}, 422, "in_person"),
        ("/api/catalog/services/piano/instructors", {"dates": ["tomorrow"]}, 422, "date"),
        ("/api/catalog/services/piano/instructors", {"limit": 0}, 422, "greater than"),
    ],
)
def test_browse_bad_input(client, path, params, status, fragment):
    r = client.get(path, params=params)
    assert r.status_code == status and fragment in r.text
