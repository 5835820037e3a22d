"""The look every figure shares: the palette, the number format and the missing-value mark.

One definition below :mod:`regionmap.maps` (deck.gl), :mod:`regionmap.render` (plotly,
matplotlib, the PDF) and :mod:`regionmap.ui` (Streamlit), so a page, a slide, a map PNG, the
offline HTML map and a handout colour and write a figure the same way:

- :data:`SEQUENTIAL` — the colour-blind-safe sequential palette (cividis, light = low,
  dark = high) of every choropleth and bar; :data:`ACCENT` its darkest step;
- :data:`NO_DATA` — areas without a figure (and the Northern Territories);
- :data:`INK`, :data:`MUTED`, :data:`SAMPLE` … — text and mark colours on screen and paper;
- :func:`format_number` — thousands separators and the unit (``1,234人``,
  ``1,234 persons``); :data:`MISSING` (``—``) where there is no figure, never 0;
- :data:`FONT_FAMILY` — Japanese fonts first, for every chart, legend and map label.

Plain Python: no plotting library, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from regionmap import figures, i18n

#: Font list for charts and map labels: Japanese faces first (installed by the OS).
FONT_FAMILY = '"Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif'

RGB = tuple[int, int, int]

#: cividis sampled at 6 steps, light (low) to dark (high); colour-blind safe.
SEQUENTIAL: tuple[RGB, ...] = (
    (254, 232, 56),
    (201, 183, 106),
    (150, 142, 119),
    (105, 106, 112),
    (57, 72, 107),
    (0, 34, 78),
)
#: The accent colour of single-series charts and marked bars (the palette's darkest step).
ACCENT_RGB: RGB = SEQUENTIAL[-1]
#: Colour of areas without a figure and of the Northern Territories.
NO_DATA: RGB = (220, 220, 220)
#: Text: dark ink (also the map names', on a white halo), muted notes, the sample mark.
INK: RGB = (34, 34, 34)
MUTED: RGB = (102, 102, 102)
SAMPLE: RGB = (179, 88, 6)
#: Paper maps: the sea, and the rest of Hokkaido drawn grey around an area.
SEA: RGB = (243, 248, 252)
CONTEXT: RGB = (236, 236, 236)

#: The mark of a figure that is not there (no data, or a theme that does not cover it):
#: every page, slide, map legend, PNG and handout shows this, never 0.
MISSING = "—"


def rgb(colour: Sequence[int]) -> str:
    """A colour as CSS ``rgb(r, g, b)`` (plotly, HTML).

    >>> rgb((0, 34, 78))
    'rgb(0, 34, 78)'
    """
    return "rgb({}, {}, {})".format(*colour[:3])


def hex_colour(colour: Sequence[int]) -> str:
    """A colour as ``#rrggbb`` (matplotlib, the PDF).

    >>> hex_colour((220, 220, 220))
    '#dcdcdc'
    """
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in colour[:3]))


#: The accent as CSS (plotly) and as hex (matplotlib).
ACCENT = rgb(ACCENT_RGB)
ACCENT_HEX = hex_colour(ACCENT_RGB)
#: Series colours of multi-series charts: steps of the palette, alternating dark/light.
CHART_COLOURS = tuple(hex_colour(SEQUENTIAL[i]) for i in (5, 1, 3, 0, 4, 2))


def is_missing(value: object) -> bool:
    """No figure: ``None`` or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(
    value: float | int | None, unit: str = "", lang: str = "ja", *, decimals: int | None = None
) -> str:
    """A figure with thousands separators and its unit; :data:`MISSING` when there is none.

    Japanese writes the unit right after the number (``1,234人``); English puts a space and
    the English unit word when the unit is Japanese (``1,234 persons``). Whole numbers show
    no decimals; others one; ``decimals``: that many (a figure's own, ``0.72``).

    Examples
    --------
    >>> format_number(2500, "人")
    '2,500人'
    >>> format_number(2500, "人", "en")
    '2,500 persons'
    >>> format_number(1, "persons", "en")
    '1 person'
    >>> format_number(12.345), format_number(3.0), format_number(None, "件")
    ('12.3', '3', '—')
    """
    if is_missing(value):
        return MISSING
    assert value is not None
    if decimals is not None:  # a figure with its own precision (財政力指数 0.72)
        number = f"{value:,.{decimals}f}"
    else:
        number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if not unit:
        return number
    word = i18n.pick((unit, figures.unit_text(unit, lang, value)), lang)
    return i18n.punct("number_unit", lang, number=number, unit=word)


def format_delta(value: float | int | None, unit: str = "", lang: str = "ja") -> str | None:
    """A change with its sign (``+3件``, ``-120人``, ``±0件``), or ``None`` when unknown."""
    if is_missing(value):
        return None
    assert value is not None
    sign = "+" if value > 0 else ("±" if value == 0 else "-")
    return sign + format_number(abs(value), unit, lang)
