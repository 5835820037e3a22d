"""The map to keep: one self-contained HTML file of a map view (render/maphtml.py).

Unit tests read the file's text (no URL outside the embedded deck.gl bundle, sizes,
legend, credit and notices in both languages); the browser test opens it from disk in
Debian chromium with every network request aborted and checks that deck.gl draws the
map, its labels, legend and credit.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from html import escape

import pytest
import test_browser as tb
from apptest_helpers import run_app

from regionmap import db
from regionmap.i18n import t
from regionmap.maps import deckgl, spec, static
from regionmap.render import maphtml
from regionmap.settings import PROJECT_ROOT
from regionmap.state import FilterState
from regionmap.ui.components import downloads

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
URL = re.compile(r"https?://", re.IGNORECASE)
BUNDLE_RE = re.compile(r"<script id='rm-deckgl'>.*?</script>", re.DOTALL)


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and database exist."""


def _view(state: FilterState, lang: str, metric: str, level: str, focus: bool = False):
    """(deck, page) of a map view, as the app builds them."""
    frame = db.metric_by_area(metric, level=level, bureau_code=None)
    figs = spec.figures_from_metric(frame, level, area_filter=False)
    drawn = spec.area_deck(state.map_area(level, focus=focus), lang, figs)
    title = t("metric." + metric, lang)
    page = downloads.map_page(lang, title=title, scale=drawn.scale, figs=figs, legend_title=title)
    return drawn.deck, page


def _html(state: FilterState, lang: str, metric="dispatch", level="bureau", focus=False) -> str:
    deck, page = _view(state, lang, metric, level, focus)
    return maphtml.map_html(deck.to_json(), deck._tooltip, page)


