"""Real first on every screen (issue #23): sample breakdowns hidden show no sample value
anywhere (every page's elements walked) and say "not imported yet" with the templates;
shown, every element holding a sample figure carries the mark on itself, the page says so
once at the top, and the document's 42市町村 never sits unexplained above the sample's
69市町村."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from apptest_helpers import (
    colours,
    deck_spec,
    html_text,
    layer,
    open_page,
    still_url,
    texts,
    tooltip_html,
)

from regionmap import db, figures, i18n
from regionmap.db import indicators
from regionmap.i18n import t
from regionmap.settings import PROJECT_ROOT
from regionmap.style import format_number

#: Every page, as a link opens it (the bureau page and the slides of a bureau too).
VIEWS = [(p.stem, None) for p in sorted((PROJECT_ROOT / "pages").glob("*.py"))] + [
    ("overview", {"metric": "dispatch"}),
    ("overview", {"metric": "sites", "level": "region"}),
    ("bureau", {"bureau": "tokachi"}),
    ("bureau", {"bureau": "tokachi", "muni": "01207"}),
    *[("present", {"present": "1", "bureau": "tokachi", "slide": str(n)}) for n in range(1, 7)],
]


def everything_shown(at) -> str:
    """Every text the run shows: titles, captions, Markdown, notices, HTML blocks (without
    their style and script), cards, tables, chart titles, map specs and tooltips, buttons."""
    parts = [texts(at), re.sub(r"<(style|script)\b.*?</\1>", "", html_text(at), flags=re.S)]
    parts += [f"{m.label} {m.value} {m.help or ''}" for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [e.proto.spec for e in at.get("plotly_chart")]
    parts += [e.proto.json + e.proto.tooltip for e in at.get("deck_gl_json_chart")]
    parts += [e.proto.label for e in at.get("download_button")]
    parts += [e.value for kind in ("error", "success") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def sample_values(db_path) -> set[str]:
    """The sample's own totals as the cards write them (88人, 69市町村 …), read with the
    sample shown: none of them may appear with it hidden."""
    values = set()
    for metric in figures.ids(origin="municipal"):
        h = db.headline(metric, db.DOCUMENT_FISCAL_YEAR)
        assert h["is_sample"] and h["value"] > 0  # the session's database: sample only
        values.add(format_number(h["value"], h["unit_ja"], "ja"))
    dispatched = db.dispatches(db.DOCUMENT_FISCAL_YEAR, db.DOCUMENT_FISCAL_YEAR)
    values.add(format_number(dispatched["municipality_code"].nunique(), "市町村", "ja"))
    return values


@pytest.mark.parametrize(("page", "params"), VIEWS, ids=lambda v: json.dumps(v) if v else "")
def test_hidden_samples_show_no_sample_value_anywhere(monkeypatch, sample_values, page, params):
    monkeypatch.setenv("REGIONMAP_SAMPLE", "hide")
    at = open_page(page, params)
    shown = everything_shown(at)
    assert i18n.sample_marked("", "ja") not in shown  # the mark: （サンプル）
    assert db.SAMPLE_SOURCE_JA not in shown
    assert t("notice.sample", "ja") not in shown and t("doc.breakdown_short", "ja") not in shown
    for value in sample_values:
        assert not re.search(rf"(?<![0-9,.]){re.escape(value)}", shown), value


@pytest.mark.parametrize(
    ("page", "table", "document"),
    [("dispatch", "dispatch", "42市町村"), ("settlement", "sites", None), ("evacuees", "evacuees", "約2,500名")],
)  # fmt: skip
def test_hidden_samples_leave_the_documents_figures_and_the_template(
    monkeypatch, db_path, page, table, document
):
    """Shared mode's default: the document's own figures, then "not imported yet" with the
    template, in words: no map, no card of 0."""
    monkeypatch.setenv("REGIONMAP_MODE", "personal")
    monkeypatch.setenv("REGIONMAP_SAMPLE", "hide")
    at = open_page(page)
    shown = texts(at)
    assert "まだ取り込まれていません" in shown
    assert not at.get("deck_gl_json_chart")  # words, never a blank map
    assert not [m for m in at.metric if m.value.startswith("0")]
    if document:
        assert any(m.value.startswith(document) for m in at.metric), [m.value for m in at.metric]
    names = [b.proto.label for b in at.get("download_button")]
    assert any("CSV" in n for n in names) and any("Excel" in n for n in names), names


def test_hidden_samples_leave_the_overview_on_a_real_figure(monkeypatch, db_path):
    """No figure chosen: the overview colours the ministry's 財政力指数 by bureau; the
    headline's per-municipality cards say "未取り込み" or give the document's figure."""
    monkeypatch.setenv("REGIONMAP_SAMPLE", "hide")
    at = open_page("overview")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "##### 財政力指数：市町村の中央値（指数）" in texts(at)
    assert spec["layers"]
    sites = [m.value for m in at.metric if m.label == t("metric.sites", "ja")]
    assert sites == [t("fig.not_imported", "ja")]


def test_shown_samples_are_marked_on_every_element_and_said_once_at_the_top(monkeypatch, db_path):
    monkeypatch.setenv("REGIONMAP_SAMPLE", "show")
    at = open_page("dispatch", {"fy": "2015"})
    mark = i18n.sample_mark("ja")
    # the page says so once, at the top (under its title)
    assert t("notice.sample.page", "ja") in at.caption[0].value
    assert sum(t("notice.sample.page", "ja") in c.value for c in at.caption) == 1
    # the sample cards carry the mark on themselves; the document's figures do not
    labels = {m.label: m.value for m in at.metric}
    assert labels[i18n.sample_marked(t("metric.dispatch", "ja"), "ja")] == "88人"
    assert labels[i18n.sample_marked(t("ov.dispatch.municipalities", "ja"), "ja")] == "69市町村"
    assert labels["地域振興派遣"].startswith("42市町村")
    # the map's title, legend and tooltip, and the trend chart's title
    shown = everything_shown(at)
    assert re.search(r"\*\*派遣職員（人）—[^*\n]*（サンプル）\*\*", shown)
    assert "凡例" in html_text(at) and i18n.sample_marked("派遣職員", "ja") in html_text(at)
    assert re.search(r'data-k="m01100">[\d,]+人 · 2015年度（サンプル）', tooltip_html(at))
    trend = [e.proto.spec for e in at.get("plotly_chart")]
    assert trend and all(
        "\\uff08\\u30b5\\u30f3\\u30d7\\u30eb\\uff09" in s or mark in s for s in trend
    )


def test_the_sample_count_of_municipalities_is_explained_beside_the_documents(monkeypatch, db_path):
    """69市町村 (every kind of dispatch, sample) under the document's 42市町村 (regional
    development dispatch only): said on the page, with the breakdown's own count of that kind."""
    monkeypatch.setenv("REGIONMAP_SAMPLE", "show")
    at = open_page("dispatch", {"fy": "2015"})
    shown = texts(at)
    assert "資料の「42市町村」は地域振興派遣の派遣先だけを数えた数です" in shown
    assert "地域振興派遣に限ると42市町村" in shown
    assert "市町村別の内訳 — すべての派遣区分・2015年度（サンプル）" in shown
    # one kind chosen: the cards count that kind, as the document does; nothing to explain
    at = open_page("dispatch", {"fy": "2015", "kind": "regional"})
    assert "だけを数えた数です" not in texts(at)


