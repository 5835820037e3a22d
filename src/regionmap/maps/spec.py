"""The one map pipeline: (area view, figures) -> the deck every page draws.

The overview, the bureau page and every overlay page build their map with
:func:`area_deck` from an :class:`regionmap.maps.areas.AreaView` (which areas are drawn,
filled and named) and their figures; the classes and fills come from
:func:`regionmap.maps.scales.choropleth`. The slides, the handouts, the map PNG and the
still (:mod:`regionmap.render.mapimage`) read the same area model and the same classes, and
the offline HTML map (:mod:`regionmap.render.maphtml`) is this deck, so the web page, the
slide and the PDF of one view show the same areas, names, classes and colours.

Layers have fixed ids (``bureaus``, ``regions``, ``municipalities``, their ``-lines``,
``regions-outline``, ``selected-bureau``/``selected-region``, ``labels-…``) so tests and the
browser find them by id, and deck.gl keeps their data across reruns.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from regionmap import figures, i18n
from regionmap.i18n import fy_text
from regionmap.maps import areas, deckgl, labels, scales, static
from regionmap.maps.areas import AreaView
from regionmap.style import format_number

#: Levels a map can be coloured by.
LEVELS = areas.LEVELS
#: Label sizes (px) of the area names, and of the neighbouring bureaus' on a bureau page.
LABEL_SIZE = labels.LABEL_SIZE


@dataclass(frozen=True)
class AreaFigures:
    """Figures by area code of one level, with what every figure must say: unit, when
    (fiscal year or month), source, and whether any is sample."""

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
    fiscal_year: int | None = None
    #: the figure's own precision (an index: 2), None: the usual (whole, or one decimal)
    decimals: int | None = None

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
    """:class:`AreaFigures` of a ``db.metric_by_area`` frame (None when empty).

    ``area_filter``: the frame was filtered by region/bureau, and its ``selected`` column
    says which areas are inside (the others are drawn dimmed).
    """
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
        fiscal_year=fy,
    )


def figures_from_indicator(df: pd.DataFrame, level: str, lang_when: int | None) -> AreaFigures:
    """:class:`AreaFigures` of a public figure per bureau or region (``db.indicators.
    indicator_by_area``): each area's **median** of its municipalities, never a sum (the
    title and legend say so); areas without a value are left out (drawn as no data). Its
    source is the ministry's credit."""
    first = df.iloc[0] if len(df) else None
    fy = lang_when if first is None else int(first["fiscal_year"])
    prefix = {lang: i18n.t("fig.source", lang, source="") for lang in i18n.LANGS}
    return AreaFigures(
        level=level,
        values={
            str(c): float(v)
            for c, v in zip(df["area_code"], df["median"], strict=True)
            if v is not None and not pd.isna(v)
        },
        unit_ja=str(first["unit_ja"]) if first is not None else "",
        unit_en=str(first["unit_en"]) if first is not None else "",
        when_ja=fy_text(fy, "ja"),
        when_en=fy_text(fy, "en"),
        source_ja=str(first["credit_ja"]).removeprefix(prefix["ja"]) if first is not None else "",
        source_en=str(first["credit_en"]).removeprefix(prefix["en"]) if first is not None else "",
        is_sample=False,
        fiscal_year=fy,
        decimals=int(first["decimals"]) if first is not None else None,
    )


def threshold_notes(metric: str, df: pd.DataFrame, unit: str, lang: str) -> list[str]:
    """The legal thresholds of a public figure (実質公債費比率 25 %/35 %) with how many
    municipalities are at or above each in ``df`` (a ``db.indicator_by_area`` frame: counted,
    never summed values), as the page's legend, the map PNG and its still say them."""
    fig = figures.get(metric)
    if not fig.is_indicator or not fig.thresholds:
        return []
    return [
        i18n.t(
            "fig.threshold_count",
            lang,
            name=th.label(lang),
            value=format_number(th.value, unit, lang, decimals=0),
            n=format_number(int(df[f"count_at_or_above_{th.id}"].sum()), "市町村", lang),
            law=i18n.pick((th.law_ja, th.law_en), lang),
        )
        for th in fig.thresholds
    ]


