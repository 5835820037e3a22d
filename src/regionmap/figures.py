"""The figures regionmap shows: one registry that every module reads.

A *figure* is something counted per area and fiscal year: the planning document's
regional priority projects and bureau proposals, and the per-municipality figures
(staff dispatched, settlement-support sites, evacuees) that are a sample until real
ones are imported. Each :class:`Figure` says once what every screen, slide and
handout needs to know about it: its table, label and unit in both languages (with
the English plural), the levels it exists at, the themes that cover it, its kinds
and their colours, where its numbers come from and how its default year is chosen.

Nothing else lists figures: the database, the filter state, the pages, the slides
and the handouts iterate over :data:`FIGURES` or ask :func:`get`. The SQL of each
figure's facts stays in the data layer (``database._facts``), keyed by the id here.

Adding a figure
---------------
1. One :class:`Figure` in :data:`FIGURES` (its position is its order on screen).
2. Its table in ``database.TABLES`` and its facts query in ``database._facts``.
3. Its labels in :mod:`regionmap.i18n`, both languages: ``metric.<id>`` (selectors, titles)
   and ``report.metric.<id>`` / ``report.short.<id>`` (the handouts' cards and lines).

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

from collections.abc import Iterable
from dataclasses import dataclass, field

#: Area levels, from the largest.
LEVELS: tuple[str, ...] = ("region", "bureau", "municipality")

#: Where a figure's numbers come from.
#: ``document``: counted from the planning document's items (their year is the document's);
#: ``municipal``: per-municipality figures, a flagged sample until real ones are imported;
#: ``imported``: per-municipality figures that only staff imports provide (no sample: with
#: nothing imported a page says so and offers the template).
ORIGINS: tuple[str, ...] = ("document", "municipal", "imported")

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


DISPATCH_KINDS: tuple[Kind, ...] = (
    Kind("regional", "地域振興派遣", "Regional development dispatch"),
    Kind("wide_area", "広域連携派遣", "Wide-area cooperation dispatch"),
    Kind("collection", "徴収対策連携派遣", "Tax collection cooperation dispatch"),
    Kind("local_autonomy_act", "自治法派遣", "Dispatch under the Local Autonomy Act"),
    Kind("exchange", "相互交流", "Staff exchange"),
)

SITE_KINDS: tuple[Kind, ...] = (
    Kind("shopping", "買い物支援", "Shopping support"),
    Kind("safety_check", "安否確認", "Safety checks"),
    Kind("salon", "サロン", "Community salon"),
    Kind("inter_settlement", "集落間交流", "Exchange between settlements"),
    Kind("startup", "起業支援", "Support for resident-led businesses"),
    Kind("consolidation", "集住化", "Consolidation of dwellings"),
)

#: Every figure, in its order on screen (headline cards, selectors, tables, handouts).
FIGURES: tuple[Figure, ...] = (
    Figure(
        id="priority_projects",
        table="priority_projects",
        label_ja="地域重点プロジェクト",
        label_en="Regional priority projects",
        unit=Unit("件", "project", "projects"),
        levels=("region", "bureau"),
        origin="document",
        item_type="priority_project",
        default_year="document",
    ),
    Figure(
        id="dispatch",
        table="dispatch",
        label_ja="道職員の派遣",
        label_en="Staff dispatched to municipalities",
        unit=Unit("人", "person", "persons"),
        levels=("region", "bureau", "municipality"),
        origin="municipal",
        themes=("pillar_region",),
        kinds=DISPATCH_KINDS,
    ),
    Figure(
        id="sites",
        table="sites",
        label_ja="集落対策の取組箇所",
        label_en="Settlement-support sites",
        unit=Unit("箇所", "site", "sites"),
        levels=("region", "bureau", "municipality"),
        origin="municipal",
        themes=("pillar_safety", "dir_community"),
        kinds=SITE_KINDS,
    ),
    Figure(
        id="evacuees",
        table="evacuees",
        label_ja="東日本大震災による避難者",
        label_en="Evacuees from the 2011 earthquake",
        unit=Unit("人", "person", "persons"),
        levels=("region", "bureau", "municipality"),
        origin="municipal",
        themes=("pillar_safety", "dir_community"),
    ),
    Figure(
        id="proposals",
        table="proposal_bureaus",
        label_ja="振興局からの政策提案",
        label_en="Bureau policy proposals",
        unit=Unit("件", "proposal", "proposals"),
        levels=("region", "bureau"),
        origin="document",
        item_type="proposal",
        default_year="document",
    ),
)

_BY_ID: dict[str, Figure] = {f.id: f for f in FIGURES}

#: Counters used by other counts than the figures' (the document's own totals).
OTHER_UNITS: tuple[Unit, ...] = (
    Unit("件", "item", "items"),
    Unit("市町村", "municipality", "municipalities"),
    Unit("団体", "body", "bodies"),
    Unit("名", "person", "persons"),
)


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


#: The document's own figures, in their order on screen (the headline shows them first).
DOCUMENT_FIGURES: tuple[DocumentFigure, ...] = (
    DocumentFigure("dispatch_regional", "dispatch", "regional", "dispatch_regional_continuing"),
    DocumentFigure("dispatch_wide_area", "dispatch", "wide_area", "dispatch_wide_area_continuing"),
    DocumentFigure(
        "dispatch_collection", "dispatch", "collection", "dispatch_collection_continuing"
    ),
    DocumentFigure("evacuees", "evacuees"),
)


def document_figures(figure_id: str | None = None) -> tuple[DocumentFigure, ...]:
    """The document's own figures (of ``figure_id``, or all), in screen order."""
    return tuple(d for d in DOCUMENT_FIGURES if figure_id is None or d.figure == figure_id)


