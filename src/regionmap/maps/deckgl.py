"""deck.gl layers, labels, tooltip, view and the compact deck.

Figures travel in the spec as deck.gl JSON expressions indexed by the feature's ``i``
(:func:`indexed_accessor`) with an update trigger; the tooltip shows the figure of the
hovered feature by a CSS rule keyed on ``k`` (:func:`tooltip`). Layers have fixed ids and
the spec is sent as compact JSON (:class:`Deck`). Plain Python, tested directly in
``tests/test_maplayers.py``.
"""

from __future__ import annotations

import hashlib
import json
import math
import weakref
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

import pydeck as pdk

from regionmap.i18n import col, sample_marked, t
from regionmap.maps import labels
from regionmap.maps.scales import BUREAU_LINE, LABEL_HALO, LABEL_INK, LEADER_LINE, SELECTED_LINE
from regionmap.maps.static import PublishedLayer
from regionmap.style import FONT_FAMILY, format_number


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
    rows: Sequence[Mapping[str, Any]],
    *,
    size: int = 14,
    color: Sequence[int] = LABEL_INK,
    zoom: float | None = None,
) -> pdk.Layer:
    """A TextLayer of names; rows hold ``position`` ([lon, lat]), ``text`` and, for a name
    with a leader line, ``plate`` (it sits on a white plate the line ends under).

    Every name has a white halo (:data:`HALO_WIDTH` in the font atlas: about a fifth of the
    text's height, :data:`regionmap.maps.labels.HALO_EM`), so it reads at 4.5:1 or more
    whatever the fill below (:data:`regionmap.maps.scales.LABEL_INK`).

    ``zoom``: the names were placed for this view's zoom (:func:`placed_layers`): their size
    is ``size`` px at :data:`regionmap.maps.labels.REFERENCE_SCALE` of the view and never
    larger, and smaller with the map below it, so names placed apart stay apart at any map
    size and any zoom. Without it the names are ``size`` px at every zoom.
    """
    data = [
        {
            "position": list(r["position"]),
            "text": str(r["text"]),
            "plate": list(LABEL_HALO) + [240] if r.get("plate") else [0, 0, 0, 0],
            "edge": list(LEADER_LINE) + [255] if r.get("plate") else [0, 0, 0, 0],
        }
        for r in rows
    ]
    plates = any(r.get("plate") for r in rows)
    layer = pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="position",
        get_text="text",
        get_color=list(color),
        font_weight=600,
        font_settings={"sdf": True, "fontSize": 48, "buffer": 12, "radius": 16},
        outline_width=HALO_WIDTH,
        outline_color=[*LABEL_HALO, 255],
        billboard=True,
        pickable=False,
    )
    if plates:  # accessors of the rows (pydeck writes a keyword's string as an expression)
        layer.background = True
        layer.get_background_color = "@@=plate"
        layer.get_border_color = "@@=edge"
        layer.get_border_width = 1
        layer.background_padding = list(labels.PLATE_PADDING)
    if zoom is None:
        return _literal(layer, get_size=size, size_units="pixels", **_text_props(data))
    return _literal(
        layer,
        get_size=round(size / (labels.REFERENCE_SCALE * 2**zoom), 8),
        size_units="common",
        size_max_pixels=size,
        **_text_props(data),
    )


def _text_props(data: Sequence[Mapping[str, object]]) -> dict[str, object]:
    return {
        "get_text_anchor": "middle",
        "get_alignment_baseline": "center",
        "font_family": FONT_FAMILY,
        "character_set": character_set(str(r["text"]) for r in data),
    }


#: The halo's width given to deck.gl (``outlineWidth``, in pixels of its 48 px font atlas
#: whose distance field reaches 16 px): deck.gl draws 0.75 of it, :data:`labels.HALO_EM`.
HALO_WIDTH = round(labels.HALO_EM * 48 / 0.75)


