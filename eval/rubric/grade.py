"""Judging one card, one query and a whole responses file, as RUBRIC.md says.

Section numbers in the comments refer to data/fixtures/judged/RUBRIC.md.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
ROOT = Path(__file__).resolve().parents[2]
QUERIES_PATH = ROOT / "data" / "fixtures" / "judged" / "queries.jsonl"
CATALOG_PATH = ROOT / "data" / "fixtures" / "catalog.json"
PLACES_PATH = ROOT / "data" / "fixtures" / "nyc_locations.json"
GEOGRAPHY_PATH = ROOT / "data" / "fixtures" / "nyc_geography.json"
WORLD_PATH = ROOT / "var" / "judged" / "world.json"

FIT = {"ideal": 3, "related": 2, "marginal": 1}
HARD_FACTOR = 0.1  # §2.3: one hard violation leaves at most 0.3
SOFT_FACTOR = 0.9  # §2.3: each soft violation costs 10 %
RELEVANT = 2.0  # §2.3: relevant for P@5 when gain >= 2
K = 10
P_K = 5
EPS = 1e-9

# §2.1: services that cannot be learned online.
HANDS_ON = frozenset(
    """swimming isr-infant-self-rescue driving karate taekwondo jiu-jitsu judo wrestling boxing muay-thai
    krav-maga mma tennis gymnastics basketball soccer pickleball golf baseball softball football volleyball
    lacrosse ice-skating figure-skating hockey skateboarding rock-climbing squash fencing archery bike-riding
    cheerleading acro pottery couples-massage""".split()
)

WHEN_KEYS = ("dates", "weekdays", "time")
ASK_KEYS = (
    "format",
    "place",
    "price_max",
    "price_min",
    "dates",
    "weekdays",
    "time",
    "audience",
    "level",
    "language",
    "duration_minutes",
    "min_rating",
    "near",
)

# §4 (geography): miles, the Earth's mean radius, and the soft "near" ladder.
EARTH_RADIUS_MILES = 3958.7613
NEAR_SOFT_MILES = 2.0  # default step of a soft near ask ("near me" with a position)
NEAR_SOFT_MAX = 4  # at most 4 soft violations: 3 x 0.9^4 = 1.97 < 2, no longer relevant
DISTANCE_TOLERANCE = 0.5  # card distance_miles vs the grader's, diagnostic only

# Words that count as disclosing a violation in `relaxed` or a card's `misses` (diagnostic only).
DISCLOSE_WORDS = {
    "place": ("place", "area", "neighborhood", "neighbourhood", "borough", "location", "near", "serve"),
    "price": ("price", "budget", "$", "cost", "cheap"),
    "date": ("date", "day", "when", "schedule", "slot"),
    "time": ("time", "morning", "afternoon", "evening", "night", "window", "hour", "slot"),
    "format": ("format", "online", "in person", "in-person"),
    "audience": ("audience", "age", "kid", "teen", "adult", "toddler", "child"),
    "level": ("level", "beginner", "intermediate", "advanced"),
    "language": ("language", "speak"),
    "duration": ("duration", "length", "minute", "min"),
    "rating": ("rating", "star", "rated"),
    "near": ("near", "mile", "distance", "away", "far", "walk", "block", "not in", "serves", "area", "neighborhood"),
}
# Names in `relaxed` that disclose a violation besides the violation's own name.
RELAXED_ALIASES = {"near": ("place", "distance", "location")}


# --------------------------------------------------------------------------- loading


def _as_list(v):
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple, set)) else [v]


def _parse_dt(s) -> datetime | None:
    if not isinstance(s, str):
        return None
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=NY)
    return d.astimezone(NY)


def _hm(s) -> time | None:
    if s is None:
        return None
    h, m = str(s).split(":")[:2]
    return time(int(h), int(m))


def load_queries(path=QUERIES_PATH) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_responses(path) -> dict[str, dict]:
    """id -> {"query": ..., "response": ...}; the last line wins for a repeated id."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                out[str(rec.get("id"))] = rec
    return out


