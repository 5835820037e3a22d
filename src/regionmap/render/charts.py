"""Charts (plotly) in the dashboard's style (:mod:`regionmap.style`: the palette, the
number format, the fonts), so maps, charts and tables agree:

- :func:`ranked_bar` — a ranked horizontal bar chart whose title says what,
  where and when; :func:`ranked_html` the same ranking as HTML bars (no chart library
  in the browser), both from :func:`ranked_rows`;
- :func:`trend_line` — a line over fiscal years or months; :func:`trend_html` the same
  line as an inline SVG (no chart library in the browser);
- :func:`count_axis` — whole-number axes of counts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd
import plotly.graph_objects as go

from regionmap import figures
from regionmap.style import ACCENT, FONT_FAMILY, SEQUENTIAL, format_number, rgb


@dataclass(frozen=True)
class RankedRow:
    """One bar of a ranking: the area's name, its figure, the figure as text and the
    bar's colour (the accent when marked or nothing is marked, else lighter)."""

    name: str
    value: float
    text: str
    colour: str
    marked: bool


def ranked_rows(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    unit: str,
    lang: str = "ja",
    highlight: str | Collection[str] | None = None,
    decimals: int | None = None,
) -> list[RankedRow]:
    """The bars of a ranking, largest first: the one definition of :func:`ranked_bar`
    (plotly) and :func:`ranked_html` (the overview's, no chart library in the browser).
    ``decimals``: the figure's own precision (``figures.get(id).decimals``: an index's 0.20),
    None the usual."""
    # ascending and reversed: equal figures keep the order plotly has always drawn them in
    df = frame[[label, value]].sort_values(value, ascending=True, kind="stable")
    light = rgb(SEQUENTIAL[2])
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    rows = [
        RankedRow(
            name=str(name),
            value=v,
            text=format_number(v, unit, lang, decimals=decimals),
            colour=ACCENT if not marked or name in marked else light,
            marked=name in marked,
        )
        for name, v in zip(df[label], df[value], strict=True)
    ]
    return rows[::-1]


