"""dbt models as Airflow tasks, through astronomer-cosmos.

The project is rendered from `dbt/target/manifest.json` (built ahead of time by `make manifest`),
so parsing a DAG never shells out to dbt. The profile comes from the Airflow connection
``warehouse``; each model's tests run right after it, in the same task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import airflow  # noqa: F401  (cosmos must be imported after airflow: circular import otherwise)
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from cosmos.profiles import PostgresUserPasswordProfileMapping

from tributary import settings

if TYPE_CHECKING:
    from airflow.sdk import TaskGroup


def project_config() -> ProjectConfig:
    return ProjectConfig(
        dbt_project_path=settings.DBT_DIR,
        manifest_path=settings.DBT_MANIFEST,
        project_name="tributary",
        install_dbt_deps=False,
    )


class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
    """The Postgres mapping, with the password optional: local servers often use trust auth."""

    required_fields = ["host", "user", "dbname"]

    @property
    def secret_fields(self) -> list[str]:  # type: ignore[override]
        return ["password"] if self.conn.password else []

    @property
    def profile(self) -> dict[str, Any]:
        profile = super().profile
        if not self.conn.password:
            profile["password"] = ""
        return profile


def profile_config(threads: int | None = None) -> ProfileConfig:
    """The dbt profile from the ``warehouse`` connection; ``threads``: models dbt builds at once
    (dbt's default is 1)."""
    args: dict[str, Any] = {"schema": "public"}
    if threads:
        args["threads"] = threads
    return ProfileConfig(
        profile_name="tributary",
        target_name="warehouse",
        profile_mapping=WarehouseProfileMapping(conn_id=settings.WAREHOUSE_CONN_ID, profile_args=args),
    )


#: Per-task start-up is most of an incremental refresh (a dozen tasks, each running dbt once):
#: skip what no task reads. dbt writes no manifest.json/run_results.json (about 0.6 s per task for
#: a 1.5 MB manifest, written twice) and caches only the relations of the selected models' schemas
#: (not every schema of the project); cosmos emits no OpenLineage-derived Assets (nothing is
#: scheduled on them; the DAGs' own Assets are declared explicitly).
_OPERATOR_ARGS: dict[str, Any] = {
    "install_deps": False,
    "dbt_cmd_global_flags": ["--no-write-json", "--cache-selected-only"],
    "emit_datasets": False,
}


def dbt_models(group_id: str, select: list[str], **kwargs: Any) -> DbtTaskGroup:
    """A task group running the selected dbt models (``path:models/<domain>``).

    One task per model, ``<group>.<model>_model_build``, runs ``dbt build`` on it: the model, then
    its tests, so a failing test stops everything downstream. (One task instead of cosmos's
    run + test pair halves the per-task start-up cost.)
    """
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config(),
        profile_config=profile_config(),
        # dbt runs in the task's own process (no subprocess start-up per model). Cautious test
        # selection: a model's task runs only tests whose every parent is built by then, so a
        # relationship test from a fact to a dimension waits for the fact's own task.
        execution_config=ExecutionConfig(
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST, select=select, test_behavior=TestBehavior.BUILD
        ),
        operator_args=dict(_OPERATOR_ARGS),  # cosmos may change the dict it is given
        **kwargs,
    )


def dbt_build_groups(group_id: str, groups: dict[str, str]) -> TaskGroup:
    """A task group with one task per group of models (``{"staging": "path:models/x/staging"}``),
    in the order given, each one ``dbt build`` of its selection: every model in dependency order,
    each model's tests right after it, and a failing test skips what depends on it (dbt's own
    rule) and fails the task, so later groups do not run.

    For domains with many small models, where cosmos's one task per model spends more time
    starting dbt than building (see bench/RESULTS.md, polio). What a model's task would log, the
    group's task logs, model by model.
    """
    from airflow.sdk import TaskGroup  # noqa: PLC0415
    from cosmos import cache  # noqa: PLC0415
    from cosmos.operators.local import DbtBuildLocalOperator  # noqa: PLC0415

    with TaskGroup(group_id=group_id) as group:
        previous = None
        for name, selection in groups.items():
            task = DbtBuildLocalOperator(
                task_id=name,
                project_dir=str(settings.DBT_DIR),
                manifest_filepath=str(settings.DBT_MANIFEST),
                # independent models side by side, as `dbt build` does with the project's profile
                profile_config=profile_config(threads=4),
                # where cosmos keeps dbt's partial-parse file between runs, as a DbtTaskGroup does
                # (without one every run parses the whole project: about 3 s)
                cache_dir=cache._obtain_cache_dir_path(f"tributary__{group_id}__{name}"),
                invocation_mode=InvocationMode.DBT_RUNNER,
                select=selection,
                # only tests whose every parent is in this group (the rest run with a later one)
                indirect_selection="cautious",
                **_OPERATOR_ARGS,
            )
            if previous is not None:
                previous >> task
            previous = task
    return group
