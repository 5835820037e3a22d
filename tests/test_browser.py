"""End to end in a real browser: Debian's chromium driven by Python Playwright.

The app runs as ``streamlit run app.py`` on 127.0.0.1 with the test session's
layers and database (its static folder is the project's ``static/``, which
Streamlit serves at ``app/static``; ``static/layers/`` is git-ignored). No
request may leave 127.0.0.1. Screenshots go to ``test-artifacts/`` (git-ignored).

Tests wait for signals, never for time: the map's ``data-rm-ready``/``data-rm-spec``
attributes (set by ``src/regionmap/assets/map_ready.js`` once deck.gl has drawn the
map's current layers, see :func:`_wait_map`), URLs, texts and the map's tooltip. A map
click is made once (:func:`_click`); one that is not acted on fails the test.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench import common as bench_common
from regionmap import db, reference, serve
from regionmap.maps import deckgl, labels, spec, static
from regionmap.settings import PROJECT_ROOT
from regionmap.state import FilterState

pytestmark = pytest.mark.browser

CHROMIUM = Path(bench_common.CHROMIUM)
CHROMIUM_ARGS = bench_common.CHROMIUM_ARGS
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
MAP = '[data-testid="stDeckGlJsonChart"]'


@contextlib.contextmanager
def running_app(
    log_name: str = "streamlit-server.log",
    *,
    port: int | None = None,
    url_host: str = "127.0.0.1",
    extra_args: tuple[str, ...] = (),
    **env_extra: str,
):
    """``streamlit run app.py`` on 127.0.0.1 (on ``port``, a free one when None), with the
    session's REGIONMAP_* settings (and ``env_extra`` on top, e.g. ``REGIONMAP_DB_PATH`` of
    a copy) and ``extra_args`` after the fixed options; yields its URL on ``url_host``."""
    port = port or serve.free_port()
    env = dict(os.environ)
    env["REGIONMAP_STATIC_DIR"] = str(PROJECT_ROOT / "static")
    env.update(env_extra)
    log = ARTIFACTS / log_name
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(PROJECT_ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                *extra_args,
            ],  # fmt: skip
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{url_host}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Traffic:
    """What the page fetched: requests (all must stay on 127.0.0.1), static files, ws bytes."""

    def __init__(self, page):
        self.outside: list[str] = []
        self.static: list[tuple[str, int, str]] = []
        self.ws_bytes = 0
        self.wire: dict[str, int] = {}
        page.route("**/*", self._route)
        page.on("response", self._response)
        page.on("websocket", self._websocket)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _response(self, response):
        if "/app/static/" in response.url:
            try:
                size = len(response.body())
            except Exception:  # noqa: BLE001 - body gone after navigation
                size = -1
            self.static.append((response.url, size, response.headers.get("content-type", "")))
            try:  # bytes on the wire (gzip), for the payload report
                self.wire[response.url] = response.request.sizes()["responseBodySize"]
            except Exception:  # noqa: BLE001
                self.wire[response.url] = -1

    def _websocket(self, ws):
        def count(payload):
            self.ws_bytes += len(payload) if isinstance(payload, (bytes, str)) else 0

        ws.on("framereceived", count)


def _pixels(png: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    return img, list(img.get_flattened_data())


#: r+g+b below this is drawn map, not the white page (the quiet fill of a count of 0,
#: (238, 238, 230) at the map's opacity over white, sums to about 713)
NOT_WHITE = 740


def _land_mask(png: bytes) -> set[int]:
    """Indices of pixels that are not the white page background (the drawn map)."""
    _, px = _pixels(png)
    return {i for i, (r, g, b) in enumerate(px) if r + g + b < NOT_WHITE}


def _iou(a: set[int], b: set[int]) -> float:
    return len(a & b) / max(1, len(a | b))


def _wait_map(page, *, changed_from: str | None = None, timeout: float = 60_000) -> str:
    """Wait for the app's signal that the map has drawn its current layers.

    ``assets/map_ready.js`` sets ``data-rm-ready="true"`` on the map once deck.gl has read
    every layer file of the map's spec and drawn frames after it, and ``data-rm-spec`` to
    the drawn spec's hash. With ``changed_from`` (a hash this returned before), wait for
    another spec: the one a filter change or a click produced. Returns the drawn hash.
    """
    page.wait_for_function(
        """([sel, old]) => {
            const map = document.querySelector(sel);
            return !!map && map.dataset.rmReady === "true" && !!map.dataset.rmSpec
                && map.dataset.rmSpec !== old;
        }""",
        arg=[MAP, changed_from or ""],
        timeout=timeout,
    )
    return page.locator(MAP).get_attribute("data-rm-spec")


def _drawn(png: bytes) -> float:
    _, px = _pixels(png)
    return sum(1 for r, g, b in px if r + g + b < NOT_WHITE) / len(px)


def _frames(page, n: int = 3) -> None:
    """Let the page draw ``n`` animation frames."""
    page.evaluate(
        """n => new Promise(done => {
            const step = k => (k <= 0 ? done() : requestAnimationFrame(() => step(k - 1)));
            step(n);
        })""",
        n,
    )


def _map_shot(page, path: Path | None = None) -> bytes:
    """Screenshot of the map (call after :func:`_wait_map`: it is drawn by then)."""
    return page.locator(MAP).screenshot(path=str(path) if path else None)


def _to_pixel(lon, lat, view, width, height):
    """Web Mercator: where (lon, lat) is drawn in a deck of ``width`` x ``height`` px."""
    scale = 512 * 2 ** view["zoom"] / (2 * math.pi)

    def merc_y(v):
        return math.log(math.tan(math.pi / 4 + math.radians(v) / 2))

    x = width / 2 + scale * math.radians(lon - view["longitude"])
    y = height / 2 - scale * (merc_y(lat) - merc_y(view["latitude"]))
    return x, y


def _click(page, x: float, y: float, name: str, url_part: str) -> None:
    """Click the map once at (x, y), as a person does, and expect ``url_part`` in the URL.

    The pointer first rests on the area until deck.gl's tooltip names it (the area is
    drawn and picked there); then one click. A click that is not acted on fails here:
    no second click.
    """
    page.mouse.move(x, y)
    page.locator(".deck-tooltip", has_text=name).wait_for(state="visible", timeout=20_000)
    page.mouse.click(x, y)
    page.wait_for_url(f"**{url_part}**", timeout=30_000)


def _area_point(page, layer: str, code: str, view) -> tuple[float, float]:
    """Where on the page the label point of area ``code`` of ``layer`` is drawn, the map
    showing ``view`` (a :class:`regionmap.maps.deckgl` view)."""
    areas = static.publish_layer(layer)
    lon, lat = areas.label_points[areas.codes.index(code)]
    box = page.locator(f"{MAP} canvas").first.bounding_box()
    x, y = _to_pixel(lon, lat, view.__dict__, box["width"], box["height"])
    return box["x"] + x, box["y"] + y


@contextlib.contextmanager
def opened(browser, url: str, *, height: int = 1200, locale: str | None = None, offline=True):
    """A new page of ``browser`` (1400 px wide, ``height`` tall) at ``url``, with its
    :class:`Traffic` watched: yields ``(page, traffic)``. Leaving the block, no request
    left 127.0.0.1 (unless ``offline`` is False); the page is closed either way."""
    options = {"viewport": {"width": 1400, "height": height}}
    if locale:
        options["locale"] = locale
    page = browser.new_page(**options)
    try:
        traffic = Traffic(page)
        page.goto(url)
        yield page, traffic
        if offline:
            assert traffic.outside == []
    finally:
        page.close()


def open_root_once(url: str, browser) -> None:
    """Open "/" once, as the first user of a fresh server does (app.py registers the pages)."""
    with opened(browser, url + "/") as (page, _traffic):
        _wait_map(page)


#: The deck.gl instance of the page's map: found on the map's canvas (Streamlit's React
#: component keeps it in a hook), or the offline map's ``window.rmDeck``.
_FIND_DECK_JS = """(sel) => {
  if (!sel) return window.rmDeck || null;
  const canvas = document.querySelector(sel + " canvas");
  if (!canvas) return null;
  const key = Object.keys(canvas).find((k) => k.startsWith("__reactFiber$"));
  let fiber = canvas[key], deck = null;
  for (let i = 0; fiber && !deck && i < 60; i += 1, fiber = fiber.return) {
    for (let hook = fiber.memoizedState, j = 0; hook && !deck && j < 50; j += 1, hook = hook.next) {
      const v = hook.memoizedState;
      deck = [v, v && v.current, v && v.current && v.current.deck].find(
        (c) => c && typeof c.pickObjects === "function") || null;
    }
  }
  return deck;
}"""

#: The names deck.gl draws on the map, asked of deck.gl itself: the names' layer made
#: pickable (a copy of it, in this page only) and every name picked over the whole map (a
#: name deck.gl hides, or draws outside the map, is not picked). Each with where deck.gl
#: draws it (its centre in CSS px from the map's top left), its size in px (deck.gl's
#: ``sizeUnits``, ``sizeMaxPixels`` at the map's zoom) and its width as the browser measures
#: the layer's font at that size.
_DRAWN_NAMES_JS = (
    """([sel, layerId]) => {
  const deck = ("""
    + _FIND_DECK_JS
    + """)(sel);
  if (!deck) return null;
  const canvas = deck.getCanvas ? deck.getCanvas() : deck.canvas;
  const layer = deck.props.layers.find((l) => l.id === layerId);
  if (!layer) return [];
  deck.setProps({layers: deck.props.layers.map(
    (l) => (l.id === layerId ? l.clone({pickable: true}) : l))});
  deck.redraw(true);
  return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const r = canvas.getBoundingClientRect();
    const vp = deck.getViewports()[0];
    const p = layer.props;
    const base = (typeof p.getSize === "number" ? p.getSize : 14) * (p.sizeScale || 1);
    const size = p.sizeUnits === "common"
      ? Math.min(p.sizeMaxPixels || Infinity, Math.max(p.sizeMinPixels || 0,
                 base * Math.pow(2, vp.zoom)))
      : base;
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = (p.fontWeight || "normal") + " " + size + "px " + p.fontFamily;
    const seen = new Set();
    const names = [];
    for (const o of deck.pickObjects({x: 0, y: 0, width: r.width, height: r.height,
                                      layerIds: [layerId]})) {
      if (seen.has(o.index)) continue;
      seen.add(o.index);
      const [x, y] = vp.project(o.object.position);
      names.push({text: o.object.text, x, y, size, width: ctx.measureText(o.object.text).width});
    }
    done({names, width: r.width, height: r.height, zoom: vp.zoom});
  })));
}"""
)


def drawn_names(page, layer_id: str, map_selector: str | None = MAP) -> dict:
    """What :data:`_DRAWN_NAMES_JS` reports of layer ``layer_id`` of the page's map
    (``map_selector`` None: the offline map's ``window.rmDeck``)."""
    drawn = page.evaluate(_DRAWN_NAMES_JS, [map_selector, layer_id])
    assert drawn is not None, "deck.gl not found on the map"
    return drawn


def name_box(name: dict, pad: float = 0.0) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1, CSS px) of a name :func:`drawn_names` reported: its text
    centred where deck.gl draws it, as wide as the browser measures it, one size high."""
    half_w, half_h = name["width"] / 2 + pad, name["size"] / 2 + pad
    return (name["x"] - half_w, name["y"] - half_h, name["x"] + half_w, name["y"] + half_h)


def dark_share(png: bytes, names: list[dict], ratio: float) -> dict[str, float]:
    """For each drawn name, the share of its box (:func:`name_box`) that is dark in the
    map's screenshot ``png`` (taken at device pixel ratio ``ratio``): dark ink on a light
    halo, about a third; more means the name sits on something dark (a dark fill without a
    halo, a dark plate) and does not read."""
    img, px = _pixels(png)
    w, h = img.size
    out = {}
    for n in names:
        x0, y0, x1, y1 = (round(v * ratio) for v in name_box(n))
        cells = [
            px[y * w + x]
            for y in range(max(0, y0), min(h, y1))
            for x in range(max(0, x0), min(w, x1))
        ]
        out[n["text"]] = sum(1 for r, g, b in cells if r + g + b < 300) / max(1, len(cells))
    return out


def overlapping(names: list[dict]) -> list[tuple[str, str]]:
    """Pairs of drawn names whose boxes (:func:`name_box`) overlap."""
    boxes = [(n["text"], name_box(n)) for n in names]
    return [
        (a, b)
        for i, (a, p) in enumerate(boxes)
        for b, q in boxes[i + 1 :]
        if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
    ]


def bureau_names(lang: str) -> set[str]:
    """The 14 bureau names as the map shows them in ``lang``."""
    return {r["text"] for r in deckgl.labels_of(static.publish_layer("bureaus"), lang)}


def bureau_page_placement(bureau_id: str, lang: str) -> labels.Placement:
    """Where the server places the names on a bureau page's map: its towns and, in grey,
    the neighbouring bureaus (as :func:`regionmap.maps.spec.area_deck` asks for them)."""
    b = reference.bureaus().set_index("bureau_id").loc[bureau_id]
    view = spec.view_for(FilterState(bureau=bureau_id).map_area())
    munis = static.publish_layer("municipalities", where=("bureau_code", [b["bureau_code"]]))
    bureaus = static.publish_layer("bureaus")
    return spec.placed_names(
        (view.longitude, view.latitude, view.zoom),
        lang,
        munis,
        None,
        bureaus,
        tuple(c for c in bureaus.codes if c != b["bureau_code"]),
    )


def towns_placed(bureau_id: str, lang: str) -> tuple[set[str], list[str], str]:
    """The names the server placed on a bureau page's map (the towns), the codes it left
    to the tooltip, and the seat's name."""
    b = reference.bureaus().set_index("bureau_id").loc[bureau_id]
    placement = bureau_page_placement(bureau_id, lang)
    seat = reference.municipalities().set_index("code").loc[b["seat_code"]]
    seat_name = labels.map_text("municipalities", seat["name_ja"], seat["name_en"], lang)
    return {p.text for p in placement.styled("main")}, list(placement.unnamed), seat_name


