"""`make api`: the HTTP API alone, a real uvicorn process on a loopback port."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import httpx

from include.standins.launch import free_port


def test_the_api_refuses_to_start_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "TRIBUTARY_API_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "tributary.cli", "api"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: TRIBUTARY_API_TOKEN is not set") and result.stderr.count("\n") == 1


def test_the_api_alone_serves_on_api_port():
    token, port = secrets.token_urlsafe(24), free_port()
    env = {**os.environ, "TRIBUTARY_API_TOKEN": token, "API_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "tributary.cli", "api"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the API did not come up"
            time.sleep(0.3)
        assert httpx.get(f"{base}/api/v1/uploads", timeout=10).status_code == 401
        listed = httpx.get(f"{base}/api/v1/uploads", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert listed.status_code == 200, listed.text
        assert listed.headers["X-More"] == "false"
    finally:
        server.terminate()
        server.wait(timeout=20)
