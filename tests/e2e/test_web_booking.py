"""Browse pills, book a slot end to end, lose a race politely, manage recent searches."""

from __future__ import annotations

import uuid

import httpx

from tests.e2e.conftest import shot

PASSWORD = "a-long-password-1"


def _register_in_dialog(page, name="E2E Student"):
    dialog = page.locator("#auth-dialog")
    dialog.wait_for()
    page.get_by_role("button", name="New here? Create an account").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(f"e2e-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    dialog.wait_for(state="hidden")


def _search(page, q):
    page.get_by_label("What do you want to learn?").fill(q)
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator("#cards .card").first.wait_for()


def test_pill_browsing_shows_instructors_of_the_service(page):
    page.goto("/")
    page.locator("#categories button", has_text="Music").click()
    page.locator("#subcategories button", has_text="Piano").click()
    page.locator("#services button[data-slug='piano']").click()
    page.locator("#summary", has_text="Piano instructor").wait_for()
    first = page.locator("#cards .card").first
    assert "Piano" in first.inner_text()
    assert first.locator(".slots button").count() >= 1
    shot(page, "browse-pills")


def test_booking_a_slot_end_to_end_then_cancel_it(page):
    page.goto("/")
    _search(page, "guitar lessons")
    first_slot = page.locator("#cards .card").first.locator(".slots button").first
    first_slot.click()
    _register_in_dialog(page)  # not logged in yet: the page asks first, then goes on
    page.locator("#book-dialog").wait_for()
    shot(page, "confirm-booking")
    page.get_by_role("button", name="Book", exact=True).click()
    page.locator("#toast", has_text="Booked:").wait_for()
    page.get_by_role("button", name="My lessons").click()
    lesson = page.locator("#lessons-list li", has_text="Guitar")
    lesson.wait_for()
    assert "confirmed" in lesson.inner_text()
    shot(page, "my-lessons")
    lesson.get_by_role("button", name="Cancel").click()
    page.locator("#cancel-dialog").get_by_role("button", name="Cancel lesson").click()
    page.locator("#toast", has_text="Lesson cancelled").wait_for()
    page.locator("#lessons-list li", has_text="Guitar").wait_for(state="detached")


def test_losing_a_race_for_a_slot_is_a_friendly_message(page, live_server):
    page.goto("/")
    page.get_by_role("button", name="Log in").click()
    _register_in_dialog(page, "Slow Student")
    query = "piano lessons"
    _search(page, query)
    result = httpx.get(f"{live_server}/api/search", params={"q": query}).json()["results"][0]
    slot = result["slots"][0]
    page.locator(f"#cards .card .slots button[data-start='{slot['start']}']").first.click()
    page.locator("#book-dialog").wait_for()
    # Someone else books the same slot first.
    other = httpx.post(
        f"{live_server}/api/auth/register",
        json={"email": f"fast-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "full_name": "Fast Student"},
    )
    token = other.json()["access_token"]
    taken = httpx.post(
        f"{live_server}/api/bookings",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "instructor_id": result["instructor"]["id"],
            "instructor_service_id": result["instructor_service_id"],
            "start": slot["start"],
            "duration_minutes": result["duration_minutes"],
            "format": result["formats"][0],
        },
    )
    assert taken.status_code == 201, taken.text
    page.get_by_role("button", name="Book", exact=True).click()
    error = page.locator("#book-error")
    error.wait_for()
    assert "someone else just booked that time" in error.inner_text().lower()
    shot(page, "slot-taken")
    page.locator("#book-dialog").get_by_role("button", name="Cancel").click()
    _search(page, "chess for kids")  # the page still works after the failure


def test_recent_searches_can_be_deleted_and_survive_logging_in(page):
    page.goto("/")
    _search(page, "violin lessons for teens")
    entry = page.locator("#recent-list li", has_text="violin lessons for teens")
    entry.wait_for(state="attached")
    _search(page, "chess for kids")
    page.locator("#recent-list li", has_text="chess for kids").wait_for(state="attached")
    page.locator("#recent-box summary").click()  # folded away while there are results
    page.get_by_role("button", name="Delete “chess for kids” from recent searches").click()
    page.locator("#recent-list li", has_text="chess for kids").wait_for(state="detached")
    page.get_by_role("button", name="Log in").click()
    _register_in_dialog(page, "Returning Guest")
    page.locator("#who", has_text="Returning Guest").wait_for()
    page.locator("#recent-list li", has_text="violin lessons for teens").wait_for(state="attached")  # carried over
    shot(page, "recent-searches")


def test_pressing_book_again_after_a_lost_answer_finds_the_booking(page):
    """The server booked the lesson but its answer never arrived: the second press gets that booking back."""
    keys: list[str | None] = []

    def lose_the_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server books...
            route.abort("connectionreset")  # ...and the answer is lost on the way
        else:
            route.continue_()

    page.goto("/")
    page.get_by_role("button", name="Log in").click()
    _register_in_dialog(page, "Retrying Student")
    _search(page, "cello lessons")
    page.locator("#cards .card").first.locator(".slots button").first.click()
    page.locator("#book-dialog").wait_for()
    page.route(
        "**/api/bookings",
        lambda route: lose_the_first_answer(route) if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_role("button", name="Book", exact=True).click()
    page.locator("#book-error", has_text="could not reach").wait_for()
    page.get_by_role("button", name="Book", exact=True).click()
    page.locator("#toast", has_text="Booked:").wait_for()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    page.get_by_role("button", name="My lessons").click()
    page.locator("#lessons-list li", has_text="Cello").first.wait_for()
    assert page.locator("#lessons-list li", has_text="Cello").count() == 1