VIEWS = {
    "overview": (FilterState(), "dispatch", "bureau", False),
    "regions": (FilterState(level="region"), "dispatch", "region", False),
    "bureau-page": (FilterState(bureau="tokachi"), "dispatch", "municipality", True),
    "municipalities": (FilterState(), "dispatch", "municipality", False),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_url_outside_the_embedded_library(lang):
    html = _html(FilterState(), lang)
    bundles = BUNDLE_RE.findall(html)
    assert len(bundles) == 1
    rest = BUNDLE_RE.sub("", html)
    credit = downloads.credit_text(lang)
    assert URL.findall(rest.replace(credit, "")) == []
    # nothing is loaded from anywhere: no src/href attributes, no CSS url() or @import
    assert not re.search(r"\b(src|href)\s*=", rest, re.IGNORECASE)
    assert "url(" not in rest and "@import" not in rest
    # the library is pydeck's own offline bundle, unchanged (its strings name URLs of
    # providers the file never uses: Mapbox, Google, Carto; the browser test sees no request)
    inner = bundles[0].removeprefix("<script id='rm-deckgl'>").removesuffix("</script>")
    assert (
        hashlib.sha256(inner.encode()).hexdigest()
        == hashlib.sha256(maphtml.BUNDLE.read_bytes()).hexdigest()
    )
    assert "createDeck" in inner


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_sizes(name):
    state, metric, level, focus = VIEWS[name]
    deck, page = _view(state, "en", metric, level, focus)
    html = maphtml.map_html(deck.to_json(), deck._tooltip, page)
    size = len(html.encode("utf-8"))
    data = maphtml.data_bytes(deck.to_json())
    print(f"{name}: file {size:,} bytes, view data {data:,} bytes")
    assert size < maphtml.MAX_FILE_BYTES
    assert data < maphtml.MAX_DATA_BYTES
    # the layer files are inlined once each, however many layers draw them
    _, urls = maphtml.offline_spec(deck.to_json())
    assert html.count("data-rm-url=") == len(urls) >= 1


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_legend_credit_notice_and_tooltip_in_the_language(lang):
    deck, page = _view(FilterState(), lang, "dispatch", "bureau")
    html = maphtml.map_html(deck.to_json(), deck._tooltip, page)
    assert f"<html lang='{lang}'>" in html
    for key in ("map.legend.outlines", "map.credit", "notice.sample", "maphtml.note"):
        assert escape(t(key, lang)) in html, key  # the sample notice: the figures are sample
    assert escape(t("map.legend", lang, title=t("metric.dispatch", lang))) in html
    assert len(page.legend_rows) >= 3
    for _, label in page.legend_rows:
        assert escape(label) in html
    tip = json.loads(re.search(r"id='rm-tooltip'>(.*?)</script>", html).group(1))
    assert ("{name_en}" if lang == "en" else "{name_ja}") in tip["html"]
    assert tip["html"].count("data-k=") >= 14  # one figure line per bureau (and the rule)
    # no basemap: the spec names no style and no provider
    spec_json = json.loads(re.search(r"id='rm-spec'>(.*?)</script>", html).group(1))
    assert "mapStyle" not in spec_json and "mapProvider" not in spec_json
    labels = [layer for layer in spec_json["layers"] if layer["@@type"] == "TextLayer"]
    # the names placed on the server (regionmap.maps.labels), as in the app: every bureau's,
    # none left to the page to hide; they shrink with a smaller window, never grow past 14 px
    assert labels and "extensions" not in labels[0] and "rmDeclutter" not in labels[0]
    assert labels[0]["sizeUnits"] == "common" and labels[0]["sizeMaxPixels"] == 14
    names = {row["text"] for row in labels[0]["data"]}
    assert ("Tokachi" if lang == "en" else "十勝") in names
    assert names == {r["text"] for r in deckgl.labels_of(static.publish_layer("bureaus"), lang)}


def test_the_overview_offers_the_html_file_in_both_languages():
    for lang, label in (
        ("ja", "地図（HTML・ネットワーク不要）"),
        ("en", "Map to keep (HTML, works offline)"),
    ):
        at = run_app({"lang": lang})
        labels = [el.proto.label for el in at.get("download_button")]
        assert label in labels, labels


def test_the_cached_producer_gives_the_same_file():
    deck, page = _view(FilterState(), "ja", "dispatch", "bureau")
    import dataclasses

    data = downloads.map_html_bytes(
        deck.to_json(),
        json.dumps(deck._tooltip, ensure_ascii=False),
        json.dumps(dataclasses.asdict(page), ensure_ascii=False),
    )
    assert data.decode("utf-8") == maphtml.map_html(deck.to_json(), deck._tooltip, page)


# --- in the browser, from disk, network off ---------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_opens_from_disk_with_the_network_off(browser, tmp_path, lang):
    from PIL import Image, ImageChops

    html = _html(FilterState(), lang)
    context, page, errors, requests = _open_offline(
        browser, tmp_path, html, f"map-hokkaido-dispatch-{lang}.html"
    )
    try:
        # every bureau's name drawn (asked of deck.gl), none over another
        drawn = tb.drawn_names(page, "labels-bureaus", None)["names"]
        expected = {r["text"] for r in deckgl.labels_of(static.publish_layer("bureaus"), lang)}
        assert len({n["text"] for n in drawn}) >= 8  # most names fit at the first zoom
        assert {n["text"] for n in drawn} == expected
        assert tb.overlapping(drawn) == []
        page.evaluate(
            "() => new Promise(d => requestAnimationFrame(() => requestAnimationFrame(d)))"
        )
        canvas = page.locator("#map canvas").first
        with_labels = canvas.screenshot()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"maphtml-offline-{lang}.png"))
        img = Image.open(io.BytesIO(with_labels)).convert("RGB")
        px = list(img.get_flattened_data())
        drawn = sum(1 for r, g, b in px if r + g + b < 740) / len(px)
        assert drawn > 0.08, drawn  # the bureaus are filled, not a blank canvas
        # the labels are drawn: hiding their layer changes the picture
        page.evaluate(
            """() => { const d = window.rmDeck; d.setProps({layers: d.props.layers.map(
                l => l.id.startsWith('labels-') ? l.clone({visible: false}) : l)}); }"""
        )
        page.evaluate(
            "() => new Promise(d => requestAnimationFrame(() => requestAnimationFrame(d)))"
        )
        without = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
        diff = (
            ImageChops.difference(img, without).convert("L").point(lambda v: 255 if v > 40 else 0)
        )
        changed = sum(1 for v in diff.get_flattened_data() if v)
        assert changed > 1500, changed
        text = page.inner_text("body")
        assert t("map.legend", lang, title=t("metric.dispatch", lang)) in text
        assert t("map.credit", lang) in text
        assert t("notice.sample", lang) in text
        # a hover shows the area's name and figure
        box = canvas.bounding_box()
        assert box is not None
        # Tokachi, a little below its label point, where deck.gl draws it
        x, y = page.evaluate("() => window.rmDeck.getViewports()[0].project([143.2643, 43.1829])")
        page.mouse.move(box["x"] + x, box["y"] + y + 25)
        tip = page.locator(".deck-tooltip")
        tip.wait_for(state="visible", timeout=10_000)
        assert ("Tokachi" if lang == "en" else "十勝") in tip.inner_text()
    finally:
        context.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []


