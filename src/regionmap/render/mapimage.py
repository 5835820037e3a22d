"""Maps drawn on the server (matplotlib, Agg) for PNG downloads, slides and handouts:
the same classes and colours as the page (:func:`regionmap.maps.scales.choropleth`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from regionmap import db, figures, i18n
from regionmap.db import indicators
from regionmap.fonts import matplotlib_family
from regionmap.geo.layers import load_layer
from regionmap.maps import areas, describe, labels, scales, static
from regionmap.maps import spec as spec_mod
from regionmap.maps.areas import AreaView
from regionmap.maps.scales import choropleth
from regionmap.render.common import css_to_hex, lang_value, png_bytes, resolve_area
from regionmap.style import CONTEXT, INK, MUTED, NO_DATA, SAMPLE, SEA, hex_colour

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
    names: list[labels.Name]  # the areas' names, in ems (placed at each image's type size)
    context_areas: Any  # GeoDataFrame of the neighbouring bureaus, lon/lat (their names)
    bounds: tuple[float, float, float, float]
    legend: list[tuple[str, str]]  # (colour, text)
    title: str
    sample: bool
    northern: bool = False
    lang: str = "ja"
    kx: float = 1.0  # the projection's x scale: x = lon * kx, y = lat
    layer: str = "bureaus"  # the layer of the areas named (bureaus, regions, municipalities)
    alt: str = ""  # the map in words (maps.describe.alt_text): the slide's and handout's alt
    #: the figure's own credit where it is public (総務省「地方公共団体の主要財政指標一覧」),
    #: drawn on every image of the map beside the MLIT credit; "" for the project's figures
    source: str = ""
    #: the legal thresholds of a public figure, with how many municipalities reach each
    notes: tuple[str, ...] = ()


def _project(gdf, kx: float):
    """Equirectangular projection scaled by cos(latitude): x = lon·k, y = lat."""
    import shapely

    out = gdf.copy()
    out["geometry"] = shapely.transform(gdf.geometry.values, lambda c: c * np.array([kx, 1.0]))
    return out


def classify(values: pd.Series, lang: str = "ja") -> tuple[list[str], list[tuple[str, str]]]:
    """Fill colours (hex) and legend rows of ``values``, as the dashboard's map classes them
    (:func:`regionmap.maps.scales.choropleth`, the one choropleth of every map), so a PNG or a
    handout matches the map the user saw."""

    codes = [str(i) for i in range(len(values))]
    classes = choropleth(codes, dict(zip(codes, map(float, values), strict=True)))
    return paper_colours(classes, codes, lang)


def paper_colours(
    classes: scales.Choropleth, codes: Sequence[str], lang: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """The fills (hex, opaque on paper) of ``codes`` and the legend rows of ``classes``
    (none when nothing is classed)."""
    colours = [hex_colour(classes.fill(c)) for c in codes]
    if classes.scale is None:
        return colours, []
    return colours, [(css_to_hex(c), text) for c, text in classes.scale.legend("", lang)]


def map_spec(
    view: AreaView,
    metric: str | None,
    values: pd.DataFrame | None,
    lang: str,
    fiscal_year: Any = None,
    covered: bool = True,
    notes: Sequence[str] = (),
) -> MapSpec:
    """Gather and project the polygons of a map view (:class:`regionmap.maps.areas.AreaView`:
    all Hokkaido by bureau or region, or an area's municipalities with the neighbouring
    bureaus around them), coloured by ``values`` (a ``db.metric_by_area`` frame of
    ``metric``) as the page colours them.

    ``covered`` False: the theme filter covers nothing of ``metric``; the areas are drawn
    plain, with no classes (as on the page). A public figure (``figures.PUBLIC_FIGURES``)
    by bureau or region is each area's median of its municipalities, and its title says so;
    its ``source`` is the publisher's credit and ``notes`` its legal thresholds."""

    bureaus = load_layer("bureaus", "detail")
    layer = view.fill_layer
    if view.focus:
        column, where_codes = view.where or ("", ())
        munis = load_layer("municipalities", "detail")
        shapes = munis[munis[column].isin(where_codes)]
        key = "code"
        outlines = bureaus[bureaus["bureau_code"].isin(view.own_bureaus())]
        context = bureaus[bureaus["bureau_code"].isin(view.context_bureaus(bureaus["bureau_code"]))]
    else:
        shapes = load_layer(layer, "detail")
        key = f"{view.level}_code"
        outlines = load_layer("regions", "detail")
        context = shapes.iloc[0:0]

    # the names of the areas (and the seats always named), placed at each image's type size
    names = areas.area_names(shapes, layer, lang, size=1.0)
    context_areas = context
    minx, miny, maxx, maxy = shapes.total_bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    shapes = _project(shapes, kx)
    outlines = _project(outlines, kx)
    context = _project(context, kx)

    # values -> colours: the one choropleth of pages, slides and handouts, drawn opaque
    unit, fy, sample = "", fiscal_year, False
    codes = [str(c) for c in shapes[key]]
    nt_codes = view.no_figure(codes)
    has_values = bool(metric) and values is not None and not values.empty
    by_code = (
        {str(k): float(v) for k, v in values.set_index("area_code")["value"].items()}
        if has_values and values is not None
        else None
    )
    classes = choropleth(
        codes,
        by_code,
        covered=covered,
        no_figure=nt_codes,
    )
    colours, legend = paper_colours(classes, codes, lang)
    if has_values and values is not None:
        unit = lang_value(values.iloc[0], "unit", lang)
        fy = values["fiscal_year"].dropna().max() if "fiscal_year" in values else fiscal_year
        sample = covered and bool(values.get("is_sample", pd.Series([False])).any())
    northern = bool(nt_codes)
    if northern:
        legend.append((hex_colour(NO_DATA), i18n.t("report.northern", lang)))

    public = metric in figures.public_ids()
    known = public or metric in figures.ids()
    metric_name = i18n.t(f"report.metric.{metric}", lang) if known else ""
    source = ""
    if public and metric is not None:
        source = figures.source(figures.get(metric).source or "").credit_text(lang)
        if view.level in ("bureau", "region"):  # never a sum: the median, said as such
            metric_name = i18n.t("fig.indicator_median", lang, metric=metric_name)
    title = (
        i18n.t(
            "report.map_title",
            lang,
            metric=metric_name,
            by=i18n.t(f"report.by.{view.level}", lang),
            fy=i18n.fy_text(fy, lang),
            unit=unit,
        )
        if metric
        else ""
    )
    alt = describe.alt_text(
        title,
        {c: v for c, v in by_code.items() if c in set(codes)} if by_code and covered else None,
        describe.area_names(view.level, lang),
        unit,
        lang,
        classes=[text for _, text in legend],
    )
    bx0, by0, bx1, by1 = shapes.total_bounds
    return MapSpec(
        shapes,
        colours,
        outlines,
        context,
        names,
        context_areas,
        (bx0, by0, bx1, by1),
        legend,
        title,
        sample,
        northern,
        lang,
        kx,
        layer,
        alt,
        source,
        tuple(notes),
    )


