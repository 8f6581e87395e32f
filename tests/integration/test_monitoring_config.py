"""monitoring/ as code: promtool accepts the Prometheus config and the alert rules (and the rules' own
unit tests pass), the Grafana dashboards are valid JSON with unique panel ids, every metric named in a
rule or a panel is served by /metrics of a running API (a real uvicorn process with the monitoring
key), monitoring/README.md lists every panel with its queries, and the real Prometheus binary scrapes
the API with the key and answers a query about one of its series."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.db
MONITORING = PROJECT_ROOT / "monitoring"
DASHBOARDS = sorted((MONITORING / "grafana").glob("*.json"))
KEY = "monitoring-key-for-tests-0123456789abcdef"
# Series Prometheus makes itself (not served by /metrics).
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan",
}  # fmt: skip


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed: `make test` installs Debian's prometheus package (promtool, prometheus)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rules() -> list[dict]:
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _panel_queries() -> list[tuple[str, str, str]]:
    return [
        (path.name, panel["title"], target["expr"])
        for path in DASHBOARDS
        for panel in json.loads(path.read_text())["panels"]
        for target in panel["targets"]
    ]


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads (not its functions, keywords, labels or durations)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range durations
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        rest = expr[match.end() :].lstrip()
        if rest.startswith("(") or match.group(0).lower() in PROMQL_WORDS:
            continue  # a function, or a keyword
        names.add(match.group(0))
    return names


def served_names(exposition: str) -> set[str]:
    """Every sample name a /metrics text can hold: its samples, and each family's by its type."""
    names = {line.split("{")[0].split(" ")[0] for line in exposition.splitlines() if line and not line.startswith("#")}
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            if kind == "counter":
                base = name.removesuffix("_total")
                names |= {base + "_total", base + "_created"}
            elif kind in ("histogram", "summary"):
                names |= {name + "_bucket", name + "_count", name + "_sum", name + "_created"}
            else:
                names.add(name)
    return names


def test_metric_name_extraction():
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(http_seconds_bucket{route=~"/api/.*",le="1e-3"}[5m]))) '
        "/ clamp_min(sum(rate(other_total[1h] offset 5m)), 1e-9) > 0.5 and on(job) up == 0"
    )
    assert metric_names(expr) == {"http_seconds_bucket", "other_total", "up"}


@pytest.fixture(scope="module")
def promtool_dir(tmp_path_factory) -> Path:
    """The monitoring folder with a key file where prometheus.yml expects it (it is not in git)."""
    folder = tmp_path_factory.mktemp("monitoring")
    shutil.copytree(MONITORING, folder, dirs_exist_ok=True)
    (folder / "monitoring-key").write_text(KEY)
    return folder


def test_promtool_checks_the_config_and_the_rules(promtool_dir):
    promtool = _tool("promtool")
    config = subprocess.run(
        [promtool, "check", "config", "prometheus.yml"], cwd=promtool_dir, capture_output=True, text=True
    )
    assert config.returncode == 0, config.stdout + config.stderr
    assert "SUCCESS: 1 rule files found" in config.stdout + config.stderr
    rules = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=promtool_dir, capture_output=True, text=True)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in rules.stdout + rules.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", "tests/alerts_test.yml"], cwd=promtool_dir, capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_alerts_asked_for_exist():
    exprs = {rule["alert"]: rule["expr"] for rule in _rules()}
    wanted = {
        "InstaInstruHighErrorRate": "instainstru_http_requests_total",
        "InstaInstruSearchLatencyHigh": "instainstru_http_request_duration_seconds_bucket",
        "InstaInstruServiceUnavailable": "instainstru_db_unavailable_total",
        "InstaInstruRedisBreakerOpen": "instainstru_redis_circuit_open",
        "InstaInstruOutboxBacklog": "instainstru_outbox_pending",
        "InstaInstruReplicaLag": "instainstru_db_replica_lag_seconds",
    }
    for alert, metric in wanted.items():
        assert metric in metric_names(exprs[alert]), alert


def test_dashboards_are_valid_json_with_unique_panel_ids():
    assert [p.name for p in DASHBOARDS] == ["api-overview.json", "bookings.json", "search.json"]
    uids = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        assert board["uid"] not in uids
        uids.add(board["uid"])
        assert any(v["name"] == "datasource" for v in board["templating"]["list"])
        for panel in board["panels"]:
            assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel["title"]
            refs = [t["refId"] for t in panel["targets"]]
            assert len(refs) == len(set(refs)) and {"x", "y", "w", "h"} <= set(panel["gridPos"])


def test_the_readme_lists_every_panel_with_its_queries():
    readme = (MONITORING / "README.md").read_text()
    for _, title, expr in _panel_queries():
        assert title in readme, title
        assert expr.replace("|", "\\|") in readme, expr


@pytest.fixture(scope="module")
def live_api(db_url, indexed_engine) -> Iterator[str]:
    """The API served by uvicorn on a free port, as `make run` would, with a monitoring key."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "INSTAINSTRU_RESOLVED_DB_URL"}
    env.update(DATABASE_URL=db_url, MONITORING_API_KEY=KEY, LOG_LEVEL="WARNING")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/health/lite", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the API did not start")
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def _get(url: str, **headers: str) -> str:
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).read().decode()


def test_every_metric_in_rules_and_panels_is_served(live_api):
    _get(f"{live_api}/api/search?q=piano+lessons")  # a search and a 404, so that labelled series have samples
    with pytest.raises(urllib.error.HTTPError):
        _get(f"{live_api}/api/public/instructors/00000000-0000-0000-0000-000000000000")
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"{live_api}/metrics")
    assert refused.value.code == 401
    served = served_names(_get(f"{live_api}/metrics", **{"X-Monitoring-API-Key": KEY}))
    used = {(f"alert {rule['alert']}", name) for rule in _rules() for name in metric_names(rule["expr"])}
    used |= {(f"{board}: {title}", name) for board, title, expr in _panel_queries() for name in metric_names(expr)}
    assert len({name for _, name in used}) >= 30
    missing = sorted((where, name) for where, name in used if name not in served and name not in PROMETHEUS_OWN)
    assert not missing


def _query(prometheus: str, promql: str) -> list[dict]:
    body = _get(f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
    return json.loads(body)["data"]["result"]


def test_prometheus_scrapes_the_api_with_the_key(live_api, tmp_path):
    prometheus_bin = _tool("prometheus")
    port = urllib.parse.urlparse(live_api).port
    shutil.copy(MONITORING / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "monitoring-key").write_text(KEY)
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["scrape_configs"][0]["static_configs"] = [{"targets": [f"127.0.0.1:{port}"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    web = _free_port()
    proc = subprocess.Popen(
        [
            prometheus_bin,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{web}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    prometheus = f"http://127.0.0.1:{web}"
    try:
        deadline = time.monotonic() + 60
        series: list[dict] = []
        while time.monotonic() < deadline and not series:
            time.sleep(1)
            try:
                up = _query(prometheus, 'up{job="instainstru"}')
                series = _query(prometheus, 'instainstru_http_requests_total{route="/metrics",status="200"}')
            except OSError:
                continue
        assert series, proc.stderr.read1().decode() if proc.stderr else ""  # type: ignore[union-attr]
        assert up and up[0]["value"][1] == "1"
        rules = json.loads(_get(f"{prometheus}/api/v1/rules"))["data"]["groups"]
        assert sum(len(g["rules"]) for g in rules) == len(_rules())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
