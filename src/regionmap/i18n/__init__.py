"""The interface text in Japanese and English.

Every string the user sees comes from :data:`CATALOG` through :func:`t`, so
the two languages stay complete (``tests/test_i18n.py`` checks that every key
has both). Japanese is the first language; English is a switch away.

Names of areas (regions, bureaus, municipalities) are not in the catalog: they
come from the reference tables, see :func:`area_name`.

Examples
--------
>>> t("page.overview", "ja")
'全道概要'
>>> t("notice.bad_param", "en", name="fy", value="abc")
"The URL parameter fy='abc' is not valid; the default is used."
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regionmap import MLIT_CREDIT_EN, MLIT_CREDIT_JA, figures, importable

# the helpers that choose a language's value live below the catalogue; re-exported here
from regionmap.bilingual import area_name, col, pick, short_name_col  # noqa: F401

LANGS: tuple[str, ...] = ("ja", "en")

#: key -> {"ja": ..., "en": ...}, read from ``catalog.toml`` beside this module (the one
#: text catalogue); ``{name}`` placeholders are filled by :func:`t`.
CATALOG: dict[str, dict[str, str]] = tomllib.loads(
    (Path(__file__).parent / "catalog.toml").read_text(encoding="utf-8")
)
CATALOG["report.credit"] = {"ja": MLIT_CREDIT_JA, "en": MLIT_CREDIT_EN}


def _add_names(
    catalog: dict[str, dict[str, str]], names: dict[str, dict[str, str]], where: str
) -> None:
    """Add names defined in a registry (``where``) only; the catalogue file must not define
    them again."""
    twice = sorted(set(names) & set(catalog))
    if twice:
        raise ValueError(f"catalog.toml defines names of {where}: {', '.join(twice)}")
    catalog.update(names)


def add_figure_names(catalog: dict[str, dict[str, str]]) -> None:
    # the figures' names: metric.<id>, report.short.<id>, report.metric.<id>
    _add_names(catalog, figures.catalogue_texts(), "figures.toml")


def add_import_table_names(catalog: dict[str, dict[str, str]]) -> None:
    # the import tables' names: import.table.<id>, import.key.<id>
    _add_names(catalog, importable.catalogue_texts(), "importable.toml")


add_figure_names(CATALOG)
add_import_table_names(CATALOG)


def t(key: str, lang: str = "ja", /, **values: object) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    An unknown language falls back to Japanese. An unknown key raises
    ``KeyError`` (a missing text is a bug, caught by the tests).
    """
    entry = CATALOG[key]
    text = entry.get(lang) or entry["ja"]
    return text.format(**values) if values else text