def check_names(drawn: dict, expected: set[str], where: str) -> None:
    """The names :func:`drawn_names` reported are ``expected``, none over another, all
    inside the map."""
    names = drawn["names"]
    texts = [n["text"] for n in names]
    assert set(texts) == expected, (where, sorted(expected - set(texts)), sorted(texts))
    assert overlapping(names) == [], (where, overlapping(names))
    for n in names:  # inside the map
        x0, y0, x1, y1 = name_box(n)
        assert x0 >= -1 and y0 >= -1, (where, n)
        assert x1 <= drawn["width"] + 1 and y1 <= drawn["height"] + 1, (where, n)


def _metrics(page) -> list[str]:
    return page.locator('[data-testid="stMetricValue"]').all_inner_texts()


def test_overview_draws_the_map_offline_and_a_click_selects_a_bureau(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    with opened(browser, server + "/", locale="ja-JP") as (page, traffic):
        first_spec = _wait_map(page)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

        # the map is drawn: the canvas is far from blank and shows the choropleth's colours
        shot = page.locator(MAP).screenshot(path=str(ARTIFACTS / "overview-map.png"))
        drawn = _drawn(shot)
        assert drawn > 0.10, f"map looks blank ({drawn:.1%} drawn)"
        assert len(set(_pixels(shot)[1])) > 50

        # the boundaries came once as static JSON files; nothing left 127.0.0.1
        layer_files = [s for s in traffic.static if "/app/static/layers/" in s[0]]
        names = sorted(Path(u).name.split("-")[0] for u, _, _ in layer_files)
        assert names == ["bureaus", "regions"]
        assert all(ct.startswith("application/json") for _, _, ct in layer_files)
        first_load = sum(size for _, size, _ in layer_files)
        assert 0 < first_load <= 150_000
        assert traffic.outside == []

        # credit and Japanese text on the page
        body = page.inner_text("body")
        assert "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成" in body
        assert "サンプルデータ" in body
        before = _metrics(page)

        # tooltip on hover: name, figure with unit and fiscal year (the CSS-selected line)
        view = deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS)
        x, y = _area_point(page, "bureaus", "12", view)  # 十勝: large, its label well inside
        page.mouse.move(x + 25, y + 25)
        page.mouse.move(x + 20, y + 20)
        tip = page.locator(".deck-tooltip")
        tip.wait_for(state="visible", timeout=10_000)
        tip_text = tip.inner_text()
        # the overview opens on the ministry's 財政力指数 (an index, the municipal median)
        assert "十勝総合振興局" in tip_text and "指数" in tip_text and "2015年度" in tip_text
        assert tip_text.count("指数 ·") == 1  # only the hovered bureau's line is shown
        page.screenshot(path=str(ARTIFACTS / "overview-tooltip.png"))

        # a filter change sends figures only: no layer file fetched again, a small spec
        traffic.ws_bytes = 0
        n_static = len(traffic.static)
        page.locator('[class*="st-key-rm-w-metric"]').click()
        page.get_by_role("option", name="避難者").click()
        page.wait_for_url("**metric=evacuees**", timeout=20_000)
        spec = _wait_map(page, changed_from=first_spec)
        change_bytes = traffic.ws_bytes
        assert len(traffic.static) == n_static  # no geometry resent
        assert change_bytes < 80_000
        (ARTIFACTS / "payload.txt").write_text(
            f"first load layer files: {first_load} bytes ({', '.join(names)}), "
            f"{sum(traffic.wire.get(u, 0) for u, _, _ in layer_files)} bytes on the wire (gzip)\n"
            f"filter change (websocket frames): {change_bytes} bytes\n",
            encoding="utf-8",
        )

        # clicking 十勝 on the map selects it: URL, figures and view change
        shot_before = _map_shot(page)
        _click(page, x, y, "十勝総合振興局", "bureau=tokachi")
        _wait_map(page, changed_from=spec)
        after = _map_shot(page)
        page.screenshot(path=str(ARTIFACTS / "overview-tokachi.png"), full_page=True)
        assert "十勝総合振興局" in page.inner_text("body")
        assert _metrics(page) != before
        assert _drawn(after) > 0.5  # zoomed in: the map is mostly land
        assert _iou(_land_mask(shot_before), _land_mask(after)) < 0.8  # zoomed to 十勝


