"""The GitHub Actions workflow cannot run here; check it is a workflow that would run what users run.

Every `make` command it names must be a Makefile target given only variables the Makefile reads,
its Python must be the one the Makefile insists on, and WAREHOUSE_URL must reach its Postgres
service.
"""

from __future__ import annotations

import re
import shlex
from urllib.parse import urlsplit

import pytest
import yaml
from tributary import settings

WORKFLOW = settings.REPO_ROOT / ".github" / "workflows" / "ci.yml"
MAKEFILE = settings.REPO_ROOT / "Makefile"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


@pytest.fixture(scope="module")
def job(workflow) -> dict:
    (only,) = workflow["jobs"].values()
    return only


def make_commands(job: dict) -> list[tuple[list[str], dict[str, str]]]:
    """(targets, variables) of every `make` invocation in the job's run steps."""
    found = []
    for step in job["steps"]:
        for line in step.get("run", "").splitlines():
            words = shlex.split(line, comments=True)
            for start in (i for i, word in enumerate(words) if word == "make"):
                args = []
                for word in words[start + 1:]:
                    if word in {"&&", "||", ";", "|"}:
                        break
                    args.append(word)
                targets = [a for a in args if "=" not in a and not a.startswith("-")]
                variables = dict(a.split("=", 1) for a in args if "=" in a)
                found.append((targets, variables))
    return found


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):(?!=)", MAKEFILE.read_text(), re.MULTILINE))


def makefile_variables() -> set[str]:
    return set(re.findall(r"^([A-Z_]+)\s*[?:]?=", MAKEFILE.read_text(), re.MULTILINE))


def test_it_is_a_workflow_of_steps(workflow, job):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert job["runs-on"] and job["steps"]
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step


def test_every_make_command_names_a_target_and_variables_of_the_makefile(job):
    commands = make_commands(job)
    targets, variables = makefile_targets(), makefile_variables()
    assert commands
    for named, given in commands:
        assert named and set(named) <= targets, named
        assert set(given) <= variables, given


def test_it_runs_the_readme_test_command_and_dbt(job):
    commands = make_commands(job)
    assert "`make test`" in (settings.REPO_ROOT / "README.md").read_text()
    assert (["test"], {}) in commands
    assert (["dbt"], {"ARGS": "build"}) in commands
    freshness = [s for s in job["steps"] if "source freshness" in s.get("run", "")]
    # A report: stale sources must not fail the build.
    assert freshness and all(s.get("continue-on-error") or "|| true" in s["run"] for s in freshness)


def test_python_is_the_one_the_makefile_requires(job):
    (required,) = re.findall(r"^PYTHON \?= python(\d+\.\d+)$", MAKEFILE.read_text(), re.MULTILINE)
    image = job.get("container", "")
    image = image["image"] if isinstance(image, dict) else image
    versions = re.findall(r"^python:(\d+\.\d+)", image)
    versions += [str(s["with"]["python-version"]) for s in job["steps"]
                 if s.get("uses", "").startswith("actions/setup-python")]
    assert versions and set(versions) == {required}


def test_warehouse_url_reaches_the_postgres_service(workflow, job):
    services = {name: s for name, s in job.get("services", {}).items()
                if s["image"].startswith("postgres:")}
    assert len(services) == 1
    ((name, service),) = services.items()
    assert "--health-cmd" in service.get("options", "")
    url = urlsplit({**workflow.get("env", {}), **job.get("env", {})}["WAREHOUSE_URL"])
    env = service["env"]
    # In a container job the service is reached by name, otherwise on a port mapped to localhost.
    if "container" in job:
        assert (url.hostname, url.port or 5432) == (name, 5432)
    else:
        assert url.hostname in {"localhost", "127.0.0.1"}
        assert f"{url.port}:5432" in service.get("ports", [])
    assert url.scheme == "postgresql"
    assert (url.username, url.password) == (env.get("POSTGRES_USER", "postgres"), env["POSTGRES_PASSWORD"])
    assert url.path.lstrip("/") == env.get("POSTGRES_DB", url.username)
