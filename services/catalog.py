"""The catalog tree for category and pill browsing."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import Category, Service
from services.errors import NotFound

TREE_SQL = text("""
SELECT c.slug AS c_slug, c.name AS c_name, sc.slug AS sc_slug, sc.name AS sc_name,
       sv.slug AS s_slug, sv.name AS s_name, sv.default_duration, sv.age_groups,
       (SELECT count(DISTINCT s.profile_id)
        FROM instructor_services s
        JOIN instructor_profiles p ON p.id = s.profile_id
        JOIN users u ON u.id = p.user_id
        WHERE s.service_id = sv.id AND s.is_active AND u.is_active AND u.anonymized_at IS NULL
          AND u.role = 'instructor'
       ) AS instructors
FROM categories c
JOIN subcategories sc ON sc.category_id = c.id
JOIN services sv ON sv.subcategory_id = sc.id
ORDER BY c.position, c.id, sc.position, sc.id, sv.position, sv.id
""")


def category_tree(db: Session) -> list[dict]:
    """categories → subcategories → services, each service with its count of active instructors."""
    categories: dict[str, dict] = {}
    subs: dict[str, dict] = {}
    for r in db.execute(TREE_SQL).mappings():
        cat = categories.setdefault(
            r["c_slug"], {"slug": r["c_slug"], "name": r["c_name"], "instructors": 0, "subcategories": []}
        )
        if r["sc_slug"] not in subs:
            subs[r["sc_slug"]] = {"slug": r["sc_slug"], "name": r["sc_name"], "services": []}
            cat["subcategories"].append(subs[r["sc_slug"]])
        subs[r["sc_slug"]]["services"].append(
            {
                "slug": r["s_slug"],
                "name": r["s_name"],
                "default_duration": r["default_duration"],
                "age_groups": list(r["age_groups"]),
                "instructors": r["instructors"],
            }
        )
    # A category's count: distinct instructors teaching any of its services.
    for slug, n in db.execute(
        text("""
        SELECT c.slug, count(DISTINCT s.profile_id)
        FROM categories c JOIN subcategories sc ON sc.category_id = c.id
        JOIN services sv ON sv.subcategory_id = sc.id
        JOIN instructor_services s ON s.service_id = sv.id AND s.is_active
        JOIN instructor_profiles p ON p.id = s.profile_id
        JOIN users u ON u.id = p.user_id AND u.is_active AND u.anonymized_at IS NULL AND u.role = 'instructor'
        GROUP BY c.slug""")
    ):
        if slug in categories:
            categories[slug]["instructors"] = n
    return list(categories.values())


LISTED_SQL = text("""
SELECT count(DISTINCT s.profile_id)
FROM instructor_services s
JOIN services sv ON sv.id = s.service_id
JOIN subcategories sc ON sc.id = sv.subcategory_id
JOIN categories c ON c.id = sc.category_id
JOIN instructor_profiles p ON p.id = s.profile_id
JOIN users u ON u.id = p.user_id
WHERE s.is_active AND u.is_active AND u.anonymized_at IS NULL AND u.role = 'instructor'
  AND (CAST(:service AS text) IS NULL OR sv.slug = :service)
  AND (CAST(:category AS text) IS NULL OR c.slug = :category)
""")


def listed_instructors(db: Session, *, service: str | None = None, category: str | None = None) -> int:
    """How many instructors a service's or a category's browsing can show at most: those who list it
    (other filters only narrow this down). One indexed count, so a page past them costs nothing (F10)."""
    return int(db.execute(LISTED_SQL, {"service": service, "category": category}).scalar_one())


def service_by_slug(db: Session, *, slug: str) -> Service:
    service = db.execute(select(Service).where(Service.slug == slug)).scalar_one_or_none()
    if service is None:
        raise NotFound(f"No service {slug!r} in the catalog.", code="service_not_found")
    return service


def category_by_slug(db: Session, *, slug: str) -> Category:
    category = db.execute(select(Category).where(Category.slug == slug)).scalar_one_or_none()
    if category is None:
        raise NotFound(f"No category {slug!r} in the catalog.", code="category_not_found")
    return category
