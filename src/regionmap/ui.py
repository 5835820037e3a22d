"""Shared Streamlit pieces of the dashboard: page set-up, the one filter bar, URL state,
first-run preparation, maps with their credit and legend, notices.

How a page is put together
--------------------------
``app.py`` calls :func:`setup_page`, :func:`start` (prepares what is missing,
reads the state from the URL, draws the filter bar in the sidebar once) and
runs the page chosen in ``st.navigation``. A page script then only lays out
widgets and calls this module::

    from regionmap import ui

    ctx = ui.context()                      # the Context app.py made for this run
    st.title(ctx.t("page.overview"))
    ui.area_map(ctx, page="overview")       # map + credit + legend + sample notice
    ...

Adding a page (pages 3–8): write ``pages/<name>.py`` like ``pages/overview.py``,
add one :class:`PageSpec` to :data:`PAGES` (title key in :mod:`regionmap.i18n`).
Page-specific filters go into :class:`regionmap.state.FilterState` (so they are
in the URL) and are drawn with :func:`bound_widget`, which keeps the widget, the
URL and the state in step.

The state lives in the URL (``st.query_params``); the widgets are drawn from
it on every run, and their ``on_change`` callbacks write the URL before the
rerun, so a bookmark, the back button, a map click and the widgets all agree.
Session state is used under the ``rm.`` prefix only (widget keys and the
run's :class:`Context`).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import figures, i18n, maplayers, reference, settings
from regionmap import state as state_mod
from regionmap.charts import FONT_FAMILY, format_delta, format_number, ranked_bar
from regionmap.i18n import CATALOG, fy_text, t
from regionmap.state import FilterState

_CTX_KEY = "rm.ctx"
_W = "rm.w."  # prefix of the filter widgets' keys

# --- pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """A page of the dashboard: its script (relative to the project), title key, URL path."""

    script: str
    title_key: str
    url_path: str
    icon: str = ""
    default: bool = False


#: The pages, in navigation order. Add new pages here (and their title to the i18n catalog).
PAGES: list[PageSpec] = [
    PageSpec("pages/overview.py", "page.overview", "overview", default=True),
    PageSpec("pages/bureau.py", "page.bureau", "bureau"),
    PageSpec("pages/projects.py", "page.projects", "projects"),
    PageSpec("pages/dispatch.py", "page.dispatch", "dispatch"),
    PageSpec("pages/settlement.py", "page.settlement", "settlement"),
    PageSpec("pages/evacuees.py", "page.evacuees", "evacuees"),
    PageSpec("pages/proposals.py", "page.proposals", "proposals"),
    PageSpec("pages/data.py", "page.data", "data"),
    PageSpec("pages/present.py", "page.present", "present"),
]


def navigation(lang: str | None = None) -> Any:
    """``st.navigation`` of :data:`PAGES` with titles in ``lang`` (hidden: the sidebar
    links of the filter bar carry the filter state to the other pages). Returns the page
    to run."""
    lang = lang or _lang_from_url()
    pages = [
        st.Page(
            str(settings.PROJECT_ROOT / p.script),
            title=t(p.title_key, lang),
            url_path=p.url_path,
            icon=p.icon or None,
            default=p.default,
        )
        for p in PAGES
    ]
    return st.navigation(pages, position="hidden")


# --- set-up -------------------------------------------------------------------------


def setup_page() -> None:
    """Page config: wide layout, title. (The page icon is an emoji: a Material icon
    would make the browser fetch the favicon from Google's font server.)"""
    st.set_page_config(
        page_title="北海道 地域政策マップ | regionmap",
        page_icon="🗾",
        layout="wide",
    )


@dataclass(frozen=True)
class Readiness:
    """What is available this run: boundary layers (always, else the app stops) and figures."""

    layers: bool
    database: bool
    database_error: str | None = None


def prepare(lang: str) -> Readiness:
    """Build the boundary layers and the database when missing, with visible progress.

    Without layers the map cannot be drawn: the app shows what to do and stops.
    Without a database the map is still drawn (no figures) with a notice.
    """
    from regionmap import geo

    if not geo.layers_available():
        with st.status(t("prep.layers", lang), expanded=True) as status:
            bar = st.progress(0.0)
            try:
                from regionmap.geo.build import build

                man = build(settings.get("boundary_source"), progress=_progress_to(bar, lang))
            except Exception as exc:  # noqa: BLE001 - every failure gets the same advice
                status.update(label=t("prep.failed", lang), state="error", expanded=True)
                st.error(t("prep.layers.help", lang, error=_short(exc)))
                st.stop()
            status.update(label=t("prep.layers.done", lang), state="complete", expanded=False)
        if man.get("fallback_from"):
            st.warning(
                t(
                    "prep.layers.fallback",
                    lang,
                    path=man.get("source_file") or man.get("source"),
                    vintage=man.get("vintage") or "?",
                )
            )
    try:
        from regionmap import database
    except ImportError as exc:  # the package without its database module
        return Readiness(True, False, _short(exc))
    path = Path(settings.get("db_path"))
    if database.check(path):  # present with the current schema (else rebuilt or refused below)
        return Readiness(True, True)
    with st.status(t("prep.database", lang), expanded=True) as status:
        bar = st.progress(0.0)
        try:
            database.ensure_database(path, progress=_progress_to(bar, lang))
        except Exception as exc:  # noqa: BLE001
            status.update(label=t("prep.failed", lang), state="error", expanded=True)
            st.warning(t("prep.database.help", lang, error=_short(exc)))
            return Readiness(True, False, _short(exc))
        status.update(label=t("prep.database.done", lang), state="complete", expanded=False)
    return Readiness(True, True)


def _progress_to(bar, lang: str) -> Callable[..., None]:
    """A progress callback for ``bar`` (the build's step messages are English: in Japanese
    the bar says 作成中… with the percentage)."""

    def progress(fraction: float, message: str = "") -> None:
        share = min(max(float(fraction), 0.0), 1.0)
        # a branch on purpose (logic, not text): the build's steps are worded in English only
        detail = message if lang == "en" else ""
        bar.progress(share, text=t("prep.progress", lang, pct=round(share * 100), message=detail))

    return progress


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 600 else text[:600] + "…"


# --- the run's context -------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Everything a page needs this run: the state, its notices and what is available."""

    state: FilterState
    notices: tuple[str, ...]
    ready: Readiness
    years: tuple[int, ...]
    themes: pd.DataFrame | None
    #: per-run flags (e.g. whether the full sample notice was shown)
    flags: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def lang(self) -> str:
        return self.state.lang

    def t(self, key: str, **values: object) -> str:
        return t(key, self.state.lang, **values)


def start() -> Context:
    """Prepare, read the state from the URL, show its notices and draw the filter bar.

    Called once per run from ``app.py`` (pages get the result from :func:`context`).
    """
    lang = _lang_from_url()
    ready = prepare(lang)
    themes = _themes(_db_version()) if ready.database else None
    known = list(themes["theme_id"]) if themes is not None else None
    years = _all_years(_db_version()) if ready.database else ()
    state, notices = state_mod.from_query_params(
        _query_params(), known_themes=known, known_years=years or None
    )
    # write back the cleaned state, so the URL shows what is shown
    _write_url(state)
    ctx = Context(state, tuple(notices), ready, tuple(years), themes)
    st.session_state[_CTX_KEY] = ctx
    map_ready_script()
    filter_bar(ctx)
    for notice in notices:
        st.toast(notice, icon=":material/info:")
    return ctx


def context() -> Context:
    """The :class:`Context` of this run (made by ``app.py``; made here when a page runs alone).

    A page runs alone when a freshly started server's first request is a page URL (a
    bookmark such as ``/dispatch?bureau=kamikawa``): Streamlit then runs the script from
    ``pages/`` itself, in its old multipage mode, and ``app.py`` never runs. The page then
    does what ``app.py`` does (page config, navigation, filter bar); the ``st.navigation``
    call also switches Streamlit to ``app.py`` for every later run.
    """
    ctx = st.session_state.get(_CTX_KEY)
    if not isinstance(ctx, Context):
        setup_page()
        navigation()
        ctx = start()
    return ctx


def _lang_from_url() -> str:
    value = st.query_params.get("lang", "")
    if value in ("ja", "en"):
        return value
    try:
        return settings.get("language")
    except ValueError:
        return "ja"


def _query_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}  # noqa: SIM118 - QueryParams is not a dict


