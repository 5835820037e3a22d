"""Choosing between the Japanese and the English of one thing: a ``(ja, en)`` pair, a
``*_ja``/``*_en`` column, a reference row's name.

The only module besides :mod:`regionmap.i18n` that looks at the language code itself; it
imports nothing, so modules below the catalogue (:mod:`regionmap.figures`, which
:mod:`regionmap.i18n` reads) use it too. :mod:`regionmap.i18n` re-exports every helper here.
An unknown language is Japanese, the interface's first language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")


def pick(pair: Sequence[T], lang: str) -> T:
    """The Japanese or the English of a ``(ja, en)`` pair (a vocabulary such as dispatch kinds).

    >>> pick(("継続", "continuing"), "en")
    'continuing'
    """
    return pair[1] if lang == "en" else pair[0]


def col(base: str, lang: str) -> str:
    """The name of the ``base`` data column in ``lang``: ``{base}_en`` for English,
    ``{base}_ja`` otherwise (the reference and figure tables carry both).

    >>> col("name", "en"), col("name", "ja"), col("source", "xx")
    ('name_en', 'name_ja', 'source_ja')
    """
    return f"{base}_{pick(('ja', 'en'), lang)}"


def short_name_col(lang: str) -> str:
    """The column of an area's short name: ``short_ja`` (空知) in Japanese, ``name_en``."""
    return pick(("short_ja", "name_en"), lang)


def area_name(row: Mapping[str, object], lang: str) -> str:
    """Name of a region, bureau or municipality from its reference row.

    English uses ``name_en`` where the table has it, else the Japanese name.
    """
    return str(pick((row["name_ja"], row.get("name_en") or row["name_ja"]), lang))
