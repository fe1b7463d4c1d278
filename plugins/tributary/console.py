"""What a person sees of a command (`make run`, `make demo`): its logs go to a file, a few lines
to the terminal.

`Capture` points the process's stdout and stderr (file descriptors 1 and 2) at a log file under
``.local/logs/``, so everything written there lands in the file: Airflow's and dbt's log records,
logging handlers bound to the streams before, subprocesses that inherit the descriptors. The
terminal keeps a duplicate of the real stdout for the lines meant for people (`Capture.say`,
`Progress`). `Capture.stream()` copies the log to the terminal as it grows (``VERBOSE=1``).

Reading the log back: `task_error` finds the exception a failed task logged, `dbt_counts` counts
the models dbt built and the tests it ran.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from tributary import settings

if TYPE_CHECKING:
    from tributary.dag_runner import RunOutcome

#: The most lines of a task's exception a failure summary quotes (the rest is in the log).
ERROR_LINES = 12
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")  # a new record: the traceback ended
_DBT_RESULT = re.compile(r"\b\d+ of \d+ (OK created \S+ \S+ model|OK snapshotted|OK loaded seed"
                         r"|PASS|WARN|FAIL|ERROR|SKIP)\b")


def log_path(command: str, now: dt.datetime | None = None) -> Path:
    """``.local/logs/<command>-<YYYYmmdd-HHMMSS>.log`` (the command's characters made file-safe)."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return settings.LOCAL_DIR / "logs" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', command)}-{stamp}.log"


def seconds(value: float) -> str:
    """A duration as people read it: ``4.2 s``, ``3 min 12 s``."""
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


def _flush_streams() -> None:
    """Flush what Python still buffers for fds 1 and 2, so it lands on the side it was meant for."""
    streams = [sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__]
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    streams += [handler for logger in loggers for handler in getattr(logger, "handlers", ())]
    for stream in streams:
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed or None
            stream.flush()


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


class Capture:
    """While inside ``with Capture(path)``: fds 1 and 2 write to the log file at ``path``.

    On leaving, the real descriptors come back; if an exception is leaving too, the terminal is
    told where the log is (its traceback follows on the restored stderr).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._console_fd = -1
        self._saved: tuple[int, int] = (-1, -1)
        self._log_fd = -1
        self._encoding = "utf-8"
        self._tail: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> Capture:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        _flush_streams()
        self._log_fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._saved = (os.dup(1), os.dup(2))
        self._console_fd = self._saved[0]
        os.dup2(self._log_fd, 1)
        os.dup2(self._log_fd, 2)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        _flush_streams()
        if self._tail is not None:
            self._stop.set()
            self._tail.join(timeout=5)
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        for fd in (*self._saved, self._log_fd):
            os.close(fd)
        quiet_exit = isinstance(exc, SystemExit) and exc.code in (0, None)
        if kind is not None and not quiet_exit:
            print(f"log: {self.path}", file=sys.stderr, flush=True)

    @property
    def streaming(self) -> bool:
        return self._tail is not None

    def stream(self) -> None:
        """Copy the log to the terminal from its start and as it grows (VERBOSE=1)."""
        if self._tail is None:
            self._tail = threading.Thread(target=self._copy_log, name="log-to-console", daemon=True)
            self._tail.start()

    def _copy_log(self) -> None:
        with self.path.open("rb") as log:
            while True:
                stopping = self._stop.is_set()  # read once more after the stop: the last lines
                chunk = log.read()
                if chunk:
                    _write_all(self._console_fd, chunk)
                elif stopping:
                    return
                else:
                    self._stop.wait(0.1)

    def _to_console(self, text: str) -> None:
        _write_all(self._console_fd, text.encode(self._encoding, errors="replace"))

    def log(self, line: str) -> None:
        """A line in the log only (in order with what the run logged before it)."""
        _flush_streams()
        _write_all(self._log_fd, f"{line}\n".encode(errors="replace"))

    def say(self, line: str = "") -> None:
        """A line for the person at the terminal; the log gets it too, to mark where things are."""
        self.log(line)
        if not self.streaming:  # else the copy of the log shows it
            self._to_console(f"{line}\n")

    def begin_line(self, text: str) -> None:
        """The start of a line finished by `end_line` (what is running, while it runs)."""
        self.log(f"{text}…")
        if not self.streaming:
            self._to_console(text)

    def end_line(self, text: str, rest: str) -> None:
        """Finish the line `begin_line` started with ``text``: ``rest`` follows it."""
        self.log(f"{text}{rest}")
        if not self.streaming:
            self._to_console(f"{rest}\n")

    def offset(self) -> int:
        """Where the log ends now: `read` from here gets what is logged after this call."""
        _flush_streams()
        return os.fstat(self._log_fd).st_size

    def read(self, since: int = 0) -> str:
        _flush_streams()
        with self.path.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")


class Progress:
    """``[ 7/31] polio_ingest            nigeria_2016_01_long.csv    ✓ 4.2 s``: one line a step."""

    NAME_WIDTH = 24
    DETAIL_WIDTH = 34

    def __init__(self, capture: Capture, total: int) -> None:
        self.capture = capture
        self.total = total
        self.done = 0
        self._label = ""
        self._started = 0.0

    def begin(self, name: str, detail: str = "") -> None:
        self.done += 1
        width = len(str(max(self.total, self.done)))
        if len(detail) > self.DETAIL_WIDTH:
            detail = detail[: self.DETAIL_WIDTH - 1] + "…"
        self._label = (f"[{self.done:>{width}}/{self.total}] {name:<{self.NAME_WIDTH}} "
                       f"{detail:<{self.DETAIL_WIDTH}} ")
        self._started = time.monotonic()
        self.capture.begin_line(self._label)

    def end(self, mark: str = "✓", note: str = "") -> float:
        """Finish the step's line with ``mark`` (✓ done, ✗ failed, – skipped); its seconds."""
        elapsed = time.monotonic() - self._started
        self.capture.end_line(self._label, f"{mark} {seconds(elapsed):>8}" + (f"  {note}" if note else ""))
        return elapsed