def _write_url(state: FilterState) -> None:
    wanted = state_mod.to_query_params(state)
    current = {k: st.query_params.get(k) for k in st.query_params.keys()}  # noqa: SIM118
    current.pop("embed", None)
    current.pop("embed_options", None)
    if current != wanted:
        st.query_params.from_dict(wanted)


def set_state(new: FilterState) -> None:
    """Make ``new`` the state: write it to the URL (use in callbacks; the rerun shows it)."""
    _write_url(new)
    ctx = st.session_state.get(_CTX_KEY)
    if isinstance(ctx, Context):
        st.session_state[_CTX_KEY] = replace(ctx, state=new)


# --- cached data -------------------------------------------------------------------


def _db_version() -> str:
    """Changes when the database file is replaced (an import): part of every cache key."""
    path = Path(settings.get("db_path"))
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return "missing"
    return f"{path}:{s.st_mtime_ns}:{s.st_size}:{s.st_ino}"


@st.cache_data(show_spinner=False, max_entries=8)
def _themes(db_version: str) -> pd.DataFrame:
    from regionmap import database

    return database.themes()


@st.cache_data(show_spinner=False, max_entries=8)
def _all_years(db_version: str) -> tuple[int, ...]:
    from regionmap import database

    years: set[int] = set()
    for metric in state_mod.METRICS:
        years.update(database.fiscal_years(metric))
    return tuple(sorted(years))


@st.cache_data(show_spinner=False, max_entries=64)
def metric_years(metric: str, db_version: str) -> tuple[int, ...]:
    from regionmap import database

    return tuple(database.fiscal_years(metric))


@st.cache_data(show_spinner=False, max_entries=512)
def metric_frame(
    metric: str,
    level: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    region_code: str | None,
    bureau_code: str | None,
    db_version: str,
    kind: str | None = None,
) -> pd.DataFrame:
    """``database.metric_by_area`` cached with every input (and the database version)."""
    from regionmap import database

    return database.metric_by_area(
        metric,
        level=level,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids) or None,
        region_code=region_code,
        bureau_code=bureau_code,
        kind=kind,
    )


@st.cache_data(show_spinner=False, max_entries=512)
def headline_figure(
    metric: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    region_code: str | None,
    bureau_code: str | None,
    db_version: str,
) -> dict:
    from regionmap import database

    return database.headline(
        metric,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids) or None,
        region_code=region_code,
        bureau_code=bureau_code,
    )


@st.cache_data(show_spinner=False, max_entries=256)
def table(name: str, filters: tuple[tuple[str, Any], ...], db_version: str) -> pd.DataFrame:
    """A cached call of one of the database's list functions (``priority_projects``,
    ``proposals``, ``bureau_projects``, ``dispatches``, ``sites``, ``evacuees``,
    ``municipality_summary``) with keyword ``filters``."""
    from regionmap import database

    allowed = {
        "priority_projects",
        "proposals",
        "bureau_projects",
        "dispatches",
        "sites",
        "evacuees",
        "municipality_summary",
    }
    if name not in allowed:
        raise ValueError(f"not a list function of the database: {name}")
    kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in filters}
    return getattr(database, name)(**kwargs)


def effective_year(ctx: Context, metric: str) -> int | None:
    """The state's fiscal year if ``metric`` has figures for it, else ``None`` (latest)."""
    fy = ctx.state.fiscal_year
    if fy is None or not ctx.ready.database:
        return None
    return fy if fy in metric_years(metric, _db_version()) else None


def db_version() -> str:
    return _db_version()


# --- widgets bound to the state ------------------------------------------------------


def bound_widget(
    widget: Callable[..., Any],
    field: str,
    label: str,
    *,
    to_widget: Callable[[FilterState], Any] | None = None,
    from_widget: Callable[[FilterState, Any], FilterState] | None = None,
    **kwargs: Any,
) -> Any:
    """Draw ``widget`` (e.g. ``st.selectbox``) bound to the state's ``field``.

    The widget shows the state's value (``to_widget(state)``, default the field
    itself); a change writes ``from_widget(state, value)`` (default: replace the
    field) to the URL before the rerun. ``kwargs`` go to the widget (options,
    format_func, ...). The key is ``rm.w.<field>``.
    """
    ctx = context()
    key = _W + field
    value = to_widget(ctx.state) if to_widget else getattr(ctx.state, field)
    st.session_state[key] = value

    def changed() -> None:
        current = context().state
        new_value = st.session_state[key]
        new = (
            from_widget(current, new_value)
            if from_widget
            else replace(current, **{field: new_value})
        )
        set_state(new)

    return widget(label, key=key, on_change=changed, **kwargs)


def _area_options() -> list[str]:
    """'' (all), then each region ('r:doo') followed by its bureaus ('b:sorachi')."""
    out = [""]
    b = reference.bureaus()
    for _, region in reference.regions().sort_values("sort_order").iterrows():
        out.append("r:" + region["region_id"])
        for bid in b.loc[b["region_code"] == region["region_code"], "bureau_id"]:
            out.append("b:" + bid)
    return out


def area_label(option: str, lang: str) -> str:
    if not option:
        return t("filter.area.all", lang)
    kind, ident = option.split(":", 1)
    if kind == "r":
        r = reference.regions().set_index("region_id").loc[ident]
        return t("filter.area.region", lang, name=r[i18n.col("name", lang)])
    b = reference.bureaus().set_index("bureau_id").loc[ident]
    return "\u3000" + str(b[i18n.col("name", lang)])


def _area_value(s: FilterState) -> str:
    if s.bureau:
        return "b:" + s.bureau
    if s.region:
        return "r:" + s.region
    return ""


def _area_apply(s: FilterState, option: str) -> FilterState:
    if not option:
        return state_mod.with_area(s)
    kind, ident = option.split(":", 1)
    return (
        state_mod.with_area(s, bureau=ident)
        if kind == "b"
        else state_mod.with_area(s, region=ident)
    )


