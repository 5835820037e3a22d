"""Colours of every map: outline colours, the colour scale of counts and the one choropleth.

:func:`choropleth` is the one way a figure becomes classes and fills, whoever draws the
map (deck.gl on a page, matplotlib on a slide or a handout).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from regionmap.style import INK, NO_DATA, SEQUENTIAL, format_number, rgb

#: Line styles: region outlines heavier than bureau outlines.
REGION_LINE = (40, 40, 40, 255)
BUREAU_LINE = (90, 90, 90, 220)
MUNI_LINE = (120, 120, 120, 200)
SELECTED_LINE = (213, 94, 0, 255)  # vermillion (Okabe-Ito), stands out on cividis
CONTEXT_FILL = (236, 236, 230, 255)  # neighbouring areas drawn for context
#: Area names: the text, the halo around it (every map: deck.gl, PNG, still, slides, handouts),
#: the grey of the neighbouring bureaus' names on a bureau page, and the leader lines. The
#: text is read against its halo, whatever the fill below: both inks keep a contrast of at
#: least 4.5:1 with it (:func:`contrast`, WCAG 2).
LABEL_INK = INK
LABEL_HALO = (255, 255, 255)
CONTEXT_INK = (90, 90, 90)
LEADER_LINE = (60, 60, 60)


def contrast(a: Iterable[float], b: Iterable[float]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0-255; alpha ignored), 1 to 21.

    >>> round(contrast((34, 34, 34), (255, 255, 255)), 1)
    15.9
    """

    def luminance(rgb) -> float:
        def channel(v: float) -> float:
            c = v / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b_ = (channel(v) for v in list(rgb)[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


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
                items.append((rgb(colour), text))
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
