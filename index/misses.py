"""Relaxation per result: how far one instructor is from what the student asked, and the words
that say so on the card ("not in Park Slope: serves Windsor Terrace", "$80/h, over your $60",
"no Saturday slot: next is Sun 10:00 AM").

Search relaxes a query only when too few instructors meet all of it. Even then each result is
measured against the original ask: those who meet everything come first, then the nearer misses,
in the contract's order of importance (a missed time matters least, then the date, the place and
the price). So a teacher in the asked borough always ranks above one from another borough, and a
teacher with a Saturday-morning slot shows that slot even when others needed the time relaxed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from index import catalog, geo, places, rank
from index.candidates import Candidate, audience_groups
from index.constraints import Constraints

# How well a row meets the asked place: in it (or no place was asked); online instead, from a
# teacher who does not come there (a screen, not a visit: the student said where, not how); in
# person from next door (an adjacent neighborhood, or within NEAR_MILES of the asked point); in
# person elsewhere in the same borough; or farther. A teacher who does not serve the place will not
# come to it, so the online lesson is the nearer miss.
PLACE_IN, PLACE_ONLINE, PLACE_NEAR, PLACE_BOROUGH, PLACE_AWAY = 0, 1, 2, 3, 4
NEAR_MILES = 2.0
# How well an instructor's shown slots meet the asked days and times.
SLOTS_IN_WINDOW, SLOTS_OTHER_TIME, SLOTS_OTHER_DAY = 0, 1, 2


def teaches_in_person(c: Candidate) -> bool:
    return c.price_in_person is not None and bool(c.neighborhoods or c.boroughs)


def distance(c: Candidate, asked: Constraints) -> float | None:
    """Miles from the asked point to the nearest place this teacher comes to (None: no point, or
    online only)."""
    if asked.point is None or not teaches_in_person(c):
        return None
    # A search asks for a row's distance several times (place, score, card): measured once per point.
    if c.miles_from is None or c.miles_from[0] != asked.point:
        c.miles_from = (asked.point, geo.distance_to_areas(asked.point[0], asked.point[1], c.neighborhoods, c.boroughs))
    return c.miles_from[1]


@lru_cache(maxsize=512)
def _neighbors(neighborhood: str) -> frozenset[str]:
    """The neighborhoods next door to one, as a set (asked per row while ranking)."""
    return frozenset(geo.adjacent(neighborhood))


@lru_cache(maxsize=16)
def _hoods_of(borough: str) -> frozenset[str]:
    """A borough's neighborhoods, as a set (a teacher serves a borough through any of them)."""
    return frozenset(places.neighborhoods_of(borough))


class AskedPlace:
    """How well rows meet the asked place (PLACE_IN ... PLACE_AWAY), with what the ask says worked out once:
    the asked borough, its neighborhoods, the area and the neighborhoods next door. A search measures every
    row it scanned (RowFitter holds one for its run); a card asks for one row (place_level)."""

    def __init__(self, asked: Constraints) -> None:
        self.asked = asked
        self.asked_at_all = asked.has_place() and asked.format != "online"
        self.borough = asked.borough or (places.borough_of(asked.neighborhood) if asked.neighborhood else None)
        # places.serves for a borough: its whole borough, or any of its neighborhoods
        self.borough_hoods = _hoods_of(self.borough) if self.borough else frozenset()
        self.area = frozenset(asked.area or ())
        self.area_boroughs = [places.borough_of(h) for h in asked.area or ()]
        self.neighbors = _neighbors(asked.neighborhood) if asked.neighborhood else frozenset()

    def level(self, c: Candidate, hands_on: bool = False) -> int:
        if not self.asked_at_all:
            return PLACE_IN
        asked = self.asked
        in_person = teaches_in_person(c)
        if in_person:
            if self.area:
                served = not self.area.isdisjoint(c.neighborhoods) or any(b in c.boroughs for b in self.area_boroughs)
            elif asked.neighborhood:
                served = asked.neighborhood in c.neighborhoods or self.borough in c.boroughs
            else:
                served = self.borough in c.boroughs or not self.borough_hoods.isdisjoint(c.neighborhoods)
            far = asked.within is not None and (distance(c, asked) or 0.0) > asked.within
            if served and not far:
                return PLACE_IN
        if c.price_online is not None and not hands_on and asked.format != "in_person":
            return PLACE_ONLINE
        if in_person:
            miles = distance(c, asked)
            next_door = asked.neighborhood is not None and not self.neighbors.isdisjoint(c.neighborhoods)
            if next_door or (miles is not None and miles <= NEAR_MILES):
                return PLACE_NEAR
            if self.borough and (self.borough in c.boroughs or not self.borough_hoods.isdisjoint(c.neighborhoods)):
                return PLACE_BOROUGH
        return PLACE_AWAY


