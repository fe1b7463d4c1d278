"""When to try a request again, and how long to wait first.

429 (throttled) and 5xx answers are transient: wait and retry, with an exponential delay, or as
long as the portal's ``Retry-After`` asks (seconds or an HTTP date). Other 4xx answers are the
caller's mistake and are never retried. Attempts are bounded so a dead portal fails the task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


def is_retryable(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


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


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff: attempt n (1-based) waits ``base * 2**(n-1)``, at most ``cap``.

    A ``Retry-After`` from the portal wins over the computed delay (capped at ``max_retry_after``
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
