"""Instructor self-service: the profile (bio, languages, areas) and the services offered."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, exists, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Booking, InstructorProfile, InstructorService, Service, User
from services.errors import Conflict, Invalid, NotFound

LOCATIONS = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "nyc_locations.json"
LEVELS = ("beginner", "intermediate", "advanced")
MIN_LESSON, MAX_LESSON = 15, 480


@lru_cache
def _places() -> tuple[frozenset[str], frozenset[str]]:
    raw = json.loads(LOCATIONS.read_text())
    return (frozenset(b["slug"] for b in raw["boroughs"]), frozenset(n["slug"] for n in raw["neighborhoods"]))


def profile_for_user(db: Session, *, user_id: uuid.UUID, lock: bool = False) -> InstructorProfile:
    """The caller's own instructor profile. `lock` serializes writers of one instructor."""
    stmt = select(InstructorProfile).where(InstructorProfile.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    profile = db.execute(stmt).scalar_one_or_none()
    if profile is None:
        raise NotFound("You do not have an instructor profile.", code="no_instructor_profile")
    return profile


def _clean_list(
    values: list[str], *, what: str, allowed: frozenset[str] | tuple | None = None, max_items: int = 50
) -> list[str]:
    out: list[str] = []
    for raw in values:
        v = raw.strip().lower()
        if not v:
            raise Invalid(f"Empty {what} in the list.", field=what)
        if len(v) > 60:
            raise Invalid(f"{what.capitalize()} {raw[:60]!r}… is too long (60 characters at most).", field=what)
        if allowed is not None and v not in allowed:
            raise Invalid(f"Unknown {what} {raw!r}.", field=what)
        if v not in out:
            out.append(v)
    if len(out) > max_items:
        raise Invalid(f"At most {max_items} {what}s.", field=what)
    return out


def update_profile(
    db: Session,
    *,
    user_id: uuid.UUID,
    bio: str | None = None,
    years_experience: int | None = None,
    languages: list[str] | None = None,
    boroughs: list[str] | None = None,
    neighborhoods: list[str] | None = None,
) -> InstructorProfile:
    """Change the given fields (None = keep). Areas are borough and neighborhood slugs of NYC."""
    profile = profile_for_user(db, user_id=user_id, lock=True)
    known_boroughs, known_hoods = _places()
    if bio is not None:
        profile.bio = bio.strip()
    if years_experience is not None:
        if not 0 <= years_experience <= 80:
            raise Invalid("Years of experience must be between 0 and 80.", field="years_experience")
        profile.years_experience = years_experience
    if languages is not None:
        langs = _clean_list(languages, what="language", max_items=20)
        if not langs:
            raise Invalid("List at least one language you teach in.", field="languages")
        profile.languages = langs
    if boroughs is not None:
        profile.boroughs = _clean_list(boroughs, what="borough", allowed=known_boroughs)
    if neighborhoods is not None:
        profile.neighborhoods = _clean_list(neighborhoods, what="neighborhood", allowed=known_hoods, max_items=200)
    db.commit()
    return profile


@dataclass
class ServiceInput:
    price_in_person: Decimal | None = None
    price_online: Decimal | None = None
    duration_options: list[int] = field(default_factory=list)
    description: str | None = None
    age_groups: list[str] | None = None
    levels: list[str] | None = None


def _check_durations(options: list[int]) -> list[int]:
    if not options:
        raise Invalid("Give at least one lesson length.", field="duration_options")
    for m in options:
        if m % 15 or not MIN_LESSON <= m <= MAX_LESSON:
            raise Invalid(
                f"Lesson length {m} min is not allowed: use multiples of 15 between "
                f"{MIN_LESSON} and {MAX_LESSON} minutes.",
                field="duration_options",
            )
    return sorted(set(options))


def _check_prices(in_person: Decimal | None, online: Decimal | None) -> None:
    if in_person is None and online is None:
        raise Invalid("Set a price for at least one format (in person or online).", field="price")
    for name, p in (("in-person", in_person), ("online", online)):
        if p is not None and not Decimal("1") <= p <= Decimal("10000"):
            raise Invalid(f"The {name} price must be between $1 and $10,000 an hour.", field="price")


def list_services(db: Session, *, profile_id: uuid.UUID) -> list[tuple[InstructorService, Service]]:
    return list(
        db.execute(
            select(InstructorService, Service)
            .join(Service, Service.id == InstructorService.service_id)
            .where(InstructorService.profile_id == profile_id, InstructorService.is_active)
            .order_by(Service.name)
        ).tuples()
    )


def _own_service(
    db: Session, *, profile_id: uuid.UUID, instructor_service_id: uuid.UUID, lock: bool = True
) -> InstructorService:
    stmt = select(InstructorService).where(
        InstructorService.id == instructor_service_id,
        InstructorService.profile_id == profile_id,
        InstructorService.is_active,
    )
    if lock:
        stmt = stmt.with_for_update()
    row = db.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound("No such service on your profile.", code="service_not_found")
    return row


def _apply(row: InstructorService, service: Service, data: ServiceInput) -> None:
    _check_prices(data.price_in_person, data.price_online)
    row.price_in_person = data.price_in_person
    row.price_online = data.price_online
    row.duration_options = _check_durations(data.duration_options)
    if data.description is not None:
        row.description = data.description.strip()
    if data.age_groups is not None:
        row.age_groups = _clean_list(data.age_groups, what="age group", allowed=tuple(service.age_groups))
    elif not row.age_groups:
        row.age_groups = list(service.age_groups)
    if data.levels is not None:
        row.levels = _clean_list(data.levels, what="level", allowed=LEVELS)
    elif not row.levels:
        row.levels = list(LEVELS)


def add_service(
    db: Session, *, user_id: uuid.UUID, service_slug: str, data: ServiceInput
) -> tuple[InstructorService, Service]:
    profile = profile_for_user(db, user_id=user_id, lock=True)
    service = db.execute(select(Service).where(Service.slug == service_slug)).scalar_one_or_none()
    if service is None:
        raise Invalid(f"Unknown service {service_slug!r}; pick one from the catalog.", field="service")
    row = InstructorService(
        id=uuid.uuid4(), profile_id=profile.id, service_id=service.id, is_active=True, age_groups=[], levels=[]
    )
    _apply(row, service, data)
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        if "uq_instructor_services_active" in str(exc.orig):
            raise Conflict(
                f"You already offer {service.name}; change its prices instead.", code="service_exists"
            ) from None
        raise
    db.commit()
    return row, service


def update_service(
    db: Session, *, user_id: uuid.UUID, instructor_service_id: uuid.UUID, changes: dict
) -> tuple[InstructorService, Service]:
    """Change the given fields (a price set to None drops that format). Prices and lesson lengths
    change for future bookings only: booked lessons keep their snapshot."""
    unknown = set(changes) - set(ServiceInput.__dataclass_fields__)
    if unknown:
        raise Invalid(f"Cannot change {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    profile = profile_for_user(db, user_id=user_id, lock=True)
    row = _own_service(db, profile_id=profile.id, instructor_service_id=instructor_service_id)
    service = db.get_one(Service, row.service_id)
    data = ServiceInput(
        price_in_person=row.price_in_person, price_online=row.price_online, duration_options=list(row.duration_options)
    )
    for key, value in changes.items():
        setattr(data, key, value)
    _apply(row, service, data)
    db.commit()
    return row, service


def remove_service(db: Session, *, user_id: uuid.UUID, instructor_service_id: uuid.UUID) -> str:
    """'soft' when any booking refers to the row (history must keep it), else 'hard'."""
    profile = profile_for_user(db, user_id=user_id, lock=True)
    row = _own_service(db, profile_id=profile.id, instructor_service_id=instructor_service_id)
    booked = db.execute(select(exists().where(Booking.instructor_service_id == row.id))).scalar()
    if booked:
        row.is_active = False
        kind = "soft"
    else:
        db.execute(delete(InstructorService).where(InstructorService.id == row.id))
        kind = "hard"
    db.commit()
    return kind


def public_profile(db: Session, *, profile_id: uuid.UUID) -> dict:
    """What anyone may see: the profile with its active services and prices (no email, no user id)."""
    row = db.execute(
        select(InstructorProfile, User.full_name)
        .join(User, User.id == InstructorProfile.user_id)
        .where(
            InstructorProfile.id == profile_id,
            User.is_active,
            User.anonymized_at.is_(None),
            User.role == "instructor",  # a demoted instructor has no public page (F15)
        )
    ).first()
    if row is None:
        raise NotFound("No such instructor.", code="instructor_not_found")
    profile, name = row
    services = (
        db.execute(
            text("""
        SELECT s.id, sv.slug, sv.name, c.slug AS category, s.price_in_person, s.price_online,
               s.duration_options, s.description, s.age_groups, s.levels
        FROM instructor_services s
        JOIN services sv ON sv.id = s.service_id
        JOIN subcategories sc ON sc.id = sv.subcategory_id
        JOIN categories c ON c.id = sc.category_id
        WHERE s.profile_id = :p AND s.is_active
        ORDER BY sv.name"""),
            {"p": profile_id},
        )
        .mappings()
        .all()
    )
    return {
        "id": str(profile.id),
        "name": name,
        "bio": profile.bio,
        "years_experience": profile.years_experience,
        "languages": list(profile.languages),
        "rating": float(profile.rating_avg) if profile.rating_avg is not None else None,
        "reviews": profile.rating_count,
        "areas": {"boroughs": list(profile.boroughs), "neighborhoods": list(profile.neighborhoods)},
        "services": [
            {
                "instructor_service_id": str(s["id"]),
                "slug": s["slug"],
                "name": s["name"],
                "category": s["category"],
                "price": {"in_person": _money(s["price_in_person"]), "online": _money(s["price_online"])},
                "duration_options": list(s["duration_options"]),
                "description": s["description"],
                "age_groups": list(s["age_groups"]),
                "levels": list(s["levels"]),
            }
            for s in services
        ],
    }


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
