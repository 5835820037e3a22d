"""A page's map: the deck from :mod:`regionmap.maps.spec`, its title, legend, MLIT credit,
sample notice, and what a click on it selects.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import i18n, reference
from regionmap import state as state_mod
from regionmap.i18n import fy_text, t
from regionmap.maps import deckgl, scales, static
from regionmap.state import FilterState
from regionmap.ui.cached import _db_version, effective_year, metric_frame
from regionmap.ui.cards import theme_excludes, where_text
from regionmap.ui.notices import legend, map_credit, sample_notice
from regionmap.ui.session import Context, current, set_state
from regionmap.ui.widgets import municipal_metric

# --- notices, credit, legend -------------------------------------------------------------


# --- maps -------------------------------------------------------------------------------


def published(
    name: str, level: str = "overview", where: tuple[str, Sequence[str]] | None = None
) -> static.PublishedLayer:
    """A boundary layer (or a subset: ``where`` = (column, values)) published as a static
    file, cached for the server's life."""
    return static.publish_layer(name, level, where=where)


def _view_for(s: FilterState) -> Any:
    """Hokkaido, or the selected bureau/region: changes only when the area changes."""
    if s.bureau:
        layer = published("bureaus")
        return deckgl.view_for_bounds(layer.bounds_of([s.bureau_code]))
    if s.region:
        layer = published("regions")
        return deckgl.view_for_bounds(layer.bounds_of([s.region_code]))
    return deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS)


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


def _tooltip_lines(layer: static.PublishedLayer, figs: MapFigures | None, lang: str):
    if figs is None:
        return {}
    return {
        layer.key_of(code): deckgl.figure_line(
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
        classes = scales.choropleth(
            munis.codes, figs.values if figs else None, no_figure=no_figures
        )
        scale = classes.scale
        fills = classes.fills()
        line_colours = [list(scales.MUNI_LINE)] * len(munis.codes)
        if s.muni:
            line_colours = [
                list(scales.SELECTED_LINE) if c == s.muni else lc
                for c, lc in zip(munis.codes, line_colours, strict=True)
            ]
        # neighbours in a light fill for context, the area's municipalities above them,
        # region outlines and the selection outline on top
        layers += deckgl.area_layers(
            "bureaus",
            bureaus,
            fill_colors=[list(scales.CONTEXT_FILL)] * len(bureaus.codes),
            line_color=scales.BUREAU_LINE,
            line_width=1.5,
            pickable=True,
        )
        layers += deckgl.area_layers(
            "municipalities", munis, fill_colors=fills, line_colors=line_colours, line_width=1
        )
        layers += deckgl.area_layers(
            "regions", regions, line_color=scales.REGION_LINE, line_width=3, pickable=False
        )
        if s.bureau_code:
            layers.append(deckgl.selection_layer("selected-bureau", bureaus, [s.bureau_code]))
        else:
            layers.append(deckgl.selection_layer("selected-region", regions, [s.region_code]))
        if s.has_layer("labels"):
            layers.append(
                deckgl.label_layer(
                    "labels-municipalities",
                    deckgl.labels_of(munis, lang, inside),
                    size=12,
                    declutter=True,
                )
            )
            # neighbours' names only: the selected bureau(s) show their municipalities
            own = {s.bureau_code} if s.bureau_code else set(munis.groups)
            others = [c for c in bureaus.codes if c not in own]
            layers.append(
                deckgl.label_layer(
                    "labels-bureaus",
                    deckgl.labels_of(bureaus, lang, others),
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
        classes = scales.choropleth(fill_layer.codes, figs.values if figs else None)
        scale = classes.scale
        fills = classes.fills()
        bureau_layers = deckgl.area_layers(
            "bureaus",
            bureaus,
            fill_colors=fills if level == "bureau" else None,
            line_color=scales.BUREAU_LINE,
            line_width=1.2,
            pickable=level == "bureau",
        )
        region_layers = deckgl.area_layers(
            "regions",
            regions,
            fill_colors=fills if level == "region" else None,
            line_color=scales.REGION_LINE,
            line_width=3,
            pickable=level == "region",
        )
        # the filled layer goes first; region outlines always above bureau outlines
        if level == "region":
            outline = deckgl.area_layers(
                "regions-outline",
                regions,
                line_color=scales.REGION_LINE,
                line_width=3,
                pickable=False,
            )
            layers += region_layers + bureau_layers + outline
        else:
            layers += bureau_layers + region_layers
        # the selected area outlined on top of everything
        if s.bureau_code:
            layers.append(deckgl.selection_layer("selected-bureau", bureaus, [s.bureau_code]))
        elif s.region_code:
            layers.append(deckgl.selection_layer("selected-region", regions, [s.region_code]))
        if s.has_layer("municipalities"):
            munis = published("municipalities")
            # municipal boundaries just above the filled layer (and its outlines)
            at = 2 if len(layers) > 1 and layers[1].id.endswith(deckgl.LINES_SUFFIX) else 1
            layers[at:at] = deckgl.area_layers(
                "municipalities",
                munis,
                line_color=(110, 110, 110, 140),
                line_width=0.6,
                pickable=False,
            )
        if s.has_layer("labels"):
            label_src = regions if level == "region" else bureaus
            layers.append(
                deckgl.label_layer(
                    "labels-" + label_src.name, deckgl.labels_of(label_src, lang), size=15
                )
            )
        tips = _tooltip_lines(fill_layer, figs, lang)

    basemap = static.publish_gsi_style() if s.has_layer("tiles") else None
    deck = deckgl.make_deck(
        layers,
        _view_for(s),
        tooltip_spec=deckgl.tooltip(
            tips,
            lang=lang,
            footer=deckgl.source_footer(figs.source, lang) if figs and tips else "",
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


_MAP_READY_JS = (Path(__file__).parent.parent / "assets" / "map_ready.js").read_text(
    encoding="utf-8"
)


def deck_chart(deck: deckgl.Deck, *, key: str, height: int, lang: str) -> None:
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
            if isinstance(layer.data, str) and layer.data.startswith(static.STATIC_URL)
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
    new = selection_to_state(current().state, objects)
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
