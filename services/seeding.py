"""Load the catalog and the demo data into the database (COPY, with a rich progress bar)."""

from __future__ import annotations

import json
import time
from datetime import date

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core.settings import PROJECT_ROOT
from services import demo_data
from services.demo_data import DemoData

FIXTURES = PROJECT_ROOT / "data" / "fixtures"
DEMO_ACCOUNTS = (
    ("admin@instainstru.test", "Ada Admin", "admin"),
    ("student@instainstru.test", "Sam Student", "student"),
)


def read_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _synonyms() -> dict[str, list[str]]:
    path = FIXTURES / "synonyms.json"
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    table = raw.get("services", raw) if isinstance(raw, dict) else {}
    return {k: [str(t) for t in v] for k, v in table.items() if isinstance(v, list)}


def load_catalog(engine: Engine) -> dict[str, int]:
    """Insert the taxonomy once (ids follow file order); return service slug → id."""
    catalog, synonyms = read_json("catalog.json"), _synonyms()
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM services")).scalar():
            return dict(conn.execute(text("SELECT slug, id FROM services")).all())
        sub_id = svc_id = 0
        for cat_pos, cat in enumerate(catalog["categories"], start=1):
            conn.execute(
                text("INSERT INTO categories (id, slug, name, position) VALUES (:i, :s, :n, :p)"),
                {"i": cat_pos, "s": cat["slug"], "n": cat["name"], "p": cat_pos},
            )
            for sub_pos, sub in enumerate(cat["subcategories"], start=1):
                sub_id += 1
                conn.execute(
                    text(
                        "INSERT INTO subcategories (id, category_id, slug, name, position) VALUES (:i, :c, :s, :n, :p)"
                    ),
                    {"i": sub_id, "c": cat_pos, "s": sub["slug"], "n": sub["name"], "p": sub_pos},
                )
                for pos, svc in enumerate(sub["services"], start=1):
                    svc_id += 1
                    conn.execute(
                        text(
                            "INSERT INTO services (id, subcategory_id, slug, name, age_groups, search_terms, "
                            "default_duration, position) VALUES (:i, :sub, :s, :n, :ag, :st, :d, :p)"
                        ),
                        {
                            "i": svc_id,
                            "sub": sub_id,
                            "s": svc["slug"],
                            "n": svc["name"],
                            "ag": svc["age_groups"],
                            "st": synonyms.get(svc["slug"], []),
                            "d": 30 if svc["age_groups"] == ["toddler"] else 60,
                            "p": pos,
                        },
                    )
        return dict(conn.execute(text("SELECT slug, id FROM services")).all())


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def write(engine: Engine, data: DemoData) -> None:
    """All demo rows in one transaction: a failed seed leaves nothing half-written."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None  # a live psycopg connection
        with conn.cursor() as cur:
            _copy(cur, "users", demo_data.USER_COLUMNS, data.users)
            _copy(cur, "instructor_profiles", demo_data.PROFILE_COLUMNS, data.profiles)
            _copy(cur, "instructor_services", demo_data.SERVICE_COLUMNS, data.instructor_services)
            _copy(cur, "availability_slots", demo_data.AVAILABILITY_COLUMNS, data.availability)
            _copy(cur, "blackout_dates", demo_data.BLACKOUT_COLUMNS, data.blackouts)
            _copy(cur, "bookings", demo_data.BOOKING_COLUMNS, data.bookings)
            _copy(cur, "reviews", demo_data.REVIEW_COLUMNS, data.reviews)
        raw.commit()
    finally:
        raw.close()


def add_demo_accounts(engine: Engine) -> None:
    password_hash = demo_data.demo_password_hash()
    with engine.begin() as conn:
        for email, name, role in DEMO_ACCOUNTS:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, full_name, role, is_active, token_version) "
                    "VALUES (gen_random_uuid(), :e, :h, :n, :r, true, 0) ON CONFLICT DO NOTHING"
                ),
                {"e": email, "h": password_hash, "n": name, "r": role},
            )


def is_seeded(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM instructor_profiles)")).scalar())


def seed(engine: Engine, *, instructors: int, seed: int, start: date | None = None, quiet: bool = False) -> dict:
    """Seed an empty database; returns counts and seconds. Does nothing when instructors exist."""
    started = time.perf_counter()
    service_ids = load_catalog(engine)
    if is_seeded(engine):
        return {"skipped": True}
    locations = read_json("nyc_locations.json")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task("generating instructors", total=instructors)
        data = demo_data.generate(
            read_json("catalog.json"),
            locations,
            service_ids,
            instructors=instructors,
            seed=seed,
            start=start or date.today(),
            progress=lambda n: progress.advance(task, n),
        )
        write_task = progress.add_task("writing rows", total=1)
        write(engine, data)
        progress.advance(write_task)
    add_demo_accounts(engine)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    counts: dict[str, float] = {k: len(v) for k, v in data.__dict__.items()}
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts
