"""Presentation mode: slide content, URL state, the page in AppTest and in a real browser.

The browser test drives Debian's chromium through Playwright with every request
that would leave 127.0.0.1 aborted, and moves through the slides with the keys a
presenter (or a presentation clicker) sends: ArrowRight/ArrowLeft and
PageDown/PageUp.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import test_browser as tb
from streamlit.testing.v1 import AppTest

from regionmap import content, db, i18n
from regionmap.render import common, mapimage, slides
from regionmap.settings import PROJECT_ROOT
from regionmap.state import FilterState, from_query_params, to_query_params
from regionmap.ui.views import present

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def con(geo_dir, db_path):

    return db.connect(db_path)


# --- slide content -----------------------------------------------------------------------


@pytest.mark.parametrize("key", slides.SLIDES)
def test_each_slide_of_a_bureau(con, key):

    slide = slides.build_slide("bureau", "oshima", key, con=con)
    assert slide.area_title == "渡島総合振興局"
    assert slide.number == slides.SLIDES.index(key) + 1
    assert 3 <= len(slide.figures) <= 5
    for fig in slide.figures:
        assert fig.value and fig.source  # every figure says what and where it comes from
    # the first figure is the slide's headline, exactly as the database gives it
    metric = {
        "overview": None,
        "projects": "priority_projects",
        "dispatch": "dispatch",
        "settlement": "sites",
        "evacuees": "evacuees",
        "proposals": "proposals",
    }[key]
    if metric in ("dispatch", "evacuees"):
        # the document's own figure leads (all Hokkaido, its unit), then the area's breakdown
        doc = content.document_figures(metric).iloc[0]
        assert slide.figures[0].value == content.figure_text(doc, "ja")
        assert not slide.figures[0].is_sample
    if metric:
        h = db.headline(metric, bureau_code="06", con=con)
        first = slide.figures[1] if metric in ("dispatch", "evacuees") else slide.figures[0]
        assert first.value == f"{h['value']:,}{h['unit_ja']}"
        assert first.fiscal_year == f"{h['fiscal_year']}年度"
        assert first.is_sample == h["is_sample"]
    # charts only where a trend or a breakdown exists; the sample notice follows the figures
    assert (slide.chart is not None) == (key in ("dispatch", "settlement", "evacuees"))
    assert slide.sample == (any(f.is_sample for f in slide.figures) or slide.sample)
    if key in ("dispatch", "settlement", "evacuees"):
        assert slide.sample  # the session database holds the generated sample
    assert slide.map_metric == slides.MAP_METRIC[key]


def test_projects_and_proposals_slides_list_the_areas_items(con):

    projects = slides.build_slide("region", "donan", "projects", con=con)
    titles = [head for head, _ in projects.items]
    for title in db.priority_projects(region_code="2", con=con)["title_ja"]:
        assert title in titles
    proposals = slides.build_slide("bureau", "06", "proposals", con=con)
    expected = db.proposals(bureau_code="06", con=con)
    assert [head for head, _ in proposals.items] == list(expected["title_ja"])
    # the departments' responses are what is shown under each proposal
    for (_head, detail), measures in zip(proposals.items, expected["measures"], strict=True):
        for m in measures:
            assert m["department_ja"] in detail


def test_english_slide(con):
    slide = slides.build_slide("bureau", "01", "evacuees", lang="en", con=con)
    assert slide.title == "Evacuees from the 2011 earthquake"
    assert slide.area_title.startswith("Sorachi")
    assert slide.figures[0].fiscal_year.startswith("FY")


def test_unknown_slide_and_area_are_refused(con):
    with pytest.raises(ValueError, match="unknown slide"):
        slides.build_slide("bureau", "01", "weather", con=con)
    with pytest.raises(common.UnknownAreaError):
        slides.build_slide("bureau", "99", "overview", con=con)


def test_slide_map_is_redrawn_when_the_layers_or_their_setting_change(
    geo_dir, tmp_path, monkeypatch
):
    drawn = []

    def fake_map_png(*args, **kwargs):
        drawn.append(os.environ.get("REGIONMAP_HIDE_NORTHERN_TERRITORIES"))
        return f"png{len(drawn)}".encode()

    monkeypatch.setattr(mapimage, "map_png", fake_map_png)
    present.cached_map.clear()
    args = ("bureau", "nemuro", "dispatch", "ja", 2015, ())
    first = present.cached_map(*args, present.layers_key())
    assert present.cached_map(*args, present.layers_key()) == first and len(drawn) == 1
    # the setting changes what load_layer draws (the six villages within Nemuro)
    monkeypatch.setenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES", "true")
    hidden = present.cached_map(*args, present.layers_key())
    assert hidden != first and drawn == [None, "true"]
    monkeypatch.delenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES")
    # rebuilt layers (a new manifest) are drawn again
    rebuilt = tmp_path / "geo"
    shutil.copytree(geo_dir, rebuilt)
    m = json.loads((rebuilt / "manifest.json").read_text(encoding="utf-8"))
    m["built_at"] = "2099-01-01T00:00:00+00:00"
    (rebuilt / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    monkeypatch.setenv("REGIONMAP_GEO_DIR", str(rebuilt))
    assert present.cached_map(*args, present.layers_key()) not in (first, hidden)
    assert len(drawn) == 3
    present.cached_map.clear()


def test_slide_numbers_are_clamped():
    assert slides.clamp_slide(None) == 1
    assert slides.clamp_slide(0) == 1
    assert slides.clamp_slide(99) == len(slides.SLIDES)


# --- URL state ---------------------------------------------------------------------------


def test_presentation_state_round_trips_through_the_url():
    state, notices = from_query_params({"present": "1", "bureau": "sorachi", "slide": "4"})
    assert notices == []
    assert (state.present, state.slide, state.bureau) == (True, 4, "sorachi")
    assert to_query_params(state) == {"present": "1", "bureau": "sorachi", "slide": "4"}
    assert from_query_params(to_query_params(state))[0] == state
    assert "present" not in to_query_params(FilterState(lang="ja"))


@pytest.mark.parametrize("value", ["0", "7", "x", "-1"])
def test_bad_slide_number_falls_back_with_a_notice(value):
    state, notices = from_query_params({"present": "1", "slide": value})
    assert state.slide is None and len(notices) == 1 and "slide" in notices[0]


# --- AppTest -----------------------------------------------------------------------------


def _app(params: dict) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_present_param_opens_the_slides_and_next_moves_on(geo_dir, db_path):
    at = _app({"present": "1", "bureau": "sorachi"})
    text = _markdown(at)
    assert "空知総合振興局" in text and "地域の概要" in text
    assert "1 / 6" in text
    assert len(at.get("image")) == 1  # the map of the area, drawn on the server
    assert any("国土数値情報" in c.value for c in at.caption)
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["配布資料（PDF）", "この地図（PNG）"]
    at.button(key=present.KEY_NEXT).click().run()
    assert not at.exception
    assert at.query_params["slide"] == "2"
    assert "地域重点プロジェクト" in _markdown(at) and "2 / 6" in _markdown(at)
    at.button(key=present.KEY_PREV).click().run()
    assert at.query_params["slide"] == "1"


def test_last_slide_of_a_region_in_english(geo_dir, db_path):
    at = _app({"present": "1", "region": "kushiro_nemuro", "slide": "6", "lang": "en"})
    text = _markdown(at)
    assert "Proposals and departments" in text and "6 / 6" in text
    assert at.button(key=present.KEY_NEXT).disabled


def test_present_page_without_an_area_offers_the_areas(geo_dir, db_path):
    at = _app({"present": "1"})
    assert any("振興局または連携地域" in i.value for i in at.info)


# --- browser -----------------------------------------------------------------------------

CHROMIUM, CHROMIUM_ARGS = tb.CHROMIUM, tb.CHROMIUM_ARGS


@pytest.mark.browser
def test_keyboard_moves_through_the_slides_offline(server, browser):
    app_url = server

    outside: list[str] = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:  # the network is unreachable: nothing may be fetched from outside
            outside.append(r.request.url)
            r.abort()

    def slide_number(page) -> str:
        return page.inner_text(".rm-present-count").strip()

    def wait_for(page, wanted: str) -> None:
        deadline = time.monotonic() + 45
        while slide_number(page) != wanted:
            assert time.monotonic() < deadline, (
                f"slide stayed at {slide_number(page)}, not {wanted}"
            )
            page.wait_for_timeout(200)

    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.route("**/*", route)
        page.goto(app_url + "/?present=1&bureau=oshima")
        page.wait_for_selector(".rm-present-count", timeout=90_000)
        assert "/present" in page.url  # ?present=1 on the start page opened the slides
        assert "渡島総合振興局" in page.inner_text(".rm-present-area")
        # the map image is drawn (decoded, not a broken image)
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=\"stImage\"] img');"
            " return i && i.complete && i.naturalWidth > 500; }",
            timeout=60_000,
        )
        # controls are hidden: no sidebar, no header
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        page.screenshot(path=str(ARTIFACTS / "present-slide-1.png"))
        wait_for(page, "1 / 6")
        page.keyboard.press("ArrowRight")
        wait_for(page, "2 / 6")
        assert "地域重点プロジェクト" in page.inner_text(".rm-present-title")
        page.keyboard.press("PageDown")
        wait_for(page, "3 / 6")
        assert "slide=3" in page.url  # the slide is in the URL: a link opens it
        page.screenshot(path=str(ARTIFACTS / "present-slide-3.png"))
        page.keyboard.press("PageUp")
        wait_for(page, "2 / 6")
        page.keyboard.press("ArrowLeft")
        wait_for(page, "1 / 6")
        # the handout is built on the server when its button is clicked
        with page.expect_download(timeout=90_000) as dl:
            page.locator(".st-key-rm-present-pdf button").click()
        pdf = Path(dl.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-") and b"/FontFile" in pdf
        assert dl.value.suggested_filename == "bureau-06-oshima-ja.pdf"
    finally:
        page.close()
    assert outside == []


def test_english_headline_figures_use_the_singular_for_one(db_path):

    con = db.connect(db_path)
    checked = 0
    for code in [f"{i:02d}" for i in range(1, 15)]:
        area = common.resolve_area("bureau", code)
        fig = slides.headline_figure("proposals", area, "en", None, (), con)
        n = db.headline("proposals", con=con, bureau_code=code)["value"]
        if n == 1:
            assert fig.value == "1 proposal"
            checked += 1
        else:
            assert fig.value == f"{n:,} proposals"
    assert checked  # at least one bureau has exactly one proposal


def test_a_regions_bureaus_slide_writes_their_seats_in_the_language(db_path):
    con = db.connect(db_path)
    en = slides.build_slide("region", "donan", "overview", "en", con=con)
    ja = slides.build_slide("region", "donan", "overview", "ja", con=con)
    bureaus_en = dict(en.items)[i18n.t("present.bureaus", "en")]
    bureaus_ja = dict(ja.items)[i18n.t("present.bureaus", "ja")]
    assert "（" not in bureaus_en and "(" in bureaus_en, bureaus_en
    assert "（" in bureaus_ja, bureaus_ja


# --- a public figure chosen (issue #23's default: 財政力指数) -------------------------------

ZAISEI_CREDIT = "出典：総務省「地方公共団体の主要財政指標一覧」を加工して作成"


def test_the_overview_slide_shows_a_public_figure_as_its_municipal_median(con):
    """The chosen public figure is on the overview slide as the median of the area's
    municipalities (said), their lowest–highest, the ministry's credit: never a sum; its map
    colours the municipalities by their own values."""
    from regionmap import figures
    from regionmap.db import indicators
    from regionmap.style import format_number

    slide = slides.build_slide("bureau", "sorachi", "overview", figure="fiscal_capability", con=con)
    assert slide.map_metric == "fiscal_capability"
    card = slide.figures[1]
    assert card.label == "財政力指数：市町村の中央値"
    row = indicators.indicator_by_area("fiscal_capability", "bureau", 2015, con=con)
    row = row.set_index("area_code").loc["01"]
    dec = figures.get("fiscal_capability").decimals
    median = format_number(row["median"], "指数", "ja", decimals=dec)
    lo, hi = (format_number(row[k], "", "ja", decimals=dec) for k in ("min", "max"))
    assert card.value == f"{median}（{lo}–{hi}）"
    assert card.fiscal_year == "2015年度" and card.source == ZAISEI_CREDIT
    assert not card.is_sample
    assert 3 <= len(slide.figures) <= 5
    # the other slides keep their own figures and maps
    other = slides.build_slide("bureau", "sorachi", "dispatch", figure="fiscal_capability", con=con)
    assert other.map_metric == "dispatch"
    assert all("財政力指数" not in f.label for f in other.figures)
    # a counted figure chosen: the overview slide is as before
    plain = slides.build_slide("bureau", "sorachi", "overview", figure="dispatch", con=con)
    assert plain.map_metric is None and all("中央値" not in f.label for f in plain.figures)


def test_the_slide_map_of_a_public_figure_carries_its_credit_and_the_laws_thresholds(con):
    """Sorachi's municipalities by 実質公債費比率: 夕張市 (76.3 % in FY2015) counted at or above
    both of the law's thresholds, under the map with the ministry's credit."""
    spec = mapimage.view_spec(
        "bureau", "sorachi", "real_debt_service_ratio", "bureau", 2015, [], "ja"
    )
    assert mapimage.source_lines(spec) == [
        "早期健全化基準 25%以上：1市町村（地方公共団体の財政の健全化に関する法律）",
        "財政再生基準 35%以上：1市町村（地方公共団体の財政の健全化に関する法律）",
        ZAISEI_CREDIT,
    ]
    assert spec.title.startswith("実質公債費比率（市町村別・2015年度・%）")


def test_the_presentation_opens_on_the_chosen_public_figure(geo_dir, db_path):
    at = _app({"present": "1", "bureau": "sorachi", "metric": "fiscal_capability"})
    text = _markdown(at)
    assert "財政力指数：市町村の中央値" in text and "地方公共団体の主要財政指標一覧" in text
    assert len(at.get("image")) == 1
