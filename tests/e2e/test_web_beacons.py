"""The page reports clicks on a search's results with navigator.sendBeacon: a click on a result, the
profile view it leads to and a slot click each reach POST /api/search/{search_id}/events (204) with
the result's position and offering, under the search_id of the answer that showed it. (Playwright
does not show a beacon's body, so the recorded events are read from the database.)"""

from __future__ import annotations

import pytest
from sqlalchemy import text


@pytest.fixture
def searched(page):
    beacons: list = []
    page.on("requestfinished", lambda r: beacons.append(r) if r.url.endswith("/events") else None)
    page.goto("/")
    box = page.get_by_label("What do you want to learn?")
    box.fill("piano lessons")
    box.press("Enter")
    page.locator("#results[aria-busy='false'] #cards .card").first.wait_for()
    shown = page.evaluate("() => ({ sid: state.sid, ids: state.data.results.map((r) => r.instructor_service_id) })")
    return page, shown, beacons


def _sent(page, beacons: list, count: int) -> None:
    for _ in range(300):  # until the beacons are answered (the page does not wait for them)
        if len(beacons) >= count:
            break
        page.wait_for_timeout(50)
    assert len(beacons) == count
    assert all(b.method == "POST" and b.response().status == 204 for b in beacons)


def _events(engine, search_id: str) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT kind, position, instructor_service_id::text FROM search_events "
                "WHERE search_id = :s ORDER BY created_at"
            ),
            {"s": search_id},
        ).all()


def test_a_result_click_and_the_profile_view_are_sent(searched, indexed_engine):
    page, shown, beacons = searched
    page.locator("#cards .card h3 a").first.click()
    page.locator("#profile-name").wait_for()
    _sent(page, beacons, 2)
    assert all(b.url.endswith(f"/api/search/{shown['sid']}/events") for b in beacons)
    assert sorted(_events(indexed_engine, shown["sid"])) == [
        ("profile_view", 1, shown["ids"][0]),
        ("result_click", 1, shown["ids"][0]),
    ]


def test_a_slot_click_is_sent_with_its_position(searched, indexed_engine):
    page, shown, beacons = searched
    page.locator("#cards .card").nth(1).locator(".slots button").first.click()
    _sent(page, beacons, 1)
    assert _events(indexed_engine, shown["sid"]) == [("slot_click", 2, shown["ids"][1])]
