"""In a real browser: time from navigation to map drawn, and after a filter change.

Debian's chromium driven by Python Playwright (never a downloaded browser), WebGL
through SwiftShader, no network but 127.0.0.1. For regionmap's overview, its
bureau view (deep link) and the peer's overview, each in a fresh browser context
(empty cache, a first visit): the time from ``page.goto`` to the map's canvas
showing drawn polygons (polled by screenshots of the map element: drawn = more
than a handful of distinct colours), and, on the open page, from picking another
figure in the metric picker to the redrawn map (the app no longer running and the
map's pixels changed). Polling granularity is reported with the figures.

Writes ``bench/results/browser.json``.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path
from typing import Any

from bench.common import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PEER_ARGS,
    PROJECT_ROOT,
    StreamlitServer,
    app_script,
    app_unavailable,
    metric,
    quick_mode,
    scaled,
    summarize,
    write_result,
)

NAME = "browser"
PEER = PROJECT_ROOT / "bench" / "peer" / "app.py"
MAP = '[data-testid="stDeckGlJsonChart"]'
#: the map's place on the page (its element container): a still of the map on a cold visit,
#: then the interactive map (regionmap.ui.components.mapview.deck_chart)
MAP_BOX = '[class*="st-key-rm-map"]'
RUNNING = '[data-testid="stStatusWidget"]'
POLL_S = 0.1
DRAWN_COLOURS = 12  # distinct colours in the map element that mean polygons are drawn
TIMEOUT_S = 45.0


def _colours(png: bytes) -> int:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    img.thumbnail((320, 320))
    cols = img.getcolors(maxcolors=1 << 16)
    return len(cols) if cols is not None else 1 << 16


def _shot(page: Any, selector: str = MAP, *, canvas: bool = True) -> bytes | None:
    """A screenshot of the first ``selector`` (page clip: element screenshots wait for
    stability); with ``canvas``, only once it holds deck.gl's canvas."""
    loc = page.locator(selector).first
    try:
        if loc.count() == 0 or (canvas and loc.locator("canvas").count() == 0):
            return None
        box = loc.bounding_box(timeout=2000)
        if not box or box["width"] < 10 or box["height"] < (10 if canvas else 100):
            return None
        return page.screenshot(clip=box, timeout=5000)
    except Exception:
        return None


def _map_shot(page: Any) -> bytes | None:
    """A screenshot of the map's area once deck.gl's canvas is there."""
    return _shot(page)


def _wait_visible(page: Any, t0: float, deadline: float) -> float | None:
    """Seconds until the map's place shows a map (its still or the interactive one)."""
    while time.perf_counter() < deadline:
        shot = _shot(page, MAP_BOX, canvas=False)  # the still, or the map
        if shot is not None and _colours(shot) >= DRAWN_COLOURS:
            return time.perf_counter() - t0
        time.sleep(POLL_S)
    return None


def _wait_drawn(page: Any, t0: float, deadline: float) -> float | None:
    while time.perf_counter() < deadline:
        shot = _map_shot(page)
        if shot is not None and _colours(shot) >= DRAWN_COLOURS:
            return time.perf_counter() - t0
        time.sleep(POLL_S)
    return None


def _running(page: Any) -> bool:
    try:
        return page.locator(RUNNING).count() > 0 and page.locator(RUNNING).first.is_visible()
    except Exception:
        return False


def _pick_other_metric(page: Any) -> bool:
    """Open the metric picker and choose another figure, as a person would."""
    box = page.locator('div[class*="st-key-"][class*="metric"]').first
    if box.count() == 0:
        return False
    combo = box.locator('[role="combobox"], [data-baseweb="select"]').first
    combo.click(timeout=5000)
    options = page.locator('[role="option"]')
    options.first.wait_for(timeout=5000)
    n = options.count()
    for i in range(n):
        opt = options.nth(i)
        if opt.get_attribute("aria-selected") != "true":
            opt.click(timeout=5000)
            return True
    return False