def place_level(c: Candidate, asked: Constraints, hands_on: bool = False) -> int:
    return AskedPlace(asked).level(c, hands_on)


def taken_format(c: Candidate, asked: Constraints, hands_on: bool, place: int | None = None) -> str | None:
    """The lesson the student would take from this row: the asked format; in person for a hands-on
    service; with a place asked, in person from someone who serves it, else online where offered
    (a screen instead of a visit, which the card says); otherwise None, the cheaper of the two. A
    teacher who does not give the asked format (the last resort) is read at the format they give:
    the card says "in person only, not online" and "$110/h in person, over your $80". `place`: the row's
    place_level, when the caller has it already."""
    if asked.format:
        if asked.format == "online" and c.price_online is None and c.price_in_person is not None:
            return "in_person"
        if asked.format == "in_person" and c.price_in_person is None and c.price_online is not None:
            return "online"
        return asked.format
    if hands_on:
        return "in_person"
    if asked.has_place():
        if place is None:
            place = place_level(c, asked, hands_on)
        return "online" if place == PLACE_ONLINE else "in_person"
    return None


def price_of(c: Candidate, asked: Constraints, hands_on: bool, place: int | None = None) -> float | None:
    """The price that a price condition reads: that of the lesson the student would take."""
    return rank.shown_price(c, taken_format(c, asked, hands_on, place))


def over_price(c: Candidate, asked: Constraints, hands_on: bool, place: int | None = None) -> bool:
    if asked.price_max is None and asked.price_min is None:
        return False
    price = price_of(c, asked, hands_on, place)
    if asked.price_max is not None and (price is None or price > asked.price_max):
        return True
    return asked.price_min is not None and (price is None or price < asked.price_min)


@dataclass(frozen=True)
class RowFit:
    """What can be known of a row before its slots, against the original ask."""

    over_price: bool
    place: int
    others: tuple[str, ...] = ()  # language, rating, audience
    other_service: bool = False  # a similar service, not the one asked for
    other_learner: bool = False  # does not take the learner's age group (not asked, so never relaxed)
    suits_learner: bool = True  # takes the learner's age group, or nothing is known of the learner

    @property
    def misses_asked(self) -> bool:
        """Whether the row breaks a condition the student stated (before its slots are known): the
        price, the place (an online lesson instead of a visit is only a lesser fit), or a last resort.
        A similar service offered in place of the asked one must also suit the learner: kids' clay
        play is no stand-in for an adult's pottery class."""
        return (
            self.over_price
            or self.place not in (PLACE_IN, PLACE_ONLINE)
            or bool(self.others)
            or (self.other_service and not self.suits_learner)
        )

    @property
    def key(self) -> tuple[int, int, int, int, int, int]:
        """Before slots: rows that meet every stated condition first, the asked service before a
        similar one; a similar service that meets everything comes before the asked service that
        breaks a stated condition (a keyboard teacher who speaks Spanish in Washington Heights over a
        piano teacher who does not). Then the asked service first; then the later a condition
        relaxes, the more it weighs; then a teacher who takes the learner (a kids-only teacher is no
        use to an adult beginner, wherever they teach); then price, then a place the teacher does not
        come to. An online lesson instead of a visit is weighed after the slots (see `rank_key`)."""
        return (
            int(self.misses_asked),
            int(self.other_service),
            len(self.others),
            int(self.other_learner),
            int(self.over_price),
            0 if self.place == PLACE_ONLINE else self.place,
        )

    def rank_key(self, slot_level: int) -> tuple[int, ...]:
        """With slots: a row without a slot in the asked window breaks a stated condition too; a
        lesson online at the asked time beats a visit on another day (the student said where, not
        how; the contract's order puts time and date below place for visits)."""
        breaks = self.misses_asked or slot_level != SLOTS_IN_WINDOW
        return (int(breaks), *self.key[1:], slot_level, int(self.place == PLACE_ONLINE))


def reads_rows(asked: Constraints) -> bool:
    """Whether an ask has any condition that a row's fit reads (besides the service): without one,
    every row of the asked service fits alike, and `row_fit` need not look at it (a plain "swimming"
    at 100,000 instructors ranks 1,800 rows)."""
    return (
        asked.price_max is not None
        or asked.price_min is not None
        or asked.has_place()
        or asked.format is not None
        or asked.language is not None
        or asked.min_rating is not None
        or asked.duration is not None
        or audience_groups(asked) is not None
        or bool(asked.learner)
    )