def view_for(area: AreaView) -> pdk.ViewState:
    """Hokkaido, or the selected bureau/region: changes only when the area changes."""
    if area.bureau_code:
        return deckgl.view_for_bounds(static.publish_layer("bureaus").bounds_of([area.bureau_code]))
    if area.region_code:
        return deckgl.view_for_bounds(static.publish_layer("regions").bounds_of([area.region_code]))
    return deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS)


def _tips(
    layer: static.PublishedLayer, figs: AreaFigures | None, codes: frozenset[str] | None, lang: str
) -> dict[str, str]:
    """Tooltip lines of the areas with a figure (inside ``codes`` when given)."""
    if figs is None:
        return {}
    return {
        layer.key_of(code): deckgl.figure_line(
            figs.values[code],
            unit_ja=figs.unit(lang),
            fiscal_year=None,
            when=figs.when(lang),
            is_sample=figs.is_sample,
            lang=lang,
            decimals=figs.decimals,
        )
        for code in layer.codes
        if code in figs.values and (codes is None or code in codes)
    }


@dataclass(frozen=True)
class AreaMap:
    """What :func:`area_deck` returns: the deck and its classes (``None`` when not filled)."""

    deck: deckgl.Deck
    classes: scales.Choropleth | None

    @property
    def scale(self) -> scales.ColorScale | None:
        return self.classes.scale if self.classes is not None else None


def area_deck(
    area: AreaView,
    lang: str,
    figs: AreaFigures | None,
    *,
    fill: bool = True,
    extra_layers: Sequence[pdk.Layer] = (),
    extra_tips: Mapping[str, str] | None = None,
) -> AreaMap:
    """The deck of a map of ``figs`` on the view ``area``.

    Parameters
    ----------
    area : AreaView
        What the map draws (:mod:`regionmap.maps.areas`): the areas coloured, the selected
        bureau or region (outlined, and the view fitted to it), whether the map shows that
        area alone (its municipalities, the neighbours as a clickable context: the bureau
        page), the clicked municipality (outlined), the layers switched on (names,
        municipal boundaries, tiles).
    lang : str
        Language of the labels and the tooltip.
    figs : AreaFigures or None
        The figure per area; None when there is none to show (no database, or a theme that
        covers nothing of the figure): the areas are then drawn plain, never as zeros. Its
        ``selected`` areas (an overlay page's area filter) are drawn, the others dimmed.
    fill : bool
        False draws the areas plain (maps of points, e.g. settlement sites).
    extra_layers, extra_tips
        Layers drawn above the areas (points) and their tooltip lines.
    """
    view = view_for(area)
    values = figs.values if fill and figs is not None else None
    if area.level == "municipality":
        layers, labels_, tips, classes = _municipality_layers(area, view, lang, figs, fill)
    else:
        layers, labels_, tips, classes = _area_layers(area, view, lang, figs, fill)
    # the selected area outlined above the areas, then points, then names
    if area.bureau_code:
        layers.append(
            deckgl.selection_layer(
                "selected-bureau", static.publish_layer("bureaus"), [area.bureau_code]
            )
        )
    elif area.region_code:
        layers.append(
            deckgl.selection_layer(
                "selected-region", static.publish_layer("regions"), [area.region_code]
            )
        )
    layers += list(extra_layers) + labels_
    tips.update(extra_tips or {})
    deck = deckgl.make_deck(
        layers,
        view,
        tooltip_spec=deckgl.tooltip(tips, lang=lang),
        basemap_url=static.publish_gsi_style() if area.has_layer("tiles") else None,
    )
    return AreaMap(deck, classes if values is not None else None)


