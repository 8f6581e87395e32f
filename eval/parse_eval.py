"""Score ``nls.parse`` against the judged parse sets.

    python -m eval parse                       # data/fixtures/eval/parse_golden.jsonl
    python -m eval parse --set holdout         # data/fixtures/eval/parse_holdout.jsonl
    python -m eval parse --set holdout2        # data/fixtures/eval/parse_holdout2.jsonl (round 2, written blind)
    python -m eval parse --set holdout3        # data/fixtures/eval/parse_holdout3.jsonl (other phrasings, blind)
    python -m eval parse --file my.jsonl --show 50 --json eval/reports/parse.json
    python -m eval parse --fail-below exact=0.95 --fail-below field:service=0.9

Each case is ``{"id", "query", "now", "tz", "expected": {19 fields}, "tags"}``.
The scorer calls ``nls.parse(query, now=datetime.fromisoformat(now), tz=tz)``
and compares every field of ``expected`` with the prediction:

* accuracy per field: share of cases where the normalised values are equal;
* precision / recall / F1 per field, where "positive" means a non-null,
  non-false value: a predicted value equal to the expected one is a TP, a value
  where null is expected is a FP, a null where a value is expected is a FN, a
  wrong value where a value is expected counts as both FP and FN;
* exact match: all 19 fields equal.

Normalisation (see ``normalize``): null, false, an empty list and a location
whose borough and neighborhood are both null all mean "not asked"; numbers are
compared numerically (60 == 60.0, but a bool never equals a number); lists are
compared sorted; a location is compared as ``{"borough", "neighborhood"}``.

The scoring functions take the parse function as an argument, so they can be
tested without ``nls`` (see tests/unit/test_eval_parse.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO_ROOT / "data" / "fixtures" / "eval"
SETS = {
    "golden": EVAL_DIR / "parse_golden.jsonl",
    "holdout": EVAL_DIR / "parse_holdout.jsonl",
    "holdout2": EVAL_DIR / "parse_holdout2.jsonl",
    "holdout3": EVAL_DIR / "parse_holdout3.jsonl",
}

# Every contract field except `query` and `text`, in contract order.
FIELDS: tuple[str, ...] = (
    "service",
    "category",
    "price_min",
    "price_max",
    "price_intent",
    "location",
    "near_me",
    "format",
    "dates",
    "weekdays",
    "start_time",
    "end_time",
    "age",
    "audience",
    "level",
    "duration_minutes",
    "min_rating",
    "lesson_language",
    "urgency",
)

ParseFn = Callable[..., Any]

_MISSING = object()


# --------------------------------------------------------------------------- loading


def load_cases(path: str | Path) -> list[dict]:
    """Read a JSONL set: one case per non-blank line."""
    cases = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON: {exc}") from exc
            cases.append(case)
    return cases


# ----------------------------------------------------------------------- comparison


def _to_plain(value: Any) -> Any:
    """Turn a pydantic model / dataclass / object into plain dicts and lists."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "model_dump"):
        return _to_plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _to_plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_to_plain(v) for v in value]
    if hasattr(value, "isoformat"):  # date / time objects
        return value.isoformat()
    if hasattr(value, "value") and type(value).__module__ != "builtins":  # Enum
        return _to_plain(value.value)
    if hasattr(value, "__dict__"):
        return {k: _to_plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


def prediction_fields(result: Any) -> dict[str, Any]:
    """Extract the 19 scored fields from whatever ``parse`` returned."""
    if (
        hasattr(result, "model_dump")
        or isinstance(result, dict)
        or (dataclasses.is_dataclass(result) and not isinstance(result, type))
    ):
        plain = _to_plain(result)
        return {f: plain.get(f) for f in FIELDS}
    return {f: _to_plain(getattr(result, f, None)) for f in FIELDS}


def normalize(field: str, value: Any) -> Any:
    """Canonical form of one field value; ``None`` means "not asked"."""
    value = _to_plain(value)
    if value is None or value is False:
        return None
    if field == "location":
        if not isinstance(value, dict):
            return ("<not-an-object>", repr(value))
        loc = {"borough": value.get("borough"), "neighborhood": value.get("neighborhood")}
        if loc["borough"] is None and loc["neighborhood"] is None:
            return None
        return loc
    if isinstance(value, list):
        if not value:
            return None
        items = [normalize("", v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=repr)
    if isinstance(value, bool):  # True (False was handled above); never equal to a number
        return ("<bool>", True)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return ("<nan>",)
        return float(value)
    return value


def values_equal(field: str, expected: Any, got: Any) -> bool:
    return normalize(field, expected) == normalize(field, got)


def is_positive(field: str, value: Any) -> bool:
    return normalize(field, value) is not None


# -------------------------------------------------------------------------- scoring


@dataclasses.dataclass
class FieldStats:
    n: int = 0
    correct: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def precision(self) -> float | None:
        d = self.tp + self.fp
        return self.tp / d if d else None

    @property
    def recall(self) -> float | None:
        d = self.tp + self.fn
        return self.tp / d if d else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if (p + r) else 0.0

    def add(self, expected: Any, got: Any, field: str) -> str | None:
        """Count one comparison; return the failure kind or None when equal."""
        self.n += 1
        exp_pos, got_pos = is_positive(field, expected), is_positive(field, got)
        equal = values_equal(field, expected, got)
        if equal:
            self.correct += 1
            if exp_pos:
                self.tp += 1
            return None
        if exp_pos and got_pos:
            self.fp += 1
            self.fn += 1
            return "wrong"
        if got_pos:
            self.fp += 1
            return "spurious"
        self.fn += 1
        return "missed"

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "correct": self.correct,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "accuracy": self.accuracy,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclasses.dataclass
class Report:
    cases: list[dict]
    fields: dict[str, FieldStats]
    exact: int
    errors: int

    @property
    def n(self) -> int:
        return len(self.cases)

    @property
    def exact_rate(self) -> float | None:
        return self.exact / self.n if self.n else None

    def failures(self) -> list[dict]:
        out = []
        for case in self.cases:
            if case.get("error"):
                out.append(
                    {
                        "id": case["id"],
                        "query": case["query"],
                        "field": "<error>",
                        "kind": "error",
                        "expected": None,
                        "got": case["error"],
                    }
                )
            for field, diff in case["diffs"].items():
                out.append(
                    {
                        "id": case["id"],
                        "query": case["query"],
                        "field": field,
                        "kind": diff["kind"],
                        "expected": diff["expected"],
                        "got": diff["got"],
                    }
                )
        return out

    def failure_kinds(self) -> Counter:
        """Count failures by (field, kind), e.g. ("price_max", "missed")."""
        return Counter((f["field"], f["kind"]) for f in self.failures())

    def by_tag(self) -> dict[str, tuple[int, int]]:
        """tag -> (cases, exact matches)."""
        acc: dict[str, list[int]] = {}
        for case in self.cases:
            for tag in case.get("tags") or []:
                slot = acc.setdefault(tag, [0, 0])
                slot[0] += 1
                slot[1] += int(case["exact"])
        return {k: (v[0], v[1]) for k, v in sorted(acc.items())}

    def metrics(self) -> dict:
        return {
            "cases": self.n,
            "exact": self.exact_rate,
            "exact_count": self.exact,
            "errors": self.errors,
            "fields": {f: s.as_dict() for f, s in self.fields.items()},
            "tags": {t: {"cases": n, "exact": e / n if n else None} for t, (n, e) in self.by_tag().items()},
        }

    def metric(self, name: str) -> float | None:
        """Look up ``exact`` or ``field:<name>`` (accuracy) or ``field:<name>.<stat>``."""
        if name == "exact":
            return self.exact_rate
        if name.startswith("field:"):
            spec = name[len("field:") :]
            field, _, stat = spec.partition(".")
            stat = stat or "accuracy"
            if field not in self.fields or stat not in ("accuracy", "precision", "recall", "f1"):
                raise KeyError(name)
            return getattr(self.fields[field], stat)
        raise KeyError(name)


def score_cases(cases: Iterable[dict], parse_fn: ParseFn) -> Report:
    """Run ``parse_fn(query, now=datetime, tz=str)`` on each case and score it."""
    fields = {f: FieldStats() for f in FIELDS}
    results: list[dict] = []
    exact = errors = 0
    for case in cases:
        expected = case["expected"]
        error = None
        try:
            now = datetime.fromisoformat(case["now"])
            raw = parse_fn(case["query"], now=now, tz=case["tz"])
            got = prediction_fields(raw)
        except Exception as exc:  # the contract says parse never raises: record it
            error = f"{type(exc).__name__}: {exc}"
            got = dict.fromkeys(FIELDS)
            errors += 1
        diffs = {}
        for field in FIELDS:
            exp_value = expected.get(field)
            kind = fields[field].add(exp_value, got[field], field)
            if kind is not None:
                diffs[field] = {"kind": kind, "expected": exp_value, "got": got[field]}
        is_exact = not diffs and error is None
        exact += int(is_exact)
        results.append(
            {
                "id": case.get("id"),
                "query": case["query"],
                "tags": case.get("tags", []),
                "exact": is_exact,
                "error": error,
                "diffs": diffs,
                "got": got,
            }
        )
    return Report(cases=results, fields=fields, exact=exact, errors=errors)


# ------------------------------------------------------------------------ reporting


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:5.1f}%"


def _short(value: Any, limit: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(report: Report, label: str, show: int, console=None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = console or Console()

    fields = Table(title=f"parse eval — {label} — per field", title_justify="left")
    for col in ("field", "accuracy", "precision", "recall", "F1", "TP", "FP", "FN"):
        fields.add_column(col, justify="left" if col == "field" else "right")
    for name, s in report.fields.items():
        fields.add_row(
            name, _pct(s.accuracy), _pct(s.precision), _pct(s.recall), _pct(s.f1), str(s.tp), str(s.fp), str(s.fn)
        )
    console.print(fields)

    tags = Table(title="exact match by tag", title_justify="left")
    tags.add_column("tag")
    tags.add_column("cases", justify="right")
    tags.add_column("exact", justify="right")
    for tag, (n, e) in report.by_tag().items():
        tags.add_row(Text(tag), str(n), _pct(e / n if n else None))
    console.print(tags)

    kinds = report.failure_kinds()
    if kinds:
        kt = Table(title="most common failure kinds", title_justify="left")
        kt.add_column("field")
        kt.add_column("kind")
        kt.add_column("count", justify="right")
        for (field, kind), count in kinds.most_common(15):
            kt.add_row(field, kind, str(count))
        console.print(kt)

    failures = report.failures()
    if failures and show > 0:
        ft = Table(
            title=f"failures (first {min(show, len(failures))} of {len(failures)})",
            title_justify="left",
            show_lines=False,
        )
        ft.add_column("id", no_wrap=True)
        ft.add_column("query", overflow="fold", max_width=48)
        ft.add_column("field", no_wrap=True)
        ft.add_column("expected", overflow="fold", max_width=40)
        ft.add_column("got", overflow="fold", max_width=40)
        for f in failures[:show]:
            ft.add_row(
                Text(str(f["id"])),
                Text(_short(f["query"], 80)),
                Text(f["field"]),
                Text(_short(f["expected"])),
                Text(_short(f["got"])),
            )
        console.print(ft)

    console.print(
        f"[bold]{escape(label)}[/bold]: {report.n} cases, exact match "
        f"[bold]{_pct(report.exact_rate).strip()}[/bold] ({report.exact}/{report.n}), "
        f"parse errors {report.errors}"
    )


# ---------------------------------------------------------------------- entry point


def _parse_threshold(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number in {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval parse", description="Score nls.parse on a judged set.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--set", choices=sorted(SETS), default="golden", help="named set (default: golden)")
    src.add_argument("--file", type=Path, help="path to a JSONL set instead of a named one")
    p.add_argument("--show", type=int, default=30, metavar="N", help="failures to list (default 30)")
    p.add_argument("--json", type=Path, metavar="PATH", help="write metrics and per-case results here")
    p.add_argument(
        "--fail-below",
        type=_parse_threshold,
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="exit 1 if METRIC < VALUE; METRIC is `exact`, `field:<name>` (accuracy) "
        "or `field:<name>.precision|recall|f1`; repeatable",
    )
    return p


def _load_parser() -> ParseFn:
    """Import nls.parse or exit with one clear line."""
    try:
        import nls  # noqa: PLC0415
    except Exception as exc:  # ImportError, or an error inside the package
        print(f"error: cannot import nls ({type(exc).__name__}: {exc}); is the parser written yet?", file=sys.stderr)
        raise SystemExit(2) from None
    fn = getattr(nls, "parse", None)
    if not callable(fn):
        print("error: nls imports but has no callable nls.parse(text, now, tz)", file=sys.stderr)
        raise SystemExit(2)
    return fn


def run(args: argparse.Namespace, parse_fn: ParseFn | None = None, console=None) -> int:
    path = args.file or SETS[args.set]
    label = str(args.file) if args.file else args.set
    try:
        cases = load_cases(path)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    for name, _ in args.fail_below:  # validate before the (slow) run
        try:
            Report([], {f: FieldStats() for f in FIELDS}, 0, 0).metric(name)
        except KeyError:
            print(f"error: unknown metric {name!r} (use exact or field:<name>)", file=sys.stderr)
            return 2
    parse_fn = parse_fn or _load_parser()
    report = score_cases(cases, parse_fn)
    render(report, label, args.show, console=console)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"set": label, "path": str(path), "metrics": report.metrics(), "cases": report.cases}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")

    status = 0
    for name, threshold in args.fail_below:
        value = report.metric(name)
        if value is None or value < threshold:
            shown = "n/a" if value is None else f"{value:.4f}"
            print(f"FAIL: {name} = {shown} < {threshold}", file=sys.stderr)
            status = 1
    return status


def main(argv: list[str] | None = None, parse_fn: ParseFn | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args, parse_fn=parse_fn)


if __name__ == "__main__":
    sys.exit(main())