# --- text from files never runs as script; one area's line on hover (issue 21, 2 and 3) ----

#: A site name and ID as a hostile (or careless) file could hold them.
HOSTILE_NAME = (
    "<img src=x onerror=\"window.__rm_pwned='name'\"><script>window.__rm_pwned='s'</script>"
)
HOSTILE_ID = "x'</style><img src=x onerror=\"window.__rm_pwned='id'\"><style>"
OBIHIRO = (143.1964, 42.9237)


def _hostile_html(lang: str = "ja") -> str:
    """The settlement map with one site whose name and ID are hostile, near 帯広市."""
    import pandas as pd

    from regionmap.ui.components import overlay
    from regionmap.ui.views import settlement

    df = pd.DataFrame(
        [
            {
                "site_id": HOSTILE_ID,
                "name_ja": HOSTILE_NAME,
                "name_en": HOSTILE_NAME,
                "kind": "salon",
                "kind_ja": "サロン",
                "kind_en": "Community salon",
                "municipality_name_ja": "帯広市</style><b>",
                "municipality_name_en": "Obihiro",
                "start_fy": 2015,
                "is_sample": False,
                "lon": OBIHIRO[0],
                "lat": OBIHIRO[1],
            }
        ]
    )
    layer = settlement.sites_layer(df, lang, overlay.site_kinds())
    drawn = spec.area_deck(
        FilterState().map_area("bureau"),
        lang,
        None,
        fill=False,
        extra_layers=[layer],
        extra_tips=settlement.site_tips(df, lang),
    )
    page = downloads.map_page(
        lang, title=HOSTILE_NAME, scale=None, figs=None, legend_title="", tiles=False
    )
    return maphtml.map_html(drawn.deck.to_json(), drawn.deck._tooltip, page)


def test_hostile_text_reaches_the_file_only_escaped():
    html = _hostile_html()
    rest = BUNDLE_RE.sub("", html)
    for raw in ("<img", "</style><img", "<script>window", "<b>"):
        assert raw not in rest, raw
    # the values are there, as escaped JSON or HTML text: the page shows them as text
    assert "\\u003cimg src=x onerror=" in rest  # in the spec and the tooltip (JSON)
    assert escape(HOSTILE_NAME) in rest  # the title (HTML text)


def test_the_file_allows_only_its_own_two_scripts():
    import base64

    html = _hostile_html()
    policy = re.search(r"http-equiv='Content-Security-Policy' content=\"([^\"]+)\"", html).group(1)
    assert html.index("Content-Security-Policy") < html.index("<script")  # before any script
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-hashes'" not in directives["script-src"]
    assert directives["script-src"].endswith(" 'wasm-unsafe-eval'")  # WebAssembly, not JS
    runnable = re.findall(r"<script(?: id='rm-deckgl')?>(.*?)</script>", html, re.DOTALL)
    assert len(runnable) == 2
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in runnable
    }
    assert set(directives["script-src"].split()) == hashes | {"'wasm-unsafe-eval'"}


