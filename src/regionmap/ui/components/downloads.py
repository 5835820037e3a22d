"""Downloads of a page: map and chart PNG, table CSV/XLSX, the PDF handout."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import figures
from regionmap.db import export
from regionmap.i18n import CATALOG, t
from regionmap.maps import deckgl, scales
from regionmap.maps.spec import AreaFigures
from regionmap.render import chartimage, common, handout, maphtml, mapimage
from regionmap.state import FilterState
from regionmap.style import rgb
from regionmap.ui.cached import by_db_version, effective_year
from regionmap.ui.components.notices import credit_text
from regionmap.ui.components.widgets import MUNICIPAL_METRICS, municipal_metric
from regionmap.ui.session import Context

# --- downloads -------------------------------------------------------------------------


def map_area(s: FilterState) -> tuple[str, str | None, str]:
    """``(area_kind, code, slug)`` of the state's area for :func:`regionmap.render.mapimage.map_png`:
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


def _chart_png(fig: Any) -> bytes:
    return chart_png_bytes(fig.to_json(), fig)


def handout_name(area_file: str, fiscal_year: int | None, lang: str) -> str:
    """``bureau-12-tokachi-2015-ja.pdf``: the area's handout name with the fiscal year."""
    fy = str(fiscal_year) if fiscal_year else "latest"
    return area_file.removesuffix(f"-{lang}.pdf") + f"-{fy}-{lang}.pdf"


