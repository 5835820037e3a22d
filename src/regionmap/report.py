"""Handouts and exports: a PDF per bureau or region, PNG of a map view and of charts.

Everything is drawn on the server, with no browser: the PDF with fpdf2 (it
embeds the OS's Noto Sans CJK, a CFF-flavoured OpenType face inside a ``.ttc``,
as a subset CIDFontType0C, so the text stays selectable and searchable), the
map and the charts with matplotlib (Agg). Plotly figures are redrawn with
matplotlib by :func:`chart_png`, because plotly's own ``to_image`` needs
kaleido and a Chrome at run time.

Public functions
----------------
build_handout(area_kind, code, lang="ja", con=None) -> bytes
    The A4 landscape PDF handout of one bureau or region.
map_png(area_kind="hokkaido", code=None, metric=None, ...) -> bytes
    The map view as a PNG (1600×1000 by default), with labels, legend and credit.
chart_png(figure, width=1200, height=700) -> bytes
    A plotly bar/line figure as a PNG.
cli(args) -> int
    ``python -m regionmap report --bureau CODE|--region CODE|--all --out DIR``.
"""

from __future__ import annotations

import io
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regionmap import figures, i18n, reference
from regionmap.charts import NO_DATA, SEQUENTIAL, format_number

__all__ = [
    "METRICS",
    "Area",
    "UnknownAreaError",
    "build_handout",
    "chart_png",
    "cli",
    "format_value",
    "map_png",
    "resolve_area",
]

#: The headline figures of a handout, in the order they are shown (the registry's).
METRICS: tuple[str, ...] = figures.ids()
#: The metric that colours the municipalities on the handout's map.
MAP_METRIC = "dispatch"

#: Map colours are the dashboard's (regionmap.charts / regionmap.maplayers): cividis classes.
NO_DATA_COLOUR = "#{:02x}{:02x}{:02x}".format(*NO_DATA)
CONTEXT_COLOUR = "#ececec"
SEA_COLOUR = "#f3f8fc"
INK = "#222222"
MUTED = "#666666"
SAMPLE_COLOUR = "#b35806"
#: Series colours of multi-series charts: steps of the dashboard's palette, alternating dark/light.
CHART_COLOURS = tuple("#{:02x}{:02x}{:02x}".format(*SEQUENTIAL[i]) for i in (5, 1, 3, 0, 4, 2))
ACCENT_COLOUR = "#{:02x}{:02x}{:02x}".format(*SEQUENTIAL[-1])

A4_LANDSCAPE = (841.89, 595.28)  # points

# ---------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------


class UnknownAreaError(ValueError):
    """An unknown bureau or region code; the message lists the valid ones."""


@dataclass(frozen=True)
class Area:
    """A bureau or a region, with what a handout says about it."""

    kind: str  # "bureau" | "region"
    code: str
    slug: str
    name_ja: str
    name_en: str
    region_code: str
    bureau_codes: tuple[str, ...]
    seat_ja: str = ""

    def title(self, lang: str) -> str:
        # branches on purpose (layout, not a choice of text): English titles add the
        # Japanese name, which the catalogue's English texts may not carry
        if self.kind == "region":
            if lang == "en":
                return f"{self.name_en} region ({self.name_ja}連携地域)"
            return f"{self.name_ja}連携地域"
        if lang == "en":
            return f"{self.name_en} ({self.name_ja})"
        return self.name_ja

    def filters(self) -> dict[str, str]:
        """Keyword filters for the database's query functions."""
        return {"bureau_code" if self.kind == "bureau" else "region_code": self.code}

    def filename(self, lang: str = "ja") -> str:
        """``bureau-12-tokachi-ja.pdf``: one file per area and language."""
        prefix = "bureau" if self.kind == "bureau" else "region"
        return f"{prefix}-{self.code}-{self.slug}-{lang}.pdf"


def _valid_codes(kind: str) -> str:
    if kind == "bureau":
        df = reference.bureaus()
        return ", ".join(f"{r.bureau_code} {r.bureau_id}" for r in df.itertuples())
    df = reference.regions()
    return ", ".join(f"{r.region_code} {r.region_id}" for r in df.itertuples())


def resolve_area(kind: str, key: str) -> Area:
    """Return the bureau or region named by its code or id (``"01"``, ``"1"``, ``"sorachi"``).

    Raises
    ------
    UnknownAreaError
        If ``key`` names no bureau/region; the message lists the valid codes.
    """
    if kind not in ("bureau", "region"):
        raise UnknownAreaError(f"area kind must be 'bureau' or 'region', got {kind!r}")
    key_s = str(key).strip().lower()
    if kind == "bureau":
        df = reference.bureaus()
        if key_s.isdigit():
            key_s = key_s.zfill(2)
        hit = df[(df["bureau_code"] == key_s) | (df["bureau_id"] == key_s)]
        if hit.empty:
            raise UnknownAreaError(
                f"unknown bureau {key!r}; valid bureau codes: {_valid_codes('bureau')}"
            )
        r = hit.iloc[0]
        return Area(
            "bureau",
            r["bureau_code"],
            r["bureau_id"],
            r["name_ja"],
            r["name_en"],
            r["region_code"],
            (r["bureau_code"],),
            r["seat_ja"],
        )
    df = reference.regions()
    if key_s.isdigit():
        key_s = str(int(key_s))
    hit = df[(df["region_code"] == key_s) | (df["region_id"] == key_s)]
    if hit.empty:
        raise UnknownAreaError(
            f"unknown region {key!r}; valid region codes: {_valid_codes('region')}"
        )
    r = hit.iloc[0]
    b = reference.bureaus()
    members = tuple(b.loc[b["region_code"] == r["region_code"], "bureau_code"])
    return Area(
        "region",
        r["region_code"],
        r["region_id"],
        r["name_ja"],
        r["name_en"],
        r["region_code"],
        members,
    )


def all_areas() -> list[Area]:
    """The 14 bureaus, then the 6 regions."""
    return [resolve_area("bureau", c) for c in reference.bureaus()["bureau_code"]] + [
        resolve_area("region", c) for c in reference.regions()["region_code"]
    ]


