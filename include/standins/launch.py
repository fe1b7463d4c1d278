"""Start the local stand-ins for outside services (`include/standins/<name>.py`) on loopback.

A stand-in is a real HTTP server in its own process: it takes ``--host``/``--port`` (plus its own
options), answers ``GET /__health`` with 200 once ready, and exits on SIGTERM. Tests and the demo
start them through `start()`; clients talk to them over real sockets, never patched functions.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tributary import settings

STANDINS_DIR = settings.INCLUDE_DIR / "standins"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class StandIn:
    name: str
    host: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(name: str, *args: str, port: int | None = None, host: str = "127.0.0.1",
          env: dict[str, str] | None = None, timeout: float = 30.0) -> StandIn:
    """Start ``include/standins/<name>.py`` and wait until it answers ``/__health``."""
    script = STANDINS_DIR / f"{name}.py"
    if not script.exists():
        raise FileNotFoundError(f"no stand-in {script}")
    port = port or free_port(host)
    log_dir = settings.LOCAL_DIR / "standins"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, str(script), "--host", host, "--port", str(port), *args],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )
    handle = StandIn(name, host, port, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"stand-in {name} exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{handle.url}/__health", timeout=1) as response:
                if response.status == 200:
                    return handle
        except OSError:
            time.sleep(0.1)
    handle.stop()
    raise TimeoutError(f"stand-in {name} did not answer on {handle.url} within {timeout} s")
