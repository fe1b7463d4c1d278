"""Waiting for the day's export without holding a worker slot.

`LakeObjectTrigger` polls the lake (file or S3, through `tributary.lake`) from the triggerer;
`ExportSensor` checks once and otherwise defers to it. The trigger enforces the deadline itself
(and the deferral carries the same timeout for the triggerer), so an in-process `dag.test()` run,
which runs triggers inline without a triggerer's timeout handling, also ends on time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout
from airflow.triggers.base import BaseTrigger, TriggerEvent

from tributary import settings
from tributary.app_events import layout
from tributary.dag_defaults import processing_day
from tributary.lake import open_lake


def _exists(lake_url: str, path: str) -> bool:
    return open_lake(lake_url).exists(path)


class LakeObjectTrigger(BaseTrigger):
    """Fires ``{"status": "found"}`` once ``path`` exists in the lake, or ``{"status": "timeout"}``
    at ``deadline`` (epoch seconds)."""

    def __init__(self, lake_url: str, path: str, deadline: float, poke_interval: float = 60.0):
        super().__init__()
        self.lake_url, self.path = lake_url, path
        self.deadline, self.poke_interval = deadline, poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}",
                {"lake_url": self.lake_url, "path": self.path, "deadline": self.deadline,
                 "poke_interval": self.poke_interval})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            # The lake client is synchronous (boto3 / filesystem): keep it off the event loop.
            if await asyncio.to_thread(_exists, self.lake_url, self.path):
                yield TriggerEvent({"status": "found", "path": self.path})
                return
            left = self.deadline - time.time()
            if left <= 0:
                yield TriggerEvent({"status": "timeout", "path": self.path})
                return
            await asyncio.sleep(min(self.poke_interval, left))


def event_day(context: Any) -> dt.date:
    """The day a run processes: the ``day`` param when given, else the run's data interval."""
    given = (context.get("params") or {}).get("day")
    return dt.date.fromisoformat(given) if given else processing_day(context)


class ExportSensor(BaseSensorOperator):
    """Waits for ``landing/app_events/amplitude_<day>.txt.gz`` in the lake.

    ``wait_seconds`` / ``poke_seconds`` are templated, so a DAG can take them from params.
    """

    template_fields = ("wait_seconds", "poke_seconds")

    def __init__(self, *, wait_seconds: Any = 12 * 3600, poke_seconds: Any = 60,
                 deferrable: bool = True, **kwargs: Any):
        super().__init__(mode="poke", **kwargs)
        self.wait_seconds, self.poke_seconds, self.deferrable = wait_seconds, poke_seconds, deferrable

    def _path(self, context: Any) -> str:
        return layout.landing_path(event_day(context))

    def poke(self, context: Any) -> bool:
        return _exists(settings.lake_url(), self._path(context))

    def execute(self, context: Any) -> Any:
        wait, poke = float(self.wait_seconds), float(self.poke_seconds)
        path = self._path(context)
        if self.poke(context):
            self.log.info("export already in landing: %s", path)
            return path
        if not self.deferrable:
            self.timeout, self.poke_interval = wait, poke
            return super().execute(context)
        self.log.info("deferring until %s arrives (at most %.0f s)", path, wait)
        self.defer(
            trigger=LakeObjectTrigger(settings.lake_url(), path, time.time() + wait, poke),
            method_name="execute_complete",
            timeout=dt.timedelta(seconds=wait),
        )

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> str:
        if not event or event.get("status") != "found":
            raise AirflowSensorTimeout(
                f"no export at {(event or {}).get('path', self._path(context))} before the "
                f"sensor's timeout ({float(self.wait_seconds):.0f} s)"
            )
        return event["path"]