class Reference:
    """The catalog's age groups and the place table (fixtures, not project code)."""

    def __init__(self, catalog: dict | None = None, places: dict | None = None, geography: dict | None = None):
        if catalog is None:
            catalog = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
        if places is None:
            places = json.loads(PLACES_PATH.read_text(encoding="utf-8"))
        self.age_groups: dict[str, list[str]] = {}
        for c in catalog.get("categories", []):
            for sc in c.get("subcategories", []):
                for s in sc.get("services", []):
                    self.age_groups[s["slug"]] = list(s.get("age_groups") or [])
        self.borough_of: dict[str, str] = {n["slug"]: n["borough"] for n in places.get("neighborhoods", [])}
        self._geography = geography

    @property
    def geography(self) -> dict:
        """nyc_geography.json (centroids, adjacency, ZIP table), read on first use (§4)."""
        if self._geography is None:
            self._geography = json.loads(GEOGRAPHY_PATH.read_text(encoding="utf-8"))
        return self._geography

    def centroid(self, kind: str, slug) -> tuple[float, float] | None:
        """(lat, lng) of a neighborhood, landmark or borough of nyc_geography.json."""
        rec = (self.geography.get(kind) or {}).get(str(slug).lower())
        return (float(rec["lat"]), float(rec["lng"])) if rec else None

    def borough_neighborhoods(self, borough) -> list[str]:
        b = str(borough).lower()
        return [n for n, rec in (self.geography.get("neighborhoods") or {}).items() if rec.get("borough") == b]


class World:
    """The public profiles and availability of every instructor (var/judged/world.json)."""

    def __init__(self, data: dict):
        self.now = _parse_dt(data["now"])
        self.instructors: dict[str, dict] = data.get("instructors", {})
        self._windows: dict[str, list] = {}

    @classmethod
    def load(cls, path=WORLD_PATH) -> World:
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def profile(self, iid) -> dict | None:
        rec = self.instructors.get(str(iid))
        return rec.get("profile") if rec else None

    def service(self, iid, slug) -> dict | None:
        prof = self.profile(iid)
        if not prof:
            return None
        for s in prof.get("services", []):
            if s.get("slug") == slug:
                return s
        return None

    def windows(self, iid) -> list[tuple[datetime, datetime, list[datetime]]]:
        """Parsed availability windows (start, end, starts) of an instructor."""
        if iid not in self._windows:
            rec = self.instructors.get(str(iid)) or {}
            av = rec.get("availability") or {}
            out = []
            for d in av.get("days", []):
                for w in d.get("windows", []):
                    ws, we = _parse_dt(w.get("start")), _parse_dt(w.get("end"))
                    if ws and we:
                        out.append((ws, we, [x for x in map(_parse_dt, w.get("starts", [])) if x]))
            self._windows[iid] = out
        return self._windows[iid]

    def base_duration(self, iid) -> int:
        rec = self.instructors.get(str(iid)) or {}
        return int((rec.get("availability") or {}).get("duration_minutes") or 60)


# --------------------------------------------------------------------------- offers


class Offer:
    """What a student can book: one service of one instructor, with the facts the checks need."""

    def __init__(
        self,
        *,
        iid,
        slug,
        price,
        boroughs,
        neighborhoods,
        languages,
        rating,
        age_groups,
        levels,
        duration_options,
        lessons,
    ):
        self.iid = iid
        self.slug = slug
        self.price = {"in_person": (price or {}).get("in_person"), "online": (price or {}).get("online")}
        self.boroughs = [str(b).lower() for b in boroughs or []]
        self.neighborhoods = [str(n).lower() for n in neighborhoods or []]
        self.languages = [str(x).lower() for x in languages or []]
        self.rating = rating
        self.age_groups = list(age_groups) if age_groups else None
        self.levels = list(levels) if levels else None
        self.duration_options = [int(x) for x in duration_options or []]
        self._lessons = lessons  # callable(duration) -> iterable of (start, end) in NY time

    def offers(self, fmt) -> bool:
        if fmt == "in_person":
            return self.price["in_person"] is not None and bool(self.boroughs or self.neighborhoods)
        if fmt == "online":
            return self.price["online"] is not None
        return False

    def lessons(self, duration):
        return self._lessons(duration)


