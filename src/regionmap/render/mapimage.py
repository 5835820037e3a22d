"""Maps drawn on the server (matplotlib, Agg) for PNG downloads, slides and handouts:
the same classes and colours as the page (:func:`regionmap.maps.scales.choropleth`).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regionmap import db, figures, i18n, reference
from regionmap.geo.layers import load_layer
from regionmap.maps.scales import choropleth
from regionmap.render.common import (
    CONTEXT_COLOUR,
    INK,
    MUTED,
    NO_DATA_COLOUR,
    SAMPLE_COLOUR,
    SEA_COLOUR,
    Area,
    _css_to_hex,
    _lang_col,
    _png,
    resolve_area,
)
from regionmap.render.fonts import matplotlib_family

A4_LANDSCAPE = (841.89, 595.28)  # points


# ---------------------------------------------------------------------------
# Map drawing (matplotlib), shared by the PDF and map_png
# ---------------------------------------------------------------------------


@dataclass
class MapSpec:
    """What a map shows, already in projected page-independent coordinates."""

    shapes: Any  # GeoDataFrame of coloured polygons, projected
    colours: list[str]
    outlines: Any  # GeoDataFrame drawn as heavier outlines (bureaus / regions)
    context: Any  # GeoDataFrame drawn grey underneath (the rest of Hokkaido)
    labels: list[tuple[float, float, str, float, bool]]  # x, y, text, weight, on a dark fill
    context_labels: list[tuple[float, float, str]]
    bounds: tuple[float, float, float, float]
    legend: list[tuple[str, str]]  # (colour, text)
    title: str
    sample: bool
    northern: bool = False


def _project(gdf, kx: float):
    """Equirectangular projection scaled by cos(latitude): x = lon·k, y = lat."""
    import shapely

    out = gdf.copy()
    out["geometry"] = shapely.transform(gdf.geometry.values, lambda c: c * np.array([kx, 1.0]))
    return out


def _is_dark(colour: str) -> bool:
    """True for fills that need white text (relative luminance below 0.4)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.4


def classify(values: pd.Series, lang: str = "ja") -> tuple[list[str], list[tuple[str, str]]]:
    """Fill colours (hex) and legend rows of ``values``, as the dashboard's map classes them
    (:func:`regionmap.maps.scales.choropleth`, the one choropleth of every map), so a PNG or a
    handout matches the map the user saw."""

    codes = [str(i) for i in range(len(values))]
    classes = choropleth(codes, dict(zip(codes, map(float, values), strict=True)))
    colours = [_css_to_hex("rgb({}, {}, {})".format(*classes.fill(c)[:3])) for c in codes]
    legend = [(_css_to_hex(c), text) for c, text in classes.scale.legend("", lang)]
    return colours, legend


