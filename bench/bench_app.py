"""Server time and bytes of every page: first render and filter change, against the peer.

Runs ``streamlit run app.py`` and the peer (``bench/peer/app.py``) on 127.0.0.1 and
talks to them with :mod:`bench.stclient`, the browser's own protocol: a first
render is a new session (a new browser tab, empty message cache) on a warm server;
a filter change is a widget change in a session that is already open. Times are
from sending the back-message to ``script_finished`` (loopback, so server time plus
a little transfer); the server process's CPU time per rerun is reported beside it.
Bytes are what the server sends: the whole message and the map payload (pydeck
specs, plus the static layer files they make the browser fetch, once).

Writes ``bench/results/app.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import time
import urllib.request
from typing import Any

import psutil

from bench.common import (
    GC_OFF_ARGS,
    PEER_ARGS,
    PROJECT_ROOT,
    StreamlitServer,
    app_script,
    app_unavailable,
    metric,
    quick_mode,
    scaled,
    summarize,
    timed,
    write_result,
)
from bench.stclient import RunResult, StreamlitSession, filter_widget, next_value

NAME = "app"
PEER = PROJECT_ROOT / "bench" / "peer" / "app.py"
TRIVIAL = PROJECT_ROOT / "bench" / "trivial_app.py"
#: Widget keys a viewer changes, in order of preference (the same filter on both apps).
FILTER_KEYS = ("metric", "theme")
#: The bureau used for the bureau view (deep link on regionmap, picker on the peer).
BUREAU_ID, BUREAU_NAME = "sorachi", "空知総合振興局"


# payload inspection ------------------------------------------------------------------------
def _has_geometry(o: Any) -> bool:
    if isinstance(o, dict):
        if "coordinates" in o and isinstance(o["coordinates"], list):
            return True
        for k in ("polygon", "contour", "path", "polygons"):
            if isinstance(o.get(k), list) and o[k] and isinstance(o[k][0], list):
                return True
        return any(_has_geometry(v) for v in o.values())
    if isinstance(o, list):
        return any(_has_geometry(v) for v in o[:50])
    return False


def geometry_bytes(specs: list[str]) -> int:
    """Bytes (compact JSON) of inline layer data that carries geometry in these deck specs."""
    total = 0
    for spec in specs:
        try:
            doc = json.loads(spec)
        except ValueError:
            continue
        for layer in doc.get("layers", []) or []:
            data = layer.get("data") if isinstance(layer, dict) else None
            if isinstance(data, dict | list) and _has_geometry(data):
                total += len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
    return total


def fetch_static(base_url: str, urls: set[str]) -> dict[str, dict[str, int]]:
    """Fetch the static layer files a spec points at (only from our own 127.0.0.1 server)."""
    out = {}
    for u in sorted(urls):
        if u.startswith("http"):
            if not u.startswith(base_url):
                continue  # never fetch anything but our own server
            full = u
        else:
            full = base_url.rstrip("/") + "/" + u.lstrip("/")
        req = urllib.request.Request(full, headers={"Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                enc = r.headers.get("Content-Encoding", "")
        except OSError:
            out[u] = {"raw": 0, "sent": 0, "error": 1}
            continue
        raw = gzip.decompress(body) if enc == "gzip" else body
        out[u] = {"raw": len(raw), "sent": len(body), "gzip": len(gzip.compress(raw, 6))}
    return out


# one app -----------------------------------------------------------------------------------
class Probe:
    """Times reruns of one server, with its CPU time per rerun."""

    def __init__(self, server: StreamlitServer) -> None:
        self.server = server
        self.proc = psutil.Process(server.proc.pid)

    def cpu(self) -> float:
        t = self.proc.cpu_times()
        return t.user + t.system

    async def first_render(self, page_name: str = "", query: str = "") -> tuple[RunResult, float]:
        sess = StreamlitSession(self.server.ws_url, query_string=query, page_name=page_name)
        await sess.connect()
        try:
            c0 = self.cpu()
            res = await sess.rerun()
            return res, self.cpu() - c0
        finally:
            await sess.close()

    async def open(self, page_name: str = "", query: str = "") -> StreamlitSession:
        sess = StreamlitSession(self.server.ws_url, query_string=query, page_name=page_name)
        await sess.connect()
        await sess.rerun()
        return sess

    async def change(self, sess: StreamlitSession, widget_key: str | None, rng=None):
        w = sess.widget(widget_key) if widget_key else filter_widget(sess, FILTER_KEYS)
        if w is None:
            return None, 0.0, None
        sess.set_widget(w, next_value(w, rng))
        c0 = self.cpu()
        res = await sess.rerun()
        return res, self.cpu() - c0, w


def _view_stats(runs: list[tuple[RunResult, float]], base_url: str) -> dict[str, Any]:
    times = [r.elapsed_s for r, _ in runs]
    cpus = [c for _, c in runs]
    last = runs[-1][0]
    static = fetch_static(base_url, last.static_urls)
    static_raw = sum(v["raw"] for v in static.values())
    static_gz = sum(v.get("gzip", 0) for v in static.values())
    return {
        "time_ms": scaled(summarize(times), 1000),
        "server_cpu_ms": scaled(summarize(cpus), 1000),
        "bytes_total": last.bytes_total,
        "deck_bytes": last.deck_bytes,
        "deck_gzip_bytes": last.deck_gzip_bytes,
        "static_files": static,
        "map_bytes": last.deck_bytes + static_raw,
        "map_gzip_bytes": last.deck_gzip_bytes + static_gz,
        # as transferred: the websocket is uncompressed (server.enableWebsocketCompression is
        # off by default); static files go with the server's gzip
        "map_sent_bytes": last.deck_bytes + sum(v.get("sent", 0) for v in static.values()),
        "geometry_bytes": geometry_bytes(last.deck_specs),
        "n_decks": len(last.deck_specs),
        "exceptions": sorted({e for r, _ in runs for e in r.exceptions}),
        "status": sorted({r.status for r, _ in runs}),
        "widgets": sorted(w.key for w in last.widgets.values()),
    }


def _change_stats(runs: list[tuple[RunResult, float]]) -> dict[str, Any]:
    times = [r.elapsed_s for r, _ in runs]
    return {
        "time_ms": scaled(summarize(times), 1000),
        "server_cpu_ms": scaled(summarize([c for _, c in runs]), 1000),
        "bytes_total": summarize([r.bytes_total for r, _ in runs]),
        "map_bytes": summarize([r.deck_bytes for r, _ in runs]),
        "geometry_bytes_max": max(geometry_bytes(r.deck_specs) for r, _ in runs),
        "deck_refs": sum(r.deck_refs for r, _ in runs),
        "exceptions": sorted({e for r, _ in runs for e in r.exceptions}),
    }


async def measure_regionmap(server: StreamlitServer, n_first: int, n_change: int) -> dict:
    import random

    rng = random.Random(5)
    probe = Probe(server)
    # Warm the server: one full session (imports, caches, layers loaded).
    warm, _ = await probe.first_render()
    cold_ms = warm.elapsed_s * 1000
    sess = await probe.open()
    pages = dict(sess.pages) or {"": ""}
    await sess.close()
    out: dict[str, Any] = {"cold_first_render_ms": cold_ms, "pages": {}}
    for url_path in pages:
        query = f"bureau={BUREAU_ID}" if "bureau" in url_path else ""
        runs = [await probe.first_render(url_path, query) for _ in range(n_first)]
        view = _view_stats(runs, server.base_url)
        view["query"] = query
        for label, key in (("filter_change", "metric"), ("theme_change", "theme")):
            sess = await probe.open(url_path, query)
            changes, widget = [], None
            for _ in range(n_change):
                res, cpu, w = await probe.change(sess, key, rng)
                if res is None:
                    break
                widget = w
                changes.append((res, cpu))
            await sess.close()
            if changes:
                view[label] = _change_stats(changes)
                view[label]["widget"] = widget.key
        out["pages"][url_path or "overview (default)"] = view
    # Deep link of the overview with a bureau selected, as the bureau view when the app
    # has no page of its own for it.
    if not any("bureau" in p for p in pages):
        runs = [await probe.first_render("", f"bureau={BUREAU_ID}") for _ in range(n_first)]
        out["pages"]["overview (default), bureau"] = _view_stats(runs, server.base_url)
    return out


async def measure_peer(server: StreamlitServer, n_first: int, n_change: int) -> dict:
    import random

    rng = random.Random(5)
    probe = Probe(server)
    await probe.first_render()
    runs = [await probe.first_render() for _ in range(n_first)]
    overview = _view_stats(runs, server.base_url)
    sess = await probe.open()
    changes = []
    for _ in range(n_change):
        res, cpu, _w = await probe.change(sess, "metric", rng)
        changes.append((res, cpu))
    overview["filter_change"] = _change_stats(changes)
    overview["filter_change"]["widget"] = "metric"
    # Bureau view: pick the bureau in the sidebar (the peer's only way), from a new tab.
    bureau_runs = []
    for _ in range(n_first):
        s = await probe.open()
        w = s.widget("bureau")
        s.set_widget(w, BUREAU_NAME)
        c0 = probe.cpu()
        res = await s.rerun()
        bureau_runs.append((res, probe.cpu() - c0))
        await s.close()
    await sess.close()
    return {"pages": {"overview": overview, "bureau": _view_stats(bureau_runs, server.base_url)}}


# metrics -----------------------------------------------------------------------------------
def _pick(pages: dict[str, Any], *needles: str) -> tuple[str, dict] | tuple[None, None]:
    for needle in needles:
        for name, view in pages.items():
            if needle == name or (needle and needle in name):
                return name, view
    return None, None


def _times_peer(
    key: str,
    label: str,
    peer: float,
    ours: float,
    *,
    target: float,
    floor: float = 1,
    note: str = "",
) -> dict:
    """A "peer / ours" metric (how many times less ours costs) with its ``>=`` target;
    ``ours`` counts as at least ``floor``."""
    return metric(
        key, label, peer / max(ours, floor), "x", target_op=">=", target=target, note=note
    )


def build_metrics(ours: dict, peer: dict) -> list[dict]:
    ms: list[dict] = []
    pages = ours["pages"]
    ov_name, ov = _pick(pages, "overview", "(default)")
    peer_ov = peer["pages"]["overview"]
    peer_bu = peer["pages"]["bureau"]
    peer_change = peer_ov["filter_change"]["time_ms"]["median"]
    bu_name, bu = _pick(pages, "bureau")
    if ov:
        ms.append(
            timed(
                "overview_first_render_ms",
                "Overview first render, warm server (server time)",
                ov["time_ms"],
                "ms",
                target=1000,
                baseline={"label": "peer overview", "value": peer_ov["time_ms"]["median"]},
            )
        )
        ms.append(
            metric(
                "overview_map_kb",
                "Overview map bytes on first load (deck spec + static layer files, uncompressed)",
                ov["map_bytes"] / 1000,
                "KB",
                target_op="<=",
                target=400,
                baseline={"label": "peer overview", "value": peer_ov["map_bytes"] / 1000},
                note=f"{ov['map_sent_bytes'] / 1000:.1f} KB as transferred (static files gzipped)",
            )
        )
        fc = ov.get("filter_change")
        if fc:
            ms.append(
                timed(
                    "filter_change_ms",
                    f"Overview filter change (widget {fc['widget']}), server time",
                    fc["time_ms"],
                    "ms",
                    target=150,
                    baseline={"label": "peer filter change", "value": peer_change},
                )
            )
            ms.append(
                _times_peer(
                    "filter_change_vs_peer_x",
                    "Filter change: peer time / ours",
                    peer_change,
                    fc["time_ms"]["median"],
                    target=3,
                    floor=1e-9,
                )
            )
            ms.append(
                metric(
                    "filter_change_geometry_bytes",
                    "Geometry resent on a filter change (bytes, max over changes)",
                    fc["geometry_bytes_max"],
                    "bytes",
                    target_op="<=",
                    target=0,
                )
            )
            ms.append(
                metric(
                    "filter_change_bytes",
                    "Bytes sent on a filter change (whole message, median)",
                    fc["bytes_total"]["median"],
                    "bytes",
                    baseline={
                        "label": "peer",
                        "value": peer_ov["filter_change"]["bytes_total"]["median"],
                    },
                )
            )
        tc = ov.get("theme_change")
        if tc:
            ms.append(
                timed(
                    "theme_change_ms",
                    f"Overview theme filter change ({tc['widget']}), server time",
                    tc["time_ms"],
                    "ms",
                    target=150,
                )
            )
    triv = ours.get("trivial")
    fc = (ov or {}).get("filter_change")
    if triv and fc:
        floor = triv["time_ms"]["median"]
        mine = fc["time_ms"]["median"] - floor
        theirs = peer_change - floor
        if mine > 0 and theirs > 0:
            ms.append(
                metric(
                    "filter_change_excess_vs_peer_x",
                    "Filter change above Streamlit's floor (trivial app): peer excess / ours",
                    theirs / mine,
                    "x",
                    note=f"ours {mine:.0f} ms, peer {theirs:.0f} ms over a {floor:.0f} ms floor; "
                    "informational, the target is on the whole time",
                )
            )
    gc_off = ours.get("gc_off") or {}
    if gc_off.get("time_ms") and fc:
        ms.append(
            timed(
                "filter_change_gc_off_ms",
                "Overview metric change with runner.postScriptGC=false (same app, same run)",
                gc_off["time_ms"],
                "ms",
                baseline={"label": "with Streamlit's default GC", "value": fc["time_ms"]["median"]},
                note=f"server CPU {gc_off['server_cpu_ms']['median']:.0f} ms per rerun vs "
                f"{fc['server_cpu_ms']['median']:.0f} ms; vs peer "
                f"{peer_change / max(gc_off['time_ms']['median'], 1e-9):.1f}x",
            )
        )
    if triv:
        ms.append(
            timed(
                "streamlit_floor_ms",
                "Trivial one-widget app: one rerun (the floor Streamlit itself sets)",
                triv["time_ms"],
                "ms",
                note=f"server CPU {triv['server_cpu_ms']['median']:.0f} ms per rerun",
            )
        )
    for view, at in (ours.get("apptest") or {}).items():
        if "time_ms" in at:
            ms.append(
                timed(
                    f"script_only_change_ms[{view}]",
                    f"{view}: metric change, the script alone in-process (AppTest)",
                    at["time_ms"],
                    "ms",
                    note="what our code costs; the rest of the server time is Streamlit's serving",
                )
            )
    # the map payload of a view's first load, the peer's / ours (same view)
    for key, view, peer_view, label in (
        ("overview_map_vs_peer_x", ov, peer_ov, "Overview map payload: peer bytes / ours (same view)"),
        ("bureau_map_vs_peer_x", bu, peer_bu, f"Bureau view ({BUREAU_ID}) map payload: peer bytes / ours"),
    ):  # fmt: skip
        if view:
            ms.append(_times_peer(key, label, peer_view["map_bytes"], view["map_bytes"], target=5))
    if bu:
        fc = bu.get("filter_change")
        if fc:
            ms.append(
                _times_peer(
                    "bureau_change_map_vs_peer_x",
                    "Bureau view, map bytes per filter change: peer / ours",
                    peer_bu["map_bytes"],
                    fc["map_bytes"]["median"],
                    target=5,
                    note=f"ours {fc['map_bytes']['median'] / 1000:.1f} KB (static layers cached "
                    f"by the browser), peer {peer_bu['map_bytes'] / 1000:.1f} KB",
                )
            )
        ms.append(
            timed(
                "bureau_first_render_ms",
                f"Bureau view first render ({bu_name}), server time",
                bu["time_ms"],
                "ms",
                baseline={"label": "peer bureau view", "value": peer_bu["time_ms"]["median"]},
            )
        )
    for name, view in pages.items():
        ms.append(
            timed(
                f"page_first_render_ms[{name}]",
                f"Page {name}: first render, server time",
                view["time_ms"],
                "ms",
            )
        )
        for label, what in (("filter_change", "metric"), ("theme_change", "theme")):
            fc = view.get(label)
            if not fc:
                continue
            ms.append(
                timed(
                    f"page_{label}_ms[{name}]",
                    f"Page {name}: {what} change ({fc['widget']}), server time",
                    fc["time_ms"],
                    "ms",
                    target=150,
                )
            )
        excs = sorted(
            set(view["exceptions"])
            | {
                e
                for lb in ("filter_change", "theme_change")
                for e in view.get(lb, {}).get("exceptions", [])
            }
        )
        if excs:
            ms.append(
                metric(
                    f"page_exceptions[{name}]",
                    f"Page {name}: exceptions shown",
                    len(excs),
                    "count",
                    target_op="<=",
                    target=0,
                    note="; ".join(excs)[:300],
                )
            )
    return ms


async def measure_change_only(server: StreamlitServer, n_change: int) -> dict:
    """Overview metric change only (after a warm-up session)."""
    import random

    rng = random.Random(5)
    probe = Probe(server)
    await probe.first_render()
    sess = await probe.open()
    await probe.change(sess, "metric", rng)
    runs = []
    for _ in range(n_change):
        res, cpu, _w = await probe.change(sess, "metric", rng)
        if res is None:
            break
        runs.append((res, cpu))
    await sess.close()
    return _change_stats(runs) if runs else {}


async def measure_trivial(server: StreamlitServer, n_change: int) -> dict:
    """The trivial one-widget app: the floor Streamlit itself sets for a rerun."""
    probe = Probe(server)
    sess = await probe.open()
    await probe.change(sess, "n")
    runs = []
    for _ in range(n_change):
        res, cpu, _w = await probe.change(sess, "n")
        runs.append((res, cpu))
    await sess.close()
    return _change_stats(runs)


def apptest_script_times(n_change: int) -> dict[str, Any]:
    """The script alone, in-process (AppTest): what our code costs without Streamlit's serving
    (websocket, message queue, session machinery), for a metric change on the overview and on
    the bureau view."""
    from streamlit.testing.v1 import AppTest

    out: dict[str, Any] = {}
    for view, page, query in (
        ("overview", None, {}),
        ("bureau", "pages/bureau.py", {"bureau": BUREAU_ID}),
    ):
        try:
            at = AppTest.from_file(str(app_script()), default_timeout=120)
            for k, v in query.items():
                at.query_params[k] = v
            if page:
                at.switch_page(page)
            at.run()
            opts = at.selectbox(key="rm.w.metric").options
            times = []
            for i in range(n_change):
                t0 = time.perf_counter()
                at.selectbox(key="rm.w.metric").select_index((i + 1) % len(opts)).run()
                times.append(time.perf_counter() - t0)
            out[view] = {
                "time_ms": scaled(summarize(times), 1000),
                "exceptions": [str(e.value)[:200] for e in at.exception],
            }
        except Exception as exc:  # AppTest cannot drive this page: say so, do not fail the part
            out[view] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out


async def _run(n_first: int, n_change: int) -> tuple[dict, dict]:
    with StreamlitServer(TRIVIAL, "trivial") as triv_srv:
        trivial = await measure_trivial(triv_srv, n_change)
    with StreamlitServer(PEER, "peer", extra_args=PEER_ARGS) as peer_srv:
        peer = await measure_peer(peer_srv, n_first, n_change)
    with StreamlitServer(app_script(), "app") as app_srv:
        ours = await measure_regionmap(app_srv, n_first, n_change)
    ours["trivial"] = trivial
    # The same app with Streamlit's post-script full GC off (runner.postScriptGC=false): the
    # lever that decides most of a rerun's server time in a process holding our libraries.
    with StreamlitServer(app_script(), "app-gc-off", extra_args=GC_OFF_ARGS) as gc_srv:
        ours["gc_off"] = await measure_change_only(gc_srv, n_change)
    ours["apptest"] = apptest_script_times(n_change)
    return ours, peer


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    quick = args.quick or quick_mode()
    missing = app_unavailable(NAME)
    if missing is not None:
        return missing
    n_first, n_change = (2, 4) if quick else (5, 12)
    t0 = time.perf_counter()
    ours, peer = asyncio.run(_run(n_first, n_change))
    metrics = build_metrics(ours, peer)
    extra = {
        "regionmap": ours,
        "peer": peer,
        "repeats": {"first_render": n_first, "filter_change": n_change},
        "elapsed_s": time.perf_counter() - t0,
    }
    write_result(NAME, metrics, extra)
    return {"status": "ok", "metrics": metrics}


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
