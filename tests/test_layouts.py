"""Layouts that fit the screens people present on: 1280x720, 1366x768, 1920x1080 and a
400 px wide phone, in both languages (Debian chromium, Playwright).

One page per language; each view is opened once and the window resized through the four
sizes (``page.set_viewport_size``). Screenshots of every view at every size go to
``test-artifacts/layouts/``. Checked:

- the overview's and the bureau page's map (with its title and legend) inside the window
  on the three screens, above the fold, with its names: all 14 bureaus, or the bureau's
  seat and the towns the server placed, none over another (asked of deck.gl); on the phone the map inside the window and
  Hokkaido/the bureau fitted inside the map (no land on its left and right edges);
- slides 1-6: title, buttons, map, every figure, the chart or the list inside the window
  and no scrolling on the three screens; nothing wider than the phone;
- the slide map's labels at least 16 px and its legend at least 14 px where the image is
  shown at 1280x720;
- the overview's bureau names on a phone: all 14 drawn and none overlapping another, in
  either language (asked of deck.gl: :func:`test_browser.drawn_names`).
"""

from __future__ import annotations

import json
import math

import pytest
import test_browser as tb

from regionmap.maps import deckgl, static
from regionmap.maps.scales import SELECTED_LINE
from regionmap.render.slides import SLIDES
from regionmap.ui.views import present

pytestmark = pytest.mark.browser

SCREENS = [(1280, 720), (1366, 768), (1920, 1080)]
PHONE = (400, 800)
SHOTS = tb.ARTIFACTS / "layouts"
MAP = tb.MAP


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _inside(page, selector: str, size: tuple[int, int], *, slack: float = 1.0) -> None:
    """The element's box is inside the window (``size``)."""
    box = _box(page, selector)
    w, h = size
    assert box["x"] >= -slack and box["y"] >= -slack, (selector, size, box)
    assert box["x"] + box["width"] <= w + slack, (selector, size, box)
    assert box["y"] + box["height"] <= h + slack, (selector, size, box)


def _expected_zoom(page) -> float:
    """The zoom that fits the first view (the marker's) to the map's size now."""
    view = json.loads(page.locator(".rm-map-meta").first.get_attribute("data-view"))
    box = _box(page, MAP)
    delta = math.log2(min(box["width"] / view["fitWidth"], box["height"] / view["fitHeight"]))
    delta = max(-3.0, min(1.0, delta))
    if abs(delta) < 0.1:
        return view["zoom"]
    return max(view["minZoom"], min(view["maxZoom"], view["zoom"] + delta))


def _wait_fitted(page) -> float:
    """Wait until map_ready.js has refitted the map to its size (the layout settles first:
    the zoom shown stops changing), then check it against the size. A layout that moves
    again after seeming settled (a late element, a scrollbar on a busy machine) is waited
    for again, three times at most: the map must end up fitted to its final size."""
    for _ in range(2):
        zoom = _settled_zoom(page)
        if abs(zoom - _expected_zoom(page)) < 0.02:
            return zoom
        page.wait_for_timeout(750)  # the layout moved on: let map_ready.js refit it
    zoom = _settled_zoom(page)
    box = _box(page, MAP)
    assert abs(zoom - _expected_zoom(page)) < 0.02, (zoom, _expected_zoom(page), box)
    return zoom


def _settled_zoom(page) -> float:
    """The zoom shown once it and the map's width stayed the same over a poll."""
    page.wait_for_function(
        """sel => {
            const map = document.querySelector(sel);
            const z = map && map.dataset.rmZoom;
            if (!z) return false;
            const w = map.getBoundingClientRect().width, same = map.__rmLast === z + "/" + w;
            map.__rmLast = z + "/" + w;
            return same;
        }""",
        arg=MAP,
        polling=250,
        timeout=30_000,
    )
    tb._frames(page, 4)
    return float(page.locator(MAP).get_attribute("data-rm-zoom"))


def _edges_blank(png: bytes) -> tuple[int, int]:
    """Land pixels in the map's first and last columns (0, 0: nothing cut off sideways)."""
    img, px = tb._pixels(png)
    w, h = img.size
    left = sum(1 for y in range(h) if sum(px[y * w + 1]) < tb.NOT_WHITE)
    right = sum(1 for y in range(h) if sum(px[y * w + w - 2]) < tb.NOT_WHITE)
    return left, right


