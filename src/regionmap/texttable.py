"""Values as people read them in a table: the Data page's tables and the command line's.

- :func:`cell_text`: a value as a cell shows it ("" for a missing value, never None or NaN);
- :func:`local_time`: a recorded UTC time in Japan's time (:data:`JST`);
- :func:`text_table`: rows as an aligned plain-text table (the ``db history`` and ``users
  list`` commands), East Asian wide characters counted as two columns.

>>> cell_text(None), cell_text(3.0), local_time("2026-11-28T14:32:00+00:00")
('', '3', '2026-11-28 23:32')
>>> print(text_table([["帯広市", 3]], ["name", "n"]))
name    n
------  -
帯広市  3
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd

#: Times are recorded in UTC and shown in Japan's time (no daylight saving: a fixed offset).
JST = dt.timezone(dt.timedelta(hours=9), "JST")


def cell_text(value: Any) -> str:
    """A value for a table people read: "" for None/NaN/<NA>, whole floats without ``.0``."""
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, pd.Timestamp)) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def local_time(value: Any) -> str:
    """A recorded UTC time (ISO 8601) as Japan's local time ``2026-11-28 23:32``; "" if empty."""
    text = cell_text(value)
    if not text:
        return ""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def width(text: str) -> int:
    """Columns a text takes in a terminal (East Asian wide and full-width characters take 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """An aligned plain-text table (numbers right-aligned), empty cells for missing values."""
    cells = [[cell_text(v) for v in r] for r in rows]
    numeric = [
        all(re.fullmatch(r"-?[\d,.]+", r[j]) or not r[j] for r in cells)
        and any(r[j] for r in cells)
        for j in range(len(headers))
    ]
    widths = [max([width(h)] + [width(r[j]) for r in cells]) for j, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = []
        for j, v in enumerate(values):
            pad = " " * (widths[j] - width(v))
            parts.append(pad + v if numeric[j] else v + pad)
        return "  ".join(parts).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), sep, *(line(r) for r in cells)])