def _map_spec(
    area: Area | None,
    metric: str | None,
    values: pd.DataFrame | None,
    lang: str,
    level: str = "bureau",
    fiscal_year: Any = None,
    covered: bool = True,
) -> MapSpec:
    """Gather and project the polygons of one area (or all Hokkaido when ``area`` is None).

    ``covered`` False: the theme filter covers nothing of ``metric``; the areas are drawn
    plain, with no classes (as on the page)."""

    bureaus = load_layer("bureaus", "detail")
    if area is None:
        shapes = load_layer("regions" if level == "region" else "bureaus", "detail")
        key = "region_code" if level == "region" else "bureau_code"
        outlines = load_layer("regions", "detail")
        context = shapes.iloc[0:0]
        name_col = i18n.col("name", lang)
        # a branch on purpose: Japanese uses the short names (空知), with no English column
        if level == "bureau" and lang == "ja" and "short_ja" in shapes.columns:
            name_col = "short_ja"
    else:
        munis = load_layer("municipalities", "detail")
        col = "bureau_code" if area.kind == "bureau" else "region_code"
        shapes = munis[munis[col] == area.code]
        key = "code"
        if area.kind == "region":
            outlines = bureaus[bureaus["region_code"] == area.code]
        else:
            outlines = bureaus[bureaus["bureau_code"] == area.code]
        context = bureaus[~bureaus["bureau_code"].isin(area.bureau_codes)]
        name_col = "name_ja"
        if lang == "en":  # English names from the official readings (Northern Territories: ja)
            shapes = shapes.assign(
                name_en=shapes["code"]
                .astype(str)
                .map(reference.english_names())
                .fillna(shapes["name_ja"])
            )
            name_col = "name_en"

    minx, miny, maxx, maxy = shapes.total_bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    shapes = _project(shapes, kx)
    outlines = _project(outlines, kx)
    context = _project(context, kx)

    # values -> colours: the one choropleth of pages, slides and handouts
    # (maplayers.choropleth), drawn opaque on paper

    unit, fy, sample = "", fiscal_year, False
    northern = False
    codes = [str(c) for c in shapes[key]]
    nt_codes = (
        [c for c, flag in zip(codes, shapes["is_northern_territory"], strict=True) if flag]
        if "is_northern_territory" in shapes.columns
        else []
    )
    has_values = bool(metric) and values is not None and not values.empty
    classes = choropleth(
        codes,
        (
            {str(k): float(v) for k, v in values.set_index("area_code")["value"].items()}
            if has_values
            else None
        ),
        covered=covered,
        no_figure=nt_codes,
    )
    colours = [_css_to_hex("rgb({}, {}, {})".format(*classes.fill(c)[:3])) for c in codes]
    legend = (
        [(_css_to_hex(c), text) for c, text in classes.scale.legend("", lang)]
        if classes.scale is not None
        else []
    )
    if has_values:
        unit = _lang_col(values.iloc[0], "unit", lang)
        fy = values["fiscal_year"].dropna().max() if "fiscal_year" in values else fiscal_year
        sample = covered and bool(values.get("is_sample", pd.Series([False])).any())
    if nt_codes:
        northern = True
        legend.append((NO_DATA_COLOUR, i18n.t("report.northern", lang)))

    weight = shapes["area_km2"] if "area_km2" in shapes.columns else pd.Series(1.0, shapes.index)
    labels = [
        (float(lon) * kx, float(lat), str(name), float(w), _is_dark(colour))
        for lon, lat, name, w, colour in zip(
            shapes["label_lon"], shapes["label_lat"], shapes[name_col], weight, colours, strict=True
        )
    ]
    context_labels = []
    if area is not None:
        # branches on purpose: Japanese uses the short names (空知) where the layer has them
        short = "short_ja" if lang == "ja" and "short_ja" in context.columns else "name_en"
        if lang == "ja" and short not in context.columns:
            short = "name_ja"
        context_labels = [
            (float(lon) * kx, float(lat), str(n))
            for lon, lat, n in zip(
                context["label_lon"], context["label_lat"], context[short], strict=True
            )
        ]
    metric_name = i18n.t(f"report.metric.{metric}", lang) if metric in figures.ids() else ""
    title = (
        i18n.t(
            "report.map_title",
            lang,
            metric=metric_name,
            by=i18n.t(f"report.by.{'municipality' if area is not None else level}", lang),
            fy=i18n.fy_text(fy, lang),
            unit=unit,
        )
        if metric
        else ""
    )
    bx0, by0, bx1, by1 = shapes.total_bounds
    return MapSpec(
        shapes,
        colours,
        outlines,
        context,
        labels,
        context_labels,
        (bx0, by0, bx1, by1),
        legend,
        title,
        sample,
        northern,
    )


def _fit(bounds, box_w: float, box_h: float, pad: float = 0.04):
    """Extent (x0, y0, x1, y1) around ``bounds`` with the box's aspect ratio."""
    x0, y0, x1, y1 = bounds
    w, h = (x1 - x0) or 1e-6, (y1 - y0) or 1e-6
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if w / h > box_w / box_h:
        h = w * box_h / box_w
    else:
        w = h * box_w / box_h
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _draw_polygons(ax, spec: MapSpec, extent, line_scale: float = 1.0) -> None:
    ax.set_facecolor(SEA_COLOUR)
    if len(spec.context):
        spec.context.plot(
            ax=ax, color=CONTEXT_COLOUR, edgecolor="white", linewidth=0.6 * line_scale
        )
    spec.shapes.plot(ax=ax, color=spec.colours, edgecolor="white", linewidth=0.5 * line_scale)
    if len(spec.outlines):
        spec.outlines.boundary.plot(ax=ax, color="#333333", linewidth=1.1 * line_scale)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("auto")
    ax.set_axis_off()


