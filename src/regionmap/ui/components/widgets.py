"""Widgets bound to the state: the one filter bar, the year player, the figure controls.

:func:`bound_widget` keeps a widget, the URL and :class:`regionmap.state.FilterState` in
step; page-specific filters are state fields drawn with it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from regionmap import figures, i18n, reference, settings
from regionmap import state as state_mod
from regionmap.i18n import fy_text, t
from regionmap.state import FilterState
from regionmap.ui.cached import metric_years
from regionmap.ui.session import PAGES, Context, current, set_state

_W = "rm.w."  # prefix of the filter widgets' keys

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
    ctx = current()
    key = _W + field
    value = to_widget(ctx.state) if to_widget else getattr(ctx.state, field)
    st.session_state[key] = value

    def changed() -> None:
        now = current().state
        new_value = st.session_state[key]
        new = from_widget(now, new_value) if from_widget else replace(now, **{field: new_value})
        set_state(new)

    return widget(label, key=key, on_change=changed, **kwargs)


@functools.cache  # bundled reference tables: the same for every session
def _area_options() -> tuple[str, ...]:
    """'' (all), then each region ('r:doo') followed by its bureaus ('b:sorachi')."""
    out = [""]
    b = reference.bureaus()
    for _, region in reference.regions().sort_values("sort_order").iterrows():
        out.append("r:" + region["region_id"])
        for bid in b.loc[b["region_code"] == region["region_code"], "bureau_id"]:
            out.append("b:" + bid)
    return tuple(out)


@functools.cache  # bundled reference tables and texts: the same for every session
def area_label(option: str, lang: str) -> str:
    if not option:
        return t("filter.area.all", lang)
    kind, ident = option.split(":", 1)
    if kind == "r":
        r = reference.regions().set_index("region_id").loc[ident]
        return t("filter.area.region", lang, name=r[i18n.col("name", lang)])
    b = reference.bureaus().set_index("bureau_id").loc[ident]
    return "\u3000" + str(b[i18n.col("name", lang)])


def _layer_shown(name: str, s: FilterState) -> bool:
    return name in s.layers


def _layer_set(name: str, s: FilterState, shown: bool) -> FilterState:
    return replace(s, layers=(s.layers | {name}) if shown else (s.layers - {name}))


def area_value(s: FilterState) -> str:
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
                # Streamlit's "Select all" has no text parameter (1.67): English only, so
                # shown only in the English interface (no theme chosen is all themes anyway)
                select_all=lang == "en",
            )
        if ctx.years:
            bound_widget(
                st.selectbox,
                "fy_to",
                t("filter.fy", lang),
                options=[0, *ctx.years],
                format_func=lambda v: t("filter.fy.latest", lang) if not v else fy_text(v, lang),
                # "最新年度" (0) is a choice; without one the default year (what is real)
                to_widget=lambda s: 0 if s.fiscal_year is None else s.fiscal_year,
                from_widget=lambda s, v: replace(
                    s, fy_from=v or None, fy_to=v or None, latest=not v
                ),
                help=t("filter.fy.help", lang),
            )
            _year_player(ctx)
        bound_widget(
            st.selectbox,
            "area",
            t("filter.area", lang),
            options=_area_options(),
            format_func=lambda v: area_label(v, lang),
            to_widget=area_value,
            from_widget=_area_apply,
        )
        st.caption(t("filter.layers", lang))
        for layer in state_mod.LAYERS:
            bound_widget(
                st.checkbox,
                "layer_" + layer,
                t("layer." + layer, lang),
                to_widget=functools.partial(_layer_shown, layer),
                from_widget=functools.partial(_layer_set, layer),
            )
        st.button(
            t("filter.reset", lang),
            on_click=lambda: set_state(
                FilterState(lang=current().lang, default_fy=current().state.default_fy)
            ),
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
    ctx = current()
    s = ctx.state
    # a year the user chose goes on from there; the default year or 最新年度 start over at
    # the first year ("from the first fiscal year to the latest")
    chosen = s.fy_to is not None and s.fy_from in (None, s.fy_to)
    shown = s.fy_to if chosen else None
    # the years the shown figure has: no step shows another year's figures instead
    year = next_year(metric_years(ctx.state.metric) or ctx.years, shown)
    if year is None:
        st.session_state[_PLAY_STOP_KEY] = True
    else:
        set_state(replace(ctx.state, fy_from=year, fy_to=year, latest=False))
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
            options=list(state_mod.overview_metrics() if level else MUNICIPAL_METRICS),
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


def municipality_select(ctx: Context) -> None:
    """The municipality list of the bureau page: the keyboard's way to what a click on a
    municipality of the map does (``muni`` in the state, :func:`mapview.on_map_select`):
    the same state, the same figures below. Offers the area's municipalities, in the
    reference's order."""
    s, lang = ctx.state, ctx.lang
    m = reference.municipalities()
    if s.bureau:
        code = reference.bureaus().set_index("bureau_id").loc[s.bureau, "bureau_code"]
        m = m[m["bureau_code"] == code]
    elif s.region:
        code = reference.regions().set_index("region_id").loc[s.region, "region_code"]
        m = m[m["region_code"] == code]
    else:
        return
    names = {str(r["code"]): i18n.area_name(r, lang) for _, r in m.iterrows()}
    options = ["", *names]
    bound_widget(
        st.selectbox,
        "muni",
        t("filter.municipality", lang),
        options=options,
        format_func=lambda c: names.get(c, t("filter.municipality.none", lang)),
        to_widget=lambda st_: st_.muni if st_.muni in names else "",
        from_widget=lambda st_, v: replace(st_, muni=v or None),
        help=t("filter.municipality.help", lang),
    )