def serves(offer: Offer, place: dict, ref: Reference) -> bool:
    """§2.2 place: neighborhood ask, else borough ask."""
    nbs = [n for n in _as_list(place.get("neighborhood")) + _as_list(place.get("neighborhoods")) if n]
    if nbs:
        for n in nbs:
            if n in offer.neighborhoods:
                return True
            b = ref.borough_of.get(n) or place.get("borough")
            if b and b in offer.boroughs:
                return True
        return False
    b = place.get("borough")
    if not b:
        return True
    if b in offer.boroughs:
        return True
    return any(ref.borough_of.get(n) == b for n in offer.neighborhoods)


def haversine_miles(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance in miles (§4.1)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def near_point(ask: dict, q: dict, ref: Reference) -> tuple[float, float] | None:
    """The point of a near ask (§4.1): its lat/lng, else the query line's, else a landmark or neighborhood centroid."""
    if ask.get("lat") is not None and ask.get("lng") is not None:
        return float(ask["lat"]), float(ask["lng"])
    if q.get("lat") is not None and q.get("lng") is not None:
        return float(q["lat"]), float(q["lng"])
    if ask.get("landmark"):
        return ref.centroid("landmarks", ask["landmark"])
    if ask.get("neighborhood"):
        return ref.centroid("neighborhoods", ask["neighborhood"])
    return None


def offer_distance(offer: Offer, ask: dict, q: dict, ref: Reference) -> float | None:
    """§4.1: miles from the ask's point to the nearest area the instructor serves in person.

    A listed neighborhood is at its centroid's distance, or 0 when it is the neighborhood the point lies in
    (`in` of the ask); a listed borough is at the distance of its nearest neighborhood. None when the
    instructor does not offer in person or no area is known.
    """
    if not offer.offers("in_person"):
        return None
    pt = near_point(ask, q, ref)
    if pt is None:
        return None
    home = str(ask.get("in") or "").lower()
    areas = list(offer.neighborhoods)
    for b in offer.boroughs:
        areas += ref.borough_neighborhoods(b)
    best = None
    for n in areas:
        if home and n == home:
            return 0.0
        c = ref.centroid("neighborhoods", n)
        if c is None:
            continue
        d = haversine_miles(pt[0], pt[1], c[0], c[1])
        if best is None or d < best:
            best = d
    return best


def near_soft_count(distance: float | None, step: float) -> int:
    """§4.2 soft near: one soft violation per started `step` beyond `step`, at most NEAR_SOFT_MAX; None = the most."""
    if distance is None:
        return NEAR_SOFT_MAX
    if distance <= step + EPS:
        return 0
    return min(NEAR_SOFT_MAX, math.ceil((distance - step) / step - EPS))


def world_offer(world: World, iid: str, svc: dict) -> Offer:
    """An offer built from the public profile and availability (§2.4)."""
    prof = world.profile(iid) or {}
    areas = prof.get("areas") or {}
    now = world.now
    opts = [int(x) for x in svc.get("duration_options") or []]
    default_d = min(opts) if opts else world.base_duration(iid)

    def lessons(duration):
        d = timedelta(minutes=int(duration or default_d))
        for _ws, we, starts in world.windows(iid):
            for s in starts:
                if s >= now and s + d <= we:
                    yield s, s + d

    return Offer(
        iid=iid,
        slug=svc.get("slug"),
        price=svc.get("price"),
        boroughs=areas.get("boroughs"),
        neighborhoods=areas.get("neighborhoods"),
        languages=prof.get("languages"),
        rating=prof.get("rating"),
        age_groups=svc.get("age_groups"),
        levels=svc.get("levels"),
        duration_options=svc.get("duration_options"),
        lessons=lessons,
    )


def card_offer(card: dict, world: World) -> tuple[Offer, list[str]]:
    """An offer for a result card: facts from the public profile when it is there (§2), slots from the card."""
    inst = card.get("instructor") or {}
    iid = str(inst.get("id"))
    slug = (card.get("service") or {}).get("slug")
    prof = world.profile(iid)
    svc = world.service(iid, slug) if prof else None
    flags: list[str] = []
    if prof is None:
        flags.append("unknown_instructor")
    elif svc is None:
        flags.append("not_on_profile")

    card_areas = inst.get("areas") or {}
    card_price = card.get("price") or {}
    if prof is not None:
        areas = prof.get("areas") or {}
        languages, rating = prof.get("languages"), prof.get("rating")
        if card_areas and (
            sorted(card_areas.get("boroughs") or []) != sorted(areas.get("boroughs") or [])
            or sorted(card_areas.get("neighborhoods") or []) != sorted(areas.get("neighborhoods") or [])
        ):
            flags.append("card_mismatch:areas")
        if inst.get("rating") is not None and rating is not None and abs(float(inst["rating"]) - float(rating)) > 0.011:
            flags.append("card_mismatch:rating")
    else:
        areas, languages, rating = card_areas, inst.get("languages"), inst.get("rating")
    if svc is not None:
        price = svc.get("price") or {}
        for f in ("in_person", "online"):
            a, b = card_price.get(f), price.get(f)
            if f in card_price and (
                (a is None) != (b is None) or (a is not None and abs(float(a) - float(b or 0)) > 0.005)
            ):
                flags.append("card_mismatch:price")
                break
        age_groups, levels, durations = svc.get("age_groups"), svc.get("levels"), svc.get("duration_options")
    else:
        price = card_price
        age_groups, levels = None, None
        durations = [card["duration_minutes"]] if card.get("duration_minutes") else []

    # Slots are judged from the card; a slot counts only if it is real (§2.2).
    windows = world.windows(iid) if prof is not None else []
    real, fake = [], 0
    for sl in card.get("slots") or []:
        s, e = _parse_dt((sl or {}).get("start")), _parse_dt((sl or {}).get("end"))
        if s is None or e is None or e <= s:
            fake += 1
            continue
        if world.now is not None and s >= world.now and any(ws <= s and e <= we for ws, we, _ in windows):
            real.append((s, e))
        else:
            fake += 1
    if fake:
        flags.append(f"unreal_slots:{fake}")

    offer = Offer(
        iid=iid,
        slug=slug,
        price=price,
        boroughs=areas.get("boroughs"),
        neighborhoods=areas.get("neighborhoods"),
        languages=languages,
        rating=rating,
        age_groups=age_groups,
        levels=levels,
        duration_options=durations,
        lessons=lambda duration: real,
    )
    return offer, flags


# --------------------------------------------------------------------------- judging one offer


def _when_violation(ask: dict, lessons) -> str | None:
    """§2.2 dates/weekdays/time: None when some lesson fits, else 'date' or 'time'."""
    dates = {str(d) for d in _as_list(ask.get("dates"))}
    weekdays = {int(w) for w in _as_list(ask.get("weekdays"))}
    win = ask.get("time")
    a, b = (_hm(win[0]), _hm(win[1])) if win else (None, None)
    on_day = False
    for s, e in lessons:
        day = s.date()
        if dates and day.isoformat() not in dates:
            continue
        if weekdays and day.weekday() not in weekdays:
            continue
        on_day = True
        if a is not None and s.time() < a:
            continue
        if b is not None and (e.date() != day or e.time() > b):
            continue
        return None
    if not on_day and (dates or weekdays):
        return "date"
    return "time"


def choose_format(offer: Offer, hard: dict, soft: dict, ref: Reference) -> str:
    """§2.1: the format the student would take."""
    if hard.get("format"):
        return hard["format"]
    if offer.slug in HANDS_ON:
        return "in_person"
    if hard.get("near") or soft.get("near"):
        # §4.2: the student asked for someone near; online never meets that, so in person when offered.
        if offer.offers("in_person"):
            return "in_person"
        return "online" if offer.offers("online") else "in_person"
    place = hard.get("place") or soft.get("place")
    if place:
        if offer.offers("in_person") and serves(offer, place, ref):
            return "in_person"
        if offer.offers("online"):
            return "online"
        return "in_person"
    opts = [f for f in ("in_person", "online") if offer.offers(f)]
    if not opts:
        return "in_person"
    if soft.get("format") in opts:
        return soft["format"]
    if len(opts) == 2:
        return "online" if float(offer.price["online"]) < float(offer.price["in_person"]) else "in_person"
    return opts[0]


def fit_of(q: dict, slug) -> int:
    for key in ("ideal", "related", "marginal"):
        if slug in (q.get(key) or []):
            return FIT[key]
    return 0


def judge_offer(q: dict, offer: Offer, ref: Reference, cheap: float | None = None) -> dict:
    """Fit, hard and soft violations and gain of one offer for one query (§2.2, §2.3)."""
    hard, soft = q.get("hard") or {}, q.get("soft") or {}
    fit = fit_of(q, offer.slug)
    hv: list[str] = []
    sv: list[str] = []
    hands_on = offer.slug in HANDS_ON
    F = choose_format(offer, hard, soft, ref)

    # format
    format_broken = False
    if hard.get("format"):
        if not offer.offers(hard["format"]):
            hv.append("format")
            format_broken = True
    elif hands_on and not offer.offers("in_person"):
        hv.append("format")
        format_broken = True
    if soft.get("format") and not hard.get("format") and F != soft["format"]:
        sv.append("format")

    # place
    place_online = False
    for ask, out in ((hard.get("place"), hv), (soft.get("place"), sv)):
        if not ask:
            continue
        if F == "online":
            if hard.get("format") == "online":
                continue  # online lessons ignore place when online was asked for
            if offer.offers("online"):
                place_online = True
            elif not format_broken:
                out.append("place")
        else:
            if not offer.offers("in_person"):
                if not format_broken:
                    out.append("place")
            elif not serves(offer, ask, ref):
                out.append("place")
    if place_online:
        sv.append("place_online")

    # near (§4.2): distance to the nearest area served in person; online never meets it
    geo: dict = {}
    for level, out, hard_ask in ((hard, hv, True), (soft, sv, False)):
        ask = level.get("near")
        if not ask:
            continue
        d = offer_distance(offer, ask, q, ref) if F == "in_person" else None
        geo.setdefault("distance", None if d is None else round(d, 3))
        if format_broken:
            continue  # a hands-on service without in-person lessons already broke format
        step = float(ask.get("within_miles") or NEAR_SOFT_MILES)
        if hard_ask:
            if d is None or d > step + EPS:
                out.append("near")
        else:
            out.extend(["near"] * near_soft_count(d, step))

    # price
    p = offer.price.get(F)
    for level, out in ((hard, hv), (soft, sv)):
        if p is None:
            break
        mx = level.get("price_max")
        if mx == "cheap":
            mx = cheap
        mn = level.get("price_min")
        if (mx is not None and float(p) > float(mx) + EPS) or (mn is not None and float(p) < float(mn) - EPS):
            out.append("price")

    # dates, weekdays, time
    for level, out in ((hard, hv), (soft, sv)):
        ask = {k: level[k] for k in WHEN_KEYS if level.get(k) not in (None, [], "")}
        if ask:
            dur = hard.get("duration_minutes") or soft.get("duration_minutes")
            v = _when_violation(ask, offer.lessons(dur))
            if v:
                out.append(v)

    # audience, level, language, duration, rating
    for level, out in ((hard, hv), (soft, sv)):
        if level.get("audience"):
            groups = offer.age_groups or ref.age_groups.get(offer.slug, [])
            if not set(_as_list(level["audience"])) & set(groups):
                out.append("audience")
        if level.get("level"):
            if offer.levels and not set(_as_list(level["level"])) & set(offer.levels):
                out.append("level")
        if level.get("language"):
            if not {str(x).lower() for x in _as_list(level["language"])} & set(offer.languages):
                out.append("language")
        if level.get("duration_minutes"):
            if int(level["duration_minutes"]) not in offer.duration_options:
                out.append("duration")
        if level.get("min_rating") is not None:
            if offer.rating is None or float(offer.rating) < float(level["min_rating"]) - EPS:
                out.append("rating")

    gain = fit * HARD_FACTOR ** len(hv) * SOFT_FACTOR ** len(sv)
    return {"fit": fit, "format": F, "hard": hv, "soft": sv, "gain": round(gain, 6), **geo}


# --------------------------------------------------------------------------- the world's best answer


class QueryContext:
    """Per-query facts computed from the world: cheap threshold and ideal gains (§2.4, §2.6)."""

    def __init__(self, q: dict, world: World, ref: Reference):
        self.q, self.world, self.ref = q, world, ref
        self._cheap: float | None = None
        self._ideal: tuple[list[dict], int] | None = None

    @property
    def cheap(self) -> float | None:
        if self._cheap is None:
            ideal = set(self.q.get("ideal") or [])
            vals = []
            for iid in self.world.instructors:
                for svc in (self.world.profile(iid) or {}).get("services", []):
                    if svc.get("slug") in ideal:
                        o = world_offer(self.world, iid, svc)
                        ps = [float(o.price[f]) for f in ("in_person", "online") if o.offers(f)]
                        if ps:
                            vals.append(min(ps))
            self._cheap = statistics.median(vals) if vals else math.inf
        return self._cheap

    def ideal(self) -> tuple[list[dict], int]:
        """The best gain per instructor, best first, and R (instructors with best gain >= 2)."""
        if self._ideal is None:
            wanted = (
                set(self.q.get("ideal") or []) | set(self.q.get("related") or []) | set(self.q.get("marginal") or [])
            )
            cheap = (
                self.cheap
                if any((lv.get("price_max") == "cheap") for lv in (self.q.get("hard") or {}, self.q.get("soft") or {}))
                else None
            )
            best: dict[str, dict] = {}
            for iid in self.world.instructors:
                for svc in (self.world.profile(iid) or {}).get("services", []):
                    if svc.get("slug") not in wanted:
                        continue
                    j = judge_offer(self.q, world_offer(self.world, iid, svc), self.ref, cheap)
                    if j["gain"] > best.get(iid, {"gain": -1})["gain"]:
                        best[iid] = {"instructor": iid, "slug": svc.get("slug"), **j}
            ranked = sorted(best.values(), key=lambda r: (-r["gain"], r["instructor"]))
            R = sum(1 for r in ranked if r["gain"] >= RELEVANT - EPS)
            self._ideal = (ranked, R)
        return self._ideal


def dcg(gains) -> float:
    return sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(gains))


