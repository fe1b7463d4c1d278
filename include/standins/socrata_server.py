"""A local SODA-compatible server (Socrata stand-in) on loopback, for tests, the demo and the bench.

Speaks the parts of SODA 2 the publisher uses:
  POST /resource/<id>.json   upsert a JSON array by the dataset's row identifier; ``:deleted``
                             rows delete. Basic auth and ``X-App-Token`` are checked.
  GET  /resource/<id>.json   rows, with ``$limit`` (default 1000), ``$offset``, ``$order``,
                             ``$where`` (equalities joined by AND) and simple ``col=value`` filters;
                             ``$select=count(*)`` answers ``[{"count": "123"}]`` as Socrata does.
  GET  /api/views.json       an (empty) catalogue, for connection tests.
  GET  /api/views/<id>.json  the dataset's metadata: ``columns[]`` with ``fieldName`` and
                             ``dataTypeName`` (the views API's names: ``calendar_date`` for a
                             floating timestamp, ``date`` for a fixed one), ``rowIdentifierColumnId``.
Values are kept as they arrived (JSON types), so tests can check what the client sent; a real
portal answers numbers as strings. A dataset declared with columns refuses upserted fields it does
not have (``Illegal field name``), as a portal does.

Dataset Management API (DSMAPI), the revision flow socrata-py drives (links in each answer):
  POST /api/publishing/v1/revision/<id>              {"action": {"type": "replace"}} opens a revision
  GET  /api/publishing/v1/revision/<id>/<seq>        the revision, with ``task_sets`` (apply jobs)
  DELETE /api/publishing/v1/revision/<id>/<seq>      discards it
  POST /api/publishing/v1/revision/<id>/<seq>/source {"source_type": {"type": "upload", ...}}
  POST /api/publishing/v1/source/<sid>/initiate      {"content_type": "text/csv"} -> preferred chunk size
  POST /api/publishing/v1/source/<sid>/chunk/<seq>/<byte_offset>   raw CSV bytes
  POST /api/publishing/v1/source/<sid>/commit/<seq>/<byte_offset>  the upload is complete; parsed
  GET  /api/publishing/v1/source/<sid>               the source, ``schemas[].output_schemas[]``
  POST /api/publishing/v1/source/<sid>/schema/<isid> {"output_columns": [...]} a new output schema
                                                     (``is_primary_key`` sets the row identifier)
  PUT  /api/publishing/v1/revision/<id>/<seq>/apply  {"output_schema_id": n}: a job that swaps the
                                                     dataset's rows a moment later (until then
                                                     the portal serves the old rows)

Control endpoints (no auth; loopback only):
  GET  /__health                     200 when ready
  POST /__datasets                   {"id": "abcd-1234", "row_identifier": "id", "columns":
                                     {"id": "number", "name": "text"}} creates a dataset (columns
                                     by SODA type are optional; row_identifier null: none)
  GET  /__datasets                   datasets with row counts
  POST /__faults                     {"status": 500, "on_request": 3, "times": 1,
                                      "retry_after": 2, "delay": 0.5, "body": "...",
                                      "route": "upsert", "drop_rows": 2}: the on_request-th
                                     request of that route from now (1 = the next) gets this
                                     answer (a delay alone makes a slow but normal answer;
                                     drop_rows makes an upsert report rows it silently drops).
                                     Routes: upsert, revision, source, chunk, commit, transform,
                                     apply, job (a failing apply job: the status is ignored)
  DELETE /__faults                   clear faults
  GET  /__requests                   the log of upserts; DELETE clears it (and /__calls)
  GET  /__calls                      the log of every API request (method, path, status)
  POST /__config                     {"response_shape": "legacy" | "new"}

Options: --host, --port, --dataset ID:ROW_IDENTIFIER or ID:<JSON spec> (repeatable), --response-shape. Credentials
come from the environment (SOCRATA_STANDIN_USERNAME, SOCRATA_STANDIN_PASSWORD,
SOCRATA_STANDIN_APP_TOKEN) or --username/--password/--app-token; without a username, writes need
no auth. Exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hmac
import io
import itertools
import json
import os
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DELETED = ":deleted"
RESOURCE = re.compile(r"^/resource/([A-Za-z0-9_-]+)\.json$")
VIEW = re.compile(r"^/api/views/([A-Za-z0-9_-]+)\.json$")
PUBLISHING = "/api/publishing/v1"
#: The views API still names timestamps by their old names.
VIEW_TYPE_NAMES = {"floating_timestamp": "calendar_date", "fixed_timestamp": "date"}
_NUMBERS = ("number", "double", "money", "percent")


def _key(value: Any) -> str:
    # 5 and "5" are one identifier, as on a portal whose column has a type.
    return value if isinstance(value, str) else json.dumps(value)


class Dataset:
    """A dataset: rows by row identifier (or by a system id when it has none), and optionally a
    declared schema (field name -> SODA type) that upserts are checked against."""

    def __init__(self, dataset_id: str, row_identifier: str | None,
                 columns: dict[str, str] | None = None) -> None:
        self.id, self.row_identifier, self.columns = dataset_id, row_identifier, columns
        self.rows: dict[str, dict[str, Any]] = {}
        self.sids = itertools.count(1)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Dataset:
        return cls(spec["id"], spec.get("row_identifier", "id"), spec.get("columns"))

    def row_key(self, row: dict[str, Any]) -> str:
        if self.row_identifier:
            return _key(row[self.row_identifier])
        return f"row-{next(self.sids)}"

    def field_names(self) -> list[str]:
        if self.columns is not None:
            return list(self.columns)
        seen: dict[str, None] = {}
        for row in self.rows.values():
            seen.update(dict.fromkeys(row))
        return list(seen)

    def view(self) -> dict[str, Any]:
        """The dataset as ``/api/views/<id>.json`` describes it."""
        columns = []
        for position, name in enumerate(self.field_names(), 1):
            kind = (self.columns or {}).get(name, "text")
            columns.append({"id": 1000 + position, "name": name.replace("_", " ").title(),
                            "fieldName": name, "position": position,
                            "dataTypeName": VIEW_TYPE_NAMES.get(kind, kind),
                            "renderTypeName": kind})
        view = {"id": self.id, "name": f"Dataset {self.id}", "assetType": "dataset",
                "viewType": "tabular", "columns": columns}
        ids = [c["id"] for c in columns if c["fieldName"] == self.row_identifier]
        if ids:
            view["rowIdentifierColumnId"] = ids[0]
        return view


def _typed(kind: str, text: str) -> Any:
    """A CSV cell as the value a column of SODA type ``kind`` holds (empty: null)."""
    if text == "":
        return None
    if kind in _NUMBERS:
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == "checkbox":
        return text.strip().lower() == "true"
    if kind in ("point", "location", "line", "polygon", "multipoint", "multiline", "multipolygon"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class Revision:
    """An open DSMAPI revision: its sources (uploads) and, once applied, its task set."""

    def __init__(self, dataset_id: str, seq: int, action: str) -> None:
        self.dataset_id, self.seq, self.action = dataset_id, seq, action
        self.id = seq * 100
        self.created_at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        self.closed_at: str | None = None
        self.discarded = False
        self.task_sets: list[dict[str, Any]] = []
        self.output_schema_id: int | None = None

    @property
    def path(self) -> str:
        return f"{PUBLISHING}/revision/{self.dataset_id}/{self.seq}"

    def answer(self) -> dict[str, Any]:
        return {"resource": {"id": self.id, "fourfour": self.dataset_id, "revision_seq": self.seq,
                             "action": {"type": self.action}, "created_at": self.created_at,
                             "closed_at": self.closed_at, "output_schema_id": self.output_schema_id,
                             "task_sets": [dict(t) for t in self.task_sets]},
                "links": {"show": self.path, "discard": self.path, "update": self.path,
                          "apply": f"{self.path}/apply", "create_source": f"{self.path}/source"}}


class Source:
    """An upload in a revision: chunks of bytes, then (on commit) a parsed input schema."""

    def __init__(self, source_id: int, revision: Revision, filename: str) -> None:
        self.id, self.revision, self.filename = source_id, revision, filename
        self.chunks: dict[int, tuple[int, bytes]] = {}
        self.finished_at: str | None = None
        self.failed_at: str | None = None
        self.failure: str | None = None
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self.output_schemas: list[dict[str, Any]] = []

    @property
    def path(self) -> str:
        return f"{PUBLISHING}/source/{self.id}"

    def input_schema_id(self) -> int:
        return self.id * 10

    def answer(self) -> dict[str, Any]:
        schemas = []
        if self.finished_at:
            schemas = [{"id": self.input_schema_id(), "total_rows": len(self.rows),
                        "input_columns": [{"field_name": name, "position": i}
                                          for i, name in enumerate(self.header, 1)],
                        "output_schemas": [dict(o) for o in self.output_schemas]}]
        schema = f"{self.path}/schema/{{input_schema_id}}"
        return {"resource": {"id": self.id, "source_type": {"type": "upload",
                                                            "filename": self.filename},
                             "parse_options": {"parse_source": True},
                             "finished_at": self.finished_at, "failed_at": self.failed_at,
                             "failure_details": self.failure, "schemas": schemas},
                "links": {"show": self.path, "bytes": self.path,
                          "initiate": f"{self.path}/initiate",
                          "chunk": f"{self.path}/chunk/{{seq_num}}/{{byte_offset}}",
                          "commit": f"{self.path}/commit/{{seq_num}}/{{byte_offset}}",
                          "input_schema_links": {
                              "show": schema, "transform": schema,
                              "latest_output": f"{schema}/output/latest",
                              "output_schema_links": {
                                  "show": f"{schema}/output/{{output_schema_id}}"}}}}


class State:
    def __init__(self, args: argparse.Namespace) -> None:
        self.lock = threading.RLock()  # answers are logged while some routes hold it
        self.username = args.username or os.environ.get("SOCRATA_STANDIN_USERNAME") or ""
        self.password = args.password or os.environ.get("SOCRATA_STANDIN_PASSWORD") or ""
        self.app_token = args.app_token or os.environ.get("SOCRATA_STANDIN_APP_TOKEN") or ""
        self.response_shape = args.response_shape
        self.datasets: dict[str, Dataset] = {}
        for spec in args.dataset:
            dataset_id, _, rest = spec.partition(":")
            if rest.startswith("{"):
                self.datasets[dataset_id] = Dataset.from_spec({"id": dataset_id, **json.loads(rest)})
            else:
                self.datasets[dataset_id] = Dataset(dataset_id, rest or "id")
        self.faults: list[dict[str, Any]] = []
        self.seen: dict[str, int] = {}  # requests per fault route
        self.requests: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.revisions: dict[tuple[str, int], Revision] = {}
        self.sources: dict[int, Source] = {}
        self.ids = itertools.count(1)

    def next_fault(self, route: str) -> tuple[int, dict[str, Any] | None]:
        """Count one request of ``route``; the fault meant for it, if any. Hold the lock."""
        self.seen[route] = n = self.seen.get(route, 0) + 1
        fault = next((f for f in self.faults if f.get("route", "upsert") == route
                      and f["at"] <= n < f["at"] + f["times"]), None)
        return n, fault


class SodaError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text)
    except ValueError:
        raise SodaError(400, "query.compiler.malformed", f"cannot read literal {text!r}") from None


def _equal(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, float) and not isinstance(stored, bool):
        try:
            return stored is not None and float(stored) == wanted
        except (TypeError, ValueError):
            return False
    if isinstance(wanted, bool):
        return stored is wanted or str(stored).lower() == str(wanted).lower()
    return stored is not None and str(stored) == wanted


def _where(clause: str) -> list[tuple[str, Any]]:
    conditions = []
    for part in re.split(r"\s+and\s+", clause.strip(), flags=re.IGNORECASE):
        match = re.fullmatch(r"`?([A-Za-z_:][A-Za-z0-9_]*)`?\s*=\s*(.+)", part.strip())
        if not match:
            raise SodaError(400, "query.compiler.malformed",
                            f"this stand-in understands equalities joined by AND, not {part!r}")
        conditions.append((match.group(1), _literal(match.group(2))))
    return conditions


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (2, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def _fault_error(fault: dict[str, Any], n: int) -> SodaError | None:
    if fault.get("delay"):
        time.sleep(float(fault["delay"]))
    if not fault.get("status"):
        return None
    headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
    return SodaError(int(fault["status"]), "injected_fault",
                     fault.get("body") or f"injected fault on request {n}", headers)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a portal's load balancer does
    server_version = "SocrataStandIn/1.0"
    state: State

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the request log has it
        pass

    # --- plumbing -----------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        if not urlsplit(self.path).path.startswith("/__"):
            with self.state.lock:
                self.state.calls.append({"method": self.command, "path": self.path,
                                         "status": status, "at": time.time()})

    def _error(self, exc: SodaError) -> None:
        self._send(exc.status, {"code": exc.code, "error": True, "message": exc.message}, exc.headers)

    def _check_auth(self) -> None:
        state = self.state
        if state.app_token:
            sent = self.headers.get("X-App-Token", "")
            if not hmac.compare_digest(sent, state.app_token):
                raise SodaError(403, "invalid_app_token",
                                "Invalid app_token specified" if sent else "App token required")
        if not state.username:
            return
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            raise SodaError(401, "authentication_required", "You must be logged in to write to this dataset",
                            {"WWW-Authenticate": 'Basic realm="socrata"'})
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user, password = "", ""
        if not (hmac.compare_digest(user, state.username) and hmac.compare_digest(password, state.password)):
            raise SodaError(401, "invalid_credentials", "Invalid username or password",
                            {"WWW-Authenticate": 'Basic realm="socrata"'})

    def _dataset(self, dataset_id: str) -> Dataset:
        dataset = self.state.datasets.get(dataset_id)
        if dataset is None:
            raise SodaError(404, "not_found", f"Cannot find view with id {dataset_id}")
        return dataset

    def _faulted(self, route: str) -> None:
        """Count a request of ``route`` and raise the fault injected for it, if any."""
        with self.state.lock:
            n, fault = self.state.next_fault(route)
        if fault:
            error = _fault_error(fault, n)
            if error:
                raise error

    # --- routes ----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        try:
            if url.path == "/__health":
                return self._send(200, {"ok": True})
            if url.path == "/__requests":
                with self.state.lock:
                    return self._send(200, list(self.state.requests))
            if url.path == "/__calls":
                with self.state.lock:
                    return self._send(200, list(self.state.calls))
            if url.path == "/__datasets":
                with self.state.lock:
                    return self._send(200, [{"id": d.id, "row_identifier": d.row_identifier,
                                             "columns": d.columns, "rows": len(d.rows)}
                                            for d in self.state.datasets.values()])
            if url.path == "/api/views.json":
                self._check_auth()
                return self._send(200, [])
            match = VIEW.match(url.path)
            if match:
                with self.state.lock:
                    return self._send(200, self._dataset(match.group(1)).view())
            if url.path.startswith(PUBLISHING + "/"):
                self._check_auth()
                return self._send(200, self._publishing_get(url.path))
            match = RESOURCE.match(url.path)
            if match:
                return self._send(200, self._query(match.group(1), parse_qs(url.query)))
            raise SodaError(404, "not_found", f"no route {url.path}")
        except SodaError as exc:
            self._error(exc)

    def _query(self, dataset_id: str, params: dict[str, list[str]]) -> list[dict[str, Any]]:
        one = {k: v[-1] for k, v in params.items()}
        conditions = _where(one["$where"]) if one.get("$where") else []
        conditions += [(k, v) for k, v in one.items() if not k.startswith("$")]
        with self.state.lock:
            dataset = self._dataset(dataset_id)
            rows = [r for r in dataset.rows.values()
                    if all(_equal(r.get(c), w) for c, w in conditions)]
        select = one.get("$select", "").replace(" ", "").lower()
        if select:
            if select not in ("count(*)", "count(*)ascount"):
                raise SodaError(400, "query.compiler.malformed",
                                f"this stand-in understands $select=count(*) only, not {select!r}")
            return [{"count": str(len(rows))}]  # SODA 2 answers aggregates as strings
        if one.get("$order"):
            column, _, direction = one["$order"].strip().partition(" ")
            rows.sort(key=lambda r: _sort_key(r.get(column.strip("`"))),
                      reverse=direction.strip().upper() == "DESC")
        try:
            offset, limit = int(one.get("$offset", 0)), int(one.get("$limit", 1000))
        except ValueError:
            raise SodaError(400, "query.compiler.malformed", "$limit and $offset must be integers") from None
        return rows[offset:offset + limit]

    def do_DELETE(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(PUBLISHING + "/"):
            try:
                self._check_auth()
                return self._send(200, self._discard(path))
            except SodaError as exc:
                return self._error(exc)
        with self.state.lock:
            if path == "/__faults":
                self.state.faults.clear()
            elif path == "/__requests":
                self.state.requests.clear()
                self.state.calls.clear()
            else:
                return self._error(SodaError(404, "not_found", f"no route {path}"))
        self._send(200, {"ok": True})

    def do_PUT(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        try:
            match = re.fullmatch(PUBLISHING + r"/revision/([A-Za-z0-9_-]+)/(\d+)/apply", path)
            if not match:
                raise SodaError(404, "not_found", f"no route {path}")
            self._check_auth()
            self._faulted("apply")
            return self._send(200, self._apply_revision(match.group(1), int(match.group(2)),
                                                        json.loads(body or b"{}")))
        except SodaError as exc:
            self._error(exc)
        except (ValueError, KeyError) as exc:
            self._error(SodaError(400, "invalid_request", f"cannot read the request: {exc}"))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        try:
            if path == "/__datasets":
                spec = json.loads(body)
                with self.state.lock:
                    self.state.datasets[spec["id"]] = Dataset.from_spec(spec)
                return self._send(201, {"ok": True})
            if path == "/__faults":
                fault = json.loads(body)
                with self.state.lock:
                    route = fault.setdefault("route", "upsert")
                    fault["at"] = self.state.seen.get(route, 0) + int(fault.get("on_request", 1))
                    fault.setdefault("times", 1)
                    self.state.faults.append(fault)
                return self._send(201, fault)
            if path == "/__config":
                config = json.loads(body)
                with self.state.lock:
                    self.state.response_shape = config.get("response_shape", self.state.response_shape)
                return self._send(200, {"response_shape": self.state.response_shape})
            if path.startswith(PUBLISHING + "/"):
                self._check_auth()
                status, answer = self._publishing_post(path, body)
                return self._send(status, answer)
            match = RESOURCE.match(path)
            if match:
                return self._upsert(match.group(1), body)
            raise SodaError(404, "not_found", f"no route {path}")
        except SodaError as exc:
            self._error(exc)
        except (ValueError, KeyError) as exc:
            self._error(SodaError(400, "invalid_request", f"cannot read the request: {exc}"))

    # --- SODA upsert -----------------------------------------------------------------------------

    def _upsert(self, dataset_id: str, body: bytes) -> None:
        state = self.state
        entry: dict[str, Any] = {"method": "POST", "path": self.path,
                                 "app_token": bool(self.headers.get("X-App-Token"))}
        try:
            with state.lock:
                n, fault = state.next_fault("upsert")
                entry["n"] = n
            if fault:
                entry["fault"] = True
                error = _fault_error(fault, n)
                if error:
                    raise error
            self._check_auth()
            rows = json.loads(body)
            if not isinstance(rows, list):
                raise SodaError(400, "invalid_request", "an upsert body must be a JSON array of rows")
            entry.update(rows=len(rows))
            result = self._apply(dataset_id, rows, drop=int((fault or {}).get("drop_rows", 0)))
            entry["status"] = 200
            entry.update(first_id=result.pop("_first"), last_id=result.pop("_last"))
            self._send(200, self._shape(result))
        except SodaError as exc:
            entry["status"] = exc.status
            self._error(exc)
        except ValueError as exc:
            entry["status"] = 400
            self._error(SodaError(400, "invalid_request", f"the body is not JSON: {exc}"))
        finally:
            entry["at"] = time.time()
            with state.lock:
                state.requests.append(entry)

    def _apply(self, dataset_id: str, rows: list[Any], drop: int = 0) -> dict[str, Any]:
        created = updated = deleted = 0
        errors: list[str] = []
        with self.state.lock:
            dataset = self._dataset(dataset_id)
            rid = dataset.row_identifier
            if dataset.columns is not None:
                unknown = sorted({k for row in rows if isinstance(row, dict) for k in row}
                                 - set(dataset.columns) - {DELETED})
                if unknown:  # a portal refuses the whole request
                    raise SodaError(400, "invalid_request", f"Illegal field name: {unknown[0]!r}")
            ids = []
            kept = len(rows) - drop  # a silently dropping portal still counts them as created
            for number, row in enumerate(rows, 1):
                if not isinstance(row, dict) or (rid and row.get(rid) is None):
                    errors.append(f"row {number}: no value for row identifier {rid!r}")
                    continue
                ids.append(row.get(rid) if rid else None)
                if number > kept:
                    created += 1
                    continue
                if row.get(DELETED):
                    deleted += rid is not None and dataset.rows.pop(_key(row[rid]), None) is not None
                    continue
                key = dataset.row_key(row)
                if key in dataset.rows:
                    dataset.rows[key].update(row)
                    updated += 1
                else:
                    dataset.rows[key] = dict(row)
                    created += 1
        return {"created": created, "updated": updated, "deleted": deleted, "errors": errors,
                "_first": ids[0] if ids else None, "_last": ids[-1] if ids else None}

    def _shape(self, result: dict[str, Any]) -> dict[str, Any]:
        if self.state.response_shape == "new":
            return {"rows_created": result["created"], "rows_updated": result["updated"],
                    "rows_deleted": result["deleted"],
                    "errors": [{"message": m} for m in result["errors"]]}
        legacy = {"By RowIdentifier": result["created"] + result["updated"] + result["deleted"],
                  "Rows Updated": result["updated"], "Rows Deleted": result["deleted"],
                  "Rows Created": result["created"], "Errors": len(result["errors"]), "By SID": 0}
        if result["errors"]:
            legacy["Error Messages"] = result["errors"]
        return legacy

    # --- DSMAPI revisions ------------------------------------------------------------------------

    def _revision(self, dataset_id: str, seq: int) -> Revision:
        revision = self.state.revisions.get((dataset_id, seq))
        if revision is None:
            raise SodaError(404, "not_found", f"no revision {seq} on {dataset_id}")
        return revision

    def _source(self, source_id: int) -> Source:
        source = self.state.sources.get(source_id)
        if source is None:
            raise SodaError(404, "not_found", f"no source {source_id}")
        return source

    def _publishing_get(self, path: str) -> dict[str, Any]:
        rest = path[len(PUBLISHING):]
        with self.state.lock:
            match = re.fullmatch(r"/revision/([A-Za-z0-9_-]+)/(\d+)", rest)
            if match:
                return self._revision(match.group(1), int(match.group(2))).answer()
            match = re.fullmatch(r"/source/(\d+)", rest)
            if match:
                return self._source(int(match.group(1))).answer()
            match = re.fullmatch(r"/source/(\d+)/schema/(\d+)/output/(\d+|latest)", rest)
            if match:
                source = self._source(int(match.group(1)))
                if not source.output_schemas:
                    raise SodaError(404, "not_found", "the source has no output schema yet")
                wanted = match.group(3)
                found = [o for o in source.output_schemas if wanted == "latest" or o["id"] == int(wanted)]
                if not found:
                    raise SodaError(404, "not_found", f"no output schema {wanted}")
                return {"resource": dict(found[-1]), "links": {}}
        raise SodaError(404, "not_found", f"no route {path}")

    def _publishing_post(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        rest = path[len(PUBLISHING):]
        match = re.fullmatch(r"/revision/([A-Za-z0-9_-]+)", rest)
        if match:
            self._faulted("revision")
            action = json.loads(body or b"{}").get("action", {}).get("type", "update")
            if action not in ("replace", "update", "delete"):
                raise SodaError(400, "invalid_action", f"unknown revision action {action!r}")
            with self.state.lock:
                self._dataset(match.group(1))
                seq = 1 + sum(1 for d, _ in self.state.revisions if d == match.group(1))
                revision = Revision(match.group(1), seq, action)
                self.state.revisions[(revision.dataset_id, seq)] = revision
                return 201, revision.answer()
        match = re.fullmatch(r"/revision/([A-Za-z0-9_-]+)/(\d+)/source", rest)
        if match:
            self._faulted("source")
            spec = json.loads(body or b"{}").get("source_type", {})
            if spec.get("type") != "upload":
                raise SodaError(400, "invalid_source", "this stand-in takes upload sources only")
            with self.state.lock:
                revision = self._open(match.group(1), int(match.group(2)))
                source = Source(next(self.state.ids), revision, spec.get("filename", "upload.csv"))
                self.state.sources[source.id] = source
                return 201, source.answer()
        match = re.fullmatch(r"/source/(\d+)/initiate", rest)
        if match:
            with self.state.lock:
                self._source(int(match.group(1)))
            return 200, {"preferred_chunk_size": 4 * 1024 * 1024, "preferred_upload_parallelism": 1}
        match = re.fullmatch(r"/source/(\d+)/chunk/(\d+)/(\d+)", rest)
        if match:
            self._faulted("chunk")
            with self.state.lock:
                source = self._source(int(match.group(1)))
                source.chunks[int(match.group(2))] = (int(match.group(3)), body)
            return 200, {"seq_num": int(match.group(2)), "byte_offset": int(match.group(3))}
        match = re.fullmatch(r"/source/(\d+)/commit/(\d+)/(\d+)", rest)
        if match:
            self._faulted("commit")
            with self.state.lock:
                source = self._source(int(match.group(1)))
                self._commit(source, int(match.group(2)), int(match.group(3)))
                return 200, source.answer()
        match = re.fullmatch(r"/source/(\d+)/schema/(\d+)", rest)
        if match:
            self._faulted("transform")
            wanted = json.loads(body or b"{}").get("output_columns") or []
            with self.state.lock:
                source = self._source(int(match.group(1)))
                if not source.output_schemas:
                    raise SodaError(400, "not_ready", "the source has not been parsed yet")
                schema = self._output_schema(source, wanted)
                return 201, {"resource": dict(schema), "links": {}}
        raise SodaError(404, "not_found", f"no route {path}")

    def _open(self, dataset_id: str, seq: int) -> Revision:
        revision = self._revision(dataset_id, seq)
        if revision.closed_at or revision.discarded:
            raise SodaError(400, "revision_closed", f"revision {seq} on {dataset_id} is closed")
        return revision

    def _commit(self, source: Source, last_seq: int, end_offset: int) -> None:
        """Join the chunks in byte order, parse the CSV, make the first output schema."""
        chunks = sorted(source.chunks.values())
        if sorted(source.chunks) != list(range(last_seq + 1)):
            raise SodaError(400, "missing_chunks", f"chunks 0..{last_seq} were not all uploaded")
        data, expected = b"", 0
        for offset, piece in chunks:
            if offset != expected:
                raise SodaError(400, "bad_offset", f"a chunk starts at byte {offset}, not {expected}")
            data += piece
            expected += len(piece)
        if expected != end_offset:
            raise SodaError(400, "bad_offset", f"uploaded {expected} bytes, the commit says {end_offset}")
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        source.header = next(reader, [])
        source.rows = list(reader)
        source.finished_at = _now()
        dataset = self.state.datasets[source.revision.dataset_id]
        self._output_schema(source, [
            {"field_name": name, "is_primary_key": name == dataset.row_identifier}
            for name in source.header])

    def _output_schema(self, source: Source, wanted: list[dict[str, Any]]) -> dict[str, Any]:
        dataset = self.state.datasets[source.revision.dataset_id]
        types = dataset.columns or {}
        columns, errors = [], 0
        for position, spec in enumerate(wanted, 1):
            name = spec["field_name"]
            if name not in source.header:
                raise SodaError(400, "unknown_column", f"the upload has no column {name!r}")
            kind = spec.get("transform", {}).get("output_soql_type") or types.get(name, "text")
            index = source.header.index(name)
            for row in source.rows:
                try:
                    _typed(kind, row[index])
                except (ValueError, IndexError):
                    errors += 1
            columns.append({"id": next(self.state.ids), "field_name": name, "position": position,
                            "display_name": spec.get("display_name", name),
                            "is_primary_key": bool(spec.get("is_primary_key")),
                            "transform": {"output_soql_type": kind, "failed_at": None,
                                          "transform_expr": f"`{name}`"}})
        schema = {"id": next(self.state.ids), "input_schema_id": source.input_schema_id(),
                  "output_columns": columns, "error_count": errors,
                  "total_rows": len(source.rows), "completed_at": _now(), "finished_at": _now()}
        source.output_schemas.append(schema)
        return schema

    def _apply_revision(self, dataset_id: str, seq: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            revision = self._open(dataset_id, seq)
            wanted = body.get("output_schema_id")
            found = [(s, o) for s in self.state.sources.values() if s.revision is revision
                     for o in s.output_schemas if o["id"] == wanted]
            if not found:
                raise SodaError(400, "invalid_output_schema", f"no output schema {wanted!r} in this revision")
            source, schema = found[0]
            if schema["error_count"]:
                raise SodaError(400, "validation_errors",
                                f"output schema {wanted} has {schema['error_count']} error(s)")
            revision.output_schema_id = wanted
            task = {"id": next(self.state.ids), "status": "initializing", "output_schema_id": wanted,
                    "created_at": _now(), "finished_at": None, "log": []}
            revision.task_sets.append(task)
            fails = self.state.next_fault("job")[1] is not None
        # The swap happens a moment later, as on a portal: until then readers see the old rows.
        threading.Timer(0.05, self._run_job, (revision, task, source, schema, fails)).start()
        return {"resource": dict(task), "links": {"show": revision.path}}

    def _run_job(self, revision: Revision, task: dict[str, Any], source: Source,
                 schema: dict[str, Any], fails: bool) -> None:
        with self.state.lock:
            task["status"] = "in_progress"
            task["log"].append({"stage": "started", "time": _now()})
        time.sleep(0.05)
        with self.state.lock:
            if fails:
                task.update(status="failure", finished_at=_now())
                task["log"].append({"stage": "failure", "details": "injected job failure", "time": _now()})
                return
            dataset = self.state.datasets[revision.dataset_id]
            columns = sorted(schema["output_columns"], key=lambda c: c["position"])
            kinds = {c["field_name"]: c["transform"]["output_soql_type"] for c in columns}
            keys = [c["field_name"] for c in columns if c["is_primary_key"]]
            dataset.row_identifier = keys[0] if keys else None
            dataset.columns = kinds
            positions = [(c["field_name"], source.header.index(c["field_name"])) for c in columns]
            rows: dict[str, dict[str, Any]] = {}
            for line in source.rows:
                row = {name: _typed(kinds[name], line[i]) for name, i in positions}
                rows[dataset.row_key(row)] = row
            if revision.action == "replace":
                dataset.rows = rows
            else:
                dataset.rows.update(rows)
            task.update(status="successful", finished_at=_now())
            task["log"].append({"stage": "successful", "time": _now()})
            revision.closed_at = _now()

    def _discard(self, path: str) -> dict[str, Any]:
        match = re.fullmatch(PUBLISHING + r"/revision/([A-Za-z0-9_-]+)/(\d+)", path)
        if not match:
            raise SodaError(404, "not_found", f"no route {path}")
        with self.state.lock:
            revision = self._open(match.group(1), int(match.group(2)))
            revision.discarded = True
            revision.closed_at = _now()
            return revision.answer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dataset", action="append", default=[], metavar="ID:ROW_IDENTIFIER")
    parser.add_argument("--response-shape", choices=["legacy", "new"], default="legacy")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--app-token")
    args = parser.parse_args()
    Handler.state = State(args)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"socrata stand-in on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
