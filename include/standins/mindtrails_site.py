"""Stand-in for a MindTrails-style study website's export API (real HTTP on loopback).

It generates a small, deterministic study (by ``--seed``): participants move through sessions
PRE → SESSION1..4 → POST, some drop out, some skip questions or answer 555 ("prefer not to
answer"), a few completed tasks lose their questionnaire entry. Questionnaire entries carry the
participant id in ``participantRSA``, encrypted with the study's public key (PKCS#1 v1.5, base64),
as the real site does.

API (HTTP basic auth, user ``--user``, password ``MINDTRAILS_SITE_PASSWORD`` or ``--password``):
  GET    /api/export/                 [{name, size, deleteable}]
  GET    /api/export/<name>           entries (JSON list, each with an integer id); ?greaterThan=<id>
  DELETE /api/export/<name>/<id>      403 for scales that are not deleteable
  GET    /api/study                   sessions and the tasks each one schedules
Test control (no auth): GET /__health, GET /__state, POST /__fault {"mode": ..., "scale": ...},
POST /__more {"scale": "OA", "entries": 3} (participants submit new questionnaire entries).
Fault modes: error500, truncate (body cut mid-transfer), down (connection dropped), malformed,
missing_id, delete_error, delete_hang (DELETE waits until the fault is cleared, then fails).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

SESSIONS = ["PRE", "SESSION1", "SESSION2", "SESSION3", "SESSION4", "POST"]
TASKS = {
    "PRE": ["Demographics", "OA", "DASS21"],
    "SESSION1": ["OA"],
    "SESSION2": ["OA", "DASS21"],
    "SESSION3": ["OA"],
    "SESSION4": ["OA", "DASS21"],
    "POST": ["OA", "DASS21"],
}
DELETEABLE = {"OA": True, "DASS21": True, "Demographics": True, "TaskLog": False, "Participant": False}
OA_ITEMS = ["anxious_freq", "anxious_sev", "avoid", "interfere", "interfere_social"]
DASS_ITEMS = [f"dass_{i:02d}" for i in range(1, 22)]
PREFER_NOT = 555


class Study:
    """The generated data set, held in memory; thread-safe deletes."""

    def __init__(self, seed: int, participants: int, public_key_pem: bytes):
        self.key = serialization.load_pem_public_key(public_key_pem)
        self.lock = threading.Lock()
        self.scales: dict[str, dict[int, dict]] = {name: {} for name in DELETEABLE}
        self.deleted = 0
        self.rng = random.Random(seed)
        self.participants = participants
        self._generate(self.rng, participants)
        #: ids issued per scale: new entries continue above every id ever handed out
        self.issued = {name: len(table) for name, table in self.scales.items()}

    def encrypt(self, text: str) -> str:
        return base64.b64encode(self.key.encrypt(text.encode(), padding.PKCS1v15())).decode()

    def _answer(self, rng: random.Random, top: int) -> int | None:
        roll = rng.random()
        if roll < 0.04:
            return PREFER_NOT
        if roll < 0.07:
            return None  # skipped question
        return rng.randint(0, top)

    def _generate(self, rng: random.Random, participants: int) -> None:
        start = dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)
        pending: list[tuple[dt.datetime, str, dict]] = []
        for pid in range(1, participants + 1):
            joined = start + dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
            # Dropout: after each session a participant may stop coming back.
            finished = 0
            while finished < len(SESSIONS) and (finished == 0 or rng.random() > 0.18):
                finished += 1
            current = SESSIONS[finished] if finished < len(SESSIONS) else "COMPLETE"
            pending.append((joined, "Participant", {
                "participantId": pid, "study": "Tributary demo study", "currentSession": current,
                "active": current != "COMPLETE" and rng.random() > 0.3,
                "created": joined.isoformat(), "emailRSA": f"p{pid}@example.org",
            }))
            for index, session in enumerate(SESSIONS[:finished]):
                when = joined + dt.timedelta(days=7 * index, minutes=rng.randint(0, 90))
                for task in TASKS[session]:
                    when += dt.timedelta(minutes=rng.randint(2, 15))
                    if rng.random() < 0.04:
                        continue  # task skipped: neither logged nor stored
                    pending.append((when, "TaskLog", {
                        "participantId": pid, "sessionName": session, "taskName": task,
                        "dateCompleted": when.isoformat(),
                    }))
                    if rng.random() < 0.03:
                        continue  # logged as done but the entry never reached the data set
                    pending.append((when, task, self._entry(rng, task, pid, session, when)))
        pending.sort(key=lambda p: (p[0], p[1], json.dumps(p[2], sort_keys=True)))
        for _, scale, entry in pending:
            table = self.scales[scale]
            entry_id = len(table) + 1
            if "emailRSA" in entry:
                entry["emailRSA"] = self.encrypt(entry["emailRSA"])
            table[entry_id] = {"id": entry_id, **entry}

    def _entry(self, rng: random.Random, task: str, pid: int, session: str,
               when: dt.datetime) -> dict:
        entry: dict = {"participantRSA": self.encrypt(str(pid)), "session": session,
                       "date": when.isoformat(), "timeOnPage": round(rng.uniform(20, 400), 1)}
        if task == "OA":
            entry.update({item: self._answer(rng, 4) for item in OA_ITEMS})
        elif task == "DASS21":
            entry.update({item: self._answer(rng, 3) for item in DASS_ITEMS})
        else:
            entry.update({
                "gender": rng.choice(["Female", "Male", "Transgender", "Other", "Prefer not to answer"]),
                "birthYear": rng.choice([PREFER_NOT] + list(range(1950, 2005))),
                "education": rng.choice(["High school", "Some college", "Bachelor", "Master",
                                         "Doctorate", None]),
                "income": rng.choice(["<25k", "25-50k", "50-100k", ">100k", "Prefer not to answer"]),
                "country": rng.choice(["United States", "Canada", "United Kingdom", "India", None]),
            })
        return entry

    def more(self, scale: str, count: int) -> list[int]:
        """``count`` new entries of a questionnaire scale, submitted now; returns their ids."""
        now = dt.datetime.now(dt.UTC)
        ids = []
        with self.lock:
            for _ in range(count):
                pid = self.rng.randint(1, self.participants)
                self.issued[scale] += 1
                entry = self._entry(self.rng, scale, pid, "POST", now)
                self.scales[scale][self.issued[scale]] = {"id": self.issued[scale], **entry}
                ids.append(self.issued[scale])
        return ids

    def listing(self) -> list[dict]:
        with self.lock:
            return [{"name": n, "size": len(t), "deleteable": DELETEABLE[n]} for n, t in self.scales.items()]

    def entries(self, scale: str, greater_than: int | None) -> list[dict]:
        with self.lock:
            rows = self.scales[scale].values()
            return [r for r in rows if greater_than is None or r["id"] > greater_than]

    def delete(self, scale: str, entry_id: int) -> bool:
        with self.lock:
            if self.scales[scale].pop(entry_id, None) is None:
                return False
            self.deleted += 1
            return True


def study_schedule() -> dict:
    return {"name": "Tributary demo study",
            "sessions": [{"name": s, "index": i, "tasks": TASKS[s]} for i, s in enumerate(SESSIONS)]}


class Handler(BaseHTTPRequestHandler):
    study: Study
    credentials: str
    fault: dict = {}
    release = threading.Event()
    stats = {"requests": 0, "pending_deletes": 0}

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write(f"{self.log_date_time_string()} {fmt % args}\n")

    # --- plumbing ---
    def _send(self, status: int, body: object = None, *, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic ") and header[6:].strip() == self.credentials:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="export"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _faulted(self, modes: tuple[str, ...], scale: str | None) -> str | None:
        mode = self.fault.get("mode")
        wanted = self.fault.get("scale")
        if mode in modes and (wanted is None or wanted == scale):
            return mode
        return None

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _parts(self) -> tuple[list[str], dict]:
        url = urlsplit(self.path)
        return [p for p in url.path.split("/") if p], parse_qs(url.query)

    # --- control ---
    def _control(self, parts: list[str]) -> bool:
        if parts == ["__health"]:
            self._send(200, {"ok": True})
        elif parts == ["__state"]:
            self._send(200, {"scales": {s["name"]: s["size"] for s in self.study.listing()},
                             "deleted": self.study.deleted, **self.stats, "fault": self.fault})
        elif parts == ["__fault"] and self.command == "POST":
            length = int(self.headers.get("Content-Length", 0))
            wanted = json.loads(self.rfile.read(length) or b"{}")
            Handler.fault = {k: v for k, v in wanted.items() if v is not None}
            if Handler.fault.get("mode") == "delete_hang":
                Handler.release.clear()
            else:
                Handler.release.set()
            self._send(200, Handler.fault)
        elif parts == ["__more"] and self.command == "POST":
            wanted = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if wanted.get("scale") not in ("OA", "DASS21", "Demographics"):
                self._send(400, {"error": "scale must be OA, DASS21 or Demographics"})
            else:
                self._send(200, {"ids": self.study.more(wanted["scale"], int(wanted.get("entries", 1)))})
        else:
            return False
        return True

    def do_POST(self) -> None:  # noqa: N802
        if not self._control(self._parts()[0]):
            self._send(404, {"error": "not found"})

    def do_GET(self) -> None:  # noqa: N802
        parts, query = self._parts()
        if self._control(parts):
            return
        Handler.stats["requests"] += 1
        if self._faulted(("down",), None):
            return self._drop()
        if not self._authorized():
            return None
        if parts == ["api", "study"]:
            return self._send(200, study_schedule())
        if parts == ["api", "export"]:
            return self._send(200, self.study.listing())
        if len(parts) != 3 or parts[:2] != ["api", "export"] or parts[2] not in DELETEABLE:
            return self._send(404, {"error": f"no such export {self.path}"})
        scale = parts[2]
        if self._faulted(("error500",), scale):
            return self._send(500, {"error": "Internal Server Error"})
        try:
            greater = int(query["greaterThan"][0]) if "greaterThan" in query else None
        except ValueError:
            return self._send(400, {"error": "greaterThan must be an integer"})
        rows = self.study.entries(scale, greater)
        if self._faulted(("missing_id",), scale) and rows:
            rows = [dict(r) for r in rows]
            del rows[len(rows) // 2]["id"]
        body = json.dumps(rows).encode()
        if self._faulted(("malformed",), scale):
            return self._send(200, raw=body[: max(1, len(body) // 2)])
        if self._faulted(("truncate",), scale):
            # Promise the whole body, send half, hang up: the client must notice.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            return self._drop()
        return self._send(200, raw=body)

    def do_DELETE(self) -> None:  # noqa: N802
        parts, _ = self._parts()
        Handler.stats["requests"] += 1
        if self._faulted(("down",), None):
            return self._drop()
        if not self._authorized():
            return None
        if len(parts) != 4 or parts[:2] != ["api", "export"] or parts[2] not in DELETEABLE:
            return self._send(404, {"error": f"no such export {self.path}"})
        scale = parts[2]
        if not DELETEABLE[scale]:
            return self._send(403, {"error": f"{scale} entries may not be deleted"})
        if self._faulted(("delete_hang",), scale):
            Handler.stats["pending_deletes"] += 1
            while not Handler.release.wait(0.1):
                pass
            Handler.stats["pending_deletes"] -= 1
            return self._send(503, {"error": "delete abandoned"})
        if self._faulted(("delete_error",), scale):
            return self._send(500, {"error": "Internal Server Error"})
        try:
            entry_id = int(parts[3])
        except ValueError:
            return self._send(400, {"error": "id must be an integer"})
        if not self.study.delete(scale, entry_id):
            return self._send(404, {"error": f"no {scale} entry {entry_id}"})
        return self._send(200, {"deleted": entry_id})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--public-key", required=True, help="PEM file of the study's RSA public key")
    parser.add_argument("--user", default=os.environ.get("MINDTRAILS_SITE_USER", "exporter"))
    parser.add_argument("--password", default=os.environ.get("MINDTRAILS_SITE_PASSWORD"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--participants", type=int, default=40)
    args = parser.parse_args()
    if not args.password:
        parser.error("set MINDTRAILS_SITE_PASSWORD (or --password)")
    with open(args.public_key, "rb") as fh:
        Handler.study = Study(args.seed, args.participants, fh.read())
    Handler.credentials = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    Handler.release.set()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True

    def stop(*_: object) -> None:
        Handler.release.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started = time.monotonic()
    print(f"mindtrails site on http://{args.host}:{args.port} ({time.monotonic() - started:.1f} s)",
          flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
