"""Independent relevance grader for the judged search set.

Scores search responses (the GET /api/search body, as a student sees it) against
data/fixtures/judged/queries.jsonl by the written rubric data/fixtures/judged/RUBRIC.md,
using only the public instructor pages collected in var/judged/world.json.

Standard library only; imports nothing else from the project.
"""

from .grade import (  # noqa: F401
    Reference,
    World,
    grade_all,
    grade_query,
    judge_offer,
    load_queries,
    load_responses,
    summarize,
)