def _outline_pixels(png: bytes) -> tuple[int, int]:
    """Pixels of the selected area's outline (scales.SELECTED_LINE): all, and those in
    the map's outer 3 columns on either side."""
    img, px = tb._pixels(png)
    w, _ = img.size
    target = SELECTED_LINE[:3]
    hits = [
        i for i, p in enumerate(px) if sum(abs(a - b) for a, b in zip(p, target, strict=True)) < 60
    ]
    edge = sum(1 for i in hits if i % w < 3 or i % w >= w - 3)
    return len(hits), edge


def _map_views(page, base: str, lang: str) -> None:
    for name, path in (("overview", "/"), ("bureau", "/bureau?bureau=kamikawa&")):
        sep = "&" if "?" in path else "?"
        page.set_viewport_size({"width": SCREENS[0][0], "height": SCREENS[0][1]})
        page.goto(f"{base}{path.rstrip('&')}{sep}lang={lang}")
        tb._wait_map(page)
        for size in [*SCREENS, PHONE]:
            page.set_viewport_size({"width": size[0], "height": size[1]})
            _wait_fitted(page)
            page.screenshot(path=str(SHOTS / f"{name}-{lang}-{size[0]}x{size[1]}.png"))
            _inside(page, MAP, size)
            if size == PHONE and name == "overview":  # all of Hokkaido inside the map
                left, right = _edges_blank(page.locator(MAP).screenshot())
                assert (left, right) == (0, 0), (name, lang, left, right)
            elif size == PHONE:  # the bureau's outline inside (its neighbours go beyond)
                inside, edge = _outline_pixels(page.locator(MAP).screenshot())
                assert inside > 200 and edge == 0, (name, lang, inside, edge)
            else:
                _inside(page, "[data-testid='stMarkdownContainer'] h5", size)  # the map's title
                _inside(page, ".rm-legend", size)
                _names_drawn(page, name, lang, size)


def _names_drawn(page, name: str, lang: str, size: tuple[int, int]) -> None:
    """The names deck.gl draws on the overview (all 14 bureaus) and 上川's page (the ones
    the server placed: the seat always), none over another (issue #20, ratio 1; ratios 2
    and 1.5: ``tests/test_labels_browser.py``)."""
    where = f"{name} {lang} {size[0]}x{size[1]}"
    if name == "overview":
        tb.check_names(tb.drawn_names(page, "labels-bureaus"), tb.bureau_names(lang), where)
        return
    towns, _unnamed, seat = tb.towns_placed("kamikawa", lang)
    drawn = tb.drawn_names(page, "labels-municipalities")
    tb.check_names(drawn, towns, where)
    assert seat in {n["text"] for n in drawn["names"]}, where