# --------------------------------------------------------------------------- one query


def _disclosed(violation: str, relaxed, misses) -> bool:
    v = violation
    names = [str(x).lower() for x in _as_list(relaxed)]
    if any(v == n or v in n for n in names):
        return True
    if any(a in n for a in RELAXED_ALIASES.get(v, ()) for n in names):
        return True
    words = DISCLOSE_WORDS.get(v, (v,))
    return any(any(w in str(m).lower() for w in words) for m in _as_list(misses))


def no_match_said(resp: dict) -> bool:
    """§2.7: no results, and the response says so."""
    return not (resp.get("results") or []) and (resp.get("no_match") is True or bool(resp.get("suggestions")))


def is_geo(q: dict) -> bool:
    """A query of the geography set (§4): it carries a subtype, a position, a near ask or a location flag."""
    hard, soft = q.get("hard") or {}, q.get("soft") or {}
    return bool(
        q.get("geo")
        or q.get("lat") is not None
        or hard.get("near")
        or soft.get("near")
        or q.get("expect_needs_location")
        or q.get("outside_nyc")
    )


def _geo_card(q: dict, card: dict, j: dict, flags: list[str]) -> dict:
    """§4.5 diagnostics of one card: its distance_miles against the grader's (no effect on scores)."""
    claimed = card.get("distance_miles")
    extra = {"card_distance": claimed}
    if claimed is not None and q.get("outside_nyc"):
        flags.append("distance_outside_nyc")
    if "distance" in j and claimed is not None:
        try:
            if j["distance"] is None or abs(float(claimed) - float(j["distance"])) > DISTANCE_TOLERANCE:
                flags.append("card_mismatch:distance")
        except (TypeError, ValueError):
            flags.append("card_mismatch:distance")
    return extra


