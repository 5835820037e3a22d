"""The figures regionmap shows: one registry that every module reads.

A *figure* is something counted per area and fiscal year: the planning document's
regional priority projects and bureau proposals, and the per-municipality figures
(staff dispatched, settlement-support sites, evacuees) that are a sample until real
ones are imported. Each :class:`Figure` says once what every screen, slide and
handout needs to know about it: its table, label and unit in both languages (with
the English plural), the levels it exists at, the themes that cover it, its kinds
and their colours, where its numbers come from and how its default year is chosen.

The registry is the data file ``figures.toml`` beside this module (figures, their kinds,
counters, the document's own figures), read and checked once at import: a wrong entry is
a :class:`RegistryError` naming it. Nothing else lists figures: the database, the filter
state, the pages, the slides and the handouts iterate over :data:`FIGURES` or ask
:func:`get`. The SQL of each figure's facts stays in the data layer (``db.queries._FACTS``),
keyed by the id here.

Adding a figure
---------------
1. One ``[[figure]]`` in ``figures.toml`` (its position is its order on screen), with its
   names (``label``; ``title``, ``short``, ``handout``: the catalogue keys ``metric.<id>``,
   ``report.short.<id>``, ``report.metric.<id>``, which :mod:`regionmap.i18n` takes from here).
2. Its table (a table staff import: ``importable.toml``; any other: ``db.schema.TABLES``) and
   its facts in ``db.queries._FACTS``.

A public figure (``origin = "public"``: a value a ministry publishes per municipality and year,
such as the fiscal indicators) adds its column, decimals, definition (``help``), legal
thresholds and source (``[sources.<id>]``, with the credit to show); its table is importable.toml's
``[[published]]``, its queries ``db.indicators`` (never a sum over areas: the median, range and
count at or above each threshold, ``[summaries]``). It is in :data:`PUBLIC_FIGURES`, not in
:data:`FIGURES`.

Examples
--------
>>> get("dispatch").unit.text(1, "en")
'person'
>>> get("dispatch").unit.text(2, "en"), get("dispatch").unit.text(2, "ja")
('persons', '人')
>>> ids(level="municipality")
('dispatch', 'sites', 'evacuees')
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Area levels, from the largest.
LEVELS: tuple[str, ...] = ("region", "bureau", "municipality")

#: Where a figure's numbers come from.
#: ``document``: counted from the planning document's items (their year is the document's);
#: ``municipal``: per-municipality figures, a flagged sample until real ones are imported;
#: ``imported``: per-municipality figures that only staff imports provide (no sample: with
#: nothing imported a page says so and offers the template).
#: ``public``: published per municipality and fiscal year by a ministry (values such as an index
#: or a %, never summed over areas: see :data:`PUBLIC_FIGURES`).
ORIGINS: tuple[str, ...] = ("document", "municipal", "imported", "public")

#: How a public figure is directed: which end of its scale is the good one.
DIRECTIONS: tuple[str, ...] = ("higher_better", "higher_worse", "neutral")

#: The category colours of kinds (Okabe-Ito, colour-blind safe), by a kind's position in
#: its figure's vocabulary: the same kind has the same colour on every page and handout.
CATEGORY_COLOURS: tuple[tuple[int, int, int], ...] = (
    (230, 159, 0),  # orange
    (0, 114, 178),  # blue
    (204, 121, 167),  # reddish purple
    (0, 158, 115),  # bluish green
    (86, 180, 233),  # sky blue
    (240, 228, 66),  # yellow
    (213, 94, 0),  # vermillion
)


@dataclass(frozen=True)
class Unit:
    """A counter: written after the number in Japanese (``3人``), as a word in English
    (``1 person``, ``3 persons``)."""

    ja: str
    en_one: str
    en_many: str

    def text(self, value: float | int | None, lang: str) -> str:
        """The counter word for ``value`` in ``lang`` (English: singular for exactly 1)."""
        if lang != "en":
            return self.ja
        return self.en_one if value == 1 else self.en_many


@dataclass(frozen=True)
class Kind:
    """A kind of a figure's facts (a dispatch kind, a site kind)."""

    id: str
    ja: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.ja


