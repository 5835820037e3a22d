"""Accessibility in a real browser (issue #27: JIS X 8341-3 / WCAG 2.1 AA).

Every page, in both languages, at 1280x720 and on a 400 px phone: axe-core (bundled by
``axe-playwright-python``) finds no WCAG 2.1 A/AA violation, ``<html lang>`` is the
interface language and Streamlit's own labels are in it. A map's text alternative names
its highest area; the keyboard reaches the area filter and a municipality's figures, as
a click on the map does. One test per language and size walks every page (the suite's
time), on the session's app server.
"""

from __future__ import annotations

import contextlib

import pytest
import test_browser as tb
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from regionmap.maps import describe, spec
from regionmap.ui.cached import metric_frame

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Every page, as a user opens it (the bureau page with a bureau: its municipalities' map).
PAGES = (
    "/",
    "/bureau?bureau=sorachi",
    "/projects",
    "/dispatch",
    "/settlement",
    "/evacuees",
    "/proposals",
    "/regional",
    "/data",
    "/?present=1",
)
SIZES = {"1280x720": (1280, 720), "400px": (400, 800)}

#: The page has finished its run: a title, no script running, nothing stale (Streamlit
#: fades stale elements, which would be measured at the wrong contrast), the map drawn.
_IDLE_JS = """(map) => {
  if (!document.querySelector('h1, .rm-present-title')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"], [data-stale="true"]')) return false;
  const m = document.querySelector(map);
  return !m || m.dataset.rmReady === 'true';
}"""


#: No Streamlit label left in English (page_lang.js translates them a frame after they come).
_NO_ENGLISH_LABEL_JS = (
    "() => ![...document.querySelectorAll('[aria-label],[title]')]"
    ".flatMap((e) => [e.getAttribute('aria-label'), e.getAttribute('title')])"
    ".some((v) => /^(Skip to main content|Link to heading|Collapse sidebar|Expand sidebar|"
    "Help for .*|Fullscreen.*|Open|Close)$/.test(v || ''))"
)


def _idle(page) -> None:
    page.wait_for_function(_IDLE_JS, arg=tb.MAP, timeout=60_000)
    tb._frames(page)


def _url(base: str, path: str, lang: str) -> str:
    return base + path + (("&" if "?" in path else "?") + "lang=en" if lang == "en" else "")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_has_no_wcag_violations_and_speaks_its_language(app_url, browser, lang, size):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    found: dict[str, list[tuple[str, str, str]]] = {}
    try:
        for path in PAGES:
            page.goto(_url(app_url, path, lang))
            _idle(page)
            page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang)
            tb._frames(page)  # the page script's pass after the last redraw (tabindex, CSS)
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
            bad = [
                (v["id"], n["html"][:120], n.get("failureSummary", "")[-120:])
                for v in result.response["violations"]
                for n in v["nodes"]
            ]
            if bad:
                found[path] = bad
            if lang == "ja":  # Streamlit's own labels speak Japanese too
                page.wait_for_function(_NO_ENGLISH_LABEL_JS, timeout=10_000)
                skip = page.get_by_text("本文へ移動")
                assert skip.count() >= 1, path
        page.screenshot(path=str(tb.ARTIFACTS / f"a11y-{lang}-{size}.png"))
    finally:
        page.close()
    assert found == {}, found


def test_the_maps_text_alternative_names_its_highest_area(app_url, browser):
    df = metric_frame("dispatch", "bureau", None, (), None, None)
    figs = spec.figures_from_metric(df, "bureau", area_filter=False)
    high, _, low, _ = describe.extremes(figs.shown())
    names = describe.area_names("bureau", "ja")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(app_url + "/?metric=dispatch")
        _idle(page)
        chart = page.locator(tb.MAP)
        # page_lang.js ties the map to its description on its next frame after a redraw
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                "(m) => document.querySelector(m)?.hasAttribute('aria-describedby')",
                arg=tb.MAP,
                timeout=15_000,
            )
        ident = chart.get_attribute("aria-describedby")
        assert ident, "the map is not described"
        text = page.locator(f"#{ident}").inner_text()
        assert "地図：派遣職員" in text
        assert names[high[0]] in text and names[low[0]] in text
        assert "最も多いのは" in text
        # the table it refers to holds every area's figure
        page.get_by_text("地図の数値を表で見る", exact=True).click()
        table = page.locator(".rm-map-table table").first
        table.wait_for()
        assert names[high[0]] in table.inner_text()
    finally:
        page.close()


def _tab_to(page, selector: str, limit: int = 80) -> int:
    """Press Tab from where the focus is until the focused element matches ``selector``;
    the presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return n
    raise AssertionError(f"Tab never reached {selector}")


def _choose_by_keyboard(page, key: str, typed: str, url_part: str) -> None:
    """From the page's start, Tab to the selectbox ``key``, type ``typed`` and press Enter,
    as a keyboard user does; the URL then has ``url_part``, as after a click on the map."""
    page.locator("body").focus()
    _tab_to(page, f".st-key-rm-w-{key} input")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{url_part}**", timeout=30_000)
    _idle(page)


def test_the_keyboard_chooses_an_area_and_a_municipality_as_a_click_does(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(app_url + "/bureau")
        _idle(page)
        # the area filter: 空知, as a click on it on the map does
        _choose_by_keyboard(page, "area", "空知", "bureau=sorachi")
        # the municipality list (after the map): 岩見沢市 and the town's figures
        _choose_by_keyboard(page, "muni", "岩見沢", "muni=01210")
        page.get_by_text("岩見沢市の数値", exact=True).wait_for(timeout=30_000)
        assert "bureau=sorachi" in page.url
    finally:
        page.close()
