"""The shared HTTP source hook against a real loopback server that answers as each test scripts it:
retries and their waits, Retry-After, cut connections, refusals, timeouts, masking, base URLs."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tributary.errors import BadInput, SourceUnavailable
from tributary.http_source import HttpSourceHook, RetryPolicy, is_retryable, parse_retry_after

SECRET = "s3cr3t-Pa55word-for-tests"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIfaketestkey\n-----END PRIVATE KEY-----"


@dataclass
class Answer:
    """One scripted answer: a status and body, or ``cut`` (promise a body, send half, hang up),
    or ``drop`` (close without answering); ``delay`` seconds before answering."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False
    drop: bool = False
    delay: float = 0.0


class Scripted(ThreadingHTTPServer):
    """A loopback server answering from a script (the last answer repeats); it keeps each request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list[Answer] = []
        self.seen: list[dict] = []

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (a timeout test) is expected: no traceback

    def next_answer(self) -> Answer:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def _answer(self) -> None:
        self.server.seen.append({"method": self.command, "path": self.path,
                                 "authorization": self.headers.get("Authorization")})
        answer = self.server.next_answer()
        time.sleep(answer.delay)
        if answer.drop:
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body[: len(answer.body) // 2] if answer.cut else answer.body)
        if answer.cut:
            self.wfile.flush()
            self.close_connection = True

    do_GET = do_POST = do_DELETE = _answer  # noqa: N815 (http.server's naming)

    def log_message(self, fmt: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[Scripted]:
    running = Scripted()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def source(server: Scripted, monkeypatch: pytest.MonkeyPatch):
    """Makes a hook on connection ``http_test`` pointing at the server, with the given extras."""
    def make(*script: Answer, extra: dict | None = None, login: str = "reader",
             hook_class: type[HttpSourceHook] = HttpSourceHook) -> tuple[HttpSourceHook, list[float]]:
        server.script, server.seen[:] = list(script) or [Answer()], []
        monkeypatch.setenv("AIRFLOW_CONN_HTTP_TEST", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1],
            "schema": "http", "login": login, "password": SECRET,
            "extra": {"retry_delay": 0.5, **(extra or {})}}))
        waits: list[float] = []
        return hook_class("http_test", sleep=waits.append), waits

    return make


def test_503_is_retried_with_backoff_then_succeeds(source, server):
    hook, waits = source(Answer(503), Answer(503), Answer(200, b'{"rows": 3}'))
    assert hook.get_json("/data") == {"rows": 3}
    assert waits == [0.5, 1.0] and len(server.seen) == 3
    assert server.seen[0]["authorization"].startswith("Basic ")


def test_429_waits_as_long_as_retry_after_says(source, server):
    hook, waits = source(Answer(429, headers={"Retry-After": "7"}), Answer())
    assert hook.request("POST", "/upsert", data=b"[]").status_code == 200
    assert waits == [7.0] and [r["method"] for r in server.seen] == ["POST", "POST"]


def test_a_body_cut_short_is_retried_then_unavailable(source, server):
    hook, waits = source(Answer(cut=True, body=b"[" + b"1," * 500 + b"1]"), extra={"max_attempts": 3})
    with pytest.raises(SourceUnavailable, match=r"connection 'http_test': GET /data failed after "
                                                r"3 attempts: ChunkedEncodingError") as failed:
        hook.request("GET", "/data")
    assert not isinstance(failed.value, BadInput)
    assert len(server.seen) == 3 and waits == [0.5, 1.0]


def test_a_dropped_connection_is_retried_then_answers(source, server):
    hook, waits = source(Answer(drop=True), Answer(200, b"[1, 2]"))
    assert hook.get_json("/data") == [1, 2] and waits == [0.5]


def test_a_lost_answer_is_not_resent_when_sending_twice_would_harm(source, server):
    hook, waits = source(Answer(drop=True), Answer())
    with pytest.raises(SourceUnavailable, match="failed after 1 attempt:"):
        hook.request("DELETE", "/entry/4", resend=False)
    assert len(server.seen) == 1 and waits == []


def test_5xx_still_there_after_the_attempts_is_unavailable(source, server):
    hook, waits = source(Answer(500, b"database is down"), extra={"max_attempts": 2})
    with pytest.raises(SourceUnavailable, match="GET /data still answered 500 after 2 attempts: database is down"):
        hook.request("GET", "/data")
    assert len(server.seen) == 2


@pytest.mark.parametrize(("status", "words"), [(401, r"refused the credentials \(401\)"),
                                               (403, r"refused the credentials \(403\)"),
                                               (404, "answered 404")])
def test_4xx_fails_at_once_as_bad_input(source, server, status, words):
    hook, waits = source(Answer(status, b'{"error": "no"}'))
    with pytest.raises(BadInput, match=rf"connection 'http_test': GET /data.*{words}: .*no") as refused:
        hook.request("GET", "/data")
    assert not isinstance(refused.value, SourceUnavailable)
    assert len(server.seen) == 1 and waits == []
    assert SECRET not in str(refused.value)


def test_malformed_json_is_bad_input_quoting_the_body(source):
    hook, _ = source(Answer(200, b"<html>gateway</html>"))
    with pytest.raises(BadInput, match=r"GET /data returned malformed JSON: .*<html>gateway"):
        hook.get_json("/data")


def test_timeouts_come_from_the_extras(source, server):
    hook, waits = source(Answer(delay=1.0), extra={"timeout": 0.2, "connect_timeout": 2, "max_attempts": 1})
    assert hook.timeout == (2.0, 0.2)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="ReadTimeout"):
        hook.request("GET", "/slow")
    assert time.monotonic() - started < 0.9
    plain, _ = source(Answer())
    assert plain.timeout == HttpSourceHook.timeouts


def test_retry_policy_comes_from_the_extras_unless_given(source):
    hook, _ = source(extra={"max_attempts": 4, "retry_delay": 2})
    assert hook.retry_policy == RetryPolicy(max_attempts=4, base_delay=2.0)
    for bad in ({"max_attempts": 0}, {"max_attempts": "many"}, {"max_attempts": 2.5}, {"timeout": "-1"},
                {"timeout": "nan"}, {"retry_delay": "inf"}):
        with pytest.raises(BadInput, match="connection 'http_test': extra"):
            hook, _ = source(extra=bad)
            _ = hook.retry_policy, hook.timeout


def test_secrets_are_masked(source):
    from airflow.sdk._shared.secrets_masker import redact

    hook, _ = source(extra={"private_key": KEY, "app_token": "tok-abc-123-xyz"})
    assert hook.connection.password == SECRET
    said = str(redact(f"password {SECRET}, key {KEY}, token tok-abc-123-xyz"))
    assert SECRET not in said and "MIIfaketestkey" not in said and "tok-abc-123-xyz" not in said


def test_bearer_auth_sends_the_password_as_token(source, server):
    class Bearer(HttpSourceHook):
        auth_type = "bearer"

    hook, _ = source(hook_class=Bearer)
    hook.request("GET", "/data")
    assert server.seen[-1]["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(("conn", "url"), [
    ({"host": "data.example.gov"}, "https://data.example.gov"),
    ({"host": "127.0.0.1", "port": 8123, "schema": "http"}, "http://127.0.0.1:8123"),
    ({"host": "https://data.example.gov/"}, "https://data.example.gov"),
    ({"host": "http://10.0.0.1/devices", "port": 81}, "http://10.0.0.1:81/devices"),
])
def test_base_url_from_the_connection(monkeypatch, conn, url):
    monkeypatch.setenv("AIRFLOW_CONN_HTTP_URL", json.dumps({"conn_type": "http", **conn}))
    assert HttpSourceHook("http_url").base_url == url


@pytest.mark.parametrize(("conn", "message"), [({"host": "x.gov", "schema": "ftp"}, "scheme must be"),
                                               ({"host": ""}, "has no host")])
def test_bad_base_url_is_bad_input(monkeypatch, conn, message):
    monkeypatch.setenv("AIRFLOW_CONN_HTTP_URL", json.dumps({"conn_type": "http", **conn}))
    with pytest.raises(BadInput, match=f"connection 'http_url'.*{message}"):
        _ = HttpSourceHook("http_url").base_url


def test_test_connection_reports_without_waiting(source, server):
    hook, waits = source(Answer())
    assert hook.test_connection() == (True, f"{hook.base_url} answered 200")
    hook, waits = source(Answer(503))
    ok, message = hook.test_connection()
    assert not ok and "503" in message and len(server.seen) == 1 and waits == []


def test_backoff_grows_is_capped_and_yields_to_retry_after():
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=3)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]
    assert policy.delay(1, "7") == 7
    assert RetryPolicy(max_retry_after=10).delay(1, "3600") == 10
    assert all(policy.should_retry(1, status) for status in (408, 429, 503, None))
    assert not policy.should_retry(1, 400) and not policy.should_retry(1, 401)
    assert not policy.should_retry(5, 503)
    assert is_retryable(500) and is_retryable(408) and not is_retryable(404)


def test_retry_after_as_http_date():
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
