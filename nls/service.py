"""Service and category from lexicon matches.

A service sets ``service`` and its category; the first service named wins.
Without a service, the first category / family word gives the category.
A service phrase that names children ("coding for kids") also implies the
kids audience.
"""

from __future__ import annotations

from typing import Any

from .lexicon import Lexicon

_KID_WORDS = frozenset({"kids", "kid", "children", "child", "toddler", "toddlers", "childrens"})


def resolve(matches: list[tuple[str, Any, list[str]]], lex: Lexicon, out: dict[str, Any]) -> None:
    """matches: (kind, value, words) in query order, kinds 'service' / 'family'."""
    service = None
    family = None
    for kind, value, words in matches:
        if kind == "service" and service is None:
            service = value
            if out.get("_phrase_audience") is None and _KID_WORDS.intersection(words):
                out["_phrase_audience"] = "kids"
        elif kind == "family" and family is None:
            family = value
            if out.get("_phrase_audience") is None and _KID_WORDS.intersection(words):
                out["_phrase_audience"] = "kids"
    if service is not None:
        out["service"] = service
        out["category"] = lex.service_category.get(service)
    elif family is not None:
        out["category"] = family
