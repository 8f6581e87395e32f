"""The student page in a real browser: type a sentence, see results with slots, remove a chip."""

from __future__ import annotations

from tests.e2e.conftest import shot


def test_natural_language_search_shows_results_with_slots(page):
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("guitar lessons for adults in brooklyn")
    cards = page.locator("#cards .card")
    cards.first.wait_for()
    assert "Guitar" in cards.first.inner_text()
    assert cards.first.locator(".slots button").count() >= 1
    chips = page.locator("#chips .chip")
    texts = chips.all_inner_texts()
    assert any("Guitar" in t for t in texts) and any("Brooklyn" in t for t in texts)
    shot(page, "search-results")


def test_removing_a_chip_reruns_the_search_without_it(page):
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("piano lessons in brooklyn")
    page.locator("#chips .chip", has_text="Brooklyn").wait_for()
    page.get_by_role("button", name="Remove Brooklyn").click()
    page.get_by_role("button", name="Remove Brooklyn").wait_for(state="detached")
    page.get_by_role("button", name="Restore Brooklyn").wait_for()
    assert page.locator("#chips .chip", has_text="Piano").count() == 1
    page.locator("#cards .card").first.wait_for()
    shot(page, "chip-removed")


def test_relaxation_is_said_plainly_and_each_card_says_what_it_misses(page):
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("piano lessons in tottenville next tuesday at 6am")
    notice = page.locator("#notice")
    notice.wait_for()
    assert "relaxed" in notice.inner_text()
    misses = page.locator("#cards .card .misses li")
    misses.first.wait_for()
    assert any(t.startswith(("not in Tottenville", "no slot")) for t in misses.all_inner_texts())
    shot(page, "relaxed")


def test_a_subject_not_taught_gets_a_no_match_answer_with_suggestions_that_browse(page):
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("glassblowing classes")
    notice = page.locator("#notice")
    notice.wait_for()
    assert "glassblowing" in notice.inner_text()
    assert page.locator("#cards .card").count() == 0
    suggestion = page.locator("#suggestions button").first
    suggestion.wait_for()
    name = suggestion.inner_text()
    suggestion.click()
    page.locator("#summary", has_text=name).wait_for()
    assert page.locator("#cards .card").count() >= 1
    assert page.locator("#suggestions").is_hidden()
    shot(page, "no-match")


def test_phone_width_has_no_horizontal_scroll(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto("/")
    page.get_by_label("What do you want to learn?").fill("chess for kids")
    page.locator("#cards .card").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    shot(page, "phone")
    context.close()