def _ems(text: str) -> float:
    """Width of ``text`` in ems, roughly: a kanji or kana is one, a Latin letter 0.6."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _place_labels(
    items: list[tuple[float, float, str, float, bool]],
    to_box,
    char_w: float,
    line_h: float,
) -> list[tuple[float, float, str, bool]]:
    """Keep labels that do not overlap, biggest area first; positions in box units."""
    kept: list[tuple[float, float, float, float]] = []
    out = []
    for x, y, text, _w, dark in sorted(items, key=lambda it: -it[3]):
        px, py = to_box(x, y)
        half = _ems(text) * char_w / 2
        rect = (px - half, py - line_h / 2, px + half, py + line_h / 2)
        if any(
            not (rect[2] < k[0] or rect[0] > k[2] or rect[3] < k[1] or rect[1] > k[3]) for k in kept
        ):
            continue
        kept.append(rect)
        out.append((px, py, text, dark))
    return out


def text_width_px(text: str, size_pt: float, family: str | list[str], dpi: float) -> float:
    """Width in pixels of ``text`` set in ``family`` at ``size_pt`` (``dpi`` pixels per inch)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    if not text:
        return 0.0
    path = TextPath((0, 0), text, size=size_pt, prop=FontProperties(family=family))
    return float(path.get_extents().width) * dpi / 72


def fit_size(
    text: str, size_pt: float, max_px: float, family: str | list[str], dpi: float
) -> float:
    """``size_pt``, or the smaller size at which ``text`` fits in ``max_px`` pixels."""
    width = text_width_px(text, size_pt, family, dpi)
    return size_pt if width <= max_px or width == 0 else size_pt * max_px / width * 0.98


