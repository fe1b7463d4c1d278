"""The JSON documents of the rawjson and ready repositories: ``{"header": …, "data": […], …}``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tributary.traffic.catalog import CatalogEntry
from tributary.traffic.stages import ItemError


def header(entry: CatalogEntry, data_type: str, **extra: Any) -> dict[str, Any]:
    return {"data_type": data_type, "target_filename": entry.pointer.rsplit("/", 1)[-1],
            "collection_date": entry.collection_date.isoformat(),
            "processing_date": dt.datetime.now(dt.UTC).isoformat(), **extra}


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, default=str, separators=(",", ":")).encode()


def loads(data: bytes, label: str) -> dict[str, Any]:
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise ItemError(f"{label} is not valid JSON (truncated?): {exc}") from None


def text_lines(data: bytes, label: str) -> list[str]:
    """Lines of a sensor text file; a file whose last line has no line ending was cut off."""
    if data and not data.endswith(b"\n"):
        raise ItemError(f"{label} is truncated: its last line has no line ending")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.splitlines()