@dataclass(frozen=True)
class Threshold:
    """A legal threshold of a public figure (実質公債費比率 25 %: 早期健全化基準).

    ``designated_value`` is the threshold of the designated cities (政令指定都市, the
    source's ``designated_cities``) where the law sets another (将来負担比率: 400 %).
    A municipality is counted as at or above it when its value is ``>=`` its threshold (the
    law's 「以上」). Its name is the catalogue key ``threshold.<figure>.<id>``.
    """

    id: str
    value: float
    label_ja: str
    label_en: str
    law_ja: str
    law_en: str
    designated_value: float | None = None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_ja

    def value_for(self, code: str) -> float:
        """The threshold for the municipality ``code`` (5 digits)."""
        if self.designated_value is not None and code in designated_cities():
            return self.designated_value
        return self.value


@dataclass(frozen=True)
class Source:
    """Where public figures come from (figures.toml ``[sources.<id>]``)."""

    id: str
    publisher: tuple[str, str]
    title: tuple[str, str]
    credit: tuple[str, str]
    licence: tuple[str, str]
    extract: str
    designated_cities: tuple[str, ...]

    def credit_text(self, lang: str) -> str:
        """The credit to show wherever its figures appear."""
        return self.credit[1] if lang == "en" else self.credit[0]


@dataclass(frozen=True)
class Figure:
    """One figure and everything the screens, slides and handouts need to show it.

    Attributes
    ----------
    id : str
        The figure's id (URL ``metric=``, i18n ``metric.<id>``, SQL in ``database._facts``).
    table : str
        The database table of its facts.
    label_ja, label_en : str
        Its long label (headline cards' help, handouts, the municipality table).
    unit : Unit
        Its counter.
    levels : tuple of str
        The area levels it exists at (a subset of :data:`LEVELS`).
    origin : str
        One of :data:`ORIGINS`.
    themes : tuple of str
        The themes that cover a ``municipal`` figure (a theme filter without any of them
        leaves nothing to show). ``document`` figures are covered by their items' themes
        (``item_themes`` rows of ``item_type``), so this is empty for them.
    item_type : str or None
        The ``item_themes.item_type`` of a ``document`` figure's items.
    kinds : tuple of Kind
        Its kinds, in their order on screen (their colours follow this order).
    texts : mapping
        Its names in the text catalogue, ``{key: (Japanese, English)}``: ``metric.<id>``
        (selectors, titles, legends), ``report.short.<id>`` and ``report.metric.<id>`` (the
        handouts); :mod:`regionmap.i18n` takes them from here (:func:`catalogue_texts`).
    default_year : str
        The year a view opens on. ``"document"``: the document's fiscal year (FY2015);
        ``"real"``: the latest year with real (imported) figures, else the document's year
        (a fresh start never opens on a sample-only year). ``db.default_year``.
    """

    id: str
    table: str
    label_ja: str
    label_en: str
    unit: Unit
    levels: tuple[str, ...]
    origin: str
    themes: tuple[str, ...] = ()
    item_type: str | None = None
    kinds: tuple[Kind, ...] = field(default_factory=tuple)
    default_year: str = "real"
    texts: Mapping[str, tuple[str, str]] = field(default_factory=dict, compare=False)
    column: str | None = None
    source: str | None = None
    decimals: int = 0
    direction: str = "neutral"
    years: tuple[int, int] | None = None
    thresholds: tuple[Threshold, ...] = ()

    @property
    def is_indicator(self) -> bool:
        """A value per municipality and year (an index, a %), never summed over areas."""
        return self.origin == "public"

    def help_key(self) -> str:
        """The catalogue key of its definition (public figures: the ministry's words)."""
        return f"figure.help.{self.id}"

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_ja

    def kind(self, kind_id: str) -> Kind | None:
        return next((k for k in self.kinds if k.id == kind_id), None)

    def kind_labels(self) -> dict[str, tuple[str, str]]:
        """Its kinds as ``{id: (Japanese, English)}`` (the shape the tables and the importer use)."""
        return {k.id: (k.ja, k.en) for k in self.kinds}

    def kind_colour(self, kind_id: str) -> tuple[int, int, int]:
        """The colour of a kind: by its position in :attr:`kinds`; unknown kinds get the
        last colour of the palette."""
        order = [k.id for k in self.kinds]
        i = order.index(kind_id) if kind_id in order else len(CATEGORY_COLOURS) - 1
        return CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)]


# --------------------------------------------------------------------------------------
# The registry: figures.toml beside this module, read and checked once at import
# --------------------------------------------------------------------------------------


class RegistryError(ValueError):
    """figures.toml says something the registry cannot hold (named: which entry, which key)."""


