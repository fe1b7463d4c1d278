"""Reading a yes/no setting (a connection extra, an operator argument, a declaration's key).

One reading everywhere: a real boolean as it is; ``true/yes/on/1`` and ``false/no/off/0`` in any
case; nothing (None or blank) is the default. Anything else is a mistake the message names,
never silently "false": a typo in ``delete_mode`` must not decide what a task deletes.
"""

from __future__ import annotations

from typing import Any

from tributary.errors import BadInput, quote_input

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def flag(value: Any, default: bool = False, *, what: str = "the setting",
         error: type[BadInput] = BadInput) -> bool:
    """``value`` as a bool; raises ``error`` (a `BadInput`) naming ``what`` for anything else."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if not word:
            return default
        if word in TRUE:
            return True
        if word in FALSE:
            return False
    raise error(f"{what} must be true or false, not {quote_input(repr(value))}")
