"""Load test: N concurrent viewers against one ``streamlit run app.py`` on 127.0.0.1.

Each viewer is a real websocket session (:mod:`bench.stclient`, the browser's
protocol): it opens the app (two in three on the overview, one in three on the
bureau view by deep link when the app has such a page), then changes a filter
(the figure, the themes or the fiscal year, picked at random) every 3-5 s (seeded random
think time) and times each rerun to ``script_finished``. Steps of 10, 30 and 60 viewers, each bounded in time; then a
saturation run with no think time, against regionmap and against the trivial
one-widget app (the ceiling Streamlit itself sets), reported as reruns per second
per core. Server memory (RSS, with children) is sampled every 0.5 s.

Everything stops by itself: every step has a deadline, every rerun a timeout,
and the servers are stopped by their own process id. Only 127.0.0.1 is contacted.

Writes ``bench/results/load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

from bench.common import (
    GC_OFF_ARGS,
    PROJECT_ROOT,
    StreamlitServer,
    app_script,
    app_unavailable,
    metric,
    percentile,
    quick_mode,
    write_result,
)
from bench.stclient import StreamlitSession, filter_widget, next_value

NAME = "load"
TRIVIAL = PROJECT_ROOT / "bench" / "trivial_app.py"
#: The filters a viewer changes, one picked at random (seeded) for each change.
FILTER_KEYS = ("metric", "theme", "fy")
RERUN_TIMEOUT_S = 30.0


@dataclass
class ViewerLog:
    first_render_s: float | None = None
    reruns_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lost: bool = False  # the connection closed without the viewer closing it
    done_at: list[float] = field(default_factory=list)  # completion times (monotonic)
    by_filter: dict[str, list[float]] = field(default_factory=dict)  # widget key -> rerun times


async def _viewer(
    ws_url: str,
    page: str,
    query: str,
    seed: int,
    start_delay: float,
    deadline: float,
    think: tuple[float, float] | None,
    log: ViewerLog,
    open_sessions: list[int],
) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(start_delay)
    sess = StreamlitSession(ws_url, query_string=query, page_name=page)
    try:
        await sess.connect()
        open_sessions[0] += 1
        res = await sess.rerun(timeout=RERUN_TIMEOUT_S)
        log.first_render_s = res.elapsed_s
        log.errors.extend(res.exceptions)
        while True:
            if think is not None:
                pause = rng.uniform(*think)
                if time.monotonic() + pause >= deadline:
                    break
                await asyncio.sleep(pause)
            elif time.monotonic() >= deadline:
                break
            keys = list(FILTER_KEYS)
            rng.shuffle(keys)
            w = filter_widget(sess, tuple(keys))
            if w is None:
                log.errors.append("no filter widget found")
                break
            sess.set_widget(w, next_value(w, rng))
            res = await sess.rerun(timeout=RERUN_TIMEOUT_S)
            log.reruns_s.append(res.elapsed_s)
            log.by_filter.setdefault(w.key, []).append(res.elapsed_s)
            log.done_at.append(time.monotonic())
            if res.exceptions:
                log.errors.extend(res.exceptions)
    except TimeoutError:
        log.errors.append(f"rerun timed out after {RERUN_TIMEOUT_S:.0f} s")
    except Exception as exc:  # connection refused or closed under load: an error, not a crash
        name = type(exc).__name__
        if "ConnectionClosed" in name:
            log.lost = True
        log.errors.append(f"{name}: {exc}"[:200])
    finally:
        try:
            await sess.close()
        except Exception as exc:
            log.errors.append(f"close: {type(exc).__name__}")
        open_sessions[0] -= 1


async def _sample_rss(
    pid: int, stop: asyncio.Event, out: list[tuple[float, float, int]], n
) -> None:
    proc = psutil.Process(pid)
    while not stop.is_set():
        try:
            rss = proc.memory_info().rss
            for c in proc.children(recursive=True):
                rss += c.memory_info().rss
            out.append((time.monotonic(), rss / 2**20, n[0]))
        except psutil.Error:
            return
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def run_step(
    server: StreamlitServer,
    n: int,
    duration: float,
    think: tuple[float, float] | None,
    pages: list[tuple[str, str]],
    seed: int,
    ramp: float,
) -> dict[str, Any]:
    """One step: ``n`` viewers for ``duration`` seconds (after a ramp), then all close."""
    logs = [ViewerLog() for _ in range(n)]
    open_sessions = [0]
    rss: list[tuple[float, float, int]] = []
    stop = asyncio.Event()
    proc = psutil.Process(server.proc.pid)
    me = psutil.Process()
    cpu0 = sum(proc.cpu_times()[:2])
    me0 = sum(me.cpu_times()[:2])
    rss_before = server.rss_mb()
    sampler = asyncio.create_task(_sample_rss(server.proc.pid, stop, rss, open_sessions))
    t0 = time.monotonic()
    deadline = t0 + ramp + duration
    tasks = []
    for i in range(n):
        page, query = pages[i % len(pages)]
        delay = ramp * i / max(n, 1)
        tasks.append(
            _viewer(
                server.ws_url,
                page,
                query,
                seed * 1000 + i,
                delay,
                deadline,
                think,
                logs[i],
                open_sessions,
            )
        )
    # Hard bound on the whole step: the deadline plus a rerun timeout.
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), ramp + duration + RERUN_TIMEOUT_S + 15)
    except TimeoutError:
        pass
    wall = time.monotonic() - t0
    stop.set()
    await sampler
    cpu = sum(proc.cpu_times()[:2]) - cpu0 if server.alive() else None
    client_cpu = sum(me.cpu_times()[:2]) - me0
    reruns = [x for lg in logs for x in lg.reruns_s]
    firsts = [lg.first_render_s for lg in logs if lg.first_render_s is not None]
    # Throughput over the steady window (after the ramp), from completion times.
    steady_from = t0 + ramp
    done = [t for lg in logs for t in lg.done_at if t >= steady_from]
    steady = max(min(deadline, time.monotonic()) - steady_from, 1e-9)
    full = [m for (_, m, k) in rss if k >= n] or [m for (_, m, _k) in rss]
    peak = max((m for _, m, _ in rss), default=None)
    errors = [e for lg in logs for e in lg.errors]
    return {
        "viewers": n,
        "think_s": list(think) if think else None,
        "duration_s": duration,
        "ramp_s": ramp,
        "wall_s": wall,
        "reruns": len(reruns),
        "throughput_per_s": len(done) / steady,
        "p50_ms": (percentile(reruns, 50) or 0) * 1000 if reruns else None,
        "p95_ms": (percentile(reruns, 95) or 0) * 1000 if reruns else None,
        "max_ms": max(reruns) * 1000 if reruns else None,
        "first_render_p50_ms": percentile(firsts, 50) * 1000 if firsts else None,
        "first_render_p95_ms": percentile(firsts, 95) * 1000 if firsts else None,
        "p50_ms_by_filter": {
            k: round(percentile(v, 50) * 1000)
            for k in sorted({k for lg in logs for k in lg.by_filter})
            if (v := [x for lg in logs for x in lg.by_filter.get(k, [])])
        },
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "viewers_without_first_render": sum(1 for lg in logs if lg.first_render_s is None),
        "lost_sessions": sum(1 for lg in logs if lg.lost),
        "server_alive": server.alive(),
        "server_cpu_s": cpu,
        "server_cpu_cores_used": (cpu / wall) if cpu is not None else None,
        "client_cpu_cores_used": client_cpu / wall,
        "loadavg_after": os.getloadavg()[0],
        "rss_before_mb": rss_before,
        "rss_all_open_mb": (sum(full) / len(full)) if full else None,
        "rss_peak_mb": peak,
        "rss_samples": [(k, round(m, 1)) for (_, m, k) in rss],
    }


async def session_pages(server: StreamlitServer) -> list[tuple[str, str]]:
    """Overview twice, the bureau view once (deep link) when the app has a bureau page."""
    sess = StreamlitSession(server.ws_url)
    await sess.connect()
    await sess.rerun(timeout=120)
    await sess.close()
    bureau = [p for p in sess.pages if "bureau" in p]
    pages = [("", ""), ("", "")]
    pages.append((bureau[0], "bureau=sorachi") if bureau else ("", "bureau=sorachi"))
    return pages


async def warm_up(server: StreamlitServer, pages: list[tuple[str, str]]) -> float | None:
    """Open every page once and close it; the server's RSS after that (the idle baseline)."""
    for page, query in dict.fromkeys(pages):
        s = StreamlitSession(server.ws_url, query_string=query, page_name=page)
        await s.connect()
        await s.rerun(timeout=120)
        w = filter_widget(s, FILTER_KEYS)
        if w is not None:
            s.set_widget(w, next_value(w))
            await s.rerun(timeout=120)
        await s.close()
    await asyncio.sleep(1.0)
    return server.rss_mb()


