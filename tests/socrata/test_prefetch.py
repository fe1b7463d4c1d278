"""Reading ahead on a worker thread: bounded, errors reach the consumer, the source is closed."""

from __future__ import annotations

import threading
import time

import pytest
from tributary.socrata.prefetch import Prefetch


class Source:
    """Counts how far it has been read and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at, self.read, self.closed = n, fail_at, 0, threading.Event()

    def __iter__(self):
        return self

    def __next__(self) -> int:
        if self.read == self.fail_at:
            raise ValueError(f"bad row {self.read}")
        if self.read == self.n:
            raise StopIteration
        self.read += 1
        return self.read

    def close(self) -> None:
        self.closed.set()


def _settle(source: Source) -> int:
    before = -1
    while before != source.read:  # wait until the worker stops reading ahead
        before = source.read
        time.sleep(0.05)
    return source.read


def test_reads_at_most_two_ahead_and_yields_everything_in_order():
    source = Source(10)
    chunks = Prefetch(source, ahead=2)
    assert _settle(source) == 2  # nothing consumed yet: two fetched, then it waits
    assert next(chunks) == 1 and _settle(source) == 2  # chunk 1 is still being sent
    assert next(chunks) == 2 and _settle(source) == 3  # done with 1: one more may be fetched
    assert list(chunks) == list(range(3, 11))
    chunks.close()
    assert source.closed.is_set()


def test_an_error_reaches_the_consumer_and_close_stops_early():
    source = Source(10, fail_at=3)
    chunks = Prefetch(source)
    with pytest.raises(ValueError, match="bad row 3"):
        list(chunks)
    chunks.close()
    assert source.closed.is_set()

    unfinished = Source(1_000)
    chunks = Prefetch(unfinished)
    assert next(chunks) == 1
    chunks.close()
    assert unfinished.closed.is_set() and unfinished.read <= 3