def fit_extent(bounds, box_w: float, box_h: float, pad: float = 0.04):
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
    ax.set_facecolor(hex_colour(SEA))
    if len(spec.context):
        spec.context.plot(
            ax=ax, color=hex_colour(CONTEXT), edgecolor="white", linewidth=0.6 * line_scale
        )
    spec.shapes.plot(ax=ax, color=spec.colours, edgecolor="white", linewidth=0.5 * line_scale)
    if len(spec.outlines):
        spec.outlines.boundary.plot(ax=ax, color="#333333", linewidth=1.1 * line_scale)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("auto")
    ax.set_axis_off()


def place_names(
    spec: MapSpec,
    extent: tuple[float, float, float, float],
    box: tuple[float, float, float, float],
    size: float,
    *,
    obstacles: tuple[tuple[float, float, float, float], ...] = (),
) -> labels.Placement:
    """Where the names of ``spec`` go on an image that shows ``extent`` (projected
    coordinates) in ``box`` (x0, y0, x1, y1: its pixels or points, y down), the names
    ``size`` high (same units): :func:`regionmap.maps.labels.place`, the rule of every map.
    The neighbouring bureaus' names are placed after the area's own, where they are in view;
    ``obstacles`` are boxes no name covers (the legend)."""
    bx0, by0, bx1, by1 = box
    ax = (bx1 - bx0) / (extent[2] - extent[0])
    ay = -(by1 - by0) / (extent[3] - extent[1])
    margin = size * 0.3
    plane = labels.affine_plane(
        ax,
        bx0 - extent[0] * ax,
        ay,
        by1 - extent[1] * ay,
        (bx0 + margin, by0 + margin, bx1 - margin, by1 - margin),
        kx=spec.kx,
    )
    plane = replace(plane, obstacles=tuple(obstacles))
    names = [replace(n, size=size) for n in spec.names]
    if len(spec.context_areas):
        names += areas.context_names(
            spec.context_areas, spec.lang, size=size, within=plane.bounds()
        )
    return labels.place(names, plane, static.land("detail"))