def _map_image(
    spec: MapSpec, width_pt: float, height_pt: float, dpi: int = 200
) -> tuple[bytes, tuple]:
    """The polygons only (labels and legend are drawn by the PDF as text), as PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    extent = _fit(spec.bounds, width_pt, height_pt)
    fig = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    _draw_polygons(ax, spec, extent)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue(), extent


# ---------------------------------------------------------------------------
# PNG exports
# ---------------------------------------------------------------------------


def view_spec(
    area_kind: str,
    code: str | None,
    metric: str | None,
    level: str,
    fiscal_year: int | None,
    theme_ids: list[str] | None,
    lang: str,
    con=None,
) -> MapSpec:
    """The :class:`MapSpec` of a map view (the arguments of :func:`map_png`)."""
    area = None if area_kind == "hokkaido" else resolve_area(area_kind, code)
    values = None
    if metric:
        filters = area.filters() if area else {}
        values = db.metric_by_area(
            metric,
            level="municipality" if area else level,
            fiscal_year=fiscal_year,
            theme_ids=theme_ids,
            con=con,
            **filters,
        )
    covered = True
    if metric and theme_ids:
        covered = db.theme_covers(metric, theme_ids, con=con)
    return _map_spec(
        area, metric, values, lang, level=level, fiscal_year=fiscal_year, covered=covered
    )


def preview_png(spec: MapSpec, width: int = 720, height: int = 540) -> bytes:
    """A still of a map view's areas and colours, without text, on a transparent ground:
    what the page shows in the map's place while the interactive map loads (a cold visit
    waits seconds for deck.gl). ``spec``: the view's :func:`view_spec`, the same classes and
    colours as the map and :func:`map_png`; no labels, legend or credit (the page shows those
    itself)."""
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.patch.set_alpha(0)
    ax = fig.add_axes((0, 0, 1, 1))
    _draw_polygons(ax, spec, _fit(spec.bounds, width, height), line_scale=0.6)
    ax.set_facecolor("none")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, transparent=True)
    return buf.getvalue()


def map_png(
    area_kind: str = "hokkaido",
    code: str | None = None,
    metric: str | None = None,
    *,
    level: str = "bureau",
    fiscal_year: int | None = None,
    theme_ids: list[str] | None = None,
    lang: str = "ja",
    width: int = 1600,
    height: int = 1000,
    type_scale: float = 1.0,
    label_pt: float | None = None,
    legend_pt: float | None = None,
    con=None,
) -> bytes:
    """Render a map view to PNG: polygons coloured by ``metric``, labels, legend, credit.

    Parameters
    ----------
    area_kind : {"hokkaido", "bureau", "region"}
        All of Hokkaido (coloured by ``level``: bureaus or regions), or one area
        with its municipalities.
    code : str, optional
        Bureau or region code/id when ``area_kind`` is not "hokkaido".
    metric : str, optional
        One of :func:`regionmap.figures.ids`; ``None`` draws the areas without figures.
    level : {"bureau", "region"}
        For the Hokkaido view, which areas are coloured.
    width, height : int
        Size of the image in pixels.
    type_scale : float
        Size of the text relative to the default (e.g. 1.6 for a slide shown small
        on a projector).
    label_pt, legend_pt : float, optional
        Size (points at 100 dpi: ``pt / 72 * 100`` image pixels) of the area names and of
        the legend, instead of the ``type_scale`` default: the slides set them so that
        they are at least 16 px and 14 px where the image is shown. Labels that would
        overlap others are left out (the largest areas keep theirs).

    The title and the credit line shrink to the image's width when they would not fit
    (the "sample" badge keeps its room beside the title).
    """
    from matplotlib.figure import Figure

    family = matplotlib_family()
    area = None if area_kind == "hokkaido" else resolve_area(area_kind, code)
    spec = view_spec(area_kind, code, metric, level, fiscal_year, theme_ids, lang, con)

    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.patch.set_facecolor("white")
    head = 0.09
    ax = fig.add_axes((0, 0.05, 1, 1 - head - 0.05))
    box_w, box_h = width, height * (1 - head - 0.05)
    extent = _fit(spec.bounds, box_w, box_h)
    k = max(0.45, min(width / 1600, height / 1000)) * type_scale  # type scales with the image
    _draw_polygons(ax, spec, extent, line_scale=1.3 * k)

    def to_box(x, y):
        return (
            (x - extent[0]) / (extent[2] - extent[0]) * box_w,
            (y - extent[1]) / (extent[3] - extent[1]) * box_h,
        )

    fs = label_pt if label_pt else (13 if len(spec.labels) <= 30 else 10) * k
    px_per_pt = dpi / 72
    for px, py, text, dark in _place_labels(
        spec.labels, to_box, fs * px_per_pt * 1.02, fs * px_per_pt * 1.25
    ):
        ax.text(
            extent[0] + px / box_w * (extent[2] - extent[0]),
            extent[1] + py / box_h * (extent[3] - extent[1]),
            text,
            fontsize=fs,
            fontfamily=family,
            ha="center",
            va="center",
            color="white" if dark else INK,
        )
    mx, my = 0.06 * (extent[2] - extent[0]), 0.04 * (extent[3] - extent[1])
    for x, y, text in spec.context_labels:
        if extent[0] + mx < x < extent[2] - mx and extent[1] + my < y < extent[3] - my:
            ax.text(
                x,
                y,
                text,
                fontsize=fs,
                fontfamily=family,
                ha="center",
                va="center",
                color="#8a8a8a",
            )

    title = area.title(lang) if area else i18n.t("report.hokkaido", lang)
    if spec.title:
        title += "　" + spec.title
    badge = i18n.t("report.sample", lang) if spec.sample else ""
    badge_w = text_width_px(badge, 16 * k, family, dpi) + 12 * k if badge else 0.0
    title_pt = fit_size(title, 22 * k, width * 0.955 - badge_w, family, dpi)
    fig.text(
        0.015, 1 - head / 2, title, fontsize=title_pt, fontfamily=family, va="center", color=INK
    )
    if spec.sample:
        fig.text(
            0.985,
            1 - head / 2,
            badge,
            fontsize=16 * k,
            fontfamily=family,
            va="center",
            ha="right",
            color="white",
            bbox={"facecolor": SAMPLE_COLOUR, "edgecolor": "none", "pad": 4},
        )
    # legend in a white box, in the map's emptier bottom corner
    if spec.legend:
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=c, edgecolor="#888888", label=text) for c, text in spec.legend]
        ax.legend(
            handles=handles,
            loc="lower right" if area is None else "lower left",
            prop={"family": family, "size": legend_pt or 12 * k},
            framealpha=0.92,
            edgecolor="#cccccc",
            fancybox=False,
        )
    credit = i18n.t("report.credit", lang) + (
        "  " + i18n.t("names.credit", lang) if lang == "en" and area is not None else ""
    )
    fig.text(
        0.015,
        0.02,
        credit,
        fontsize=fit_size(credit, 11 * k, width * 0.97, family, dpi),
        fontfamily=family,
        va="center",
        color=MUTED,
    )
    return _png(fig)
