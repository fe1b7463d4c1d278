"""The review form of `polio_mapping_review`: an Airflow human-in-the-loop task whose fields are
the batch of unmapped strings, each a choice among its suggested masters or "skip".

The batch is only known at run time, so the form (the HITL params) is built in `execute` from
the XCom of the task that prepared the batch, and the answers are read back by field key
(`mapping_review.field_key`) against that same XCom.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowSkipException

from tributary.polio.mapping_review import MAP, SKIP, SKIP_ALL, field_key


def form_fields(items: list[dict]) -> dict[str, Param]:
    """One dropdown per string: "skip" (the default) or one of its suggestions."""
    fields = {}
    for n, item in enumerate(items):
        masters = [s["master"] for s in item["suggestions"]]
        shown = {SKIP: "skip (leave unmapped)"}
        shown |= {s["master"]: f"{s['master']}  ({s['score']:.2f}, {s['reason']})"
                  for s in item["suggestions"]}
        fields[field_key(n)] = Param(
            SKIP, type="string", enum=[SKIP, *masters], values_display=shown,
            title=f"{item['kind']}: {item['source_string']}",
            description=f"{item['facts']:,} facts in {item['documents']} document(s)")
    return fields


def form_body(items: list[dict], auto_applied: list[dict]) -> str:
    lines = ["Pick the master each source string stands for (or leave it at *skip*), then press "
             f"**{MAP}**. The mappings apply to every document; `polio_refresh` follows.", "",
             "| kind | source string | facts | documents | best suggestion |", "|---|---|---|---|---|"]
    for item in items:
        best = item["suggestions"][0]
        lines.append(f"| {item['kind']} | {_cell(item['source_string'])} | {item['facts']:,} | "
                     f"{item['documents']} | {_cell(best['master'])} ({best['score']:.2f}, {best['reason']}) |")
    if auto_applied:
        lines += ["", f"Already mapped by auto-apply in this run: {len(auto_applied)} string(s)."]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class MappingReviewOperator(HITLOperator):
    """Opens the review form for the batch prepared by ``prepared_by`` (its XCom: ``batch`` and
    ``auto_applied``); skipped when the batch is empty. Unanswered, it times out after the DAG
    param ``response_timeout`` (seconds) into its defaults: skip everything."""

    def __init__(self, *, prepared_by: str, **kwargs: Any) -> None:
        super().__init__(options=[MAP, SKIP_ALL], defaults=[SKIP_ALL], multiple=False,
                         subject="Map unmapped polio source strings", **kwargs)
        self.prepared_by = prepared_by
        self._fields: dict[str, Param] = {}

    @property
    def serialized_params(self) -> dict[str, dict[str, Any]]:
        return {key: param.serialize() for key, param in self._fields.items()}

    def execute(self, context: Any) -> Any:
        prepared = context["ti"].xcom_pull(task_ids=self.prepared_by) or {}
        items = prepared.get("batch") or []
        if not items:
            raise AirflowSkipException("nothing to review: no unmapped string has a suggestion")
        self._fields = form_fields(items)
        self.subject = f"Map {len(items)} polio source string(s)"
        self.body = form_body(items, prepared.get("auto_applied") or [])
        self.response_timeout = dt.timedelta(seconds=int(context["params"]["response_timeout"]))
        return super().execute(context)

    def validate_params_input(self, params_input: Any) -> None:
        # The fields were built at run time from the batch, which this (re-created) operator does
        # not hold; the answers are checked against the batch where they are applied.
        return None