def test_map_keeps_the_users_pan_when_a_filter_changes(server, browser):
    with opened(browser, server + "/?metric=dispatch") as (page, _traffic):
        spec = _wait_map(page)
        canvas = page.locator(f"{MAP} canvas").first
        canvas.scroll_into_view_if_needed()  # the mouse drags only what is on the screen
        _frames(page)
        box = canvas.bounding_box()
        original = _land_mask(_map_shot(page))
        # drag the map 150 px to the left
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx, cy)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(cx - 15 * step, cy, steps=2)
        page.mouse.up()
        _frames(page)  # deck.gl draws the moved view on its next frame (no inertia)
        panned = _land_mask(_map_shot(page))
        assert _iou(original, panned) < 0.8
        # change the colouring level: the map is recoloured, the view stays where the user put it
        page.locator('[class*="st-key-rm-w-level"]').get_by_text("連携地域").click()
        page.wait_for_url("**level=region**", timeout=20_000)
        _wait_map(page, changed_from=spec)
        after = _land_mask(_map_shot(page, ARTIFACTS / "kept-view.png"))
        assert _iou(panned, after) > 0.9
        assert _iou(original, after) < 0.8


@pytest.mark.parametrize(
    ("path", "name", "expect"),
    [
        (
            "/bureau?bureau=sorachi&muni=01210",
            "bureau-sorachi",
            ["空知総合振興局", "岩見沢市の数値"],
        ),
        ("/?lang=en&level=region", "overview-en", ["Overview", "Dispatched staff", "MLIT"]),
        # the overview by its own name (it is served at "/")
        ("/overview?lang=en", "overview-by-name", ["Overview", "Dispatched staff"]),
        ("/bureau?region=donan&lang=en", "bureau-donan-en", ["Bureau view", "Southern (Donan)"]),
    ],
)
def test_pages_render_in_the_browser(server, browser, path, name, expect):
    with opened(browser, server + path) as (page, _traffic):
        _wait_map(page)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        body = page.inner_text("body")
        for text in expect:
            assert text in body
        assert _drawn(_map_shot(page)) > 0.10


