"""F4: two deployments on one Redis never share keys. Every key (search cache and its version, rate-limit
counters, login throttles and lockouts, registration and reset caps) is prefixed by the deployment's
namespace: REDIS_NAMESPACE when set, else one derived from the database's identity (the Postgres
cluster's system identifier and the database), which differs between two installs even when both
use an embedded Postgres with the same database name."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from api.app import create_app
from core import embedded_pg, migrate
from core.db import make_engine
from core.settings import Settings


@pytest.fixture(scope="module")
def other_install(tmp_path_factory, db_url):
    """A second install: its own embedded Postgres cluster holding a database of the same name."""
    folder = tmp_path_factory.mktemp("other-install") / "pgdata"
    server = embedded_pg.start(folder)
    name = make_url(db_url).database
    assert name
    embedded_pg.ensure_database(server, name)
    url = embedded_pg.url_for(server, name)
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    embedded_pg._servers.pop(folder.resolve(), None)
    server.cleanup()


def _ip() -> str:
    return f"10.52.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def test_cache_versions_are_per_install(engine, other_install):
    one = create_app(Settings(), engine=engine)
    two = create_app(Settings(), engine=other_install)
    before = two.state.cache.version()
    mine = one.state.cache.version()
    one.state.cache.bump()
    assert one.state.cache.version() != mine
    assert two.state.cache.version() == before


def test_rate_limits_are_per_install(engine, other_install):
    settings = Settings(rate_auth_per_ip=2)
    ip = _ip()
    one = TestClient(create_app(settings, engine=engine), client=(ip, 1))
    two = TestClient(create_app(settings, engine=other_install), client=(ip, 1))
    assert [one.post("/api/auth/refresh").status_code for _ in range(3)] == [401, 401, 429]
    assert two.post("/api/auth/refresh").status_code == 401


def test_login_lockouts_are_per_install(engine, other_install):
    settings = Settings(rate_limit_enabled=False)
    email = f"lock-{uuid.uuid4().hex[:8]}@namespace.test"
    one = create_app(settings, engine=engine)
    codes = [
        TestClient(one, client=(_ip(), 1))
        .post("/api/auth/login", json={"email": email, "password": "nope"})
        .status_code
        for _ in range(6)
    ]
    assert codes[-1] == 429  # locked on the first install
    two = TestClient(create_app(settings, engine=other_install), client=(_ip(), 1))
    assert two.post("/api/auth/login", json={"email": email, "password": "nope"}).status_code == 401


def test_an_explicit_namespace_decides(engine):
    a = create_app(Settings(redis_namespace=f"a-{uuid.uuid4().hex}"), engine=engine)
    b = create_app(Settings(redis_namespace=f"b-{uuid.uuid4().hex}"), engine=engine)
    shared = f"s-{uuid.uuid4().hex}"
    c, d = (create_app(Settings(redis_namespace=shared), engine=engine) for _ in range(2))
    before_b, before_d = b.state.cache.version(), d.state.cache.version()
    a.state.cache.bump()
    c.state.cache.bump()
    assert b.state.cache.version() == before_b
    assert d.state.cache.version() != before_d


def test_processes_of_one_install_share_the_namespace(engine):
    one, two = create_app(Settings(), engine=engine), create_app(Settings(), engine=engine)
    before = two.state.cache.version()
    one.state.cache.bump()
    assert two.state.cache.version() != before