# --------------------------------------------------------------------------------------
# Figures only staff imports provide (declared here; not yet in FIGURES)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of an import table: its id, the header staff write (Japanese, as in the
    template), its English label, and whether it is required."""

    id: str
    header_ja: str
    label_en: str
    required: bool = False


@dataclass(frozen=True)
class ImportTable:
    """A table only staff imports fill (no sample): its columns, key and period column."""

    table: str
    label_ja: str
    label_en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    period: str | None

    def template_headers(self) -> list[str]:
        """The template's header row (Japanese, as staff write it)."""
        return [c.header_ja for c in self.columns]


_MUNI_COLUMNS = (
    Column("municipality_code", "市町村コード", "Municipality code"),
    Column("municipality_name", "市町村名", "Municipality"),
)
_SOURCE_COLUMN = Column("source_ja", "出典", "Source")


def _imported_figure(figure_id: str, label_ja: str, label_en: str, unit: Unit) -> Figure:
    """A per-municipality figure only staff imports fill, under the themes of region and
    people (its table is its id)."""
    return Figure(
        id=figure_id,
        table=figure_id,
        label_ja=label_ja,
        label_en=label_en,
        unit=unit,
        levels=("region", "bureau", "municipality"),
        origin="imported",
        themes=("pillar_region", "pillar_people"),
    )


#: Per-municipality figures from the document's sections II-3(3) and II-4 that the document
#: gives no numbers for: they exist once staff import them (tables in ``db.schema.TABLES``,
#: import in ``db.importer.FIELDS``, templates from :data:`IMPORT_TABLES`, facts in
#: ``db.queries._FACTS``). They stay out of :data:`FIGURES` on purpose: every headline row,
#: selector, slide and handout walks FIGURES, and a figure that is usually empty would put a
#: card of "—" on each; the regional page shows them (a table and a map), and says when
#: nothing is imported. :func:`get` and :func:`imported_ids` reach them.
IMPORTED_FIGURES: tuple[Figure, ...] = (
    _imported_figure(
        "kyoryokutai",
        "地域おこし協力隊員",
        "Regional revitalisation volunteers (地域おこし協力隊)",
        Unit("人", "member", "members"),
    ),
    _imported_figure(
        "migration_trials",
        "移住体験事業の参加者",
        "Participants in trial migration",
        Unit("人", "participant", "participants"),
    ),
)

#: Wide-area groupings of municipalities (a 定住自立圏 or 包括交流連携 → its members), drawn
#: as dissolved areas with their names; kinds of grouping in :data:`GROUPING_KINDS`.
GROUPING_KINDS: tuple[Kind, ...] = (
    Kind("teiju_jiritsuken", "定住自立圏", "Settlement and Self-Reliance Area"),
    Kind("hokatsu_koryu", "包括交流連携", "Comprehensive exchange partnership"),
    Kind("sapporo", "札幌市との連携", "Cooperation with Sapporo"),
    Kind("other", "その他の広域連携", "Other wide-area cooperation"),
)


def _yearly_count_table(table: str, label_ja: str, label_en: str, count: Column) -> ImportTable:
    """An import table of one count per fiscal year and municipality, with its source."""
    return ImportTable(
        table,
        label_ja,
        label_en,
        (
            Column("fiscal_year", "年度", "Fiscal year", True),
            *_MUNI_COLUMNS,
            count,
            _SOURCE_COLUMN,
        ),
        key=("fiscal_year", "municipality_code"),
        period="fiscal_year",
    )


#: The import tables of :data:`IMPORTED_FIGURES` and of the wide-area groupings.
IMPORT_TABLES: tuple[ImportTable, ...] = (
    _yearly_count_table(
        "kyoryokutai",
        "地域おこし協力隊",
        "Regional revitalisation volunteers",
        Column("members", "隊員数", "Members", True),
    ),
    _yearly_count_table(
        "migration_trials",
        "移住体験事業",
        "Trial migration",
        Column("participants", "参加者数", "Participants", True),
    ),
    ImportTable(
        "wide_area_groups",
        "広域連携の圏域",
        "Wide-area groupings",
        (
            Column("group_name", "圏域名", "Grouping", True),
            Column("group_kind", "区分", "Kind", True),
            *_MUNI_COLUMNS,
            Column("role", "役割", "Role (e.g. central city)"),
            Column("from_fy", "開始年度", "First fiscal year"),
            Column("to_fy", "終了年度", "Last fiscal year"),
            _SOURCE_COLUMN,
        ),
        key=("group_name", "municipality_code"),
        period=None,
    ),
)
_BY_ID.update({f.id: f for f in IMPORTED_FIGURES})


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
