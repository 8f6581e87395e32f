"""Vague goals enrich what is embedded, never what is filtered."""
from __future__ import annotations

import nls
from index.expansion import expand
from index.search import embedding_text


def test_vague_goals_name_their_usual_topics():
    assert "meditation" in expand("something for stress relief")
    assert "homework help" in expand("help my kid with school")
    assert expand("piano lessons in brooklyn") == ""
    assert expand("schooled") == ""  # whole words only


def test_a_named_service_is_not_diluted():
    assert "homework" not in embedding_text(nls.parse("piano lessons for school kids"))
    assert "art" in embedding_text(nls.parse("something creative for my 8 year old"))
