"""While the index is being built (a first `make run` serves before its vectors are written) the page
says so politely near the search box, searching still works, and the line goes once the index is ready."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from services import index_status
from tests.e2e.conftest import shot

STATUS_LINE = re.compile(r"^Indexing \d{1,2}% — results improve as the index completes; word matches work now\.$")


@pytest.fixture
def all_embedded(indexed_engine):
    """Every active row has its vector (other tests may have added instructors without one)."""
    from index.build import build

    build(indexed_engine, quiet=True)
    index_status.forget(indexed_engine)
    return indexed_engine


@pytest.fixture
def one_vector_missing(all_embedded):
    """One active row without its vector, as mid-build; put back afterwards."""
    with all_embedded.begin() as conn:
        row_id, vector = conn.execute(
            text("SELECT id, embedding::text FROM instructor_services WHERE is_active ORDER BY id LIMIT 1")
        ).one()
        conn.execute(text("UPDATE instructor_services SET embedding = NULL WHERE id = :i"), {"i": row_id})
    index_status.forget(all_embedded)

    def put_back() -> None:
        with all_embedded.begin() as conn:
            conn.execute(
                text("UPDATE instructor_services SET embedding = CAST(:v AS vector) WHERE id = :i"),
                {"i": row_id, "v": vector},
            )
        index_status.forget(all_embedded)

    yield put_back
    put_back()


def test_while_indexing_a_status_line_shows_searching_works_and_it_goes_when_ready(page, one_vector_missing):
    page.goto("/")
    line = page.get_by_role("status").filter(has_text="Indexing")
    line.wait_for()
    assert STATUS_LINE.match(line.inner_text()), line.inner_text()
    assert line.get_attribute("id") == "indexing"
    # Near the search box, and it does not stand in the way: a search answers while it shows.
    page.get_by_label("What do you want to learn?").fill("guitar lessons for adults in brooklyn")
    page.locator("#cards .card").first.wait_for()
    assert line.is_visible()
    shot(page, "indexing", full=False)
    one_vector_missing()  # the build writes the last vector; the page's next poll finds the index ready
    line.wait_for(state="hidden")
    assert page.locator("#indexing").inner_text() == ""


def test_when_the_index_is_ready_there_is_no_status_line(page, all_embedded):
    with page.expect_response("**/api/search/status") as answer:
        page.goto("/")
    assert answer.value.json()["ready"] is True
    page.locator("#categories button").first.wait_for()
    assert page.locator("#indexing").is_hidden()
    assert page.get_by_role("status").filter(has_text="Indexing").count() == 0
