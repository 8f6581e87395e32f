"""Impressions written in one batch: each row holds what its answer showed, field by field, and a search
id already stored (or repeated in the batch) is skipped without losing the rest of the batch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.analytics import Impression, write_impressions

pytestmark = pytest.mark.db
AT = datetime(2026, 11, 30, 14, 5, 6, 789000, tzinfo=UTC)
COLUMNS = (
    'created_at, guest_id, surface, query, normalized_query, parsed, relaxed, kinds, result_ids, total, "offset",'
    " sort, submitted, experiment, teams, user_id, anonymized_at"
)


def _stored(db, search_id: uuid.UUID) -> dict | None:
    row = db.execute(text(f"SELECT {COLUMNS} FROM search_impressions WHERE id = :i"), {"i": search_id}).mappings()
    found = row.first()
    return dict(found) if found else None


def test_each_field_of_a_batch_is_stored_as_the_answer_showed_it(db):
    ids = [uuid.uuid4(), uuid.uuid4()]
    shown = Impression(
        search_id=uuid.uuid4(),
        surface="search",
        query='  Piano  "for" my 8 year old — in Park Slope  ',
        parsed={"service": "piano", "age": 8, "location": {"borough": "brooklyn", "neighborhood": "park-slope"}},
        relaxed=["date", "price"],
        result_ids=[str(i) for i in ids],
        total=42,
        offset=20,
        sort="price",
        submitted=False,
        guest_id="g_" + "a" * 32,
        at=AT,
        experiment="bm25-vs-mix",
        teams=["a", "b"],
    )
    empty = Impression(search_id=uuid.uuid4(), surface="search", query="glassblowing", parsed={}, at=AT)
    assert write_impressions(db, [shown, empty]) == 2

    row = _stored(db, shown.search_id)
    assert row is not None
    assert row["created_at"] == AT
    assert row["query"] == 'Piano "for" my 8 year old — in Park Slope'
    assert row["normalized_query"] == 'piano "for" my 8 year old — in park slope'
    assert row["parsed"] == shown.parsed
    assert row["relaxed"] == ["date", "price"]
    assert row["kinds"] == ["named_service", "with_place"]
    assert row["result_ids"] == ids  # in the order shown
    assert (row["total"], row["offset"], row["sort"], row["submitted"]) == (42, 20, "price", False)
    assert (row["experiment"], row["teams"]) == ("bm25-vs-mix", ["a", "b"])
    assert (row["guest_id"], row["user_id"], row["anonymized_at"]) == ("g_" + "a" * 32, None, None)

    bare = _stored(db, empty.search_id)
    assert bare is not None
    assert (bare["relaxed"], bare["kinds"], bare["result_ids"], bare["teams"]) == ([], ["vague"], None, None)
    assert (bare["total"], bare["offset"], bare["sort"], bare["submitted"]) == (None, 0, "relevance", True)


def test_a_search_id_already_stored_is_skipped_and_the_rest_of_the_batch_is_written(db):
    first = Impression(search_id=uuid.uuid4(), surface="search", query="piano", parsed={"service": "piano"}, at=AT)
    assert write_impressions(db, [first]) == 1
    again = Impression(search_id=first.search_id, surface="search", query="violin", parsed={}, at=AT)
    new = Impression(search_id=uuid.uuid4(), surface="search", query="chess", parsed={}, at=AT + timedelta(seconds=1))
    twice = Impression(search_id=new.search_id, surface="search", query="chess!", parsed={}, at=AT)
    assert write_impressions(db, [again, new, twice]) == 1
    assert _stored(db, first.search_id)["query"] == "piano"  # the first write stands
    assert _stored(db, new.search_id)["query"] == "chess"
