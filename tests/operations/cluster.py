"""Launch Airflow the way a multi-machine deployment runs it, on one machine: an API server
(web UI + execution API), a scheduler, a DAG processor, a triggerer and N Celery workers, each a
separate process (own process group, own log file) sharing one metadata database and broker.

The operations tests start one per test session. The settings are the ones `docker-compose.yaml` gives its services.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from tributary.operations.hostname import HOSTNAME_CALLABLE
from tributary.settings import WORKER_HOSTNAME

from include.standins.launch import free_port

ADMIN_USER = "admin"


class ClusterError(RuntimeError):
    """A component did not come up (the message carries the tail of its log)."""


def celery_result_backend(sqlalchemy_conn: str) -> str:
    """Celery's database result backend on the metadata database (`db+postgresql://…`)."""
    parts = urlsplit(sqlalchemy_conn)
    return "db+" + urlunsplit(parts._replace(scheme="postgresql"))


def shared_secrets(env: Mapping[str, str]) -> dict[str, str]:
    """Keys every component must share (JWTs the API server issues to workers, encrypted
    connections, session cookies): taken from `env` when set, else generated once."""
    from cryptography.fernet import Fernet  # noqa: PLC0415

    wanted = {
        "AIRFLOW__API_AUTH__JWT_SECRET": lambda: secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": lambda: secrets.token_urlsafe(32),
        "AIRFLOW__CORE__FERNET_KEY": lambda: Fernet.generate_key().decode(),
    }
    return {key: env.get(key) or make() for key, make in wanted.items()}


