"""docker-compose.yaml cannot run here (no Docker engine); check it is consistent instead."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from tributary import settings

AIRFLOW_SERVICES = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((settings.REPO_ROOT / "docker-compose.yaml").read_text())


def test_all_components_are_there(compose):
    assert set(compose["services"]) == AIRFLOW_SERVICES | {"postgres", "redis"}
    assert compose["services"]["airflow-worker"]["deploy"]["replicas"] >= 2


def test_airflow_services_share_one_environment_and_image(compose):
    services = compose["services"]
    envs = [services[name]["environment"] for name in sorted(AIRFLOW_SERVICES)]
    assert all(env == envs[0] for env in envs)
    env = envs[0]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "@postgres:5432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")
    assert env["WAREHOUSE_URL"] == env["AIRFLOW_CONN_WAREHOUSE"]
    assert json.loads(env["AIRFLOW__COSMOS__DBT_DOCS_PROJECTS"])["tributary"]["dir"] == "/opt/tributary/dbt/target"
    assert {services[name]["image"] for name in AIRFLOW_SERVICES} == {services["airflow-init"]["image"]}
    assert all(services[name]["volumes"] == services["airflow-init"]["volumes"] for name in AIRFLOW_SERVICES)


def test_volumes_and_dependencies_resolve(compose):
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (settings.REPO_ROOT / source).exists(), f"{name}: {source} missing"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
        for dependency in service.get("depends_on", {}):
            assert dependency in compose["services"], f"{name} depends on unknown {dependency}"


def test_secrets_come_from_the_environment(compose):
    text = (settings.REPO_ROOT / "docker-compose.yaml").read_text()
    for key in ("POSTGRES_PASSWORD", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                "AIRFLOW__API__SECRET_KEY"):
        for match in re.finditer(rf"{key}: (\S+)", text):
            assert match.group(1).startswith("${"), f"{key} is hard-coded"
    example = (settings.REPO_ROOT / ".env.example").read_text()
    for var in ("POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY"):
        assert re.search(rf"^{var}=$", example, re.M), f".env.example must leave {var} empty"


def test_image_installs_the_pinned_requirements():
    dockerfile = (settings.REPO_ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "dbt parse" in dockerfile  # cosmos renders from a manifest built into the image
