"""The platform's error vocabulary: what kind of failure it is decides whether Airflow retries.

- `BadInput`: the input itself is wrong (a file, a param, a row). Retrying cannot help, so the
  task fails at once (`AirflowFailException` semantics) with a message that names the source,
  where in it (line, cell) when known, and why, in a few hundred characters at most.
- `SourceUnavailable`: something outside did not answer (a website, a portal, the lake). The
  task is retried with backoff like any other failure.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException

#: The most characters of input an error message quotes.
QUOTE_CHARS = 200


def quote_input(value: object, limit: int = QUOTE_CHARS) -> str:
    """``value`` as text cut to ``limit`` characters, for error messages that quote input."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


class TributaryError(Exception):
    """Base of the errors Tributary raises on purpose."""


class BadInput(TributaryError, AirflowFailException, ValueError):
    """The input is wrong; the task fails without retries. The message says where and why."""


class SourceUnavailable(TributaryError):
    """An outside source or service did not answer; the task is retried."""


#: Limits every reader applies the same way: a cell longer than this many characters is
#: rejected, and so is a header with more columns than `MAX_COLUMNS`.
MAX_CELL_CHARS = 64 * 1024
MAX_COLUMNS = 4_096


def located(source: str, reason: str, *, line: int | None = None, cell: str | None = None,
            value: object = None) -> str:
    """``"<source>, line 12, cell 'x': <reason>: '<value>'"``, the value cut by `quote_input`.
    The one spelling of "where and why" that bad-input messages share."""
    where = [str(source)]
    if line is not None:
        where.append(f"line {line:,}")
    if cell is not None:
        where.append(f"cell {quote_input(cell, 60)!r}")
    text = f"{', '.join(where)}: {reason}"
    return text if value is None else f"{text}: {quote_input(value)!r}"


#: The most characters of a rejected line or entry kept in a rejects table's ``raw`` column.
REJECT_RAW_CHARS = 4_000


def reject_raw(value: object, limit: int = REJECT_RAW_CHARS) -> str:
    """``value`` as text a rejects table can hold: cut to ``limit`` characters, NUL spelled out
    (Postgres text cannot store a NUL, and a reject must never fail its own insert)."""
    return quote_input(value, limit).replace("\x00", "\\x00")