# ---------------------------------------------------------------------------
# Numbers and text
# ---------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """A figure as the handout prints it: thousands separators, no needless decimals.

    >>> format_value(2512), format_value(3.0), format_value(12.345), format_value(None)
    ('2,512', '3', '12.3', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.1f}"


def _lang_col(frame_or_row, base: str, lang: str, default: str = "") -> str:
    """Value of ``base_en``/``base_ja`` for the language, falling back to the other one."""
    for col in (f"{base}_{lang}", f"{base}_ja", f"{base}_en", base):
        try:
            v = frame_or_row[col]
        except (KeyError, IndexError):
            continue
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v) != "":
            return str(v)
    return default


# ---------------------------------------------------------------------------
# Data: everything a handout shows, from regionmap.database
# ---------------------------------------------------------------------------


@dataclass
class HandoutData:
    area: Area
    lang: str
    headlines: dict[str, dict] = field(default_factory=dict)
    municipal_values: pd.DataFrame | None = None
    priority_projects: pd.DataFrame | None = None
    proposals: pd.DataFrame | None = None
    bureau_projects: pd.DataFrame | None = None
    dispatch_trend: pd.DataFrame | None = None  # fiscal_year x kind -> persons
    evacuee_trend: pd.Series | None = None  # month -> persons
    sites_by_kind: pd.Series | None = None
    sample_charts: set[str] = field(default_factory=set)  # charts drawn from sample rows
    sources: list[str] = field(default_factory=list)
    data_as_of: str = ""
    updated_on: str = ""
    boundary_vintage: str = ""
    theme_names: list[str] = field(default_factory=list)  # the policy-theme filter, if any
    any_sample: bool = False


def _collect(
    area: Area,
    lang: str,
    con,
    fiscal_year: int | None = None,
    theme_ids: list[str] | tuple[str, ...] | None = None,
) -> HandoutData:
    from regionmap import database as db

    f = area.filters()
    themes = list(theme_ids) if theme_ids else None

    def year(metric: str) -> int | None:  # the chosen year where the metric has it, else latest
        if fiscal_year is None:
            return None
        return fiscal_year if fiscal_year in db.fiscal_years(metric, con=con) else None

    data = HandoutData(area, lang)
    if themes:
        names = db.themes(con=con).set_index("theme_id")[i18n.col("name", lang)]
        data.theme_names = [str(names.get(th, th)) for th in themes]
    sources: list[str] = []
    for metric in METRICS:
        h = dict(db.headline(metric, fiscal_year=year(metric), theme_ids=themes, con=con, **f))
        data.headlines[metric] = h
        src = _lang_col(h, "source", lang)
        if src and src not in sources:
            sources.append(src)
        data.any_sample |= bool(h.get("is_sample"))
    data.municipal_values = db.metric_by_area(
        MAP_METRIC,
        level="municipality",
        fiscal_year=year(MAP_METRIC),
        theme_ids=themes,
        con=con,
        **f,
    )
    data.priority_projects = db.priority_projects(theme_ids=themes, con=con, **f)
    data.proposals = db.proposals(theme_ids=themes, con=con, **f)
    data.bureau_projects = db.bureau_projects(theme_ids=themes, con=con, **f)

    disp = db.dispatches(theme_ids=themes, con=con, **f)
    if not disp.empty:
        value_col = _first_col(disp, ("persons", "value", "count"))
        trend = (
            disp.pivot_table(index="fiscal_year", columns="kind", values=value_col, aggfunc="sum")
            .fillna(0)
            .sort_index()
        )
        data.dispatch_trend = kinds_in_order(trend, "dispatch")
        if disp["is_sample"].any():
            data.sample_charts.add("dispatch")
    ev = db.evacuees(theme_ids=themes, con=con, **f)
    if not ev.empty:
        value_col = _first_col(ev, ("persons", "value", "count"))
        month_col = _first_col(ev, ("month", "as_of", "date"))
        data.evacuee_trend = ev.groupby(month_col)[value_col].sum().sort_index()
        if ev["is_sample"].any():
            data.sample_charts.add("evacuees")
    st = db.sites(fiscal_year=year("sites"), theme_ids=themes, con=con, **f)
    if not st.empty:
        kind_col = _first_col(st, (f"kind_{lang}", "kind_ja", "kind"))
        data.sites_by_kind = st.groupby(kind_col).size().sort_values(ascending=False)
        if st["is_sample"].any():
            data.sample_charts.add("sites")

    data.any_sample |= bool(data.sample_charts)
    data.sources = sources
    data.data_as_of = _data_as_of(data, lang)
    data.updated_on = _updated_on(con)
    data.boundary_vintage = _boundary_vintage()
    return data


def _first_col(df: pd.DataFrame, names: tuple[str, ...]) -> str:
    for n in names:
        if n in df.columns:
            return n
    raise KeyError(f"none of the columns {names} in {list(df.columns)}")


def _data_as_of(data: HandoutData, lang: str) -> str:
    """Which period each figure is of: "2015年度（重点プロジェクト・政策提案）、2016年3月（避難者）"."""
    groups: dict[str, list[str]] = {}
    for metric, h in data.headlines.items():
        if metric == "evacuees" and data.evacuee_trend is not None and len(data.evacuee_trend):
            when = i18n.month_text(data.evacuee_trend.index[-1], lang)
        else:
            when = i18n.fy_text(h.get("fiscal_year"), lang)
        if when:
            groups.setdefault(when, []).append(i18n.t(f"report.short.{metric}", lang))
    return i18n.join(
        (
            i18n.punct(
                "report.when_what", lang, when=w, what=i18n.join(m, lang, "report.event_items")
            )
            for w, m in groups.items()
        ),
        lang,
        "report.events",
    )


def _boundary_vintage() -> str:
    """Date of the boundary data the layers were built from (``geo.manifest()``)."""
    from regionmap.geo import manifest

    try:
        return str(manifest().get("vintage") or "")
    except (FileNotFoundError, ValueError):
        return ""


