"""NYC geography at run time: centroids, distances, adjacency, ZIP codes, landmarks.

Reads data/fixtures/nyc_geography.json (built by `python -m cli.geography` from the NTA and ZIP
polygons) once, on first use. Pure Python on purpose: the API process carries no polygons and no
geometry library, so every answer here comes from points and precomputed tables:

- a neighborhood's "centroid" is the point the build chose (the centroid of its NTAs, or an inside
  point when the centroid falls outside the area, e.g. in the water between Rockaway and Broad Channel);
- nearest_neighborhood is the nearest such point, not the polygon that contains the location, so a
  point near a border may get the neighbor whose center is closer;
- within(...) selects neighborhoods by their center, so a big neighborhood whose edge is within the
  radius but whose center is not is left out.

Distances are great-circle (haversine) miles on a sphere of the Earth's mean radius; over NYC's
distances that is within 0.5% of the ellipsoid, well below what "2 miles" means in a query.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from functools import cache, lru_cache
from math import asin, cos, radians, sin, sqrt
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "nyc_geography.json"

EARTH_RADIUS_MI = 3958.7613  # mean radius, 6371.0088 km
# The fewest miles in a degree of latitude anywhere (68.71 at the equator): a latitude window this
# wide can only over-include, so pruning candidates by latitude never loses one.
_MI_PER_DEG_LAT_MIN = 68.7

_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_APOSTROPHES = re.compile(r"['’.]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """ "Randall's Island" -> "randalls-island", "Calvary & Mount Zion Cemeteries" ->
    "calvary-and-mount-zion-cemeteries": the slug rule shared with the build (cli/geography.py)."""
    text = _APOSTROPHES.sub("", name.lower().replace("&", " and "))
    return _NON_WORD.sub("-", text).strip("-")


class _Points:
    """Points sorted by latitude with what the distance loop needs, precomputed once."""

    __slots__ = ("slugs", "lats", "lat_r", "lng_r", "cos_lat")

    def __init__(self, points: dict[str, tuple[float, float]]):
        order = sorted(points, key=lambda s: (points[s][0], s))
        self.slugs = order
        self.lats = [points[s][0] for s in order]
        self.lat_r = [radians(points[s][0]) for s in order]
        self.lng_r = [radians(points[s][1]) for s in order]
        self.cos_lat = [cos(v) for v in self.lat_r]

    def around(self, lat: float, lng: float, radius: float) -> list[tuple[float, str]]:
        """(miles, slug) of the points within `radius` miles, nearest first."""
        span = radius / _MI_PER_DEG_LAT_MIN
        lo = bisect_left(self.lats, lat - span)
        hi = bisect_right(self.lats, lat + span, lo)
        p1, l1 = radians(lat), radians(lng)
        c1 = cos(p1)
        lat_r, lng_r, cos_lat, slugs = self.lat_r, self.lng_r, self.cos_lat, self.slugs
        # compare haversine terms instead of miles: h <= h_max is the same test without asin/sqrt
        s = sin(min(radius / EARTH_RADIUS_MI, 3.14159) / 2)
        h_max = s * s
        found = []
        for k in range(lo, hi):
            a = sin((lat_r[k] - p1) / 2)
            b = sin((lng_r[k] - l1) / 2)
            h = a * a + c1 * cos_lat[k] * b * b
            if h <= h_max:
                found.append((2 * EARTH_RADIUS_MI * asin(sqrt(h)), slugs[k]))
        found.sort()
        return found

    def nearest(self, lat: float, lng: float) -> tuple[float, str]:
        """(miles, slug) of the nearest point: walk out from the query's latitude in both directions
        and stop once the latitude gap alone exceeds the best distance found."""
        p1, l1 = radians(lat), radians(lng)
        c1 = cos(p1)
        lats, lat_r, lng_r, cos_lat = self.lats, self.lat_r, self.lng_r, self.cos_lat
        n = len(lats)
        up = bisect_left(lats, lat)
        down = up - 1
        best_h, best_k = 4.0, -1
        best_span = 360.0  # degrees of latitude the best distance allows
        while up < n or down >= 0:
            for k in (up, down):
                if 0 <= k < n and abs(lats[k] - lat) <= best_span:
                    a = sin((lat_r[k] - p1) / 2)
                    b = sin((lng_r[k] - l1) / 2)
                    h = a * a + c1 * cos_lat[k] * b * b
                    if h < best_h:
                        best_h, best_k = h, k
                        best_span = 2 * EARTH_RADIUS_MI * asin(sqrt(h)) / _MI_PER_DEG_LAT_MIN
            if (up >= n or lats[up] - lat > best_span) and (down < 0 or lat - lats[down] > best_span):
                break
            up += 1
            down -= 1
        return 2 * EARTH_RADIUS_MI * asin(sqrt(best_h)), self.slugs[best_k]


class _Geo:
    __slots__ = (
        "raw",
        "points",
        "hoods",
        "sites",
        "adjacency",
        "bridges",
        "landmarks",
        "landmark_names",
        "zips",
        "bbox",
        "reach",
        "borough_of",
        "hoods_of_borough",
    )

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.points: dict[str, tuple[float, float]] = {}
        for group in ("boroughs", "neighborhoods", "landmarks"):
            for slug, entry in raw[group].items():
                self.points[slug] = (entry["lat"], entry["lng"])
        self.hoods = _Points({s: self.points[s] for s in raw["neighborhoods"]})
        # inside_nyc measures from neighborhoods and landmarks: JFK or Pelham Bay Park are city too
        self.sites = _Points({s: self.points[s] for s in raw["reach_miles"]})
        self.reach: dict[str, float] = raw["reach_miles"]
        self.adjacency: dict[str, list[str]] = dict(raw["adjacency"])
        for slug, lm in raw["landmarks"].items():
            self.adjacency[slug] = lm["adjacent"]
        self.bridges: dict[str, list[tuple[str, float]]] = {}
        for b in raw["bridges"]:
            x, y = b["between"]
            self.bridges.setdefault(x, []).append((y, b["gap_miles"]))
            self.bridges.setdefault(y, []).append((x, b["gap_miles"]))
        self.landmarks: dict[str, dict[str, Any]] = raw["landmarks"]
        self.landmark_names = {slugify(lm["name"]): slug for slug, lm in raw["landmarks"].items()}
        self.zips: dict[str, list[tuple[str, float]]] = {
            z: [(s, share) for s, share in e["neighborhoods"]] for z, e in raw["zips"].items()
        }
        bb = raw["bbox"]
        self.bbox = (bb["south"], bb["west"], bb["north"], bb["east"])
        self.borough_of: dict[str, str] = {s: e["borough"] for s, e in raw["neighborhoods"].items()}
        self.hoods_of_borough: dict[str, list[str]] = {}
        for slug, borough in sorted(self.borough_of.items()):
            self.hoods_of_borough.setdefault(borough, []).append(slug)


@cache
def _geo() -> _Geo:
    return _Geo(json.loads(FIXTURE.read_text()))


def miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in miles (haversine)."""
    p1, p2 = radians(lat1), radians(lat2)
    a = sin((p2 - p1) / 2)
    b = sin(radians(lng2 - lng1) / 2)
    return 2 * EARTH_RADIUS_MI * asin(sqrt(a * a + cos(p1) * cos(p2) * b * b))


