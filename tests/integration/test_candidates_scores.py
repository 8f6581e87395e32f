"""The scores a candidate row carries are its own: the nearest-rows statement computes the lexical
score after keeping its nearest rows (not for every row it sorts), and each row must still get the
trigram similarity and the cosine similarity of its own text and vector. The expectations are
computed here by plain SQL per row, not by index.candidates."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from index import candidates
from index.constraints import Constraints
from index.embedding import get_embedder

OWN_SCORES = """
SELECT word_similarity(:qtext, search_text) AS lexical, 1 - (embedding <=> CAST(:qvec AS vector)) AS semantic
FROM instructor_services WHERE id = :id
"""


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        (Constraints(category="music"), "violin"),  # a category: its nearest rows
        (Constraints(boost=("piano", "guitar")), "guitar"),  # the ANN and the goal's extra
    ],
)
def test_each_nearest_row_carries_its_own_lexical_and_semantic_score(indexed_engine, asked, words):
    qvec = get_embedder().embed_query(words)
    with indexed_engine.connect() as conn, conn.begin():
        rows, _ = candidates.fetch(conn, asked, qvec=qvec, qtext=words)
        candidates.bind_vectors(conn)
        assert len(rows) >= 20
        for row in rows:
            own = conn.execute(text(OWN_SCORES), {"qtext": words, "qvec": qvec, "id": row.id}).one()
            assert row.lexical == pytest.approx(own.lexical, abs=1e-6), row.service_name
            assert row.semantic == pytest.approx(own.semantic, abs=1e-5), row.service_name
        # Someone's text shares words with the query: a lexical score of zero everywhere would pass the
        # comparison above only if it were true.
        assert max(row.lexical for row in rows) > 0.9


NEAREST_MUSIC_OF_ACTIVE_INSTRUCTORS = """
SELECT s.id FROM instructor_services s
JOIN services sv ON sv.id = s.service_id JOIN subcategories sc ON sc.id = sv.subcategory_id
JOIN categories c ON c.id = sc.category_id
JOIN instructor_profiles p ON p.id = s.profile_id JOIN users u ON u.id = p.user_id
WHERE s.is_active AND u.is_active AND u.role = 'instructor' AND c.slug = 'music'
ORDER BY s.embedding <=> CAST(:qvec AS vector), s.id LIMIT :n
"""


@pytest.mark.parametrize("spare", [0, candidates.SPARE_ROWS])
def test_nearest_rows_leave_out_instructors_no_longer_listed_and_keep_the_count(indexed_engine, monkeypatch, spare):
    """A category's nearest rows are chosen before the join that tells unlisted instructors apart (an
    account switched off, a role taken away): theirs must still be left out, and the answer must still
    hold as many rows as asked, also when more of them drop out than were chosen to spare."""
    monkeypatch.setattr(candidates, "ANN_LIMIT", 10)
    monkeypatch.setattr(candidates, "SPARE_ROWS", spare)
    qvec = get_embedder().embed_query("piano lessons")
    with indexed_engine.connect() as conn, conn.begin():
        first, _ = candidates.fetch(conn, Constraints(category="music"), qvec=qvec, qtext="")
        gone = {first[0].profile_id, first[1].profile_id}
        conn.execute(
            text(
                "UPDATE users SET role = 'student' WHERE id IN (SELECT user_id FROM instructor_profiles WHERE id = ANY(:p))"
            ),
            {"p": list(gone)},
        )
        candidates.bind_vectors(conn)
        expected = conn.execute(text(NEAREST_MUSIC_OF_ACTIVE_INSTRUCTORS), {"qvec": qvec, "n": 10}).scalars().all()
        rows, complete = candidates.fetch(conn, Constraints(category="music"), qvec=qvec, qtext="")
        conn.rollback()
    assert not gone & {row.profile_id for row in rows}
    assert [row.id for row in rows] == [str(x) for x in expected] and len(rows) == 10 and not complete