def _draw_names(ax, spec: MapSpec, placement: labels.Placement, size_pt: float, family) -> None:
    """Draw placed names on a matplotlib map (data coordinates: x = lon * kx, y = lat): the
    ink on a white halo; a name with a leader line on a plate, the line from its area."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2 * labels.HALO_EM * size_pt, foreground="white")]
    for p in placement.placed:
        x, y = p.at[0] * spec.kx, p.at[1]
        ink = scales.CONTEXT_INK if p.style == "context" else scales.LABEL_INK
        plate = None
        if p.leader:
            ax.plot(
                [p.anchor[0] * spec.kx, x],
                [p.anchor[1], y],
                color=_rgb(scales.LEADER_LINE),
                linewidth=max(0.6, size_pt / 12),
                zorder=4,
            )
            plate = {
                "boxstyle": "square,pad=0.25",
                "facecolor": "white",
                "edgecolor": _rgb(scales.LEADER_LINE),
                "linewidth": max(0.5, size_pt / 16),
            }
        ax.text(
            x,
            y,
            p.text,
            fontsize=size_pt,
            fontfamily=family,
            fontweight="bold",
            ha="center",
            va="center",
            color=_rgb(ink),
            path_effects=None if plate else halo,
            bbox=plate,
            zorder=5,
        )


def _axes_box(fig, ax, artist) -> tuple[float, float, float, float]:
    """An artist's box (x0, y0, x1, y1) in the axes' pixels, y down (as :func:`place_names`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    a = ax.get_window_extent(renderer)
    b = artist.get_window_extent(renderer)
    return (b.x0 - a.x0, a.y1 - b.y1, b.x1 - a.x0, a.y1 - b.y0)


def _rgb(colour) -> tuple[float, float, float]:
    return tuple(v / 255 for v in colour[:3])


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


def map_image(
    spec: MapSpec, width_pt: float, height_pt: float, dpi: int = 200
) -> tuple[bytes, tuple]:
    """The polygons only (labels and legend are drawn by the PDF as text), as PNG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    extent = fit_extent(spec.bounds, width_pt, height_pt)
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
    view = (
        AreaView.of_area(area.kind, area.code)
        if area
        else AreaView.of_area("hokkaido", None, level)
    )
    values = None
    if metric and figures.get(metric).is_indicator:  # published, not narrowed by themes
        return _indicator_spec(view, metric, area.filters() if area else {}, fiscal_year, lang, con)
    if metric:
        filters = area.filters() if area else {}
        values = db.metric_by_area(
            metric,
            level=view.level,
            fiscal_year=fiscal_year,
            theme_ids=theme_ids,
            con=con,
            **filters,
        )
    covered = True
    if metric and theme_ids:
        covered = db.theme_covers(metric, theme_ids, con=con)
    return map_spec(view, metric, values, lang, fiscal_year=fiscal_year, covered=covered)


def _indicator_spec(
    view: AreaView, metric: str, filters: dict[str, Any], fiscal_year: int | None, lang: str, con
) -> MapSpec:
    """The :class:`MapSpec` of a public figure (``db.indicators``): by bureau or region each
    area's median of its municipalities (as the page's map, ``maps.spec.
    figures_from_indicator``) with its legal thresholds; an area's municipalities their own
    values. Areas and municipalities without a value are drawn as no data, never 0."""
    notes: list[str] = []
    if view.level in ("bureau", "region"):
        raw = indicators.indicator_by_area(metric, view.level, fiscal_year, con=con)
        frame = raw.rename(columns={"median": "value"})
        if len(raw):
            unit = lang_value(raw.iloc[0], "unit", lang)
            notes = spec_mod.threshold_notes(metric, raw, unit, lang)
    else:
        raw = indicators.indicator_values(metric, fiscal_year, con=con, **filters)
        frame = raw.rename(columns={"municipality_code": "area_code"})
        inside = raw[raw["selected"]] if filters else raw
        counts = {  # the area's municipalities at or above each threshold
            c.replace("at_or_above_", "count_at_or_above_"): [int(inside[c].fillna(False).sum())]
            for c in raw.columns
            if c.startswith("at_or_above_")
        }
        if len(raw):
            unit = lang_value(raw.iloc[0], "unit", lang)
            notes = spec_mod.threshold_notes(metric, pd.DataFrame(counts), unit, lang)
    fy = int(raw["fiscal_year"].iloc[0]) if len(raw) else fiscal_year
    frame = frame[frame["value"].notna()].astype({"value": float})
    return map_spec(view, metric, frame, lang, fiscal_year=fy, notes=notes)


#: The still's size (px): the map's place shows it scaled to fit (``contain``), about as the
#: interactive map's first view (fitted to 760x540) is.
PREVIEW_SIZE = (720, 540)


def preview_png(
    spec: MapSpec, width: int = PREVIEW_SIZE[0], height: int = PREVIEW_SIZE[1]
) -> bytes:
    """A still of a map view's areas, colours and names on a transparent ground: what the
    page shows in the map's place while the interactive map loads (a cold visit waits
    seconds for deck.gl). ``spec``: the view's :func:`view_spec`, the same classes and
    colours as the map and :func:`map_png`; the names by the same rule
    (:func:`preview_names`), as large as the map's on the smallest screen; no legend or
    MLIT credit (the page shows those itself); a public figure's credit and thresholds
    (``spec.source``, ``spec.notes``) at its foot, as on every image of such a figure."""
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.patch.set_alpha(0)
    ax = fig.add_axes((0, 0, 1, 1))
    extent = fit_extent(spec.bounds, width, height)
    _draw_polygons(ax, spec, extent, line_scale=0.6)
    ax.set_facecolor("none")
    size = preview_name_size(spec)
    _draw_names(
        ax, spec, preview_names(spec, width, height), size * 72 / dpi, matplotlib_family(bold=True)
    )
    _draw_source_lines(fig, spec, width, dpi, 10, y=0.015)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, transparent=True)
    return buf.getvalue()


def source_lines(spec: MapSpec) -> list[str]:
    """The lines a map image of ``spec`` carries for its figure, top down: a public
    figure's legal thresholds, then its credit (none for the project's own figures)."""
    return [*spec.notes, spec.source] if spec.source else list(spec.notes)


def _draw_source_lines(fig, spec: MapSpec, width: float, dpi: int, size_pt: float, y: float):
    """Draw :func:`source_lines` at the image's foot from ``y`` (figure fraction) upward,
    each shrunk to the image's width; returns the fraction of the height they took."""
    family = matplotlib_family()
    step = size_pt * 1.5 / 72 / fig.get_figheight()  # a line, as a fraction of the height
    for i, line in enumerate(reversed(source_lines(spec))):  # from the foot upward
        fig.text(
            0.015,
            y + i * step,
            line,
            fontsize=fit_size(line, size_pt, width * 0.97, family, dpi),
            fontfamily=family,
            va="bottom",
            color=hex_colour(INK),
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )
    return step * len(source_lines(spec))


