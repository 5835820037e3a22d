"""Chart axes of counts (render/charts.py): whole-number ticks, never "0 1 1 2 2"."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from regionmap import style
from regionmap.render import charts
from regionmap.render.charts import count_axis, ranked_bar, trend_line


def _ticks(axis) -> list[float]:
    """The tick values plotly draws on a linear axis from 0 to its range's top."""
    top = axis.range[1] if axis.range else None
    assert axis.tickmode == "linear" and axis.tick0 == 0
    assert top is None or top >= 0
    return [axis.tick0 + k * axis.dtick for k in range(0, 100)]


@pytest.mark.parametrize("top", [0, 1, 2, 3, 5, 7, 12, 30, 49])
def test_small_counts_get_whole_steps_and_few_ticks(top):
    axis = count_axis([0, top])
    assert axis["tickformat"] == ",d"
    assert isinstance(axis["dtick"], int) and axis["dtick"] >= 1
    assert top / axis["dtick"] <= 6


def test_the_ranking_under_two_themes_counts_0_1_2():
    frame = pd.DataFrame({"name": ["十勝", "釧路", "根室"], "n": [2, 1, 0]})
    fig = ranked_bar(frame, label="name", value="n", title="t", unit="件", lang="ja")
    x = fig.layout.xaxis
    assert (x.tickmode, x.tick0, x.dtick, x.tickformat) == ("linear", 0, 1, ",d")
    labels = [f"{v:,.0f}" for v in _ticks(x) if v <= 2]
    assert labels == ["0", "1", "2"]  # each once


def test_trend_line_of_small_counts_and_large_counts():
    small = trend_line(
        pd.DataFrame({"fy": [2014, 2015], "n": [1, 3]}), x="fy", y="n", title="t", unit="人"
    )
    assert small.layout.yaxis.dtick == 1
    large = trend_line(
        pd.DataFrame({"fy": [2014, 2015], "n": [900, 2500]}), x="fy", y="n", title="t", unit="人"
    )
    assert large.layout.yaxis.dtick is None  # plotly's own step, whole numbers at that size
    assert large.layout.yaxis.tickformat == ",d"


def test_all_zero_counts_show_zero_and_one():
    assert count_axis([0, 0])["range"] == [0, 1]
    assert count_axis([])["dtick"] == 1


def test_doctests():
    assert doctest.testmod(charts).failed == 0
    # the number format and the palette moved to the style module (issue #22)
    assert doctest.testmod(style).failed == 0
    assert doctest.testmod(style).attempted >= 5


def test_stacked_bars_of_the_overlay_pages_count_by_stack_totals():
    from regionmap.ui.components.overlay import stacked_bar

    frame = pd.DataFrame({"fy": [2015, 2015, 2016], "kind": ["a", "b", "a"], "n": [1, 2, 1]})
    fig = stacked_bar(
        frame, x="fy", y="n", category="kind", labels={}, order=["a", "b"],
        title="t", unit="件", lang="en",
    )  # fmt: skip
    assert (fig.layout.yaxis.dtick, fig.layout.yaxis.tickformat) == (1, ",d")


def test_the_html_ranking_is_the_charts_ranking_as_plain_text():
    """The overview's HTML bars and the plotly chart (its PNG download) are one ranking:
    same order top to bottom, same figures; names and the title stay text, never markup."""
    frame = pd.DataFrame({"name": ["十勝", "<img src=x>", "根室", "釧路"], "n": [2, 5, 0, 2]})
    args = dict(label="name", value="n", unit="件", lang="ja", highlight="根室")
    rows = charts.ranked_rows(frame, **args)
    html = charts.ranked_html(rows, title="順位 <b>")
    fig = ranked_bar(frame, title="順位", **args)
    shown = [r.name for r in rows]
    assert shown == list(fig.data[0].y)[::-1]  # plotly draws its first bar at the bottom
    assert shown[0] == "<img src=x>" and shown[-1] == "根室"
    assert "<img" not in html and "&lt;img src=x&gt;" in html and "順位 &lt;b&gt;" in html
    assert html.index("&lt;img") < html.index("十勝") < html.index("根室")
    assert html.count("rm-ranked-row rm-marked") == 1  # the marked row
    assert "5件" in html and "0件" in html