def grade_query(q: dict, rec: dict | None, world: World, ref: Reference, ctx: QueryContext | None = None) -> dict:
    """Per-query scores and per-card details (§2.5, §2.7, §4)."""
    resp = (rec or {}).get("response") or {}
    results = resp.get("results") or []
    out = {
        "id": q["id"],
        "kind": q.get("kind"),
        "split": q.get("split"),
        "query": q.get("query"),
        "expect_no_match": bool(q.get("expect_no_match")),
        "missing_response": rec is None,
        "n_results": len(results),
        "zero": not results,
        "relaxed": resp.get("relaxed") or [],
        "no_match": resp.get("no_match"),
        "suggestions": [s.get("slug") if isinstance(s, dict) else s for s in resp.get("suggestions") or []],
    }
    if rec is not None and rec.get("query") not in (None, q.get("query")):
        out["query_text_mismatch"] = rec.get("query")
    geo = is_geo(q)
    if geo:
        out["geo"] = q.get("geo")
        out["needs_location"] = resp.get("needs_location")
        if q.get("expect_needs_location"):
            out["needs_location_ok"] = resp.get("needs_location") is True
        elif q.get("lat") is not None and resp.get("needs_location") is True:
            out["needs_location_wrong"] = True  # a position was sent, yet the response asks for one

    if q.get("expect_no_match"):
        ok = no_match_said(resp)
        out.update(
            {
                "ndcg@10": 1.0 if ok else 0.0,
                "p@5": 1.0 if ok else 0.0,
                "top1": 1.0 if ok else 0.0,
                "correct_no_match": ok,
                "hv5": 0,
                "n5": 0,
                "hv5_disclosed": 0,
                "results": [
                    {
                        "rank": i + 1,
                        "instructor": (r.get("instructor") or {}).get("id"),
                        "slug": (r.get("service") or {}).get("slug"),
                        "gain": 0.0,
                    }
                    for i, r in enumerate(results[:K])
                ],
                "idcg": None,
                "R": None,
                "ideal_top": [],
            }
        )
        return out

    ctx = ctx or QueryContext(q, world, ref)
    ranked, R = ctx.ideal()
    cheap_needed = any(lv.get("price_max") == "cheap" for lv in (q.get("hard") or {}, q.get("soft") or {}))
    cheap = ctx.cheap if cheap_needed else None

    cards, seen = [], set()
    for i, card in enumerate(results[:K]):
        offer, flags = card_offer(card, world)
        j = judge_offer(q, offer, ref, cheap)
        if offer.iid in seen:
            flags.append("duplicate")
            j["gain"] = 0.0
        seen.add(offer.iid)
        disclosed = [v for v in j["hard"] if _disclosed(v, resp.get("relaxed"), card.get("misses"))]
        extra = _geo_card(q, card, j, flags) if geo else {}
        cards.append(
            {
                "rank": i + 1,
                "instructor": offer.iid,
                "name": (card.get("instructor") or {}).get("name"),
                "slug": offer.slug,
                **j,
                **extra,
                "flags": flags,
                "disclosed": disclosed,
                "misses": card.get("misses") or [],
            }
        )

    gains = [c["gain"] for c in cards]
    idcg = dcg([r["gain"] for r in ranked[:K]])
    ndcg = dcg(gains) / idcg if idcg > 0 else None
    rel5 = sum(1 for g in gains[:P_K] if g >= RELEVANT - EPS)
    p5 = rel5 / min(P_K, R) if R > 0 else None
    top1 = 1.0 if cards and cards[0]["slug"] in (q.get("ideal") or []) else 0.0
    if q.get("expect_needs_location") and resp.get("needs_location") is not True:
        # §4.4: "near me" without a position must ask for it; results alone, however good, score 0.
        ndcg = 0.0 if ndcg is not None else None
        p5 = 0.0 if p5 is not None else None
        top1 = 0.0
    top5 = cards[:P_K]
    out.update(
        {
            "ndcg@10": None if ndcg is None else round(min(ndcg, 1.0), 6),
            "p@5": None if p5 is None else round(min(p5, 1.0), 6),
            "top1": top1,
            "hv5": sum(1 for c in top5 if c["hard"]),
            "n5": len(top5),
            "hv5_disclosed": sum(1 for c in top5 if c["hard"] and set(c["hard"]) <= set(c["disclosed"])),
            "results": cards,
            "idcg": round(idcg, 6),
            "R": R,
            "ideal_top": [
                {
                    "instructor": r["instructor"],
                    "slug": r["slug"],
                    "gain": r["gain"],
                    "hard": r["hard"],
                    "soft": r["soft"],
                    **({"distance": r["distance"]} if "distance" in r else {}),
                }
                for r in ranked[:3]
            ],
        }
    )
    return out