def _municipality_layers(
    area: AreaView, view: pdk.ViewState, lang: str, figs: AreaFigures | None, fill: bool
) -> tuple[list[pdk.Layer], list[pdk.Layer], dict[str, str], scales.Choropleth]:
    """The layers, names, tooltip lines and classes of a map of municipalities: all of
    Hokkaido's (those outside the figures' selection dimmed), or a focused area's alone
    with the neighbouring bureaus around them."""
    bureaus, regions = static.publish_layer("bureaus"), static.publish_layer("regions")
    values = figs.values if fill and figs is not None else None
    if area.focus:
        munis = static.publish_layer("municipalities", where=area.where)
        outside: list[str] = []
    else:
        munis = static.publish_layer("municipalities")
        outside = area.outside(munis.codes, figs.selected if figs is not None else None)
    no_figures = area.no_figure(munis.codes)
    classes = scales.choropleth(munis.codes, values, no_figure=no_figures, outside=outside)
    selected_muni = area.muni if area.muni in munis.codes else None
    layers: list[pdk.Layer] = []
    if area.focus:  # the neighbours in a light fill, clickable to go there
        layers += deckgl.area_layers(
            "bureaus",
            bureaus,
            fill_colors=[list(scales.CONTEXT_FILL)] * len(bureaus.codes),
            line_color=scales.BUREAU_LINE,
            line_width=1.5,
            pickable=True,
        )
    layers += deckgl.area_layers(
        "municipalities",
        munis,
        fill_colors=classes.fills(),
        line_color=scales.MUNI_LINE,
        line_width=1 if area.focus else 0.6,
        line_colors=[
            list(scales.SELECTED_LINE if c == selected_muni else scales.MUNI_LINE)
            for c in munis.codes
        ]
        if selected_muni
        else None,
        line_widths=[3.0 if c == selected_muni else 1.0 for c in munis.codes]
        if selected_muni
        else None,
        pickable=True,
    )
    if not area.focus:
        layers += deckgl.area_layers(
            "bureaus", bureaus, line_color=scales.BUREAU_LINE, line_width=1.2, pickable=False
        )
    layers += deckgl.area_layers(
        "regions", regions, line_color=scales.REGION_LINE, line_width=3, pickable=False
    )
    named = frozenset(area.named(munis.codes)) if area.area_selected else None
    names: list[pdk.Layer] = []
    if area.has_layer("labels") and named is None:  # all Hokkaido: the bureaus' names
        names += name_layers(view, lang, bureaus)
    elif area.has_layer("labels"):
        # the area's municipalities (the seats always, the others where they fit) and, on
        # the bureau page, the neighbours' names where they are in view, in grey
        names += name_layers(
            view,
            lang,
            munis,
            named,
            context=bureaus if area.focus else None,
            context_codes=area.context_bureaus(bureaus.codes),
        )
    tips = _tips(munis, figs if fill else None, named, lang)
    tips = {k: v for k, v in tips.items() if k[1:] not in no_figures}
    return layers, names, tips, classes