def _title(at) -> str:
    found = [m.value for m in at.markdown if m.value.startswith("##### ")]
    assert len(found) == 1, [m.value for m in at.markdown]
    return found[0]


def test_the_overview_opens_on_the_ministrys_fiscal_capability_never_summed(db_path):
    """The default figure is real: 財政力指数, FY2015, each bureau coloured by the median of
    its municipalities (said), with the ministry's credit; the ranking gives each bureau's
    median and its lowest–highest; no sample mark on any of it."""
    at = open_page("overview")
    assert "metric" not in at.query_params
    assert _title(at) == "##### 財政力指数：市町村の中央値（指数）— 振興局別、全道、2015年度"
    legend = html_text(at)
    assert "凡例：財政力指数：市町村の中央値" in legend
    assert any(
        c.value == "出典：総務省「地方公共団体の主要財政指標一覧」を加工して作成"
        for c in at.caption
    )
    by_bureau = indicators.indicator_by_area("fiscal_capability", "bureau", 2015).set_index(
        "area_code"
    )
    sorachi = format_number(by_bureau.loc["01", "median"], "指数", "ja", decimals=2)
    assert re.search(rf'data-k="b01">{re.escape(sorachi)} · 2015年度<', tooltip_html(at))
    assert "サンプル" not in tooltip_html(at)
    bodies = [e.proto.body for e in at.get("html") if "rm-ranked" in e.proto.body]
    assert len(bodies) == 1 and "市町村の中央値（括弧内は最小〜最大）、全道、2015年度" in bodies[0]
    lo, hi = by_bureau.loc["01", "min"], by_bureau.loc["01", "max"]
    assert f"空知（{lo:.2f}–{hi:.2f}）" in bodies[0]


