"""A local SODA-compatible server (Socrata stand-in) on loopback, for tests, the demo and the bench.

Speaks the parts of SODA 2 the publisher uses:
  POST /resource/<id>.json   upsert a JSON array by the dataset's row identifier; ``:deleted``
                             rows delete. Basic auth and ``X-App-Token`` are checked.
  GET  /resource/<id>.json   rows, with ``$limit`` (default 1000), ``$offset``, ``$order``,
                             ``$where`` (equalities joined by AND) and simple ``col=value`` filters.
  GET  /api/views.json       an (empty) catalogue, for connection tests.
Values are kept as they arrived (JSON types), so tests can check what the client sent; a real
portal answers numbers as strings.

Control endpoints (no auth; loopback only):
  GET  /__health                     200 when ready
  POST /__datasets                   {"id": "abcd-1234", "row_identifier": "id"} creates a dataset
  GET  /__datasets                   datasets with row counts
  POST /__faults                     {"status": 500, "on_request": 3, "times": 1,
                                      "retry_after": 2, "delay": 0.5, "body": "..."}: the
                                     on_request-th upsert from now (1 = the next) gets this answer
                                     (a delay alone makes a slow but normal answer)
  DELETE /__faults                   clear faults
  GET  /__requests                   the log of /resource requests; DELETE clears it
  POST /__config                     {"response_shape": "legacy" | "new"}

Options: --host, --port, --dataset ID:ROW_IDENTIFIER (repeatable), --response-shape. Credentials
come from the environment (SOCRATA_STANDIN_USERNAME, SOCRATA_STANDIN_PASSWORD,
SOCRATA_STANDIN_APP_TOKEN) or --username/--password/--app-token; without a username, writes need
no auth. Exits on SIGTERM.
"""

from __future__ import annotations

import argparse
import base64
import hmac
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


def _key(value: Any) -> str:
    # 5 and "5" are one identifier, as on a portal whose column has a type.
    return value if isinstance(value, str) else json.dumps(value)


class Dataset:
    def __init__(self, dataset_id: str, row_identifier: str) -> None:
        self.id, self.row_identifier = dataset_id, row_identifier
        self.rows: dict[str, dict[str, Any]] = {}


class State:
    def __init__(self, args: argparse.Namespace) -> None:
        self.lock = threading.Lock()
        self.username = args.username or os.environ.get("SOCRATA_STANDIN_USERNAME") or ""
        self.password = args.password or os.environ.get("SOCRATA_STANDIN_PASSWORD") or ""
        self.app_token = args.app_token or os.environ.get("SOCRATA_STANDIN_APP_TOKEN") or ""
        self.response_shape = args.response_shape
        self.datasets: dict[str, Dataset] = {}
        for spec in args.dataset:
            dataset_id, _, row_identifier = spec.partition(":")
            self.datasets[dataset_id] = Dataset(dataset_id, row_identifier or "id")
        self.faults: list[dict[str, Any]] = []
        self.upserts_seen = 0
        self.requests: list[dict[str, Any]] = []


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

    # --- routes ----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        try:
            if url.path == "/__health":
                return self._send(200, {"ok": True})
            if url.path == "/__requests":
                with self.state.lock:
                    return self._send(200, list(self.state.requests))
            if url.path == "/__datasets":
                with self.state.lock:
                    return self._send(200, [{"id": d.id, "row_identifier": d.row_identifier,
                                             "rows": len(d.rows)} for d in self.state.datasets.values()])
            if url.path == "/api/views.json":
                self._check_auth()
                return self._send(200, [])
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
        with self.state.lock:
            if path == "/__faults":
                self.state.faults.clear()
            elif path == "/__requests":
                self.state.requests.clear()
            else:
                return self._error(SodaError(404, "not_found", f"no route {path}"))
        self._send(200, {"ok": True})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        try:
            if path == "/__datasets":
                spec = json.loads(body)
                with self.state.lock:
                    self.state.datasets[spec["id"]] = Dataset(spec["id"], spec.get("row_identifier", "id"))
                return self._send(201, {"ok": True})
            if path == "/__faults":
                fault = json.loads(body)
                with self.state.lock:
                    fault["at"] = self.state.upserts_seen + int(fault.get("on_request", 1))
                    fault.setdefault("times", 1)
                    self.state.faults.append(fault)
                return self._send(201, fault)
            if path == "/__config":
                config = json.loads(body)
                with self.state.lock:
                    self.state.response_shape = config.get("response_shape", self.state.response_shape)
                return self._send(200, {"response_shape": self.state.response_shape})
            match = RESOURCE.match(path)
            if match:
                return self._upsert(match.group(1), body)
            raise SodaError(404, "not_found", f"no route {path}")
        except SodaError as exc:
            self._error(exc)
        except (ValueError, KeyError) as exc:
            self._error(SodaError(400, "invalid_request", f"cannot read the request: {exc}"))

    def _upsert(self, dataset_id: str, body: bytes) -> None:
        state = self.state
        entry: dict[str, Any] = {"method": "POST", "path": self.path,
                                 "app_token": bool(self.headers.get("X-App-Token"))}
        try:
            with state.lock:
                state.upserts_seen += 1
                entry["n"] = n = state.upserts_seen
                fault = next((f for f in state.faults if f["at"] <= n < f["at"] + f["times"]), None)
            if fault:
                entry["fault"] = True
                if fault.get("delay"):
                    time.sleep(float(fault["delay"]))
                if fault.get("status"):
                    headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
                    raise SodaError(int(fault["status"]), "injected_fault",
                                    fault.get("body") or f"injected fault on request {n}", headers)
            self._check_auth()
            rows = json.loads(body)
            if not isinstance(rows, list):
                raise SodaError(400, "invalid_request", "an upsert body must be a JSON array of rows")
            entry.update(rows=len(rows))
            result = self._apply(dataset_id, rows)
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

    def _apply(self, dataset_id: str, rows: list[Any]) -> dict[str, Any]:
        created = updated = deleted = 0
        errors: list[str] = []
        with self.state.lock:
            dataset = self._dataset(dataset_id)
            rid = dataset.row_identifier
            ids = []
            for number, row in enumerate(rows, 1):
                if not isinstance(row, dict) or row.get(rid) is None:
                    errors.append(f"row {number}: no value for row identifier {rid!r}")
                    continue
                key = _key(row[rid])
                ids.append(row[rid])
                if row.get(DELETED):
                    deleted += dataset.rows.pop(key, None) is not None
                elif key in dataset.rows:
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
