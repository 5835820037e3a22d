"""pydeck maps whose boundaries the browser fetches once.

The problem
-----------
pydeck serialises a deck, data included, as indented JSON (about six times
the compact GeoJSON), gives every layer a random id, and Streamlit sends the
whole spec again on every rerun: without care each filter change resends all
the geometry.

The design
----------
- Boundary layers are written once as compact GeoJSON files (only the
  properties the map needs, coordinates rounded) into Streamlit's static
  folder (``settings.get("static_dir")/layers/<layer>-<level>-<hash>.json``,
  served at ``app/static/layers/...`` when ``server.enableStaticServing`` is
  on). A :class:`GeoJsonLayer` gets the file's URL as ``data``: the browser
  fetches it once and deck.gl keeps it while the URL is unchanged.
  See :func:`publish_layer`.
- Every feature carries an integer index ``i`` (its row in the file) and a
  key ``k`` (``b01`` bureau, ``r1`` region, ``m01100`` municipality). Figures
  never go into the file: the choropleth colours travel in the spec as a deck.gl
  JSON expression indexed by ``i`` (``"@@=[[r,g,b,a],...][properties.i]"``)
  with an update trigger (a hash of the colours) so deck.gl recolours; see
  :func:`indexed_accessor`. The tooltip shows the figure of the hovered
  feature by a CSS rule keyed on ``k``; see :func:`tooltip`.
- Layers have fixed ids; the spec is sent as compact JSON (:class:`Deck`).
- No basemap by default (renders offline); an optional GSI tile background
  through a MapLibre style file in the static folder (:func:`publish_gsi_style`).

All functions here are plain Python (no Streamlit calls except the cache
decorator), so the deck spec is tested directly in ``tests/test_maplayers.py``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pydeck as pdk
import streamlit as st

from regionmap import settings
from regionmap.charts import FONT_FAMILY, NO_DATA, SEQUENTIAL, format_number

#: URL prefix under which Streamlit serves ``<app folder>/static`` (relative to the page).
STATIC_URL = "app/static"
#: Hokkaido with the Northern Territories, (min lon, min lat, max lon, max lat).
HOKKAIDO_BOUNDS = (139.33, 41.35, 148.90, 45.56)
GSI_TILES = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
GSI_ATTRIBUTION = "出典：国土地理院"

#: Properties written to each layer's file (besides ``i`` and ``k``), and the key prefix.
_FILE_PROPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # layer: (key prefix, code column, other columns)
    "bureaus": ("b", "bureau_code", ("bureau_id", "name_ja", "name_en", "region_code")),
    "regions": ("r", "region_code", ("region_id", "name_ja", "name_en")),
    "municipalities": ("m", "code", ("name_ja", "bureau_code", "region_code")),
    "wards": ("w", "code", ("name_ja", "bureau_code", "region_code")),
}
#: Decimal places of coordinates per level (3 is about 100 m, 4 about 10 m).
_PRECISION = {"overview": 3, "detail": 4}

#: Line styles: region outlines heavier than bureau outlines.
REGION_LINE = (40, 40, 40, 255)
BUREAU_LINE = (90, 90, 90, 220)
MUNI_LINE = (120, 120, 120, 200)
SELECTED_LINE = (213, 94, 0, 255)  # vermillion (Okabe-Ito), stands out on cividis
CONTEXT_FILL = (236, 236, 230, 255)  # neighbouring areas drawn for context


# --- static layer files ----------------------------------------------------------


@dataclass(frozen=True)
class PublishedLayer:
    """A boundary layer written as a static file, with what the map needs to know of it.

    Attributes
    ----------
    name, level : str
        Layer name and level, as for :func:`regionmap.geo.load_layer`.
    url : str
        URL of the file relative to the page (``app/static/layers/...``).
    path : Path
        The file on disk.
    nbytes : int
        Size of the file (bytes the browser fetches once).
    codes : tuple of str
        Area code of feature ``i`` (``codes[i]``).
    names_ja, names_en : tuple of str
        Name of feature ``i``.
    label_points : tuple of (float, float)
        Label point (lon, lat) of feature ``i``, inside its polygon.
    bounds : tuple of (float, float, float, float)
        Bounds of feature ``i``.
    groups : tuple of str
        Bureau code of feature ``i`` (municipalities), region code (bureaus), ``""`` (regions).
    """

    name: str
    level: str
    url: str
    path: Path
    nbytes: int
    codes: tuple[str, ...]
    names_ja: tuple[str, ...]
    names_en: tuple[str, ...]
    label_points: tuple[tuple[float, float], ...]
    bounds: tuple[tuple[float, float, float, float], ...]
    groups: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return _FILE_PROPS[self.name][0]

    def index_of(self, code: str) -> int:
        return self.codes.index(code)

    def key_of(self, code: str) -> str:
        return self.prefix + code

    def bounds_of(self, codes: Iterable[str]) -> tuple[float, float, float, float]:
        """Bounds of the features with these codes together."""
        boxes = [self.bounds[self.index_of(c)] for c in codes]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )


def layer_file_bytes(
    name: str,
    level: str = "overview",
    geo_dir: Path | None = None,
    where: tuple[str, tuple[str, ...]] | None = None,
):
    """The compact GeoJSON of a layer and its feature table (no file written).

    ``where`` = (column, values) keeps only the features whose column is one of
    the values (e.g. the municipalities of one bureau).

    Returns
    -------
    data : bytes
    table : DataFrame
        One row per feature in file order: ``i``, ``k``, ``code``, names,
        label point, bounds, group.
    """
    from regionmap.geo import load_layer, to_geojson_bytes

    prefix, code_col, others = _FILE_PROPS[name]
    gdf = load_layer(name, level=level, geo_dir=geo_dir)
    if where is not None:
        column, values = where
        gdf = gdf[gdf[column].astype(str).isin(set(values))]
    gdf = gdf.reset_index(drop=True).copy()
    gdf["i"] = range(len(gdf))
    gdf["k"] = prefix + gdf[code_col].astype(str)
    gdf["code"] = gdf[code_col].astype(str)
    if "name_en" not in gdf.columns:
        gdf["name_en"] = gdf["name_ja"]
    props = ["i", "k", "code", *[c for c in others if c != "code" and c in gdf.columns]]
    data = to_geojson_bytes(gdf, props, _PRECISION.get(level, 4))
    bounds = gdf.geometry.bounds
    table = gdf.drop(columns="geometry").assign(
        minx=bounds["minx"], miny=bounds["miny"], maxx=bounds["maxx"], maxy=bounds["maxy"]
    )
    return data, table


def publish_layer(
    name: str,
    level: str = "overview",
    *,
    static_dir: Path | None = None,
    geo_dir: Path | None = None,
    where: tuple[str, Sequence[str]] | None = None,
) -> PublishedLayer:
    """Write a boundary layer as a compact static file once and describe it.

    ``where`` = (column, values) publishes a subset as its own file, e.g.
    ``("bureau_code", ["01"])`` for the municipalities of 空知 (the bureau page
    fetches only those; picking a small layer is also quicker in the browser).

    The file name carries a hash of its content, so a rebuilt layer gets a new
    URL (no stale browser cache) and an unchanged one keeps its URL (the browser
    fetches it once). Cached per (layer, level, folders, build) for the server's
    life; never recomputed on a rerun.
    """
    from regionmap.geo import manifest

    static = Path(static_dir) if static_dir else Path(settings.get("static_dir"))
    geo = Path(geo_dir) if geo_dir else Path(settings.get("geo_dir"))
    try:
        build_id = str(manifest(geo).get("checksum", "")) + str(manifest(geo).get("built_at", ""))
    except Exception:  # noqa: BLE001 - a missing manifest only weakens the cache key
        build_id = ""
    subset = (where[0], tuple(sorted(map(str, where[1])))) if where else None
    # load_layer reads this setting: it is part of the key
    hide_nt = bool(settings.get("hide_northern_territories"))
    return _publish_cached(name, level, str(static), str(geo), build_id, subset, hide_nt)


@st.cache_resource(show_spinner=False, max_entries=96)
def _publish_cached(
    name: str,
    level: str,
    static_dir: str,
    geo_dir: str,
    build_id: str,
    where: tuple[str, tuple[str, ...]] | None = None,
    hide_northern_territories: bool = False,
) -> PublishedLayer:
    # hide_northern_territories: only a cache key (load_layer reads the setting itself)
    data, table = layer_file_bytes(name, level, Path(geo_dir), where)
    digest = hashlib.sha256(data).hexdigest()[:12]
    tag = f"{where[0].split('_')[0]}{'+'.join(where[1])}-" if where else ""
    filename = f"{name}-{level}-{tag}{digest}.json"
    folder = Path(static_dir) / "layers"
    path = folder / filename
    if not path.is_file() or path.stat().st_size != len(data):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    _, code_col, _ = _FILE_PROPS[name]
    group_col = {"bureaus": "region_code", "municipalities": "bureau_code", "wards": "bureau_code"}
    groups = tuple(table[group_col[name]].astype(str)) if name in group_col else ("",) * len(table)
    return PublishedLayer(
        name=name,
        level=level,
        url=f"{STATIC_URL}/layers/{filename}",
        path=path,
        nbytes=len(data),
        codes=tuple(table["code"]),
        names_ja=tuple(table["name_ja"].astype(str)),
        names_en=tuple(table["name_en"].astype(str)),
        label_points=tuple(
            (round(float(x), 4), round(float(y), 4))
            for x, y in zip(table["label_lon"], table["label_lat"], strict=True)
        ),
        bounds=tuple(
            tuple(round(float(v), 4) for v in row)
            for row in table[["minx", "miny", "maxx", "maxy"]].itertuples(index=False)
        ),
        groups=groups,
    )


def publish_gsi_style(static_dir: Path | None = None) -> str:
    """Write the MapLibre style of the GSI pale tiles into the static folder; its URL."""
    static = Path(static_dir) if static_dir else Path(settings.get("static_dir"))
    style = {
        "version": 8,
        "sources": {
            "gsi": {
                "type": "raster",
                "tiles": [GSI_TILES],
                "tileSize": 256,
                "minzoom": 2,
                "maxzoom": 18,
                "attribution": GSI_ATTRIBUTION,
            }
        },
        "layers": [{"id": "gsi-pale", "type": "raster", "source": "gsi"}],
    }
    data = json.dumps(style, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path = static / "layers" / "gsi-pale-style.json"
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return f"{STATIC_URL}/layers/gsi-pale-style.json"


# --- colour scales ---------------------------------------------------------------


def _nice_step(raw: float, integer: bool) -> float:
    if raw <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 3, 4, 5, 10):
        step = m * exp
        if step >= raw and (not integer or float(step).is_integer()):
            return step
    return 10 * exp


#: opacity of the choropleth fills (the legend draws its swatches with the same)
FILL_ALPHA = 210


@dataclass(frozen=True)
class ColorScale:
    """A classed sequential colour scale (cividis) with its legend.

    ``edges`` has one more item than ``colors``; class ``j`` holds values
    ``edges[j] <= v < edges[j+1]`` (the last class includes its upper edge).
    """

    edges: tuple[float, ...]
    colors: tuple[tuple[int, int, int], ...]
    integer: bool = True

    def color_of(self, value: float | None, alpha: int = FILL_ALPHA) -> list[int]:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return [*NO_DATA, alpha]
        for j, colour in enumerate(self.colors):
            if value < self.edges[j + 1] or j == len(self.colors) - 1:
                return [*colour, alpha]
        return [*self.colors[-1], alpha]  # pragma: no cover

    def legend(
        self, unit: str = "", lang: str = "ja", alpha: int | None = None
    ) -> list[tuple[str, str]]:
        """``[(css colour, label), ...]`` from low to high; with ``alpha`` (0-255) the
        colours are ``rgba(...)``, as the map draws its translucent fills."""
        items = []
        for j, colour in enumerate(self.colors):
            lo, hi = self.edges[j], self.edges[j + 1]
            if self.integer and j < len(self.colors) - 1:
                hi_text = format_number(max(lo, hi - 1), "", lang)
            else:
                hi_text = format_number(hi, "", lang)
            lo_text = format_number(lo, "", lang)
            text = lo_text if lo_text == hi_text else f"{lo_text}–{hi_text}"
            if unit and lo_text == hi_text:
                text = format_number(lo, unit, lang)  # "1 person", not "1 persons"
            elif unit:
                text = format_number(0, unit, lang).replace("0", text, 1)
            if alpha is None:
                items.append(("rgb({}, {}, {})".format(*colour), text))
            else:
                items.append(("rgba({}, {}, {}, {:.3f})".format(*colour, alpha / 255), text))
        return items


def color_scale(values: Iterable[float], classes: int = 5) -> ColorScale:
    """Equal-interval classes from 0 to a round number above the largest value.

    Examples
    --------
    >>> color_scale([0, 3, 12]).edges
    (0, 3, 6, 9, 12, 15)
    """
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    integer = all(v.is_integer() for v in vals)
    top = max(vals, default=0.0)
    if top <= 0:
        return ColorScale(edges=(0, 1), colors=(SEQUENTIAL[0],), integer=integer)
    step = _nice_step(top / classes, integer)
    n = max(1, min(classes, math.floor(top / step) + 1))
    edges = tuple(int(step * j) if integer else step * j for j in range(n + 1))
    # spread the palette's light-to-dark steps over the classes used
    picks = [round(j * (len(SEQUENTIAL) - 1) / max(1, n - 1)) for j in range(n)]
    return ColorScale(edges=edges, colors=tuple(SEQUENTIAL[p] for p in picks), integer=integer)


# --- accessors, labels, tooltip ---------------------------------------------------


#: the quiet colour of a count of 0
ZERO_FILL = (238, 238, 230)


def count_scale(values: Iterable[float]) -> ColorScale:
    """The colour scale of every choropleth of counts (overview, bureau view, overlay
    pages, handouts), so one figure has one colour wherever it is shown: 0 in its own quiet class, then classes
    of the palette; a skewed distribution (the largest far above the median, as Sapporo's
    evacuees) gets powers of ten as breaks so the other areas are not all one colour.

    Examples
    --------
    >>> count_scale([0, 3, 1454, 5, 40, 2]).edges
    (0, 1, 10, 100, 1000, 1454)
    """
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    pos = sorted(v for v in vals if v > 0)
    if not all(v.is_integer() for v in vals):
        return color_scale(vals)
    if not pos:  # every figure is 0 (e.g. a theme that excludes the overlay)
        return ColorScale(edges=(0, 0), colors=(ZERO_FILL,), integer=True)
    top = int(pos[-1])
    if len(pos) >= 5 and top >= 100 and top >= 20 * pos[len(pos) // 2]:
        breaks = [b for b in (10, 100, 1000, 10000) if b < top]
    else:
        base = color_scale(pos)
        breaks = [int(e) for e in base.edges[1:-1] if 1 < e < top]
    edges = (0, 1, *breaks, top)
    k = len(edges) - 2  # classes above zero
    seq = SEQUENTIAL
    picks = [round(j * (len(seq) - 1) / max(1, k - 1)) for j in range(k)]
    return ColorScale(edges=edges, colors=(ZERO_FILL, *(seq[p] for p in picks)), integer=True)


#: Fill of areas drawn without a figure (no database, or a theme that covers nothing of
#: the figure): the same quiet land colour on the pages, the slides and the handouts.
PLAIN_FILL = (228, 228, 218, 255)
#: Fill of the areas outside the selected bureau/region on a map of all Hokkaido.
OUTSIDE_FILL = (245, 245, 245, 160)


@dataclass(frozen=True)
class Choropleth:
    """What a map of one figure shows, whoever draws it (deck.gl on a page, matplotlib on a
    slide or a handout): each area's figure, the classes and the fills.

    Build it with :func:`choropleth`. ``scale`` is None when there is nothing to class: no
    figures, or a theme filter that covers nothing of the figure (then every area gets
    :data:`PLAIN_FILL` and there is no legend: never a class of zeros).
    """

    codes: tuple[str, ...]
    values: Mapping[str, float | None]
    scale: ColorScale | None
    no_figure: frozenset[str] = frozenset()
    outside: frozenset[str] = frozenset()

    def fill(self, code: str, alpha: int = FILL_ALPHA) -> list[int]:
        """RGBA fill of area ``code``."""
        if code in self.outside:
            return list(OUTSIDE_FILL)
        if code in self.no_figure:
            return [*NO_DATA, alpha]
        if self.scale is None:
            return list(PLAIN_FILL)
        return self.scale.color_of(self.values.get(code), alpha)

    def fills(self, alpha: int = FILL_ALPHA) -> list[list[int]]:
        """Fills of :attr:`codes`, in their order (a layer's features)."""
        return [self.fill(c, alpha) for c in self.codes]


def choropleth(
    codes: Iterable[str],
    values: Mapping[str, float] | None,
    *,
    covered: bool = True,
    no_figure: Iterable[str] = (),
    outside: Iterable[str] = (),
) -> Choropleth:
    """The one way a figure becomes classes and fills (pages, slides, handouts).

    Parameters
    ----------
    codes : iterable of str
        The areas drawn, in the order of their layer's features.
    values : mapping of code to figure, or None
        None when there are no figures (no database).
    covered : bool
        False when the theme filter covers nothing of the figure.
    no_figure : iterable of str
        Areas that carry no figure (the Northern Territories villages): drawn in the
        no-data grey and left out of the classes.
    outside : iterable of str
        Areas outside the selection on a map of all Hokkaido: dimmed, out of the classes.

    Examples
    --------
    >>> c = choropleth(["a", "b"], {"a": 0, "b": 4})
    >>> c.fill("a")[:3], c.scale.edges
    ([238, 238, 230], (0, 1, 2, 3, 4))
    >>> choropleth(["a"], {"a": 0}, covered=False).fill("a") == list(PLAIN_FILL)
    True
    """
    codes = tuple(codes)
    no_fig, out = frozenset(no_figure), frozenset(outside)
    shown = {c: values.get(c) for c in codes} if values is not None else {}
    scale = None
    if values is not None and covered:
        scale = count_scale(
            v for c, v in shown.items() if c not in no_fig and c not in out and v is not None
        )
    return Choropleth(codes, shown, scale, no_fig, out)


def indexed_accessor(values: Sequence[object]) -> str:
    """A deck.gl JSON expression picking ``values[properties.i]`` for each feature.

    The array is parenthesised: deck.gl's expression parser (jsep 0.3) reads no
    member access after a bare array literal, only after a group.

    >>> indexed_accessor([[1, 2, 3, 4], [5, 6, 7, 8]])
    '@@=([[1,2,3,4],[5,6,7,8]])[properties.i]'
    """
    return "@@=(" + json.dumps(list(values), separators=(",", ":")) + ")[properties.i]"


def trigger(value: object) -> str:
    """A short hash of ``value`` for ``update_triggers`` (deck.gl recomputes when it changes)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def character_set(texts: Iterable[str]) -> str:
    """The characters of the labels, sorted (deck.gl's TextLayer needs them for kanji)."""
    return "".join(sorted(set("".join(texts)) | set(" 0123456789")))


def label_layer(
    layer_id: str,
    rows: Sequence[Mapping[str, object]],
    *,
    size: int = 14,
    color: Sequence[int] = (20, 20, 20, 255),
    declutter: bool = False,
) -> pdk.Layer:
    """A TextLayer of Japanese labels; rows hold ``position`` ([lon, lat]) and ``text``.

    ``declutter`` hides labels that would overlap others (deck.gl's
    CollisionFilterExtension); zooming in brings them back.
    """
    data = [{"position": list(r["position"]), "text": str(r["text"])} for r in rows]
    layer = pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="position",
        get_text="text",
        get_size=size,
        get_color=list(color),
        font_weight=600,
        font_settings={"sdf": True, "fontSize": 48, "buffer": 6},
        outline_width=3,
        outline_color=[255, 255, 255, 235],
        billboard=True,
        pickable=False,
    )
    if declutter:
        layer.extensions = [{"@@type": "CollisionFilterExtension"}]
        layer.collision_enabled = True
        layer.collision_test_props = {"sizeScale": 1.1}
    return _literal(
        layer,
        size_units="pixels",
        get_text_anchor="middle",
        get_alignment_baseline="center",
        font_family=FONT_FAMILY,
        character_set=character_set(r["text"] for r in data),
    )


def _literal(layer: pdk.Layer, **props: object) -> pdk.Layer:
    """Set props as they are: pydeck turns every string keyword into a ``@@=`` expression
    (and strips quotes), which would break literal strings such as a font list."""
    for name, value in props.items():
        setattr(layer, name, value)
    return layer


def labels_of(layer: PublishedLayer, lang: str, codes: Iterable[str] | None = None) -> list[dict]:
    """Label rows (position, text) of a published layer's features, optionally some codes."""
    wanted = None if codes is None else set(codes)
    names = layer.names_en if lang == "en" else layer.names_ja
    if layer.name == "bureaus" and lang == "ja":
        names = tuple(_short_bureau(n) for n in names)
    return [
        {"position": list(layer.label_points[i]), "text": names[i]}
        for i, code in enumerate(layer.codes)
        if wanted is None or code in wanted
    ]


def _short_bureau(name: str) -> str:
    """空知総合振興局 -> 空知 (labels stay short on the map)."""
    for suffix in ("総合振興局", "振興局"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def area_layers(
    layer_id: str,
    layer: PublishedLayer,
    *,
    fill_colors: Sequence[Sequence[int]] | None = None,
    pickable: bool = True,
    **outline: Any,
) -> list[pdk.Layer]:
    """GeoJsonLayers drawing a published layer from its static file.

    ``fill_colors`` and the ``outline`` options (``line_color``, ``line_width``,
    ``line_colors``, ``line_widths`` of :func:`_geojson_layer`; the ``…s`` ones per
    feature) go into the spec, per feature as expressions indexed by ``i``; without
    ``fill_colors`` the layer is outlines only.

    A pickable filled layer comes as two layers: the fill, pickable, with id
    ``layer_id``, and its outlines, not pickable, as ``layer_id + "-lines"``
    (see :data:`LINES_SUFFIX`). deck.gl picks a click synchronously when the
    pointer goes down, and a click counts only if the pointer comes up within
    250 ms of that; drawing the outlines (deck.gl's PathLayer) into the picking
    pass took most of that time in software WebGL (150-430 ms under load, against
    10-15 ms for the fill alone), so clicks were lost. The fill covers the outlines'
    pixels, so a click on an outline still picks its area.
    """
    if not (pickable and fill_colors is not None):
        return [
            _geojson_layer(layer_id, layer, fill_colors=fill_colors, pickable=pickable, **outline)
        ]
    fill = _geojson_layer(layer_id, layer, fill_colors=fill_colors, stroked=False, pickable=True)
    if outline.get("line_widths") is None and outline.get("line_width", 1.0) <= 0:
        return [fill]
    return [fill, _geojson_layer(layer_id + LINES_SUFFIX, layer, pickable=False, **outline)]


#: Id suffix of the outlines of a pickable filled layer (see :func:`area_layers`).
LINES_SUFFIX = "-lines"


def _geojson_layer(
    layer_id: str,
    layer: PublishedLayer,
    *,
    fill_colors: Sequence[Sequence[int]] | None = None,
    line_color: Sequence[int] = BUREAU_LINE,
    line_width: float = 1.0,
    line_colors: Sequence[Sequence[int]] | None = None,
    line_widths: Sequence[float] | None = None,
    stroked: bool = True,
    pickable: bool,
) -> pdk.Layer:
    """One GeoJsonLayer of a published file.

    No ``auto_highlight``: it redraws the whole map whenever the hovered area changes,
    and deck.gl's pick at the next pointer-down waits for that frame (150-250 ms in
    software WebGL), enough to lose the click. The tooltip names the area under the
    pointer, and the pointer turns into a hand over a clickable one.
    """
    props: dict[str, object] = {}
    triggers: dict[str, str] = {}
    if fill_colors is not None:
        colours = [list(map(int, c)) for c in fill_colors]
        props["get_fill_color"] = indexed_accessor(colours)
        triggers["getFillColor"] = trigger(colours)
    if stroked:
        props["line_width_units"] = "pixels"
        if line_colors is not None:
            lc = [list(map(int, c)) for c in line_colors]
            props["get_line_color"] = indexed_accessor(lc)
            triggers["getLineColor"] = trigger(lc)
        else:
            props["get_line_color"] = list(line_color)
        if line_widths is not None:
            lw = [round(float(w), 2) for w in line_widths]
            props["get_line_width"] = indexed_accessor(lw)
            triggers["getLineWidth"] = trigger(lw)
        else:
            props["get_line_width"] = float(line_width)
    if triggers:
        props["update_triggers"] = triggers
    extra: dict[str, object] = {"line_width_min_pixels": 0, "line_joint_rounded": True}
    pdk_layer = pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=layer.url,
        filled=fill_colors is not None,
        stroked=stroked,
        pickable=pickable,
        **(extra if stroked else {}),
    )
    return _literal(pdk_layer, **props)


def selection_layer(
    layer_id: str, layer: PublishedLayer, codes: Iterable[str], *, width: float = 4.0
) -> pdk.Layer:
    """The outline of the selected area(s), drawn on top (same static file, no fill).

    The other features get a transparent zero-width line, so only the selection shows.
    """
    wanted = set(codes)
    return _geojson_layer(
        layer_id,
        layer,
        line_colors=[list(SELECTED_LINE) if c in wanted else [0, 0, 0, 0] for c in layer.codes],
        line_widths=[width if c in wanted else 0.0 for c in layer.codes],
        pickable=False,
    )


def tooltip(
    layer_keys: Mapping[str, str],
    *,
    lang: str,
    name_field: str | None = None,
    footer: str = "",
    style: Mapping[str, str] | None = None,
) -> dict:
    """A pydeck tooltip: the hovered area's name and, below it, its figure line.

    Streamlit fills ``{field}`` from the hovered feature's properties only, and
    the figures are not in the static files. So the tooltip HTML carries one
    line per area (``layer_keys``: feature key ``k`` -> already formatted
    figure line) and a CSS rule shows only the line whose ``data-k`` equals the
    hovered feature's ``{k}``. The spec grows by one short line per area;
    what all areas share (the source) is written once as ``footer`` (HTML).
    """
    field = name_field or ("name_en" if lang == "en" else "name_ja")
    lines = "".join(
        f'<div data-k="{escape(k, quote=True)}">{line}</div>' for k, line in layer_keys.items()
    )
    html = (
        "<div class='rm-tt'><style>.rm-tt [data-k]{display:none}"
        ".rm-tt [data-k='{k}']{display:block}</style>"
        f"<b>{{{field}}}</b>{lines}{footer}</div>"
    )
    return {
        "html": html,
        "style": dict(
            style
            or {
                "fontFamily": FONT_FAMILY,
                "fontSize": "13px",
                "backgroundColor": "rgba(255,255,255,0.96)",
                "color": "#222",
                "border": "1px solid #999",
                "padding": "6px 8px",
                "maxWidth": "320px",
            }
        ),
    }


def figure_line(
    value: float | None,
    *,
    unit_ja: str,
    unit_en: str = "",
    fiscal_year: int | None,
    is_sample: bool,
    lang: str,
    source: str = "",
    when: str = "",
) -> str:
    """One tooltip line: figure and unit, fiscal year, (sample) and, if given, the source.

    ``when`` (e.g. ``2016年3月時点``) is written instead of the fiscal year when given.
    """
    from regionmap.i18n import t

    parts = [escape(format_number(value, unit_ja, lang))]
    if when:
        parts.append(escape(when))
    elif fiscal_year is not None:
        parts.append(escape(t("tooltip.fy", lang, fy=fiscal_year)))
    line = " · ".join(parts)
    if is_sample:
        line += escape(t("tooltip.sample", lang))
    if source:
        line += source_footer(source, lang)
    return line


def source_footer(source: str, lang: str) -> str:
    """The tooltip's source line (HTML)."""
    from regionmap.i18n import t

    if not source:
        return ""
    return "<div><small>" + escape(t("tooltip.source", lang, source=source)) + "</small></div>"


# --- view and deck ----------------------------------------------------------------


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def view_for_bounds(
    bounds: Sequence[float], *, width: int = 760, height: int = 540, padding: float = 0.08
) -> pdk.ViewState:
    """The view that fits ``bounds`` (min lon, min lat, max lon, max lat) in the map.

    The centre is the middle of the bounds (in Web Mercator); the zoom the
    largest that shows all of them in a ``width`` x ``height`` pixel map with
    ``padding`` (fraction) on each side. Rounded, so the same bounds give
    exactly the same view state (Streamlit then keeps the user's pan/zoom).
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    y0, y1 = _merc_y(miny), _merc_y(maxy)
    lat_c = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    usable_w, usable_h = width * (1 - 2 * padding), height * (1 - 2 * padding)
    span_x = max(maxx - minx, 1e-6) / 360
    span_y = max(y1 - y0, 1e-6) / (2 * math.pi)
    zoom = min(math.log2(usable_w / 512 / span_x), math.log2(usable_h / 512 / span_y))
    return pdk.ViewState(
        longitude=round((minx + maxx) / 2, 4),
        latitude=round(lat_c, 4),
        zoom=round(max(3.0, min(zoom, 12.0)), 2),
        min_zoom=4,
        max_zoom=13,
        pitch=0,
        bearing=0,
    )


class Deck(pdk.Deck):
    """A pydeck Deck that serialises as compact JSON (no indentation, UTF-8 text)."""

    def to_json(self) -> str:  # noqa: D102 - same contract as pydeck's
        return json.dumps(
            json.loads(super().to_json()), ensure_ascii=False, separators=(",", ":"), sort_keys=True
        )


def make_deck(
    layers: Sequence[pdk.Layer],
    view: pdk.ViewState,
    *,
    tooltip_spec: dict | None = None,
    basemap_url: str | None = None,
    height: int = 540,
) -> Deck:
    """The deck: no basemap (offline) unless ``basemap_url`` (a MapLibre style) is given.

    ``map_provider=None`` keeps pydeck's ``__MAP_STYLE__`` sentinel, which makes
    Streamlit draw no basemap at all (``map_style=None`` would fetch Carto's).
    """
    deck = Deck(
        layers=list(layers),
        initial_view_state=view,
        map_provider=None,
        tooltip=tooltip_spec or False,
        height=height,
    )
    if basemap_url:
        deck.map_style = basemap_url
    return deck
