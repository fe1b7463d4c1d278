"""Reading a Socrata upsert response.

Portals answer in two shapes: the legacy one (``{"Rows Created": 1, "Rows Updated": 0,
"Rows Deleted": 0, "Errors": 0, "By RowIdentifier": 1, "By SID": 0}``) and the newer
snake-case one (``{"rows_created": 1, "rows_updated": 0, "rows_deleted": 0, "errors": 0}``,
where ``errors`` may also be a list of messages). Error bodies look like
``{"code": "...", "error": true, "message": "..."}``. Both are read into `UpsertResult`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from tributary.errors import BadInput, SourceUnavailable


class SocrataError(RuntimeError):
    """The portal refused a request; the message is the portal's own."""


class SocrataUnavailable(SocrataError, SourceUnavailable):
    """The portal did not answer, or still answered 429/5xx after the retries: Airflow retries."""


class SocrataRefused(SocrataError, BadInput):
    """The portal refused the request (401/403, another 4xx, a malformed answer) or the connection
    is wrong: retrying cannot help, the task fails at once."""


@dataclass(frozen=True)
class UpsertResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    errors: int = 0
    messages: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages"] = list(self.messages)
        return data

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(self.created + other.created, self.updated + other.updated,
                            self.deleted + other.deleted, self.errors + other.errors,
                            self.messages + other.messages)


_LEGACY = {"created": "Rows Created", "updated": "Rows Updated", "deleted": "Rows Deleted",
           "errors": "Errors"}
_NEW = {"created": "rows_created", "updated": "rows_updated", "deleted": "rows_deleted",
        "errors": "errors"}


def _count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return int(value or 0)


def _messages(body: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for key, value in body.items():  # "errors", "Errors", "Error Messages", ...
        if "error" in key.lower() and isinstance(value, list):
            found += [m.get("message", json.dumps(m)) if isinstance(m, dict) else str(m)
                      for m in value]
    for key in ("message", "error_message", "Message"):
        if isinstance(body.get(key), str) and body[key]:
            found.append(body[key])
    return tuple(found)


def parse_upsert(text: str) -> UpsertResult:
    """An upsert response body (either shape) as an `UpsertResult`.

    Raises `SocrataError` for a body that is not an upsert result (e.g. an error object).
    """
    try:
        body = json.loads(text)
    except ValueError:
        raise SocrataError(f"the portal answered with something that is not JSON: {text[:300]!r}") from None
    if not isinstance(body, dict):
        raise SocrataError(f"unexpected upsert response: {text[:300]!r}")
    if body.get("error") is True:
        raise SocrataError(error_message(text))
    keys = _LEGACY if any(k in body for k in ("Rows Created", "Rows Updated", "Errors")) else _NEW
    if not any(k in body for k in keys.values()):
        raise SocrataError(f"unexpected upsert response: {text[:300]!r}")
    return UpsertResult(
        created=_count(body.get(keys["created"])),
        updated=_count(body.get(keys["updated"])),
        deleted=_count(body.get(keys["deleted"])),
        errors=_count(body.get(keys["errors"])),
        messages=_messages(body),
    )


def error_message(text: str) -> str:
    """The human part of an error body (``message`` of a JSON error, else the text itself)."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:1000] or "(empty body)"
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("code", "message") if body.get(k)]
        if parts:
            return ": ".join(parts)
    return text.strip()[:1000]


def check(result: UpsertResult) -> UpsertResult:
    """Fail on a response that reports row errors, with the portal's messages."""
    if result.errors:
        detail = "; ".join(result.messages[:5]) or "no message given"
        raise SocrataError(f"the portal rejected {result.errors} row(s): {detail}")
    return result