def test_clicking_a_municipality_shows_its_figures(server, browser):
    with opened(browser, server + "/bureau?bureau=sorachi") as (page, _traffic):
        spec = _wait_map(page)
        view = deckgl.view_for_bounds(static.publish_layer("bureaus").bounds_of(["01"]))
        x, y = _area_point(page, "municipalities", "01210", view)  # 岩見沢市
        # one click, the first after the map is ready (below the label, on the town's fill)
        _click(page, x, y + 12, "岩見沢市", "muni=01210")
        page.get_by_text("岩見沢市の数値", exact=True).wait_for(timeout=20_000)
        _wait_map(page, changed_from=spec)  # the town outlined on the map
        page.screenshot(path=str(ARTIFACTS / "bureau-click-iwamizawa.png"), full_page=True)
        assert "bureau=sorachi" in page.url  # the bureau stays selected


def test_gsi_background_is_fetched_only_when_switched_on(server, browser):
    url = server + "/?layers=labels,tiles"
    with opened(browser, url, height=1000, offline=False) as (page, traffic):
        _wait_map(page)
        assert _drawn(_map_shot(page)) > 0.10  # drawn although the tiles cannot load offline
        assert traffic.outside, "no tile was requested"
        assert all(
            u.startswith("https://cyberjapandata.gsi.go.jp/xyz/pale/") for u in traffic.outside
        )
        assert "出典：国土地理院" in page.inner_text("body")