def _updated_on(con) -> str:
    """Day the database was last changed (init or import), from its history."""
    from regionmap import database as db

    try:
        hist = db.read_table("import_history", con=con)
        return str(hist["created_at"].dropna().max())[:10]
    except Exception:  # an older or foreign database: say nothing rather than fail
        return ""


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


def _css_to_hex(colour: str) -> str:
    """``rgb(r, g, b)`` / ``rgba(...)`` / ``#rrggbb`` / a named colour -> ``#rrggbb``."""
    from matplotlib.colors import to_hex

    c = str(colour).strip()
    if c.startswith("rgb"):
        nums = [float(x) for x in c[c.index("(") + 1 : c.index(")")].split(",")]
        r, g, b = (int(round(v)) for v in nums[:3])
        return f"#{r:02x}{g:02x}{b:02x}"
    return to_hex(c)


def _is_dark(colour: str) -> bool:
    """True for fills that need white text (relative luminance below 0.4)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.4


def classify(values: pd.Series, lang: str = "ja") -> tuple[list[str], list[tuple[str, str]]]:
    """Fill colours (hex) and legend rows of ``values``, as the dashboard's map classes them
    (:func:`regionmap.maplayers.choropleth`, the one choropleth of every map), so a PNG or a
    handout matches the map the user saw."""
    from regionmap.maplayers import choropleth

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
    from regionmap.geo import load_layer

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

    minx, miny, maxx, maxy = shapes.total_bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    shapes = _project(shapes, kx)
    outlines = _project(outlines, kx)
    context = _project(context, kx)

    # values -> colours: the one choropleth of pages, slides and handouts
    # (maplayers.choropleth), drawn opaque on paper
    from regionmap.maplayers import choropleth

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
    metric_name = i18n.t(f"report.metric.{metric}", lang) if metric in METRICS else ""
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
        half = len(text) * char_w / 2
        rect = (px - half, py - line_h / 2, px + half, py + line_h / 2)
        if any(
            not (rect[2] < k[0] or rect[0] > k[2] or rect[3] < k[1] or rect[1] > k[3]) for k in kept
        ):
            continue
        kept.append(rect)
        out.append((px, py, text, dark))
    return out


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


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
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
        One of :data:`METRICS`; ``None`` draws the areas without figures.
    level : {"bureau", "region"}
        For the Hokkaido view, which areas are coloured.
    width, height : int
        Size of the image in pixels.
    type_scale : float
        Size of the text relative to the default (e.g. 1.6 for a slide shown small
        on a projector).
    """
    from matplotlib.figure import Figure

    from regionmap.fonts import matplotlib_family

    family = matplotlib_family()
    area = None if area_kind == "hokkaido" else resolve_area(area_kind, code)
    values = None
    if metric:
        from regionmap import database as db

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
        from regionmap import database as db

        covered = db.theme_covers(metric, theme_ids, con=con)
    spec = _map_spec(
        area, metric, values, lang, level=level, fiscal_year=fiscal_year, covered=covered
    )

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

    fs = (13 if len(spec.labels) <= 30 else 10) * k
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
    fig.text(0.015, 1 - head / 2, title, fontsize=22 * k, fontfamily=family, va="center", color=INK)
    if spec.sample:
        fig.text(
            0.985,
            1 - head / 2,
            i18n.t("report.sample", lang),
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
            prop={"family": family, "size": 12 * k},
            framealpha=0.92,
            edgecolor="#cccccc",
            fancybox=False,
        )
    fig.text(
        0.015,
        0.02,
        i18n.t("report.credit", lang),
        fontsize=11 * k,
        fontfamily=family,
        va="center",
        color=MUTED,
    )
    return _png(fig)


def _category(value: Any) -> Any:
    """A category label: dates as "2015-04", numpy scalars as Python values."""
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "strftime"):
        return pd.Timestamp(value).strftime("%Y-%m")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _trace_xy(trace) -> tuple[list, list]:
    x = [_category(v) for v in trace.x] if trace.x is not None else None
    y = [_category(v) for v in trace.y] if trace.y is not None else None
    if x is None and y is not None:
        x = list(range(len(y)))
    if y is None and x is not None:
        y = list(range(len(x)))
    return x or [], y or []