def _area_layers(
    area: AreaView, view: pdk.ViewState, lang: str, figs: AreaFigures | None, fill: bool
) -> tuple[list[pdk.Layer], list[pdk.Layer], dict[str, str], scales.Choropleth]:
    """The layers, names, tooltip lines and classes of a map of bureaus or regions."""
    bureaus, regions = static.publish_layer("bureaus"), static.publish_layer("regions")
    values = figs.values if fill and figs is not None else None
    inside = figs.selected if figs is not None else None
    fill_layer = bureaus if area.level == "bureau" else regions
    classes = scales.choropleth(
        fill_layer.codes, values, outside=area.outside(fill_layer.codes, inside)
    )
    fills = classes.fills()
    bureau_layers = deckgl.area_layers(
        "bureaus",
        bureaus,
        fill_colors=fills if area.level == "bureau" else None,
        line_color=scales.BUREAU_LINE,
        line_width=1.2,
        pickable=area.level == "bureau",
    )
    layers: list[pdk.Layer] = []
    if area.level == "region":  # the filled regions first, their outlines above the bureaus'
        layers += deckgl.area_layers("regions", regions, fill_colors=fills, line_width=0)
        layers += bureau_layers
        layers += deckgl.area_layers(
            "regions-outline", regions, line_color=scales.REGION_LINE, line_width=3, pickable=False
        )
    else:
        layers += bureau_layers
        layers += deckgl.area_layers(
            "regions", regions, line_color=scales.REGION_LINE, line_width=3, pickable=False
        )
    if area.has_layer("municipalities"):  # municipal boundaries just above the filled layer
        at = 2 if len(layers) > 1 and layers[1].id.endswith(deckgl.LINES_SUFFIX) else 1
        layers[at:at] = deckgl.area_layers(
            "municipalities",
            static.publish_layer("municipalities"),
            line_color=(110, 110, 110, 140),
            line_width=0.6,
            pickable=False,
        )
    names = name_layers(view, lang, fill_layer) if area.has_layer("labels") else []
    tips = _tips(fill_layer, figs if fill else None, inside, lang)
    return layers, names, tips, classes


def name_layers(
    view: pdk.ViewState,
    lang: str,
    layer: static.PublishedLayer,
    codes: Iterable[str] | None = None,
    *,
    context: static.PublishedLayer | None = None,
    context_codes: Sequence[str] = (),
) -> list[pdk.Layer]:
    """The names of ``layer``'s areas (``codes`` of them) on the map of ``view``, placed by
    :func:`regionmap.maps.labels.place` (``labels-<layer>``, with ``-leaders``), and the
    ``context`` areas' names in grey (``labels-bureaus``, the neighbours of a bureau page).

    Municipalities: their bureaus' seats always, the others where they fit; the rest are
    named by the tooltip. Bureaus and regions: every name, always.
    """
    placement = placed_names(
        (view.longitude, view.latitude, view.zoom),
        lang,
        layer,
        None if codes is None else tuple(sorted(codes)),
        context,
        tuple(context_codes),
    )
    size = LABEL_SIZE[areas.LEVEL_OF[layer.name]]
    out = deckgl.placed_layers(
        "labels-" + layer.name, placement.styled("main"), zoom=view.zoom, size=size
    )
    if context is not None:
        out += deckgl.placed_layers(
            "labels-" + context.name,
            placement.styled("context"),
            zoom=view.zoom,
            size=LABEL_SIZE["context"],
            color=scales.CONTEXT_INK,
        )
    return out


@functools.lru_cache(maxsize=256)
def placed_names(
    view: tuple[float, float, float],
    lang: str,
    layer: static.PublishedLayer,
    codes: tuple[str, ...] | None,
    context: static.PublishedLayer | None = None,
    context_codes: tuple[str, ...] = (),
) -> labels.Placement:
    """Where the names of :func:`name_layers` go on the map of ``view`` (longitude,
    latitude, zoom, fitted to deckgl.FIT_WIDTH x FIT_HEIGHT): placed once per view, layer
    file (its URL holds its content's hash) and language for the server's life."""
    plane = labels.view_plane(*view, deckgl.FIT_WIDTH, deckgl.FIT_HEIGHT)
    shown = static.layer_frame(layer)
    if codes is not None:
        shown = shown[shown["code"].isin(set(codes))]
    names = areas.area_names(shown, layer.name, lang, size=LABEL_SIZE[areas.LEVEL_OF[layer.name]])
    if context is not None:
        around = static.layer_frame(context)
        around = around[around["code"].isin(set(context_codes))]
        names += areas.context_names(
            around, lang, size=LABEL_SIZE["context"], within=plane.bounds()
        )
    return labels.place(names, plane, static.land())
