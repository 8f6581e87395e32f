"""core/replica.py without a database: a replica's lag is the age of the newest primary WAL sample it has
replayed, and /ready's summary of several replicas."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine

from core.replica import ReadRouter, parse_lsn


@pytest.fixture
def router(monkeypatch) -> ReadRouter:
    engines = [create_engine(f"postgresql+psycopg://u@/db?host=/tmp/r{i}&port=5433") for i in range(2)]
    r = ReadRouter(create_engine("postgresql+psycopg://u@/db"), engines, max_lag_seconds=5, check_seconds=1)
    monkeypatch.setattr(time, "monotonic", lambda: 100.0)  # core/replica.py reads time.monotonic()
    # The primary's WAL position sampled 9, 4 and 0 seconds ago.
    r._samples.extend([(91.0, parse_lsn("0/100")), (96.0, parse_lsn("0/200")), (100.0, parse_lsn("0/300"))])
    return r


def test_lsns_compare_as_numbers():
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF") > parse_lsn("0/A")


def test_caught_up_with_the_newest_sample_is_no_lag(router):
    assert router._lag(parse_lsn("0/300")) == 0.0
    assert router._lag(parse_lsn("0/3A0")) == 0.0


def test_lag_is_the_age_of_the_newest_sample_replayed(router):
    assert router._lag(parse_lsn("0/2FF")) == 4.0  # has the sample of 4 s ago, not the newest
    assert router._lag(parse_lsn("0/150")) == 9.0


def test_behind_every_sample_is_unknown_lag(router):
    assert router._lag(parse_lsn("0/50")) is None


def test_ready_summary(router):
    first, second = (router.states[id(e)] for e in router.replicas)
    first.health = second.health = "ok"
    assert router.status()["state"] == "ok"
    second.health = "lagging"
    assert router.status()["state"] == "degraded"
    assert router.pick() is router.replicas[0] and router.pick() is router.replicas[0]  # only the fit one
    first.health = "unavailable"
    assert router.status()["state"] == "primary" and router.pick() is None
    assert ReadRouter(router.primary, [], max_lag_seconds=5, check_seconds=1).status() == {
        "state": "none",
        "replicas": [],
    }