async def _load(
    steps: list[int],
    duration: float,
    sat_viewers: int,
    sat_duration: float,
    gc_off_step: int | None = None,
):
    cores = os.cpu_count() or 1
    out: dict[str, Any] = {"cores": cores, "steps": [], "saturation": {}}
    with StreamlitServer(app_script(), "load-app") as server:
        pages = await session_pages(server)
        out["pages"] = pages
        out["rss_idle_mb"] = await warm_up(server, pages)
        for i, n in enumerate(steps):
            if not server.alive():
                out["steps"].append({"viewers": n, "skipped": "server not running"})
                continue
            ramp = min(5.0, 0.1 * n)
            step = await run_step(server, n, duration, (3.0, 5.0), pages, seed=i + 1, ramp=ramp)
            out["steps"].append(step)
            await asyncio.sleep(2.0)
        if server.alive():
            out["saturation"]["regionmap"] = await run_step(
                server, sat_viewers, sat_duration, None, pages, seed=99, ramp=1.0
            )
        out["server_alive_at_end"] = server.alive()
    with StreamlitServer(TRIVIAL, "load-trivial") as trivial:
        await warm_up(trivial, [("", "")])
        out["saturation"]["trivial"] = await run_step(
            trivial, sat_viewers, sat_duration, None, [("", "")], seed=99, ramp=1.0
        )
    # The same app with Streamlit's post-script full GC off: saturation, and the middle step.
    with StreamlitServer(app_script(), "load-app-gc-off", extra_args=GC_OFF_ARGS) as gc_srv:
        pages = await session_pages(gc_srv)
        idle = await warm_up(gc_srv, pages)
        out["gc_off"] = {"rss_idle_mb": idle, "steps": []}
        if gc_off_step:
            ramp = min(5.0, 0.1 * gc_off_step)
            out["gc_off"]["steps"].append(
                await run_step(gc_srv, gc_off_step, duration, (3.0, 5.0), pages, seed=2, ramp=ramp)
            )
        if gc_srv.alive():
            out["saturation"]["regionmap, postScriptGC=false"] = await run_step(
                gc_srv, sat_viewers, sat_duration, None, pages, seed=99, ramp=1.0
            )
    for sat in out["saturation"].values():
        sat["reruns_per_s_per_core"] = sat["throughput_per_s"] / cores
    return out


