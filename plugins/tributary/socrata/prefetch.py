"""Reading ahead: the next chunk is fetched from the warehouse while the current one is sent.

A worker thread iterates the source; it may hold ``ahead`` chunks that the consumer has not
finished with (the one being sent counts), so memory stays bounded at ``ahead`` chunks while the
database's work overlaps the portal's. The consumer finishes a chunk by asking for the next one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()
_POLL = 0.1  # seconds between looks at the stop flag while waiting


class Prefetch(Generic[T]):
    """Iterate ``source`` on a worker thread, at most ``ahead`` unfinished items at a time.

    An error in the source is raised by the consumer's next ``next()``; `close` stops the worker
    and closes the source (e.g. its database cursor) on the worker's thread.
    """

    def __init__(self, source: Iterator[T], ahead: int = 2, name: str = "socrata-reader") -> None:
        self._source = source
        self._queue: queue.Queue = queue.Queue()
        self._tokens = threading.Semaphore(ahead)
        self._holding = False  # whether the consumer holds an item (and its token)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def _token(self) -> bool:
        while not self._stop.is_set():
            if self._tokens.acquire(timeout=_POLL):
                return True
        return False

    def _work(self) -> None:
        try:
            while self._token():
                item = next(self._source, _DONE)
                self._queue.put((item, None))
                if item is _DONE:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._queue.put((_DONE, exc))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Prefetch[T]:
        return self

    def __next__(self) -> T:
        if self._holding:  # done with the previous item: the worker may fetch another
            self._holding = False
            self._tokens.release()
        item, error = self._queue.get()
        if error is not None or item is _DONE:
            self._stop.set()
            if error is not None:
                raise error
            raise StopIteration
        self._holding = True
        return item

    def close(self) -> None:
        """Stop reading ahead and wait for the worker (it closes the source)."""
        self._stop.set()
        self._thread.join()
