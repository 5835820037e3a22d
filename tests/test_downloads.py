"""Downloads of the dashboard pages: the expander's buttons (AppTest) and the bytes they give.

AppTest does not click a download button; the producers behind the buttons are
called directly and their files opened (Pillow for PNG, the csv module for CSV).
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from apptest_helpers import run_app
from PIL import Image
from streamlit.testing.v1 import AppTest

from regionmap.render import common
from regionmap.render.charts import ranked_bar
from regionmap.state import FilterState
from regionmap.ui.components import downloads


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and database exist before the app runs."""


def download_labels(at: AppTest) -> list[str]:
    return [el.proto.label for el in at.get("download_button")]


def expander_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


# --- the expander on the pages ---------------------------------------------------------


def test_overview_offers_the_map_and_the_ranking_chart():
    at = run_app({"metric": "dispatch"})  # a counted figure: its map also as PNG
    assert "ダウンロード" in expander_labels(at)
    labels = download_labels(at)
    assert labels == [
        "地図（PNG）",
        "地図（HTML・ネットワーク不要）",
        "振興局別順位のグラフ（PNG）",
    ]


def test_overview_in_english_labels_the_buttons_in_english():
    at = run_app({"lang": "en", "metric": "dispatch"})
    assert "Downloads" in expander_labels(at)
    assert download_labels(at) == [
        "Map (PNG)",
        "Map to keep (HTML, works offline)",
        "Bureau ranking chart (PNG)",
    ]


def test_bureau_page_with_a_bureau_offers_handout_map_and_tables():
    at = run_app({"bureau": "tokachi"}, page="pages/bureau.py")
    labels = download_labels(at)
    assert labels[:3] == ["地図（PNG）", "地図（HTML・ネットワーク不要）", "配布資料（PDF）"]
    for name in ("重点プロジェクト", "振興局事業", "職員派遣", "取組箇所"):
        assert f"{name}（CSV形式）" in labels and f"{name}（Excel形式）" in labels


def test_bureau_page_without_an_area_has_no_handout():
    at = run_app(page="pages/bureau.py")
    labels = download_labels(at)
    assert "地図（PNG）" in labels
    assert "配布資料（PDF）" not in labels


# --- the producers ---------------------------------------------------------------------


def _not_blank(png: bytes, size: tuple[int, int]) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.size == size
    colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 20  # a drawing, not a blank canvas
    return img


def test_map_png_of_a_bureau_has_the_asked_size_and_is_drawn():
    png = downloads.map_png_bytes(
        "bureau", "tokachi", "dispatch", "bureau", None, (), "ja", 800, 500
    )
    _not_blank(png, (800, 500))


def test_map_png_of_hokkaido_by_region():
    png = downloads.map_png_bytes("hokkaido", None, "dispatch", "region", None, (), "en", 640, 400)
    _not_blank(png, (640, 400))


def test_chart_png_of_a_plotly_figure_is_drawn():
    frame = pd.DataFrame({"name": ["十勝", "上川", "空知"], "value": [12, 7, 3]})
    fig = ranked_bar(frame, label="name", value="value", title="派遣", unit="人", lang="ja")
    png = downloads.chart_png_bytes(fig.to_json(), fig)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] > 100 and img.size[1] > 100
    assert len(img.convert("RGB").getcolors(maxcolors=1_000_000)) > 20


def test_table_csv_neutralises_formulas_and_excel_opens():
    frame = pd.DataFrame({"市町村": ["=1+1", "帯広市"], "人数": [3, -2]})
    data = downloads.table_bytes(frame, "csv", "dispatches")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["市町村", "人数"]
    assert rows[1][0] == "'=1+1"
    assert rows[2] == ["帯広市", "-2"]  # numbers stay numbers
    xlsx = downloads.table_bytes(frame, "xlsx", "dispatches")
    back = pd.read_excel(io.BytesIO(xlsx))
    assert back["市町村"].tolist() == ["'=1+1", "帯広市"]


def test_handout_is_a_pdf_named_after_the_bureau():

    pdf = downloads.handout_bytes("bureau", "tokachi", "ja", None, ())
    assert pdf.startswith(b"%PDF")
    area_file = common.resolve_area("bureau", "tokachi").filename("ja")
    assert downloads.handout_name(area_file, 2015, "ja") == "bureau-12-tokachi-2015-ja.pdf"
    assert downloads.handout_name(area_file, None, "ja") == "bureau-12-tokachi-latest-ja.pdf"


def test_file_names_carry_area_metric_year_and_language():
    s = FilterState(bureau="tokachi")
    kind, code, slug = downloads.map_area(s)
    assert (kind, code) == ("bureau", "tokachi")
    assert downloads.download_name("map", slug, "dispatch", 2015, "ja", "png") == (
        "map-tokachi-dispatch-2015-ja.png"
    )
    assert downloads.map_area(FilterState())[0] == "hokkaido"
    assert downloads.download_name("map", "hokkaido", "sites", None, "en", "png").endswith(
        "-latest-en.png"
    )


def test_overlay_page_offers_its_map_trend_chart_and_table():
    at = run_app({"lang": "en"}, page="pages/dispatch.py")
    labels = download_labels(at)
    assert labels[0] == "Map (PNG)"
    assert "Staff dispatch over time chart (PNG)" in labels
    assert {"Staff dispatch (CSV)", "Staff dispatch (Excel)"} <= set(labels)
    assert "Handout (PDF)" not in labels


def test_every_overlay_page_has_the_downloads_expander():
    for page in ("projects", "settlement", "evacuees", "proposals"):
        at = run_app({"bureau": "tokachi"}, page=f"pages/{page}.py")
        assert "ダウンロード" in expander_labels(at), page
        assert download_labels(at)[:2] == ["地図（PNG）", "地図（HTML・ネットワーク不要）"], page
        assert any(label.endswith("（CSV形式）") for label in download_labels(at)), page


def test_map_png_of_an_area_without_municipal_figures_is_drawn():
    png = downloads.map_png_bytes("bureau", "tokachi", None, "bureau", None, (), "ja", 600, 400)
    _not_blank(png, (600, 400))