# The fit of every row when the ask reads nothing of it, by whether the row's service is another one.
PLAIN_FITS = {False: RowFit(False, PLACE_IN), True: RowFit(False, PLACE_IN, other_service=True)}


_FITS: dict[tuple[bool, int, tuple[str, ...], bool, bool, bool], RowFit] = {}


@lru_cache(maxsize=1024)
def _meant_for(slug: str) -> frozenset[str]:
    """The age groups a service is meant for (the catalog's), remembered: the catalog does not change while
    the process runs (catalog.services)."""
    service = catalog.services().get(slug)
    return frozenset(service.age_groups) if service else frozenset()


class RowFitter:
    """row_fit for each row of one run. What the ask says is worked out once, not once per row: a search
    measures every row it scanned (130 on average for the bench's sentences at 10,000 instructors), and
    row_fit worked out the asked borough, age groups and learner again for each one (3.3 µs a row)."""

    def __init__(self, asked: Constraints, reads: bool | None = None) -> None:
        self.asked = asked
        self.reads = reads_rows(asked) if reads is None else reads
        self.services = asked.services or ()
        self.place = AskedPlace(asked)
        self.price_asked = asked.price_max is not None or asked.price_min is not None
        groups = audience_groups(asked)
        self.groups = frozenset(groups or ())
        self.not_meant_for = catalog.not_meant_for(tuple(sorted(self.groups))) if self.groups else ()
        self.learner = frozenset(asked.learner or ())

    def fit(self, c: Candidate, hands_on: bool) -> RowFit:
        """How the row meets the ask before its slots."""
        asked = self.asked
        other_service = bool(
            (asked.service and c.slug != asked.service) or (self.services and c.slug not in self.services)
        )
        if not self.reads:
            return PLAIN_FITS[other_service]
        place = self.place.level(c, hands_on)
        takes = self._takes_learner(c)
        fields = (
            over_price(c, asked, hands_on, place) if self.price_asked else False,
            place,
            self._others(c),
            other_service,
            bool(self.learner) and bool(_meant_for(c.slug) & self.learner) and not takes,
            takes,
        )
        # Fits take a few dozen values, and a frozen dataclass costs about a microsecond to make: one each.
        fit = _FITS.get(fields)
        if fit is None:
            fit = _FITS.setdefault(fields, RowFit(*fields))
        return fit

    def _others(self, c: Candidate) -> tuple[str, ...]:
        """The conditions relaxed only when nothing else is left: lesson language, rating, audience, lesson
        length, and the format."""
        asked = self.asked
        out = []
        if asked.language and asked.language not in c.languages:
            out.append("language")
        if asked.min_rating is not None and (c.rating_avg is None or float(c.rating_avg) < asked.min_rating):
            out.append("rating")
        if self.groups and self.groups.isdisjoint(c.age_groups) and c.slug not in self.not_meant_for:
            out.append("audience")
        if asked.duration is not None and asked.duration not in c.duration_options:
            out.append("duration")
        if asked.format == "online" and c.price_online is None:
            out.append("format")
        elif asked.format == "in_person" and not teaches_in_person(c):
            out.append("format")
        return tuple(out)

    def _takes_learner(self, c: Candidate) -> bool:
        """Whether the teacher takes the learner's age group (profiles without age groups take the catalog's);
        True when nothing is known of the learner. A teacher who does not, for a service meant for that group
        at all, is `other_learner` (an adult asking about themselves, a toddler)."""
        if not self.learner:
            return True
        return not self.learner.isdisjoint(c.age_groups) if c.age_groups else bool(_meant_for(c.slug) & self.learner)


def row_fit(c: Candidate, asked: Constraints, hands_on: bool, reads: bool = True) -> RowFit:
    """How the row meets the ask before its slots. `reads`: reads_rows(asked), when the caller knows it.
    (A run measures its rows with one RowFitter.)"""
    return RowFitter(asked, reads).fit(c, hands_on)


def kinds(fit: RowFit, slot_level: int, asked: Constraints) -> list[str]:
    """The relaxation names this result breaks, in the order they relax."""
    out = []
    if slot_level == SLOTS_OTHER_TIME or (slot_level == SLOTS_OTHER_DAY and asked.has_time()):
        out.append("time")
    if slot_level == SLOTS_OTHER_DAY and asked.has_date():
        out.append("date")
    if fit.place != PLACE_IN:
        out.append("place")
    if fit.over_price:
        out.append("price")
    if fit.other_service:
        out.append("service")
    out.extend(fit.others)
    return out


