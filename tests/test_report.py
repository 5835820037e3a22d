"""PDF handouts, map and chart PNGs, and the ``report`` command line.

All 20 handouts (14 bureaus, 6 regions) are built once per session by the real
command line in one subprocess (``python -m regionmap report --all``), against
the session's boundary layers and database; the tests then read the files the
way a user's tools would: page size, embedded fonts (``pdffonts``), the text
layer (``pdftotext`` from poppler-utils) and the figures in it, compared with
what the database gives.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from regionmap import MLIT_CREDIT_JA, db, figures, i18n, reference, style
from regionmap.fonts import FontNotFoundError, find_japanese_font
from regionmap.render import chartimage, charts, common, handout, mapimage
from regionmap.style import SEQUENTIAL, format_number

PDFTOTEXT = shutil.which("pdftotext")
PDFFONTS = shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext not installed (apt-get install poppler-utils)"
)

BUREAUS = list(reference.bureaus().itertuples())
REGIONS = list(reference.regions().itertuples())
#: The Japanese label of each headline card, as the handout prints it.
CARD_LABELS = {m: i18n.t(f"report.metric.{m}", "ja") for m in figures.ids()}


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "regionmap", "report", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )


@pytest.fixture(scope="session")
def handouts(tmp_path_factory, geo_dir, db_path) -> Path:
    """Every bureau's and region's handout, built once by ``report --all``."""
    out = tmp_path_factory.mktemp("handouts")
    proc = _run_cli("--all", "--out", str(out), "--db", str(db_path))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def con(db_path):

    return db.connect(db_path)


def _pdf_of(folder: Path, kind: str, code: str) -> Path:
    area = common.resolve_area(kind, code)
    return folder / area.filename("ja")


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(
        [PDFTOTEXT, *args, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _squash(text: str) -> str:
    """Text without any white space (table cells wrap long titles over lines)."""
    return "".join(text.split())


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def _words(pdf: Path, page: int = 1) -> list[tuple[float, float, str]]:
    """(x, y, word) of every word on a page, from ``pdftotext -bbox``."""
    html = _text(pdf, "-f", str(page), "-l", str(page), "-bbox")
    return [(float(m[0]), float(m[1]), m[4]) for m in _WORD.findall(html)]


def _card(words, label: str) -> list[str]:
    """The words printed in the headline card whose title is ``label``."""
    hits = [(x, y) for x, y, w in words if w == label]
    assert hits, f"no headline card titled {label!r}"
    x0, y0 = hits[0]
    return [w for x, y, w in words if x0 - 2 <= x <= x0 + 160 and y0 - 4 <= y <= y0 + 60]


# ---------------------------------------------------------------------------
# Generation, page size, fonts
# ---------------------------------------------------------------------------


def test_every_bureau_and_region_gets_a_handout(handouts):
    names = sorted(p.name for p in handouts.glob("*.pdf"))
    expected = sorted(
        [f"bureau-{b.bureau_code}-{b.bureau_id}-ja.pdf" for b in BUREAUS]
        + [f"region-{r.region_code}-{r.region_id}-ja.pdf" for r in REGIONS]
    )
    assert names == expected
    for p in handouts.glob("*.pdf"):
        data = p.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), p.name
    assert not list(handouts.glob("*.part")), "temporary files left behind"


def test_pages_are_a4_landscape(handouts):
    for p in handouts.glob("*.pdf"):
        boxes = re.findall(
            rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", p.read_bytes()
        )
        assert boxes, f"{p.name}: no page size"
        for x0, y0, x1, y1 in boxes:
            w, h = float(x1) - float(x0), float(y1) - float(y0)
            assert abs(w - 842) <= 1 and abs(h - 595) <= 1, f"{p.name}: page {w}×{h} pt"


def _font_descriptors(data: bytes) -> list[bytes]:
    """The FontDescriptor dictionaries of a PDF (fpdf2 writes them uncompressed)."""
    objs = re.findall(rb"\d+ 0 obj\s*(<<.*?>>)\s*endobj", data, flags=re.S)
    return [o for o in objs if b"/Type /FontDescriptor" in o]


def test_japanese_fonts_are_embedded(handouts):
    for p in sorted(handouts.glob("*.pdf")):
        descriptors = _font_descriptors(p.read_bytes())
        assert descriptors, f"{p.name}: no fonts"
        for d in descriptors:
            assert re.search(rb"/FontFile[23]?\s+\d+ 0 R", d), (
                f"{p.name}: font not embedded: {d[:120]!r}"
            )
        if PDFFONTS:
            out = subprocess.run(
                [PDFFONTS, str(p)], capture_output=True, text=True, check=True
            ).stdout
            rows = out.splitlines()[2:]
            assert rows, f"{p.name}: pdffonts lists no font"
            for row in rows:
                cols = row.split()
                # name, type..., encoding, emb, sub, uni, object id, generation
                assert cols[-5] == "yes", f"{p.name}: not embedded: {row}"
                assert cols[-3] == "yes", f"{p.name}: no Unicode map (text not extractable): {row}"
            font = find_japanese_font()
            assert any(font.family.replace(" ", "") in r.replace(" ", "") for r in rows), out


# ---------------------------------------------------------------------------
# Text layer: names, figures as the database gives them, credits
# ---------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("bureau", BUREAUS, ids=[b.bureau_id for b in BUREAUS])
def test_bureau_handout_shows_its_name_and_figures(handouts, con, bureau):

    pdf = _pdf_of(handouts, "bureau", bureau.bureau_code)
    text = _squash(_text(pdf))
    assert bureau.name_ja in text
    assert _squash(MLIT_CREDIT_JA) in text
    words = _words(pdf, 1)
    for metric in figures.ids():
        h = db.headline(metric, bureau_code=bureau.bureau_code, con=con)
        card = _card(words, CARD_LABELS[metric])
        assert format_number(h["value"]) in card, (metric, card)
        assert h["unit_ja"] in card, (metric, card)
        assert f"{h['fiscal_year']}年度" in card, (metric, card)
        assert ("サンプル" in card) == bool(h["is_sample"]), (metric, card)
        assert any(w.startswith("出典") for w in card), (metric, card)
    # the area's priority projects, proposals and bureau projects are listed
    for title in db.priority_projects(bureau_code=bureau.bureau_code, con=con)["title_ja"]:
        assert _squash(title) in text
    for title in db.proposals(bureau_code=bureau.bureau_code, con=con)["title_ja"]:
        assert _squash(title) in text
    for item in db.bureau_projects(bureau_code=bureau.bureau_code, con=con)["text_ja"]:
        assert _squash(item) in text


@needs_poppler
@pytest.mark.parametrize("region", REGIONS, ids=[r.region_id for r in REGIONS])
def test_region_handout_shows_its_name_and_figures(handouts, con, region):

    pdf = _pdf_of(handouts, "region", region.region_code)
    text = _squash(_text(pdf))
    assert f"{region.name_ja}連携地域" in text
    words = _words(pdf, 1)
    for metric in figures.ids():
        h = db.headline(metric, region_code=region.region_code, con=con)
        card = _card(words, CARD_LABELS[metric])
        assert format_number(h["value"]) in card, (metric, card)
        assert h["unit_ja"] in card
    for title in db.priority_projects(region_code=region.region_code, con=con)["title_ja"]:
        assert _squash(title) in text
    # every member bureau is named
    for b in BUREAUS:
        if b.region_code == region.region_code:
            assert b.name_ja in text


@needs_poppler
def test_handout_marks_sample_and_dates_the_data(handouts):
    text = _text(_pdf_of(handouts, "bureau", "02"))
    assert "データ時点" in text
    assert "サンプル" in text  # the session database holds the generated sample
    assert "年度" in text


@needs_poppler
def test_municipality_names_are_text_on_the_map(handouts):
    # labels are drawn as text over the map image: selectable and searchable
    text = _squash(_text(_pdf_of(handouts, "bureau", "14")))
    for name in ("根室市", "別海町", "中標津町"):
        assert name in text


@needs_poppler
def test_english_handout(tmp_path, geo_dir, db_path, con):
    pdf = tmp_path / "iburi-en.pdf"
    pdf.write_bytes(handout.build_handout("bureau", "iburi", lang="en", con=con))
    text = _squash(_text(pdf))
    assert "Iburi" in text and "胆振総合振興局" in text
    assert _squash("Dispatched staff") in text and _squash("Sources and notes") in text


@needs_poppler
def test_handout_follows_the_theme_filter_and_year(tmp_path, geo_dir, db_path, con):

    themes = ["pillar_economy"]
    pdf = tmp_path / "tokachi-economy.pdf"
    pdf.write_bytes(
        handout.build_handout("bureau", "12", con=con, theme_ids=themes, fiscal_year=2015)
    )
    text = _squash(_text(pdf))
    assert "政策テーマ：経済・活力" in text
    words = _words(pdf, 1)
    for metric in figures.ids():
        years = db.fiscal_years(metric, con=con)
        h = db.headline(
            metric,
            fiscal_year=2015 if 2015 in years else None,
            theme_ids=themes,
            bureau_code="12",
            con=con,
        )
        card = _card(words, CARD_LABELS[metric])
        assert format_number(h["value"]) in card, (metric, card)
        assert f"{h['fiscal_year']}年度" in card, (metric, card)
    listed = db.priority_projects(theme_ids=themes, bureau_code="12", con=con)["title_ja"]
    everything = db.priority_projects(bureau_code="12", con=con)["title_ja"]
    for title in everything:
        assert (_squash(title) in text) == (title in set(listed))


# ---------------------------------------------------------------------------
# Command line errors
# ---------------------------------------------------------------------------


def test_cli_unknown_bureau_lists_valid_codes(tmp_path):
    proc = _run_cli("--bureau", "99", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "unknown bureau '99'" in proc.stderr
    for b in BUREAUS:
        assert f"{b.bureau_code} {b.bureau_id}" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_cli_unknown_region_lists_valid_codes(tmp_path):
    proc = _run_cli("--region", "tohoku", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "unknown region 'tohoku'" in proc.stderr
    assert "1 doo" in proc.stderr and "6 kushiro_nemuro" in proc.stderr


def test_cli_missing_database_file(tmp_path, geo_dir):
    proc = _run_cli("--bureau", "01", "--out", str(tmp_path), "--db", str(tmp_path / "no.duckdb"))
    assert proc.returncode == 1
    assert "no.duckdb" in proc.stderr


def test_cli_without_boundary_layers_says_how_to_build_them(tmp_path, db_path):
    env = {**os.environ, "REGIONMAP_GEO_DIR": str(tmp_path / "no-geo")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "regionmap",
            "report",
            "--bureau",
            "01",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "geo build" in proc.stderr and "no-geo" in proc.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_cli_one_region_by_id(tmp_path, geo_dir, db_path):
    proc = _run_cli("--region", "donan", "--out", str(tmp_path), "--db", str(db_path))
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["region-2-donan-ja.pdf"]


def test_resolve_area_accepts_codes_and_ids():
    assert common.resolve_area("bureau", "sorachi").code == "01"
    assert common.resolve_area("bureau", "1").code == "01"
    assert common.resolve_area("region", "kushiro_nemuro").bureau_codes == ("13", "14")
    with pytest.raises(common.UnknownAreaError, match="valid region codes"):
        common.resolve_area("region", "7")
    # digits other than ASCII 0-9 are refused like any unknown code (int("²") would raise)
    for kind, key in (("region", "²"), ("region", "１"), ("bureau", "¹"), ("bureau", "０１")):
        with pytest.raises(common.UnknownAreaError, match=f"valid {kind} codes"):
            common.resolve_area(kind, key)


# ---------------------------------------------------------------------------
# PNG exports
# ---------------------------------------------------------------------------


def _image(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).convert("RGB")


def _colours(img: Image.Image) -> dict[tuple[int, int, int], int]:
    return {c: n for n, c in img.getcolors(maxcolors=1 << 24)}


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def test_map_png_of_a_bureau(geo_dir, db_path, con):
    img = _image(mapimage.map_png("bureau", "02", "evacuees", con=con))
    assert img.size == (1600, 1000)
    colours = _colours(img)
    assert len(colours) > 200, "image looks blank"
    white = colours.get((255, 255, 255), 0)
    assert white < 0.5 * img.width * img.height
    # Sapporo holds most evacuees: the darkest class of the dashboard's palette, over many pixels
    assert colours.get(SEQUENTIAL[-1], 0) > 5000


def test_map_png_of_hokkaido_by_region(geo_dir, db_path, con):
    img = _image(
        mapimage.map_png(
            "hokkaido", metric="dispatch", level="region", width=800, height=500, con=con
        )
    )
    assert img.size == (800, 500)
    colours = _colours(img)
    painted = sum(n for c, n in colours.items() if c in set(SEQUENTIAL))
    assert painted > 0.08 * 800 * 500  # the six regions, coloured, cover much of the frame


def test_chart_png_redraws_a_plotly_figure():
    fig = go.Figure(
        [
            go.Bar(
                x=["2014年度", "2015年度"], y=[12, 30], name="地域振興派遣", marker_color="#d7191c"
            ),
            go.Bar(x=["2014年度", "2015年度"], y=[3, 4], name="相互交流", marker_color="#2c7fb8"),
        ]
    )
    fig.update_layout(barmode="stack", title="派遣職員（年度別・人）")
    img = _image(chartimage.chart_png(fig, width=1000, height=600))
    assert img.size == (1000, 600)
    colours = _colours(img)
    red, blue = colours.get((0xD7, 0x19, 0x1C), 0), colours.get((0x2C, 0x7F, 0xB8), 0)
    assert red > 5000 and blue > 500
    assert (
        red > 3 * blue
    )  # the taller series takes more ink: the values are drawn, not a placeholder


def test_chart_png_refuses_trace_types_it_cannot_draw():
    with pytest.raises(ValueError, match="pie"):
        chartimage.chart_png(go.Figure(go.Pie(labels=["a"], values=[1])))


# ---------------------------------------------------------------------------
# Fonts and small helpers
# ---------------------------------------------------------------------------


def test_a_japanese_font_is_found_on_this_machine():
    font = find_japanese_font()
    assert font.path.is_file()
    assert font.family in {
        "Noto Sans CJK JP",
        "Noto Sans JP",
        "Hiragino Sans",
        "Yu Gothic",
        "Meiryo",
    }


def test_missing_font_names_the_package_to_install(tmp_path):
    not_a_font = tmp_path / "fake.ttc"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk") as err:
        find_japanese_font(candidates=[tmp_path / "missing.otf", not_a_font])
    assert "fake.ttc" in str(err.value)


def test_map_classes_match_the_dashboard():
    from regionmap.maps.scales import count_scale

    values = pd.Series([0.0, 3.0, 12.0, 7.0])
    colours, legend = mapimage.classify(values, "ja")
    scale = count_scale(values.tolist())
    assert [text for _c, text in legend] == [text for _c, text in scale.legend("", "ja")]
    assert colours[2] == legend[-1][0]  # the largest value takes the darkest class
    assert colours[0] == legend[0][0]
    assert format_number(2512) == "2,512"
    assert format_number(3.0) == "3"


def test_chart_png_draws_the_dashboards_own_charts():

    frame = pd.DataFrame({"name": ["空知", "石狩", "後志"], "v": [120, 1800, 40]})
    fig = charts.ranked_bar(
        frame, label="name", value="v", title="避難者数", unit="人", highlight="石狩"
    )
    img = _image(chartimage.chart_png(fig, width=900, height=500))
    colours = _colours(img)
    accent = tuple(int(x) for x in style.ACCENT[4:-1].split(","))  # "rgb(0, 34, 78)"
    light = style.SEQUENTIAL[2]
    assert colours.get(accent, 0) > 3 * colours.get(light, 0) > 0  # 1,800 vs 120 + 40


def test_cli_japanese_and_english_handouts_of_one_bureau_are_two_files(tmp_path, db_path):
    out = tmp_path / "out"
    for lang in ("ja", "en"):
        r = _run_cli("--bureau", "tokachi", "--lang", lang, "--out", str(out), "--db", str(db_path))
        assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.glob("*.pdf"))
    assert names == ["bureau-12-tokachi-en.pdf", "bureau-12-tokachi-ja.pdf"]
    assert (out / names[0]).read_bytes() != (out / names[1]).read_bytes()


@needs_poppler
def test_handout_cards_a_chosen_public_figure_as_its_municipal_median(tmp_path, geo_dir, con):
    """財政力指数 chosen on the dashboard: the handout cards it as the median of the area's
    municipalities (said), their lowest–highest, the year and the ministry's credit, in the
    headline grid's free place; never a sum, and the counted cards stay."""
    from regionmap.db import indicators

    pdf = tmp_path / "sorachi-fiscal.pdf"
    pdf.write_bytes(
        handout.build_handout("bureau", "01", con=con, fiscal_year=2015, figure="fiscal_capability")
    )
    text = _squash(_text(pdf, "-f", "1", "-l", "1"))
    row = indicators.indicator_by_area("fiscal_capability", "bureau", 2015, con=con)
    row = row.set_index("area_code").loc["01"]
    median = format_number(row["median"], "指数", "ja", decimals=2)
    lo, hi = (format_number(row[k], "", "ja", decimals=2) for k in ("min", "max"))
    card = _card(_words(pdf, 1), "財政力指数：市町村の中央値")
    assert f"{median}（{lo}–{hi}）" in card and "2015年度" in card
    assert _squash("出典：総務省「地方公共団体の主要財政指標一覧」を加工して作成") in text
    words = _words(pdf, 1)
    for metric in figures.ids():
        assert _card(words, CARD_LABELS[metric])
    plain = tmp_path / "sorachi.pdf"
    plain.write_bytes(handout.build_handout("bureau", "01", con=con, fiscal_year=2015))
    assert "中央値" not in _squash(_text(plain, "-f", "1", "-l", "1"))