def centroid(slug: str) -> tuple[float, float] | None:
    """(lat, lng) of a neighborhood, borough or landmark slug; None for an unknown slug."""
    return _geo().points.get(slug)


def miles_between(a_slug: str, b_slug: str) -> float | None:
    """Miles between two places' centroids; None when either slug is unknown."""
    points = _geo().points
    a, b = points.get(a_slug), points.get(b_slug)
    if a is None or b is None:
        return None
    return miles(a[0], a[1], b[0], b[1])


def adjacent(slug: str) -> list[str]:
    """Neighborhoods that share a boundary on land with a neighborhood or landmark, sorted; [] if unknown.
    Across water they are not adjacent: see bridged()."""
    return list(_geo().adjacency.get(slug, ()))


def bridged(slug: str) -> list[tuple[str, float]]:
    """Neighborhoods joined to this one by a short bridge, with the water gap in miles."""
    return list(_geo().bridges.get(slug, ()))


def _zip_key(code: str | int) -> str | None:
    if isinstance(code, int):
        return f"{code:05d}"
    m = _ZIP.match(str(code).strip())
    return m.group(1) if m else None


def neighborhoods_for_zip(code: str | int) -> list[tuple[str, float]]:
    """(neighborhood slug, share of the ZIP's land area) for an NYC ZIP code, largest share first, shares
    of at least 0.05; [] for a ZIP outside the city or not in the MODZCTA file (PO-box-only codes)."""
    key = _zip_key(code)
    return list(_geo().zips.get(key, ())) if key else []


