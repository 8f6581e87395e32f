"""What an instructor-service row's retrieval document says: its parts and its trigram text."""

from __future__ import annotations

from types import SimpleNamespace

from index.documents import build_document


def row(**changes: object) -> SimpleNamespace:
    base = {
        "full_name": "Carlos Diaz",
        "bio": "  Carlos teaches flute to beginners.  ",
        "service_name": "Flute",
        "search_terms": ["woodwind"],
        "subcategory_name": "Woodwinds",
        "category_name": "Music",
        "age_groups": ["kids", "teens"],
        "levels": ["beginner"],
    }
    return SimpleNamespace(**(base | changes))


def test_a_document_is_the_service_the_audience_and_the_bio():
    doc = build_document(row())
    assert doc.embedding_parts == (
        "Flute lessons (Woodwinds, Music).",
        "For kids, teens; beginner.",
        "Carlos teaches flute to beginners.",
    )
    assert doc.trigram_text == "flute woodwinds music woodwind carlos diaz"


def test_what_a_row_does_not_say_is_left_out_not_written_empty():
    """No audience and no levels: no "For ; ." part; only levels: no dangling separator; no bio: no part."""
    assert build_document(row(age_groups=[], levels=None)).shared_parts == ("Flute lessons (Woodwinds, Music).",)
    assert build_document(row(age_groups=None)).shared_parts[1] == "For beginner."
    assert build_document(row(bio=None)).embedding_parts[-1] == "For kids, teens; beginner."


def test_an_edited_bio_or_audience_changes_the_hash_and_nothing_else_does():
    base = build_document(row()).hash
    assert build_document(row(bio="Carlos teaches piccolo too.")).hash != base
    assert build_document(row(levels=["advanced"])).hash != base
    assert build_document(row()).hash == base