def _colour_arg(colour: Any) -> Any:
    """A plotly colour (or list of them) as matplotlib takes it."""
    if colour is None:
        return None
    if isinstance(colour, str):
        return _css_to_hex(colour)
    try:
        return [_css_to_hex(c) for c in colour]
    except (TypeError, ValueError):  # numbers on a colour scale: use the default colour
        return None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _draw_plotly(ax, figure, family: str, fontsize: float = 10, legend: str = "right") -> None:
    """Redraw a plotly figure's bar and scatter traces on a matplotlib axes.

    ``legend``: "right" (outside the plot, as plotly places it) or "below".
    """
    import plotly.graph_objects as go

    fig = figure if isinstance(figure, go.Figure) else go.Figure(figure)
    layout = fig.layout
    barmode = layout.barmode or "group"
    bars = [tr for tr in fig.data if tr.type == "bar"]
    others = [tr for tr in fig.data if tr.type not in ("bar", "scatter")]
    if others:
        raise ValueError(
            f"chart_png draws bar and scatter (line) traces; this figure has "
            f"{sorted({tr.type for tr in others})}"
        )
    horizontal = bool(bars) and all(tr.orientation == "h" for tr in bars)

    # one category axis shared by every trace, in order of appearance
    cats: list = []
    for tr in fig.data:
        x, y = _trace_xy(tr)
        for c in y if horizontal else x:
            if c not in cats:
                cats.append(c)
    numeric_axis = not bars and bool(cats) and all(_is_number(c) for c in cats)
    pos = {c: (float(c) if numeric_axis else i) for i, c in enumerate(cats)}

    colours = [_css_to_hex(c) for c in (layout.colorway or ())] or list(CHART_COLOURS)
    width = 0.8
    stack_pos = dict.fromkeys(cats, 0.0)
    stack_neg = dict.fromkeys(cats, 0.0)
    value_top = 0.0
    for i, tr in enumerate(fig.data):
        x, y = _trace_xy(tr)
        keys, vals = (y, x) if horizontal else (x, y)
        p = np.array([pos[k] for k in keys], dtype=float)
        v = np.array([0.0 if val is None else float(val) for val in vals])
        colour = colours[i % len(colours)]
        if tr.type == "bar":
            colour = _colour_arg(tr.marker.color if tr.marker is not None else None) or colour
            if barmode in ("stack", "relative"):
                base = np.array(
                    [(stack_pos if b >= 0 else stack_neg)[k] for k, b in zip(keys, v, strict=True)]
                )
                for k, b in zip(keys, v, strict=True):
                    (stack_pos if b >= 0 else stack_neg)[k] += b
                offs, w = 0.0, width
            elif barmode == "overlay":
                base, offs, w = np.zeros(len(v)), 0.0, width
            else:
                j = bars.index(tr)
                w = width / len(bars)
                offs, base = -width / 2 + w * (j + 0.5), np.zeros(len(v))
            draw = ax.barh if horizontal else ax.bar
            kw = {"height": w, "left": base} if horizontal else {"width": w, "bottom": base}
            artists = draw(p + offs, v, color=colour, label=tr.name or None, **kw)
            value_top = max(value_top, float(np.max(base + v, initial=0)))
            texts = tr.text
            if texts is not None and not isinstance(texts, str) and tr.textposition != "none":
                ax.bar_label(
                    artists,
                    labels=[str(t) for t in texts],
                    padding=2,
                    fontsize=fontsize * 0.85,
                    fontfamily=family,
                )
        else:
            colour = _colour_arg(tr.line.color if tr.line is not None else None) or colour
            mode = tr.mode or "lines+markers"
            ax.plot(
                p,
                v,
                color=colour,
                linestyle="-" if "lines" in mode else "none",
                marker="o" if "markers" in mode else None,
                markersize=3.5,
                linewidth=2,
                label=tr.name or None,
            )
            value_top = max(value_top, float(np.max(v, initial=0)))
    if cats and not numeric_axis:
        ticks = list(range(len(cats)))
        labels = [str(c) for c in cats]
        step = max(1, math.ceil(len(cats) / 14))
        if horizontal:
            ax.set_yticks(ticks[::step], labels[::step])
            ax.invert_yaxis()
        else:
            ax.set_xticks(ticks[::step], labels[::step])
    elif numeric_axis:
        from matplotlib.ticker import MaxNLocator, StrMethodFormatter

        cat_axis = ax.yaxis if horizontal else ax.xaxis
        if all(float(c).is_integer() for c in cats):
            cat_axis.set_major_locator(MaxNLocator(integer=True))
            cat_axis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    title = layout.title.text if layout.title is not None else None
    if title:
        ax.set_title(title, fontfamily=family, fontsize=fontsize * 1.25, loc="left", color=INK)
    if layout.xaxis.title.text:
        ax.set_xlabel(layout.xaxis.title.text, fontfamily=family, fontsize=fontsize)
    if layout.yaxis.title.text:
        ax.set_ylabel(layout.yaxis.title.text, fontfamily=family, fontsize=fontsize)
    named = [tr for tr in fig.data if tr.name]
    if len(named) > 1 and layout.showlegend is not False:
        place = (
            {"loc": "upper center", "bbox_to_anchor": (0.5, -0.1), "ncol": min(len(named), 2)}
            if legend == "below"
            else {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
        )
        ax.legend(prop={"family": family, "size": fontsize * 0.9}, frameon=False, **place)
    ax.tick_params(labelsize=fontsize)
    axis = ax.xaxis if horizontal else ax.yaxis
    values = [v for tr in fig.data for v in _trace_xy(tr)[0 if horizontal else 1] if _is_number(v)]
    if values and all(float(v).is_integer() for v in values):
        from matplotlib.ticker import MaxNLocator

        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(_thousands())
    if not bars and min(values, default=0) >= 0 and layout.yaxis.rangemode == "tozero":
        ax.set_ylim(0, value_top * 1.08 or 1)
    if value_top > 0 and bars and min(values, default=0) >= 0:  # room for the bar-end labels
        (ax.set_xlim if horizontal else ax.set_ylim)(0, value_top * 1.12)
    for lab in ax.get_xticklabels() + ax.get_yticklabels():
        lab.set_fontfamily(family)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x" if horizontal else "y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _p: format_value(v) if float(v).is_integer() else f"{v:,.1f}")


def chart_png(figure, width: int = 1200, height: int = 700, scale: float = 1.0) -> bytes:
    """Render a plotly figure (bar and line/scatter traces) to PNG, without a browser.

    Plotly's ``Figure.to_image`` needs kaleido, which drives a Chrome: not
    available on an offline laptop, slow to start, and absent on many Windows
    machines. This redraws the figure's traces with matplotlib instead: bars
    (vertical or horizontal; grouped, stacked, relative or overlaid), lines and
    markers, the title, axis titles, the legend and the trace colours.

    Raises
    ------
    ValueError
        For a trace type other than bar or scatter (e.g. a pie or a map).
    """
    from matplotlib.figure import Figure

    from regionmap.fonts import matplotlib_family

    family = matplotlib_family()
    dpi = 100 * scale
    fig = Figure(figsize=(width / dpi * scale, height / dpi * scale), dpi=dpi)
    fig.patch.set_facecolor("white")
    ax = fig.add_subplot(1, 1, 1)
    _draw_plotly(ax, figure, family, fontsize=max(9, height / 55))
    fig.tight_layout()
    return _png(fig)


# ---------------------------------------------------------------------------
# The handout's charts (plotly specs, drawn by chart_png's renderer)
# ---------------------------------------------------------------------------


def kinds_in_order(trend: pd.DataFrame, figure_id: str) -> pd.DataFrame:
    """``trend``'s kind-id columns in the registry's order of the figure's kinds (their
    colours follow it); kinds the registry does not know last."""
    order = [k.id for k in figures.get(figure_id).kinds]
    known = [k for k in order if k in trend.columns]
    return trend[known + [k for k in trend.columns if k not in order]]


