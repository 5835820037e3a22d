"""A page's map: the deck from :mod:`regionmap.maps.spec`, its title, legend, MLIT credit,
sample notice, and what a click on it selects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from html import escape
from pathlib import Path

import streamlit as st

from regionmap import figures, i18n, reference
from regionmap import state as state_mod
from regionmap.i18n import fy_text, t
from regionmap.maps import deckgl, describe, scales, spec, static
from regionmap.maps.areas import AreaView
from regionmap.plaintext import plain
from regionmap.render import mapimage
from regionmap.state import FilterState
from regionmap.style import format_number
from regionmap.ui import layout
from regionmap.ui.cached import by_db_version, effective_year, indicator_frame, metric_frame
from regionmap.ui.components import downloads
from regionmap.ui.components.cards import not_imported, theme_excludes, where_text
from regionmap.ui.components.notices import category_legend, legend, map_credit, sample_notice
from regionmap.ui.components.widgets import municipal_metric
from regionmap.ui.session import Context, current, map_sent, mark_map_sent, set_state

# --- notices, credit, legend -------------------------------------------------------------


# --- maps -------------------------------------------------------------------------------


def build_area_deck(ctx: Context, *, page: str, metric: str, level: str):
    """The deck of the overview or the bureau page (:func:`regionmap.maps.spec.area_deck`).

    ``page`` ``"overview"``: ``metric`` by bureau or region. ``page`` ``"bureau"`` with an
    area selected: its municipalities, the neighbours as a clickable context.

    The area filter is not applied to the figures: every area keeps its figure (the overview
    colours all of Hokkaido; the selection is outlined). No figures without a database, nor
    when the theme filter covers nothing of ``metric``: the map then shows no figure at all
    (the page says why), never zeros.

    Returns (deck, colour scale or None, figures or None).
    """
    s = ctx.state
    focus = page == "bureau" and bool(s.bureau or s.region)
    level = "municipality" if focus else level
    shown = ctx.ready.database and not theme_excludes(ctx, metric) and not not_imported(metric)
    drawn, figs = _area_deck(
        # what the deck reads of the state (the area, the clicked municipality, the layers):
        # the sessions that differ only in other filters share the deck
        s.map_area(level, focus=focus),
        ctx.lang,
        metric if shown else None,
        effective_year(ctx, metric) if shown else None,
        s.theme_ids,
    )
    return drawn.deck, drawn.scale, figs


@by_db_version(max_entries=256, shared=True)
def _area_deck(
    area: AreaView,
    lang: str,
    metric: str | None,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    *,
    db_version: str,
) -> tuple[spec.AreaMap, spec.AreaFigures | None]:
    """The deck of ``metric`` (None: no figures) per area of ``area.level`` in
    ``fiscal_year`` and ``theme_ids`` on the map ``area``, and its figures: made once per
    view, every session showing it gets the same deck (its JSON made once), which nobody
    changes."""
    figs = None
    if metric is not None and figures.get(metric).is_indicator:
        # the ministry's figure by bureau or region: the median of its municipalities
        df = indicator_frame(metric, area.level, fiscal_year)
        figs = spec.figures_from_indicator(df, area.level, fiscal_year)
    elif metric is not None:
        df = metric_frame(metric, area.level, fiscal_year, theme_ids, None, None)
        figs = spec.figures_from_metric(df, area.level, area_filter=False)
    return spec.area_deck(area, lang, figs), figs


@by_db_version(max_entries=64)
def preview_url(view: tuple, *, db_version: str) -> str:
    """The URL of the still (:func:`regionmap.render.mapimage.preview_png`) of ``view`` =
    ``(area_kind, code, metric, level, fiscal_year, theme_ids, lang)`` (the map PNG's view;
    the still carries the areas' names in the page's language), published once as a static
    file; cached on the view and the database version."""
    area_kind, code, metric, level, fiscal_year, theme_ids, lang = view
    spec = mapimage.view_spec(area_kind, code, metric, level, fiscal_year, list(theme_ids), lang)
    return static.publish_preview(mapimage.preview_png(spec))


def _preview(ctx: Context, metric: str, level: str, focus: bool) -> str | None:
    """Until the session has sent its first map (a cold visit: the browser loads the map
    script for seconds), the still of the map view to show in its place until the map is
    drawn. A still that cannot be made is left out (and logged): the map comes anyway."""
    if map_sent() or not ctx.ready.database:
        return None
    s = ctx.state
    kind, code, _ = downloads.map_area(s) if focus else ("hokkaido", None, "")
    level = level if level in ("bureau", "region") else "bureau"
    fy = effective_year(ctx, metric)
    try:
        return preview_url((kind, code, metric, level, fy, tuple(s.theme_ids), ctx.lang))
    except Exception:  # noqa: BLE001 - the still is optional; the interactive map follows
        _LOG.warning("no still of the map %s", (kind, code, metric, level, fy), exc_info=True)
        return None


def metric_name(metric: str, lang: str) -> str:
    """A figure's name on a map's title and legend; a public figure by area says what is
    shown, never a sum: ``財政力指数：市町村の中央値``."""
    name = t("metric." + metric, lang)
    if figures.get(metric).is_indicator:
        return t("fig.indicator_median", lang, metric=name)
    return name


def threshold_notes(metric: str, level: str, figs: spec.AreaFigures, lang: str) -> list[str]:
    """The legal thresholds of a public figure (実質公債費比率 25 %/35 %) with how many
    municipalities are at or above each in the year shown (counted, never summed values)."""
    fig = figures.get(metric)
    if not fig.is_indicator or not fig.thresholds or level not in ("bureau", "region"):
        return []
    df = indicator_frame(metric, level, figs.fiscal_year)
    return spec.threshold_notes(metric, df, figs.unit(lang), lang)


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
    title = ""
    if theme_excludes(ctx, metric):
        st.info(t("notice.theme_excludes", lang, metric=t("metric." + metric, lang)))
    elif ctx.ready.database and not_imported(metric):
        st.info(t("notice.not_imported", lang, metric=t("metric." + metric, lang)))
    elif figs is not None:
        when = fy_text(figs.fiscal_year, lang)
        title = t(
            "overview.map_title",
            lang,
            metric=metric_name(metric, lang),
            unit=figs.unit(lang),
            level=t("level." + ("municipality" if by_municipality else level), lang),
            when=i18n.join([where_text(ctx), when], lang),
        )
    page_map(
        ctx,
        deck,
        key=key,
        preview=_preview(ctx, metric, level, by_municipality),
        heading="##### {}" if title else "",
        title=title or t("map.alt", lang),
        scale=scale,
        figs=figs,
        legend_title=metric_name(metric, lang),
        legend_notes=threshold_notes(metric, level, figs, lang) if figs is not None else (),
        click_hint="map.click_hint",
        download_key=f"rm.dl.{page}.map_html",
        download_item=metric,
        height=540,
    )
    return figs


_LOG = logging.getLogger(__name__)

_ASSETS = Path(__file__).parents[2] / "assets"
#: map_ready.js and page_lang.js (the page's language, :mod:`regionmap.ui.a11y`): one script
_MAP_READY_JS = "\n".join(
    (_ASSETS / name).read_text(encoding="utf-8") for name in ("map_ready.js", "page_lang.js")
)


def deck_chart(
    deck: deckgl.Deck, *, key: str, height: int, lang: str, preview: str | None = None
) -> None:
    """Show a page's map: clicks go to :func:`on_map_select`, and the browser marks the
    map ``data-rm-ready="true"`` once deck.gl has its layer files and has drawn them.

    A hidden marker after the chart names its static layer files and a hash of its
    spec; ``assets/map_ready.js`` (put on every page by :func:`start`) watches deck.gl
    fetch the files and sets the attribute three frames after the last was read and
    after the spec last changed. Until then the map shows a "progress" cursor. Browser
    tests wait for the attribute instead of sleeping (``tests/test_browser.py``).

    ``preview`` (a still's URL, :func:`preview_url`) is shown in the map's place from the
    first paint until deck.gl has drawn the map for the first time (``data-rm-drawn`` set by
    ``map_ready.js``): a cold visit shows the map in the time Streamlit's page takes, not
    the seconds the map script takes to load and start.
    """
    spec = deck.to_json()
    urls = sorted(
        {
            layer.data
            for layer in deck.layers
            if isinstance(layer.data, str) and layer.data.startswith(static.STATIC_URL)
        }
    )
    mark_map_sent()
    st.pydeck_chart(
        deck,
        height=height,
        key=key,
        on_select=lambda: on_map_select(key),
        selection_mode="single-object",
        alt=t("map.alt", lang),
    )
    if preview:
        cls = f"st-key-{map_key_class(key)}"
        url = escape(preview, quote=True)
        st.html(
            f"<style>.{cls}:not(:has([data-rm-drawn='true'])) "
            f"{{background: url('{url}') center / contain no-repeat}}"
            "</style>"
        )
    st.html(
        f"<div class='rm-map-meta' hidden data-map='{escape(map_key_class(key), quote=True)}' "
        f"data-spec='{hashlib.sha1(spec.encode()).hexdigest()[:12]}' "
        f"data-view='{escape(fit_view_json(deck), quote=True)}' "
        f"data-layers='{escape(' '.join(urls), quote=True)}'></div>"
    )


def fit_view_json(deck: deckgl.Deck) -> str:
    """The deck's first view and the map size it was fitted to, for ``map_ready.js``, which
    refits it to the map's real size (a phone, a short screen) until the user moves it."""
    v = deck.initial_view_state
    return json.dumps(
        {
            "longitude": v.longitude,
            "latitude": v.latitude,
            "zoom": v.zoom,
            "minZoom": getattr(v, "min_zoom", None) or 0,
            "maxZoom": getattr(v, "max_zoom", None) or 20,
            "fitWidth": deckgl.FIT_WIDTH,
            "fitHeight": deckgl.FIT_HEIGHT,
        },
        separators=(",", ":"),
    )


def map_ready_script() -> None:
    """Put ``assets/map_ready.js`` and ``assets/page_lang.js`` on the page (once: the
    element is the same every run)."""
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


def text_alternative(
    key: str,
    *,
    title: str,
    figs: spec.AreaFigures | None,
    scale: scales.ColorScale | None,
    kinds: Sequence[str],
    lang: str,
) -> None:
    """The map's text alternative under it (:func:`regionmap.maps.describe.alt_text`):
    visually hidden, read by screen readers as the map's description
    (``assets/page_lang.js`` points the map's ``aria-describedby`` at it), and the table of
    the map's figures it refers to, closed until opened (an HTML table, which screen
    readers and keyboards read; the map's canvas is neither)."""
    values = figs.shown() if figs is not None else None
    level = figs.level if figs is not None else "bureau"
    names = describe.area_names(level, lang)
    unit = figs.unit(lang) if figs is not None else ""
    classes = [label for _, label in scale.legend(unit, lang)] if scale is not None else []
    text = describe.alt_text(title, values, names, unit, lang, classes=classes, kinds=kinds)
    table = t("map.alt.table", lang)
    ident = "rm-alt-" + map_key_class(key)
    st.html(
        f"<div class='rm-map-alt' style='{layout.SCREEN_READER_ONLY}' "
        f"id='{escape(ident, quote=True)}' "
        f"data-map='{escape(map_key_class(key), quote=True)}'>"
        f"{escape(text)} {escape(table)}</div>"
    )
    if not values:
        return
    rows = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    body = "".join(
        f"<tr><th scope='row'>{escape(names.get(c, c))}</th>"
        f"<td>{escape(format_number(v, '', lang))}</td></tr>"
        for c, v in rows
    )
    # an HTML details element (not st.expander: the page's own expanders stay what they are)
    st.html(
        f"<details class='rm-map-table'><summary>{escape(table)}</summary>"
        f"<p>{escape(t('map.alt.table_note', lang, n=len(rows)))}</p>"
        f"<table><caption>{escape(title)}</caption><thead><tr>"
        f"<th scope='col'>{escape(t('map.alt.col.area', lang))}</th>"
        f"<th scope='col'>{escape(t('map.alt.col.value', lang, unit=unit))}</th>"
        f"</tr></thead><tbody>{body}</tbody></table></details>"
    )


def page_map(
    ctx: Context,
    deck: deckgl.Deck,
    *,
    key: str,
    preview: str | None = None,
    heading: str,
    title: str,
    scale: scales.ColorScale | None,
    figs: spec.AreaFigures | None,
    legend_title: str,
    click_hint: str,
    download_key: str,
    download_item: str,
    height: int,
    categories: Sequence[tuple[tuple[int, int, int], str]] = (),
    categories_title: str = "",
    legend_notes: Sequence[str] = (),
) -> None:
    """Draw a page's map — the one layout of every page: heading, the deck, its source and
    the MLIT credit under it; beside it the legend(s) and the click hint, and the map to keep
    (offline HTML) in the downloads; the sample notice when a figure is sample.

    ``heading`` is the Markdown around the title (``"**{}**"``, ``"##### {}"``; empty: no
    heading); the title is made by the caller from catalogue text and figures. A sample
    figure's title, legend and map to keep carry the sample mark.
    """
    s, lang = ctx.state, ctx.lang
    if figs is not None and figs.is_sample:  # the mark on the map's title and legends
        title = i18n.sample_marked(title, lang)
        legend_title = i18n.sample_marked(legend_title, lang) if legend_title else legend_title
        if categories_title:
            categories_title = i18n.sample_marked(categories_title, lang)
    if heading:
        st.markdown(heading.format(title))
    col_map, col_side = st.columns([4, 1])
    with col_map:
        deck_chart(deck, key=key, height=height, lang=lang, preview=preview)
        text_alternative(
            key,
            title=title,
            figs=figs,
            scale=scale,
            kinds=[label for _, label in categories],
            lang=lang,
        )
        if figs is not None and figs.source(lang):
            st.caption(t("fig.source", lang, source=plain(figs.source(lang))))
        map_credit(lang, tiles=s.has_layer("tiles"))
    with col_side:
        if categories:
            category_legend(categories, categories_title)
        if scale is not None and figs is not None:
            legend(scale, title=legend_title, unit=figs.unit(lang), lang=lang)
            for note in legend_notes:  # the legal thresholds, beside the colours
                st.caption(note)
        elif not ctx.ready.database:
            st.info(t("notice.no_database", lang))
        st.caption(t(click_hint, lang))
        _, _, slug = downloads.map_area(s)
        downloads.remember_map(
            ctx,
            deck,
            downloads.map_page(
                lang,
                title=title,
                scale=scale,
                figs=figs,
                legend_title=legend_title,
                categories=categories,
                categories_title=categories_title,
                tiles=s.has_layer("tiles"),
            ),
            key=download_key,
            file_name=downloads.download_name(
                "map", slug, download_item, figs.fiscal_year if figs else None, lang, "html"
            ),
        )
    if figs is not None and figs.is_sample:
        sample_notice(lang)