def ranked_bar(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    unit: str,
    lang: str = "ja",
    highlight: str | Collection[str] | None = None,
    decimals: int | None = None,
) -> go.Figure:
    """Horizontal bar chart ranked by ``value``, largest on top.

    Parameters
    ----------
    frame : DataFrame
        One row per area; ``label`` holds the area name, ``value`` the figure.
    title : str
        Says what, where and when (built by the caller from the i18n catalog).
    unit : str
        Japanese unit of the figures (shown on the axis and in the hover text).
    highlight : str or collection of str, optional
        Label of a bar to draw in the accent colour (the selected area); the
        others are lighter.
    decimals : int, optional
        The figure's own precision for the bars' values (:func:`ranked_rows`).
    """
    # plotly draws the first bar at the bottom
    rows = ranked_rows(
        frame, label=label, value=value, unit=unit, lang=lang, highlight=highlight,
        decimals=decimals,
    )  # fmt: skip
    rows.reverse()
    fig = go.Figure(
        go.Bar(
            x=pd.Series([r.value for r in rows]),
            y=[r.name for r in rows],
            orientation="h",
            marker_color=[r.colour for r in rows],
            text=[r.text for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    return _styled(
        fig,
        title,
        height=max(260, 28 * len(rows) + 90),
        margin={"l": 10, "r": 40, "t": 60, "b": 30},
        xaxis={"title": {"text": figures.unit_text(unit, lang)}, **count_axis(frame[value])},
        yaxis={"title": None},
        showlegend=False,
    )


def ranked_html(rows: Sequence[RankedRow], *, title: str) -> str:
    """A ranking (:func:`ranked_rows`, the bars of :func:`ranked_bar`) as HTML bars (a list:
    name, bar, figure with its unit), for a page that should not load a chart library in
    the browser (the overview: plotly's script is 4.7 MB). Every text is escaped: names,
    units and the title stay plain text. Marked bars are in the accent colour and bold (not
    told by colour alone)."""
    top = max((r.value for r in rows), default=0.0)
    items = "".join(
        f"<li class='rm-ranked-row{' rm-marked' if r.marked else ''}'>"
        f"<span class='rm-ranked-name'>{escape(r.name)}</span>"
        f"<span class='rm-ranked-track' aria-hidden='true'><span class='rm-ranked-bar' "
        f"style='width:{(100 * r.value / top) if top > 0 else 0:.1f}%;background:{r.colour}'>"
        f"</span></span><span class='rm-ranked-value'>{escape(r.text)}</span></li>"
        for r in rows
    )
    return (
        f"<figure class='rm-ranked' style='margin:0;font-family:{escape(FONT_FAMILY)}'>"
        f"<figcaption style='font-size:15px;font-weight:600;margin:0 0 8px'>{escape(title)}"
        f"</figcaption><ol style='list-style:none;margin:0;padding:0;display:grid;"
        "grid-template-columns:max-content minmax(40px,1fr) max-content;gap:4px 8px;"
        f"align-items:center;font-size:14px'>{items}</ol></figure>"
        "<style>.rm-ranked-row{display:contents}"
        ".rm-ranked-track{display:block;height:16px;background:#f0f0f0}"
        ".rm-ranked-bar{display:block;height:100%}"
        ".rm-ranked-value{text-align:right;font-variant-numeric:tabular-nums}"
        ".rm-marked .rm-ranked-name,.rm-marked .rm-ranked-value{font-weight:700}</style>"
    )


def trend_line(
    frame: pd.DataFrame, *, x: str, y: str, title: str, unit: str, lang: str = "ja"
) -> go.Figure:
    """A line chart over time (fiscal years or months) in the shared style."""
    texts = [format_number(v, unit, lang) for v in frame[y]]
    fig = go.Figure(
        go.Scatter(
            x=frame[x],
            y=frame[y],
            mode="lines+markers",
            line={"color": ACCENT},
            text=texts,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    return _styled(
        fig,
        title,
        height=320,
        margin={"l": 10, "r": 20, "t": 60, "b": 30},
        yaxis={"title": {"text": figures.unit_text(unit, lang)}, **count_axis(frame[y])},
    )


def trend_html(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    unit: str,
    lang: str = "ja",
    decimals: int | None = None,
    thresholds: Sequence[tuple[float, str]] = (),
) -> str:
    """:func:`trend_line` as an inline SVG under its title, for a page that should not load
    a chart library in the browser (the bureau page: plotly's script is 4.7 MB of the
    11.7 MB a cold visit loaded, issue #25). The axis runs from zero to the largest figure,
    labelled with its unit; the first and last ``x`` are written under the line; each point
    tells its ``x`` and figure on hover. Every text is escaped (plain text).

    ``decimals``: the figure's own precision (an index: 0.72); a missing value (a year the
    ministry published 「－」) is a gap in the line, never 0; ``thresholds`` ``(value, name)``
    are drawn as dashed lines named at their left (実質公債費比率: 25 %, 35 %)."""
    values = [None if pd.isna(v) else float(v) for v in frame[y]]
    xs = [str(v) for v in frame[x]]
    width, height, left, right, top, bottom = 640, 240, 64, 16, 16, 28
    known = [v for v in values if v is not None]
    peak = max([*known, *(v for v, _ in thresholds)], default=0.0) or 1.0
    n = len(values)

    def fmt(v: float, places: int | None = decimals) -> str:
        return format_number(v, unit, lang, decimals=places)

    def px(i: int) -> float:
        return left + (width - left - right) * (i / (n - 1) if n > 1 else 0.5)

    def py(v: float) -> float:
        return top + (height - top - bottom) * (1 - v / peak)

    runs: list[list[str]] = [[]]  # the line, broken where a value is missing
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append(f"{px(i):.1f},{py(v):.1f}")
    lines = "".join(
        f"<polyline points='{' '.join(run)}' fill='none' stroke='{ACCENT}' stroke-width='2'/>"
        for run in runs
        if run
    )
    dots = "".join(
        f"<circle cx='{px(i):.1f}' cy='{py(v):.1f}' r='3' fill='{ACCENT}'>"
        f"<title>{escape(xs[i])}: {escape(fmt(v))}</title></circle>"
        for i, v in enumerate(values)
        if v is not None
    )
    legal = "".join(
        f"<line class='rm-threshold' x1='{left}' x2='{width - right}' y1='{py(v):.1f}' "
        f"y2='{py(v):.1f}' stroke='#222' stroke-dasharray='5 4'/>"
        f"<text x='{left + 4}' y='{py(v) - 4:.1f}'>{escape(name)} {escape(fmt(v, 0))}</text>"
        for v, name in thresholds
    )
    base = height - bottom
    label = escape(figures.unit_text(unit, lang))
    ticks = "".join(
        f"<text x='{left - 6}' y='{py(v) + 4:.1f}' text-anchor='end'>"
        f"{escape(fmt(v))}</text>"
        f"<line x1='{left}' x2='{width - right}' y1='{py(v):.1f}' y2='{py(v):.1f}' "
        "stroke='#e6e6e6'/>"
        for v in (0.0, peak)
    )
    ends = (
        f"<text x='{px(0):.1f}' y='{height - 8}' text-anchor='start'>{escape(xs[0])}</text>"
        f"<text x='{px(n - 1):.1f}' y='{height - 8}' text-anchor='end'>{escape(xs[-1])}</text>"
        if n
        else ""
    )
    return (
        f"<figure class='rm-trend' style='margin:0;font-family:{escape(FONT_FAMILY)}'>"
        f"<figcaption style='font-size:15px;font-weight:600;margin:0 0 4px'>{escape(title)}"
        f"</figcaption><svg viewBox='0 0 {width} {height}' width='100%' role='img' "
        f"aria-label='{escape(title)}' style='max-width:{width}px;font-size:12px;fill:#444'>"
        f"<desc>{label}</desc>{ticks}<line x1='{left}' x2='{width - right}' y1='{base}' "
        f"y2='{base}' stroke='#999'/>{legal}{lines}{dots}{ends}</svg></figure>"
    )


#: An axis of counts: whole numbers with thousands separators, from zero.
_COUNT_AXIS = {"tickformat": ",d", "rangemode": "tozero"}
#: At most this many ticks on an axis of small counts.
_MAX_TICKS = 6


def count_axis(values: Iterable[float | int | None]) -> dict[str, object]:
    """Axis settings for counts: whole-number ticks only, from zero.

    plotly picks its tick step from the axis length; for small counts it picks 0.5 or
    0.2, and ``tickformat=",d"`` then prints "0 1 1 2 2". Below 50 the step is set
    here: the smallest of 1, 2, 5, 10 giving at most :data:`_MAX_TICKS` steps. Larger
    counts keep plotly's own step (never below 1 there).

    >>> count_axis([0, 2])["dtick"]
    1
    >>> count_axis([3, 14])["dtick"]
    5
    >>> "dtick" in count_axis([120])
    False
    """
    numbers = [float(v) for v in values if v is not None and v == v]
    top = max(numbers, default=0.0)
    axis: dict[str, object] = dict(_COUNT_AXIS)
    if top < 50:
        step = next((d for d in (1, 2, 5, 10) if top / d <= _MAX_TICKS), 10)
        axis.update(tickmode="linear", tick0=0, dtick=step)
        if top < 1:  # nothing but zeros: show 0 and 1, not a range around 0
            axis["range"] = [0, 1]
    return axis


def _styled(fig: go.Figure, title: str, **layout: object) -> go.Figure:
    """``fig`` in the shared style: title, font, separators, white plot, and ``layout``."""
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 13},
        separators=".,",
        plot_bgcolor="white",
        **layout,
    )
    return fig