def _dispatch_figure(trend: pd.DataFrame, lang: str):
    """The stacked bars of dispatch by fiscal year and kind; ``trend``'s columns are kind
    ids (each drawn in its registry colour, named in ``lang``)."""
    import plotly.graph_objects as go

    fig_def = figures.get("dispatch")
    x = [i18n.fy_text(fy, lang) for fy in trend.index]
    bars = []
    for kind_id in trend.columns:
        kind = fig_def.kind(str(kind_id))
        bars.append(
            go.Bar(
                x=x,
                y=trend[kind_id].tolist(),
                name=kind.label(lang) if kind else str(kind_id),
                # the kind's colour on the web page too (figures.Figure.kind_colour)
                marker_color="rgb({}, {}, {})".format(*fig_def.kind_colour(str(kind_id))),
            )
        )
    fig = go.Figure(bars)
    fig.update_layout(barmode="stack", title=i18n.t("report.chart_dispatch", lang))
    return fig


def _evacuee_figure(trend: pd.Series, lang: str):
    import plotly.graph_objects as go

    x = [pd.Timestamp(m).strftime("%Y-%m") for m in trend.index]
    fig = go.Figure([go.Scatter(x=x, y=trend.tolist(), mode="lines+markers", name="")])
    fig.update_layout(
        title=i18n.t("report.chart_evacuees", lang),
        colorway=[ACCENT_COLOUR],
        yaxis={"rangemode": "tozero"},
    )
    return fig


def _sites_figure(by_kind: pd.Series, lang: str):
    import plotly.graph_objects as go

    fig = go.Figure(
        [go.Bar(y=[str(k) for k in by_kind.index], x=by_kind.tolist(), orientation="h", name="")]
    )
    fig.update_layout(title=i18n.t("report.chart_sites", lang), colorway=[ACCENT_COLOUR])
    return fig


def _chart_image(
    figure, width_pt: float, height_pt: float, dpi: int = 170, legend: str = "right"
) -> bytes:
    from matplotlib.figure import Figure

    from regionmap.fonts import matplotlib_family

    family = matplotlib_family()
    fig = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    _draw_plotly(ax, figure, family, fontsize=7, legend=legend)
    fig.tight_layout(pad=0.4)
    return _png(fig)


# ---------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------

FONT = "jp"


def _new_pdf(lang: str, footer_lines: list[str]):
    from fpdf import FPDF

    from regionmap.fonts import find_japanese_font

    class Handout(FPDF):
        def footer(self):  # noqa: D401 - fpdf hook
            self.set_y(-34)
            self.set_font(FONT, "", 6.5)
            self.set_text_color(90, 90, 90)
            for line in footer_lines:
                self.set_x(28)
                self.cell(700, 8.5, line, new_x="LEFT", new_y="NEXT")
            self.set_xy(-128, -34)
            self.cell(100, 8.5, i18n.page_number(self.page_no(), lang), align="R")

    pdf = Handout(orientation="L", unit="pt", format="A4")
    regular = find_japanese_font(False)
    bold = find_japanese_font(True)
    pdf.add_font(FONT, "", regular.path, collection_font_number=regular.index)
    pdf.add_font(FONT, "B", bold.path, collection_font_number=bold.index)
    pdf.set_margins(28, 24, 28)
    pdf.set_auto_page_break(True, margin=44)
    pdf.set_lang("ja" if lang == "ja" else "en")  # a language code, not text: left as is
    pdf.alias_nb_pages()
    return pdf


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _header(pdf, data: HandoutData, continued: bool = False) -> None:
    area = data.area
    pdf.set_fill_color(37, 52, 148)
    pdf.rect(0, 0, A4_LANDSCAPE[0], 6, style="F")
    pdf.set_xy(28, 16)
    pdf.set_text_color(*_hex(INK))
    title = area.title(data.lang)
    title += i18n.punct("report.title", data.lang) + i18n.t("report.handout", data.lang)
    if continued:
        title += i18n.t("report.continued", data.lang)
    as_of = i18n.t("report.data_as_of", data.lang, when=data.data_as_of or "–")
    days = i18n.t("report.made_on", data.lang, day=date.today().isoformat())
    if data.updated_on:
        days = i18n.t("report.updated_on", data.lang, day=data.updated_on) + "　" + days
    # right: data date and the day it was made; the title takes what is left
    pdf.set_font(FONT, "", 7.5)
    right_w = max(pdf.get_string_width(as_of), pdf.get_string_width(days)) + 4
    room = 786 - right_w - 14
    size = 18.0 if not continued else 13.0
    pdf.set_font(FONT, "B", size)
    while pdf.get_string_width(title) > room and size > 10:
        size -= 0.5
        pdf.set_font(FONT, "B", size)
    pdf.set_xy(28, 16)
    pdf.set_text_color(*_hex(INK))
    pdf.cell(room, 24 if not continued else 18, title)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*_hex(MUTED))
    pdf.set_xy(814 - right_w, 14)
    pdf.cell(right_w, 10, as_of, align="R")
    pdf.set_xy(814 - right_w, 25)
    pdf.cell(right_w, 10, days, align="R")
    if continued:
        pdf.set_y(44)
        return
    # sub line: region / municipalities / seat or member bureaus
    pdf.set_xy(28, 42)
    pdf.set_font(FONT, "", 9)
    munis = reference.municipalities()
    col = "bureau_code" if area.kind == "bureau" else "region_code"
    n = int(((munis[col] == area.code) & (munis["kind"] == "municipality")).sum())
    parts = []
    if area.kind == "bureau":
        reg = reference.regions().set_index("region_code").loc[area.region_code]
        reg_name = reg[i18n.col("name", data.lang)]
        parts.append(i18n.t("report.region_of", data.lang, name=reg_name))
        parts.append(i18n.t("report.municipalities", data.lang, n=n))
        parts.append(i18n.t("report.seat", data.lang, seat=area.seat_ja))
    else:
        b = reference.bureaus().set_index("bureau_code")
        names = [b.loc[c, i18n.col("name", data.lang)] for c in area.bureau_codes]
        parts.append(i18n.t("report.municipalities", data.lang, n=n))
        parts.append(
            i18n.t(
                "report.bureaus_in",
                data.lang,
                names=i18n.join(names, data.lang),
            )
        )
    if data.theme_names:
        themes = i18n.join(data.theme_names, data.lang)
        parts.append(i18n.t("report.themes", data.lang, names=themes))
    pdf.cell(780, 12, i18n.join(parts, data.lang, "report.dot"))
    y = 58
    if data.any_sample:
        pdf.set_fill_color(254, 240, 217)
        pdf.set_draw_color(*_hex(SAMPLE_COLOUR))
        pdf.rect(28, y, 786, 16, style="DF")
        pdf.set_xy(32, y + 2)
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_text_color(*_hex(SAMPLE_COLOUR))
        pdf.cell(778, 12, i18n.t("report.sample_notice", data.lang))
        y += 20
    pdf.set_y(y)


