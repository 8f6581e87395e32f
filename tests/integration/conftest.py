"""Integration tests that commit through the factories delete what they made when the module ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import factories


@pytest.fixture(scope="module", autouse=True)
def _remove_created_rows() -> Iterator[None]:
    yield
    factories.cleanup()