def grade_all(
    queries: list[dict],
    responses: dict[str, dict],
    world: World,
    ref: Reference | None = None,
    split: str = "all",
    contexts: dict | None = None,
) -> list[dict]:
    ref = ref or Reference()
    rows = []
    for q in queries:
        if split != "all" and q.get("split") != split:
            continue
        ctx = None
        if contexts is not None:
            ctx = contexts.setdefault(q["id"], QueryContext(q, world, ref))
        rows.append(grade_query(q, responses.get(q["id"]), world, ref, ctx))
    return rows


# --------------------------------------------------------------------------- aggregates


def _mean(vals):
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None


def summarize(rows: list[dict]) -> dict:
    """Per kind and overall (§3)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["kind"], []).append(r)
    for r in rows:  # §4.6: the geography set is also reported per subtype (kind/subtype)
        if r.get("geo"):
            groups.setdefault(f"{r['kind']}/{r['geo']}", []).append(r)
    out = {}
    for name, rs in list(groups.items()) + [("overall", rows)]:
        answerable = [r for r in rs if not r["expect_no_match"]]
        nm = [r for r in rs if r["expect_no_match"]]
        n5 = sum(r["n5"] for r in answerable)
        hv5 = sum(r["hv5"] for r in answerable)
        out[name] = {
            "n": len(rs),
            "ndcg@10": _mean([r["ndcg@10"] for r in rs]),
            "p@5": _mean([r["p@5"] for r in rs]),
            "top1": _mean([r["top1"] for r in rs]),
            "zero": _mean([1.0 if r["zero"] else 0.0 for r in answerable]),
            "hv@5": hv5 / n5 if n5 else 0.0,
            "hv@5_disclosed": (sum(r["hv5_disclosed"] for r in answerable) / hv5) if hv5 else None,
            "nomatch": _mean([1.0 if r.get("correct_no_match") else 0.0 for r in nm]),
            "n_nomatch": len(nm),
            "unanswerable": sum(1 for r in answerable if r["ndcg@10"] is None),
            "p@5_na": sum(1 for r in answerable if r["p@5"] is None),
            "missing": sum(1 for r in rs if r["missing_response"]),
        }
        asks = [r for r in rs if "needs_location_ok" in r]
        if asks:  # §4.4
            out[name]["needs_location_ok"] = _mean([1.0 if r["needs_location_ok"] else 0.0 for r in asks])
            out[name]["n_needs_location"] = len(asks)
        if any("needs_location_wrong" in r for r in rs):
            out[name]["needs_location_wrong"] = sum(1 for r in rs if r.get("needs_location_wrong"))
    return out