def _draw_map(pdf, data: HandoutData, x: float, y: float, w: float, h: float) -> None:
    covered = data.headlines.get(MAP_METRIC, {}).get("theme_match", True)
    spec = _map_spec(data.area, MAP_METRIC, data.municipal_values, data.lang, covered=covered)
    title_h = 14
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*_hex(INK))
    pdf.cell(w - 60, title_h, spec.title)
    if spec.sample:
        _sample_tag(pdf, x + w - 44, y + 1, data.lang)
    my, mh = y + title_h + 2, h - title_h - 2
    png, extent = _map_image(spec, w, mh)
    pdf.image(io.BytesIO(png), x, my, w, mh)
    pdf.set_draw_color(200, 200, 200)
    pdf.rect(x, my, w, mh)

    def to_page(px, py):
        return (
            x + (px - extent[0]) / (extent[2] - extent[0]) * w,
            my + mh - (py - extent[1]) / (extent[3] - extent[1]) * mh,
        )

    # neighbouring bureaus, grey
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(140, 140, 140)
    for cx, cy, text in spec.context_labels:
        px, py = to_page(cx, cy)
        tw = pdf.get_string_width(text)
        if x + tw / 2 < px < x + w - tw / 2 and my + 6 < py < my + mh - 6:
            pdf.text(px - tw / 2, py + 2.5, text)
    # municipality labels, as real text (selectable, crisp when printed)
    fs = 6.5 if len(spec.labels) <= 30 else 5.2

    def to_box(px, py):
        qx, qy = to_page(px, py)
        return qx, -qy

    pdf.set_font(FONT, "", fs)
    for bx, by, text, dark in _place_labels(spec.labels, to_box, fs * 1.02, fs * 1.25):
        tw = pdf.get_string_width(text)
        pdf.set_text_color(*((255, 255, 255) if dark else _hex(INK)))
        pdf.text(bx - tw / 2, -by + fs * 0.35, text)
    # legend, bottom-left
    if spec.legend:
        lh = 10
        lx, ly = x + 6, my + mh - 6 - lh * len(spec.legend)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_draw_color(210, 210, 210)
        lw = max(pdf.get_string_width(s) for _c, s in spec.legend) + 22
        pdf.rect(lx - 3, ly - 3, lw, lh * len(spec.legend) + 5, style="DF")
        pdf.set_font(FONT, "", 6.5)
        for i, (colour, text) in enumerate(spec.legend):
            pdf.set_fill_color(*_hex(colour))
            pdf.set_draw_color(150, 150, 150)
            pdf.rect(lx, ly + i * lh, 12, 7, style="DF")
            pdf.set_text_color(*_hex(INK))
            pdf.text(lx + 16, ly + i * lh + 6, text)
    # credit under the map
    pdf.set_font(FONT, "", 6)
    pdf.set_text_color(*_hex(MUTED))
    pdf.set_xy(x, my + mh + 1)
    pdf.cell(w, 8, i18n.t("report.credit", data.lang))