def measure_view(browser: Any, url: str, change: bool, still: bool = True) -> dict[str, Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="ja-JP")
    page = ctx.new_page()
    out: dict[str, Any] = {"url": url}
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        if still:  # regionmap's views: the map's place shows the map before it is drawn
            out["visible_s"] = _wait_visible(page, t0, t0 + TIMEOUT_S)
        out["drawn_s"] = _wait_drawn(page, t0, t0 + TIMEOUT_S)
        if out["drawn_s"] is not None:
            out.update(_cold_bytes(page))
        if change and out["drawn_s"] is not None:
            # Let the first render settle, then change the figure.
            settle = time.perf_counter() + 10
            while _running(page) and time.perf_counter() < settle:
                time.sleep(POLL_S)
            time.sleep(0.5)
            before = _map_shot(page)
            t1 = time.perf_counter()
            if not _pick_other_metric(page):
                out["change_error"] = "no metric picker found"
            else:
                deadline = t1 + TIMEOUT_S
                while time.perf_counter() < deadline:
                    if not _running(page):
                        shot = _map_shot(page)
                        if shot is not None and shot != before and _colours(shot) >= DRAWN_COLOURS:
                            out["change_s"] = time.perf_counter() - t1
                            break
                    time.sleep(POLL_S)
                else:
                    out["change_error"] = f"map did not change within {TIMEOUT_S:.0f} s"
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        ctx.close()
    return out


#: What a cold visit fetched by the time the map is drawn (the browser's resource timing):
#: Streamlit's and the components' scripts, the map's layer files, the rest.
_RESOURCES_JS = """() => {
  const out = {js: 0, layers: 0, other: 0, requests: 0, biggest: []};
  for (const r of performance.getEntriesByType("resource")) {
    const size = r.transferSize || r.encodedBodySize || 0;
    const path = new URL(r.name).pathname;
    out.requests += 1;
    if (path.endsWith(".js")) out.js += size;
    else if (path.includes("/app/static/layers/")) out.layers += size;
    else out.other += size;
    out.biggest.push([path.split("/").pop(), size]);
  }
  out.biggest.sort((a, b) => b[1] - a[1]);
  out.biggest = out.biggest.slice(0, 5);
  return out;
}"""


def _cold_bytes(page: Any) -> dict[str, Any]:
    """KB of scripts, layer files and the rest a cold visit fetched until the map was drawn."""
    r = page.evaluate(_RESOURCES_JS)
    return {
        "js_kb": r["js"] / 1024,
        "layers_kb": r["layers"] / 1024,
        "other_kb": r["other"] / 1024,
        "requests": r["requests"],
        "biggest": [(name, round(size / 1024)) for name, size in r["biggest"]],
    }


def _views(server: StreamlitServer, peer: StreamlitServer | None) -> list[tuple[str, str, bool]]:
    views = [
        ("overview", server.base_url + "/", True),
        ("bureau", server.base_url + "/bureau?bureau=sorachi", False),
    ]
    if peer is not None:
        views.append(("peer_overview", peer.base_url + "/", True))
    return views


def _warm(server: StreamlitServer, page: str = "", query: str = "") -> None:
    """One session through the websocket (imports, caches): the browser meets a warm server."""
    import asyncio

    from bench.stclient import StreamlitSession

    async def once() -> None:
        s = StreamlitSession(server.ws_url, query_string=query, page_name=page)
        await s.connect()
        await s.rerun(timeout=120)
        await s.close()

    asyncio.run(once())


def run(repeat: int, with_peer: bool) -> dict[str, Any]:
    from contextlib import ExitStack

    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict]] = {}
    with ExitStack() as stack:
        server = stack.enter_context(StreamlitServer(app_script(), "browser-app"))
        peer = (
            stack.enter_context(StreamlitServer(PEER, "browser-peer", extra_args=PEER_ARGS))
            if with_peer
            else None
        )
        _warm(server)
        _warm(server, "bureau", "bureau=sorachi")
        if peer is not None:
            _warm(peer)
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for name, url, change in _views(server, peer):
                still = not name.startswith("peer")
                results[name] = [measure_view(browser, url, change, still) for _ in range(repeat)]
        finally:
            browser.close()
    return results