def preview_name_size(spec: MapSpec) -> float:
    """Size (px) of the still's names: the map's (:data:`regionmap.maps.labels.LABEL_SIZE`)
    on the smallest screen (:data:`regionmap.maps.labels.REFERENCE_SCALE`), where the still
    is shown about that much smaller than it is."""
    level = {"municipalities": "municipality", "regions": "region"}.get(spec.layer, "bureau")
    return labels.LABEL_SIZE[level] / labels.REFERENCE_SCALE


def preview_names(
    spec: MapSpec, width: int = PREVIEW_SIZE[0], height: int = PREVIEW_SIZE[1]
) -> labels.Placement:
    """The names of the still of ``spec`` (see :func:`preview_png`), in its pixels."""
    return place_names(
        spec, fit_extent(spec.bounds, width, height), (0, 0, width, height), preview_name_size(spec)
    )


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
    k = max(0.45, min(width / 1600, height / 1000)) * type_scale  # type scales with the image
    # the foot: the MLIT credit, above it a public figure's credit and thresholds
    foot = 0.05 + len(source_lines(spec)) * 11 * k * 1.5 / 72 * dpi / height
    ax = fig.add_axes((0, foot, 1, 1 - head - foot))
    box_w, box_h = width, height * (1 - head - foot)
    extent = fit_extent(spec.bounds, box_w, box_h)
    _draw_polygons(ax, spec, extent, line_scale=1.3 * k)

    title = area.title(lang) if area else i18n.t("report.hokkaido", lang)
    if spec.title:
        title += "　" + spec.title
    badge = i18n.sample_mark(lang) if spec.sample else ""
    badge_w = text_width_px(badge, 16 * k, family, dpi) + 12 * k if badge else 0.0
    title_pt = fit_size(title, 22 * k, width * 0.955 - badge_w, family, dpi)
    fig.text(
        0.015,
        1 - head / 2,
        title,
        fontsize=title_pt,
        fontfamily=family,
        va="center",
        color=hex_colour(INK),
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
            bbox={"facecolor": hex_colour(SAMPLE), "edgecolor": "none", "pad": 4},
        )
    # legend in a white box, in the map's emptier bottom corner; the names keep off it
    legend_box: tuple[tuple[float, float, float, float], ...] = ()
    if spec.legend:
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=c, edgecolor="#888888", label=text) for c, text in spec.legend]
        legend = ax.legend(
            handles=handles,
            loc="lower right" if area is None else "lower left",
            prop={"family": family, "size": legend_pt or 12 * k},
            framealpha=0.92,
            edgecolor="#cccccc",
            fancybox=False,
        )
        legend_box = (_axes_box(fig, ax, legend),)
    # the names: every bureau's or region's, the seats', the other towns' where they fit
    fs = label_pt if label_pt else (13 if len(spec.names) <= 30 else 10) * k
    placement = place_names(spec, extent, (0, 0, box_w, box_h), fs * dpi / 72, obstacles=legend_box)
    _draw_names(ax, spec, placement, fs, matplotlib_family(bold=True))
    names_credit = i18n.names_credit(lang) if area is not None else ""
    credit = i18n.t("report.credit", lang) + ("  " + names_credit if names_credit else "")
    fig.text(
        0.015,
        0.02,
        credit,
        fontsize=fit_size(credit, 11 * k, width * 0.97, family, dpi),
        fontfamily=family,
        va="center",
        color=hex_colour(MUTED),
    )
    _draw_source_lines(fig, spec, width, dpi, 11 * k, y=0.045)
    return png_bytes(fig)