def test_page_links_carry_the_filters_to_the_other_page(server, browser):
    url = server + "/?bureau=sorachi&metric=evacuees&lang=en"
    with opened(browser, url) as (page, _traffic):
        _wait_map(page)
        page.get_by_role("link", name="Bureau view").click()
        page.wait_for_url("**/bureau?**", timeout=20_000)
        page.locator("h1", has_text="Sorachi").wait_for(timeout=20_000)
        for part in ("bureau=sorachi", "metric=evacuees", "lang=en"):
            assert part in page.url
        page.get_by_role("link", name="Overview").click()
        page.locator("h1", has_text="Overview").wait_for(timeout=20_000)
        assert "bureau=sorachi" in page.url and "/bureau" not in page.url


def test_a_bookmark_as_the_first_request_of_a_fresh_server_shows_the_whole_app(
    geo_dir, db_path, browser
):
    """A bureau chief's bookmark of a page, opened on a server nobody has visited yet.

    Streamlit then runs the page script alone (its old ``pages/`` mode); the page must
    still get the wide layout, the filter bar with its page links, and the bookmarked view.
    """
    with (
        running_app("streamlit-fresh-server.log") as url,
        opened(browser, url + "/dispatch?bureau=kamikawa") as (page, _traffic),
    ):
        page.locator("h1", has_text="職員派遣").wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("絞り込み", exact=True).wait_for(timeout=30_000)
        links = sidebar.get_by_role("link")
        sidebar.get_by_role("link", name="全道概要").wait_for(timeout=30_000)
        names = [links.nth(i).inner_text() for i in range(links.count())]
        assert "全道概要" in names and "職員派遣" in names, names
        assert "app" not in names  # not Streamlit's raw list of scripts
        assert "bureau=kamikawa" in page.url
        assert "上川" in page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "fresh-server-bookmark.png"), full_page=True)