def placed_layers(
    layer_id: str,
    placed: Sequence[labels.Placed],
    *,
    zoom: float,
    size: int,
    color: Sequence[int] = LABEL_INK,
) -> list[pdk.Layer]:
    """The names of a :class:`regionmap.maps.labels.Placement` (placed for a view of
    ``zoom``): their leader lines (``layer_id + "-leaders"``, under them) and the names
    (``layer_id``)."""
    out: list[pdk.Layer] = []
    leaders = [p for p in placed if p.leader]
    if leaders:
        path = pdk.Layer(
            "PathLayer",
            id=layer_id + "-leaders",
            data=[{"path": [list(p.anchor), list(p.at)]} for p in leaders],
            get_path="path",
            get_color=[*LEADER_LINE, 255],
            get_width=1.3,
            pickable=False,
        )
        out.append(_literal(path, width_units="pixels"))
    rows = [{"position": list(p.at), "text": p.text, "plate": p.leader} for p in placed]
    out.append(label_layer(layer_id, rows, size=size, color=color, zoom=zoom))
    return out


def _literal(layer: pdk.Layer, **props: object) -> pdk.Layer:
    """Set props as they are: pydeck turns every string keyword into a ``@@=`` expression
    (and strips quotes), which would break literal strings such as a font list."""
    for name, value in props.items():
        setattr(layer, name, value)
    return layer


def labels_of(layer: PublishedLayer, lang: str, codes: Iterable[str] | None = None) -> list[dict]:
    """Rows (label point, name as the map shows it) of a published layer's features,
    optionally some codes."""
    wanted = None if codes is None else set(codes)
    return [
        {
            "position": list(layer.label_points[i]),
            "text": labels.map_text(layer.name, layer.names_ja[i], layer.names_en[i], lang),
        }
        for i, code in enumerate(layer.codes)
        if wanted is None or code in wanted
    ]


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
    style: Mapping[str, str] | None = None,
) -> dict:
    """A pydeck tooltip: the hovered area's name and, below it, its figure line.

    Streamlit fills ``{field}`` from the hovered feature's properties only, and
    the figures are not in the static files. So the tooltip HTML carries one
    line per area (``layer_keys``: feature key ``k`` -> already formatted
    figure line) and a CSS rule shows only the line whose ``data-k`` equals the
    hovered feature's ``{k}``. The spec grows by one short line per area.

    At most three short lines: the name, the figure with unit and year, and "sample"
    where it applies; the source stays in the caption under the map, so the tooltip never
    covers the neighbouring areas.
    """
    field = name_field or col("name", lang)
    lines = "".join(
        f'<div data-k="{escape(k, quote=True)}">{line}</div>' for k, line in layer_keys.items()
    )
    html = (
        "<div class='rm-tt'><style>.rm-tt [data-k]{display:none}"
        ".rm-tt [data-k='{k}']{display:block}</style>"
        f"<b>{{{field}}}</b>{lines}</div>"
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
    when: str = "",
    decimals: int | None = None,
) -> str:
    """One tooltip line: figure and unit, fiscal year and (sample).

    ``when`` (e.g. ``2016年3月時点``) is written instead of the fiscal year when given.
    """

    parts = [escape(format_number(value, unit_ja, lang, decimals=decimals))]
    if when:
        parts.append(escape(when))
    elif fiscal_year is not None:
        parts.append(escape(t("tooltip.fy", lang, fy=fiscal_year)))
    line = " · ".join(parts)
    return sample_marked(line, lang) if is_sample else line


# --- view and deck ----------------------------------------------------------------


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


#: The map size (px) a view is fitted to; the browser refits it to the map's real size
#: (``assets/map_ready.js``, the HTML export).
FIT_WIDTH, FIT_HEIGHT = 760, 540


def view_for_bounds(
    bounds: Sequence[float],
    *,
    width: int = FIT_WIDTH,
    height: int = FIT_HEIGHT,
    padding: float = 0.08,
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
    """A pydeck Deck that serialises as compact JSON (no indentation, UTF-8 text).

    Its JSON is made once, at the first :meth:`to_json` (the page's chart, the map-ready
    marker and the HTML download each ask for it): a deck is not changed once it is drawn.
    The decks of :func:`regionmap.maps.spec.area_deck` are shared by the sessions showing
    the same view (:mod:`regionmap.ui.components.mapview`).
    """

    def to_json(self) -> str:  # noqa: D102 - same contract as pydeck's
        made = _DECK_JSON.get(self)
        if made is None:
            made = json.dumps(
                json.loads(super().to_json()),
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            )
            _DECK_JSON[self] = made
        return made


#: Each deck's JSON, made once (kept beside the deck: pydeck serialises every attribute).
_DECK_JSON: weakref.WeakKeyDictionary[Deck, str] = weakref.WeakKeyDictionary()


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