def filter_bar(ctx: Context) -> None:
    """The one filter bar (sidebar): language, page links, themes, fiscal year, area, layers."""
    lang = ctx.lang
    with st.sidebar:
        bound_widget(
            st.segmented_control,
            "lang",
            t("filter.lang", lang),
            options=["ja", "en"],
            format_func=lambda v: {"ja": "日本語", "en": "English"}[v],
            from_widget=lambda s, v: replace(s, lang=v or s.lang),
        )
        st.caption(t("nav.pages", lang))
        params = state_mod.to_query_params(ctx.state)
        for p in PAGES:
            st.page_link(
                str(settings.PROJECT_ROOT / p.script),
                label=t(p.title_key, lang),
                icon=p.icon or None,
                query_params=params,
            )
        st.subheader(t("filter.header", lang))
        if ctx.themes is not None:
            names = ctx.themes.set_index("theme_id")[i18n.col("name", lang)]
            bound_widget(
                st.multiselect,
                "theme_ids",
                t("filter.themes", lang),
                options=list(names.index),
                format_func=lambda v: str(names.get(v, v)),
                to_widget=lambda s: list(s.theme_ids),
                from_widget=lambda s, v: replace(
                    s, theme_ids=tuple(th for th in names.index if th in v)
                ),
                help=t("filter.themes.help", lang),
                placeholder=t("filter.themes.help", lang),
            )
        if ctx.years:
            bound_widget(
                st.selectbox,
                "fy_to",
                t("filter.fy", lang),
                options=[0, *ctx.years],
                format_func=lambda v: t("filter.fy.latest", lang) if not v else fy_text(v, lang),
                to_widget=lambda s: s.fy_to or 0,
                from_widget=lambda s, v: replace(s, fy_from=v or None, fy_to=v or None),
            )
            _year_player(ctx)
        bound_widget(
            st.selectbox,
            "area",
            t("filter.area", lang),
            options=_area_options(),
            format_func=lambda v: area_label(v, lang),
            to_widget=_area_value,
            from_widget=_area_apply,
        )
        st.caption(t("filter.layers", lang))
        for layer in state_mod.LAYERS:
            bound_widget(
                st.checkbox,
                "layer_" + layer,
                t("layer." + layer, lang),
                to_widget=lambda s, name=layer: name in s.layers,
                from_widget=lambda s, v, name=layer: replace(
                    s, layers=(s.layers | {name}) if v else (s.layers - {name})
                ),
            )
        st.button(
            t("filter.reset", lang),
            on_click=lambda: set_state(FilterState(lang=context().lang)),
            key=_W + "reset",
        )


#: seconds between two steps of the year player
PLAY_SECONDS = 2.0
_PLAY_KEY = "rm.play"  # the player's toggle (not in the URL: a bookmark opens paused)
_PLAY_AT_KEY = "rm.play.at"  # when the shown year last changed, for the player's pace
_PLAY_STOP_KEY = "rm.play.stop"  # set by the player at the latest year: untick next run


def next_year(years: Sequence[int], current: int | None) -> int | None:
    """The year the player shows after ``current`` (``None`` = latest): from the latest
    it starts over at the first year; after the last year it stops (``None``).

    >>> next_year((2012, 2013, 2014), None)
    2012
    >>> next_year((2012, 2013, 2014), 2013)
    2014
    >>> next_year((2012, 2013, 2014), 2014) is None
    True
    """
    if not years:
        return None
    ordered = sorted(years)
    if current is None or current not in ordered:
        return ordered[0]
    i = ordered.index(current)
    return ordered[i + 1] if i + 1 < len(ordered) else None


def _year_player(ctx: Context) -> None:
    """A toggle that plays through the fiscal years of the chosen figure: a fragment steps
    the year every :data:`PLAY_SECONDS` and reruns the whole page, so map, figures and
    charts follow; it stops at the latest year."""
    if st.session_state.pop(_PLAY_STOP_KEY, False):
        st.session_state[_PLAY_KEY] = False
    playing = st.toggle(
        t("filter.fy.play", ctx.lang),
        key=_PLAY_KEY,
        help=t("filter.fy.play.help", ctx.lang),
        on_change=lambda: st.session_state.__setitem__(_PLAY_AT_KEY, time.monotonic()),
    )
    if playing:
        _player_tick()


@st.fragment(run_every=PLAY_SECONDS)
def _player_tick() -> None:
    started = st.session_state.get(_PLAY_AT_KEY, 0.0)
    if time.monotonic() - started < PLAY_SECONDS * 0.9:
        return  # the run that drew the page: wait for the next tick
    ctx = context()
    shown = ctx.state.fy_to if ctx.state.fy_to == ctx.state.fy_from else None
    # the years the shown figure has: no step shows another year's figures instead
    year = next_year(metric_years(ctx.state.metric, _db_version()) or ctx.years, shown)
    if year is None:
        st.session_state[_PLAY_STOP_KEY] = True
    else:
        set_state(replace(ctx.state, fy_from=year, fy_to=year))
        st.session_state[_PLAY_AT_KEY] = time.monotonic()
    st.rerun(scope="app")


#: figures that exist per municipality (the document's projects and proposals are per
#: bureau or region: a municipality map of them would paint the bureau's count on each)
MUNICIPAL_METRICS: tuple[str, ...] = figures.ids(level="municipality")


def municipal_metric(metric: str) -> str:
    """``metric`` if it has figures per municipality, else the first one that has."""
    return metric if metric in MUNICIPAL_METRICS else MUNICIPAL_METRICS[0]


def metric_controls(ctx: Context, *, level: bool = True) -> None:
    """The figure picker and (``level``) the 'colour by' bureau/region switch.

    Without ``level`` (the bureau page, coloured by municipality) only the figures that
    exist per municipality are offered.
    """
    lang = ctx.lang
    col1, col2 = st.columns([3, 2])
    with col1:
        bound_widget(
            st.selectbox,
            "metric",
            t("filter.metric", lang),
            options=list(state_mod.METRICS if level else MUNICIPAL_METRICS),
            format_func=lambda v: t("metric." + v, lang),
            to_widget=None if level else (lambda s: municipal_metric(s.metric)),
        )
    if not level:
        return
    with col2:
        bound_widget(
            st.segmented_control,
            "level",
            t("filter.level", lang),
            options=list(state_mod.LEVELS),
            format_func=lambda v: t("level." + v, lang),
            from_widget=lambda s, v: replace(s, level=v or s.level),
        )


# --- notices, credit, legend -------------------------------------------------------------


def map_credit(lang: str, *, tiles: bool = False) -> None:
    """The MLIT credit with the boundaries' vintage (and the GSI credit when its tiles are
    shown), under every map."""
    vintage = _boundary_vintage(_layers_version())
    st.caption(
        t("map.credit", lang) + (t("map.credit.vintage", lang, vintage=vintage) if vintage else "")
    )
    if tiles:
        st.caption(t("map.tiles_credit", lang))


def _layers_version() -> str:
    """Changes when the boundary layers are rebuilt (the manifest's time and size)."""
    from regionmap.geo.layers import MANIFEST, geo_dir_path

    try:
        st_ = (geo_dir_path(None) / MANIFEST).stat()
    except OSError:
        return ""
    return f"{st_.st_mtime_ns}-{st_.st_size}"