def test_year_player_steps_the_fiscal_year_and_stops_at_the_latest(server, browser):
    """A presenter ticks ▶ and the map and figures step through the figure's fiscal years,
    one by one, to the latest, where the player stops by itself."""

    years = sorted(db.fiscal_years("dispatch"))
    with opened(browser, server + "/?metric=dispatch", height=1100) as (page, _traffic):
        _wait_map(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("年度を順に再生").click()
        seen: list[int] = []
        deadline = time.monotonic() + 30 + 4 * len(years)
        while time.monotonic() < deadline:
            page.wait_for_timeout(400)
            query = page.url.split("?", 1)[-1]
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            if params.get("fy") and (not seen or seen[-1] != int(params["fy"])):
                seen.append(int(params["fy"]))
            if seen and seen[-1] == years[-1]:
                break
        assert seen == years, seen  # every year of the figure, in order, none skipped
        page.wait_for_timeout(3 * 2000)  # a few more ticks: it has stopped
        assert f"fy={years[-1]}" in page.url
        assert not sidebar.get_by_role("switch", name="年度を順に再生").is_checked()
        assert f"{years[-1]}年度" in page.inner_text("body")


_MAP_BOX = '[class*="st-key-rm-map-"]'
_BACKGROUND_JS = "(sel) => getComputedStyle(document.querySelector(sel)).backgroundImage"


def test_a_cold_visit_shows_a_still_of_the_map_until_the_map_is_drawn(app_url, browser):
    """While deck.gl's script is still loading (held here), the map's place shows the
    still of the view at the map's own height; once the map is drawn the still is gone."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    held = []
    page.route("**/DeckGlJsonChart*.js", lambda route: held.append(route))
    try:
        page.goto(app_url + "/?lang=en")
        page.wait_for_function(
            "(sel) => { const el = document.querySelector(sel);"
            " return !!el && getComputedStyle(el).backgroundImage.includes('/previews/'); }",
            arg=_MAP_BOX,
            timeout=60_000,
        )
        assert held, "deck.gl's script was not requested"
        assert page.locator(MAP).count() == 0  # no map yet: what shows is the still
        box = page.locator(_MAP_BOX).first.bounding_box()
        assert 280 <= box["height"] <= 541, box  # the layout's map height, not more
        still = re.search(r'url\("?([^")]+)"?\)', page.evaluate(_BACKGROUND_JS, _MAP_BOX))[1]
        reply = page.request.get(still)
        assert reply.ok and reply.headers["content-type"] == "image/png"
        assert len(reply.body()) > 10_000  # the view's areas, not an empty picture
        for route in held:  # let deck.gl's script through
            route.continue_()
        page.unroute("**/DeckGlJsonChart*.js")
        _wait_map(page)
        page.wait_for_function(
            "(sel) => document.querySelector(sel).dataset.rmDrawn === 'true'", arg=MAP
        )
        assert page.evaluate(_BACKGROUND_JS, _MAP_BOX) == "none"
        # the still had the map's own place: no jump when the map comes
        assert abs(page.locator(_MAP_BOX).first.bounding_box()["height"] - box["height"]) <= 1
    finally:
        page.close()
