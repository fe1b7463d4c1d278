"""`event_properties` (a JSON object) → long rows of (property, value).

The JSON is parsed, never split on punctuation, so values holding ``:``, ``,``, quotes or ``|``
survive intact. Nested objects flatten to dotted keys (``{"geo": {"lat": 1}}`` → ``geo.lat``);
an empty object keeps its key with the value ``{}``; arrays stay JSON text; numbers and booleans
become their JSON spelling; JSON ``null`` becomes a missing value (SQL NULL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

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
        if not _is_text(name) or (value is not None and not _is_text(value)):
            raise PropertyError(f"property {quote_input(name, 60)!a} holds a lone surrogate "
                                "escape (\\ud800-\\udfff), which is not text")
    return pairs


def _is_text(text: str) -> bool:
    """No lone surrogate (a JSON ``\\ud800`` escape without its pair): encodable as UTF-8."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def split_properties(text: str | None) -> list[tuple[str, str | None]]:
    """Parse and flatten in one step."""
    return flatten(parse_properties(text))


# --- many events at once -------------------------------------------------------------------

_decode = msgspec.json.Decoder().decode
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class FlatProperties:
    """The properties of many events: ``names``/``values`` of all their pairs in order,
    ``counts`` pairs per event, and the events (positions) `split_properties` must decide."""

    names: list[str] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)


def _add_nested(prefix: str, obj: dict[str, Any], names: list[str], values: list[str | None]) -> None:
    for key, value in obj.items():
        name = f"{prefix}.{key}" if prefix else key
        kind = type(value)
        if kind is dict and value:
            _add_nested(name, value, names, values)
        else:
            names.append(name)
            values.append(value if kind is str else _SPELLING.get(kind, _scalar)(value))


def flatten_many(texts: list[str | None]) -> FlatProperties:
    """`split_properties` of each text, fast for the common case: msgspec parses (strict JSON),
    the pairs are built inline. Whatever this path cannot vouch for (msgspec refuses the text,
    it is not an object, may hold a NUL, or nested names may collide) is left ``undecided``
    with no pairs, for `split_properties` to accept or reject with its reason."""
    flat = FlatProperties()
    names, values, counts, undecided = flat.names, flat.values, flat.counts, flat.undecided
    add_name, add_value = names.append, values.append
    for position, text in enumerate(texts):
        if text is None:
            counts.append(0)
            continue
        try:
            obj = _decode(text)
        except msgspec.DecodeError:
            obj = None
        if type(obj) is not dict or "\\u0000" in text:
            counts.append(0)
            undecided.append(position)
            continue
        start, nested = len(names), False
        for key, value in obj.items():
            kind = type(value)
            if kind is str:
                add_name(key)
                add_value(value)
            elif kind is dict and value:
                nested = True
                _add_nested(key, value, names, values)
            else:
                add_name(key)
                add_value(_SPELLING.get(kind, _scalar)(value))
        if nested and len(set(names[start:])) != len(names) - start:
            del names[start:], values[start:]
            counts.append(0)
            undecided.append(position)
            continue
        counts.append(len(names) - start)
    return flat


_encode = msgspec.json.encode
_PLAIN = frozenset({str, int, bool, type(None)})


def _list_spelling(value: list) -> str:
    """`_scalar` of a list. msgspec writes strings, ints, booleans and nulls exactly as
    ``json.dumps`` does (every code point checked), floats in another exponent style."""
    if all(map(_PLAIN.__contains__, map(type, value))):
        return _encode(value).decode("utf-8")
    return _dumps(value)


#: `_scalar` by type, for values msgspec decoded.
_SPELLING = {
    type(None): lambda _: None,
    bool: lambda v: "true" if v else "false",
    int: int.__repr__,
    float: float.__repr__,  # msgspec never yields nan/inf, whose JSON spelling differs
    dict: lambda _: "{}",
    list: _list_spelling,
}
