"""The student page stays small and build-free: its HTML, CSS and JS together weigh under 60 KB
uncompressed (the neighborhood outlines are data fetched when a map opens, not counted), and it
loads nothing but its own three files on first paint."""

from __future__ import annotations

from api.routes.web import WEB_DIR

LIMIT = 60_000  # bytes


def test_html_css_and_js_weigh_under_60_kb():
    weight = sum((WEB_DIR / name).stat().st_size for name in ("index.html", "style.css", "app.js"))
    assert weight < LIMIT, f"{weight} bytes"
    assert {p.name for p in WEB_DIR.iterdir() if p.is_file()} == {"index.html", "style.css", "app.js"}


def test_the_first_load_fetches_only_the_page_and_the_api(page, live_server):
    fetched = []
    page.on("request", lambda r: fetched.append(r.url.removeprefix(live_server)))
    page.goto("/")
    page.locator("#categories button").first.wait_for()
    files = [u for u in fetched if not u.startswith("/api/")]
    assert files == ["/", "/static/style.css", "/static/app.js"], files
