"""The filter state of the dashboard and its round trip through the URL.

The whole view a user sees (language, themes, fiscal year, area, figure,
layers, page-specific choices) is one frozen :class:`FilterState`. It lives in
the URL, so a bookmark or a link pasted in an e-mail opens exactly that view::

    ?bureau=sorachi&lang=en&theme=pillar_region&fy=2015

:func:`from_query_params` turns the URL's parameters into a state and a list of
notices; it never raises: a value it cannot use falls back to the default and
adds a notice that says which parameter was ignored. :func:`to_query_params`
is its inverse and leaves defaults out, so URLs stay short.

Both are pure functions (no Streamlit), tested directly in ``tests/test_state.py``.

URL parameters
--------------
``lang``      ``ja`` (default) or ``en``
``theme``     comma-separated theme ids (``pillar_region,dir_tourism``); none = all
``fy``        a fiscal year (``2015``), a range (``2013-2015``) or ``latest`` (the latest year
              with figures, sample ones included); none = the default year: the latest
              year with real (imported) figures, else the document's year (FY2015)
``region``    region id (``doo``) or code (``1``)
``bureau``    bureau id (``sorachi``) or code (``01``); implies its region
``metric``    ``priority_projects``, ``dispatch``, ``sites``, ``evacuees``, ``proposals``
``level``     colour the map by ``bureau`` (default) or ``region``
``layers``    comma-separated layers that are on: ``labels``, ``municipalities``, ``tiles``
``muni``      a municipality code, 5 or 6 digits (the municipality clicked on the map)
``kind``      a kind filter for the overlay pages (dispatch kind, site kind)
``mfrom``, ``mto``  a month range ``YYYY-MM`` (evacuees page)
``by``        areas an overlay page's map colours: ``municipality``, ``bureau``, ``region``
``present``   ``1``: presentation mode (slides, controls hidden; see :mod:`regionmap.ui.views.present`)
``slide``     the slide shown in presentation mode, 1-based

Adding a page-specific parameter: add a field with its default to
:class:`FilterState`, parse it in :func:`from_query_params` (with a notice on
bad input) and write it in :func:`to_query_params`; ``tests/test_state.py``
checks the round trip of every field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from regionmap import figures, reference, settings
from regionmap.codes import normalize_code
from regionmap.i18n import LANGS, col, t
from regionmap.maps.areas import AreaView
from regionmap.once import made_once
from regionmap.plaintext import plain
from regionmap.settings import DATA_DIR

#: The figures, in screen order (the registry, :mod:`regionmap.figures`).
LEVELS: tuple[str, ...] = ("bureau", "region")
LAYERS: tuple[str, ...] = ("labels", "municipalities", "tiles")
DEFAULT_LAYERS: frozenset[str] = frozenset({"labels"})
#: Areas an overlay page's map may colour (``by``); each page offers some of them.
MAP_BY: tuple[str, ...] = ("municipality", "bureau", "region")
FY_MIN, FY_MAX = 1989, 2100
#: Highest slide number of the presentation mode (regionmap.render.slides.SLIDES).
MAX_SLIDE = 6

#: Parameters Streamlit itself uses; left alone without a notice.
_STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})
_SLUG = re.compile(r"^[a-z0-9_]{1,40}$")
# Numbers in the URL are ASCII digits only: ``\d`` and ``str.isdigit`` also take "２０１５",
# "٢٠١٥" and "²⁰¹⁵" (which int() cannot even read); such a value is refused with a notice.
_YEAR = re.compile(r"^([0-9]{4})$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_FY_RANGE = re.compile(r"^([0-9]{4})\s*[-–〜~:]\s*([0-9]{4})$")
_MUNI = re.compile(r"^[0-9]{5,6}$")
_SLIDE = re.compile(r"^[0-9]{1,3}$")


def _default_lang() -> str:
    try:
        return settings.get("language")
    except ValueError:
        return "ja"


#: The overview's figure when none is chosen: a real one, published for every municipality
#: (財政力指数, the ministry's; by bureau the median of its municipalities), never a sample.
DEFAULT_METRIC = "fiscal_capability"


def overview_metrics() -> tuple[str, ...]:
    """The figures the overview offers: the counted ones, then the public (ministry's)."""
    return figures.ids() + figures.public_ids()


@dataclass(frozen=True)
class FilterState:
    """Everything that decides what the dashboard shows (see the module doc).

    Attributes
    ----------
    lang : str
        ``"ja"`` or ``"en"``.
    theme_ids : tuple of str
        Selected policy themes in catalogue order; empty means all themes.
    fy_from, fy_to : int or None
        Fiscal year range; both ``None`` for the default year (:attr:`default_fy`) or,
        with :attr:`latest`, the latest year with figures.
    region : str or None
        Region id (``"doo"``); set whenever ``bureau`` is.
    bureau : str or None
        Bureau id (``"sorachi"``).
    metric : str
        Figure shown on the overview map, one of :func:`regionmap.figures.ids`.
    level : str
        ``"bureau"`` or ``"region"``: the areas the choropleth colours.
    layers : frozenset of str
        Map layers that are on, a subset of :data:`LAYERS`.
    muni : str or None
        5-digit code of the municipality clicked on the map.
    kind : str or None
        Kind filter of the overlay pages (dispatch kind, site kind).
    month_from, month_to : str or None
        ``"YYYY-MM"`` month range (evacuees).
    map_by : str or None
        Areas the map of an overlay page colours (one of :data:`MAP_BY`); None = page default.
    present : bool
        Presentation mode (URL ``present=1``).
    slide : int or None
        Slide number in presentation mode (URL ``slide``, 1..:data:`MAX_SLIDE`); None = first.
    latest : bool
        "最新年度" chosen (URL ``fy=latest``): the latest year with figures, sample or not.
    default_fy : int or None
        The year shown when no year is chosen: the latest year with real figures, else the
        document's (set by the app from ``db.default_year``; not part of the URL).
    """

    lang: str = field(default_factory=_default_lang)
    theme_ids: tuple[str, ...] = ()
    fy_from: int | None = None
    fy_to: int | None = None
    region: str | None = None
    bureau: str | None = None
    metric: str = DEFAULT_METRIC
    level: str = "bureau"
    layers: frozenset[str] = DEFAULT_LAYERS
    muni: str | None = None
    kind: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    map_by: str | None = None
    present: bool = False
    slide: int | None = None
    latest: bool = False
    default_fy: int | None = field(default=None, compare=False)

    # derived -----------------------------------------------------------------
    @property
    def bureau_code(self) -> str | None:
        """``"01"``..``"14"`` of the selected bureau, or ``None``."""
        return _code_of("bureau", self.bureau) if self.bureau else None

    @property
    def region_code(self) -> str | None:
        """``"1"``..``"6"`` of the selected region (the bureau's own when a bureau is set)."""
        return _code_of("region", self.region) if self.region else None

    @property
    def fiscal_year(self) -> int | None:
        """The single fiscal year shown (the end of the range; without one, the default
        year), or ``None`` for the latest ("最新年度", or no default known)."""
        if self.fy_to is not None:
            return self.fy_to
        return None if self.latest else self.default_fy

    @property
    def fy_span(self) -> tuple[int | None, int | None]:
        """The fiscal year range shown: the chosen range, else the default year (both
        ``None`` for the latest)."""
        if self.fy_to is not None:
            return (self.fy_from if self.fy_from is not None else self.fy_to), self.fy_to
        return self.fiscal_year, self.fiscal_year

    def has_layer(self, name: str) -> bool:
        return name in self.layers

    def map_area(self, level: str = "bureau", *, focus: bool = False) -> AreaView:
        """What a map of this state draws (:class:`regionmap.maps.areas.AreaView`): the areas
        of ``level`` coloured, the selected area outlined (``focus``: its municipalities
        alone, the neighbours around them), the clicked municipality, the layers on."""
        return AreaView(
            level=level,
            region_code=self.region_code or "",
            bureau_code=self.bureau_code or "",
            focus=focus,
            muni=self.muni,
            layers=self.layers,
        )


# --- reference look-ups ---------------------------------------------------------


def _table(kind: str):
    """The reference table of ``kind`` ("bureau" or "region")."""
    return reference.bureaus() if kind == "bureau" else reference.regions()


@made_once(max_entries=64)
def _ids(kind: str) -> dict[str, str]:
    """Bureau (or region) id and code -> its id."""
    df = _table(kind)
    out = {i: i for i in df[f"{kind}_id"]}
    out.update(dict(zip(df[f"{kind}_code"], df[f"{kind}_id"], strict=True)))
    return out


def _code_of(kind: str, ident: str) -> str:
    """Code of a bureau (or region) id."""
    return _codes(kind)[ident]


@made_once(max_entries=64)
def _codes(kind: str) -> dict[str, str]:
    """Bureau (or region) id -> its code (read only)."""
    df = _table(kind)
    return {str(i): str(c) for i, c in zip(df[f"{kind}_id"], df[f"{kind}_code"], strict=True)}


def region_of_bureau(bureau_id: str) -> str:
    """Region id of a bureau id (``"sorachi"`` -> ``"doo"``)."""
    b = reference.bureaus()
    r = reference.regions()
    code = b.loc[b["bureau_id"] == bureau_id, "region_code"].iloc[0]
    return str(r.loc[r["region_code"] == code, "region_id"].iloc[0])


def _name(kind: str, ident: str, lang: str) -> str:
    df = _table(kind)
    row = df.loc[df[f"{kind}_id"] == ident].iloc[0]
    return str(row[col("name", lang)])


@made_once(max_entries=64)
def _catalogue_themes() -> tuple[str, ...]:
    """Theme ids of the committed catalogue (``data/policy/themes.csv``), in its order."""
    import csv

    path = DATA_DIR / "policy" / "themes.csv"
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r.get("sort_order") or 0))
    return tuple(r["theme_id"] for r in rows)


