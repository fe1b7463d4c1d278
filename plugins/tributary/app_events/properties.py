"""`event_properties` (a JSON object) → long rows of (property, value).

The JSON is parsed, never split on punctuation, so values holding ``:``, ``,``, quotes or ``|``
survive intact. Nested objects flatten to dotted keys (``{"geo": {"lat": 1}}`` → ``geo.lat``);
an empty object keeps its key with the value ``{}``; arrays stay JSON text; numbers and booleans
become their JSON spelling; JSON ``null`` becomes a missing value (SQL NULL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tributary.errors import BadInput, quote_input


class PropertyError(BadInput):
    """The properties of one event cannot be split (the line is rejected with this reason)."""


def parse_properties(text: str | None) -> dict[str, Any]:
    """The JSON object in ``text``; empty text means no properties."""
    if text is None or text.strip() in ("", "null"):
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PropertyError(f"event_properties is not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(value, dict):
        raise PropertyError(f"event_properties is a JSON {type(value).__name__}, not an object")
    return value


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    # bool before int: json.dumps(True) is "true", the spelling the export used.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _walk(prefix: str, obj: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    for key, value in obj.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            yield from _walk(name, value)
        elif isinstance(value, dict):
            yield name, "{}"
        else:
            yield name, _scalar(value)


def flatten(obj: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(dotted property, value) pairs; two paths flattening to one name is an error, since the
    warehouse keys properties by name and silently keeping one would lose data."""
    pairs = list(_walk("", obj))
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        seen: set[str] = set()
        dup = next(n for n in names if n in seen or seen.add(n))
        raise PropertyError(f"property {quote_input(dup, 60)!r} appears twice after flattening nested objects")
    for name, value in pairs:
        if "\x00" in name or (value is not None and "\x00" in value):
            raise PropertyError(f"property {quote_input(name, 60)!r} holds a NUL character, "
                                "which the warehouse cannot store")
    return pairs


def split_properties(text: str | None) -> list[tuple[str, str | None]]:
    """Parse and flatten in one step."""
    return flatten(parse_properties(text))
