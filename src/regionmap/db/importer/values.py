"""Reading one cell of a field, by the field's type (:data:`regionmap.importable.FIELD_TYPES`).

Each reader takes the field (its options: kinds, words, range …), the cell as read and the
row's :class:`Context`, and returns the columns the value fills, or raises
:class:`~regionmap.db.parsing.ParseError` saying what is wrong (the caller adds the file, row
and column). A new field type is one reader in :data:`READERS`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from regionmap.db.parsing import (
    ParseError,
    is_blank,
    nfkc,
    parse_count,
    parse_fiscal_year,
    parse_month,
    parse_number,
    parse_prefecture,
)
from regionmap.i18n import Joined, Pair, message, t
from regionmap.importable import Field, normalise_header

#: Largest count one row may hold: more than Hokkaido's population (about 5.1 million) is a
#: typo, and the database column is a 32-bit integer.
MAX_COUNT = 10_000_000
#: The first fiscal year a figure may have (平成元年).
FIRST_YEAR = 1989


@dataclass
class Context:
    """What reading a row's cells may need besides the cell: the file's name (the default
    source), the month a title gave, and the columns read so far (an id made from them)."""

    file_name: str
    title_month: dt.date | None = None
    row: dict[str, Any] = field(default_factory=dict)


def year_range() -> tuple[int, int]:
    """The fiscal years a figure may have: :data:`FIRST_YEAR` to next year."""
    return FIRST_YEAR, dt.date.today().year + 1


def _in_range(year: int, what: object) -> int:
    lo, hi = year_range()
    if not lo <= year <= hi:
        raise ParseError("import.error.year_range", what=what, year=year, lo=lo, hi=hi)
    return year


def _what(f: Field) -> Pair:
    """The field's name inside a sentence: 年度 / fiscal year."""
    return Pair(*f.label)


def _fiscal_year(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    return {f.id: _in_range(parse_fiscal_year(value), _what(f))}


def _month(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    month = parse_month(value)
    _in_range(month.year, message("import.what.year"))
    return {f.id: month}


def _count(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    n = parse_count(value)
    if n < 0:
        raise ParseError("import.error.negative", n=n)
    if n > MAX_COUNT:
        raise ParseError("import.error.count_too_big", n=n, cap=MAX_COUNT)
    return {f.id: n}


@functools.cache
def _word_map(f: Field) -> dict[str, str]:
    """Every word staff write for a kind or choice (normalised) -> its id."""
    return {normalise_header(w): k for k, words in f.vocabulary().items() for w in words}


@functools.cache
def _kind_names(f: Field) -> dict[str, tuple[str, str]]:
    return f.kind_names()


def _kind(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    k = _word_map(f).get(normalise_header(value))
    names = _kind_names(f)
    if k is None:
        allowed = "、".join(ja for ja, _ in names.values())
        raise ParseError("import.error.unknown_kind", value=nfkc(value), allowed=allowed)
    ja, en = names[k]
    return {f.id: k, f"{f.id}_ja": ja, f"{f.id}_en": en}


def _choice(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    k = _word_map(f).get(normalise_header(value))
    if k is None:
        first = tuple(words[0] for words in f.vocabulary().values())
        raise ParseError("import.error.unknown_choice", what=_what(f), value=nfkc(value),
                         choices=Joined(first, "or"))  # fmt: skip
    return {f.id: k}


def _text(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    return {f.id: nfkc(value) or None}


def _coordinate(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    x = parse_number(value)
    lo, hi = f.options["range"]
    if not lo <= x <= hi:
        raise ParseError("import.error.outside", what=_what(f), x=x, lo=lo, hi=hi)
    return {f.id: x}


def _prefecture(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    ja, en = parse_prefecture(value)
    return {f"{f.id}_ja": ja, f"{f.id}_en": en}


def _id(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    """The id written, or one made from the fields ``derive`` names: the first, then a hash
    of the others (a site: its municipality code and a hash of its name)."""
    given = nfkc(value)
    parts = [ctx.row.get(name) for name in f.options.get("derive", ())]
    if not given and parts and all(parts):
        digest = hashlib.sha1("".join(str(p) for p in parts[1:]).encode()).hexdigest()[:8]
        given = f"{parts[0]}-{digest}"
    return {f.id: given or None}


def _source(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    """The source written, else 取込データ（file name） in the column's language."""
    return {f.id: nfkc(value) or _default_source(f.options["lang"], ctx.file_name)}


@functools.lru_cache(maxsize=64)
def _default_source(lang: str, file_name: str) -> str:
    return t("import.source_default", lang, file=file_name)


#: How a cell of each field type is read (municipality fields are read together, by
#: :func:`regionmap.db.parsing.MunicipalityResolver.resolve`, in :mod:`.rows`).
READERS: dict[str, Callable[[Field, Any, Context], dict[str, Any]]] = {
    "fiscal_year": _fiscal_year,
    "month": _month,
    "count": _count,
    "kind": _kind,
    "choice": _choice,
    "text": _text,
    "coordinate": _coordinate,
    "prefecture": _prefecture,
    "id": _id,
    "source": _source,
}
#: Types whose reader gives a value for an empty cell too (a default, a made id).
_READ_WHEN_BLANK = frozenset({"prefecture", "id", "source", "text"})


def read(f: Field, value: Any, ctx: Context) -> dict[str, Any]:
    """The columns ``value`` fills for the field ``f``: a required field may not be empty; an
    optional one that is empty fills None (or its type's default: "" for a prefecture, a
    made id, the file as the source); a month may come from the title."""
    if ctx.title_month is not None and f.options.get("from_title"):
        value = ctx.title_month
    # (the readers of _READ_WHEN_BLANK read an empty cell themselves: no second look at it)
    if (f.required or f.type not in _READ_WHEN_BLANK) and is_blank(value):
        if f.required:
            raise ParseError("import.error.missing_value")
        return dict.fromkeys(f.stores())
    return READERS[f.type](f, value, ctx)