@made_once(max_entries=64)
def _municipality_codes() -> frozenset[str]:
    return frozenset(reference.municipalities()["code"])


# --- parsing --------------------------------------------------------------------


def _one(value: str | Sequence[str]) -> str:
    """The last value of a parameter given once or repeated."""
    if isinstance(value, str):
        return value.strip()
    return str(value[-1]).strip() if len(value) else ""


def _many(value: str | Sequence[str]) -> list[str]:
    """Comma-separated and/or repeated values."""
    items = [value] if isinstance(value, str) else list(value)
    return [p.strip() for item in items for p in str(item).split(",") if p.strip()]


def _parse_fy(text: str) -> tuple[int, int] | None:
    m = _FY_RANGE.match(text) or _YEAR.match(text)
    if m is None:
        return None
    lo, hi = int(m.group(1)), int(m.groups()[-1])
    if not (FY_MIN <= lo <= hi <= FY_MAX):
        return None
    return lo, hi


def _parse_month(text: str) -> str | None:
    m = _MONTH.match(text)
    if not m or not (1 <= int(m.group(2)) <= 12) or not (FY_MIN <= int(m.group(1)) <= FY_MAX):
        return None
    return text


def _known_many(value: Any, known: Sequence[str], bad: Callable[[str], None]) -> tuple[str, ...]:
    """The known ones of a comma-separated parameter, in ``known``'s order; ``bad`` is told
    the unknown ones (comma-separated)."""
    wanted = _many(value)
    unknown = [w for w in wanted if w not in known]
    if unknown:
        bad(",".join(unknown))
    return tuple(k for k in known if k in wanted)