@dataclass
class ClusterConfig:
    home: Path                      # AIRFLOW_HOME of the cluster: logs, passwords file
    executor: str = "CeleryExecutor"
    workers: int = 2                # Celery workers (ignored by LocalExecutor)
    worker_concurrency: int = 2
    triggerer: bool = True
    host: str = "127.0.0.1"
    port: int = 0                   # 0: a free port
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Seconds without a heartbeat before the scheduler fails a running task (a dead worker's
    #: tasks then retry elsewhere). Airflow's default is 300.
    heartbeat_timeout: int = 300
    #: Seconds a task may stay queued before the scheduler re-queues it: a message the killed
    #: worker had already reserved is otherwise only redelivered after the broker's visibility
    #: timeout (hours). Airflow's default is 600.
    queued_timeout: int = 600
    extra_env: dict[str, str] = field(default_factory=dict)
    #: Users besides the admin, name -> SimpleAuthManager role (viewer, user, op, admin); each
    #: gets a generated password (`AirflowCluster.passwords`).
    users: dict[str, str] = field(default_factory=dict)


@dataclass
class Component:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    killed: bool = False  # killed on purpose: its exit is not a failure

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"


class AirflowCluster:
    """Start with `start()` (or `with AirflowCluster(...) as cluster:`), stop with `stop()`."""

    def __init__(self, base_env: Mapping[str, str], config: ClusterConfig):
        self.config = config
        self.port = config.port or free_port()
        self.url = f"http://{config.host}:{self.port}"
        self.username = ADMIN_USER
        self.password = secrets.token_urlsafe(12)
        self.passwords = {ADMIN_USER: self.password,
                          **{name: secrets.token_urlsafe(12) for name in config.users}}
        self.env = self._environment(base_env)
        self.components = self._components()

    # --- configuration --------------------------------------------------------------------------
    def _environment(self, base_env: Mapping[str, str]) -> dict[str, str]:
        cfg = self.config
        home = cfg.home
        env = {k: v for k, v in base_env.items() if not k.startswith("AIRFLOW__CELERY__")}
        env.update(shared_secrets(base_env))
        env.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__CORE__EXECUTOR": cfg.executor,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE,
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(
                f"{name}:{role}" for name, role in {ADMIN_USER: "admin", **cfg.users}.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            # The execution API lives in the API server: every task supervisor calls it, so a
            # port other than 8080 must be spelled out here (else tasks call localhost:8080).
            "AIRFLOW__API__HOST": cfg.host,
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(cfg.heartbeat_timeout),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL":
                str(max(2, min(10, cfg.heartbeat_timeout // 4))),
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": str(cfg.queued_timeout),
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL":
                str(max(2, min(120, cfg.queued_timeout // 4))),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            "PYTHONUNBUFFERED": "1",
            # The DAG files do not change while a test session runs: parse each once. Reparsing
            # every 30 s (a subprocess per file) took most of a core from the rest of the suite
            # for as long as the session's cluster stayed up.
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
        })
        if cfg.executor == "CeleryExecutor":
            env.update({
                "AIRFLOW__CELERY__BROKER_URL": cfg.broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND":
                    celery_result_backend(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]),
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(cfg.worker_concurrency),
                # Reserve one message per process, so a dying worker takes few tasks with it.
                "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            })
        env.update(cfg.extra_env)
        return env

    def _components(self) -> list[Component]:
        logs = self.config.home / "processes"
        airflow = [sys.executable, "-m", "airflow"]

        def component(name: str, args: list[str], **extra: str) -> Component:
            return Component(name, [*airflow, *args], {**self.env, **extra}, logs / f"{name}.log")

        parts = [
            component("api-server", ["api-server", "--host", self.config.host, "--port", str(self.port)]),
            component("scheduler", ["scheduler"]),
            component("dag-processor", ["dag-processor"]),
        ]
        if self.config.triggerer:
            parts.append(component("triggerer", ["triggerer"]))
        if self.config.executor == "CeleryExecutor":
            for n in range(1, self.config.workers + 1):
                name = f"worker-{n}"
                parts.append(component(
                    name,
                    ["celery", "worker", "--celery-hostname", f"{name}@%h",
                     "--concurrency", str(self.config.worker_concurrency),
                     "--without-gossip", "--without-mingle"],
                    **{WORKER_HOSTNAME: name,
                       # each worker serves its task logs on its own port
                       "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())},
                ))
        return parts

    # --- lifecycle ------------------------------------------------------------------------------
    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    @property
    def worker_names(self) -> list[str]:
        return [c.name for c in self.components if c.name.startswith("worker-")]

    def start(self, timeout: float = 180.0) -> AirflowCluster:
        home = self.config.home
        (home / "processes").mkdir(parents=True, exist_ok=True)
        (home / "passwords.json").write_text(json.dumps(self.passwords) + "\n")
        try:
            for comp in self.components:
                self._launch(comp)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, comp: Component) -> None:
        log = comp.log_path.open("ab")
        try:
            # Own session: stopping or killing a component takes its children with it
            # (Celery's pool processes, task supervisors), as losing a machine would.
            comp.process = subprocess.Popen(comp.argv, env=comp.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True,
                                            cwd=self.config.home)
        finally:
            log.close()

    def wait_ready(self, timeout: float) -> None:
        """Until the API server answers, its health shows a live scheduler, DAG processor (and
        triggerer), and every Celery worker has said it is ready."""
        deadline = time.monotonic() + timeout
        want = {"metadatabase", "scheduler", "dag_processor"} | ({"triggerer"} if self.config.triggerer else set())
        last = "no answer yet"
        while True:
            self._check_alive()
            try:
                health = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
                healthy = {k for k, v in health.items() if isinstance(v, dict) and v.get("status") == "healthy"}
                last = json.dumps(health)
                if want <= healthy and all(self._worker_ready(w) for w in self.worker_names):
                    return
            except (httpx.HTTPError, ValueError) as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                raise ClusterError(f"cluster not ready after {timeout:.0f}s; last health: {last}\n" + self.logs())
            time.sleep(1.0)

    def _worker_ready(self, name: str) -> bool:
        return " ready." in self.component(name).log_tail(200_000)

    def _check_alive(self) -> None:
        for comp in self.components:
            if comp.process is not None and comp.process.poll() is not None and not comp.killed:
                raise ClusterError(f"{comp.name} exited with {comp.process.returncode}:\n{comp.log_tail()}")

    def kill(self, name: str) -> None:
        """SIGKILL one component and all its children at once: a machine lost mid-task."""
        comp = self.component(name)
        comp.killed = True
        if comp.alive:
            os.killpg(comp.process.pid, signal.SIGKILL)
            comp.process.wait(timeout=10)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM every component's process group, then SIGKILL what is left after `grace`."""
        running = [c for c in self.components if c.alive]
        for comp in running:
            _signal_group(comp.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for comp in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                comp.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for comp in self.components:
            if comp.process is not None:
                _signal_group(comp.process, signal.SIGKILL)  # children that outlived their parent
                with contextlib.suppress(subprocess.TimeoutExpired):
                    comp.process.wait(timeout=5)

    def logs(self, chars: int = 2500) -> str:
        return "\n".join(f"--- {c.name} ---\n{c.log_tail(chars)}" for c in self.components)

    def api(self, username: str = ADMIN_USER):
        """A REST client logged in as ``username`` (the admin unless told)."""
        from tests.operations.airflow_api import AirflowApi  # noqa: PLC0415

        return AirflowApi(self.url, username, self.passwords[username])

    def __enter__(self) -> AirflowCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


class LocalRedis:
    """A private Redis (no persistence) on a loopback port, for a broker nobody else shares."""

    def __init__(self, workdir: Path, port: int = 0):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15.0) -> LocalRedis:
        exe = shutil.which("redis-server")
        if not exe:
            raise ClusterError("redis-server not found: install it (apt-get install redis-server) "
                               "or point the broker at a running Redis")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [exe, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=(self.workdir / "redis.log").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        import redis  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        while True:
            try:
                if redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping():
                    return self
            except redis.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ClusterError(f"redis-server did not start on port {self.port}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
