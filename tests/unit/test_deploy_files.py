"""deploy/ holds what real machines run (docker-compose.yml, nginx, Prometheus, the replica scripts).
`docker compose config` checks the compose file where the compose plugin is installed; everywhere, its
structure is checked here: the services the deployment needs, what they refer to exists, every setting
the app is given is one it reads, and the Prometheus config passes promtool with the real alert rules."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml  # type: ignore[import-untyped]

from core.settings import PROJECT_ROOT, Settings
from services.mail_settings import MailSettings

DEPLOY = PROJECT_ROOT / "deploy"
REQUIRED = {"postgres", "postgres-replica", "redis", "migrate", "api", "worker", "proxy", "prometheus"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _has_compose_plugin() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_compose_plugin(), reason="no docker compose plugin here; the structure test stands in")
def test_docker_compose_accepts_the_file():
    done = subprocess.run(
        ["docker", "compose", "-f", "deploy/docker-compose.yml", "--env-file", "deploy/.env.example", "config", "-q"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_services_a_deployment_needs_are_there(compose):
    services = compose["services"]
    assert REQUIRED <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
    assert (
        "pgvector" in services["postgres"]["image"]
        and services["postgres-replica"]["image"] == services["postgres"]["image"]
    )
    api = services["api"]
    assert api["deploy"]["replicas"] and any(str(arg).startswith("--workers=") for arg in api["command"])
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_mounts_and_volumes_exist(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
    build = compose["services"]["api"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()


def test_the_api_reads_a_replica_and_adds_up_its_workers(compose):
    env = compose["services"]["api"]["environment"]
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert all("@postgres-replica:5432/" in url for url in env["DATABASE_READ_URL"].split(","))
    assert env["PROMETHEUS_MULTIPROC_DIR"] in compose["services"]["api"]["tmpfs"]  # empty at every start
    assert env["TRUSTED_PROXIES"]  # nginx's X-Forwarded-For is believed, nobody else's


def test_every_setting_given_is_one_the_app_reads(compose):
    known = {name.upper() for name in Settings.model_fields} | {
        f"MAIL_{name.upper()}" for name in MailSettings.model_fields
    }
    known |= {"PROMETHEUS_MULTIPROC_DIR", "MAIL_FROM"}
    for name in ("api", "worker", "migrate"):
        unknown = set(compose["services"][name]["environment"]) - known
        assert not unknown, f"{name}: settings the app does not read: {sorted(unknown)}"


def test_every_variable_has_a_value_or_a_default():
    text = (DEPLOY / "docker-compose.yml").read_text()
    example = {line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text().splitlines() if "=" in line}
    for name, rest in re.findall(r"(?<!\$)\$\{(\w+)([^}]*)\}", text):
        assert name in example or rest.startswith(":-"), f"${{{name}}} has no value in .env.example nor a default"


def test_nginx_proxies_to_the_api_and_sets_the_client_address():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    assert re.search(r"server\s+api:8000", conf) and "proxy_pass http://api;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # overwritten, never appended to


def test_replica_scripts_are_valid_bash():
    for script in (DEPLOY / "postgres").glob("*.sh"):
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, f"{script.name}: {done.stderr}"
    assert "pg_basebackup" in (DEPLOY / "postgres" / "replica-entrypoint.sh").read_text()


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool is installed by make test (monitoring-tools)")
def test_prometheus_config_passes_promtool(tmp_path):
    config = (DEPLOY / "prometheus.yml").read_text().replace("/tmp/monitoring-key", str(tmp_path / "key"))
    (tmp_path / "key").write_text("k")
    (tmp_path / "prometheus.yml").write_text(config)
    shutil.copy(PROJECT_ROOT / "monitoring" / "alerts.yml", tmp_path / "alerts.yml")  # mounted beside it
    done = subprocess.run(
        ["promtool", "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
