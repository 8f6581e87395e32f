"""The retrieval document of one instructor-service row: trigram text and embedding text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

# Everything the build needs, in one query over the active rows (optionally a subset of profiles).
DOCUMENT_ROWS_SQL = """
SELECT s.id, s.embedded_hash, u.full_name, p.bio, p.languages, p.neighborhoods, p.boroughs,
       sv.name AS service_name, sv.search_terms, sc.name AS subcategory_name, c.name AS category_name,
       s.levels, s.age_groups, s.description
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
    trigram_text: str
    embedding_text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256((self.trigram_text + "\x00" + self.embedding_text).encode()).hexdigest()


def build_document(row: Any) -> Document:
    """Trigram text stays short (names and synonyms) so similarity() means something;
    the embedding text adds the bio, levels, audiences and areas for semantic matches."""
    terms = " ".join(row.search_terms or [])
    trigram = " ".join(
        part for part in (row.service_name, row.subcategory_name, row.category_name, terms, row.full_name) if part
    ).lower()
    places = ", ".join(h.replace("-", " ") for h in (row.neighborhoods or [])[:5])
    embedding = (
        f"{row.service_name} lessons ({row.subcategory_name}, {row.category_name}). "
        f"For {', '.join(row.age_groups or [])}; {', '.join(row.levels or [])}. {row.bio} "
        f"Areas: {places or 'online'}."
    )
    return Document(trigram, embedding)
