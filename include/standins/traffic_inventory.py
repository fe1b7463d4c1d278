"""Stand-in for the city's asset inventory (the device list behind unit data), on loopback.

    python include/standins/traffic_inventory.py --host 127.0.0.1 --port 8765 --devices devices.json

``GET /api/v1/devices?device_type=BLUETOOTH`` answers ``{"records": [...]}`` with the devices of
that type from the JSON file (a list of device objects). When ``TRAFFIC_INVENTORY_TOKEN`` is set
in the environment, requests need ``Authorization: Bearer <token>``. ``GET /__health`` → 200.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def make_handler(devices: list[dict], token: str | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            if url.path == "/__health":
                return self._send(200, {"ok": True})
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                return self._send(401, {"error": "missing or wrong bearer token"})
            if url.path == "/api/v1/devices":
                kind = parse_qs(url.query).get("device_type", [None])[0]
                found = [d for d in devices if kind is None or d.get("device_type") == kind]
                return self._send(200, {"records": found})
            return self._send(404, {"error": f"no route {url.path}"})

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write("inventory: " + fmt % args + "\n")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--devices", required=True, help="JSON file: a list of devices")
    args = parser.parse_args()
    with open(args.devices) as fh:
        devices = json.load(fh)
    server = ThreadingHTTPServer((args.host, args.port),
                                 make_handler(devices, os.environ.get("TRAFFIC_INVENTORY_TOKEN")))
    signal.signal(signal.SIGTERM, lambda *_: (server.server_close(), sys.exit(0)))
    server.serve_forever()


if __name__ == "__main__":
    main()
