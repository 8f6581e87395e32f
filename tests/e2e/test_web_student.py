"""The student page as students tried it (desktop 1366×850, phone 390×844): profiles, reviews, sort,
filters, paging, the address (Back, Forward, reload, shared links), loading and error states, the
booking dialog, cancelling, what history keeps, and an axe-core accessibility check of every view.
Tests that add teachers or bookings come last, so the screenshots show the demo data only."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import factories
from tests.e2e.conftest import shot
from tests.factories import PASSWORD, insert_booking, make_instructor, make_user, nyc_today

DESKTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}
TIME = re.compile(r"\d{1,2}:\d{2} (AM|PM)")


@pytest.fixture(scope="module", autouse=True)
def _remove_created_rows():
    yield
    factories.cleanup()


@pytest.fixture
def desk(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _submit(page, q):
    box = page.get_by_label("What do you want to learn?")
    box.fill(q)
    box.press("Enter")
    page.wait_for_function("q => new URL(location.href).searchParams.get('q') === q", arg=q)
    page.locator("#results[aria-busy='false'] #cards .card").first.wait_for()


def _cards(page):
    return page.locator("#cards .card:not(.skeleton)")


def _log_in(page, email):
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#auth-submit").click()
    page.locator("#auth-dialog").wait_for(state="hidden")


def _axe(page, name):
    results = Axe().run(page)
    found = results.response["violations"]
    print(f"axe {name}: " + (", ".join(f"{v['id']} ({v['impact']})" for v in found) or "no violations"))
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + results.generate_report()


def test_a_name_opens_the_profile_with_reviews_and_a_week_of_slots(desk):
    desk.goto("/")
    _submit(desk, "music lessons")
    first = _cards(desk).first
    name = first.locator("h3 a").inner_text()
    instructor_id = first.get_attribute("data-instructor")
    first.locator("h3 a").click()
    desk.wait_for_url(f"**/instructors/{instructor_id}")
    profile = desk.locator("#profile")
    profile.get_by_role("heading", name=name).wait_for()
    assert profile.locator(".avatar.big").inner_text() == "".join(w[0] for w in name.split()[:2]).upper()
    assert profile.locator(".bio").inner_text().strip()
    services = profile.locator(".services li").all_inner_texts()
    assert services and all(re.search(r"\$\d+/h (in person|online)", s) and " min" in s for s in services)
    profile.locator(".week button").first.wait_for()
    assert TIME.fullmatch(profile.locator(".week button").first.inner_text())
    api = httpx.get(
        f"{desk.context.pages[0].url.split('/instructors')[0]}/api/public/instructors/{instructor_id}/reviews"
    )
    if api.json()["total"]:
        first_review = api.json()["reviews"][0]
        profile.locator(".review-list li", has_text=first_review["author"]).first.wait_for()
        assert profile.locator(".histogram li").count() == 5
        assert profile.locator(".histogram li").first.inner_text().startswith("5 ★")
    if profile.locator("details.map").count():
        profile.locator("details.map svg path.on").first.wait_for()
    assert "null" not in profile.inner_text()
    shot(desk, "profile")
    desk.go_back()  # Back returns to the same results
    desk.wait_for_url(re.compile(r"\?q=music"))
    _cards(desk).first.wait_for()
    assert desk.get_by_label("What do you want to learn?").input_value() == "music lessons"


def test_a_profile_address_can_be_shared_and_an_unknown_one_says_so(desk, live_server):
    some = httpx.get(f"{live_server}/api/search", params={"q": "guitar lessons"}).json()["results"][0]["instructor"]
    desk.goto(f"/instructors/{some['id']}")  # a shared link, opened fresh
    desk.locator("#profile").get_by_role("heading", name=some["name"]).wait_for()
    desk.goto("/instructors/00000000-0000-4000-8000-000000000000")
    desk.locator("#profile h2", has_text="No such instructor").wait_for()


def test_sort_by_price_orders_the_cards_and_lives_in_the_address(desk):
    desk.goto("/")
    _submit(desk, "music lessons")
    desk.get_by_label("Sort").select_option("price")
    desk.wait_for_url(re.compile(r"sort=price"))
    desk.locator("#results[aria-busy='false']").wait_for()
    desk.locator("#summary", has_text="sorted among").wait_for()
    prices = [
        float(re.search(r"\$(\d+(?:\.\d+)?)/h", t).group(1))
        for t in _cards(desk).locator(".meta").all_inner_texts()[::2]
    ]
    assert prices == sorted(prices) and len(prices) > 5
    desk.reload()  # the sort survives a reload
    _cards(desk).first.wait_for()
    assert desk.get_by_label("Sort").input_value() == "price"


def test_filters_become_editable_chips_and_apply_to_pill_browsing(desk):
    desk.goto("/")
    _submit(desk, "guitar lessons under $200")
    desk.get_by_role("button", name="Filters").click()
    sheet = desk.locator("#filters-dialog")
    assert sheet.get_by_label("Max $/h").input_value() == "200"  # what the sentence said
    sheet.get_by_label("Max $/h").fill("90")
    sheet.get_by_label("Time of day").select_option("morning")
    _axe(desk, "filter sheet")
    sheet.get_by_role("button", name="Show results").click()
    desk.wait_for_url(re.compile(r"price_max=90.*time_of_day=morning"))
    desk.locator("#chips .chip", has_text="≤ $90").wait_for()
    desk.locator("#chips .chip", has_text="6 AM–12 PM").wait_for()
    desk.get_by_role("button", name="Change ≤ $90").click()  # a chip opens its field
    assert desk.evaluate("document.activeElement.id") == "f-max"
    desk.keyboard.press("Escape")
    # Browsing by pills gets the same filters.
    desk.locator("#browse-box summary").click()
    desk.locator("#categories button", has_text="Music").click()
    desk.wait_for_url(re.compile(r"category=music"))
    desk.get_by_role("button", name="Filters").click()
    sheet.get_by_label("Where").select_option("online")
    sheet.get_by_role("button", name="Show results").click()
    desk.wait_for_url(re.compile(r"category=music.*format=online"))
    desk.locator("#chips .chip", has_text="Online").wait_for()
    desk.locator("#results[aria-busy='false']").wait_for()
    assert all("online" in t for t in _cards(desk).locator(".meta").all_inner_texts()[::2])


def test_removing_a_chip_keeps_focus_and_the_chip_can_be_restored(desk):
    desk.goto("/")
    _submit(desk, "piano lessons in brooklyn")
    desk.get_by_role("button", name="Remove Brooklyn").click()
    restore = desk.get_by_role("button", name="Restore Brooklyn")
    restore.wait_for()
    desk.wait_for_function(
        "() => document.activeElement && document.activeElement.getAttribute('aria-label') === 'Restore Brooklyn'"
    )
    assert "drop=place" in desk.url
    restore.click()
    desk.locator("#chips .chip", has_text="Brooklyn").get_by_role("button", name="Remove Brooklyn").wait_for()
    assert "drop=" not in desk.url


def test_show_more_appends_the_next_page(desk):
    desk.goto("/")
    _submit(desk, "lessons in brooklyn")
    assert _cards(desk).count() == 20
    ids = [c.get_attribute("data-instructor") for c in _cards(desk).all()]
    desk.get_by_role("button", name="Show more").click()
    desk.wait_for_function("() => document.querySelectorAll('#cards .card').length > 20")
    more = [c.get_attribute("data-instructor") for c in _cards(desk).all()]
    assert more[:20] == ids and len(set(more)) == len(more)
    assert desk.evaluate("document.activeElement.closest('.card') === document.querySelectorAll('#cards .card')[20]")


def test_the_address_makes_back_forward_reload_and_sharing_work(desk, browser, live_server):
    desk.goto("/")
    _submit(desk, "chess for kids")
    _submit(desk, "violin lessons")
    desk.go_back()
    desk.wait_for_url(re.compile(r"q=chess"))
    desk.locator("#chips .chip", has_text="Chess").wait_for()
    assert desk.get_by_label("What do you want to learn?").input_value() == "chess for kids"
    desk.go_forward()
    desk.locator("#chips .chip", has_text="Violin").wait_for()
    desk.reload()
    desk.locator("#chips .chip", has_text="Violin").wait_for()
    assert desk.get_by_label("What do you want to learn?").input_value() == "violin lessons"
    shared = browser.new_context(base_url=live_server, viewport=DESKTOP).new_page()
    shared.goto(urlparse(desk.url).path + "?" + urlparse(desk.url).query)
    shared.locator("#chips .chip", has_text="Violin").wait_for()
    shared.context.close()
    desk.go_back()
    desk.go_back()
    desk.wait_for_url(re.compile(r"/$"))  # Back stays on the site until the first page


def test_a_running_search_shows_loading_and_an_error_offers_retry(desk):
    desk.goto("/")
    _submit(desk, "piano lessons")
    release = []

    def slow(route):
        release.append(route)

    desk.route("**/api/search?*", slow)
    desk.get_by_label("What do you want to learn?").fill("guitar lessons")
    desk.keyboard.press("Enter")
    desk.locator("#results[aria-busy='true']").wait_for()
    assert desk.locator("#cards").evaluate("n => n.inert") and "Searching" in desk.locator("#summary").inner_text()
    shot(desk, "loading", full=False)
    release[0].fulfill(status=500, json={"detail": "boom"})
    error = desk.locator("#error")
    error.wait_for()
    assert "Something went wrong" in error.inner_text() and _cards(desk).count() == 0  # no stale results
    desk.unroute("**/api/search?*")
    error.get_by_role("button", name="Retry").click()
    desk.locator("#chips .chip", has_text="Guitar").wait_for()
    assert error.is_hidden()


def test_only_submitted_searches_and_pills_enter_recent_searches(desk):
    desk.goto("/")
    box = desk.get_by_label("What do you want to learn?")
    box.press_sequentially("trumpet lessons", delay=120)  # typed-ahead searches run as you type
    _cards(desk).first.wait_for()
    desk.wait_for_timeout(600)
    box.press("Enter")
    desk.locator("#recent-list li").first.wait_for(state="attached")
    desk.locator("#browse-box summary").click()
    desk.locator("#categories button", has_text="Dance").click()
    desk.wait_for_url(re.compile(r"category=dance"))
    desk.locator("#recent-list li", has_text="Dance").wait_for(state="attached")
    queries = desk.locator("#recent-list li .again").all_text_contents()
    assert sorted(queries) == ["Dance", "trumpet lessons"], queries


def test_phone_shows_results_in_the_first_screen(phone):
    phone.goto("/")
    _submit(phone, "piano for my 8 year old in brooklyn under $70 this saturday")
    first = _cards(phone).first.bounding_box()
    assert first["y"] < PHONE["height"] - 120, first  # the first card starts within the first screen
    assert not phone.locator("#browse-box").evaluate("d => d.open")  # Browse folded away
    x = phone.locator("#chips .chip .x").first.bounding_box()
    assert x["width"] >= 44 and x["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _axe(phone, "phone results")
    shot(phone, "phone", full=False)
    phone.get_by_role("button", name="Filters").click()
    shot(phone, "phone-filters", full=False)


def test_guests_see_no_401_and_can_ask_for_a_password_reset(desk):
    statuses = []
    desk.on("response", lambda r: statuses.append(r.status))
    desk.goto("/")
    desk.locator("#categories button").first.wait_for()
    _axe(desk, "search page")
    assert 401 not in statuses
    desk.get_by_role("button", name="Log in").click()
    desk.get_by_role("button", name="Forgot password?").click()
    desk.get_by_label("Email").fill("someone@example.com")
    desk.get_by_role("button", name="Send me a reset link").click()
    desk.locator("#toast", has_text="reset link").wait_for()


def test_results_and_profile_pass_axe(desk):
    desk.goto("/")
    _submit(desk, "guitar lessons in brooklyn")
    assert TIME.search(_cards(desk).first.locator(".slots button").first.inner_text())
    _axe(desk, "results")
    shot(desk, "search-results")
    desk.locator("#cards .card h3 a").first.click()
    desk.locator("#profile .week button").first.wait_for()
    _axe(desk, "profile")


def test_a_student_reviews_a_completed_lesson_and_it_shows_on_the_profile(desk, engine):
    inst = make_instructor(engine)
    student = make_user(engine, name="Riley Park")
    insert_booking(engine, student=student, inst=inst, day=nyc_today() - timedelta(days=2), hour=10, status="completed")
    desk.goto("/")
    _log_in(desk, student.email)
    desk.get_by_role("button", name="My lessons").click()
    desk.locator("#lessons").get_by_role("button", name="Past").click()
    lesson = desk.locator("#lessons-list li", has_text="completed")
    lesson.get_by_role("button", name="Write a review").click()
    dialog = desk.locator("#review-dialog")
    dialog.get_by_label("4 stars").check()
    dialog.get_by_label("What was it like?").fill("Patient and clear; my scales finally make sense.")
    _axe(desk, "review dialog")
    dialog.get_by_role("button", name="Post review").click()
    desk.locator("#toast", has_text="your review is on").wait_for()
    desk.locator("#lessons-list li", has_text="You gave 4 ★").wait_for()
    desk.goto(f"/instructors/{inst.profile_id}")
    review = desk.locator(".review-list li", has_text="my scales finally make sense")
    review.wait_for()
    assert "Riley P." in review.inner_text() and "★★★★☆" in review.inner_text()
    assert "★ 4.0 (1 review)" in desk.locator("#profile .meta").first.inner_text()


def test_booking_dialog_preselects_the_priced_lesson_and_shows_total_place_who_and_policy(desk, engine):
    from decimal import Decimal

    inst = make_instructor(engine, services=(("piano", Decimal("85"), Decimal("55"), [45, 60]),), boroughs=("queens",))
    student = make_user(engine)
    desk.goto("/")
    _log_in(desk, student.email)
    desk.goto(f"/instructors/{inst.profile_id}")
    desk.locator("#profile .week button").first.click()
    dialog = desk.locator("#book-dialog")
    dialog.wait_for()
    assert dialog.get_by_label("Online · $55/h").is_checked()  # the cheaper lesson, as search prices it
    dialog.get_by_label("Length").select_option("45")
    dialog.locator("#book-total", has_text="$55/h × 45 min = $41.25").wait_for()
    assert "24 hours" in dialog.locator("#book-policy").inner_text()
    dialog.get_by_label("In person · $85/h").check()
    assert dialog.get_by_label("Place").input_value() == "Queens (anywhere)"
    dialog.locator("#book-total", has_text="$85/h × 45 min = $63.75").wait_for()
    dialog.get_by_label("Someone else (a child, a friend)").check()
    dialog.get_by_label("Their name").fill("Maya")
    dialog.get_by_label("Age").fill("8")
    _axe(desk, "booking dialog")
    shot(desk, "confirm-booking", full=False)
    dialog.get_by_role("button", name="Book", exact=True).click()
    toast = desk.locator("#toast", has_text="Booked:")
    toast.wait_for()
    assert toast.is_visible() and toast.bounding_box()["y"] + toast.bounding_box()["height"] <= DESKTOP["height"]
    lesson = httpx.get(f"{desk.url.split('/instructors')[0]}/api/bookings", headers=factories.bearer(student)).json()
    booked = lesson["bookings"][0]
    assert (booked["duration_minutes"], booked["format"], booked["location"]) == (45, "in_person", "Queens (anywhere)")
    assert booked["notes"] == "For: Maya, age 8" and booked["total_price"] == 63.75


def test_the_dialog_offers_the_lesson_a_price_condition_was_met_by(desk, live_server, engine):
    student = make_user(engine)
    body = httpx.get(f"{live_server}/api/search", params={"q": "lessons under $60", "limit": 50}).json()
    online = next(
        r for r in body["results"] if r["lesson"]["format"] == "online" and "in_person" in r["formats"] and r["slots"]
    )
    desk.goto("/")
    _log_in(desk, student.email)
    _submit(desk, "lessons under $60")
    while not desk.locator(f"#cards .card[data-instructor='{online['instructor']['id']}']").count():
        desk.get_by_role("button", name="Show more").click()
        desk.locator("#results[aria-busy='false']").wait_for()
    card = desk.locator(f"#cards .card[data-instructor='{online['instructor']['id']}']")
    card.locator(".slots button").first.click()
    dialog = desk.locator("#book-dialog")
    assert dialog.get_by_label(re.compile(r"^Online · ")).is_checked()
    assert f"${online['lesson']['price']:g}/h" in dialog.locator("#book-total").inner_text()


def test_cancelling_asks_first_and_says_what_is_refunded(desk, engine):
    inst = make_instructor(engine)
    student = make_user(engine)
    insert_booking(engine, student=student, inst=inst, day=nyc_today() + timedelta(days=5), hour=11)
    desk.goto("/")
    _log_in(desk, student.email)
    desk.get_by_role("button", name="My lessons").click()
    item = desk.locator("#lessons-list li", has_text="Piano")
    item.get_by_role("button", name="Cancel").click()
    dialog = desk.locator("#cancel-dialog")
    assert "full refund of $50" in dialog.locator("#cancel-refund").inner_text()
    _axe(desk, "cancel dialog")
    dialog.get_by_role("button", name="Keep lesson").click()
    assert item.is_visible()  # nothing happened
    item.get_by_role("button", name="Cancel").click()
    dialog.get_by_role("button", name="Cancel lesson").click()
    toast = desk.locator("#toast", has_text="refunded in full")
    toast.wait_for()
    box = toast.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"]  # where the student is looking
    item.wait_for(state="detached")
    assert desk.evaluate("document.activeElement !== document.body")


def test_a_just_booked_slot_leaves_the_browse_cards(desk, engine):
    student = make_user(engine)
    desk.goto("/?service=piano")
    _log_in(desk, student.email)
    button = _cards(desk).first.locator(".slots button").first
    start = button.get_attribute("data-start")
    instructor = _cards(desk).first.get_attribute("data-instructor")
    button.click()
    desk.locator("#book-dialog").get_by_role("button", name="Book", exact=True).click()
    desk.locator("#toast", has_text="Booked:").wait_for()
    desk.locator("#results[aria-busy='false']").wait_for()
    assert not desk.locator(f"#cards .card[data-instructor='{instructor}'] .slots button[data-start='{start}']").count()
    assert parse_qs(urlparse(desk.url).query) == {"service": ["piano"]}