@by_db_version(max_entries=16)
def map_png_bytes(
    area_kind: str,
    code: str | None,
    metric: str | None,
    level: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    lang: str,
    width: int = 1600,
    height: int = 1000,
    *,
    db_version: str,
) -> bytes:
    """PNG of a map view (:func:`regionmap.render.mapimage.map_png`), cached on every input."""

    return mapimage.map_png(
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


@by_db_version(max_entries=16)
def chart_png_bytes(figure_json: str, _figure: Any, *, db_version: str) -> bytes:
    """PNG of a plotly figure (:func:`regionmap.render.chartimage.chart_png`), cached on its JSON."""

    return chartimage.chart_png(_figure)


@by_db_version(max_entries=32)
def table_bytes(frame: pd.DataFrame, fmt: str, sheet: str, *, db_version: str) -> bytes:
    """CSV or xlsx of a shown table, formula-safe (:func:`regionmap.export.frame_bytes`)."""

    return export.frame_bytes(frame, fmt, sheet_name=sheet)


@by_db_version(max_entries=8)
def handout_bytes(
    area_kind: str,
    code: str,
    lang: str,
    fiscal_year: int | None,
    theme_ids: tuple[str, ...],
    figure: str | None = None,
    *,
    db_version: str,
) -> bytes:
    """The PDF handout of a bureau or region (:func:`regionmap.render.handout.build_handout`;
    ``figure``: the chosen figure, carded where it is a public one)."""

    return handout.build_handout(
        area_kind,
        code,
        lang=lang,
        fiscal_year=fiscal_year,
        theme_ids=list(theme_ids),
        figure=figure,
    )


@by_db_version(max_entries=16)
def map_html_bytes(deck_json: str, tooltip_json: str, page_json: str, *, db_version: str) -> bytes:
    """The map view as one self-contained HTML file (:func:`regionmap.render.maphtml.map_html`),
    cached on the deck's spec (its layer files' URLs carry their content hash), the tooltip
    and what surrounds the map."""

    page = json.loads(page_json)
    for name in ("legend_rows", "categories"):
        page[name] = tuple(tuple(row) for row in page[name])
    page["footer"] = tuple(page["footer"])
    html = maphtml.map_html(deck_json, json.loads(tooltip_json), maphtml.MapPage(**page))
    return html.encode("utf-8")


def map_page(
    lang: str,
    *,
    title: str,
    scale: scales.ColorScale | None,
    figs: AreaFigures | None,
    legend_title: str,
    categories: Sequence[tuple[Sequence[int], str]] = (),
    categories_title: str = "",
    tiles: bool = False,
) -> maphtml.MapPage:
    """What the HTML file shows around the map: the page's title, legend(s), source, MLIT
    credit and sample notice, in ``lang``."""
    rows: tuple[tuple[str, str], ...] = ()
    if scale is not None and figs is not None:
        rows = tuple(scale.legend(figs.unit(lang), lang, alpha=scales.FILL_ALPHA))
    footer = [t("maphtml.made", lang, date=dt.date.today().isoformat())]
    if tiles:
        footer.insert(0, t("maphtml.no_tiles", lang))
    return maphtml.MapPage(
        title=title,
        lang=lang,
        legend_title=t("map.legend", lang, title=legend_title) if rows else "",
        legend_rows=rows,
        legend_note=t("map.legend.outlines", lang),
        categories_title=categories_title,
        categories=tuple((rgb(c), label) for c, label in categories),
        source=t("fig.source", lang, source=figs.source(lang))
        if figs is not None and figs.source(lang)
        else "",
        credit=credit_text(lang),
        sample_notice=t("notice.sample", lang) if figs is not None and figs.is_sample else "",
        note=t("maphtml.note", lang),
        footer=tuple(footer),
    )


def remember_map(
    ctx: Context, deck: deckgl.Deck, page: maphtml.MapPage, *, key: str, file_name: str
) -> None:
    """Note a map drawn in this run: :func:`downloads` offers it as an HTML file.

    ``key`` is the button's key, ``rm.dl.<page>.…``: the page's downloads offer its maps."""
    ctx.shown.maps[key] = (deck, page, file_name)


def map_html_button(deck: deckgl.Deck, page: maphtml.MapPage, *, key: str, file_name: str) -> None:
    """The download button of a map view's HTML file (made when clicked, then cached)."""
    deck_json = deck.to_json()
    tooltip_json = json.dumps(getattr(deck, "_tooltip", False), ensure_ascii=False)
    page_json = json.dumps(dataclasses.asdict(page), ensure_ascii=False)
    st.download_button(
        t("download.map_html", page.lang),
        data=lambda: map_html_bytes(deck_json, tooltip_json, page_json),
        file_name=file_name,
        mime="text/html",
        key=key,
        icon=":material/public:",
        help=t("download.map_html.help", page.lang),
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
    map_png: bool = True,
) -> None:
    """A "ダウンロード / Downloads" expander: the map view as PNG and as an HTML file to
    keep (each map the run drew, :func:`remember_map`), each chart as PNG,
    each table as CSV and Excel and (bureau page, an area selected) the PDF handout.
    ``map_metric`` is the map's figure (default: the state's metric); ``map_png`` False
    leaves the PNG out (a map the server's renderer does not draw: the HTML file is the map).

    Files are made only when their button is clicked (``data`` is a callable) and
    cached on every input, the database version included.
    """
    if not ctx.ready.database:
        return
    s, lang = ctx.state, ctx.lang
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
            if map_png:
                st.download_button(
                    t("download.map_png", lang),
                    data=lambda: map_png_bytes(kind, code, metric, level, fy, themes, lang),
                    file_name=download_name("map", slug, metric or "areas", fy, lang, "png"),
                    mime="image/png",
                    key=f"rm.dl.{page}.map",
                    icon=":material/map:",
                )
            for key, (deck, map_page_, file_name) in ctx.shown.maps.items():
                if key.startswith(f"rm.dl.{page}."):  # this page's maps
                    map_html_button(deck, map_page_, key=key, file_name=file_name)
            if page == "bureau" and code is not None:
                area = common.resolve_area(kind, code)
                public = s.metric if s.metric in figures.public_ids() else None
                st.download_button(
                    t("download.pdf", lang),
                    data=lambda: handout_bytes(kind, code, lang, s.fiscal_year, themes, public),
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
                    data=functools.partial(_chart_png, fig),
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
                        data=functools.partial(table_bytes, frame, fmt, item),
                        file_name=download_name("table", slug, item, s.fiscal_year, lang, fmt),
                        mime=mime,
                        key=f"rm.dl.{page}.table.{item}.{fmt}",
                        icon=":material/table:",
                    )
