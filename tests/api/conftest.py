"""API tests commit to the shared test database: the users the factories made in a module are
deleted (with their profiles, bookings and emails) when the module ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from tests import factories


@pytest.fixture(scope="module", autouse=True)
def _remove_created_rows() -> Iterator[None]:
    yield
    factories.cleanup()


@pytest.fixture(scope="module")
def client(engine) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), engine=engine)) as c:
        yield c