@st.cache_data(show_spinner=False, max_entries=8)
def _boundary_vintage(layers_version: str) -> str | None:
    from regionmap import geo

    if not layers_version:
        return None
    try:
        return geo.manifest().get("vintage")
    except (FileNotFoundError, ValueError):
        return None


def sample_notice(lang: str) -> None:
    """The 'sample data' notice; call wherever sample figures are shown.

    The full notice is shown the first time in a run, a short mark after that.
    """
    ctx = st.session_state.get(_CTX_KEY)
    if isinstance(ctx, Context) and ctx.flags.get("sample_shown"):
        st.caption(t("notice.sample.short", lang))
        return
    if isinstance(ctx, Context):
        ctx.flags["sample_shown"] = True
    st.warning(t("notice.sample", lang), icon=":material/science:")


def legend(scale: maplayers.ColorScale, *, title: str, unit: str, lang: str) -> None:
    """A legend of a colour scale, beside the map."""
    rows = "".join(
        f"<div style='display:flex;align-items:center;gap:6px;margin:2px 0'>"
        f"<span style='display:inline-block;width:18px;height:14px;background:{colour};"
        f"border:1px solid #888'></span><span>{label}</span></div>"
        for colour, label in scale.legend(unit, lang, alpha=maplayers.FILL_ALPHA)
    )
    st.html(
        f"<div class='rm-legend' style='font-family:{FONT_FAMILY};font-size:13px'>"
        f"<div style='font-weight:600;margin-bottom:4px'>{t('map.legend', lang, title=title)}</div>"
        f"{rows}<div style='margin-top:6px;color:#555'>{t('map.legend.outlines', lang)}</div></div>"
    )


# --- maps -------------------------------------------------------------------------------


def published(
    name: str, level: str = "overview", where: tuple[str, Sequence[str]] | None = None
) -> maplayers.PublishedLayer:
    """A boundary layer (or a subset: ``where`` = (column, values)) published as a static
    file, cached for the server's life."""
    return maplayers.publish_layer(name, level, where=where)


def _view_for(s: FilterState) -> Any:
    """Hokkaido, or the selected bureau/region: changes only when the area changes."""
    if s.bureau:
        layer = published("bureaus")
        return maplayers.view_for_bounds(layer.bounds_of([s.bureau_code]))
    if s.region:
        layer = published("regions")
        return maplayers.view_for_bounds(layer.bounds_of([s.region_code]))
    return maplayers.view_for_bounds(maplayers.HOKKAIDO_BOUNDS)


@dataclass(frozen=True)
class MapFigures:
    """Figures shown on a map: by area code, with their unit, year, source and sample flag."""

    values: dict[str, float]
    unit_ja: str
    unit_en: str
    fiscal_year: int | None
    source: str
    is_sample: bool

    def unit(self, lang: str) -> str:
        return getattr(self, i18n.col("unit", lang))


def map_figures(ctx: Context, metric: str, level: str) -> MapFigures | None:
    """The metric per area of ``level`` under the state's filters, or None without database.

    The area filter is not applied here: every area keeps its figure (the map
    colours all of Hokkaido; the selection is outlined). None also when the theme
    filter covers nothing of ``metric``: the map then shows no figure at all (the page
    says why), never zeros.
    """
    if not ctx.ready.database or theme_excludes(ctx, metric):
        return None
    s = ctx.state
    df = metric_frame(
        metric, level, effective_year(ctx, metric), s.theme_ids, None, None, _db_version()
    )
    if df.empty:
        return None
    first = df.iloc[0]
    return MapFigures(
        values=dict(zip(df["area_code"].astype(str), df["value"].astype(float), strict=True)),
        unit_ja=str(first["unit_ja"]),
        unit_en=str(first["unit_en"]),
        fiscal_year=None if pd.isna(first["fiscal_year"]) else int(first["fiscal_year"]),
        source=str(first[i18n.col("source", ctx.lang)]),
        is_sample=bool(df["is_sample"].any()),
    )


def _tooltip_lines(layer: maplayers.PublishedLayer, figs: MapFigures | None, lang: str):
    if figs is None:
        return {}
    return {
        layer.key_of(code): maplayers.figure_line(
            figs.values.get(code),
            unit_ja=figs.unit(lang),
            fiscal_year=figs.fiscal_year,
            is_sample=figs.is_sample,
            lang=lang,
        )
        for code in layer.codes
        if code in figs.values
    }


