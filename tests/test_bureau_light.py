"""A lighter bureau page (issue #25): no chart library for the browser to load.

The evacuees' trend on the bureau page was a plotly chart, so a cold visit of a bureau deep
link loaded plotly's script (4.7 MB) before anything else; it is an inline SVG now
(:func:`regionmap.render.charts.trend_html`), with the plotly figure kept for the PNG download.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from apptest_helpers import run_app

from regionmap import db
from regionmap.render.charts import trend_html


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and the session database exist before the app runs."""


def test_the_bureau_page_draws_its_trend_without_plotly():
    at = run_app({"bureau": "ishikari"}, page="pages/bureau.py")
    assert not at.get("plotly_chart")
    svgs = [h.proto.body for h in at.get("html") if "rm-trend" in h.proto.body]
    assert len(svgs) == 1
    months = db.evacuees(bureau_code="02")["month"].astype(str).str[:7].nunique()
    assert svgs[0].count("<circle") == months > 1
    assert "避難者" in svgs[0] and "人" in svgs[0]
    # the chart is still offered as a PNG download
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("避難者" in label and "PNG" in label for label in labels), labels


def test_the_trend_svg_is_plain_text_scaled_from_zero_with_every_point_told():
    frame = pd.DataFrame({"m": ["2020-01", "2020-02", "2020-03"], "v": [10, 0, 1234]})
    html = trend_html(frame, x="m", y="v", title="<b>t</b>", unit="人", lang="ja")
    assert "<b>" not in html and "&lt;b&gt;t&lt;/b&gt;" in html
    tips = re.findall(r"<title>([^<]*)</title>", html)
    assert tips == ["2020-01: 10人", "2020-02: 0人", "2020-03: 1,234人"]
    ys = [float(y) for y in re.findall(r"<circle cx='[\d.]+' cy='([\d.]+)'", html)]
    assert ys[1] == max(ys) and ys[2] == min(ys)  # zero lowest, the peak at the top
    assert "2020-01" in html and "2020-03" in html