def _per_session_mb(out: dict[str, Any], n: int) -> tuple[float | None, str]:
    """Server memory per extra open session: the slope of RSS against open sessions over
    every sample of the think-time steps (with the idle server at 0 sessions), and, as a
    check, (RSS with all ``n`` open - idle) / n."""
    idle = out.get("rss_idle_mb")
    pts = [(0, idle)] if idle else []
    for s in out["steps"]:
        pts += [(k, m) for k, m in s.get("rss_samples", []) if k > 0]
    slope = None
    if len({k for k, _ in pts}) >= 2:
        mk = sum(k for k, _ in pts) / len(pts)
        mm = sum(m for _, m in pts) / len(pts)
        var = sum((k - mk) ** 2 for k, _ in pts)
        slope = sum((k - mk) * (m - mm) for k, m in pts) / var if var else None
    simple = None
    for s in out["steps"]:
        if s.get("viewers") == n and s.get("rss_all_open_mb") and idle:
            simple = (s["rss_all_open_mb"] - idle) / n
    note = f"slope over {len(pts)} RSS samples; ({n} open - idle)/{n} = "
    note += f"{simple:.2f} MB" if simple is not None else "n/a"
    if idle:
        note += f"; idle server {idle:.0f} MB"
    return slope, note


def build_metrics(out: dict[str, Any], mid: int, top: int) -> list[dict]:
    ms = []
    by_n = {s["viewers"]: s for s in out["steps"] if "reruns" in s}
    s = by_n.get(mid)
    if s:
        ms.append(
            metric(
                "load_mid_p95_ms",
                f"{mid} viewers, think 3-5 s: p95 time to a finished rerun",
                s["p95_ms"],
                "ms",
                target_op="<",
                target=1500,
                note=f"p50 {s['p50_ms']:.0f} ms, {s['reruns']} reruns" if s["p50_ms"] else "",
            )
        )
        ms.append(
            metric(
                "load_mid_errors",
                f"{mid} viewers: errors",
                s["errors"],
                "count",
                target_op="<=",
                target=0,
                note="; ".join(s["error_samples"])[:300],
            )
        )
        per, note = _per_session_mb(out, mid)
        ms.append(
            metric(
                "memory_per_session_mb",
                "Server memory per extra open session (RSS slope)",
                per,
                "MB",
                target_op="<",
                target=40,
                note=note,
            )
        )
    for n, s in sorted(by_n.items()):
        ms.append(
            metric(
                f"load{n}_p50_ms",
                f"{n} viewers: p50 rerun (p95 {s['p95_ms'] or 0:.0f} ms, {s['throughput_per_s']:.1f}/s)",
                s["p50_ms"],
                "ms",
            )
        )
    s = by_n.get(top)
    if s:
        ms.append(
            metric(
                "load_top_graceful",
                f"{top} viewers: server alive, no lost session (1 = yes)",
                int(s["server_alive"] and s["lost_sessions"] == 0),
                "bool",
                target_op=">=",
                target=1,
                note=f"lost {s['lost_sessions']}, errors {s['errors']}, p95 {s['p95_ms'] or 0:.0f} ms",
            )
        )
    for g in (out.get("gc_off") or {}).get("steps", []):
        ms.append(
            metric(
                f"load{g['viewers']}_gc_off_p95_ms",
                f"{g['viewers']} viewers with runner.postScriptGC=false: p95 rerun",
                g["p95_ms"],
                "ms",
                target_op="<",
                target=1500,
                note=f"p50 {g['p50_ms'] or 0:.0f} ms, errors {g['errors']}, lost {g['lost_sessions']}",
            )
        )
    sat = out["saturation"]
    gsat = sat.get("regionmap, postScriptGC=false")
    if gsat:
        ms.append(
            metric(
                "saturation_gc_off_reruns_per_s_per_core",
                "Saturation throughput with runner.postScriptGC=false, reruns/s per core",
                gsat["throughput_per_s"] / (out.get("cores") or 1),
                "1/s/core",
                baseline=(
                    {"label": "default GC", "value": sat["regionmap"]["reruns_per_s_per_core"]}
                    if "regionmap" in sat
                    else None
                ),
            )
        )
    if "regionmap" in sat and "trivial" in sat:
        ours, triv = sat["regionmap"], sat["trivial"]
        ms.append(
            metric(
                "saturation_reruns_per_s_per_core",
                "Saturation throughput (no think time), reruns/s per core",
                ours["reruns_per_s_per_core"],
                "1/s/core",
                baseline={
                    "label": "trivial one-widget app",
                    "value": triv["reruns_per_s_per_core"],
                },
            )
        )
        ms.append(
            metric(
                "saturation_vs_trivial_pct",
                "Saturation throughput as % of the trivial app's (Streamlit's ceiling)",
                100 * ours["throughput_per_s"] / max(triv["throughput_per_s"], 1e-9),
                "%",
            )
        )
    return ms


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--steps", default=None, help="comma-separated viewer counts (default 10,30,60)"
    )
    ap.add_argument("--duration", type=float, default=None, help="seconds per step")
    args = ap.parse_args(argv)
    quick = args.quick or quick_mode()
    missing = app_unavailable(NAME)
    if missing is not None:
        return missing
    if args.steps:
        steps = [int(x) for x in args.steps.split(",")]
    else:
        steps = [3, 6] if quick else [10, 30, 60]
    duration = args.duration or (8.0 if quick else 60.0)
    sat_viewers, sat_duration = (3, 5.0) if quick else (6, 25.0)
    t0 = time.perf_counter()
    gc_off_step = 30 if (30 in steps and not quick) else None
    out = asyncio.run(_load(steps, duration, sat_viewers, sat_duration, gc_off_step))
    out["elapsed_s"] = time.perf_counter() - t0
    mid = 30 if 30 in steps else steps[len(steps) // 2]
    metrics = build_metrics(out, mid, max(steps))
    write_result(NAME, metrics, out)
    return {"status": "ok", "metrics": metrics}


if __name__ == "__main__":
    main()
