"""A search that names a service scans every row of it. The scan is planned once per database
connection and shape, and that plan reused: planning its six-table join took as long as running it.
Its answer cannot depend on the plan, since it keeps every matching row (no LIMIT)."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

from index.search import search

SCANS = """
SELECT generic_plans, custom_plans FROM pg_prepared_statements
WHERE statement LIKE 'SELECT %AS id,%FROM instructor_services s%' AND statement LIKE '%sv.slug = $%'
  AND statement NOT LIKE '%ANY%'
"""


def test_a_service_scan_is_planned_once_per_connection_and_then_reused(indexed_engine):
    # One connection, so that its prepared statements are the ones every search used.
    engine = create_engine(indexed_engine.url, poolclass=StaticPool)
    try:
        for q in ("piano lessons", "guitar lessons", "violin lessons", "chess lessons"):
            assert search(engine, q)["results"], q
        with engine.connect() as conn:
            plans = conn.execute(text(SCANS)).all()
    finally:
        engine.dispose()
    assert len(plans) == 1, plans  # one shape of scan, prepared at its first search
    generic, custom = plans[0]
    assert custom == 0 and generic >= 3, plans  # never planned per search after the first