def test_the_debt_service_ratio_shows_its_legal_thresholds_and_yubari(db_path):
    """実質公債費比率: the law's 25 % and 35 % beside the legend, with how many municipalities
    are at or above them (夕張市 76.3 % in FY2015: one above both); Sorachi's range reaches it."""
    at = open_page("overview", {"metric": "real_debt_service_ratio"})
    notes = [c.value for c in at.caption if "以上" in c.value]
    assert notes == [
        "早期健全化基準 25%以上：1市町村（地方公共団体の財政の健全化に関する法律）",
        "財政再生基準 35%以上：1市町村（地方公共団体の財政の健全化に関する法律）",
    ]
    assert "空知（0.5–76.3）" in " ".join(e.proto.body for e in at.get("html"))


def test_a_year_of_the_ministrys_series_recolours_the_map(db_path):
    """The ministry's 17 editions are years of the filter bar (FY2005–FY2021): FY2008 is
    shown as such, with its own figures."""
    at = open_page("overview", {"fy": "2008"})
    assert _title(at).endswith("2008年度")
    by_bureau = indicators.indicator_by_area("fiscal_capability", "bureau", 2008).set_index(
        "area_code"
    )
    sorachi = format_number(by_bureau.loc["01", "median"], "指数", "ja", decimals=2)
    assert re.search(rf'data-k="b01">{re.escape(sorachi)} · 2008年度<', tooltip_html(at))
    at = open_page("overview", {"fy": "2021"})
    assert _title(at).endswith("2021年度")


def test_a_municipalitys_panel_charts_its_indicators_over_time_with_the_thresholds(db_path):
    """夕張市 clicked: its 財政力指数 and 実質公債費比率 over the ministry's 17 editions (inline
    SVG: the bureau page loads no chart library), the latter with the law's 25 % and 35 %
    drawn and named; 76.3 % in FY2015; the credit."""
    at = open_page("bureau", {"bureau": "sorachi", "muni": "01209"})
    svgs = [e.proto.body for e in at.get("html") if "rm-trend" in e.proto.body]
    debt = [b for b in svgs if "実質公債費比率（%）の推移 — 夕張市、2005〜2021年度" in b]
    assert len(debt) == 1
    assert debt[0].count("class='rm-threshold'") == 2
    assert "早期健全化基準 25%" in debt[0] and "財政再生基準 35%" in debt[0]
    assert "<title>2015: 76.3%</title>" in debt[0] and debt[0].count("<circle") == 17
    assert any("財政力指数（指数）の推移 — 夕張市、2005〜2021年度" in b for b in svgs)
    assert any("<title>2015: 0.18指数</title>" in b for b in svgs)  # its own precision
    assert not at.get("plotly_chart")
    assert any("総務省" in str(c.value) for c in at.caption)


# --- the real default's still, map PNG and ranking ---------------------------------------

CREDIT_ZAISEI = "出典：総務省「地方公共団体の主要財政指標一覧」を加工して作成"


