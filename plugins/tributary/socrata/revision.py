"""Atomic replace through Socrata's Dataset Management API (DSMAPI) revisions.

The flow socrata-py drives, following the links each answer carries:

1. ``POST /api/publishing/v1/revision/<id>`` with action ``replace`` opens a revision;
2. its ``create_source`` link makes an upload source; ``initiate`` tells the preferred chunk size;
3. the rows go up as CSV bytes in chunks (``chunk`` link, by sequence number and byte offset),
   then ``commit`` closes the upload and the portal parses it (poll the source until
   ``finished_at``; the output schema's ``error_count`` must be 0);
4. when the row identifier should change, the input schema's ``transform`` link makes a new
   output schema with that column as ``is_primary_key``;
5. ``apply`` (PUT, with the output schema id) starts the job that swaps the rows; poll the
   revision until its task set is ``successful`` (or ``failure``).

Until step 5 finishes the portal serves the old rows; a failure before ``apply`` discards the
revision and leaves the dataset as it was.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from tributary.socrata.responses import SocrataError
from tributary.socrata.soda import csv_text

PUBLISHING = "/api/publishing/v1"
#: How long to wait for the portal to parse an upload and to apply a revision.
POLL_TIMEOUT = 3600.0
POLL_START, POLL_MAX = 0.05, 5.0


class Portal(Protocol):
    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response: ...


@dataclass(frozen=True)
class Replaced:
    revision: str  # "<dataset>/<revision_seq>"
    rows: int
    chunks: int


def _links(answer: dict[str, Any]) -> dict[str, Any]:
    return answer.get("links") or {}


def _resource(answer: dict[str, Any]) -> dict[str, Any]:
    return answer.get("resource", answer)


def _poll(portal: Portal, path: str, done: Callable[[dict[str, Any]], bool],
          what: str, sleep: Callable[[float], None]) -> dict[str, Any]:
    """GET ``path`` until ``done(answer)``, waiting a little longer each time."""
    deadline, wait = time.monotonic() + POLL_TIMEOUT, POLL_START
    while True:
        answer = portal.request("GET", path).json()
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise SocrataError(f"gave up waiting for {what} after {POLL_TIMEOUT:.0f} s")
        sleep(wait)
        wait = min(wait * 2, POLL_MAX)


class CsvUpload:
    """Writes SODA rows as CSV and sends the bytes in chunks of the portal's preferred size."""

    def __init__(self, portal: Portal, links: dict[str, Any], columns: Sequence[str],
                 chunk_bytes: int) -> None:
        self.portal, self.links, self.columns = portal, links, list(columns)
        self.chunk_bytes = max(1, chunk_bytes)
        self.buffer = bytearray()
        self.seq = 0
        self.offset = 0
        self._write([self.columns])

    def _write(self, rows: Iterable[Sequence[str]]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        self.buffer += text.getvalue().encode()
        while len(self.buffer) >= self.chunk_bytes:
            self._send(bytes(self.buffer[:self.chunk_bytes]))
            del self.buffer[:self.chunk_bytes]

    def add(self, objects: Sequence[dict[str, Any]]) -> None:
        self._write([csv_text(obj.get(c)) for c in self.columns] for obj in objects)

    def _send(self, piece: bytes) -> None:
        path = self.links["chunk"].format(seq_num=self.seq, byte_offset=self.offset)
        self.portal.request("POST", path, data=piece, content_type="application/octet-stream")
        self.seq += 1
        self.offset += len(piece)

    def commit(self) -> dict[str, Any]:
        if self.buffer or self.seq == 0:
            self._send(bytes(self.buffer))
            self.buffer.clear()
        path = self.links["commit"].format(seq_num=self.seq - 1, byte_offset=self.offset)
        return self.portal.request("POST", path).json()


def _output_schema(source: dict[str, Any]) -> dict[str, Any]:
    schemas = _resource(source).get("schemas") or []
    outputs = [o for schema in schemas for o in schema.get("output_schemas") or []]
    if not outputs:
        raise SocrataError("the portal parsed the upload but made no output schema")
    return max(outputs, key=lambda o: o["id"])


def _with_row_id(portal: Portal, source: dict[str, Any], output: dict[str, Any], row_id: str,
                 sleep: Callable[[float], None]) -> dict[str, Any]:
    """A new output schema whose primary key is ``row_id`` (what socrata-py's set_row_id does)."""
    columns = [{**c, "is_primary_key": c["field_name"] == row_id}
               for c in output.get("output_columns") or []]
    if not any(c["is_primary_key"] for c in columns):
        raise SocrataError(f"the upload has no column {row_id!r} to be the row identifier")
    schema_links = _links(source)["input_schema_links"]
    input_schema_id = output["input_schema_id"]
    path = schema_links["transform"].format(input_schema_id=input_schema_id)
    made = _resource(portal.request("POST", path, json_body={"output_columns": columns}).json())
    show = schema_links["output_schema_links"]["show"].format(
        input_schema_id=input_schema_id, output_schema_id=made["id"])
    return _resource(_poll(portal, show, lambda a: bool(_resource(a).get("completed_at")),
                           "the output schema", sleep))


def replace(portal: Portal, dataset_id: str, columns: Sequence[str],
            chunks: Iterable[Sequence[dict[str, Any]]], *, row_id: str | None,
            emit: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> Replaced:
    """Replace the dataset's rows with ``chunks`` (SODA objects) in one revision."""
    # Opening a revision and a source are not idempotent: never resent after a lost answer.
    opened = portal.request("POST", f"{PUBLISHING}/revision/{dataset_id}",
                            json_body={"action": {"type": "replace"}}, resend=False).json()
    revision, links = _resource(opened), _links(opened)
    label = f"{dataset_id}/{revision.get('revision_seq')}"
    emit(f"opened replace revision {label}")
    rows = 0
    try:
        source = portal.request("POST", links["create_source"], json_body={
            "source_type": {"type": "upload", "filename": f"{dataset_id}.csv"},
            "parse_options": {"parse_source": True, "header_count": 1, "column_header": 1}},
            resend=False).json()
        source_links = _links(source)
        started = portal.request("POST", source_links["initiate"],
                                 json_body={"content_type": "text/csv"}).json()
        upload = CsvUpload(portal, source_links, columns, int(started["preferred_chunk_size"]))
        for objects in chunks:
            upload.add(objects)
            rows += len(objects)
        upload.commit()
        emit(f"uploaded {rows:,} rows in {upload.seq} chunk(s); waiting for the portal to parse them")
        source = _poll(portal, source_links["show"],
                       lambda a: bool(_resource(a).get("finished_at") or _resource(a).get("failed_at")),
                       "the upload to be parsed", sleep)
        if _resource(source).get("failed_at"):
            raise SocrataError(f"the portal could not parse the upload: "
                               f"{_resource(source).get('failure_details')}")
        output = _output_schema(source)
        keys = [c["field_name"] for c in output.get("output_columns") or [] if c.get("is_primary_key")]
        if row_id and keys != [row_id]:
            emit(f"setting the row identifier to {row_id!r} (was {keys[0] if keys else 'none'})")
            output = _with_row_id(portal, source, output, row_id, sleep)
        if output.get("error_count"):
            raise SocrataError(f"{output['error_count']} value(s) of the upload do not fit the "
                               "dataset's column types")
        job = _resource(portal.request("PUT", links["apply"],
                                       json_body={"output_schema_id": output["id"]}).json())
    except BaseException:
        _discard(portal, links, emit)
        raise
    emit(f"applying revision {label}")

    def finished(answer: dict[str, Any]) -> bool:
        task = _task(answer, job.get("id"))
        return bool(task and (task.get("finished_at") or task.get("status") in ("successful", "failure")))

    final = _task(_poll(portal, links["show"], finished, f"revision {label} to apply", sleep),
                  job.get("id"))
    if final.get("status") != "successful":
        raise SocrataError(f"revision {label} failed to apply ({final.get('status')}): "
                           f"{str(final.get('log'))[-500:]}")
    return Replaced(label, rows, upload.seq)


def _task(revision: dict[str, Any], task_id: Any) -> dict[str, Any]:
    tasks = _resource(revision).get("task_sets") or []
    matching = [t for t in tasks if t.get("id") == task_id] or tasks[-1:]
    return matching[0] if matching else {}


def _discard(portal: Portal, links: dict[str, Any], emit: Callable[[str], None]) -> None:
    """Close the unapplied revision; the dataset was never touched, so a failure here is noise."""
    try:
        portal.request("DELETE", links.get("discard") or links["show"], resend=False)
        emit("discarded the revision; the dataset keeps its rows")
    except Exception as exc:  # noqa: BLE001 - the original error matters more
        emit(f"could not discard the revision ({exc}); it stays open on the portal, unapplied")