#: A figure's names in the text catalogue: its key in figures.toml → the catalogue key prefix.
TEXT_KEYS: dict[str, str] = {
    "title": "metric.",
    "short": "report.short.",
    "handout": "report.metric.",
}

_FIGURE_KEYS = frozenset(
    {"id", "table", "label", "unit", "levels", "origin", "themes", "item_type", "kinds"}
    | {"default_year"}
    | set(TEXT_KEYS)
)
#: The keys only a public figure has (and must have: all of them).
_PUBLIC_KEYS = frozenset(
    {"kind", "column", "source", "decimals", "direction", "years", "help", "threshold"}
)
_THRESHOLD_KEYS = frozenset({"id", "value", "label", "law", "designated_value"})


def _texts(value: Any, n: int) -> bool:
    """Whether ``value`` is a list of ``n`` non-empty strings."""
    return (
        isinstance(value, list) and len(value) == n and all(isinstance(v, str) and v for v in value)
    )


def _unit(value: Any, where: str) -> Unit:
    if not _texts(value, 3):
        raise RegistryError(f"{where}: a unit is [Japanese, English one, English many]")
    return Unit(*value)


def _kinds(value: Any, where: str) -> tuple[Kind, ...]:
    if not isinstance(value, list) or not all(_texts(k, 3) for k in value):
        raise RegistryError(f"{where}: a kind is [id, Japanese, English]")
    ids = [k[0] for k in value]
    if len(set(ids)) != len(ids):
        raise RegistryError(f"{where}: a kind id is used twice")
    return tuple(Kind(*k) for k in value)


def _figure(
    entry: dict, kinds: dict[str, tuple[Kind, ...]], n: int, sources: Mapping[str, Source]
) -> Figure:
    where = f"figures.toml, [[figure]] {n} ({entry.get('id', '?')})"
    public = entry.get("origin") == "public"
    unknown = set(entry) - _FIGURE_KEYS - (_PUBLIC_KEYS if public else set())
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    missing = [
        k for k in ("id", "table", "label", "title", "unit", "levels", "origin") if k not in entry
    ]
    if missing:
        raise RegistryError(f"{where}: missing key(s) {', '.join(missing)}")
    if entry.get("origin") not in ORIGINS:
        raise RegistryError(f"{where}: origin must be one of {', '.join(ORIGINS)}")
    if not set(entry.get("levels", ())) <= set(LEVELS) or not entry.get("levels"):
        raise RegistryError(f"{where}: levels must be some of {', '.join(LEVELS)}")
    if entry.get("kinds") and entry["kinds"] not in kinds:
        raise RegistryError(f"{where}: no list [kinds] {entry['kinds']}")
    if entry.get("default_year", "real") not in ("real", "document"):
        raise RegistryError(f"{where}: default_year is real or document")
    for key in ("label", *TEXT_KEYS):
        if key in entry and not _texts(entry[key], 2):
            raise RegistryError(f"{where}: {key} is [Japanese, English]")
    if entry["origin"] != "imported" and not {"short", "handout"} <= set(entry):
        raise RegistryError(f"{where}: short and handout (its names on the handouts) are needed")
    if entry["origin"] == "document" and not entry.get("item_type"):
        raise RegistryError(f"{where}: a document figure needs its items' item_type")
    if entry["origin"] != "document" and not entry.get("themes"):
        raise RegistryError(f"{where}: a per-municipality figure needs the themes that cover it")
    label_ja, label_en = entry["label"]
    extra = _public(entry, where, sources) if public else {}
    return Figure(
        id=entry["id"],
        table=entry["table"],
        label_ja=label_ja,
        label_en=label_en,
        unit=_unit(entry["unit"], where),
        levels=tuple(entry["levels"]),
        origin=entry["origin"],
        themes=tuple(entry.get("themes", ())),
        item_type=entry.get("item_type"),
        kinds=kinds.get(entry.get("kinds", ""), ()),
        default_year=entry.get("default_year", "real"),
        texts={TEXT_KEYS[k] + entry["id"]: tuple(entry[k]) for k in TEXT_KEYS if k in entry}
        | extra.pop("texts", {}),
        **extra,
    )