def build_area_deck(ctx: Context, *, page: str, metric: str, level: str):
    """The deck of a page: choropleth of ``metric`` by ``level``, outlines, labels, tooltip.

    ``page`` ``"overview"``: bureaus and regions (and municipal boundaries when
    that layer is on). ``page`` ``"bureau"``: the selected area's municipalities
    coloured by the metric, its neighbours as outlines and names.

    Returns (deck, scale or None, figures or None).
    """
    s, lang = ctx.state, ctx.lang
    bureaus, regions = published("bureaus"), published("regions")
    layers: list[Any] = []
    scale = None
    figs = None
    tips: dict[str, str] = {}

    if page == "bureau" and (s.bureau or s.region):
        # only the selected area's municipalities, as their own static file
        where = (
            ("bureau_code", [s.bureau_code]) if s.bureau_code else ("region_code", [s.region_code])
        )
        munis = published("municipalities", where=where)
        figs = map_figures(ctx, metric, "municipality")
        inside = set(munis.codes)
        # the Northern Territories villages carry no figures: drawn in the 'no data' grey
        no_figures = northern_territories()
        classes = maplayers.choropleth(
            munis.codes, figs.values if figs else None, no_figure=no_figures
        )
        scale = classes.scale
        fills = classes.fills()
        line_colours = [list(maplayers.MUNI_LINE)] * len(munis.codes)
        if s.muni:
            line_colours = [
                list(maplayers.SELECTED_LINE) if c == s.muni else lc
                for c, lc in zip(munis.codes, line_colours, strict=True)
            ]
        # neighbours in a light fill for context, the area's municipalities above them,
        # region outlines and the selection outline on top
        layers += maplayers.area_layers(
            "bureaus",
            bureaus,
            fill_colors=[list(maplayers.CONTEXT_FILL)] * len(bureaus.codes),
            line_color=maplayers.BUREAU_LINE,
            line_width=1.5,
            pickable=True,
        )
        layers += maplayers.area_layers(
            "municipalities", munis, fill_colors=fills, line_colors=line_colours, line_width=1
        )
        layers += maplayers.area_layers(
            "regions", regions, line_color=maplayers.REGION_LINE, line_width=3, pickable=False
        )
        if s.bureau_code:
            layers.append(maplayers.selection_layer("selected-bureau", bureaus, [s.bureau_code]))
        else:
            layers.append(maplayers.selection_layer("selected-region", regions, [s.region_code]))
        if s.has_layer("labels"):
            layers.append(
                maplayers.label_layer(
                    "labels-municipalities",
                    maplayers.labels_of(munis, lang, inside),
                    size=12,
                    declutter=True,
                )
            )
            # neighbours' names only: the selected bureau(s) show their municipalities
            own = {s.bureau_code} if s.bureau_code else set(munis.groups)
            others = [c for c in bureaus.codes if c not in own]
            layers.append(
                maplayers.label_layer(
                    "labels-bureaus",
                    maplayers.labels_of(bureaus, lang, others),
                    size=13,
                    color=(90, 90, 90, 255),
                )
            )
        tips = {
            k: v
            for k, v in _tooltip_lines(munis, figs, lang).items()
            if k[1:] in inside and k[1:] not in no_figures
        }
    else:
        fill_layer = bureaus if level == "bureau" else regions
        figs = map_figures(ctx, metric, level)
        classes = maplayers.choropleth(fill_layer.codes, figs.values if figs else None)
        scale = classes.scale
        fills = classes.fills()
        bureau_layers = maplayers.area_layers(
            "bureaus",
            bureaus,
            fill_colors=fills if level == "bureau" else None,
            line_color=maplayers.BUREAU_LINE,
            line_width=1.2,
            pickable=level == "bureau",
        )
        region_layers = maplayers.area_layers(
            "regions",
            regions,
            fill_colors=fills if level == "region" else None,
            line_color=maplayers.REGION_LINE,
            line_width=3,
            pickable=level == "region",
        )
        # the filled layer goes first; region outlines always above bureau outlines
        if level == "region":
            outline = maplayers.area_layers(
                "regions-outline",
                regions,
                line_color=maplayers.REGION_LINE,
                line_width=3,
                pickable=False,
            )
            layers += region_layers + bureau_layers + outline
        else:
            layers += bureau_layers + region_layers
        # the selected area outlined on top of everything
        if s.bureau_code:
            layers.append(maplayers.selection_layer("selected-bureau", bureaus, [s.bureau_code]))
        elif s.region_code:
            layers.append(maplayers.selection_layer("selected-region", regions, [s.region_code]))
        if s.has_layer("municipalities"):
            munis = published("municipalities")
            # municipal boundaries just above the filled layer (and its outlines)
            at = 2 if len(layers) > 1 and layers[1].id.endswith(maplayers.LINES_SUFFIX) else 1
            layers[at:at] = maplayers.area_layers(
                "municipalities",
                munis,
                line_color=(110, 110, 110, 140),
                line_width=0.6,
                pickable=False,
            )
        if s.has_layer("labels"):
            label_src = regions if level == "region" else bureaus
            layers.append(
                maplayers.label_layer(
                    "labels-" + label_src.name, maplayers.labels_of(label_src, lang), size=15
                )
            )
        tips = _tooltip_lines(fill_layer, figs, lang)

    basemap = maplayers.publish_gsi_style() if s.has_layer("tiles") else None
    deck = maplayers.make_deck(
        layers,
        _view_for(s),
        tooltip_spec=maplayers.tooltip(
            tips,
            lang=lang,
            footer=maplayers.source_footer(figs.source, lang) if figs and tips else "",
        ),
        basemap_url=basemap,
    )
    return deck, scale, figs


def northern_territories() -> frozenset[str]:
    """Codes of the six Northern Territories villages (drawn, with no figures)."""
    m = reference.municipalities()
    return frozenset(m.loc[m["kind"] == "northern_territory", "code"])


def area_map(ctx: Context, *, page: str, metric: str | None = None, level: str | None = None):
    """Draw a page's map with its legend, MLIT credit and sample notice; returns its figures.

    Clicking a bureau or region selects it; on the bureau page clicking a
    municipality shows its figures (``muni`` in the state).
    """
    s, lang = ctx.state, ctx.lang
    metric = metric or s.metric
    level = level or s.level
    by_municipality = page == "bureau" and bool(s.bureau or s.region)
    if by_municipality:
        metric = municipal_metric(metric)
    deck, scale, figs = build_area_deck(ctx, page=page, metric=metric, level=level)
    key = f"rm.map.{page}.{s.bureau or s.region or 'all'}"
    if theme_excludes(ctx, metric):
        st.info(t("notice.theme_excludes", lang, metric=t("metric." + metric, lang)))
    elif figs is not None:
        when = fy_text(figs.fiscal_year, lang)
        st.markdown(
            "##### "
            + t(
                "overview.map_title",
                lang,
                metric=t("metric." + metric, lang),
                unit=figs.unit(lang),
                level=t("level." + ("municipality" if by_municipality else level), lang),
                when=i18n.join([where_text(ctx), when], lang),
            )
        )
    col_map, col_side = st.columns([4, 1])
    with col_map:
        deck_chart(deck, key=key, height=540, lang=lang)
        if figs is not None:
            st.caption(t("fig.source", lang, source=figs.source))
        map_credit(lang, tiles=s.has_layer("tiles"))
    with col_side:
        if scale is not None and figs is not None:
            legend(
                scale,
                title=t("metric." + metric, lang),
                unit=figs.unit(lang),
                lang=lang,
            )
        elif not ctx.ready.database:
            st.info(t("notice.no_database", lang))
        st.caption(t("map.click_hint", lang))
    if figs is not None and figs.is_sample:
        sample_notice(lang)
    return figs


_MAP_READY_JS = (Path(__file__).parent / "assets" / "map_ready.js").read_text(encoding="utf-8")


def deck_chart(deck: maplayers.Deck, *, key: str, height: int, lang: str) -> None:
    """Show a page's map: clicks go to :func:`on_map_select`, and the browser marks the
    map ``data-rm-ready="true"`` once deck.gl has its layer files and has drawn them.

    A hidden marker after the chart names its static layer files and a hash of its
    spec; ``assets/map_ready.js`` (put on every page by :func:`start`) watches deck.gl
    fetch the files and sets the attribute three frames after the last was read and
    after the spec last changed. Until then the map shows a "progress" cursor. Browser
    tests wait for the attribute instead of sleeping (``tests/test_browser.py``).
    """
    spec = deck.to_json()
    urls = sorted(
        {
            layer.data
            for layer in deck.layers
            if isinstance(layer.data, str) and layer.data.startswith(maplayers.STATIC_URL)
        }
    )
    st.pydeck_chart(
        deck,
        height=height,
        key=key,
        on_select=lambda: on_map_select(key),
        selection_mode="single-object",
        alt=t("map.alt", lang),
    )
    st.html(
        f"<div class='rm-map-meta' hidden data-map='{escape(map_key_class(key), quote=True)}' "
        f"data-spec='{hashlib.sha1(spec.encode()).hexdigest()[:12]}' "
        f"data-layers='{escape(' '.join(urls), quote=True)}'></div>"
    )


def map_ready_script() -> None:
    """Put ``assets/map_ready.js`` on the page (once: the element is the same every run)."""
    st.sidebar.html(f"<script>{_MAP_READY_JS}</script>", unsafe_allow_javascript=True)