def _summ(runs: list[dict], key: str) -> dict[str, Any] | None:
    vals = [r[key] for r in runs if r.get(key) is not None]
    return scaled(summarize(vals), 1000) if vals else None


def build_metrics(results: dict[str, list[dict]]) -> list[dict]:
    ms = []
    peer_draw = _summ(results.get("peer_overview", []), "drawn_s")
    peer_change = _summ(results.get("peer_overview", []), "change_s")
    labels = {
        "overview": "Browser: overview, navigation to map drawn",
        "bureau": "Browser: bureau view (deep link), navigation to map drawn",
        "peer_overview": "Browser: peer overview, navigation to map drawn",
    }
    for name, runs in results.items():
        errs = sorted({r.get("error") or r.get("change_error") for r in runs} - {None})
        d = _summ(runs, "drawn_s")
        base = (
            {"label": "peer overview", "value": peer_draw["median"]}
            if peer_draw and name != "peer_overview"
            else None
        )
        ms.append(
            metric(
                f"browser_{name}_drawn_ms",
                labels.get(name, name),
                d["median"] if d else None,
                "ms",
                spread=d,
                baseline=base,
                note=("; ".join(errs) if errs else f"polled every {POLL_S * 1000:.0f} ms"),
            )
        )
        for key, what in (("js_kb", "scripts"), ("layers_kb", "map layer files")):
            kb = _summ(runs, key)
            if kb:
                biggest = next((r.get("biggest") for r in runs if r.get("biggest")), None)
                ms.append(
                    metric(
                        f"browser_{name}_cold_{key}",
                        f"Browser: {name}, {what} fetched by a cold visit until the map is drawn",
                        kb["median"] / 1000,  # _summ scales by 1000 (s -> ms)
                        "KB",
                        note=f"largest: {biggest}" if biggest and key == "js_kb" else "",
                    )
                )
        v = _summ(runs, "visible_s")
        if v:
            ms.append(
                metric(
                    f"browser_{name}_visible_ms",
                    labels.get(name, name).replace(
                        "map drawn", "map visible (its still, then the map)"
                    ),
                    v["median"],
                    "ms",
                    spread=v,
                    target_op="<=" if name == "overview" else None,
                    target=3000 if name == "overview" else None,
                    note="the issue's target: an idle 2-core machine" if name == "overview" else "",
                )
            )
        c = _summ(runs, "change_s")
        if c or any("change_error" in r for r in runs):
            ms.append(
                metric(
                    f"browser_{name}_change_ms",
                    f"Browser: {name}, metric change to map redrawn",
                    c["median"] if c else None,
                    "ms",
                    spread=c,
                    baseline=(
                        {"label": "peer", "value": peer_change["median"]}
                        if peer_change and name != "peer_overview"
                        else None
                    ),
                )
            )
    ov = _summ(results.get("overview", []), "drawn_s")
    if ov and peer_draw:
        ms.append(
            metric(
                "browser_overview_vs_peer_x",
                "Browser: map drawn, peer time / ours (overview)",
                peer_draw["median"] / ov["median"],
                "x",
            )
        )
    return ms


def _no_chromium() -> str | None:
    return (
        None if Path(CHROMIUM).exists() else f"{CHROMIUM} not installed (apt-get install chromium)"
    )


def _no_playwright() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Python playwright not installed"
    return None


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    quick = args.quick or quick_mode()
    unavailable = app_unavailable(NAME, _no_chromium, _no_playwright)
    if unavailable:
        return unavailable
    repeat = 1 if quick else 3
    t0 = time.perf_counter()
    results = run(repeat, with_peer=not quick)
    metrics = build_metrics(results)
    write_result(
        NAME,
        metrics,
        {
            "runs": results,
            "repeat": repeat,
            "poll_s": POLL_S,
            "elapsed_s": time.perf_counter() - t0,
        },
    )
    return {"status": "ok", "metrics": metrics}


if __name__ == "__main__":
    main()