@dataclass(frozen=True)
class Message:
    """A catalogue text not yet put in a language: its key and its placeholders' values.

    What a module says to people without knowing their language (an import's problems and
    notes, a refused file, a cell that cannot be read) is a message; the page or the command
    line renders it with :meth:`text`. A value may itself be a :class:`Message` or a
    :class:`Joined` list, rendered in the same language; anything else is put in as it is.
    Messages are plain data (they pickle: the Data page caches a checked file).

    >>> Message("fig.fy", {"fy": 2015}).text("en")
    'FY2015'
    """

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The text in ``lang`` (``"ja"`` or ``"en"``)."""
        return t(self.key, lang, **{k: render(v, lang) for k, v in self.values.items()})


def message(key: str, /, **values: object) -> Message:
    """The :class:`Message` ``key`` with ``values`` (checked: an unknown key raises ``KeyError``)."""
    if key not in CATALOG:
        raise KeyError(f"no text {key!r} in the catalogue")
    return Message(key, values)


@dataclass(frozen=True)
class Joined:
    """Items shown as one text, separated as the language separates them (:data:`PUNCTUATION`
    ``sep``); items that are :class:`Message` are rendered in that language.

    >>> Joined(("空知", "石狩")).text("ja"), Joined(("継続", "新規"), "or").text("en")
    ('空知、石狩', '継続 or 新規')
    """

    items: tuple[object, ...]
    sep: str = "list"

    def text(self, lang: str) -> str:
        return join((render(i, lang) for i in self.items), lang, self.sep)


@dataclass(frozen=True)
class Pair:
    """A value written in both languages (a bureau's short name, a month as each language
    writes it): :func:`pick` inside a message.

    >>> Pair("十勝", "Tokachi").text("en")
    'Tokachi'
    """

    ja: str
    en: str

    def text(self, lang: str) -> str:
        return pick((self.ja, self.en), lang)


@dataclass(frozen=True)
class Punct:
    """The :data:`PUNCTUATION` ``key`` around values, in a message (:func:`punct` deferred).

    >>> Punct("with_note", {"text": "帯広市", "note": "01207"}).text("en")
    '帯広市 (01207)'
    """

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return punct(self.key, lang, **{k: render(v, lang) for k, v in self.values.items()})


def render(value: object, lang: str) -> object:
    """A message's value in ``lang``: a :class:`Message`, :class:`Joined`, :class:`Pair` or
    :class:`Punct` as text, anything else as it is (numbers keep their format specs:
    ``{n:,}``)."""
    return value.text(lang) if isinstance(value, (Message, Joined, Pair, Punct)) else value


def names_credit(lang: str) -> str:
    """The credit of the municipalities' English names (the official readings): shown with
    English names only, so ``""`` in Japanese."""
    return pick(("", t("names.credit", lang)), lang)


def capitalise(text: str) -> str:
    """A name at the start of a heading: its first letter in upper case (English names are
    written in lower case to sit inside sentences; Japanese is unchanged).

    >>> capitalise("trial migration"), capitalise("移住体験事業")
    ('Trial migration', '移住体験事業')
    """
    return text[:1].upper() + text[1:]


#: Punctuation between and around texts, per language. Kept out of
#: :data:`CATALOG` because its Japanese values are punctuation, not words
#: (``tests/test_i18n.py`` checks that every catalogue text in Japanese has
#: Japanese script). ``{placeholders}`` are filled by :func:`punct`.
PUNCTUATION: dict[str, dict[str, str]] = {
    "list": {"ja": "、", "en": ", "},  # items of a list: 空知、石狩 / Sorachi, Ishikari
    "middot": {"ja": "・", "en": ", "},  # short names in a row: 十勝・釧路 / Tokachi, Kushiro
    "or": {"ja": " または ", "en": " or "},  # the choices of a cell: 継続 または 新規
    "or_list": {"ja": "、", "en": " or "},  # names one of which is meant: A、B / A or B
    "examples": {"ja": "、", "en": " or "},  # the last of a list of examples: …、H27 / … or H27
    "clauses": {"ja": "。", "en": "; "},
    "slash": {"ja": " / ", "en": " / "},  # alternatives side by side
    "paren": {"ja": "（{text}）", "en": " ({text})"},  # a reason after a sentence's subject
    "quoted": {"ja": "「{text}」", "en": "{text}"},  # a column's name inside a sentence
    "in_place": {
        "ja": "（{place}）",
        "en": " in {place}",
    },  # where a name was looked for  # notes on one thing, one after the other
    "dot": {"ja": " ・ ", "en": " · "},  # parts of a line on screen
    "report.dot": {"ja": "　・　", "en": "  ·  "},  # parts of a line in a handout
    "report.title": {"ja": "　", "en": " — "},  # handout title and its subtitle
    "report.gap": {"ja": "　", "en": "  "},  # a figure and its note in a handout
    "report.bullet": {"ja": "・{text}", "en": "• {text}"},
    "report.dept": {"ja": "【{dept}】{text}", "en": "[{dept}] {text}"},
    "report.when_what": {"ja": "{when}（{what}）", "en": "{when} ({what})"},
    "number_unit": {"ja": "{number}{unit}", "en": "{number} {unit}"},  # 3件 / 3 cases
    "with_unit": {"ja": "{label}（{unit}）", "en": "{label} ({unit})"},  # a column and its unit
    "with_note": {"ja": "{text}（{note}）", "en": "{text} ({note})"},  # a name and its note
    "colon": {"ja": "：", "en": ": "},
    "label_text": {"ja": "{label}：{text}", "en": "{label}: {text}"},
    "report.events": {"ja": "、", "en": "; "},  # dated events in a handout line
    "report.event_items": {"ja": "・", "en": ", "},  # items of one dated event
}


def punct(key: str, lang: str, /, **values: object) -> str:
    """The punctuation ``key`` in ``lang`` (unknown language: Japanese), filled from ``values``.

    >>> punct("list", "ja"), punct("report.bullet", "en", text="x")
    ('、', '• x')
    """
    entry = PUNCTUATION[key]
    text = entry.get(lang) or entry["ja"]
    return text.format(**values) if values else text


def sample_mark(lang: str) -> str:
    """The mark a sample figure carries on itself (サンプル / sample): the one word of every
    card, legend, map title, tooltip, slide and handout that holds one."""
    return t("mark.sample", lang)


def sample_marked(text: str, lang: str) -> str:
    """``text`` with the sample mark: ``派遣職員（サンプル）``, ``Dispatched staff (sample)``.

    >>> sample_marked("派遣職員", "ja"), sample_marked("Dispatched staff", "en")
    ('派遣職員（サンプル）', 'Dispatched staff (sample)')
    """
    return punct("with_note", lang, text=text, note=sample_mark(lang))


def join(items: Iterable[object], lang: str, sep: str = "list") -> str:
    """``items`` as one text, separated by the :data:`PUNCTUATION` ``sep`` of ``lang``.

    >>> join(["空知", "石狩"], "ja"), join(["Sorachi", "Ishikari"], "en")
    ('空知、石狩', 'Sorachi, Ishikari')
    >>> join(["a", "b"], "en", sep="dot")
    'a · b'
    """
    return punct(sep, lang).join(str(i) for i in items)


# ---------------------------------------------------------------------------
# Numbers, years, months, pages: formats rather than words, so not in CATALOG
# ---------------------------------------------------------------------------


def page_number(page: int, lang: str) -> str:
    """A handout's page number; ``{nb}`` is left for fpdf to fill with the page count.

    >>> page_number(2, "ja"), page_number(2, "en")
    ('2 / {nb}', 'page 2 of {nb}')
    """
    return pick((f"{page} / {{nb}}", f"page {page} of {{nb}}"), lang)


def fy_text(fy: object, lang: str) -> str:
    """A fiscal year: ``2015年度`` / ``FY2015``; ``""`` for no year (None, NaN, NA).

    >>> fy_text(2015, "ja"), fy_text(2015.0, "en"), fy_text(None, "en")
    ('2015年度', 'FY2015', '')
    """
    try:
        year = int(fy)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    return t("fig.fy", lang, fy=year)


def month_text(value: object, lang: str, *, numeric: bool = False) -> str:
    """A month: ``2015年3月``; in English ``Mar 2015``, or ``2015-03`` where ``numeric``
    (tables and figures, where months line up).

    ``value`` is a ``"2015-03"`` string, a date, a datetime or a timestamp.

    >>> month_text("2015-03", "ja"), month_text("2015-03", "en")
    ('2015年3月', 'Mar 2015')
    >>> import datetime
    >>> month_text(datetime.date(2015, 3, 1), "en", numeric=True)
    '2015-03'
    """
    import pandas as pd

    if isinstance(value, str) and len(value) == 7:
        value = value + "-01"
    ts = pd.Timestamp(value)
    english = f"{ts.year:04d}-{ts.month:02d}" if numeric else ts.strftime("%b %Y")
    return pick((f"{ts.year}年{ts.month}月", english), lang)
