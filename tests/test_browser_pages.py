"""The overlay pages and the Data page in a real browser (Debian chromium, Playwright).

Reuses the server, browser and helpers of ``tests/test_browser.py``. Screenshots
of every page go to ``test-artifacts/``. The Data page's upload, dry run, commit
and undo run against a server of their own on a copy of the database, so the
session database the other tests read stays as it is.
"""

from __future__ import annotations

import shutil

import pytest
import test_browser as tb

from regionmap import db
from regionmap.maps import deckgl, static

pytestmark = pytest.mark.browser

CREDIT = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"
ARTIFACTS, MAP, opened = tb.ARTIFACTS, tb.MAP, tb.opened
_drawn, _metrics, _pixels, _wait_map = tb._drawn, tb._metrics, tb._pixels, tb._wait_map


def _scroll_main(page, dy: int) -> None:
    """Scroll the app's main area (a scrolling element, not the window; the mouse wheel
    over the map would zoom the map instead)."""
    page.evaluate(
        """dy => {
            for (const el of document.querySelectorAll('*')) {
                const st = getComputedStyle(el);
                if (el.scrollHeight > el.clientHeight + 50 && /(auto|scroll)/.test(st.overflowY)
                    && el.clientWidth > 600) { el.scrollBy(0, dy); }
            }
            window.scrollBy(0, dy);
        }""",
        dy,
    )
    tb._frames(page)


def _has_colour(png: bytes, rgb: tuple[int, int, int], tol: int = 12, min_pixels: int = 8) -> bool:
    _, px = _pixels(png)
    hits = sum(1 for p in px if all(abs(a - b) <= tol for a, b in zip(p, rgb, strict=True)))
    return hits >= min_pixels


@pytest.mark.parametrize(
    ("path", "name", "expect"),
    [
        (
            "/projects",
            "projects",
            ["地域重点プロジェクト — 全道", "連携地域×政策展開の方向", "2015年度"],
        ),
        (
            "/dispatch?fy=2015",
            "dispatch",
            ["職員派遣 — 全道", "2015年度", "派遣職員（人）", "サンプルデータ"],
        ),
        (
            "/dispatch?bureau=kamikawa&by=municipality",
            "dispatch-kamikawa",
            ["職員派遣 — 上川総合振興局"],
        ),
        ("/settlement", "settlement", ["集落対策 — 全道", "取組のある市町村", "凡例：取組の区分"]),
        ("/evacuees", "evacuees", ["避難者 — 全道", "2016年3月時点", "避難元の都道府県別"]),
        ("/proposals", "proposals", ["政策提案 — 全道", "提案を反映した各部の施策", "2015年度"]),
        (
            "/proposals?lang=en&bureau=kushiro",
            "proposals-en",
            ["Policy proposals — Kushiro", "Source:"],
        ),
    ],
)
def test_overlay_pages_draw_their_maps_offline(app_url, browser, path, name, expect):
    with opened(browser, app_url + path, height=1300, locale="ja-JP") as (page, traffic):
        _wait_map(page)
        page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)
        body = page.inner_text("body")
        for text in expect:
            assert text in body, text
        assert CREDIT in body
        shot = page.locator(MAP).screenshot(path=str(ARTIFACTS / f"page-{name}-map.png"))
        assert _drawn(shot) > 0.10, "map looks blank"
        # the charts and tables below the map (the main area scrolls, not the window)
        for part in ("below", "bottom"):
            _scroll_main(page, 1100)
            page.screenshot(path=str(ARTIFACTS / f"page-{name}-{part}.png"))
        # the pages' boundaries come as static files, never inside the spec
        assert all("/app/static/layers/" in u for u, _, _ in traffic.static)


def test_settlement_points_are_drawn_in_their_kind_colours(app_url, browser):
    from regionmap.ui.components.overlay import kind_colour

    kinds = list(db.SITE_KINDS)
    with opened(browser, app_url + "/settlement?kind=shopping", height=1300) as (page, _traffic):
        _wait_map(page)
        shot = page.locator(MAP).screenshot(
            path=str(ARTIFACTS / "page-settlement-shopping-map.png")
        )
        assert _has_colour(shot, kind_colour("shopping", kinds))
        assert not _has_colour(shot, kind_colour("safety_check", kinds))
        # all kinds again: the other colours appear
        page.goto(app_url + "/settlement")
        _wait_map(page)
        shot = page.locator(MAP).screenshot()
        assert _has_colour(shot, kind_colour("safety_check", kinds))