def _clock(dt: datetime) -> str:
    return dt.strftime("%-I:%M %p")


def _day(d: date) -> str:
    return d.strftime("%a %b %-d")


def _asked_days(asked: Constraints) -> str:
    if asked.dates and len(asked.dates) == 1:
        return asked.dates[0].strftime("%A")
    if asked.weekdays and len(asked.weekdays) == 1:
        return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[asked.weekdays[0]] + "s"
    return "the asked days"


def _asked_window(asked: Constraints) -> str:
    start, end = asked.start_time, asked.end_time
    if start and end:
        return f"{start.strftime('%-I:%M %p')}–{end.strftime('%-I:%M %p')}"
    if start:
        return f"after {start.strftime('%-I:%M %p')}"
    return f"before {end.strftime('%-I:%M %p')}" if end else ""


def describe(
    c: Candidate, asked: Constraints, fit: RowFit, slot_level: int, first_slot: datetime | None, hands_on: bool
) -> list[str]:
    """One short line per condition the card does not meet, for the student to read."""
    out = []
    if fit.other_service:
        wanted = [catalog.name_of(s) for s in ((asked.service,) if asked.service else asked.services or ())]
        out.append(f"teaches {c.service_name}, not {' or '.join(wanted[:2])}")
    if fit.place != PLACE_IN:
        where = _asked_place_name(asked)
        if not teaches_in_person(c):
            out.append(f"not in {where}: online lessons only")
        elif taken_format(c, asked, hands_on, fit.place) == "online":
            out.append(f"not in {where}: online lesson, or in person in {_served(c, asked)}")
        else:
            out.append(f"not in {where}: serves {_served(c, asked)}")
    if fit.over_price:
        price = price_of(c, asked, hands_on, fit.place)
        fmt = taken_format(c, asked, hands_on, fit.place)
        label = {"in_person": " in person", "online": " online"}.get(fmt or "", "")
        if price is None:
            out.append(f"no{label} price listed")
        elif asked.price_max is not None and price > asked.price_max:
            out.append(f"${price:.0f}/h{label}, over your ${asked.price_max:.0f}")
        else:
            out.append(f"${price:.0f}/h{label}, under your ${asked.price_min:.0f} minimum")
    if first_slot is not None and slot_level == SLOTS_OTHER_TIME:
        window = _asked_window(asked)
        out.append(
            f"no slot {window} {_asked_days(asked) if asked.has_date() else ''}".rstrip()
            + f": first is {_day(first_slot.date())}, {_clock(first_slot)}"
        )
    elif first_slot is not None and slot_level == SLOTS_OTHER_DAY:
        out.append(f"no slot on {_asked_days(asked)}: next is {_day(first_slot.date())}, {_clock(first_slot)}")
    if "language" in fit.others:
        out.append(
            f"teaches in {', '.join(lang.title() for lang in c.languages) or 'English'}, not {(asked.language or '').title()}"
        )
    if "rating" in fit.others:
        out.append(
            f"rated {float(c.rating_avg):.1f}, under your {asked.min_rating:g}"
            if c.rating_avg is not None
            else "no rating yet"
        )
    if "audience" in fit.others:
        out.append(f"teaches {' and '.join(g for g in c.age_groups) or 'other ages'}, not {asked.audience}")
    if "duration" in fit.others:
        lengths = ", ".join(str(m) for m in sorted(c.duration_options))
        out.append(f"no {asked.duration}-minute lessons: {lengths or 'other'} min")
    if "format" in fit.others:
        out.append("in person only, not online" if asked.format == "online" else "online only, not in person")
    return out


def _asked_place_name(asked: Constraints) -> str:
    if asked.within is not None and asked.point is not None:
        return f"within {asked.within:g} mi"
    return asked.place_label or places.display_name(asked.neighborhood or asked.borough or "")


def _served(c: Candidate, asked: Constraints) -> str:
    """Where the teacher goes, nearest first: its neighborhoods in the asked borough, else all."""
    borough = asked.borough or (places.borough_of(asked.neighborhood) if asked.neighborhood else None)
    nearby = [places.display_name(h) for h in c.neighborhoods if places.borough_of(h) == borough]
    shown = nearby or ([places.display_name(b) for b in c.boroughs] + [places.display_name(h) for h in c.neighborhoods])
    more = f" +{len(shown) - 2} more" if len(shown) > 2 else ""
    miles = distance(c, asked)
    away = f" (about {miles:.1f} mi)" if miles is not None else ""
    return ", ".join(shown[:2]) + more + away
