"""The overlay pages: priority projects, staff dispatch, settlement support, evacuees, proposals.

Each page script (``pages/projects.py`` …) calls one ``*_page(ctx)`` function of
this module; everything else here is shared by them:

- data: :func:`filters` turns the state into the keyword filters of a
  :mod:`regionmap.database` list function, fetched through the cached
  :func:`regionmap.ui.table`; derived frames (sums by year, coverage, the
  evacuees at a month) come from small pure functions (``dispatch_trend``,
  ``site_coverage``, ``evacuees_at`` …, tested directly) behind
  ``st.cache_data`` wrappers whose arguments are every input;
- maps: :func:`area_deck` builds the deck of a choropleth by municipality,
  bureau or region (fixed layer ids, boundaries from the static files of
  :mod:`regionmap.maplayers`, figures only in the colour expressions and the
  tooltip) plus extra layers (the settlement sites, :func:`sites_layer`);
  :func:`show_map` draws it with its legend, title (unit, fiscal year), source,
  the MLIT credit and the sample notice;
- filters of the pages (site or dispatch kind, months, what the map colours)
  are bound to :class:`regionmap.state.FilterState` fields with
  :func:`regionmap.ui.bound_widget`, so they live in the URL.

Every figure says its unit, fiscal year (or month) and source; sample rows are
marked with :func:`regionmap.ui.sample_notice`; a theme filter that excludes an
overlay says so (:func:`theme_excludes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

from regionmap import figures, i18n, maplayers, reference, ui
from regionmap.charts import (
    _UNITS_EN,
    FONT_FAMILY,
    format_number,
    ranked_bar,
    trend_line,
)
from regionmap.i18n import CATALOG, fy_text, month_text, t
from regionmap.state import FilterState, month_range, query_filters, shown_year

#: Colour of areas whose figure is 0 (quieter than the palette's lightest step).
ZERO = maplayers.ZERO_FILL


def _db():
    from regionmap import database

    return database


def dispatch_kinds() -> dict[str, tuple[str, str]]:
    """Dispatch kind id -> (Japanese, English); a label is ``kinds[k][lang == "en"]``
    (an index into the data's pair, not a choice of text)."""
    return dict(_db().DISPATCH_KINDS)


def site_kinds() -> dict[str, tuple[str, str]]:
    """Site kind id -> (Japanese, English); a label is ``kinds[k][lang == "en"]``."""
    return dict(_db().SITE_KINDS)


def kind_colour(kind: str, kinds: Sequence[str] = ()) -> tuple[int, int, int]:
    """The category colour of ``kind``: the registry's (:meth:`figures.Figure.kind_colour`),
    the same on every page and handout; a kind the registry does not know goes by its
    position in ``kinds``."""
    for fig in figures.FIGURES:
        if fig.kind(kind) is not None:
            return fig.kind_colour(kind)
    palette = figures.CATEGORY_COLOURS
    i = list(kinds).index(kind) if kind in kinds else len(palette) - 1
    return palette[i % len(palette)]


def unit_text(unit_ja: str, lang: str) -> str:
    """The unit as written in titles (``人`` / ``persons``)."""
    # a branch on purpose: the units' two languages live in ``figures`` (via charts), not in
    # the catalogue; Japanese is the data's own unit
    return _UNITS_EN.get(unit_ja, unit_ja) if lang == "en" else unit_ja


# --- state -> filters -------------------------------------------------------------------


def frame(name: str, filters: Mapping[str, Any]) -> pd.DataFrame:
    """A database list (``dispatches``, ``sites`` …) with ``filters`` (from
    :func:`regionmap.state.query_filters`), cached."""
    return ui.table(name, tuple(sorted(filters.items())), ui.db_version())


def page_filters(s: FilterState, view: str) -> dict[str, Any]:
    """The filters of an overlay page's list ``view`` (``dispatches``: every year, for the
    trend; ``sites``: the year shown; ``evacuees``: the months shown) for state ``s``.

    The Data page's export uses :func:`regionmap.state.query_filters` with the same
    years, months and kinds, so it exports what the page shows.
    """
    v = ui.db_version()
    if view == "dispatches":
        return query_filters(s, view, kinds=dispatch_kinds())
    if view == "sites":
        return query_filters(s, view, years=_years("sites"), kinds=site_kinds())
    if view == "evacuees":
        return query_filters(s, view, months=evacuee_months(v))
    return query_filters(s, view)


def theme_excludes(theme_ids: Iterable[str], metric: str) -> bool:
    """True when a theme filter is set and covers nothing of ``metric`` (the one answer:
    ``ui.theme_covers``)."""
    return not ui.theme_covers(metric, tuple(theme_ids or ()))


def theme_names(ctx: ui.Context, ids: Iterable[str]) -> str:
    """Names of theme ids in the state's language, joined."""
    if ctx.themes is None:
        return ", ".join(ids)
    names = ctx.themes.set_index("theme_id")[i18n.col("name", ctx.lang)]
    out = [str(names.get(i, i)) for i in ids]
    return i18n.join(out, ctx.lang)


def theme_excluded_notice(ctx: ui.Context, metric: str) -> None:
    """Say that the theme filter excludes ``metric`` and which themes would show it."""
    st.info(
        t(
            "ov.theme_excludes",
            ctx.lang,
            metric=t("metric." + metric, ctx.lang),
            themes=theme_names(ctx, figures.get(metric).themes),
        ),
        icon=":material/filter_alt_off:",
    )


def valid_kind(s: FilterState, kinds: Mapping[str, Any]) -> str | None:
    """The state's kind if it is one of ``kinds``, else None."""
    return s.kind if s.kind in kinds else None


def map_by(s: FilterState, options: Sequence[str]) -> str:
    """What the page's map colours: the state's ``map_by`` if the page offers it, else its first."""
    return s.map_by if s.map_by in options else options[0]


def source_of(df: pd.DataFrame, lang: str) -> str:
    """The distinct sources of a frame's rows, joined."""
    col = i18n.col("source", lang)
    if df.empty or col not in df:
        return ""
    return " / ".join(sorted({str(v) for v in df[col].dropna()}))


def source_caption(df: pd.DataFrame, lang: str) -> None:
    text = source_of(df, lang)
    if text:
        st.caption(t("fig.source", lang, source=text))


def _is_sample(df: pd.DataFrame) -> bool:
    return bool(len(df)) and "is_sample" in df and bool(df["is_sample"].astype(bool).any())


# --- widgets bound to the state -----------------------------------------------------------


def kind_filter(ctx: ui.Context, kinds: Mapping[str, tuple[str, str]], label_key: str):
    """A select box of ``kinds`` ('' = all) bound to the state's ``kind``; returns the kind.

    A kind in the URL that the page does not know (e.g. a dispatch kind on the
    settlement page) is ignored with a quiet notice.
    """
    lang = ctx.lang
    if ctx.state.kind and ctx.state.kind not in kinds:
        st.caption(t("ov.kind_ignored", lang, kind=ctx.state.kind))
    ui.bound_widget(
        st.selectbox,
        "kind",
        t(label_key, lang),
        options=["", *kinds],
        format_func=lambda v: t("ov.kind.all", lang) if not v else kinds[v][lang == "en"],
        to_widget=lambda s: valid_kind(s, kinds) or "",
        from_widget=lambda s, v: replace(s, kind=v or None),
    )
    return valid_kind(ctx.state, kinds)


def map_by_control(ctx: ui.Context, options: Sequence[str]) -> str:
    """The 'colour the map by' switch (bound to ``map_by``); returns the choice."""
    lang = ctx.lang
    ui.bound_widget(
        st.segmented_control,
        "map_by",
        t("filter.level", lang),
        options=list(options),
        format_func=lambda v: t("level." + v, lang),
        to_widget=lambda s: map_by(s, options),
        from_widget=lambda s, v: replace(s, map_by=None if (v or options[0]) == options[0] else v),
    )
    return map_by(ctx.state, options)


# --- figures per area ---------------------------------------------------------------------


@dataclass(frozen=True)
class AreaFigures:
    """Figures by area code of one level, with what every figure must say."""

    level: str
    values: dict[str, float]
    unit_ja: str
    unit_en: str
    when_ja: str
    when_en: str
    source_ja: str
    source_en: str
    is_sample: bool
    #: area codes inside the region/bureau filter (None: no area filter)
    selected: frozenset[str] | None = None

    def unit(self, lang: str) -> str:
        return getattr(self, i18n.col("unit", lang))

    def when(self, lang: str) -> str:
        return getattr(self, i18n.col("when", lang))

    def source(self, lang: str) -> str:
        return getattr(self, i18n.col("source", lang))

    def shown(self) -> dict[str, float]:
        """Values of the areas inside the selection."""
        if self.selected is None:
            return dict(self.values)
        return {c: v for c, v in self.values.items() if c in self.selected}


def figures_from_metric(df: pd.DataFrame, level: str, *, area_filter: bool) -> AreaFigures | None:
    """:class:`AreaFigures` of a ``metric_by_area`` frame (None when empty)."""
    if df.empty:
        return None
    first = df.iloc[0]
    fy = None if pd.isna(first["fiscal_year"]) else int(first["fiscal_year"])
    return AreaFigures(
        level=level,
        values=dict(zip(df["area_code"].astype(str), df["value"].astype(float), strict=True)),
        unit_ja=str(first["unit_ja"]),
        unit_en=str(first["unit_en"]),
        when_ja=fy_text(fy, "ja"),
        when_en=fy_text(fy, "en"),
        source_ja=str(first["source_ja"]),
        source_en=str(first["source_en"]),
        is_sample=bool(df["is_sample"].any()),
        selected=frozenset(df.loc[df["selected"], "area_code"].astype(str))
        if area_filter and "selected" in df
        else None,
    )


def metric_figures(
    ctx: ui.Context, metric: str, level: str, fiscal_year: int | None, kind: str | None = None
) -> AreaFigures | None:
    """The overlay or document ``metric`` by area under the state's filters; None without
    database or when the theme filter covers nothing of ``metric`` (the map then shows no
    figure, and the page says why: never zeros)."""
    if not ctx.ready.database or theme_excludes(ctx.state.theme_ids, metric):
        return None
    s = ctx.state
    f = query_filters(s)
    df = ui.metric_frame(
        metric,
        level,
        fiscal_year,
        s.theme_ids,
        f["region_code"],
        f["bureau_code"],
        ui.db_version(),
        kind=kind,
    )
    return figures_from_metric(df, level, area_filter=bool(s.bureau or s.region))


def area_codes_in(level: str, region_code: str | None, bureau_code: str | None) -> frozenset[str]:
    """Codes of the areas of ``level`` inside a region/bureau (municipalities without wards)."""
    if level == "municipality":
        m = reference.municipalities()
        m = m[m["kind"] != "ward"]
    elif level == "bureau":
        m = reference.bureaus().rename(columns={"bureau_code": "code"})
        m = m.assign(bureau_code=m["code"])
    else:
        m = reference.regions().rename(columns={"region_code": "code"})
        m = m.assign(region_code=m["code"], bureau_code="")
    if bureau_code:
        if level == "region":
            b = reference.bureaus().set_index("bureau_code")
            return frozenset({str(b.loc[bureau_code, "region_code"])})
        m = m[m["bureau_code"] == bureau_code]
    elif region_code:
        m = m[m["region_code"] == region_code]
    return frozenset(m["code"].astype(str))


def rollup(df: pd.DataFrame, value: str, level: str) -> dict[str, float]:
    """Sum ``value`` of rows with ``municipality_code`` by area of ``level``.

    Sapporo's wards count as Sapporo (01100) at municipality level.
    """
    if df.empty:
        return {}
    m = reference.municipalities().set_index("code")
    codes = df["municipality_code"].astype(str)
    if level == "municipality":
        parent = m["parent_code"].where(m["parent_code"].astype(str) != "", m.index.to_series())
        key = codes.map(parent).fillna(codes)
    elif level == "bureau":
        key = codes.map(m["bureau_code"])
    else:
        key = codes.map(m["region_code"])
    return {str(k): float(v) for k, v in df.groupby(key.to_numpy())[value].sum().items()}


# --- maps -------------------------------------------------------------------------------


#: the one colour scale of counts on every map (see :func:`maplayers.count_scale`)
scale_for = maplayers.count_scale


def _view(s: FilterState) -> pdk.ViewState:
    """Hokkaido, or the selected bureau/region (changes only when the area changes)."""
    if s.bureau:
        return maplayers.view_for_bounds(ui.published("bureaus").bounds_of([s.bureau_code]))
    if s.region:
        return maplayers.view_for_bounds(ui.published("regions").bounds_of([s.region_code]))
    return maplayers.view_for_bounds(maplayers.HOKKAIDO_BOUNDS)


def _outline_style(layer: maplayers.PublishedLayer, selected: set[str], base: float, wide: float):
    if not selected or not any(c in selected for c in layer.codes):
        return None, None
    widths = [wide if c in selected else base for c in layer.codes]
    line = maplayers.REGION_LINE if layer.name == "regions" else maplayers.BUREAU_LINE
    colours = [list(maplayers.SELECTED_LINE) if c in selected else list(line) for c in layer.codes]
    return widths, colours


def area_deck(
    s: FilterState,
    lang: str,
    figs: AreaFigures | None,
    *,
    level: str,
    extra_layers: Sequence[pdk.Layer] = (),
    extra_tips: Mapping[str, str] | None = None,
    fill: bool = True,
) -> tuple[maplayers.Deck, maplayers.ColorScale | None]:
    """The deck of an overlay page: ``figs`` as a choropleth of ``level`` areas.

    Layers (fixed ids): the filled areas (``municipalities``, ``bureaus`` or
    ``regions``), bureau and region outlines (regions heavier; the selected
    area in vermillion), ``extra_layers`` (e.g. ``sites``) and name labels.
    Areas outside the selected region/bureau are drawn pale. With ``fill``
    False (or no figures) the areas are plain land, for maps of points.
    Returns the deck and its colour scale (None when not filled).
    """
    bureaus, regions = ui.published("bureaus"), ui.published("regions")
    src = {
        "municipality": lambda: ui.published("municipalities"),
        "bureau": lambda: bureaus,
        "region": lambda: regions,
    }[level]()
    inside = figs.selected if figs is not None else None
    # the one choropleth of pages, slides and handouts (maplayers.choropleth): areas
    # outside the selection dimmed, the Northern Territories villages without figures
    classes = maplayers.choropleth(
        src.codes,
        figs.values if fill and figs is not None else None,
        no_figure=ui.northern_territories() if level == "municipality" else (),
        outside=[c for c in src.codes if inside is not None and c not in inside],
    )
    scale = classes.scale
    fills = classes.fills()

    sel_b = {s.bureau_code} if s.bureau_code else set()
    sel_r = {s.region_code} if (s.region_code and not s.bureau_code) else set()
    layers: list[pdk.Layer] = []
    if level == "municipality":
        layers.extend(
            maplayers.area_layers(
                "municipalities",
                src,
                fill_colors=fills,
                line_color=maplayers.MUNI_LINE,
                line_width=0.6,
                # the municipality chosen on the map, outlined in vermillion
                line_colors=[
                    list(maplayers.SELECTED_LINE) if c == s.muni else list(maplayers.MUNI_LINE)
                    for c in src.codes
                ]
                if s.muni in src.codes
                else None,
                line_widths=[3.0 if c == s.muni else 0.6 for c in src.codes]
                if s.muni in src.codes
                else None,
                pickable=True,
            )
        )
    b_widths, b_colours = _outline_style(bureaus, sel_b, 1.2, 4)
    r_widths, r_colours = _outline_style(regions, sel_r, 3, 5)
    layers.extend(
        maplayers.area_layers(
            "bureaus",
            bureaus,
            fill_colors=fills if level == "bureau" else None,
            line_color=maplayers.BUREAU_LINE,
            line_width=1.2,
            line_widths=b_widths,
            line_colors=b_colours,
            pickable=level == "bureau",
        )
    )
    if level == "region":
        layers[0:0] = maplayers.area_layers(
            "regions", regions, fill_colors=fills, line_width=0, pickable=True
        )
        region_id = "regions-outline"
    else:
        region_id = "regions"
    layers.extend(
        maplayers.area_layers(
            region_id,
            regions,
            line_color=maplayers.REGION_LINE,
            line_width=3,
            line_widths=r_widths,
            line_colors=r_colours,
            pickable=False,
        )
    )
    layers.extend(extra_layers)
    if s.has_layer("labels"):
        if level == "municipality" and (s.bureau or s.region):
            munis = ui.published("municipalities")
            codes = (
                inside
                if inside is not None
                else area_codes_in("municipality", s.region_code, s.bureau_code)
            )
            layers.append(
                maplayers.label_layer(
                    "labels-municipalities", maplayers.labels_of(munis, lang, codes), size=12
                )
            )
        else:
            label_src = regions if level == "region" else bureaus
            layers.append(
                maplayers.label_layer(
                    "labels-" + label_src.name, maplayers.labels_of(label_src, lang), size=14
                )
            )
    tips: dict[str, str] = {}
    if figs is not None and fill:
        for code in src.codes:
            if code in figs.values and (inside is None or code in inside):
                tips[src.key_of(code)] = maplayers.figure_line(
                    figs.values[code],
                    unit_ja=figs.unit_ja,
                    fiscal_year=None,
                    when=figs.when(lang),
                    is_sample=figs.is_sample,
                    lang=lang,
                )
    tips.update(extra_tips or {})
    footer = maplayers.source_footer(figs.source(lang), lang) if figs is not None and tips else ""
    basemap = maplayers.publish_gsi_style() if s.has_layer("tiles") else None
    deck = maplayers.make_deck(
        layers,
        _view(s),
        tooltip_spec=maplayers.tooltip(tips, lang=lang, footer=footer),
        basemap_url=basemap,
    )
    return deck, scale


def category_legend(items: Sequence[tuple[tuple[int, int, int], str]], title: str) -> None:
    """A legend of categorical colours (points by kind)."""
    rows = "".join(
        "<div style='display:flex;align-items:center;gap:6px;margin:2px 0'>"
        "<span style='display:inline-block;width:13px;height:13px;border-radius:50%;"
        f"background:rgb{tuple(colour)};border:1px solid #333'></span><span>{label}</span></div>"
        for colour, label in items
    )
    st.html(
        f"<div class='rm-legend rm-legend-kinds' style='font-family:{FONT_FAMILY};font-size:13px'>"
        f"<div style='font-weight:600;margin-bottom:4px'>{title}</div>{rows}</div>"
    )


def show_map(
    ctx: ui.Context,
    deck: maplayers.Deck,
    *,
    page: str,
    level: str,
    title: str,
    scale: maplayers.ColorScale | None,
    figs: AreaFigures | None,
    legend_title: str,
    categories: Sequence[tuple[tuple[int, int, int], str]] | None = None,
    categories_title: str = "",
) -> None:
    """Draw a page's map: title (what, unit, when), deck, source, MLIT credit, legend(s)."""
    s, lang = ctx.state, ctx.lang
    key = f"rm.map.{page}.{s.bureau or s.region or 'all'}.{level}"
    st.markdown(f"**{title}**")
    col_map, col_side = st.columns([4, 1])
    with col_map:
        ui.deck_chart(deck, key=key, height=520, lang=lang)
        if figs is not None and figs.source(lang):
            st.caption(t("fig.source", lang, source=figs.source(lang)))
        ui.map_credit(lang, tiles=s.has_layer("tiles"))
    with col_side:
        if categories:
            category_legend(categories, categories_title)
        if scale is not None and figs is not None:
            ui.legend(scale, title=legend_title, unit=figs.unit(lang), lang=lang)
        st.caption(t("ov.map.click_hint", lang))
    if figs is not None and figs.is_sample:
        ui.sample_notice(lang)


def map_title(ctx: ui.Context, metric_label: str, figs: AreaFigures | None, level: str) -> str:
    lang = ctx.lang
    unit = unit_text(figs.unit_ja, lang) if figs else ""
    when = figs.when(lang) if figs else ""
    return t(
        "overview.map_title",
        lang,
        metric=metric_label,
        unit=unit,
        level=t("level." + level, lang),
        when=i18n.join([ui.where_text(ctx), when], lang) if when else "",
    )


def choropleth_section(
    ctx: ui.Context,
    *,
    page: str,
    metric: str,
    figs: AreaFigures | None,
    level: str,
) -> tuple[maplayers.Deck, AreaFigures | None]:
    """A choropleth of ``figs`` with everything around it; returns the deck (for tests)."""
    label = t("metric." + metric, ctx.lang)
    deck, scale = area_deck(ctx.state, ctx.lang, figs, level=level)
    show_map(
        ctx,
        deck,
        page=page,
        level=level,
        title=map_title(ctx, label, figs, level),
        scale=scale,
        figs=figs,
        legend_title=label,
    )
    return deck, figs


# --- charts -----------------------------------------------------------------------------


def stacked_bar(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    category: str,
    labels: Mapping[str, str],
    order: Sequence[str],
    title: str,
    unit: str,
    lang: str,
) -> go.Figure:
    """Bars of ``y`` by ``x`` stacked by ``category`` (Okabe-Ito colours in ``order``)."""
    fig = go.Figure()
    xs = sorted(frame[x].unique()) if len(frame) else []
    for cat in order:
        part = frame[frame[category] == cat].set_index(x)[y].reindex(xs, fill_value=0)
        if not part.any():
            continue
        fig.add_bar(
            x=[str(v) for v in xs],
            y=part.to_list(),
            name=labels.get(cat, cat),
            marker_color="rgb({}, {}, {})".format(*kind_colour(cat, order)),
            text=[format_number(v, unit, lang) if v else "" for v in part],
            hovertemplate="%{x}: %{text}<extra>" + labels.get(cat, cat) + "</extra>",
        )
    unit_label = unit_text(unit, lang)
    fig.update_layout(
        barmode="stack",
        title={"text": title, "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 13},
        separators=".,",
        height=360,
        margin={"l": 10, "r": 20, "t": 60, "b": 30},
        xaxis={"type": "category"},
        yaxis={"title": {"text": unit_label}, "tickformat": ",d", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.15},
        uniformtext={"minsize": 10, "mode": "hide"},  # no unreadable labels in thin segments
        plot_bgcolor="white",
    )
    return fig


_SHOWN = "downloads.shown"  # this run's charts and tables (in the context's per-run flags)


def _shown(kind: str) -> dict[str, Any]:
    shown = ui.context().flags.setdefault(_SHOWN, {"charts": {}, "tables": {}})
    return shown[kind]


def _chart(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})
    _shown("charts")[key.removeprefix("rm.chart.")] = fig


def _table(df: pd.DataFrame, columns: Mapping[str, str], key: str, caption: str) -> None:
    st.caption(caption)
    _shown("tables")[key.removeprefix("rm.table.")] = ui.data_table(df, dict(columns), key=key)


def _downloads(ctx: ui.Context, page: str, metric: str) -> None:
    """The downloads expander with the map of ``metric`` and this run's charts and tables."""
    shown = ctx.flags.pop(_SHOWN, {"charts": {}, "tables": {}})
    ui.downloads(ctx, page=page, map_metric=metric, **shown)


def _area_name(code: str, level: str, lang: str) -> str:
    if level == "bureau":
        b = reference.bureaus().set_index("bureau_code")
        return (
            # a branch on purpose: Japanese uses the short names (空知), with no English column
            str(b.loc[code, "name_en" if lang == "en" else "short_ja"]) if code in b.index else code
        )
    if level == "region":
        r = reference.regions().set_index("region_code")
        return str(r.loc[code, i18n.col("name", lang)]) if code in r.index else code
    m = reference.municipalities().set_index("code")
    return str(m.loc[code, "name_ja"]) if code in m.index else code


# --- page header and notices ---------------------------------------------------------------


def page_header(ctx: ui.Context, title_key: str, intro_key: str) -> None:
    """Title (with the selected area), one line on what the page shows, the URL notices."""
    st.title(t(title_key, ctx.lang) + " — " + ui.where_text(ctx))
    st.caption(t(intro_key, ctx.lang))


def no_database(ctx: ui.Context) -> bool:
    if ctx.ready.database:
        return False
    st.info(t("notice.no_database", ctx.lang))
    return True


def muni_notice(ctx: ui.Context) -> None:
    """Says the page is filtered to the municipality chosen on the map, with a button to clear it."""
    s, lang = ctx.state, ctx.lang
    if not s.muni:
        return
    m = reference.municipalities().set_index("code")
    name = m.loc[s.muni, "name_ja"] if s.muni in m.index else s.muni
    st.info(t("ov.muni_filter", lang, name=name))
    st.button(
        t("ov.muni_clear", lang),
        key="rm.w.muni_clear",
        on_click=lambda: ui.set_state(replace(ui.context().state, muni=None)),
    )


def headline(
    col, label: str, value: float | None, unit: str, lang: str, *, when: str, help_text: str = ""
) -> None:
    with col:
        st.metric(label, format_number(value, unit, lang), border=True, help=help_text or None)
        if when:
            st.caption(when)


# ===========================================================================================
# 3. Priority projects
# ===========================================================================================


def projects_by_region_direction(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Counts of projects: one row per region, one column per direction, and a total."""
    if df.empty:
        return pd.DataFrame()
    regions = reference.regions().sort_values("sort_order")
    names = regions.set_index("region_code")[i18n.col("name", lang)]
    table = pd.crosstab(df["region_code"], df[i18n.col("direction_name", lang)])
    table = table.reindex([c for c in regions["region_code"] if c in table.index])
    table[t("ov.total", lang)] = table.sum(axis=1)
    table.index = [str(names.get(c, c)) for c in table.index]
    table.index.name = t("level.region", lang)
    return table.reset_index()


def projects_page(ctx: ui.Context) -> dict:
    """地域重点プロジェクト: projects by region and direction, filtered by theme, with bureaus."""
    lang = ctx.lang
    page_header(ctx, "page.projects", "ov.projects.intro")
    if no_database(ctx):
        return {}
    df = frame("priority_projects", query_filters(ctx.state))
    fy = int(df["fiscal_year"].iloc[0]) if len(df) else _db().DOCUMENT_FISCAL_YEAR
    when = fy_text(fy, lang)
    c1, c2, c3 = st.columns(3)
    headline(c1, t("metric.priority_projects", lang), len(df), "件", lang, when=when)
    named = int(df["bureau_code"].notna().sum()) if len(df) else 0
    headline(c2, t("ov.projects.named", lang), named, "件", lang, when=when)
    headline(
        c3,
        t("ov.projects.regions", lang),
        df["region_code"].nunique() if len(df) else 0,
        "",
        lang,
        when=t("ov.of_six_regions", lang),
    )
    source_caption(df, lang)
    if df.empty:
        st.info(t("ov.no_match", lang, what=t("metric.priority_projects", lang)))
    level = map_by_control(ctx, ("region", "bureau"))
    figs = metric_figures(ctx, "priority_projects", level, None)
    deck, _ = choropleth_section(
        ctx, page="projects", metric="priority_projects", figs=figs, level=level
    )
    if level == "bureau":
        st.caption(t("ov.projects.bureau_note", lang))
    st.subheader(t("ov.projects.by_region_direction", lang, when=when))
    pivot = projects_by_region_direction(df, lang)
    if not pivot.empty:
        st.dataframe(pivot, hide_index=True, width="stretch", key="rm.table.pp_pivot")
    st.subheader(t("ov.projects.list", lang))
    shown = df.copy()
    if len(shown):
        shown["bureau_shown"] = shown[i18n.col("bureau_name", lang)].fillna(
            t("ov.projects.region_wide", lang)
        )
        shown["themes_shown"] = [
            theme_names(ctx, str(v).split(";")) if isinstance(v, str) else ""
            for v in shown["theme_ids"]
        ]
    _table(
        shown,
        {
            i18n.col("title", lang): t("col.project", lang),
            i18n.col("region_name", lang): t("level.region", lang),
            "bureau_shown": t("level.bureau", lang),
            i18n.col("direction_name", lang): t("ov.col.direction", lang),
            "themes_shown": t("filter.themes", lang),
        },
        "rm.table.projects",
        t("ov.rows", lang, n=len(shown), when=when, source=source_of(df, lang)),
    )
    _downloads(ctx, "projects", "priority_projects")
    return {"rows": len(df), "deck": deck, "figures": figs}


# ===========================================================================================
# 4. Staff dispatch
# ===========================================================================================


def dispatch_trend(df: pd.DataFrame) -> pd.DataFrame:
    """Persons by fiscal year and kind (every year of the frame)."""
    if df.empty:
        return pd.DataFrame(columns=["fiscal_year", "kind", "persons"])
    return df.groupby(["fiscal_year", "kind"], as_index=False)["persons"].sum()


def dispatch_summary(df: pd.DataFrame, fiscal_year: int) -> dict:
    """Persons, municipalities (new/continuing) of one fiscal year, and the year before."""
    cur = df[df["fiscal_year"] == fiscal_year]
    prev = df[df["fiscal_year"] == fiscal_year - 1]
    status = cur.drop_duplicates("municipality_code")["status"] if len(cur) else pd.Series()
    return {
        "persons": int(cur["persons"].sum()),
        "previous": int(prev["persons"].sum()) if len(prev) else None,
        "municipalities": int(cur["municipality_code"].nunique()),
        "continuing": int((cur["status"] == "continuing").sum()),
        "new": int((cur["status"] == "new").sum()),
        "rows": len(cur),
        "has_status": bool(len(status)),
    }


def _years(metric: str) -> tuple[int, ...]:
    return ui.metric_years(metric, ui.db_version())


def _fy_for(ctx: ui.Context, metric: str) -> int | None:
    """The fiscal year a page shows: the filter bar's if ``metric`` has it, else the latest."""
    return shown_year(ctx.state, _years(metric))


def dispatch_page(ctx: ui.Context) -> dict:
    """職員派遣: by municipality, kind and fiscal year; trend; choropleth."""
    lang, s = ctx.lang, ctx.state
    page_header(ctx, "page.dispatch", "ov.dispatch.intro")
    if no_database(ctx):
        return {}
    kinds = dispatch_kinds()
    c_kind, c_by = st.columns([3, 2])
    with c_kind:
        kind = kind_filter(ctx, kinds, "ov.dispatch.kind")
    with c_by:
        level = map_by_control(ctx, ("municipality", "bureau"))
    fy = _fy_for(ctx, "dispatch")
    if s.fiscal_year is not None and s.fiscal_year != fy:
        st.caption(t("ov.fy_not_available", lang, fy=s.fiscal_year, shown=fy_text(fy, lang)))
    excluded = theme_excludes(s.theme_ids, "dispatch")
    if excluded:
        theme_excluded_notice(ctx, "dispatch")
    all_years = frame("dispatches", page_filters(s, "dispatches"))
    when = fy_text(fy, lang)
    # a theme that covers nothing of the figure: "—" on every card, never 0
    summary = dispatch_summary(all_years, fy) if fy and not excluded else {}
    zero = None if excluded else 0
    c1, c2, c3 = st.columns(3)
    with c1:
        delta = None
        if summary.get("previous") is not None:
            from regionmap.charts import format_delta

            delta = format_delta(summary["persons"] - summary["previous"], "人", lang)
        st.metric(
            t("metric.dispatch", lang),
            format_number(summary.get("persons", zero), "人", lang),
            delta=delta if delta and not delta.startswith("±") else None,
            delta_color="off",
            border=True,
        )
        st.caption(
            when
            + " · "
            + (t("fig.change", lang, delta=delta) if delta else t("fig.no_previous", lang))
        )
    headline(
        c2, t("ov.dispatch.municipalities", lang), summary.get("municipalities", zero), "市町村",
        lang, when=when,
    )  # fmt: skip
    with c3:
        st.metric(
            t("ov.dispatch.continuing_new", lang),
            "—" if excluded else f"{summary.get('continuing', 0)} / {summary.get('new', 0)}",
            border=True,
            help=t(
                "ov.dispatch.continuing_new.value",
                lang,
                cont=summary.get("continuing", 0),
                new=summary.get("new", 0),
            ),
        )
        st.caption(when + " · " + t("ov.dispatch.rows_unit", lang))
    source_caption(all_years, lang)
    muni_notice(ctx)
    figs = metric_figures(ctx, "dispatch", level, fy, kind)
    deck, _ = choropleth_section(ctx, page="dispatch", metric="dispatch", figs=figs, level=level)

    trend = dispatch_trend(all_years)
    if trend.empty:
        st.info(t("chart.no_data", lang))
    else:
        years = trend["fiscal_year"]
        title = t(
            "chart.trend",
            lang,
            metric=t("metric.dispatch", lang) + t("ov.by_kind", lang),
            unit=unit_text("人", lang),
            where=ui.where_text(ctx),
            when=t("fig.fy_range", lang, fy_from=int(years.min()), fy_to=int(years.max())),
        )
        fig = stacked_bar(
            trend,
            x="fiscal_year",
            y="persons",
            category="kind",
            labels={k: v[lang == "en"] for k, v in kinds.items()},
            order=list(kinds),
            title=title,
            unit="人",
            lang=lang,
        )
        _chart(fig, "rm.chart.dispatch_trend")
        source_caption(all_years, lang)

    rows = all_years[all_years["fiscal_year"] == fy] if fy else all_years.iloc[0:0]
    rows = rows.assign(
        status_shown=[
            (t(f"data.status.{v}", lang) if f"data.status.{v}" in CATALOG else v)
            if isinstance(v, str)
            else ""
            for v in rows["status"]
        ]
    )
    st.subheader(t("ov.dispatch.table", lang, when=when))
    _table(
        rows,
        {
            "fiscal_year": t("filter.fy", lang),
            "municipality_name_ja": t("level.municipality", lang),
            i18n.col("bureau_name", lang): t("level.bureau", lang),
            i18n.col("kind", lang): t("col.kind", lang),
            "persons": t("col.persons", lang),
            "status_shown": t("ov.col.status", lang),
        },
        "rm.table.dispatch",
        t("ov.rows", lang, n=len(rows), when=when, source=source_of(rows, lang)),
    )
    if _is_sample(all_years):
        ui.sample_notice(lang)
    _downloads(ctx, "dispatch", "dispatch")
    return {"rows": len(rows), "deck": deck, "figures": figs, "fiscal_year": fy}


# ===========================================================================================
# 5. Settlement support
# ===========================================================================================


def site_positions(df: pd.DataFrame) -> pd.DataFrame:
    """Sites with a position: their own lon/lat, else their municipality's label point.

    Adds ``lon``, ``lat`` filled and ``placed`` ("site" | "municipality").
    """
    out = df.copy()
    if out.empty:
        out["placed"] = pd.Series(dtype=object)
        return out
    munis = ui.published("municipalities")
    points = dict(zip(munis.codes, munis.label_points, strict=True))
    m = reference.municipalities().set_index("code")
    has = out["lon"].notna() & out["lat"].notna()
    out["placed"] = ["site" if h else "municipality" for h in has]
    for i in out.index[~has]:
        code = str(out.at[i, "municipality_code"])
        parent = str(m.loc[code, "parent_code"]) if code in m.index else ""
        p = points.get(code) or points.get(parent)
        if p:
            out.at[i, "lon"], out.at[i, "lat"] = p
    return out


def sites_layer(df: pd.DataFrame, lang: str, kinds: Mapping[str, tuple[str, str]]) -> pdk.Layer:
    """The settlement sites as points coloured by kind (layer id ``sites``)."""
    order = list(kinds)
    data = [
        {
            "position": [round(float(r["lon"]), 4), round(float(r["lat"]), 4)],
            "color": [*kind_colour(r["kind"], order), 235],
            "k": "s" + str(r["site_id"]),
            i18n.col("name", lang): str(r[i18n.col("name", lang)]),
        }
        for _, r in df.iterrows()
        if pd.notna(r["lon"]) and pd.notna(r["lat"])
    ]
    layer = pdk.Layer(
        "ScatterplotLayer",
        id="sites",
        data=data,
        get_position="position",
        get_fill_color="color",
        get_line_color=[40, 40, 40, 255],
        get_radius=6,
        stroked=True,
        filled=True,
        line_width_min_pixels=1,
        radius_min_pixels=4,
        radius_max_pixels=12,
        pickable=True,  # no auto_highlight: see maplayers._geojson_layer
    )
    layer.radius_units = "pixels"  # literal (pydeck would turn a keyword string into an expression)
    return layer


def site_tips(df: pd.DataFrame, lang: str) -> dict[str, str]:
    """Tooltip lines of the sites (kind, municipality, since FY, operator, sample)."""
    from html import escape

    out = {}
    for _, r in df.iterrows():
        parts = [str(r[i18n.col("kind", lang)]), str(r["municipality_name_ja"])]
        if pd.notna(r.get("start_fy")):
            parts.append(t("ov.since_fy", lang, fy=int(r["start_fy"])))
        op = r.get(i18n.col("operator", lang))
        if isinstance(op, str) and op:
            parts.append(op)
        line = escape(" · ".join(parts))
        if bool(r.get("is_sample")):
            line += escape(t("tooltip.sample", lang))
        out["s" + str(r["site_id"])] = line
    return out


def site_coverage(sites_df: pd.DataFrame) -> pd.DataFrame:
    """Per bureau: municipalities with at least one site / all municipalities.

    Municipalities are the 179 (Sapporo as one, its wards counted as Sapporo; the
    Northern Territories villages not counted). Columns: bureau_code, covered,
    total, share (0..1), sites.
    """
    m = reference.municipalities()
    munis = m[m["kind"] == "municipality"]
    total = munis.groupby("bureau_code")["code"].nunique()
    if sites_df.empty:
        covered = pd.Series(dtype="int64")
        count = pd.Series(dtype="int64")
    else:
        parent = m.set_index("code")["parent_code"]
        codes = sites_df["municipality_code"].astype(str)
        city = codes.map(lambda c: parent.get(c) or c)
        bureau = city.map(m.set_index("code")["bureau_code"])
        covered = pd.Series(city.to_numpy(), index=bureau.to_numpy()).groupby(level=0).nunique()
        count = bureau.value_counts()
    out = pd.DataFrame({"bureau_code": sorted(total.index)})
    out["covered"] = out["bureau_code"].map(covered).fillna(0).astype("int64")
    out["total"] = out["bureau_code"].map(total).astype("int64")
    out["share"] = out["covered"] / out["total"]
    out["sites"] = out["bureau_code"].map(count).fillna(0).astype("int64")
    return out


def settlement_page(ctx: ui.Context) -> dict:
    """集落対策: sites as points by kind; coverage by bureau."""
    lang, s = ctx.lang, ctx.state
    page_header(ctx, "page.settlement", "ov.settlement.intro")
    if no_database(ctx):
        return {}
    kinds = site_kinds()
    kind_filter(ctx, kinds, "ov.settlement.kind")
    fy = _fy_for(ctx, "sites")
    when = t("ov.as_of_fy", lang, fy=fy) if fy else ""
    excluded = theme_excludes(s.theme_ids, "sites")
    if excluded:
        theme_excluded_notice(ctx, "sites")
    df = frame("sites", page_filters(s, "sites"))
    everywhere = frame(
        "sites", page_filters(replace(s, region=None, bureau=None, muni=None), "sites")
    )
    cov = site_coverage(everywhere)
    inside = area_codes_in("bureau", s.region_code, s.bureau_code)
    cov_in = cov[cov["bureau_code"].isin(inside)]
    c1, c2, c3 = st.columns(3)
    # a theme that covers nothing of the figure: "—" on every card, never 0
    headline(c1, t("metric.sites", lang), None if excluded else len(df), "箇所", lang, when=when)
    headline(
        c2, t("ov.settlement.covered", lang), None if excluded else int(cov_in["covered"].sum()), "市町村", lang,
        when=t("ov.settlement.of_total", lang, n=format_number(int(cov_in["total"].sum()), "市町村", lang)),
    )  # fmt: skip
    share = cov_in["covered"].sum() / max(1, cov_in["total"].sum())
    headline(
        c3, t("ov.settlement.coverage", lang), None if excluded else round(100 * share, 1), "%",
        lang, when=when,
    )  # fmt: skip
    source_caption(df, lang)
    muni_notice(ctx)
    placed = site_positions(df)
    layer = sites_layer(placed, lang, kinds)
    figs = AreaFigures(
        level="bureau",
        values={},
        unit_ja="箇所",
        unit_en="sites",
        when_ja=t("ov.as_of_fy", "ja", fy=fy) if fy else "",
        when_en=t("ov.as_of_fy", "en", fy=fy) if fy else "",
        source_ja=source_of(df, "ja"),
        source_en=source_of(df, "en"),
        is_sample=_is_sample(df),
    )
    deck, _ = area_deck(
        s,
        lang,
        figs,
        level="bureau",
        extra_layers=[layer],
        extra_tips=site_tips(df, lang),
        fill=False,
    )
    present = [k for k in kinds if k in set(df["kind"])] if len(df) else []
    show_map(
        ctx,
        deck,
        page="settlement",
        level="points",
        title=t(
            "ov.settlement.map_title",
            lang,
            n=format_number(len(df), "箇所", lang),
            where=ui.where_text(ctx),
            when=when,
        ),  # fmt: skip
        scale=None,
        figs=figs,
        legend_title="",
        categories=[(kind_colour(k, list(kinds)), kinds[k][lang == "en"]) for k in present],
        categories_title=t("ov.settlement.legend", lang),
    )
    if (placed["placed"] == "municipality").any():
        st.caption(t("ov.settlement.placed_note", lang))

    st.subheader(t("ov.settlement.coverage_title", lang, when=when))
    cov_show = cov.assign(
        name=[_area_name(c, "bureau", lang) for c in cov["bureau_code"]],
        pct=(100 * cov["share"]).round(1),
    )
    title = t("ov.settlement.coverage_chart", lang, where=t("fig.where.all", lang), when=when)
    fig = ranked_bar(
        cov_show, label="name", value="pct", title=title, unit="%", lang=lang,
        highlight=_area_name(s.bureau_code, "bureau", lang) if s.bureau_code else None,
    )  # fmt: skip
    _chart(fig, "rm.chart.coverage")
    cov_table = cov_show.assign(
        ratio=[
            f"{a} / {format_number(b, '市町村', lang)}"
            for a, b in zip(cov_show["covered"], cov_show["total"], strict=True)
        ]
    )
    _table(
        cov_table,
        {
            "name": t("level.bureau", lang),
            "ratio": t("ov.settlement.covered_col", lang),
            "pct": t("ov.settlement.coverage_col", lang),
            "sites": t("ov.settlement.sites_col", lang),
        },
        "rm.table.coverage",
        t("ov.settlement.coverage_caption", lang, when=when, source=source_of(everywhere, lang)),
    )
    st.subheader(t("ov.settlement.table", lang, when=when))
    _table(
        df,
        {
            i18n.col("name", lang): t("col.site", lang),
            "municipality_name_ja": t("level.municipality", lang),
            i18n.col("bureau_name", lang): t("level.bureau", lang),
            i18n.col("kind", lang): t("col.kind", lang),
            "start_fy": t("col.start_fy", lang),
            i18n.col("operator", lang): t("ov.col.operator", lang),
        },
        "rm.table.sites",
        t("ov.rows", lang, n=len(df), when=when, source=source_of(df, lang)),
    )
    if _is_sample(df) or _is_sample(everywhere):
        ui.sample_notice(lang)
    _downloads(ctx, "settlement", "sites")
    return {"rows": len(df), "deck": deck, "coverage": cov, "fiscal_year": fy}


# ===========================================================================================
# 6. Evacuees
# ===========================================================================================


def months_of(df: pd.DataFrame) -> tuple[str, ...]:
    """The distinct months (``YYYY-MM``, ascending) of an evacuee frame."""
    if df.empty:
        return ()
    return tuple(sorted(pd.to_datetime(df["month"]).dt.strftime("%Y-%m").unique()))


@st.cache_data(show_spinner=False, max_entries=8)
def evacuee_months(db_version: str) -> tuple[str, ...]:
    """Months with evacuee figures (``YYYY-MM``), ascending."""
    return months_of(_db().evacuees())


def evacuees_at(df: pd.DataFrame, month: str) -> pd.DataFrame:
    """Rows of one month (evacuees are a count at a month: never summed over months)."""
    if df.empty:
        return df
    start = pd.Timestamp(month + "-01")
    dates = pd.to_datetime(df["month"])
    return df[(dates >= start) & (dates < start + pd.DateOffset(months=1))]


@st.cache_data(show_spinner=False, max_entries=64)
def evacuees_at_cached(
    filters: tuple[tuple[str, Any], ...], month: str, db_version: str
) -> pd.DataFrame:
    """:func:`evacuees_at` of the evacuee list with ``filters``, cached with every input."""
    return evacuees_at(ui.table("evacuees", filters, db_version), month)


def evacuees_monthly(df: pd.DataFrame) -> pd.DataFrame:
    """Total persons per month (``month`` as ``YYYY-MM``)."""
    if df.empty:
        return pd.DataFrame(columns=["month", "persons"])
    out = df.groupby("month", as_index=False)["persons"].sum()
    out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    return out


def evacuees_by_prefecture(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Persons by prefecture of origin (one month's rows), largest first."""
    col = i18n.col("prefecture", lang)
    if df.empty:
        return pd.DataFrame(columns=["prefecture", "persons"])
    out = df.groupby(col, as_index=False)["persons"].sum().rename(columns={col: "prefecture"})
    return out.sort_values("persons", ascending=False, ignore_index=True)


def evacuees_by_municipality(df: pd.DataFrame) -> pd.DataFrame:
    """Persons by municipality (one month's rows; wards as their city), largest first."""
    if df.empty:
        return pd.DataFrame(columns=["municipality_code", "name", "bureau_code", "persons"])
    values = rollup(df, "persons", "municipality")
    m = reference.municipalities().set_index("code")
    out = pd.DataFrame({"municipality_code": list(values), "persons": list(values.values())})
    out["name"] = out["municipality_code"].map(m["name_ja"])
    out["bureau_code"] = out["municipality_code"].map(m["bureau_code"])
    out["persons"] = out["persons"].astype("int64")
    return out.sort_values(
        ["persons", "municipality_code"], ascending=[False, True], ignore_index=True
    )


def evacuees_page(ctx: ui.Context) -> dict:
    """避難者: by municipality at a month, monthly trend, prefecture of origin."""
    lang, s = ctx.lang, ctx.state
    page_header(ctx, "page.evacuees", "ov.evacuees.intro")
    if no_database(ctx):
        return {}
    months = evacuee_months(ui.db_version())
    rng = month_range(s, months)
    c_months, c_by = st.columns([3, 2])
    if rng is None:
        st.info(t("chart.no_data", lang))
        return {"rows": 0}
    with c_months:
        if len(months) > 1:
            ui.bound_widget(
                st.select_slider,
                "months",
                t("ov.evacuees.months", lang),
                options=list(months),
                format_func=lambda v: month_text(v, lang),
                to_widget=lambda st_: month_range(st_, months),
                from_widget=lambda st_, v: replace(
                    st_,
                    month_from=None if v[0] == months[0] else v[0],
                    month_to=None if v[1] == months[-1] else v[1],
                ),
            )
    with c_by:
        level = map_by_control(ctx, ("municipality", "bureau"))
    lo, hi = rng
    excluded = theme_excludes(s.theme_ids, "evacuees")
    if excluded:
        theme_excluded_notice(ctx, "evacuees")
    filters = tuple(sorted(page_filters(s, "evacuees").items()))
    df = ui.table("evacuees", filters, ui.db_version())
    at_end = evacuees_at_cached(filters, hi, ui.db_version())
    at_start = evacuees_at_cached(filters, lo, ui.db_version())
    when = t("ov.as_of_month", lang, month=month_text(hi, lang))
    c1, c2, c3 = st.columns(3)
    with c1:
        from regionmap.charts import format_delta

        value = int(at_end["persons"].sum())
        delta = (
            format_delta(value - int(at_start["persons"].sum()), "人", lang) if lo != hi else None
        )
        st.metric(
            t("metric.evacuees", lang),
            format_number(None if excluded else value, "人", lang),
            delta=delta if delta and not delta.startswith("±") else None,
            delta_color="off",
            border=True,
        )
        st.caption(
            when
            + (
                " · " + t("ov.change_since", lang, delta=delta, month=month_text(lo, lang))
                if delta
                else ""
            )
        )
    by_muni = evacuees_by_municipality(at_end)
    headline(
        c2, t("ov.evacuees.municipalities", lang),
        None if excluded else int((by_muni["persons"] > 0).sum()), "市町村", lang, when=when,
    )  # fmt: skip
    by_pref = evacuees_by_prefecture(at_end, lang)
    top = by_pref.iloc[0] if len(by_pref) else None
    with c3:
        st.metric(
            t("ov.evacuees.top_prefecture", lang),
            f"{top['prefecture']} {format_number(top['persons'], '人', lang)}"
            if top is not None and not excluded
            else "—",
            border=True,
        )
        st.caption(when)
    source_caption(df, lang)
    muni_notice(ctx)
    # the map: persons at the last month of the range
    values = rollup(at_end, "persons", level)
    for code in area_codes_in(level, None, None):
        values.setdefault(code, 0.0)
    figs = AreaFigures(
        level=level,
        values=values,
        unit_ja="人",
        unit_en="persons",
        when_ja=t("ov.as_of_month", "ja", month=month_text(hi, "ja")),
        when_en=t("ov.as_of_month", "en", month=month_text(hi, "en")),
        source_ja=source_of(at_end, "ja"),
        source_en=source_of(at_end, "en"),
        is_sample=_is_sample(at_end),
        selected=area_codes_in(level, s.region_code, s.bureau_code)
        if (s.bureau or s.region)
        else None,
    )
    deck, _ = choropleth_section(
        ctx, page="evacuees", metric="evacuees", figs=None if excluded else figs, level=level
    )

    monthly = evacuees_monthly(df)
    col_trend, col_pref = st.columns([3, 2])
    with col_trend:
        if monthly.empty:
            st.info(t("chart.no_data", lang))
        else:
            title = t(
                "chart.trend",
                lang,
                metric=t("metric.evacuees", lang),
                unit=unit_text("人", lang),
                where=ui.where_text(ctx),
                when=f"{month_text(lo, lang)}–{month_text(hi, lang)}",
            )
            _chart(
                trend_line(monthly, x="month", y="persons", title=title, unit="人", lang=lang),
                "rm.chart.evacuees_trend",
            )
    with col_pref:
        if not by_pref.empty:
            title = t(
                "ov.evacuees.by_prefecture", lang, unit=unit_text("人", lang),
                where=ui.where_text(ctx), when=when,
            )  # fmt: skip
            _chart(
                ranked_bar(
                    by_pref, label="prefecture", value="persons", title=title, unit="人", lang=lang
                ),
                "rm.chart.evacuees_pref",
            )
    source_caption(df, lang)
    st.subheader(t("ov.evacuees.table", lang, when=when))
    shown = by_muni.assign(bureau=[_area_name(c, "bureau", lang) for c in by_muni["bureau_code"]])
    _table(
        shown,
        {
            "name": t("level.municipality", lang),
            "bureau": t("level.bureau", lang),
            "persons": t("col.persons", lang),
        },
        "rm.table.evacuees",
        t("ov.rows", lang, n=len(shown), when=when, source=source_of(at_end, lang)),
    )
    if _is_sample(df):
        ui.sample_notice(lang)
    _downloads(ctx, "evacuees", "evacuees")
    return {"rows": len(shown), "deck": deck, "months": (lo, hi), "figures": figs}


# ===========================================================================================
# 7. Proposals
# ===========================================================================================


def measures_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per (proposal, measure): department, measure, proposal, bureaus."""
    rows = []
    for _, r in df.iterrows():
        for m in r["measures"] if isinstance(r["measures"], list) else []:
            rows.append(
                {
                    "department": m.get(i18n.col("department", lang)),
                    "measure": m.get(i18n.col("text", lang)),
                    "proposal": r[i18n.col("title", lang)],
                    "bureaus": r[i18n.col("bureau_names", lang)],
                }
            )
    return pd.DataFrame(rows, columns=["department", "measure", "proposal", "bureaus"])


def proposals_by_pillar(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Proposals and how many are reflected in measures, per pillar."""
    if df.empty:
        return pd.DataFrame(columns=["pillar", "proposals", "reflected"])
    g = df.assign(reflected=df["measure_count"] > 0).groupby(
        i18n.col("pillar_name", lang), dropna=False
    )
    out = g.agg(proposals=("proposal_id", "count"), reflected=("reflected", "sum")).reset_index()
    out = out.rename(columns={i18n.col("pillar_name", lang): "pillar"})
    out["reflected"] = out["reflected"].astype("int64")
    return out.sort_values("proposals", ascending=False, ignore_index=True)


def proposals_page(ctx: ui.Context) -> dict:
    """政策提案: the bureaus' proposals and the departments' measures reflecting them."""
    lang = ctx.lang
    page_header(ctx, "page.proposals", "ov.proposals.intro")
    if no_database(ctx):
        return {}
    df = frame("proposals", query_filters(ctx.state))
    fy = int(df["fiscal_year"].iloc[0]) if len(df) else _db().DOCUMENT_FISCAL_YEAR
    when = fy_text(fy, lang)
    mt = measures_table(df, lang)
    reflected = int((df["measure_count"] > 0).sum()) if len(df) else 0
    c1, c2, c3 = st.columns(3)
    headline(c1, t("metric.proposals", lang), len(df), "件", lang, when=when)
    headline(
        c2, t("ov.proposals.reflected", lang), reflected, "件", lang,
        when=t("ov.proposals.of", lang, n=format_number(len(df), "件", lang)) + " · " + when,
    )  # fmt: skip
    headline(
        c3, t("ov.proposals.measures", lang), mt["measure"].nunique() if len(mt) else 0, "件", lang,
        when=t("ov.proposals.departments", lang, n=mt["department"].nunique() if len(mt) else 0),
    )  # fmt: skip
    source_caption(df, lang)
    if df.empty:
        st.info(t("ov.no_match", lang, what=t("metric.proposals", lang)))
    figs = metric_figures(ctx, "proposals", "bureau", None)
    deck, _ = choropleth_section(
        ctx, page="proposals", metric="proposals", figs=figs, level="bureau"
    )
    st.caption(t("ov.proposals.joint_note", lang))

    pillars = proposals_by_pillar(df, lang)
    if not pillars.empty:
        title = t("ov.proposals.by_pillar", lang, where=ui.where_text(ctx), when=when)
        fig = go.Figure()
        fig.add_bar(
            y=pillars["pillar"], x=pillars["proposals"], orientation="h",
            name=t("metric.proposals", lang), marker_color="rgb(150, 142, 119)",
        )  # fmt: skip
        fig.add_bar(
            y=pillars["pillar"], x=pillars["reflected"], orientation="h",
            name=t("ov.proposals.reflected", lang), marker_color="rgb(0, 34, 78)",
        )  # fmt: skip
        fig.update_layout(
            barmode="group",
            title={"text": title, "font": {"size": 15}},
            font={"family": FONT_FAMILY, "size": 13},
            height=max(240, 60 * len(pillars) + 110),
            margin={"l": 10, "r": 20, "t": 60, "b": 30},
            xaxis={"title": {"text": unit_text("件", lang)}, "tickformat": ",d", "dtick": 1},
            legend={"orientation": "h", "y": -0.2},
            plot_bgcolor="white",
        )
        _chart(fig, "rm.chart.proposals_pillar")
        source_caption(df, lang)

    st.subheader(t("ov.proposals.list", lang, when=when))
    shown = df.assign(
        joint=[t("ov.yes", lang) if j else "" for j in df["is_joint"]] if len(df) else [],
    )
    _table(
        shown,
        {
            i18n.col("title", lang): t("ov.col.proposal", lang),
            i18n.col("bureau_names", lang): t("level.bureau", lang),
            "joint": t("ov.col.joint", lang),
            i18n.col("pillar_name", lang): t("ov.col.pillar", lang),
            i18n.col("policy_area", lang): t("ov.col.policy_area", lang),
            "measure_count": t("ov.col.measures", lang),
        },
        "rm.table.proposals",
        t("ov.rows", lang, n=len(df), when=when, source=source_of(df, lang)),
    )
    st.subheader(t("ov.proposals.measures_title", lang, when=when))
    _table(
        mt,
        {
            "department": t("col.department", lang),
            "measure": t("ov.col.measure", lang),
            "proposal": t("ov.col.proposal", lang),
            "bureaus": t("level.bureau", lang),
        },
        "rm.table.measures",
        t("ov.rows", lang, n=len(mt), when=when, source=source_of(df, lang)),
    )
    for _, r in df.iterrows():
        with st.expander(f"{r[i18n.col('title', lang)]}（{r[i18n.col('bureau_names', lang)]}）"):
            st.caption(
                f"{r.get(i18n.col('pillar_name', lang), '')} · {r.get(i18n.col('policy_area', lang), '') or ''}"
            )
            ms = r["measures"] if isinstance(r["measures"], list) else []
            if not ms:
                st.caption(t("ov.proposals.no_measure", lang))
            for m in ms:
                st.markdown(
                    f"- **{m.get(i18n.col('department', lang))}**：{m.get(i18n.col('text', lang))}"
                )
    _downloads(ctx, "proposals", "proposals")
    return {"rows": len(df), "measures": len(mt), "deck": deck, "figures": figs}
