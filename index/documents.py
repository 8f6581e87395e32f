"""The retrieval document of one instructor-service row: trigram text and embedding parts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

# Everything the build needs, in one query over the active rows (optionally a subset of profiles).
DOCUMENT_ROWS_SQL = """
SELECT s.id, s.embedded_hash, s.embedding IS NULL AS unembedded, u.full_name, p.bio,
       sv.name AS service_name, sv.search_terms, sc.name AS subcategory_name, c.name AS category_name,
       s.levels, s.age_groups
FROM instructor_services s
JOIN instructor_profiles p ON p.id = s.profile_id
JOIN users u ON u.id = p.user_id
JOIN services sv ON sv.id = s.service_id
JOIN subcategories sc ON sc.id = sv.subcategory_id
JOIN categories c ON c.id = sc.category_id
WHERE s.is_active
"""


@dataclass(frozen=True)
class Document:
    """`shared_parts` (the service, the audience and levels) repeat across many rows; `own_text`
    (the bio) is the instructor's. The build encodes each distinct part once and a row's vector is
    the mean of its parts' token vectors (index/embedding.py, Embedder.embed_composed)."""

    trigram_text: str
    shared_parts: tuple[str, ...]
    own_text: str

    @property
    def embedding_parts(self) -> tuple[str, ...]:
        return (*self.shared_parts, self.own_text) if self.own_text else self.shared_parts

    @property
    def hash(self) -> str:
        return hashlib.sha256("\x00".join((self.trigram_text, *self.embedding_parts)).encode()).hexdigest()


def build_document(row: Any) -> Document:
    """Trigram text stays short (names and synonyms) so similarity() means something;
    the embedding parts add levels, audiences and the bio for semantic matches. Where the
    instructor teaches is a structured filter, not part of the text: naming the areas in it
    (as "Areas: ...") cost 12% of the build's tokens and measured no better (judged dev splits)."""
    terms = " ".join(row.search_terms or [])
    trigram = " ".join(
        part for part in (row.service_name, row.subcategory_name, row.category_name, terms, row.full_name) if part
    ).lower()
    service = f"{row.service_name} lessons ({row.subcategory_name}, {row.category_name})."
    who = "; ".join(", ".join(values) for values in (row.age_groups, row.levels) if values)
    shared = (service, f"For {who}.") if who else (service,)
    return Document(trigram, shared, (row.bio or "").strip())