def test_dispatch_kind_filter_changes_figures_without_resending_boundaries(app_url, browser):
    with opened(browser, app_url + "/dispatch", height=1300, locale="ja-JP") as (page, traffic):
        spec = _wait_map(page)
        before = _metrics(page)
        n_static = len(traffic.static)
        page.locator('[class*="st-key-rm-w-kind"]').click()
        page.get_by_role("option", name="徴収対策連携派遣").click()
        page.wait_for_url("**kind=collection**", timeout=20_000)
        _wait_map(page, changed_from=spec)
        page.screenshot(path=str(ARTIFACTS / "page-dispatch-collection.png"), full_page=True)
        assert _metrics(page) != before
        assert len(traffic.static) == n_static  # the municipality boundaries were not refetched
        assert "徴収対策連携派遣" in page.inner_text("body")


def test_clicking_a_municipality_on_the_dispatch_map_filters_to_it(app_url, browser):
    url = app_url + "/dispatch?fy=2015"
    with opened(browser, url, height=1300, locale="ja-JP") as (page, _traffic):
        spec = _wait_map(page)
        code = "01208"  # 北見市: large, well inside the map
        view = deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS)
        x, y = tb._area_point(page, "municipalities", code, view)
        tb._click(page, x, y, "北見市", f"muni={code}")
        _wait_map(page, changed_from=spec)
        page.screenshot(path=str(ARTIFACTS / "page-dispatch-muni.png"), full_page=True)
        assert "北見市の数値に絞り込んでいます" in page.inner_text("body")
        page.get_by_role("button", name="市町村の絞り込みを解除").click()
        page.wait_for_function("() => !location.search.includes('muni=')", timeout=20_000)


# --- the Data page against its own server and database copy ------------------------------


@pytest.fixture(scope="module")
def data_server(geo_dir, db_path, tmp_path_factory):
    """``streamlit run app.py`` on a copy of the session database (imports may change it)."""
    folder = tmp_path_factory.mktemp("data-page")
    copy = folder / "regionmap.duckdb"
    shutil.copy(db_path, copy)
    hist = db_path.parent / (db_path.name + ".history")
    if hist.is_dir():
        shutil.copytree(hist, folder / "regionmap.duckdb.history")
    with tb.running_app("streamlit-data-server.log", REGIONMAP_DB_PATH=str(copy)) as url:
        yield url, copy


def test_data_page_upload_dry_run_commit_and_undo(data_server, browser, tmp_path):

    url, db_file = data_server
    good = tmp_path / "派遣_2016.csv"
    good.write_bytes(
        "年度,市町村名,派遣区分,人数\n平成28年度,札幌市,地域振興派遣,4\n".encode("cp932")
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "年度,市町村名,派遣区分,人数\n2016,どこでも町,地域振興派遣,3\n", encoding="utf-8"
    )
    tb.open_root_once(url, browser)
    with opened(browser, url + "/data", height=1300, locale="ja-JP") as (page, _traffic):
        page.wait_for_selector("text=ひな形", timeout=60_000)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / "page-data.png"), full_page=True)
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')

        # a bad file: the problems as a table with file, row, column, reason
        uploader.set_input_files(str(bad))
        page.wait_for_selector("text=取り込みませんでした", timeout=30_000)
        tb._frames(page)
        page.screenshot(path=str(ARTIFACTS / "page-data-errors.png"), full_page=True)
        body = page.inner_text("body")
        assert "bad.csv: 1件の問題があるため取り込みませんでした" in body
        # the problems table (file, row, column, reason) is drawn on a canvas: check it is there
        assert page.locator('[data-testid="stDataFrame"]').first.is_visible()

        # a good file: the dry run says what would change; nothing written yet
        versions = len(db.history(db_file))
        uploader.set_input_files(str(good))
        page.wait_for_selector("text=検査結果（試行）", timeout=30_000)
        tb._frames(page)
        page.screenshot(path=str(ARTIFACTS / "page-data-dry-run.png"), full_page=True)
        assert "まだ書き込んでいません" in page.inner_text("body")
        assert len(db.history(db_file)) == versions

        # commit, then undo: each is a new recorded version
        page.get_by_role("button", name="取り込む").click()
        page.wait_for_selector("text=取り込みました", timeout=30_000)
        assert len(db.history(db_file)) == versions + 1
        assert db.history(db_file).iloc[0]["file_name"] == good.name
        page.get_by_role("tab", name="履歴と取り消し").click()
        page.get_by_role("button", name="直近の取り込みを取り消す").click()
        page.wait_for_selector("text=取り消しました", timeout=30_000)
        tb._frames(page)
        page.screenshot(path=str(ARTIFACTS / "page-data-undone.png"), full_page=True)
        hist = db.history(db_file)
        assert hist.iloc[0]["action"] == "undo"
