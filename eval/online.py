"""Online search quality from the impressions and events the API records (services/analytics.py):
``python -m eval online --since 7d [--out DIR]``.

Writes report.md (queries per day, zero-result and relaxation rates, click-through at 1/3/10, mean
reciprocal rank of the first click, booking conversion, top zero-result and abandoned queries, the same
metrics by query kind), insights.json, and two plots: per_day.png and by_kind.png. The numbers are
those of GET /api/admin/search-insights (services/analytics_insights.py) over the same period.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import utc_now

EVAL_ROOT = Path(__file__).resolve().parent
REPORTS = EVAL_ROOT / "reports"
RATES = ("zero_result_rate", "relaxation_rate", "ctr_at_1", "ctr_at_3", "ctr_at_10", "mrr_first_click")
PLOTTED = ("ctr_at_1", "ctr_at_3", "ctr_at_10", "mrr_first_click", "booking_conversion")
_PERIOD = re.compile(r"^(\d{1,5})([mhdw])$")


def period(text: str) -> timedelta:
    """'30m', '24h', '7d', '2w' as a duration."""
    match = _PERIOD.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number and m, h, d or w, e.g. 7d")
    n, unit = int(match.group(1)), match.group(2)
    if n < 1:
        raise argparse.ArgumentTypeError("the period must be at least 1")
    return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def render(insights: dict[str, Any], *, plots: bool = True) -> str:
    metrics = ("searches", *RATES, "booking_conversion")
    lines = [
        "# Online search report",
        "",
        f"Searches from {insights['since'][:16].replace('T', ' ')} to {insights['until'][:16].replace('T', ' ')} UTC. "
        "A search is the first page of an answer that was submitted or acted on (typing nobody looked at is "
        "left out); click-through at k: a click on a result at position k or better; MRR: 1 / the position "
        "of the first click (0 without one); conversion: a booking made from a result.",
        "",
        "| kind | " + " | ".join(metrics) + " |",
        "| --- | " + " | ".join("---:" for _ in metrics) + " |",
    ]
    rows = {"all": insights["overall"], **insights["by_kind"]}
    for kind, values in rows.items():
        lines.append(f"| {kind} | " + " | ".join(_fmt(values.get(m)) for m in metrics) + " |")
    lines += ["", "## Per day", "", "| day | searches | zero-result rate | CTR@3 |", "| --- | ---: | ---: | ---: |"]
    for day in insights["per_day"]:
        lines.append(
            f"| {day['day']} | {day['searches']} | {_fmt(day['zero_result_rate'])} | {_fmt(day['ctr_at_3'])} |"
        )
    for title, key in (("Top zero-result queries", "top_zero_result"), ("Top abandoned queries", "top_abandoned")):
        lines += ["", f"## {title}", "", "| query | searches |", "| --- | ---: |"]
        lines += [f"| {q['query']} | {q['searches']} |" for q in insights[key]] or ["| (none) | |"]
    if plots:
        lines += ["", "![searches per day](per_day.png)", "", "![metrics by query kind](by_kind.png)"]
    return "\n".join(lines) + "\n"


def plot_per_day(path: Path, insights: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = insights["per_day"]
    fig, ax = plt.subplots(figsize=(8, 4))
    labels = [d["day"][5:] for d in days]
    ax.bar(labels, [d["searches"] for d in days], width=0.5, color="#9db4cc", label="searches")
    ax.set_ylabel("searches")
    rates = ax.twinx()
    rates.plot(
        labels, [d["zero_result_rate"] or 0 for d in days], marker="o", color="#8a1111", label="zero-result rate"
    )
    rates.plot(labels, [d["ctr_at_3"] or 0 for d in days], marker="s", color="#0b5cad", label="CTR@3")
    rates.set_ylim(0, 1.05)
    rates.set_ylabel("rate")
    ax.set_title("Searches per day")
    fig.legend(loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_by_kind(path: Path, insights: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    kinds = {"all": insights["overall"], **insights["by_kind"]}
    x = np.arange(len(PLOTTED))
    width = 0.8 / len(kinds)
    fig, ax = plt.subplots(figsize=(9, 4))
    for i, (kind, values) in enumerate(kinds.items()):
        bars = ax.bar(
            x + i * width - 0.4 + width / 2,
            [values.get(m) or 0.0 for m in PLOTTED],
            width,
            label=f"{kind} ({values['searches']})",
        )
        ax.bar_label(bars, fmt="%.2f", fontsize=6)
    ax.set_xticks(x, PLOTTED)
    ax.set_ylim(0, 1.1)
    ax.set_title("Clicks and bookings by query kind (searches in brackets)")
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out_dir: Path, insights: dict[str, Any]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "insights.json").write_text(json.dumps(insights, indent=2) + "\n")
    plot_per_day(out_dir / "per_day.png", insights)
    plot_by_kind(out_dir / "by_kind.png", insights)
    report = out_dir / "report.md"
    report.write_text(render(insights))
    return report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval online", description=__doc__.splitlines()[0])
    ap.add_argument("--since", type=period, default=period("7d"), help="how far back: 30m, 24h, 7d, 2w (default 7d)")
    ap.add_argument("--out", type=Path, default=None, help="report folder (default eval/reports/online-<stamp>)")
    args = ap.parse_args(argv)

    from sqlalchemy.orm import Session

    from core.db import get_engine
    from services import analytics_insights

    until: datetime = utc_now()
    with Session(get_engine()) as db:
        insights = analytics_insights.insights(db, since=until - args.since, until=until)
    out_dir = args.out or REPORTS / f"online-{until:%Y%m%d-%H%M%S}"
    report = write_report(out_dir, insights)
    overall = insights["overall"]
    print(
        f"{overall['searches']} searches; zero-result {_fmt(overall['zero_result_rate'])}, "
        f"CTR@3 {_fmt(overall['ctr_at_3'])}, MRR {_fmt(overall['mrr_first_click'])}, "
        f"conversion {_fmt(overall['booking_conversion'])}; report: {report}"
    )
    return 0