def test_a_cold_visit_to_the_real_default_shows_its_still_with_the_maps_classes(db_path):
    """The overview's default (財政力指数 by bureau median) shows the server's still in the
    map's place until deck.gl has drawn: the same fills as the map's bureaus."""
    from PIL import Image

    from regionmap import settings

    at = open_page("overview", {"metric": "fiscal_capability"})
    url = still_url(at)
    assert url is not None and url.startswith("app/static/previews/")
    img = Image.open(Path(settings.get("static_dir")) / url.removeprefix("app/static/"))
    img = img.convert("RGBA")
    assert img.getpixel((0, 0))[3] == 0  # a transparent ground
    fills = {c[:3] for _, c in img.getcolors(1 << 20) if c[3] == 255}
    deck_fills = {tuple(c[:3]) for c in colours(layer(deck_spec(at), "bureaus")["getFillColor"])}
    assert len(deck_fills) >= 3 and deck_fills <= fills
    at.run()  # the browser has the map script by now
    assert still_url(at) is None


def test_the_still_and_png_of_a_public_figure_say_median_and_carry_the_ministrys_credit(db_path):
    """The still and the map PNG read one spec: each bureau's median (never a sum) in the
    page's classes, the title saying median, the ministry's credit drawn at the foot."""
    from dataclasses import replace

    from regionmap.maps import scales
    from regionmap.render import mapimage

    spec = mapimage.view_spec("hokkaido", None, "fiscal_capability", "bureau", 2015, [], "ja")
    assert spec.source == figures.source("soumu_zaisei").credit_text("ja") == CREDIT_ZAISEI
    assert mapimage.source_lines(spec) == [CREDIT_ZAISEI]  # 財政力指数: no legal threshold
    assert spec.title.startswith("財政力指数：市町村の中央値（振興局別・2015年度・指数）")
    assert not spec.sample
    medians = indicators.indicator_by_area("fiscal_capability", "bureau", 2015)
    values = dict(zip(medians["area_code"], medians["median"].astype(float), strict=True))
    classes = scales.choropleth(sorted(values), values)
    assert [t for _, t in spec.legend] == [t for _, t in classes.scale.legend("", "ja")]
    assert len(set(spec.colours)) >= 3
    # the credit is drawn: the still's foot differs from the same still without it
    with_credit = mapimage.preview_png(spec)
    without = mapimage.preview_png(replace(spec, source=""))
    assert with_credit != without
    en = mapimage.view_spec("hokkaido", None, "fiscal_capability", "region", 2015, [], "en")
    assert en.source == figures.source("soumu_zaisei").credit_text("en")
    assert "municipal median" in en.title
    # the law's thresholds, counted, on the debt service ratio's images
    debt = mapimage.view_spec("hokkaido", None, "real_debt_service_ratio", "bureau", 2015, [], "ja")
    assert mapimage.source_lines(debt) == [
        "早期健全化基準 25%以上：1市町村（地方公共団体の財政の健全化に関する法律）",
        "財政再生基準 35%以上：1市町村（地方公共団体の財政の健全化に関する法律）",
        CREDIT_ZAISEI,
    ]


def test_the_overview_offers_its_real_default_map_as_png(db_path):
    """The map PNG download is back for the real default, drawn at the asked size."""
    from PIL import Image

    from regionmap.ui.components import downloads

    at = open_page("overview")
    keys = {d.key for d in at.get("download_button")}
    assert "rm.dl.overview.map" in keys
    png = downloads.map_png_bytes(
        "hokkaido", None, "fiscal_capability", "bureau", 2015, (), "ja", 800, 500
    )
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (800, 500) and len(img.getcolors(1 << 20)) > 20


def test_the_ranking_gives_the_figures_own_decimals(db_path):
    """財政力指数 has two decimals: each bureau's bar says 0.20指数, never 0.2指数."""
    at = open_page("overview")
    body = " ".join(e.proto.body for e in at.get("html") if "rm-ranked" in e.proto.body)
    medians = indicators.indicator_by_area("fiscal_capability", "bureau", 2015)
    dec = figures.get("fiscal_capability").decimals
    assert dec == 2
    for m in medians["median"]:
        assert format_number(float(m), "指数", "ja", decimals=dec) in body
    assert re.search(r">\d+\.\d指数<", body) is None  # no bar with one decimal
