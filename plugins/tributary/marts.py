"""The Asset a domain's marts update: what runs after a refresh (its publications) waits on.

Each refresh DAG ends with `marts_built(domain)`, a task that runs once every model of the
refresh was built and tested, and emits ``tributary://marts/<domain>`` (`tributary.assets.marts`).
"""

from __future__ import annotations

from typing import Any


def marts_built(domain: str) -> Any:
    """A task (to put after the dbt task group) that emits the domain's marts Asset."""
    from airflow.sdk import task  # noqa: PLC0415

    from tributary.assets import marts, marts_uri  # noqa: PLC0415

    @task(task_id="marts_built", outlets=[marts(domain)])
    def built() -> str:
        """The marts are rebuilt and their tests passed: runs waiting on them may start."""
        return marts_uri(domain)

    return built()
