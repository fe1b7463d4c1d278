"""Stand-in for the GRIDSMART cameras' HTTP APIs: many devices behind one loopback port.

    python include/standins/gridsmart_device.py --host 127.0.0.1 --port 8902 --data DIR

A real camera answers on ``http://<device_ip>:8902``; here device ``<ip>`` lives under
``/devices/<ip>``, so the pipeline's URL template is ``http://127.0.0.1:PORT/devices/{ip}``.
``DIR/<ip>/site.json`` and ``DIR/<ip>/counts/<YYYY-MM-DD>.zip`` come from the sample generator.
Routes (per device): ``GET /api/site`` (site file), ``GET /api/counts/bydate/<YYYY-MM-DD>``
(zipped per-zone count files; 404 when the camera has no counts that day). A device without a
folder is offline: 503. ``GET /__health`` → 200.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROUTE = re.compile(r"^/devices/(?P<ip>[0-9.]+)/api/(?:(?P<site>site)|counts/bydate/(?P<day>\d{4}-\d{2}-\d{2}))$")


def make_handler(data: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/__health":
                return self._send(200, b'{"ok": true}')
            match = ROUTE.match(self.path)
            if not match:
                return self._send(404, b'{"error": "no such route"}')
            folder = data / match["ip"]
            if not folder.is_dir():
                return self._send(503, b'{"error": "device offline"}')
            if match["site"]:
                return self._send(200, (folder / "site.json").read_bytes())
            counts = folder / "counts" / f"{match['day']}.zip"
            if not counts.is_file():
                return self._send(404, b'{"error": "no counts for that day"}')
            return self._send(200, counts.read_bytes(), "application/zip")

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write("gridsmart: " + fmt % args + "\n")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.data))
    signal.signal(signal.SIGTERM, lambda *_: (server.server_close(), sys.exit(0)))
    server.serve_forever()


if __name__ == "__main__":
    main()
