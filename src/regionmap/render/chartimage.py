"""Charts drawn on the server: plotly figures redrawn with matplotlib (plotly's own
``to_image`` needs kaleido and a Chrome), and the handout's charts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from regionmap import figures, i18n
from regionmap.fonts import matplotlib_family
from regionmap.render.common import css_to_hex, png_bytes
from regionmap.style import ACCENT_HEX, CHART_COLOURS, INK, format_number, hex_colour, rgb


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
        return css_to_hex(colour)
    try:
        return [css_to_hex(c) for c in colour]
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

    colours = [css_to_hex(c) for c in (layout.colorway or ())] or list(CHART_COLOURS)
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
        ax.set_title(
            title, fontfamily=family, fontsize=fontsize * 1.25, loc="left", color=hex_colour(INK)
        )
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

    return FuncFormatter(lambda v, _p: format_number(v))


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

    family = matplotlib_family()
    dpi = 100 * scale
    fig = Figure(figsize=(width / dpi * scale, height / dpi * scale), dpi=dpi)
    fig.patch.set_facecolor("white")
    ax = fig.add_subplot(1, 1, 1)
    _draw_plotly(ax, figure, family, fontsize=max(9, height / 55))
    fig.tight_layout()
    return png_bytes(fig)


# ---------------------------------------------------------------------------
# The handout's charts (plotly specs, drawn by chart_png's renderer)
# ---------------------------------------------------------------------------


def kinds_in_order(trend: pd.DataFrame, figure_id: str) -> pd.DataFrame:
    """``trend``'s kind-id columns in the registry's order of the figure's kinds (their
    colours follow it); kinds the registry does not know last."""
    order = [k.id for k in figures.get(figure_id).kinds]
    known = [k for k in order if k in trend.columns]
    return trend[known + [k for k in trend.columns if k not in order]]


def dispatch_figure(trend: pd.DataFrame, lang: str):
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
                marker_color=rgb(fig_def.kind_colour(str(kind_id))),
            )
        )
    fig = go.Figure(bars)
    fig.update_layout(barmode="stack", title=i18n.t("report.chart_dispatch", lang))
    return fig


def evacuee_figure(trend: pd.Series, lang: str):
    import plotly.graph_objects as go

    x = [pd.Timestamp(m).strftime("%Y-%m") for m in trend.index]
    fig = go.Figure([go.Scatter(x=x, y=trend.tolist(), mode="lines+markers", name="")])
    fig.update_layout(
        title=i18n.t("report.chart_evacuees", lang),
        colorway=[ACCENT_HEX],
        yaxis={"rangemode": "tozero"},
    )
    return fig


def sites_figure(by_kind: pd.Series, lang: str):
    import plotly.graph_objects as go

    fig = go.Figure(
        [go.Bar(y=[str(k) for k in by_kind.index], x=by_kind.tolist(), orientation="h", name="")]
    )
    fig.update_layout(title=i18n.t("report.chart_sites", lang), colorway=[ACCENT_HEX])
    return fig


def chart_image(
    figure, width_pt: float, height_pt: float, dpi: int = 170, legend: str = "right"
) -> bytes:
    from matplotlib.figure import Figure

    family = matplotlib_family()
    fig = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    _draw_plotly(ax, figure, family, fontsize=7, legend=legend)
    fig.tight_layout(pad=0.4)
    return png_bytes(fig)
