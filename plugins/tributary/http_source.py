"""`HttpSourceHook`: the one way Tributary talks to an outside HTTP source (a portal, a website,
an inventory, a camera), in the style of Airflow's provider hooks.

The connection gives the base URL: ``host`` (a domain or a full ``http(s)://`` URL), ``schema``
(``http`` or ``https``, nothing else) and ``port``; ``login`` / ``password`` give basic auth, or
the password is a bearer token for a source that says so. Extras every source reads:

- ``timeout`` (read timeout, seconds) and ``connect_timeout``;
- ``max_attempts`` and ``retry_delay`` (the first wait in seconds; it doubles per attempt).

A request that gets no answer (refused, reset, cut mid-body, timed out) or answers 408/429/5xx is
tried again with bounded exponential backoff, as long as ``Retry-After`` asks when the source says.
What is left is said in the platform's vocabulary (`tributary.errors`): a source that still does
not answer is `SourceUnavailable` (Airflow retries the task); 401/403, another 4xx or a malformed
body is `BadInput` (the task fails at once). Every message names the connection; the password and
secret extras are registered with Airflow's secrets masker so no log or message shows them.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from airflow.sdk import BaseHook

from tributary.errors import BadInput, SourceUnavailable, quote_input

log = logging.getLogger(__name__)

#: Answers that may well be different a little later.
TRANSIENT_STATUS = frozenset({408, 429})
#: Failures to get a whole answer: nothing came back, or the body was cut off.
NO_ANSWER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
#: Extras that hold secrets (masked like the password).
SECRET_EXTRAS = ("app_token", "token", "api_key", "private_key")


def is_retryable(status: int) -> bool:
    """Whether an HTTP status is worth asking again for (408, 429, 5xx)."""
    return status in TRANSIENT_STATUS or 500 <= status <= 599


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _attempts(count: int) -> str:
    return f"{count} attempt" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff: attempt n (1-based) waits ``base * 2**(n-1)``, at most ``cap``.

    A ``Retry-After`` from the source wins over the computed delay (capped at ``max_retry_after``
    so a bogus header cannot park a worker for hours).
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.max_retry_after)
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)

    def should_retry(self, attempt: int, status: int | None) -> bool:
        """Whether attempt ``attempt`` (just failed with ``status``; None = no answer) gets another."""
        if attempt >= self.max_attempts:
            return False
        return status is None or is_retryable(status)


class HttpSourceHook(BaseHook):
    """An outside HTTP source behind an Airflow connection (conn type ``http`` unless a subclass
    says otherwise). Subclasses name their connection, auth, timeouts, retry defaults and errors.

    :param conn_id: the Airflow connection to use (the class's ``default_conn_name`` if omitted);
        also accepted under the class's ``conn_name_attr`` (``socrata_conn_id=...``).
    :param retry_policy: overrides the connection's ``max_attempts`` / ``retry_delay``.
    :param sleep: the wait function between attempts (tests pass a recording one).
    """

    conn_name_attr = "http_conn_id"
    default_conn_name = "http_default"
    conn_type = "http"
    hook_name = "HTTP source"

    #: ``basic`` (login + password), ``bearer`` (the password is a token) or ``None``.
    auth_type: ClassVar[str | None] = "basic"
    default_scheme: ClassVar[str] = "https"
    #: (connect, read) seconds, unless the extras ``connect_timeout`` / ``timeout`` say otherwise.
    timeouts: ClassVar[tuple[float, float]] = (10.0, 60.0)
    default_retry: ClassVar[RetryPolicy] = RetryPolicy()
    #: The errors raised; a source may narrow them to its own (subclasses of these).
    unavailable_error: ClassVar[type[SourceUnavailable]] = SourceUnavailable
    refused_error: ClassVar[type[BadInput]] = BadInput
    user_agent: ClassVar[str] = "tributary/0.1"

    def __init__(self, conn_id: str | None = None, *, retry_policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, **named: str) -> None:
        super().__init__()
        conn_id = conn_id or named.pop(self.conn_name_attr, None)
        if named:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {sorted(named)}")
        setattr(self, self.conn_name_attr, conn_id or self.default_conn_name)
        self._retry_policy = retry_policy
        self._sleep = sleep

    @property
    def conn_id(self) -> str:
        return getattr(self, self.conn_name_attr)

    @property
    def label(self) -> str:
        """How messages name this source."""
        return f"connection {self.conn_id!r}"

    # --- the connection ------------------------------------------------------------------------

    @cached_property
    def connection(self):
        """The Airflow connection, its secrets registered for masking on first use."""
        from airflow.sdk.log import mask_secret  # noqa: PLC0415

        conn = self.get_connection(self.conn_id)
        if conn.password:
            mask_secret(conn.password, "password")
        extra = conn.extra_dejson or {}
        for key, value in extra.items():
            if value and key.rsplit("__", 1)[-1] in SECRET_EXTRAS:
                mask_secret(value, key)
        return conn

    @cached_property
    def extra(self) -> dict[str, Any]:
        """The connection's extras; ``extra__<conn type>__<name>`` (older forms) read as ``<name>``."""
        extra = self.connection.extra_dejson or {}
        prefix = f"extra__{self.conn_type}__"
        return {**{k[len(prefix):]: v for k, v in extra.items() if k.startswith(prefix)},
                **{k: v for k, v in extra.items() if not k.startswith(prefix)}}

    @cached_property
    def base_url(self) -> str:
        """``scheme://host[:port][/path]`` from the connection; only http and https."""
        conn = self.connection
        host = (conn.host or "").strip().rstrip("/")
        if not host:
            raise self.refused_error(f"{self.label} has no host")
        if "://" in host:  # a full URL typed into the host field
            parts = urlsplit(host)
            scheme, netloc, path = parts.scheme.lower(), parts.netloc, parts.path
        else:
            scheme, netloc, path = (conn.schema or self.default_scheme).strip().lower(), host, ""
        if scheme not in ("https", "http"):
            raise self.refused_error(f"{self.label}: scheme must be https or http, not "
                                     f"{quote_input(scheme, 40)!r}")
        if conn.port and ":" not in netloc:
            netloc = f"{netloc}:{conn.port}"
        return f"{scheme}://{netloc}{path}"

    def _number(self, name: str, default: float, *, whole: bool = False) -> float:
        """The extra ``name`` as a number ≥ 0 (a whole one ≥ 1 if ``whole``), else ``default``."""
        value = self.extra.get(name)
        if value is None or value == "":
            return default
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if not 0 <= number < math.inf or (whole and (number < 1 or number != int(number))):
            kind = "a whole number from 1" if whole else "a number of seconds"
            raise self.refused_error(f"{self.label}: extra {name!r} must be {kind}, "
                                     f"not {quote_input(repr(value), 60)}")
        return number

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds: the extras ``connect_timeout`` and ``timeout`` win."""
        connect, read = self.timeouts
        return self._number("connect_timeout", connect), self._number("timeout", read)

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """The policy given to the hook, else the source's default with the connection's extras."""
        if self._retry_policy is not None:
            return self._retry_policy
        policy = self.default_retry
        return replace(policy,
                       max_attempts=int(self._number("max_attempts", policy.max_attempts, whole=True)),
                       base_delay=self._number("retry_delay", policy.base_delay))

    def get_conn(self) -> requests.Session:
        """A session with the source's auth and headers."""
        conn = self.connection
        session = requests.Session()
        session.headers.update({"Accept": "application/json", "User-Agent": self.user_agent})
        if self.auth_type == "basic" and conn.login:
            session.auth = (conn.login, conn.password or "")
        elif self.auth_type == "bearer" and conn.password:
            session.headers["Authorization"] = f"Bearer {conn.password}"
        return session

    @cached_property
    def session(self) -> requests.Session:
        return self.get_conn()

    def url(self, path_or_url: str) -> str:
        """A path joined to the base URL; a full URL as it is."""
        if "://" in path_or_url:
            return path_or_url
        return self.base_url + ("" if path_or_url.startswith("/") else "/") + path_or_url

    # --- requests --------------------------------------------------------------------------------

    def request(self, method: str, path_or_url: str, *, params: dict[str, Any] | None = None,
                data: bytes | None = None, json_body: Any = None, headers: dict[str, str] | None = None,
                resend: bool = True) -> requests.Response:
        """One call to the source with its whole body read: a 2xx/3xx answer, or an error.

        No answer (or a body cut short) and 408/429/5xx answers are tried again per the retry
        policy (waiting as long as ``Retry-After`` asks); a lost answer only when ``resend`` says
        sending twice is harmless. What is still wrong after that raises, see `status_error`.
        """
        return self._send(method, path_or_url, self.retry_policy, params=params, data=data,
                          json=json_body, headers=headers, resend=resend)

    def _send(self, method: str, path_or_url: str, policy: RetryPolicy, *, resend: bool = True,
              **kwargs: Any) -> requests.Response:
        url = self.url(path_or_url)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
                # Reading the body here makes a connection cut mid-transfer an error (retried),
                # so a partial body is never mistaken for a whole one.
                response.content  # noqa: B018
            except NO_ANSWER as exc:
                if not (resend and policy.should_retry(attempt, None)):
                    raise self.unavailable_error(self.no_answer_message(
                        method, path_or_url, exc, attempt)) from None
                self._wait(policy.delay(attempt), method, url, f"{type(exc).__name__}", attempt, policy)
                continue
            except requests.RequestException as exc:  # an unusable URL, too many redirects
                raise self.refused_error(f"{self.label}: {method} {quote_input(path_or_url)}: "
                                         f"{type(exc).__name__}: {quote_input(exc)}") from None
            status = response.status_code
            if status < 400:
                return response
            if policy.should_retry(attempt, status):
                self._wait(policy.delay(attempt, response.headers.get("Retry-After")),
                           method, url, f"HTTP {status}", attempt, policy)
                continue
            raise self.status_error(method, path_or_url, response, attempt)

    def _wait(self, seconds: float, method: str, url: str, why: str, attempt: int,
              policy: RetryPolicy) -> None:
        log.warning("%s: %s %s: %s; retrying in %.1f s (attempt %d of %d)", self.label, method,
                    url, why, seconds, attempt + 1, policy.max_attempts)
        self._sleep(seconds)

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        """GET and decode JSON; a body that is not JSON is `refused_error`."""
        response = self.request("GET", path_or_url, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise self.refused_error(f"{self.label}: GET {quote_input(path_or_url)} returned "
                                     f"malformed JSON: {quote_input(response.text)!r}") from None

    # --- what a failure says (subclasses may word it their way) ----------------------------------

    def detail(self, text: str) -> str:
        """The part of an error body worth quoting."""
        return quote_input(text.strip()) or "(empty body)"

    def no_answer_message(self, method: str, target: str, exc: Exception, attempts: int) -> str:
        return (f"{self.label}: {method} {quote_input(target)} failed after {_attempts(attempts)}: "
                f"{type(exc).__name__}: {quote_input(exc)}")

    def status_error(self, method: str, target: str, response: requests.Response,
                     attempts: int) -> Exception:
        """The error for an answer ≥ 400 that retrying did not (or cannot) change."""
        status, detail, target = response.status_code, self.detail(response.text), quote_input(target)
        if is_retryable(status):
            return self.unavailable_error(f"{self.label}: {method} {target} still answered "
                                          f"{status} after {_attempts(attempts)}: {detail}")
        if status in (401, 403):
            return self.refused_error(f"{self.label}: {method} {target}: the source refused the "
                                      f"credentials ({status}): {detail}")
        return self.refused_error(f"{self.label}: {method} {target} answered {status}: {detail}")

    # --- the web UI's Test button ----------------------------------------------------------------

    #: What `test_connection` asks for (a cheap GET the credentials must pass).
    test_path: ClassVar[str] = "/"

    def test_connection(self) -> tuple[bool, str]:
        """Can we reach the source with these settings? One attempt, no waiting."""
        try:
            response = self._send("GET", self.test_path, RetryPolicy(max_attempts=1))
        except Exception as exc:  # the UI shows the reason, whatever it is  # noqa: BLE001
            return False, str(exc)
        return True, f"{self.base_url} answered {response.status_code}"