def _slides(page, base: str, lang: str) -> None:
    for number in range(1, len(SLIDES) + 1):
        page.set_viewport_size({"width": SCREENS[0][0], "height": SCREENS[0][1]})
        page.goto(f"{base}/present?present=1&bureau=tokachi&slide={number}&lang={lang}")
        page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
        )
        has_chart = page.locator(".stPlotlyChart").count() > 0
        if has_chart:
            page.locator(".stPlotlyChart .main-svg").first.wait_for(timeout=30_000)
        for size in [*SCREENS, PHONE]:
            page.set_viewport_size({"width": size[0], "height": size[1]})
            tb._frames(page, 4)
            page.screenshot(path=str(SHOTS / f"slide{number}-{lang}-{size[0]}x{size[1]}.png"))
            if size == PHONE:  # one column that scrolls; nothing wider than the phone
                width = page.evaluate("() => document.documentElement.scrollWidth")
                assert width <= size[0], (number, width)
                _box_right = _box(page, "[data-testid='stImage'] img")
                assert _box_right["x"] + _box_right["width"] <= size[0] + 1
                continue
            scroll = page.evaluate(
                "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                " return [m.scrollHeight, m.clientHeight]; }"
            )
            assert scroll[0] <= scroll[1] + 1, (number, lang, size, scroll)  # no scrolling
            for selector in (
                ".rm-present-title",
                ".st-key-rm-present-prev",
                ".st-key-rm-present-next",
                ".st-key-rm-present-pdf",
                "[data-testid='stImage'] img",
                ".stPlotlyChart" if has_chart else ".rm-present-items, .rm-present-figs",
            ):
                _inside(page, selector, size)
            for i in range(page.locator(".rm-present-fig").count()):
                _inside(page, f".rm-present-fig >> nth={i}", size)
            if size == SCREENS[0]:
                shown = _box(page, "[data-testid='stImage'] img")["width"]
                assert shown >= present.SLIDE_MAP_SHOWN_WIDTH, shown
                label_pt, legend_pt = present.slide_type_pt()
                scale = shown / present.SLIDE_MAP_SIZE[0]
                assert label_pt / 72 * 100 * scale >= 16
                assert legend_pt / 72 * 100 * scale >= 14


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pages_and_slides_fit_the_screens(app_url, browser, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        _map_views(page, app_url, lang)
        _slides(page, app_url, lang)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_bureau_names_do_not_overlap_on_a_phone(app_url, browser, lang):
    """At 400 px the map is small: the names, placed apart on the server for the smallest
    screen, shrink with the map and stay apart. Every name deck.gl draws, where it draws it
    and as wide as the browser measures it, is checked against every other; all 14 are
    drawn."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": PHONE[0], "height": PHONE[1]})
    try:
        page.goto(f"{app_url}/?lang={lang}")
        tb._wait_map(page)
        _wait_fitted(page)
        drawn = tb.drawn_names(page, "labels-bureaus")
        page.locator(MAP).screenshot(path=str(SHOTS / f"overview-names-{lang}-400x800.png"))
    finally:
        page.close()
    texts = [n["text"] for n in drawn["names"]]
    expected = {r["text"] for r in deckgl.labels_of(static.publish_layer("bureaus"), lang)}
    assert len(set(texts)) >= 5, (lang, texts)  # the map still names much of Hokkaido
    assert set(texts) == expected, (lang, sorted(expected - set(texts)))
    assert tb.overlapping(drawn["names"]) == [], (lang, texts)


#: The page elements holding a figure (cards), and the JS that says, for each, whether its
#: text is cut: wider than its box, or an ellipsis set on it or on what holds its text.
_CUT_FIGURES_JS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(
  (el) => {
    const parts = [el, ...el.querySelectorAll('*')];
    const cut = parts.filter((p) => p.scrollWidth > p.clientWidth + 1
      || (getComputedStyle(p).textOverflow === 'ellipsis'
          && getComputedStyle(p).overflow !== 'visible'));
    return {text: el.innerText.replace(/\\s+/g, ''), cut: cut.length,
            doc: !!el.closest('.st-key-rm-docfigs')};
  })"""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_documents_figures_are_shown_whole(app_url, browser, lang):
    """At 1280x720 and on a 400 px phone, every card (the document's 42市町村（うち22市町村は
    前年度から継続）first) shows its whole text, wrapped: nothing wider than its box, no
    ellipsis (issue #23: 「42市町村（う…」 at 1280 px)."""
    from regionmap import content

    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        for path, figure in (("dispatch", "dispatch"), ("evacuees", "evacuees")):
            rows = content.document_figures(figure).to_dict("records")
            expected = {content.figure_text(r, lang).replace(" ", "") for r in rows}
            page.set_viewport_size({"width": 1280, "height": 720})
            page.goto(f"{app_url}/{path}?lang={lang}")
            page.locator(".st-key-rm-docfigs [data-testid='stMetricValue']").first.wait_for(
                timeout=60_000
            )
            for size in (SCREENS[0], PHONE):
                page.set_viewport_size({"width": size[0], "height": size[1]})
                tb._frames(page, 4)
                shot = SHOTS / f"docfigs-{path}-{lang}-{size[0]}x{size[1]}.png"
                page.locator(".st-key-rm-docfigs").screenshot(path=str(shot))
                cards = page.evaluate(_CUT_FIGURES_JS)
                where = (path, lang, size)
                assert {c["text"] for c in cards if c["doc"]} == expected, (where, cards)
                assert [c for c in cards if c["cut"]] == [], (where, cards)
                box = _box(page, ".st-key-rm-docfigs")
                assert box["x"] + box["width"] <= size[0] + 1, (where, box)
    finally:
        page.close()
