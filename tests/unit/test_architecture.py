"""Structure the issue asked for, checked on the source: one domain-error family, routes that hold
HTTP only (no commits, no imports of one another), one market clock."""

from __future__ import annotations

import ast
from pathlib import Path

from core.settings import PROJECT_ROOT

ROUTES = sorted((PROJECT_ROOT / "api" / "routes").glob("*.py"))
HTTP_LAYER = [
    p for p in (*ROUTES, PROJECT_ROOT / "api" / "recording.py", PROJECT_ROOT / "api" / "caching.py") if p.exists()
]
# Errors that never leave their module's callers as an HTTP answer (a token that does not decode is
# turned into a 401 by api.security): not domain errors.
INTERNAL_ERRORS = {("services/tokens.py", "InvalidToken")}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_route_modules_do_not_import_each_other():
    offenders = {p.name: sorted(i for i in _imports(_tree(p)) if i.startswith("api.routes")) for p in ROUTES}
    assert not {k: v for k, v in offenders.items() if v}


def test_routes_never_commit_or_roll_back():
    calls = [
        f"{p.relative_to(PROJECT_ROOT)}:{node.lineno} {node.func.attr}"
        for p in HTTP_LAYER
        for node in ast.walk(_tree(p))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]
    assert not calls


def test_one_domain_error_family():
    """Every exception class in services/ is in services/errors.py (and derives from DomainError there)."""
    found = []
    for path in sorted((PROJECT_ROOT / "services").glob("*.py")):
        rel = str(path.relative_to(PROJECT_ROOT))
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name)
                and (
                    b.id.endswith(("Error", "Exception"))
                    or b.id in ("NotFound", "Conflict", "Invalid", "Refused", "BadRequest", "Unauthorized", "Throttled")
                )
                for b in node.bases
            ):
                if rel != "services/errors.py" and (rel, node.name) not in INTERNAL_ERRORS:
                    found.append(f"{rel}: {node.name}")
    assert not found, f"domain errors outside services/errors.py: {found}"
    from services import errors

    family = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert all(issubclass(c, errors.DomainError) for c in family)
    assert len({c.__name__ for c in family}) == len(family)


def test_one_market_clock():
    """The market's zone and "now" come from core.clock (index/ keeps its own until its owner switches)."""
    offenders = []
    for layer in ("api", "services", "core", "cli", "models", "bench"):
        for path in sorted((PROJECT_ROOT / layer).rglob("*.py")):
            if path == PROJECT_ROOT / "core" / "clock.py":
                continue
            text = path.read_text()
            if 'ZoneInfo("America/New_York")' in text or "MARKET_TZ =" in text or "def utc_now" in text:
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert not offenders