def _public(entry: dict, where: str, sources: Mapping[str, Source]) -> dict[str, Any]:
    """The parts only a public figure has, checked (every one is needed but thresholds)."""
    missing = sorted(_PUBLIC_KEYS - {"threshold"} - set(entry))
    if missing:
        raise RegistryError(f"{where}: a public figure needs {', '.join(missing)}")
    if entry["kind"] != "indicator":
        raise RegistryError(f"{where}: kind is indicator")
    if entry["source"] not in sources:
        raise RegistryError(f"{where}: no [sources.{entry['source']}]")
    if entry["direction"] not in DIRECTIONS:
        raise RegistryError(f"{where}: direction is one of {', '.join(DIRECTIONS)}")
    years = entry["years"]
    if not (isinstance(years, list) and len(years) == 2 and years[0] <= years[1]):
        raise RegistryError(f"{where}: years is [first, last]")
    if not _texts(entry["help"], 2):
        raise RegistryError(f"{where}: help is [Japanese, English]")
    texts = {f"figure.help.{entry['id']}": tuple(entry["help"])}
    thresholds = []
    for t in entry.get("threshold", ()):
        if set(t) - _THRESHOLD_KEYS or not {"id", "value", "label", "law"} <= set(t):
            raise RegistryError(f"{where}: a threshold has id, value, label, law")
        if not (_texts(t["label"], 2) and _texts(t["law"], 2)):
            raise RegistryError(f"{where}: a threshold's label and law are [Japanese, English]")
        thresholds.append(
            Threshold(
                t["id"],
                float(t["value"]),
                *t["label"],
                *t["law"],
                designated_value=t.get("designated_value"),
            )  # fmt: skip
        )
        texts[f"threshold.{entry['id']}.{t['id']}"] = tuple(t["label"])
    return {
        "column": entry["column"],
        "source": entry["source"],
        "decimals": int(entry["decimals"]),
        "direction": entry["direction"],
        "years": (int(years[0]), int(years[1])),
        "thresholds": tuple(thresholds),
        "texts": texts,
    }


def _source(sid: str, entry: dict) -> Source:
    where = f"figures.toml, [sources.{sid}]"
    pairs = ("publisher", "title", "credit", "licence")
    if set(entry) != {*pairs, "extract", "designated_cities"}:
        raise RegistryError(f"{where}: its keys are {', '.join(pairs)}, extract, designated_cities")
    if not all(_texts(entry[k], 2) for k in pairs):
        raise RegistryError(f"{where}: {', '.join(pairs)} are [Japanese, English]")
    return Source(
        sid, *(tuple(entry[k]) for k in pairs), entry["extract"],  # type: ignore[arg-type]
        tuple(entry["designated_cities"]),
    )  # fmt: skip


def _load_registry(text: str) -> dict[str, Any]:
    """The registry in ``text`` (figures.toml), checked: figures, kinds, units, the document's
    own figures. A :class:`RegistryError` names the entry that is wrong."""
    data = tomllib.loads(text)
    kinds = {name: _kinds(v, f"figures.toml, [kinds] {name}") for name, v in data["kinds"].items()}
    sources = {sid: _source(sid, e) for sid, e in data.get("sources", {}).items()}
    figs = tuple(_figure(e, kinds, n, sources) for n, e in enumerate(data["figure"], start=1))
    seen = [f.id for f in figs]
    if len(set(seen)) != len(seen):
        raise RegistryError("figures.toml: a figure id is used twice")
    docs = tuple(
        _document_figure(d, {f.id: f for f in figs}) for d in data.get("document_figure", ())
    )
    for d in docs:
        if d.figure not in seen:
            raise RegistryError(f"figures.toml, [[document_figure]] {d.key}: no figure {d.figure}")
    summaries = data.get("summaries", {})
    if not all(_texts(v, 2) for v in summaries.values()):
        raise RegistryError("figures.toml, [summaries]: each is [Japanese, English]")
    return {
        "figures": figs,
        "sources": sources,
        "summaries": {f"summary.{k}": tuple(v) for k, v in summaries.items()},
        "kinds": kinds,
        "other_units": tuple(
            _unit(u, "figures.toml, [units] other") for u in data["units"]["other"]
        ),
        "document_figures": docs,
    }


