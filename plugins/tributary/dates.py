"""Reading dates and times written in one of several formats (files spell them as people do).

Each reader keeps its own rule for what a plausible value is and how a bad one is reported; what
they share is trying their formats in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def parse_first(text: str, formats: Iterable[str]) -> dt.datetime | None:
    """``text`` read with the first of ``formats`` (`strptime` spellings) that fits it; None when
    none does."""
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
