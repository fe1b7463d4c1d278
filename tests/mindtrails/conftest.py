"""MindTrails fixtures: a generated study key pair and site password, the stand-in website on
loopback, its Airflow connection, and a local SMTP sink that collects the alert emails."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import requests
from tributary.mindtrails import rsa_fields

from include.standins import launch


@dataclass
class Site:
    url: str
    port: int
    user: str
    password: str
    handle: launch.StandIn

    def fault(self, mode: str | None, scale: str | None = None) -> None:
        requests.post(f"{self.url}/__fault", json={"mode": mode, "scale": scale}, timeout=5).raise_for_status()

    def more(self, scale: str, entries: int) -> list[int]:
        """New entries arrive on the website; returns their ids."""
        response = requests.post(f"{self.url}/__more", json={"scale": scale, "entries": entries}, timeout=5)
        response.raise_for_status()
        return response.json()["ids"]

    def state(self) -> dict:
        return requests.get(f"{self.url}/__state", timeout=5).json()

    def entries(self, scale: str) -> list[dict]:
        response = requests.get(f"{self.url}/api/export/{scale}", auth=(self.user, self.password), timeout=10)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def study_keys(tmp_path_factory) -> tuple[str, Path]:
    """(private PEM, path of the public PEM), generated for this test session."""
    private, public = rsa_fields.generate_key_pair()
    path = tmp_path_factory.mktemp("keys") / "public.pem"
    path.write_text(public)
    return private, path


def start_site(public_key: Path, seed: int = 7, participants: int = 30, port: int | None = None) -> Site:
    user, password = "exporter", secrets.token_urlsafe(16)
    handle = launch.start("mindtrails_site", "--public-key", str(public_key), "--user", user,
                           "--seed", str(seed), "--participants", str(participants), port=port,
                           env={"MINDTRAILS_SITE_PASSWORD": password})
    return Site(handle.url, handle.port, user, password, handle)


@pytest.fixture
def site(study_keys):
    running = start_site(study_keys[1])
    try:
        yield running
    finally:
        running.handle.stop()


def connect_server(monkeypatch, site: Site, name: str = "alpha", *, private_key: str | None,
                   delete_mode: bool = False, password: str | None = None, ready: bool = True) -> None:
    """Define the Airflow connection mindtrails_<name> for ``site`` through the environment."""
    # Two quick attempts: the retries are exercised without waiting seconds per failed request.
    extra = {"ready": ready, "delete_mode": delete_mode, "max_attempts": 2, "retry_delay": 0.01}
    if private_key:
        extra["private_key"] = private_key
    monkeypatch.setenv(f"AIRFLOW_CONN_MINDTRAILS_{name.upper()}", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": site.port, "schema": "http",
        "login": site.user, "password": password or site.password, "extra": extra,
    }))


@dataclass
class Sink:
    messages: list[Message] = field(default_factory=list)

    def text(self) -> str:
        parts = []
        for msg in self.messages:
            parts.append(msg["Subject"] or "")
            for part in msg.walk():
                if part.get_content_maintype() == "text":
                    parts.append(part.get_payload(decode=True).decode())
        return "\n".join(parts)

    def alerts(self) -> list[tuple[str, str, str, str]]:
        """(kind, severity, subject, body) of every message, in arrival order."""
        found = []
        for msg in self.messages:
            body = "\n".join(part.get_payload(decode=True).decode() for part in msg.walk()
                             if part.get_content_maintype() == "text")
            found.append((msg["X-Tributary-Alert"], msg["X-Tributary-Severity"], msg["Subject"], body))
        return found


@pytest.fixture
def smtp_sink(monkeypatch):
    """An SMTP server on loopback collecting messages; smtp_default and the Variable
    mindtrails_alert_emails point at it."""
    from aiosmtpd.controller import Controller

    sink = Sink()

    class Collect:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            sink.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    port = launch.free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0, "timeout": 5},
    }))
    monkeypatch.setenv("AIRFLOW_VAR_MINDTRAILS_ALERT_EMAILS", "study-admin@example.org, pi@example.org")
    try:
        yield sink
    finally:
        controller.stop()