def from_query_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    known_themes: Iterable[str] | None = None,
    known_years: Iterable[int] | None = None,
    default_fy: int | None = None,
) -> tuple[FilterState, list[str]]:
    """Read a state from URL parameters; never raises.

    Parameters
    ----------
    params : mapping
        Parameter name -> value (a string, or a list for a repeated parameter),
        e.g. ``st.query_params.to_dict()`` or ``urllib.parse.parse_qs`` output.
    known_themes : iterable of str, optional
        Valid theme ids, in display order (default: the committed catalogue).
    known_years : iterable of int, optional
        Fiscal years with figures; a year outside them is refused with a notice.
    default_fy : int, optional
        The year shown when the URL names none (:attr:`FilterState.default_fy`).

    Returns
    -------
    state : FilterState
    notices : list of str
        One short text per parameter that was ignored, in the state's language.
    """
    raw = {str(k): v for k, v in params.items()}
    lang_text = _one(raw.get("lang", ""))
    lang = lang_text if lang_text in LANGS else _default_lang()
    notices: list[str] = []

    def bad(name: str, value: object) -> None:
        # the value is the URL's: shown as text, never a link (plaintext.plain)
        notices.append(t("notice.bad_param", lang, name=name, value=plain(value)))

    values: dict[str, Any] = {"lang": lang, "default_fy": default_fy}
    if lang_text and lang_text not in LANGS:
        bad("lang", lang_text)

    themes_order = tuple(known_themes) if known_themes is not None else _catalogue_themes()
    if "theme" in raw:
        values["theme_ids"] = _known_many(raw["theme"], themes_order, lambda u: bad("theme", u))

    if "fy" in raw and _one(raw["fy"]):
        text = _one(raw["fy"])
        fy = _parse_fy(text)
        if text.strip().lower() == "latest":
            values["latest"] = True
            fy = None
        years = set(known_years) if known_years is not None else None
        if values.get("latest"):
            pass
        elif fy is None or (years is not None and not any(fy[0] <= y <= fy[1] for y in years)):
            bad("fy", text)
        else:
            values["fy_from"], values["fy_to"] = fy

    def area(kind: str) -> str | None:
        # a region or bureau by id or code; an unknown one is refused with a notice
        text = _one(raw.get(kind, ""))
        found = _ids(kind).get(text.lower()) if text else None
        if text and found is None:
            bad(kind, text)
        return found

    region, bureau = area("region"), area("bureau")
    if bureau is not None:
        own = region_of_bureau(bureau)
        if region is not None and region != own:
            notices.append(
                t(
                    "notice.region_mismatch",
                    lang,
                    bureau=_name("bureau", bureau, lang),
                    region=_name("region", region, lang),
                )
            )
        region = own
    values["region"], values["bureau"] = region, bureau

    def read(name: str, attr: str, parse: Callable[[str], object]) -> None:
        # a parameter given once (or repeated: the last) read by ``parse``; None refuses it
        text = _one(raw.get(name, ""))
        if text:
            value = parse(text)
            if value is None:
                bad(name, text)
            else:
                values[attr] = value

    read("metric", "metric", lambda x: x if x in overview_metrics() else None)
    read("level", "level", lambda x: x if x in LEVELS else None)
    if "layers" in raw:
        values["layers"] = frozenset(_known_many(raw["layers"], LAYERS, lambda u: bad("layers", u)))
    read("muni", "muni", _normalize_muni)
    read("kind", "kind", lambda x: x if _SLUG.match(x) else None)
    read("mfrom", "month_from", _parse_month)
    read("mto", "month_to", _parse_month)
    read("by", "map_by", lambda x: x if x in MAP_BY else None)

    if "present" in raw and _one(raw["present"]):
        text = _one(raw["present"]).lower()
        if text in ("1", "true", "yes", "on"):
            values["present"] = True
        elif text not in ("0", "false", "no", "off"):
            bad("present", text)
    read("slide", "slide", _slide)

    if (
        values.get("month_from")
        and values.get("month_to")
        and values["month_from"] > values["month_to"]
    ):
        bad("mfrom", values.pop("month_from"))

    for name in raw:
        if name not in _PARAMS and name not in _STREAMLIT_PARAMS:
            notices.append(t("notice.unknown_param", lang, name=plain(name)))
    return FilterState(**values), notices


