"""Text that came from a file or a URL, shown as text: never a link, an image, HTML or a
formula (issue #10).

Streamlit renders Markdown (GitHub-flavoured) in ``st.markdown``, ``st.caption``,
``st.info``/``warning``/``error``/``success``, ``st.toast``, labels and ``help``
tooltips. :func:`plain` makes any value inert there: every ASCII punctuation character
is backslash-escaped (CommonMark allows it for all of them: no link, image, emphasis,
heading, list, table, HTML, entity, directive ``:red[…]`` or maths ``$…$`` can start),
line breaks become spaces (no new block), and an invisible WORD JOINER (U+2060) goes
before ``http``, ``www.`` and ``@`` — GFM turns bare URLs and e-mail addresses into
links *after* escapes are resolved, but not when the character before them is a letter
or a format character like this one. The text reads and copies the same.

:func:`shown_frame` is for tables shown with ``st.dataframe``: its toolbar's own "Download
as CSV" (and clipboard copy) writes what is shown, so text cells a spreadsheet would run
as a formula (``=HYPERLINK(…)``, ``@SUM(A1)``) are shown with the ``'`` prefix the app's
exports use (:func:`neutralise`, also :mod:`regionmap.db.export`'s).
"""

from __future__ import annotations

import re
import string
from typing import Any

import pandas as pd

#: What a spreadsheet may run as a formula at the start of a text cell.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WORD_JOINER = "\u2060"
_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
_LINKY = re.compile(r"(?i)(https?(?=:)|www(?=\.)|@)")
_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")


def plain(value: Any) -> str:
    """``value`` as Markdown that shows exactly its text (``None`` -> ``""``)."""
    if value is None or (not isinstance(value, str) and _missing(value)):
        return ""
    text = _BREAKS.sub(" ", str(value))
    text = _LINKY.sub(lambda m: WORD_JOINER + m.group(1), text)
    return _PUNCT.sub(r"\\\1", text)


def neutralise(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would treat as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(_cell(v) for v in value)
    return neutralise(value)


def shown_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for ``st.dataframe``: text cells (also inside lists) and column names
    that a spreadsheet would run as a formula get the ``'`` prefix; numbers, dates and
    other text are left as they are."""
    out = df.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.astype(object).map(_cell, na_action="ignore")
    return out