def map_key_class(key: str) -> str:
    """The CSS class Streamlit gives the element of widget ``key`` (without ``st-key-``)."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def on_map_select(key: str) -> None:
    """Map click (the map's ``on_select``): a bureau or region selects it; a municipality
    sets ``muni`` (its figures on the bureau page, the filter of the overlay pages)."""
    event = st.session_state.get(key)
    objects = {}
    try:
        objects = dict(event.selection.objects) if event is not None else {}
    except AttributeError:
        objects = dict(event.get("selection", {}).get("objects", {})) if event else {}
    new = selection_to_state(context().state, objects)
    if new is not None:
        set_state(new)


def selection_to_state(s: FilterState, objects: dict[str, list]) -> FilterState | None:
    """The state after clicking ``objects`` (pydeck's selection: layer id -> objects)."""
    for layer_id in ("municipalities", "bureaus", "regions", "regions-outline"):
        items = objects.get(layer_id) or []
        if not items:
            continue
        props = items[0].get("properties", items[0]) if isinstance(items[0], dict) else {}
        code = str(props.get("code", ""))
        if layer_id == "municipalities" and code:
            return (
                replace(s, muni=code) if code in set(reference.municipalities()["code"]) else None
            )
        if layer_id == "bureaus" and code:
            b = reference.bureaus().set_index("bureau_code")
            return (
                state_mod.with_area(s, bureau=b.loc[code, "bureau_id"]) if code in b.index else None
            )
        if layer_id.startswith("regions") and code:
            r = reference.regions().set_index("region_code")
            return (
                state_mod.with_area(s, region=r.loc[code, "region_id"]) if code in r.index else None
            )
    return None


# --- figures on pages -------------------------------------------------------------------


def where_text(ctx: Context) -> str:
    """The selected area's name (or 全道)."""
    s, lang = ctx.state, ctx.lang
    if s.bureau:
        return area_label("b:" + s.bureau, lang).strip("\u3000")
    if s.region:
        r = reference.regions().set_index("region_id").loc[s.region]
        return str(r[i18n.col("name", lang)])
    return t("fig.where.all", lang)


def theme_excludes(ctx: Context, metric: str) -> bool:
    """True when theme filters are set and none of them covers ``metric`` (its figures
    would all be 0 because of the filter, not because there are none)."""
    if not ctx.state.theme_ids or not ctx.ready.database:
        return False
    return not theme_covers(metric, ctx.state.theme_ids)


def theme_covers(metric: str, theme_ids: Sequence[str]) -> bool:
    """Whether the themes leave anything of ``metric`` to show: the one answer of every page
    (:func:`regionmap.figures.covers`; a document figure asks its items' themes)."""
    ids = tuple(theme_ids or ())
    if not ids:
        return True
    if figures.get(metric).item_type is None:
        return figures.covers(metric, ids)
    return _document_theme_covers(metric, ids, _db_version())


@st.cache_data(show_spinner=False, max_entries=256)
def _document_theme_covers(metric: str, theme_ids: tuple[str, ...], db_version: str) -> bool:
    from regionmap import database

    return database.theme_covers(metric, list(theme_ids))


def headline_cards(ctx: Context, metrics: Sequence[str] = state_mod.METRICS) -> list[dict]:
    """One ``st.metric`` per figure: value with unit, fiscal year, change from the year before."""
    if not ctx.ready.database:
        st.info(t("notice.no_database", ctx.lang))
        return []
    s, lang = ctx.state, ctx.lang
    area = state_mod.query_filters(s)
    cols = st.columns(len(metrics))
    shown = []
    for col, metric in zip(cols, metrics, strict=True):
        h = headline_figure(
            metric,
            effective_year(ctx, metric),
            s.theme_ids,
            area["region_code"],
            area["bureau_code"],
            _db_version(),
        )
        unit = h[i18n.col("unit", lang)]
        previous = h.get("previous")
        delta = None
        if previous is not None:
            delta = format_delta(h["value"] - previous, unit, lang)
        fy = h.get("fiscal_year")
        when = fy_text(fy, lang)
        change = t("fig.change", lang, delta=delta) if delta else t("fig.no_previous", lang)
        source = t("fig.source", lang, source=h[i18n.col("source", lang)])
        with col:
            if h.get("theme_match") is False:
                st.metric(t("metric." + metric, lang), "—", border=True, help=source)
                st.caption(t("fig.not_in_theme", lang))
                shown.append(h)
                continue
            # English units are words: they go under the card so the label and value fit
            # (a layout branch on purpose, here and in ``parts`` below; not a choice of text)
            st.metric(
                t("metric." + metric, lang),
                format_number(h["value"], "" if lang == "en" else unit, lang),
                delta=delta,
                delta_color="off",
                delta_arrow="off" if previous is not None and h["value"] == previous else "auto",
                help=source + (t("tooltip.sample", lang) if h.get("is_sample") else ""),
                border=True,
            )
            parts = ([unit] if lang == "en" else []) + ([when] if when else []) + [change]
            st.caption(" · ".join(parts))
        shown.append(h)
    if any(h.get("is_sample") for h in shown):
        sample_notice(lang)
    return shown


def ranked_chart(ctx: Context, metric: str | None = None) -> Any:
    """Ranked bar chart of the metric by bureau; the selected bureau (or the selected
    region's bureaus) highlighted. Returns the figure (None when nothing is drawn)."""
    if not ctx.ready.database:
        return None
    s, lang = ctx.state, ctx.lang
    metric = metric or s.metric
    if theme_excludes(ctx, metric):
        return None  # the map above says why there are no figures
    df = metric_frame(
        metric, "bureau", effective_year(ctx, metric), s.theme_ids, None, None, _db_version()
    )
    if df.empty:
        st.info(t("chart.no_data", lang))
        return None
    b = reference.bureaus().set_index("bureau_code")
    # a branch on purpose: Japanese uses the short names (空知), which have no English column
    names = b["name_en" if lang == "en" else "short_ja"]
    frame = df.assign(name=df["area_code"].map(names))
    unit = str(df[i18n.col("unit", lang)].iloc[0])
    fy = df["fiscal_year"].iloc[0]
    when = fy_text(fy, lang)
    title = t(
        "chart.ranked",
        lang,
        metric=t("metric." + metric, lang),
        unit=unit,
        where=t("fig.where.all", lang),
        when=when,
    )
    if s.bureau_code:
        highlight = [str(names[s.bureau_code])]
    elif s.region_code:
        highlight = [str(names[c]) for c in b.index[b["region_code"] == s.region_code]]
    else:
        highlight = None
    fig = ranked_bar(
        frame, label="name", value="value", title=title, unit=unit, lang=lang, highlight=highlight
    )
    st.plotly_chart(fig, key="rm.chart.ranked", config={"displayModeBar": False})
    source = str(df[i18n.col("source", lang)].iloc[0])
    st.caption(t("fig.source", lang, source=source))
    return fig


def data_table(frame: pd.DataFrame, columns: dict[str, str], *, key: str) -> pd.DataFrame:
    """A table with the given columns (column -> header), numbers formatted; returns it."""
    cols = [c for c in columns if c in frame.columns]
    shown = frame[cols].rename(columns=columns)
    st.dataframe(shown, hide_index=True, width="stretch", key=key)
    return shown


# --- bureau page -----------------------------------------------------------------------


def area_summary(ctx: Context) -> None:
    """Facts of the selected bureau (kind, seat, municipalities, region) or region (bureaus)."""
    s, lang = ctx.state, ctx.lang
    if s.bureau:
        b = reference.bureaus().set_index("bureau_id").loc[s.bureau]
        r = reference.regions().set_index("region_code").loc[b["region_code"]]
        parts = [
            str(b[i18n.col("kind", lang)]),
            t("bureau.seat", lang, seat=b["seat_ja"]),
            t("bureau.municipalities", lang, n=int(b["municipality_count"])),
            t("bureau.region_of", lang, region=r[i18n.col("name", lang)]),
        ]
        st.markdown(i18n.join(parts, lang, sep="dot"))
    elif s.region:
        b = reference.bureaus()
        members = b.loc[b["region_code"] == s.region_code]
        names = members[i18n.col("name", lang)]
        n = int(members["municipality_count"].sum())
        st.markdown(
            t(
                "bureau.bureaus_of",
                lang,
                bureaus=i18n.join(names, lang),
            )
            + i18n.punct("dot", lang)
            + t("bureau.municipalities", lang, n=n)
        )


def _filters(ctx: Context, **extra: Any) -> tuple[tuple[str, Any], ...]:
    """The state's filters (:func:`regionmap.state.query_filters`) and ``extra``, as
    sorted items for :func:`table`."""
    out = {**state_mod.query_filters(ctx.state), **extra}
    return tuple(sorted(out.items()))


def municipality_figures(ctx: Context) -> None:
    """Figures of the municipality clicked on the map (``muni`` in the state)."""
    s, lang = ctx.state, ctx.lang
    if not ctx.ready.database or not (s.bureau or s.region):
        return
    if not s.muni:
        st.caption(t("bureau.municipality.none", lang))
        return
    m = reference.municipalities().set_index("code")
    name = str(m.loc[s.muni, "name_ja"]) if s.muni in m.index else s.muni
    df = table(
        "municipality_summary", (("code", s.muni), ("fiscal_year", s.fiscal_year)), _db_version()
    )
    st.subheader(t("bureau.municipality", lang, name=name))
    # only the figures that exist per municipality are the town's own; a theme that does
    # not cover one shows "—" and says so (never 0)
    own = df[df["metric"].isin(figures.ids(level="municipality"))]
    # the Northern Territories villages carry no figures (the map draws them grey)
    northern = s.muni in northern_territories()
    rows = []
    for _, r in own.iterrows():
        covered = theme_covers(str(r["metric"]), s.theme_ids)
        value = format_number(
            r["value"] if covered and not northern else None, r[i18n.col("unit", lang)], lang
        )
        if northern:
            value = i18n.punct(
                "report.when_what", lang, when=value, what=t("bureau.municipality.northern", lang)
            )
        elif not covered:
            value = i18n.punct(
                "report.when_what", lang, when=value, what=t("fig.not_in_theme", lang)
            )
        rows.append(
            {
                t("filter.metric", lang): r[i18n.col("label", lang)],
                t("bureau.municipality.value", lang): value,
                t("filter.fy", lang): fy_text(r["fiscal_year"], lang)
                if pd.notna(r["fiscal_year"])
                else "",
                t("fig.source", lang, source="").rstrip("：: "): r[i18n.col("source", lang)],
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="rm.table.muni")
    per_bureau = [figures.get(f).label(lang) for f in figures.ids(origin="document")]
    # the area of the tabs below: the selected bureau, or the selected region
    st.caption(
        t(
            "bureau.municipality.per_bureau",
            lang,
            figures=i18n.join(per_bureau, lang),
            area=area_label(_area_value(s), lang).strip("\u3000 "),
        )
    )
    # the sample notice only where a sample figure is shown (not under "—")
    shown = own[[theme_covers(str(m), s.theme_ids) for m in own["metric"]]]
    if shown["is_sample"].any() and not northern:
        sample_notice(lang)


def area_items(ctx: Context) -> dict[str, dict[str, Any]]:
    """The selected area's policy items and figures as tabs of tables and charts.

    Returns ``{"tables": {id: frame}, "charts": {id: figure}}`` as shown, for
    :func:`downloads`.
    """
    s, lang = ctx.state, ctx.lang
    shown: dict[str, dict[str, Any]] = {"tables": {}, "charts": {}}
    if not ctx.ready.database or not (s.bureau or s.region):
        return shown
    v = _db_version()
    tabs = st.tabs(
        [
            t("bureau.priority_projects", lang),
            t("bureau.proposals", lang),
            t("bureau.bureau_projects", lang),
            t("bureau.dispatches", lang),
            t("bureau.sites", lang),
            t("bureau.evacuees", lang),
        ]
    )
    any_sample = False
    with tabs[0]:
        df = table("priority_projects", _filters(ctx), v)
        st.caption(t("bureau.rows", lang, n=len(df)))
        shown["tables"]["priority_projects"] = data_table(
            df,
            {
                i18n.col("title", lang): t("col.project", lang),
                i18n.col("region_name", lang): t("col.region", lang),
                i18n.col("direction_name", lang): t("col.direction", lang),
            },
            key="rm.table.pp",
        )
    with tabs[1]:
        df = table("proposals", _filters(ctx), v)
        st.caption(t("bureau.rows", lang, n=len(df)))
        for _, row in df.iterrows():
            title = f"{row[i18n.col('title', lang)]}（{row[i18n.col('bureau_names', lang)]}）"
            with st.expander(title):
                st.caption(str(row.get(i18n.col("pillar_name", lang), "")))
                measures = row.get("measures")
                if isinstance(measures, list) and measures:
                    st.dataframe(
                        pd.DataFrame(measures)[
                            [i18n.col("department", lang), i18n.col("text", lang)]
                        ].rename(
                            columns={
                                i18n.col("department", lang): t("col.department", lang),
                                i18n.col("text", lang): t("col.measure", lang),
                            }
                        ),
                        hide_index=True,
                        width="stretch",
                    )
    with tabs[2]:
        df = table("bureau_projects", _filters(ctx), v)
        st.caption(t("bureau.rows", lang, n=len(df)))
        shown["tables"]["bureau_projects"] = data_table(
            df,
            {
                i18n.col("bureau_name", lang): t("col.bureau", lang),
                i18n.col("text", lang): t("col.bureau_project", lang),
            },
            key="rm.table.bp",
        )
    with tabs[3]:
        df = table(
            "dispatches", _filters(ctx, fiscal_year_from=s.fy_from, fiscal_year_to=s.fy_to), v
        )
        any_sample |= bool(df.get("is_sample", pd.Series(dtype=bool)).any())
        st.caption(t("bureau.rows", lang, n=len(df)))
        shown["tables"]["dispatches"] = data_table(
            df,
            {
                "fiscal_year": t("col.fiscal_year", lang),
                "municipality_name_ja": t("col.municipality", lang),
                i18n.col("kind", lang): t("col.kind", lang),
                "persons": t("col.persons", lang),
            },
            key="rm.table.dispatch",
        )
    with tabs[4]:
        df = table("sites", _filters(ctx, fiscal_year=s.fiscal_year), v)
        any_sample |= bool(df.get("is_sample", pd.Series(dtype=bool)).any())
        st.caption(t("bureau.rows", lang, n=len(df)))
        shown["tables"]["sites"] = data_table(
            df,
            {
                i18n.col("name", lang): t("col.site", lang),
                "municipality_name_ja": t("col.municipality", lang),
                i18n.col("kind", lang): t("col.kind", lang),
                "start_fy": t("col.start_fy", lang),
            },
            key="rm.table.sites",
        )
    with tabs[5]:
        df = table("evacuees", _filters(ctx), v)
        any_sample |= bool(df.get("is_sample", pd.Series(dtype=bool)).any())
        if df.empty:
            st.info(t("chart.no_data", lang))
        else:
            from regionmap.charts import trend_line

            monthly = df.groupby("month", as_index=False)["persons"].sum()
            monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")
            unit = str(df[i18n.col("unit", lang)].iloc[0])
            title = t(
                "chart.trend",
                lang,
                metric=t("metric.evacuees", lang),
                unit=unit,
                where=where_text(ctx),
                when=f"{monthly['month'].iloc[0]}–{monthly['month'].iloc[-1]}",
            )
            fig = trend_line(monthly, x="month", y="persons", title=title, unit=unit, lang=lang)
            st.plotly_chart(fig, key="rm.chart.evacuees", config={"displayModeBar": False})
            shown["charts"]["evacuees"] = fig
            shown["tables"]["evacuees"] = monthly
    if any_sample:
        sample_notice(lang)
    return shown


# --- downloads -------------------------------------------------------------------------


def map_area(s: FilterState) -> tuple[str, str | None, str]:
    """``(area_kind, code, slug)`` of the state's area for :func:`regionmap.report.map_png`:
    the bureau, the region or all of Hokkaido."""
    if s.bureau:
        return "bureau", s.bureau, s.bureau
    if s.region:
        return "region", s.region, s.region
    return "hokkaido", None, "hokkaido"


def download_name(
    what: str, slug: str, item: str, fiscal_year: int | None, lang: str, ext: str
) -> str:
    """``map-tokachi-dispatch-2015-ja.png``: what, area, metric/table, fiscal year, language."""
    fy = str(fiscal_year) if fiscal_year else "latest"
    return f"{what}-{slug}-{item}-{fy}-{lang}.{ext}"


def handout_name(area_file: str, fiscal_year: int | None, lang: str) -> str:
    """``bureau-12-tokachi-2015-ja.pdf``: the area's handout name with the fiscal year."""
    fy = str(fiscal_year) if fiscal_year else "latest"
    return area_file.removesuffix(f"-{lang}.pdf") + f"-{fy}-{lang}.pdf"


@st.cache_data(show_spinner=False, max_entries=16)
def map_png_bytes(
    area_kind: str,
    code: str | None,
    metric: str | None,
    level: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    lang: str,
    db_version: str,
    width: int = 1600,
    height: int = 1000,
) -> bytes:
    """PNG of a map view (:func:`regionmap.report.map_png`), cached on every input."""
    from regionmap import report

    return report.map_png(
        area_kind,
        code,
        metric,
        level=level,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids),
        lang=lang,
        width=width,
        height=height,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def chart_png_bytes(figure_json: str, db_version: str, _figure: Any) -> bytes:
    """PNG of a plotly figure (:func:`regionmap.report.chart_png`), cached on its JSON."""
    from regionmap import report

    return report.chart_png(_figure)


@st.cache_data(show_spinner=False, max_entries=32)
def table_bytes(frame: pd.DataFrame, fmt: str, sheet: str, db_version: str) -> bytes:
    """CSV or xlsx of a shown table, formula-safe (:func:`regionmap.export.frame_bytes`)."""
    from regionmap import export

    return export.frame_bytes(frame, fmt, sheet_name=sheet)


@st.cache_data(show_spinner=False, max_entries=8)
def handout_bytes(
    area_kind: str,
    code: str,
    lang: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    db_version: str,
) -> bytes:
    """The PDF handout of a bureau or region (:func:`regionmap.report.build_handout`)."""
    from regionmap import report

    return report.build_handout(
        area_kind, code, lang=lang, fiscal_year=fiscal_year, theme_ids=list(theme_ids)
    )


def _item_label(kind: str, item: str, lang: str) -> str:
    key = f"download.{kind}.{item}"
    return t(key, lang) if key in CATALOG else item


def downloads(
    ctx: Context,
    *,
    page: str,
    map_metric: str | None = None,
    charts: dict[str, Any] | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> None:
    """A "ダウンロード / Downloads" expander: the map view as PNG, each chart as PNG,
    each table as CSV and Excel and (bureau page, an area selected) the PDF handout.
    ``map_metric`` is the map's figure (default: the state's metric).

    Files are made only when their button is clicked (``data`` is a callable) and
    cached on every input, the database version included.
    """
    if not ctx.ready.database:
        return
    s, lang, v = ctx.state, ctx.lang, _db_version()
    kind, code, slug = map_area(s)
    metric: str | None = map_metric or s.metric
    if kind != "hokkaido" and map_metric is None:
        metric = municipal_metric(s.metric)  # what the bureau page's map shows
    elif kind != "hokkaido" and metric not in MUNICIPAL_METRICS:
        metric = None  # no figures per municipality: the area's map without figures
    level = s.level if s.level in ("bureau", "region") else "bureau"
    fy = effective_year(ctx, metric) if metric else s.fiscal_year
    themes = tuple(s.theme_ids)
    with st.expander(t("download.title", lang), icon=":material/download:"):
        cols = st.columns(3)
        with cols[0]:
            st.download_button(
                t("download.map_png", lang),
                data=lambda: map_png_bytes(kind, code, metric, level, fy, themes, lang, v),
                file_name=download_name("map", slug, metric or "areas", fy, lang, "png"),
                mime="image/png",
                key=f"rm.dl.{page}.map",
                icon=":material/map:",
            )
            if page == "bureau" and code is not None:
                from regionmap import report

                area = report.resolve_area(kind, code)
                st.download_button(
                    t("download.pdf", lang),
                    data=lambda: handout_bytes(kind, code, lang, s.fiscal_year, themes, v),
                    file_name=handout_name(area.filename(lang), s.fiscal_year, lang),
                    mime="application/pdf",
                    key=f"rm.dl.{page}.pdf",
                    icon=":material/picture_as_pdf:",
                )
        with cols[1]:
            for item, fig in (charts or {}).items():
                if fig is None:
                    continue
                st.download_button(
                    t("download.chart_png", lang, name=_item_label("chart", item, lang)),
                    data=lambda fig=fig: chart_png_bytes(fig.to_json(), v, fig),
                    file_name=download_name("chart", slug, item, fy, lang, "png"),
                    mime="image/png",
                    key=f"rm.dl.{page}.chart.{item}",
                    icon=":material/bar_chart:",
                )
        with cols[2]:
            for item, frame in (tables or {}).items():
                if frame is None:
                    continue
                name = _item_label("table", item, lang)
                for fmt, mime in (
                    ("csv", "text/csv"),
                    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ):
                    st.download_button(
                        t(f"download.{fmt}", lang, name=name),
                        data=lambda frame=frame, fmt=fmt, item=item: table_bytes(
                            frame, fmt, item, v
                        ),
                        file_name=download_name("table", slug, item, s.fiscal_year, lang, fmt),
                        mime=mime,
                        key=f"rm.dl.{page}.table.{item}.{fmt}",
                        icon=":material/table:",
                    )