@dataclass(frozen=True)
class DocumentFigure:
    """A figure the planning document itself gives, in its own unit (42市町村, 約2,500名).

    Its value, unit, year, label and source line are in ``data/policy/document_totals.csv``
    under :attr:`key` (one definition; :func:`regionmap.content.document_figures` reads
    them). It is shown beside, never mixed into, the per-municipality breakdown of
    :attr:`figure` (whose numbers are a sample until real ones are imported).

    Attributes
    ----------
    key : str
        Its ``key`` in document_totals.csv.
    figure : str
        The :class:`Figure` it belongs to (``dispatch``, ``evacuees``).
    kind : str or None
        The figure's :class:`Kind` it counts (a dispatch kind), if any.
    continuing_key : str or None
        The key of its "of which continuing from the previous year" companion.
    """

    key: str
    figure: str
    kind: str | None = None
    continuing_key: str | None = None


def _document_figure(entry: dict, figs: dict[str, Figure]) -> DocumentFigure:
    where = f"figures.toml, [[document_figure]] {entry.get('key', '?')}"
    fields = {"key", "figure", "kind", "continuing_key"}
    if set(entry) - fields or not {"key", "figure"} <= set(entry):
        raise RegistryError(
            f"{where}: its keys are key, figure and optionally kind, continuing_key"
        )
    fig = figs.get(entry["figure"])
    if fig is not None and entry.get("kind") and fig.kind(entry["kind"]) is None:
        raise RegistryError(f"{where}: {entry['kind']} is not a kind of {fig.id}")
    return DocumentFigure(**entry)


_REGISTRY = _load_registry((Path(__file__).parent / "figures.toml").read_text(encoding="utf-8"))

#: Every figure shown in the headline, selectors, tables, slides and handouts, in its order on
#: screen (figures.toml's [[figure]] entries but the ``imported`` and ``public`` ones).
FIGURES: tuple[Figure, ...] = tuple(
    f for f in _REGISTRY["figures"] if f.origin not in ("imported", "public")
)

#: The public figures (``origin = "public"``): values a ministry publishes per municipality and
#: fiscal year (the fiscal indicators of 総務省「地方公共団体の主要財政指標一覧」). Kept out of
#: :data:`FIGURES`, whose every consumer sums counts: a bureau or region shows the median and
#: range of its municipalities and the count at or above each threshold (``db.queries``:
#: ``indicator_by_area``), never a sum. :func:`get` and :func:`public_ids` reach them.
PUBLIC_FIGURES: tuple[Figure, ...] = tuple(f for f in _REGISTRY["figures"] if f.origin == "public")

#: Where public figures come from, by id (``[sources.<id>]``).
SOURCES: dict[str, Source] = _REGISTRY["sources"]

#: Per-municipality figures from the document's sections II-3(3) and II-4 that the document
#: gives no numbers for: they exist once staff import them (their tables, import and templates
#: in :mod:`regionmap.importable`, facts in ``db.queries``). They stay out of :data:`FIGURES` on purpose: every headline row,
#: selector, slide and handout walks FIGURES, and a figure that is usually empty would put a
#: card of "—" on each; the regional page shows them (a table and a map), and says when
#: nothing is imported. :func:`get` and :func:`imported_ids` reach them.
IMPORTED_FIGURES: tuple[Figure, ...] = tuple(
    f for f in _REGISTRY["figures"] if f.origin == "imported"
)

DISPATCH_KINDS: tuple[Kind, ...] = _REGISTRY["kinds"]["dispatch"]
SITE_KINDS: tuple[Kind, ...] = _REGISTRY["kinds"]["sites"]
#: Kinds of wide-area groupings of municipalities (drawn as dissolved areas with their names).
GROUPING_KINDS: tuple[Kind, ...] = _REGISTRY["kinds"]["groupings"]

#: Counters used by other counts than the figures' (the document's own totals).
OTHER_UNITS: tuple[Unit, ...] = _REGISTRY["other_units"]

#: The document's own figures, in their order on screen (the headline shows them first).
DOCUMENT_FIGURES: tuple[DocumentFigure, ...] = _REGISTRY["document_figures"]

_BY_ID: dict[str, Figure] = {f.id: f for f in _REGISTRY["figures"]}


def kinds(name: str) -> tuple[Kind, ...]:
    """The list of kinds ``name`` of figures.toml's ``[kinds]`` (``KeyError`` if none): a
    figure's kinds, or those an import table's field reads (``importable.toml``)."""
    return _REGISTRY["kinds"][name]


def document_figures(figure_id: str | None = None) -> tuple[DocumentFigure, ...]:
    """The document's own figures (of ``figure_id``, or all), in screen order."""
    return tuple(d for d in DOCUMENT_FIGURES if figure_id is None or d.figure == figure_id)


