"""index.candidates binds the query vector with pgvector's encoder: the same neighbours as the text
literal, the type looked up once per database connection."""

from __future__ import annotations

from sqlalchemy import text

from index import candidates
from index.embedding import get_embedder

NEAREST = "SELECT s.id FROM instructor_services s ORDER BY s.embedding <=> CAST(:qvec AS vector), s.id LIMIT 30"


def test_bound_vector_finds_the_same_neighbours_as_the_literal(indexed_engine):
    qvec = get_embedder().embed_query("saxophone lessons for adults")
    with indexed_engine.connect() as conn:
        by_literal = conn.execute(text(NEAREST), {"qvec": candidates.vector_literal(qvec)}).scalars().all()
        candidates.bind_vectors(conn)
        by_binding = conn.execute(text(NEAREST), {"qvec": qvec}).scalars().all()
    assert by_binding == by_literal and len(by_binding) == 30


def test_the_vector_type_is_looked_up_once_per_connection(indexed_engine, monkeypatch):
    looked_up = []
    real = candidates.TypeInfo.fetch
    monkeypatch.setattr(candidates.TypeInfo, "fetch", lambda conn, name: looked_up.append(name) or real(conn, name))
    with indexed_engine.connect() as conn:
        conn.connection.info.pop("pgvector", None)  # as a new connection
        for _ in range(3):
            candidates.bind_vectors(conn)
        assert (
            conn.execute(
                text("SELECT vector_dims(CAST(:v AS vector))"), {"v": get_embedder().embed_query("x")}
            ).scalar()
            == 384
        )
    assert looked_up == ["vector"]