# --- reading the log back ---------------------------------------------------------------------


def _task_section(log_text: str, task: str) -> str:
    """What the log holds between the last start and the end of ``task`` (``id`` or
    ``id[map_index]``) in an in-process run; the whole text if the markers are not there."""
    match = re.fullmatch(r"(.+?)(?:\[(\d+)\])?", task)
    task_id, map_index = match.group(1), match.group(2) or "-1"
    marker = f"task_id={task_id} map_index={map_index}"
    start = log_text.rfind(f"[DAG TEST] starting {marker}")
    if start < 0:
        return log_text
    end = log_text.find(f"[DAG TEST] end task {marker}", start)
    return log_text[start: end if end >= 0 else len(log_text)]


def task_error(log_text: str, task: str) -> list[str]:
    """The exception line(s) ``task`` logged when it failed: what follows the last frame of
    the traceback after "Task failed with exception" (at most `ERROR_LINES` lines)."""
    section = _ANSI.sub("", _task_section(log_text, task))
    at = section.rfind("Task failed with exception")
    if at < 0:  # no traceback: the task's own error records
        errors = [line for line in section.splitlines() if "[error" in line]
        return errors[-ERROR_LINES:]
    lines = section[at:].splitlines()[1:]
    traceback_lines: list[str] = []
    for line in lines:
        if _LOG_RECORD.match(line):
            break
        traceback_lines.append(line)
    last_frame = max((i for i, line in enumerate(traceback_lines) if line.startswith("  File ")),
                     default=-1)
    rest = traceback_lines[last_frame + 1:]
    while rest and rest[0].startswith("    "):  # the frame's source line and its ^^^ marks
        rest.pop(0)
    message = [line for line in rest if line.strip()]
    if len(message) > ERROR_LINES:
        message = [*message[: ERROR_LINES - 1], f"… ({len(message) - ERROR_LINES + 1} more lines in the log)"]
    return message


@dataclass
class DbtCounts:
    """What dbt reported node by node: models built, and its other results by dbt's word for
    them (``PASS``, ``WARN``, ``FAIL`` for tests; ``ERROR``, ``SKIP`` for any node)."""

    models: int = 0
    results: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: DbtCounts) -> DbtCounts:
        return DbtCounts(self.models + other.models, self.results + other.results)

    @property
    def tests(self) -> int:
        return sum(self.results[word] for word in ("PASS", "WARN", "FAIL"))

    def __str__(self) -> str:
        if not (self.models or self.results):
            return "no dbt models run"
        passed, warned, failed = (self.results[word] for word in ("PASS", "WARN", "FAIL"))
        text = f"{self.models} models built, {self.tests} tests run ({passed} passed"
        text += "".join(f", {n} {what}" for n, what in ((warned, "warned"), (failed, "failed")) if n)
        text += ")"
        errors, skipped = self.results["ERROR"], self.results["SKIP"]
        text += "".join(f", {n} {what}" for n, what in ((errors, "errors"), (skipped, "skipped")) if n)
        return text


def dbt_counts(log_text: str) -> DbtCounts:
    """Count dbt's result lines (``3 of 12 OK created sql table model …``, ``4 of 12 PASS …``)."""
    counts = DbtCounts()
    for match in _DBT_RESULT.finditer(_ANSI.sub("", log_text)):
        word = match.group(1)
        if word.startswith("OK"):
            counts.models += 1
        else:
            counts.results[word] += 1
    return counts


def failure(outcome: RunOutcome, log_text: str) -> list[str]:
    """The lines that say what failed: each failed task of the run and its exception."""
    if not outcome.failed_tasks:
        states = ", ".join(sorted(set(outcome.task_states.values()))) or "none"
        return [f"{outcome.dag_id} ended {outcome.state}, yet no task failed (task states: {states})"]
    lines: list[str] = []
    for task in outcome.failed_tasks:
        lines.append(f"{outcome.dag_id} failed at task {task}:")
        lines += [f"  {line}" for line in task_error(log_text, task) or ["(no error logged by the task)"]]
    return lines
