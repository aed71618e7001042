"""The production files say what docs/DEPLOY.md says: PostgreSQL, Redis with AOF, two web
and two worker replicas, exactly one scheduler, healthchecks, the CJK font in the image,
JSON logs. ``docker compose config`` validates the file where the compose plugin exists."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_replicas(compose):
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "scheduler", "migrate"} <= set(services)
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["scheduler"]["deploy"]["replicas"] == 1
    assert services["worker"]["command"] == ["zhongshu", "worker"]
    assert services["scheduler"]["command"] == ["zhongshu", "scheduler"]
    assert "zhongshu.wsgi:app" in services["web"]["command"]


def test_redis_keeps_an_append_only_file(compose):
    command = " ".join(compose["services"]["redis"]["command"])
    assert "--appendonly yes" in command
    assert any("/data" in v for v in compose["services"]["redis"]["volumes"])


def test_every_long_running_service_has_a_healthcheck(compose):
    for name in ("postgres", "redis", "web", "worker", "scheduler"):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_the_app_waits_for_healthy_stores_and_the_migration(compose):
    for name in ("web", "worker", "scheduler"):
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert compose["services"][name]["environment"]["ZS_LOG_JSON"] == "1"


def test_the_image_has_the_cjk_font_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "fonts-wqy-microhei" in dockerfile
    assert "\nUSER " in dockerfile
    assert "gunicorn_conf" in dockerfile


def test_procfile_matches():
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    assert "zhongshu.gunicorn_conf" in procfile and "zhongshu worker" in procfile
    assert "zhongshu scheduler" in procfile


def test_no_secret_is_committed():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert value == "" or key in ("ZS_BASE_URL", "ZS_TIMEZONE"), key


@pytest.mark.skipif(shutil.which("docker") is None, reason="docker not installed")
def test_docker_compose_config_validates(tmp_path):
    probe = subprocess.run(["docker", "compose", "version"], check=False, capture_output=True,
                           timeout=30)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        env_file.write_text("")
    try:
        res = subprocess.run(["docker", "compose", "config", "--quiet"], check=False, cwd=ROOT,
                             env={"POSTGRES_PASSWORD": "x", "PATH": "/usr/bin:/usr/local/bin"},
                             capture_output=True, timeout=60)
    finally:
        if created:
            env_file.unlink()
    assert res.returncode == 0, res.stderr.decode()