def catalogue_texts() -> dict[str, dict[str, str]]:
    """Every figure's names as text catalogue entries (``{key: {"ja": …, "en": …}}``): the
    figures' names (public figures: their definition ``figure.help.<id>`` and thresholds
    ``threshold.<id>.<threshold>`` too), the area summaries ``summary.<id>`` and the sources'
    credits ``source.<id>.credit`` are defined in figures.toml only; :mod:`regionmap.i18n`
    adds these to its catalogue."""
    out = {
        key: {"ja": ja, "en": en} for f in _REGISTRY["figures"] for key, (ja, en) in f.texts.items()
    }
    out |= {key: {"ja": ja, "en": en} for key, (ja, en) in _REGISTRY["summaries"].items()}
    for src in SOURCES.values():
        for part in ("publisher", "title", "credit", "licence"):
            ja, en = getattr(src, part)
            out[f"source.{src.id}.{part}"] = {"ja": ja, "en": en}
    return out


def public_ids() -> tuple[str, ...]:
    """The ids of the public figures (:data:`PUBLIC_FIGURES`), in their order on screen."""
    return tuple(f.id for f in PUBLIC_FIGURES)


def source(source_id: str) -> Source:
    """The source ``source_id`` of public figures (``KeyError`` if none)."""
    return SOURCES[source_id]


def designated_cities() -> frozenset[str]:
    """The 5-digit codes of the designated cities (政令指定都市) of every source."""
    return frozenset(c for s in SOURCES.values() for c in s.designated_cities)


def get(figure_id: str) -> Figure:
    """The figure ``figure_id``; a :class:`KeyError` naming the known ids otherwise."""
    try:
        return _BY_ID[figure_id]
    except KeyError:
        raise KeyError(f"unknown figure {figure_id!r}; one of {', '.join(_BY_ID)}") from None


def ids(*, level: str | None = None, origin: str | None = None) -> tuple[str, ...]:
    """The ids of the figures (in screen order) that exist at ``level`` / have ``origin``."""
    return tuple(
        f.id
        for f in FIGURES
        if (level is None or level in f.levels) and (origin is None or f.origin == origin)
    )


def imported_ids() -> tuple[str, ...]:
    """The ids of the figures only staff imports provide (:data:`IMPORTED_FIGURES`), in
    their order on the regional page; they are not in :data:`FIGURES` (see there)."""
    return tuple(f.id for f in IMPORTED_FIGURES)


def covers(figure_id: str, theme_ids: Iterable[str], item_theme_ids: Iterable[str] = ()) -> bool:
    """Whether a theme filter leaves anything of the figure to show.

    No theme selected covers every figure. A ``municipal`` figure is covered when one of
    its :attr:`Figure.themes` is selected; a ``document`` figure when one of the selected
    themes is carried by one of its items (``item_theme_ids``: the themes its items carry,
    read from the database by ``database.theme_covers``).
    """
    wanted = set(theme_ids or ())
    if not wanted:
        return True
    fig = get(figure_id)
    own = set(fig.themes) if fig.origin in ("municipal", "imported") else set(item_theme_ids)
    return bool(wanted & own)


def _all_units() -> list[Unit]:
    return list(OTHER_UNITS) + [f.unit for f in FIGURES]


def unit_of(counter_ja: str) -> Unit | None:
    """The generic :class:`Unit` written ``counter_ja`` in Japanese (``件`` is "items";
    a figure's own :attr:`Figure.unit` may say more, e.g. "projects")."""
    for unit in _all_units():
        if unit.ja == counter_ja:
            return unit
    return None


def unit_text(counter_ja: str, lang: str, value: float | int | None = None) -> str:
    """The counter ``counter_ja`` as written in ``lang``: itself in Japanese; in English the
    registry's word, singular for exactly 1 (``value``), plural otherwise; a counter the
    registry doesn't know (a symbol such as ``%``) as it is.

    >>> unit_text("人", "en", 1), unit_text("人", "en"), unit_text("人", "ja")
    ('person', 'persons', '人')
    >>> unit_text("persons", "en", 1)  # an English word is put in the number too
    'person'
    """
    unit = unit_of(counter_ja) or next(
        (u for u in _all_units() if counter_ja in (u.en_one, u.en_many)), None
    )
    return unit.text(value, lang) if unit is not None else counter_ja