def is_nyc_zip(code: str | int) -> bool:
    key = _zip_key(code)
    return key is not None and key in _geo().zips


def landmark(slug_or_name: str) -> dict[str, Any] | None:
    """A non-residential area (park, cemetery, airport, ...) by slug or by its NTA name, any case and
    punctuation: {slug, name, kind, borough, lat, lng, area_sq_mi, adjacent}; None if unknown."""
    geo = _geo()
    key = slugify(slug_or_name)
    slug = key if key in geo.landmarks else geo.landmark_names.get(key)
    if slug is None:
        return None
    entry = geo.landmarks[slug]
    return {"slug": slug, **entry, "adjacent": list(entry["adjacent"])}


def nearest_neighborhood(lat: float, lng: float) -> str:
    """The neighborhood whose centroid is nearest (no polygons at run time: near a border this can be
    the neighbor). It answers for any point, in the city or not: ask inside_nyc first."""
    return _geo().hoods.nearest(lat, lng)[1]


def inside_nyc(lat: float, lng: float) -> bool:
    """Whether a point is in New York City: inside the city's bounding box and no farther from its
    nearest neighborhood or landmark centroid than that centroid's reach (the farthest point of the city
    that is nearest to it, computed from the polygons at build time). Every point of the city passes;
    a point in the water or just across a border within that reach passes too (the Hudson off Hoboken,
    Valley Stream's center 0.7 mi past Rosedale), so this tells "in or right next to the city" from
    "elsewhere" (Hoboken, Elmont, Mount Vernon, Jersey City are out)."""
    geo = _geo()
    south, west, north, east = geo.bbox
    if not (south <= lat <= north and west <= lng <= east):
        return False
    d, slug = geo.sites.nearest(lat, lng)
    return d <= geo.reach[slug]


def within(lat: float, lng: float, radius_miles: float) -> list[str]:
    """Neighborhoods whose centroid is within `radius_miles` of the point, nearest first."""
    if radius_miles < 0:
        return []
    return [slug for _, slug in _geo().hoods.around(lat, lng, radius_miles)]


@lru_cache(maxsize=1024)
def distances_from(lat: float, lng: float) -> tuple[dict[str, float], dict[str, float]]:
    """Miles from a point to every neighborhood centroid, and to every borough: 0 for the borough the
    point's nearest neighborhood is in (someone who covers all of Brooklyn comes to any Brooklyn
    address), else its nearest neighborhood. Computed once per point (173 haversines, ~0.1 ms), so
    each teacher's distance is then a few lookups."""
    geo = _geo()
    hoods = {slug: miles(lat, lng, geo.points[slug][0], geo.points[slug][1]) for slug in geo.borough_of}
    here = geo.borough_of[nearest_neighborhood(lat, lng)]
    boroughs = {b: 0.0 if b == here else min(hoods[h] for h in members) for b, members in geo.hoods_of_borough.items()}
    return hoods, boroughs


def distance_to_areas(lat: float, lng: float, neighborhoods: list[str], boroughs: list[str]) -> float | None:
    """Miles from a point to the nearest place a teacher serves (see distances_from); None when it
    serves nowhere (online only)."""
    to_hood, to_borough = distances_from(lat, lng)
    found = [to_hood[h] for h in neighborhoods if h in to_hood] + [to_borough[b] for b in boroughs if b in to_borough]
    return min(found) if found else None
