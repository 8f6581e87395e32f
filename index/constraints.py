"""Hard constraints taken from the parsed query, and the relaxation ladder of the search contract.

Time and date relax per result (each instructor shows slots in the asked window when it has
them, else on the asked day, else its next ones: see index/misses.py), so the ladder here holds
only what filters rows: the place, a step at a time, then the price."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Any

# The contract's order: time, then date, then place (borough, then anywhere), then price ×1.25.
RELAX_ORDER = ("time", "date", "place", "place", "price")
# The steps that change which rows qualify; time and date are relaxed per result instead. With the
# contract's four come the similar services (viola for violin: index/goals.py), then the conditions
# that would otherwise leave a student with nothing at all (a lesson language, a rating, an audience
# nobody matches, a lesson length nobody offers, any price over the budget): shown after the others,
# each with what it misses;
# the format goes last. A similar service that meets everything the student stated ranks before the
# asked service that breaks something, and after the asked service that meets everything
# (index/misses.py): a related lesson as asked is worth more than the named one on the wrong day,
# in the wrong place or in the wrong language.
ROW_RELAX_STAGES = (
    ("place", "place", "place", "price", "service"),
    ("language", "rating", "audience", "duration", "price_cap"),
    ("format",),
)


@dataclass(frozen=True)
class Constraints:
    service: str | None = None
    category: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    borough: str | None = None
    neighborhood: str | None = None
    format: str | None = None
    dates: tuple[date, ...] | None = None
    weekdays: tuple[int, ...] | None = None
    start_time: time | None = None
    end_time: time | None = None
    audience: str | None = None
    age: int | None = None
    duration: int | None = None
    language: str | None = None
    min_rating: float | None = None
    # Services the query's goal maps to (index/goals.py) when it names no service: a filter like
    # `service`, for several services at once.
    services: tuple[str, ...] | None = None
    # While relaxing, a place may also be met by an online lesson (not for hands-on services).
    online_ok: bool = False
    # Services a loose goal points to: always candidates, never a filter.
    boost: tuple[str, ...] | None = None
    # Neighborhoods that count as the asked place for a nearby search ("near prospect park", a ZIP,
    # "within 2 miles", "near park slope": the place and its neighbors), and the point distances
    # are measured from (lat, lng).
    area: tuple[str, ...] | None = None
    point: tuple[float, float] | None = None
    within: float | None = None  # miles from `point` a teacher who comes in person may be at most
    place_label: str | None = None  # how the student named the place ("Prospect Park", "11215")
    # Age groups the learner belongs to beyond the asked audience (nls.learner: an adult speaking of
    # themselves, a toddler): teachers who take them rank first; nobody is filtered out.
    learner: tuple[str, ...] | None = None

    @classmethod
    def from_parsed(cls, parsed: dict[str, Any]) -> Constraints:
        loc = parsed.get("location") or {}
        return cls(
            service=parsed.get("service"),
            category=None if parsed.get("service") else parsed.get("category"),
            price_min=parsed.get("price_min"),
            price_max=parsed.get("price_max"),
            borough=loc.get("borough"),
            neighborhood=loc.get("neighborhood"),
            format=parsed.get("format"),
            dates=tuple(date.fromisoformat(d) for d in parsed["dates"]) if parsed.get("dates") else None,
            weekdays=tuple(parsed["weekdays"]) if parsed.get("weekdays") else None,
            start_time=time.fromisoformat(parsed["start_time"]) if parsed.get("start_time") else None,
            end_time=time.fromisoformat(parsed["end_time"]) if parsed.get("end_time") else None,
            audience=parsed.get("audience"),
            age=parsed.get("age"),
            duration=parsed.get("duration_minutes"),
            language=parsed.get("lesson_language"),
            min_rating=parsed.get("min_rating"),
        )

    def has_time(self) -> bool:
        return self.start_time is not None or self.end_time is not None

    def has_date(self) -> bool:
        return bool(self.dates or self.weekdays)

    def has_place(self) -> bool:
        return self.borough is not None or self.neighborhood is not None or bool(self.area)

    @property
    def priced_format(self) -> str | None:
        """The format whose price the SQL price filter reads: the asked one; with a place and no
        format, in person (someone who comes there); else None, meaning the lower of the two, or in
        person for a hands-on service (index/catalog.py). Once a place is relaxed, each row's price
        is judged by the format the student would take from it (index/misses.py)."""
        if self.format:
            return self.format
        return "in_person" if self.has_place() and not self.online_ok else None

    def without_time(self) -> Constraints:
        return replace(self, start_time=None, end_time=None)

    def without_date(self) -> Constraints:
        return replace(self, dates=None, weekdays=None, start_time=None, end_time=None)

    def relax(self, step: str) -> Constraints | None:
        """One step looser, or None when this step has nothing to relax."""
        if step == "time" and self.has_time():
            return replace(self, start_time=None, end_time=None)
        if step == "date" and self.has_date():
            return replace(self, dates=None, weekdays=None)
        if step == "place" and (self.area or self.within is not None):
            return replace(self, area=None, within=None, neighborhood=None)
        if step == "place" and self.neighborhood is not None:
            return replace(self, neighborhood=None)
        if step == "place" and self.borough is not None:
            return replace(self, borough=None)
        if step == "price" and self.price_max is not None:
            return replace(self, price_max=round(self.price_max * 1.25, 2))
        if step == "price_cap" and self.price_max is not None:
            # Last resort: a page of teachers over budget (each card says by how much) beats a
            # page of three ("swim lessons on staten island under $60" found 4 of 29 teachers).
            return replace(self, price_max=None)
        if step == "language" and self.language is not None:
            return replace(self, language=None)
        if step == "rating" and self.min_rating is not None:
            return replace(self, min_rating=None)
        if step == "audience" and self.audience is not None:
            return replace(self, audience=None, age=None)
        if step == "duration" and self.duration is not None:
            return replace(self, duration=None)
        if step == "format" and self.format is not None:
            return replace(self, format=None)
        return None

    def date_range(self, today: date) -> tuple[date, date]:
        """Days to look for slots in: the asked dates, else the next 14 days."""
        if self.dates:
            return min(self.dates), max(self.dates)
        return today, today + timedelta(days=13)
