"""First results after Enter, as a student sees them: Debian's Chromium on the student page of a real
uvicorn (1 worker) over the 2,000-instructor demo database that `make run` serves.

The clock starts at the Enter keydown (a capture listener in the page) and stops when the first result
card is in the list and the list is no longer busy; it includes the fetch, the search, JSON and drawing.
Each query is asked twice: new (nothing cached) and again (the answer cached).

    python -m bench.bench_page            (figures to var/bench/page.json)
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.bench_load import free_port, start_api, stop
from cli.setup import prepare
from core.settings import PROJECT_ROOT, get_settings

QUERIES = [
    "piano for my 8 year old in park slope",
    "spanish conversation online under $50",
    "swim lessons for a 6 year old in queens",
    "sat prep this weekend",
    "guitar lessons in astoria",
    "yoga for beginners tuesday evening",
    "chess coach for kids",
    "violin teacher upper west side",
    "math tutor algebra 2",
    "ballet for toddlers brooklyn",
    "french lessons near union square",
    "drum lessons for teens",
    "python coding for kids online",
    "tennis lessons in the bronx",
    "singing lessons saturday morning",
    "photography class weekend",
    "ielts preparation",
    "boxing trainer in harlem",
    "watercolor painting for adults",
    "help my kid with reading",
]
START = """() => {
  window.__t0 = null; window.__t1 = null;
  document.addEventListener("keydown", (e) => { if (e.key === "Enter") window.__t0 = performance.now(); }, { capture: true, once: true });
  const cards = document.getElementById("cards"), results = document.getElementById("results");
  const seen = new MutationObserver(() => {
    if (window.__t0 !== null && window.__t1 === null && cards.querySelector(".card") && results.getAttribute("aria-busy") === "false") {
      window.__t1 = performance.now(); seen.disconnect();
    }
  });
  seen.observe(cards, { childList: true });
}"""


def _after_enter(page, query: str) -> float:
    box = page.get_by_label("What do you want to learn?")
    box.fill(query)
    page.evaluate(START)
    box.press("Enter")
    page.wait_for_function("window.__t1 !== null", timeout=30_000)
    return float(page.evaluate("window.__t1 - window.__t0"))


def main() -> None:
    url = prepare(get_settings())
    port = free_port()
    log = Path(tempfile.gettempdir()) / "bench_page_api.log"
    api = start_api(url, 1, port, log)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    new: list[float] = []
    again: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
            # the page's CSP forbids eval, which Playwright's wait_for_function needs; nothing else changes
            page = browser.new_page(viewport={"width": 1366, "height": 850}, bypass_csp=True)
            page.goto(f"http://127.0.0.1:{port}/")
            _after_enter(page, "tutoring")  # first paint, fonts and the page's own start-up out of the way
            for query in QUERIES:
                new.append(_after_enter(page, query))
                again.append(_after_enter(page, query))
            browser.close()
    finally:
        stop(api)
    figures = {
        "queries": len(QUERIES),
        "new_ms": {"p50": round(statistics.median(new), 1), "max": round(max(new), 1)},
        "again_ms": {"p50": round(statistics.median(again), 1), "max": round(max(again), 1)},
    }
    out = PROJECT_ROOT / "var" / "bench" / "page.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
