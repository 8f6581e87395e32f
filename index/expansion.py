"""Vague goals → the lesson topics they usually mean ("stress relief" → meditation, yoga, breathwork).
The expansion only enriches the text that is embedded; it never filters."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

EXPANSIONS = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "intent_expansions.json"


@lru_cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    intents = json.loads(EXPANSIONS.read_text())["intents"]
    return [(re.compile(r"\b" + re.escape(phrase) + r"\b"), topics) for phrase, topics in intents.items()]


def expand(text: str) -> str:
    """The topics of every vague goal named in `text`, space-separated ('' when none)."""
    lowered = text.lower()
    return " ".join(topics for pattern, topics in _patterns() if pattern.search(lowered))