def _open_offline(browser, tmp_path, html: str, name: str):
    """(context, page, errors, requests) of ``html`` opened from disk, the network refused,
    CSP violations recorded in ``window.__rm_csp``."""
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(
        "window.__rm_csp = []; document.addEventListener('securitypolicyviolation', "
        "e => window.__rm_csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    requests: list[str] = []

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function(
        "() => document.getElementById('map').hasAttribute('data-rm-drawn')", timeout=60_000
    )
    page.evaluate("() => new Promise(d => requestAnimationFrame(() => requestAnimationFrame(d)))")
    return context, page, errors, requests


def _hover(page, lon: float, lat: float, dy: float = 0.0):
    box = page.locator("#map canvas").first.bounding_box()
    x, y = page.evaluate(f"() => window.rmDeck.getViewports()[0].project([{lon}, {lat}])")
    page.mouse.move(box["x"] + x, box["y"] + y + dy)
    tip = page.locator(".deck-tooltip")
    tip.wait_for(state="visible", timeout=10_000)
    return tip, (x, y + dy)


@pytest.mark.browser
def test_a_hostile_site_name_and_id_run_no_script_when_hovered(browser, tmp_path):
    context, page, errors, requests = _open_offline(browser, tmp_path, _hostile_html(), "h.html")
    try:
        tip, _ = _hover(page, *OBIHIRO)
        # the name is shown as text; no element was made of it
        assert HOSTILE_NAME in tip.inner_text()
        assert page.evaluate("() => document.querySelectorAll('.deck-tooltip img, "
                             ".deck-tooltip script').length") == 0  # fmt: skip
        assert "サロン · 帯広市</style><b>" in tip.inner_text()  # the site's own line, as text
        assert page.title() == HOSTILE_NAME
        assert page.evaluate("() => window.__rm_pwned") is None
        assert page.evaluate("() => window.__rm_csp") == []  # the file's scripts all ran
        # and were something to slip through, the policy stops it: an inline handler
        page.evaluate(
            """() => document.body.insertAdjacentHTML('beforeend',
                '<img src="data:," onerror="window.__rm_pwned=1" onload="window.__rm_pwned=2">')"""
        )
        page.wait_for_function("() => window.__rm_csp.length > 0", timeout=10_000)
        assert page.evaluate("() => window.__rm_pwned") is None
        assert all("script-src" in v for v in page.evaluate("() => window.__rm_csp"))
        # the map still pans and zooms from file://
        before = page.evaluate("() => window.rmDeck.getViewports()[0].zoom")
        page.mouse.wheel(0, -400)
        page.wait_for_function(
            f"() => window.rmDeck.getViewports()[0].zoom > {before} + 0.1", timeout=10_000
        )
    finally:
        context.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_hovering_obihiro_shows_its_own_figure_line_only(browser, tmp_path, lang):
    from regionmap.maps import static

    munis = static.publish_layer("municipalities")
    i = munis.codes.index("01207")  # 帯広市
    lon, lat = munis.label_points[i]
    html = _html(FilterState(), lang, level="municipality")
    context, page, errors, _ = _open_offline(browser, tmp_path, html, f"m-{lang}.html")
    try:
        tip, (x, y) = _hover(page, lon, lat)
        picked = page.evaluate(
            f"() => window.rmDeck.pickObject({{x: {x}, y: {y}}}).object.properties"
        )
        assert picked["name_ja"] == "帯広市"
        visible = page.evaluate(
            """() => Array.from(document.querySelectorAll('.deck-tooltip [data-k]'))
                .filter(e => getComputedStyle(e).display !== 'none')
                .map(e => [e.getAttribute('data-k'), e.innerText])"""
        )
        assert len(visible) == 1, visible[:5]
        assert visible[0][0] == picked["k"]
        if lang == "ja":  # (the municipalities' layer file carries no English name)
            assert "帯広市" in tip.inner_text()
        assert visible[0][1] in tip.inner_text() and "undefined" not in tip.inner_text()
        assert page.evaluate("() => window.__rm_csp") == []
    finally:
        context.close()
    assert errors == []