def _sample_tag(pdf, x: float, y: float, lang: str) -> None:
    pdf.set_font(FONT, "B", 6.5)
    w = pdf.get_string_width(i18n.t("report.sample", lang)) + 8
    pdf.set_fill_color(*_hex(SAMPLE_COLOUR))
    pdf.rect(x, y, w, 10, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(x, y)
    pdf.cell(w, 10, i18n.t("report.sample", lang), align="C")


def _draw_headlines(pdf, data: HandoutData, x: float, y: float, w: float) -> float:
    """Cards of the headline figures; returns the y below them."""
    cols, gap = 2, 8
    cw = (w - gap * (cols - 1)) / cols
    ch = 64
    for i, metric in enumerate(METRICS):
        h = data.headlines.get(metric, {})
        cx = x + (i % cols) * (cw + gap)
        cy = y + (i // cols) * (ch + gap)
        pdf.set_fill_color(246, 248, 251)
        pdf.set_draw_color(215, 220, 230)
        pdf.rect(cx, cy, cw, ch, style="DF")
        pdf.set_text_color(*_hex(MUTED))
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_xy(cx + 6, cy + 4)
        pdf.cell(cw - 60, 10, i18n.t(f"report.metric.{metric}", data.lang))
        if h.get("is_sample") and h.get("theme_match", True):
            _sample_tag(pdf, cx + cw - 44, cy + 4, data.lang)
        # value + unit
        pdf.set_text_color(*_hex(INK))
        pdf.set_font(FONT, "B", 17)
        # a theme that covers nothing of the figure: "—", never 0 (as on the pages)
        value = format_value(h.get("value") if h.get("theme_match", True) else None)
        pdf.set_xy(cx + 6, cy + 15)
        vw = pdf.get_string_width(value)
        pdf.cell(vw + 2, 20, value)
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(cx + 8 + vw, cy + 21)
        unit = _lang_col(h, "unit", data.lang) if h.get("theme_match", True) else ""
        # a branch on purpose (grammar, not a choice of text): "1 proposal", not "1 proposals"
        if data.lang == "en" and h.get("value") == 1:
            unit = format_number(1, unit, "en").split(" ", 1)[1]
        pdf.cell(40, 12, unit)
        # fiscal year, previous year, source
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(*_hex(MUTED))
        line = i18n.fy_text(h.get("fiscal_year"), data.lang)
        if h.get("previous") is not None and not (
            isinstance(h.get("previous"), float) and math.isnan(h["previous"])
        ):
            line += i18n.punct("report.gap", data.lang) + i18n.t(
                "report.previous", data.lang, value=format_value(h["previous"])
            )
        pdf.set_xy(cx + 6, cy + 36)
        pdf.cell(cw - 12, 8, line)
        src = i18n.t("report.source", data.lang, source=_lang_col(h, "source", data.lang, "–"))
        for k, line in enumerate(_wrap(pdf, src, cw - 12, 2)):
            pdf.set_xy(cx + 6, cy + 45 + k * 8)
            pdf.cell(cw - 12, 8, line)
    rows = math.ceil(len(METRICS) / cols)
    return y + rows * (ch + gap)


def _wrap(pdf, text: str, width: float, max_lines: int) -> list[str]:
    """Break ``text`` into lines of ``width`` in the current font; ellipsis on the last."""
    from fpdf.enums import MethodReturnValue

    lines = pdf.multi_cell(width, 8, text, dry_run=True, output=MethodReturnValue.LINES)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit_text(pdf, lines[-1] + "…", width)
    return lines


def _fit_text(pdf, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _chart(pdf, figure, x: float, y: float, w: float, h: float, sample: bool, lang: str) -> None:
    """A chart: its title as PDF text (searchable), the sample mark, the plot as an image."""
    title = figure.layout.title.text or ""
    figure.update_layout(title=None)
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*_hex(INK))
    pdf.set_xy(x, y)
    pdf.cell(w - 52, 12, _fit_text(pdf, title, w - 52))
    if sample:
        _sample_tag(pdf, x + w - 44, y + 1, lang)
    png = _chart_image(figure, w, h - 14, legend="below")
    pdf.image(io.BytesIO(png), x, y + 14, w, h - 14)


def _section(pdf, title: str) -> None:
    if pdf.get_y() > A4_LANDSCAPE[1] - 110:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(37, 52, 148)
    pdf.cell(0, 16, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_hex(INK))


def _table(
    pdf, headings: list[str], rows: list[list[str]], widths: tuple[int, ...], lang: str
) -> None:
    from fpdf.fonts import FontFace

    if not rows:
        pdf.set_font(FONT, "", 8)
        pdf.cell(0, 12, i18n.t("report.none", lang), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*_hex(INK))
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(210, 215, 225)
    pdf.set_line_width(0.4)
    head = FontFace(emphasis="BOLD", fill_color=(230, 235, 245))
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=10,
        headings_style=head,
        padding=2,
        repeat_headings=1,
        cell_fill_color=(248, 249, 252),
        cell_fill_mode="ROWS",
    ) as table:
        row = table.row()
        for h in headings:
            row.cell(h)
        for r in rows:
            row = table.row()
            for c in r:
                row.cell(c)


def _s(row, *names: str) -> str:
    for n in names:
        if n in row and row[n] is not None and str(row[n]) not in ("", "nan", "None", "<NA>"):
            v = row[n]
            if isinstance(v, (list, tuple, np.ndarray)):
                return "、".join(str(x) for x in v)
            return str(v)
    return ""


def _project_rows(df: pd.DataFrame | None, lang: str) -> list[list[str]]:
    if df is None or df.empty:
        return []
    return [
        [
            _s(r, f"title_{lang}", "title_ja"),
            _s(r, f"direction_name_{lang}", "direction_name_ja", "direction_theme_id"),
            _s(r, f"bureau_name_{lang}", "bureau_name_ja")
            or _s(r, f"region_name_{lang}", "region_name_ja", "region_code"),
        ]
        for r in df.to_dict("records")
    ]


def _measures_text(measures: Any, lang: str) -> str:
    if measures is None or len(measures) == 0:
        return i18n.t("report.no_measures", lang)
    lines = []
    for m in measures:
        dept = m.get(f"department_{lang}") or m.get("department_ja") or ""
        text = m.get(f"text_{lang}") or m.get("text_ja") or ""
        lines.append(i18n.punct("report.dept", lang, dept=dept, text=text))
    return "\n".join(lines)


def _proposal_rows(df: pd.DataFrame | None, lang: str) -> list[list[str]]:
    if df is None or df.empty:
        return []
    return [
        [
            _s(r, f"title_{lang}", "title_ja"),
            _s(r, f"bureau_names_{lang}", "bureau_names_ja", "bureau_codes"),
            _s(r, f"pillar_name_{lang}", "pillar_name_ja", "pillar_theme_id"),
            _measures_text(r.get("measures"), lang),
        ]
        for r in df.to_dict("records")
    ]


def _attribution_text(attribution: str, lang: str) -> str:
    """How a bureau project was attributed, in words (an unknown value as it is)."""
    key = f"report.attribution.{attribution}"
    return i18n.t(key, lang) if key in i18n.CATALOG else attribution


def _bureau_project_rows(df: pd.DataFrame | None, lang: str) -> list[list[str]]:
    if df is None or df.empty:
        return []
    return [
        [
            _s(r, f"text_{lang}", "text_ja"),
            _s(r, f"bureau_name_{lang}", "bureau_name_ja", "bureau_code"),
            _attribution_text(_s(r, "attribution"), lang),
        ]
        for r in df.to_dict("records")
    ]


def _render(data: HandoutData) -> bytes:
    credit = i18n.t("report.credit", data.lang)
    footer = [
        credit,
        _fit_len(
            i18n.t("report.data_source", data.lang, sources=" / ".join(data.sources) or "–"), 150
        ),
    ]
    pdf = _new_pdf(data.lang, footer)
    pdf.set_title(f"{data.area.title(data.lang)} {i18n.t('report.handout', data.lang)}")
    pdf.set_author("regionmap")
    pdf.set_creator("regionmap")
    pdf.set_subject(credit)

    # page 1: map | headline figures + dispatch chart
    pdf.add_page()
    _header(pdf, data)
    top = pdf.get_y()
    bottom = A4_LANDSCAPE[1] - 48
    map_w = 430
    _draw_map(pdf, data, 28, top, map_w, bottom - top - 8)
    rx, rw = 28 + map_w + 14, 786 - map_w - 14
    y = _draw_headlines(pdf, data, rx, top, rw)
    if data.dispatch_trend is not None and len(data.dispatch_trend):
        _chart(
            pdf,
            _dispatch_figure(data.dispatch_trend, data.lang),
            rx,
            y,
            rw,
            bottom - y,
            "dispatch" in data.sample_charts,
            data.lang,
        )

    # page 2: evacuees and sites charts, then the tables
    pdf.add_page()
    _header(pdf, data, continued=True)
    y = pdf.get_y() + 2
    ch = 170
    if data.evacuee_trend is not None and len(data.evacuee_trend):
        _chart(
            pdf,
            _evacuee_figure(data.evacuee_trend, data.lang),
            28,
            y,
            386,
            ch,
            "evacuees" in data.sample_charts,
            data.lang,
        )
    if data.sites_by_kind is not None and len(data.sites_by_kind):
        _chart(
            pdf,
            _sites_figure(data.sites_by_kind, data.lang),
            428,
            y,
            386,
            ch,
            "sites" in data.sample_charts,
            data.lang,
        )
    if (data.evacuee_trend is not None and len(data.evacuee_trend)) or (
        data.sites_by_kind is not None and len(data.sites_by_kind)
    ):
        pdf.set_y(y + ch + 4)
    _section(pdf, i18n.t("report.priority_projects", data.lang))
    _table(
        pdf,
        [
            i18n.t("report.col_project", data.lang),
            i18n.t("report.col_direction", data.lang),
            i18n.t("report.col_region", data.lang),
        ],
        _project_rows(data.priority_projects, data.lang),
        (60, 28, 12),
        data.lang,
    )
    _section(pdf, i18n.t("report.proposals", data.lang))
    _table(
        pdf,
        [
            i18n.t("report.col_proposal", data.lang),
            i18n.t("report.col_bureau", data.lang),
            i18n.t("report.col_pillar", data.lang),
            i18n.t("report.col_response", data.lang),
        ],
        _proposal_rows(data.proposals, data.lang),
        (34, 12, 10, 44),
        data.lang,
    )
    _section(pdf, i18n.t("report.bureau_projects", data.lang))
    _table(
        pdf,
        [
            i18n.t("report.col_item", data.lang),
            i18n.t("report.col_bureau", data.lang),
            i18n.t("report.col_confidence", data.lang),
        ],
        _bureau_project_rows(data.bureau_projects, data.lang),
        (66, 18, 16),
        data.lang,
    )
    _section(pdf, i18n.t("report.sources_title", data.lang))
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(*_hex(MUTED))
    notes = [credit, *data.sources]
    if data.boundary_vintage:
        notes.insert(1, i18n.t("report.boundaries", data.lang, vintage=data.boundary_vintage))
    if data.any_sample:
        notes.append(i18n.t("report.sample_notice", data.lang))
    for line in notes:
        pdf.multi_cell(
            0,
            9,
            i18n.punct("report.bullet", data.lang, text=line),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    return bytes(pdf.output())


def _fit_len(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def build_handout(
    area_kind: str,
    code: str,
    lang: str = "ja",
    con=None,
    *,
    fiscal_year: int | None = None,
    theme_ids: list[str] | tuple[str, ...] | None = None,
) -> bytes:
    """The PDF handout of one bureau or region, as bytes.

    A4 landscape; Noto Sans CJK (or the OS's Japanese font) embedded as a
    subset; the text layer holds the area's name, the headline figures with
    unit, fiscal year, source and a sample mark where they are sample, the
    priority projects, proposals and departments' responses, the bureau's own
    projects, the date of the data and the MLIT credit. The map of the area and
    the charts are images.

    Parameters
    ----------
    area_kind : {"bureau", "region"}
    code : str
        Bureau code ("01".."14") or id ("sorachi"); region code ("1".."6") or id ("doo").
    lang : {"ja", "en"}
    con : duckdb connection, optional
        Defaults to :func:`regionmap.database.connect`.
    fiscal_year : int, optional
        The fiscal year of the figures where a metric has it (default: the latest).
    theme_ids : list of str, optional
        The dashboard's policy-theme filter; the handout names it in its header.

    Raises
    ------
    UnknownAreaError
        For an unknown code; the message lists the valid codes.
    """
    if lang not in i18n.LANGS:
        raise ValueError(f"lang must be 'ja' or 'en', got {lang!r}")
    area = resolve_area(area_kind, code)
    return _render(_collect(area, lang, con, fiscal_year=fiscal_year, theme_ids=theme_ids))


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def cli(args) -> int:
    """``python -m regionmap report --bureau CODE|--region CODE|--all --out DIR [--db PATH] [--lang]``."""
    try:
        if args.all:
            areas = all_areas()
        elif args.bureau is not None:
            areas = [resolve_area("bureau", args.bureau)]
        else:
            areas = [resolve_area("region", args.region)]
    except UnknownAreaError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"report: cannot create the output folder {out}: {exc}", file=sys.stderr)
        return 1
    from regionmap import database as db
    from regionmap import geo
    from regionmap.fonts import FontNotFoundError

    if not geo.layers_available():
        folder = geo.layers.geo_dir_path()
        print(
            f"report: the boundary layers are not built in {folder}; "
            "run `python -m regionmap geo build` first (or set REGIONMAP_GEO_DIR)",
            file=sys.stderr,
        )
        return 1
    try:
        path = Path(args.db).expanduser() if getattr(args, "db", None) else None
        if path is not None and not path.is_file():
            print(f"report: database file not found: {path}", file=sys.stderr)
            return 1
        if path is None:
            db.ensure_database()
        con = db.connect(path)
        for area in areas:
            t0 = time.perf_counter()
            pdf = build_handout(area.kind, area.code, lang=args.lang, con=con)
            target = out / area.filename(args.lang)
            tmp = target.with_suffix(".pdf.part")
            tmp.write_bytes(pdf)
            tmp.replace(target)
            print(f"{target}  ({len(pdf) / 1024:.0f} KB, {time.perf_counter() - t0:.1f} s)")
    except (FontNotFoundError, FileNotFoundError) as exc:  # no Japanese font / layers not built
        print(f"report: {exc}", file=sys.stderr)
        return 1
    return 0
