"""schemathesis over every operation of the OpenAPI schema: generated valid and invalid requests,
as an anonymous caller and as a signed-in user of the right role; no answer may be a 5xx.

CI runs a short pass (FUZZ_EXAMPLES=6 per operation, well under a minute); `make fuzz` runs a long
one (FUZZ_EXAMPLES=200). The fuzzer writes (registers users, books, edits profiles), so it runs in
its own small database, dropped afterwards. A summary goes to var/fuzz/summary.json.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from datetime import date

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from api.app import create_app
from core.settings import PROJECT_ROOT, Settings
from tests import factories as support
from tests.databases import fresh_migrated_database

FUZZ_DB = f"instainstru_fuzz_{os.getpid()}"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SUMMARY = PROJECT_ROOT / "var" / "fuzz" / "summary.json"
STATS: dict = {"operations": set(), "cases": 0, "status": Counter(), "server_errors": [], "wrong_identity": []}


@pytest.fixture(scope="module")
def fuzz_engine(pg_server):
    from core import embedded_pg
    from core.db import make_engine
    from index.build import build
    from services import seeding

    url = fresh_migrated_database(pg_server, FUZZ_DB)
    engine = make_engine(url)
    seeding.seed(engine, instructors=30, seed=11, start=date.today(), quiet=True)
    build(engine, quiet=True)
    yield engine
    support.forget(engine)  # our users vanish with the database
    engine.dispose()
    embedded_pg.drop_database(pg_server, FUZZ_DB)
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(
        json.dumps(
            {
                "examples_per_operation": EXAMPLES,
                "operations": len(STATS["operations"]),
                "cases": STATS["cases"],
                "status_counts": dict(sorted(STATS["status"].items())),
                "server_errors": STATS["server_errors"],
                "wrong_identity": STATS["wrong_identity"],
            },
            indent=2,
        )
    )


@pytest.fixture(scope="module")
def fuzz_app(fuzz_engine):
    # Rate limits off: the fuzzer's hundreds of calls from one address would otherwise mostly get 429.
    return create_app(Settings(rate_limit_enabled=False), engine=fuzz_engine)


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app):
    with TestClient(fuzz_app):  # run the lifespan once (model and lexicons loaded)
        pass
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


# The role each operation is for (by path prefix; the first match wins). Everything else that needs a
# login is a student's (bookings, history, privacy, auth).
ROLES = (("/api/instructor/", "instructor"), ("/api/admin/", "admin"))
# Authenticated answers that may be 401 whatever the caller: the credentials are in the body.
BODY_CREDENTIALS = ("/api/auth/login", "/api/auth/refresh")


def role_for(path: str) -> str:
    return next((role for prefix, role in ROLES if path.startswith(prefix)), "student")


def _identity(engine, path: str, rng: random.Random) -> dict:
    """Half the cases are anonymous; the rest get a fresh user of the role the path is for (an
    instructor with a profile and availability), so a logout-all or an account deletion in one case
    never affects another."""
    if rng.random() < 0.5:
        return {}
    role = role_for(path)
    if role == "instructor":
        return support.make_instructor(engine, days=7).headers
    return support.bearer(support.make_user(engine, role=role))


def _fuzz(operation, mode: GenerationMode, engine, rng: random.Random) -> None:
    name = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        headers = _identity(engine, operation.path, rng)
        response = case.call(headers=headers)
        STATS["operations"].add(name)
        STATS["cases"] += 1
        STATS["status"][str(response.status_code)] += 1
        if response.status_code >= 500:
            STATS["server_errors"].append(
                {
                    "operation": name,
                    "mode": str(mode),
                    "status": response.status_code,
                    "body": response.text[:300],
                    "curl": case.as_curl_command(),
                }
            )
            raise AssertionError(f"{name}: {response.status_code} {response.text[:300]}\n{case.as_curl_command()}")
        if (
            headers
            and response.status_code == 403
            or (headers and response.status_code == 401 and operation.path not in BODY_CREDENTIALS)
        ):
            STATS["wrong_identity"].append(f"{name} as {role_for(operation.path)}: {response.status_code}")
        content_type = response.headers.get("content-type") or [""]
        if 400 <= response.status_code < 500 and str(content_type[0]).startswith("application/json"):
            assert "detail" in response.json(), f"{name}: a refusal without a message: {response.text[:300]}"

    run()


def test_no_operation_answers_5xx(fuzz_schema, fuzz_engine):
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 45  # every operation of the API, not a sample
    rng = random.Random(2024)
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, fuzz_engine, rng)
            except Unsatisfiable:
                continue  # no invalid request exists for an operation without inputs
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
                failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {exc}"[:800])
    assert not failures, "\n\n".join(failures)
    assert not STATS["server_errors"]
    # Signed-in cases carry the role their operation is for: none is refused for who the caller is.
    assert not STATS["wrong_identity"], STATS["wrong_identity"][:20]
