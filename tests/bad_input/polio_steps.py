"""What the polio kill and restart tests run in a child process: the call `polio_ingest` makes,
so a SIGKILL at a `tributary.faults` checkpoint stops it where a lost worker would.

The child is forked from the test process (`forked`), which has imported everything already:
it starts in milliseconds instead of the seconds a new interpreter needs, and opens its own
warehouse connections like a task process would."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

from tributary.polio import bulk
from tributary.polio.ingest import ingest
from tributary.settings import KILL_AT


def load(path: Path, how: str) -> None:
    """``bulk``: in several COPY streams even for a small file; ``rows``: row by row (the
    document's first column is a note the reader ignores, which keeps it off the bulk path)."""
    if how == "bulk":
        bulk.MIN_STREAM_BYTES = 1  # a stream per core, as a large file gets
        result = ingest(path)
        assert result.streams >= 1, result
    else:
        result = ingest(path, ignore_columns=["note"])
        assert result.streams == 0, result


def _run(target: Callable[..., None], args: tuple, point: str | None) -> None:
    if point:
        os.environ[KILL_AT] = point
    target(*args)


def forked(target: Callable[..., None], *args: object, kill_at: str | None = None) -> int:
    """Run ``target(*args)`` in a forked child (armed to SIGKILL itself at ``kill_at``); its
    exit code (negative: the signal that ended it)."""
    process = multiprocessing.get_context("fork").Process(target=_run, args=(target, args, kill_at))
    process.start()
    process.join(120)
    if process.exitcode is None:
        process.kill()
        raise TimeoutError(f"{target.__name__}{args} did not end in 120 s")
    return process.exitcode
