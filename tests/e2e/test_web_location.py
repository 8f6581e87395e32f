"""Location on the page: "Use my location" gives distances, a refused location says what to do
instead, and a card draws the neighborhoods its teacher serves."""

from __future__ import annotations

from tests.e2e.conftest import shot

PARK_SLOPE = {"latitude": 40.6718, "longitude": -73.9798}


def test_use_my_location_gives_distances_on_the_cards(browser, live_server):
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1100, "height": 900},
        geolocation=PARK_SLOPE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/")
    page.get_by_role("button", name="Use my location").click()
    page.get_by_role("button", name="Using your location").wait_for()
    page.get_by_label("What do you want to learn?").fill("guitar lessons near me")
    page.locator("#cards .card .meta", has_text="mi away").first.wait_for()
    assert page.locator("#notice").is_hidden() or "location" not in page.locator("#notice").inner_text()
    shot(page, "near-me")
    context.close()


def test_near_me_without_a_location_asks_for_it_and_a_refusal_says_what_to_do(page):
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("guitar lessons near me")
    notice = page.locator("#notice")
    notice.wait_for()
    assert "location" in notice.inner_text()
    assert "ask" in (page.locator("#locate").get_attribute("class") or "")
    page.get_by_role("button", name="Use my location").click()  # no permission in this context
    error = page.locator("#error")
    error.wait_for()
    assert "neighborhood" in error.inner_text()


def test_a_card_draws_the_neighborhoods_its_teacher_serves(page):
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("piano lessons in brooklyn")
    card = page.locator("#cards .card", has=page.locator("details.map")).first
    card.wait_for()
    card.locator("summary", has_text="Map of areas").click()
    card.locator("svg path.on").first.wait_for()
    assert card.locator("svg path").count() > 150
    shot(page, "area-map")