def _slide(text: str) -> int | None:
    """A slide number 1..MAX_SLIDE written in ASCII digits (not "²" or "３"), else None."""
    if not _SLIDE.match(text):
        return None
    return int(text) if 1 <= int(text) <= MAX_SLIDE else None


def _normalize_muni(text: str) -> str | None:
    if not _MUNI.match(text):  # the URL's code as the app writes it: 5 or 6 ASCII digits
        return None
    try:
        code = normalize_code(text)
    except ValueError:
        return None
    return code if code in _municipality_codes() else None


_PARAMS = frozenset(
    {
        "lang",
        "theme",
        "fy",
        "region",
        "bureau",
        "metric",
        "level",
        "layers",
        "muni",
        "kind",
        "mfrom",
        "mto",
        "by",
        "present",
        "slide",
    }
)


def to_query_params(state: FilterState) -> dict[str, str]:
    """URL parameters of ``state``; defaults are left out (the inverse of parsing).

    The bureau implies its region, so ``region`` is written only without a bureau.
    """
    default = FilterState(lang=_default_lang())
    out: dict[str, str] = {}
    if state.lang != default.lang:
        out["lang"] = state.lang
    if state.theme_ids:
        out["theme"] = ",".join(state.theme_ids)
    if state.fy_to is not None:
        lo = state.fy_from if state.fy_from is not None else state.fy_to
        out["fy"] = str(state.fy_to) if lo == state.fy_to else f"{lo}-{state.fy_to}"
    elif state.latest:
        out["fy"] = "latest"
    if state.bureau:
        out["bureau"] = state.bureau
    elif state.region:
        out["region"] = state.region
    if state.metric != default.metric:
        out["metric"] = state.metric
    if state.level != default.level:
        out["level"] = state.level
    if state.layers != default.layers:
        out["layers"] = ",".join(name for name in LAYERS if name in state.layers)
    if state.muni:
        out["muni"] = state.muni
    if state.kind:
        out["kind"] = state.kind
    if state.month_from:
        out["mfrom"] = state.month_from
    if state.month_to:
        out["mto"] = state.month_to
    if state.map_by:
        out["by"] = state.map_by
    if state.present:
        out["present"] = "1"
    if state.slide is not None:
        out["slide"] = str(state.slide)
    return out


