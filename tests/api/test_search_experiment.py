"""A running interleaving experiment (var/experiment.json) interleaves its share of first pages in
relevance order, keeps each result's config in the impression, and credits clicks and bookings."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from services import experiments
from tests.factories import new_client


@pytest.fixture(scope="module")
def client(indexed_engine):
    with new_client(indexed_engine) as c:
        yield c


@pytest.fixture
def running(tmp_path, monkeypatch):
    path = tmp_path / "experiment.json"
    name = f"cheap-vs-base-{uuid.uuid4().hex[:6]}"
    path.write_text(json.dumps({"name": name, "a": "base", "b": "cheapest", "share": 1.0}))
    monkeypatch.setattr(experiments, "ACTIVE_FILE", path)
    return name


def _impression(client, engine, search_id: str):
    client.app.state.impressions.flush()
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT experiment, teams, result_ids FROM search_impressions WHERE id = :i"), {"i": search_id}
        ).one()


def test_an_interleaved_answer_shows_the_same_results_and_keeps_the_teams(client, indexed_engine, monkeypatch, running):
    params = {"q": "piano lessons", "limit": 10}
    path = experiments.ACTIVE_FILE
    monkeypatch.setattr(experiments, "ACTIVE_FILE", path.with_name("none.json"))  # no experiment
    plain = client.get("/api/search", params=params).json()
    assert _impression(client, indexed_engine, plain["search_id"]).experiment is None
    monkeypatch.setattr(experiments, "ACTIVE_FILE", path)
    shown = client.get("/api/search", params=params).json()
    ids = [r["instructor_service_id"] for r in shown["results"]]
    assert sorted(ids) == sorted(r["instructor_service_id"] for r in plain["results"])
    row = _impression(client, indexed_engine, shown["search_id"])
    assert row.experiment == running and len(row.teams) == len(ids) and set(row.teams) == {"A", "B"}
    assert [str(i) for i in row.result_ids] == ids
    for other in ({"sort": "price"}, {"offset": 10}):
        again = client.get("/api/search", params={**params, **other}).json()
        assert _impression(client, indexed_engine, again["search_id"]).experiment is None


def test_clicks_and_bookings_are_credited_to_the_config_behind_the_result(client, indexed_engine, running):
    for _ in range(3):
        shown = client.get("/api/search", params={"q": "guitar lessons", "limit": 10}).json()
        teams = _impression(client, indexed_engine, shown["search_id"]).teams
        position = teams.index("B") + 1
        chosen = shown["results"][position - 1]["instructor_service_id"]
        for kind in ("result_click", "profile_view"):  # one result clicked twice counts once
            client.post(
                f"/api/search/{shown['search_id']}/events",
                json={"kind": kind, "position": position, "instructor_service_id": chosen},
            )
    now = datetime.now(UTC)
    with Session(indexed_engine) as db:
        outcomes = experiments.outcomes(
            db, name=running, since=now - timedelta(minutes=5), until=now + timedelta(minutes=1)
        )
    assert outcomes == ["B", "B", "B"]


def test_a_broken_experiment_file_runs_no_experiment(client, indexed_engine, tmp_path, monkeypatch):
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "a": "base", "b": "no-such-config", "share": 1}')
    monkeypatch.setattr(experiments, "ACTIVE_FILE", broken)
    answer = client.get("/api/search", params={"q": "piano lessons", "limit": 5})
    assert answer.status_code == 200
    assert _impression(client, indexed_engine, answer.json()["search_id"]).experiment is None