def with_area(state: FilterState, *, region: str | None = None, bureau: str | None = None):
    """A copy of ``state`` with another area (bureau implies its region; clears ``muni``)."""
    if bureau is not None:
        bureau = _ids("bureau")[bureau]
        region = region_of_bureau(bureau)
    elif region is not None:
        region = _ids("region")[region]
    return replace(state, region=region, bureau=bureau, muni=None)


# --- the view's filters as query arguments --------------------------------------------

#: Lists of the database a page shows (and the Data page exports) with their own filters.
LIST_VIEWS: tuple[str, ...] = ("dispatches", "sites", "evacuees")


def shown_year(s: FilterState, years: Sequence[int]) -> int | None:
    """The fiscal year a page shows for a figure with ``years``.

    The state's year when the figure has it, else the latest year (None without years).
    """
    if s.fiscal_year is not None and s.fiscal_year in years:
        return s.fiscal_year
    return max(years) if years else None


def month_range(s: FilterState, months: Sequence[str]) -> tuple[str, str] | None:
    """The months shown (``YYYY-MM``): the state's range, else the fiscal year's months, else all.

    The fiscal year of the filter bar picks its months (April to March) unless a
    month range is set; the range is clipped to ``months``. None without months.
    """
    if not months:
        return None
    lo, hi = months[0], months[-1]
    if s.fiscal_year is not None and not (s.month_from or s.month_to):
        fy = s.fiscal_year
        in_fy = [m for m in months if f"{fy}-04" <= m <= f"{fy + 1}-03"]
        if in_fy:
            lo, hi = in_fy[0], in_fy[-1]
    if s.month_from:
        lo = max(months[0], s.month_from)
    if s.month_to:
        hi = min(months[-1], s.month_to)
    lo = min([m for m in months if m >= lo] or [months[-1]])
    hi = max([m for m in months if m <= hi] or [months[0]])
    if lo > hi:
        lo = hi
    return lo, hi


def query_filters(
    s: FilterState,
    view: str | None = None,
    *,
    years: Sequence[int] | None = None,
    months: Sequence[str] | None = None,
    kinds: Iterable[str] | None = None,
) -> dict[str, object]:
    """Keyword arguments of a database query for what state ``s`` shows.

    The one place that turns the view into filters (the pages, the map figures
    and the Data page's export all use it).

    Parameters
    ----------
    s : FilterState
    view : str, optional
        A list of :data:`LIST_VIEWS` (``dispatches``, ``sites``, ``evacuees``) for
        its own filters; None (or any other list) for the common ones only.
    years : sequence of int, optional
        Fiscal years with figures of the view. Given, the page's year
        (:func:`shown_year`: the state's, else the latest) is applied:
        ``fiscal_year_from`` = ``fiscal_year_to`` for ``dispatches``, ``fiscal_year``
        for ``sites``. Not given, ``dispatches`` has every year.
    months : sequence of str, optional
        Months with figures (``evacuees``): ``month_from``/``month_to`` are
        :func:`month_range` of them; not given, the state's own months.
    kinds : iterable of str, optional
        Kinds of the view (``dispatches``, ``sites``): the state's ``kind`` is
        applied only when it is one of them.

    Returns
    -------
    dict
        ``theme_ids`` (tuple or None), ``region_code`` (only without a bureau:
        the bureau is the narrower filter), ``bureau_code``, and for the lists
        ``municipality_code`` (the municipality chosen on the map), ``kind`` and
        the period.
    """
    out: dict[str, object] = {
        "theme_ids": s.theme_ids or None,
        "region_code": s.region_code if not s.bureau_code else None,
        "bureau_code": s.bureau_code,
    }
    if view not in LIST_VIEWS:
        return out
    out["municipality_code"] = s.muni
    if view in ("dispatches", "sites"):
        out["kind"] = s.kind if s.kind and kinds is not None and s.kind in set(kinds) else None
    if view == "dispatches" and years is not None:
        fy = shown_year(s, years)
        out["fiscal_year_from"] = out["fiscal_year_to"] = fy
    elif view == "sites":
        out["fiscal_year"] = shown_year(s, years) if years is not None else s.fiscal_year
    elif view == "evacuees":
        if months is not None:
            rng = month_range(s, months)
            out["month_from"], out["month_to"] = rng if rng else (None, None)
        else:
            out["month_from"], out["month_to"] = s.month_from, s.month_to
    return out
