"""Serve part: 30 viewers through nginx with N replicas against one Streamlit process.

In the same run, on the same machine, with the same viewers (:func:`bench.load.run_step`,
real websocket sessions speaking the browser's protocol):

1. one ``streamlit run app.py`` (as ``make run``), viewers connecting to it directly;
2. ``python -m regionmap serve --replicas N`` (as ``make serve``; N = the number of cores,
   at least 2), viewers connecting to nginx, which spreads new sessions over the replicas.

Each case: 30 viewers arriving within 3 s (first render of a new session, then a filter
change every 3-5 s), then a saturation run (viewers with no think time). Reported as ratios
serve / single: first-render p95 (issue #13: at most 2 s and at most a third of the single
process), saturation throughput (at least 1.6x). Every replica is warmed on its own port
first, as the single process is. Writes ``bench/results/serve.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import time
from typing import Any

from bench.common import (
    PROJECT_ROOT,
    PYTHON,
    RESULTS_DIR,
    StreamlitServer,
    app_available,
    app_script,
    ensure_app_data,
    metric,
    not_available,
    quick_mode,
    rss_mb,
    write_result,
)
from bench.load import _pages, _warm, run_step
from regionmap import serve

NAME = "serve"


class _Endpoint:
    """What :func:`bench.load.run_step` needs of a server, for a given process and port."""

    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc = proc
        self.port = port

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float | None:
        return rss_mb(self.proc.pid) if self.alive() else None


class Served:
    """``python -m regionmap serve`` in a subprocess, stopped with SIGTERM (as Ctrl-C)."""

    def __init__(self, replicas: int) -> None:
        self.replicas = replicas
        self.port = serve.free_port()
        self.runtime = RESULTS_DIR / "serve-run"
        self.log = RESULTS_DIR / "logs" / "serve.log"

    def __enter__(self) -> Served:
        if serve.find_nginx() is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(self.log, "w", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            serve.serve_command(self.replicas, self.port, self.runtime, python=PYTHON),
            cwd=str(PROJECT_ROOT),
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}; see {self.log}")
            if serve.healthy(self.port, timeout=2):
                return self
            time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"serve not healthy in 180 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        serve.stop_child(self.proc, timeout=60)
        self._out.close()

    def replica_ports(self) -> list[int]:
        conf = (self.runtime / "nginx.conf").read_text(encoding="utf-8")
        return [int(p) for p in re.findall(r"server 127\.0\.0\.1:(\d+) ", conf)]


async def _case(endpoint, warm_ports: list[_Endpoint], n: int, duration: float, sat: tuple):
    pages = await _pages(endpoint)
    for ep in warm_ports:
        await _warm(ep, pages)
    arrive = await run_step(endpoint, n, duration, (3.0, 5.0), pages, seed=13, ramp=3.0)
    await asyncio.sleep(2.0)
    sat_viewers, sat_duration = sat
    saturation = await run_step(endpoint, sat_viewers, sat_duration, None, pages, seed=99, ramp=1.0)
    return {"arrive": arrive, "saturation": saturation}


def _slim(step: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in step.items() if k != "rss_samples"}


def measure(n: int, duration: float, sat: tuple[int, float], replicas: int) -> dict[str, Any]:
    out: dict[str, Any] = {"viewers": n, "replicas": replicas, "cores": os.cpu_count()}
    with StreamlitServer(app_script(), "serve-single") as single:
        out["single"] = asyncio.run(_case(single, [single], n, duration, sat))
    with Served(replicas) as served:
        front = _Endpoint(served.proc, served.port)
        direct = [_Endpoint(served.proc, p) for p in served.replica_ports()]
        out["serve"] = asyncio.run(_case(front, direct, n, duration, sat))
    for case in ("single", "serve"):
        out[case] = {k: _slim(v) for k, v in out[case].items()}
    return out


def build_metrics(out: dict[str, Any]) -> list[dict[str, Any]]:
    one, many = out["single"], out["serve"]
    n, r = out["viewers"], out["replicas"]
    p95_1 = one["arrive"]["first_render_p95_ms"]
    p95_n = many["arrive"]["first_render_p95_ms"]
    sat_1 = one["saturation"]["throughput_per_s"]
    sat_n = many["saturation"]["throughput_per_s"]
    base = {"label": "one process", "value": p95_1}
    return [
        metric(
            "serve_first_render_p95_ms",
            f"{n} viewers arriving within 3 s through nginx, {r} replicas: first-render p95",
            p95_n,
            "ms",
            target_op="<=",
            target=2000,
            baseline=base,
            note=f"p50 {many['arrive']['first_render_p50_ms'] or 0:.0f} ms; errors "
            f"{many['arrive']['errors']}, lost {many['arrive']['lost_sessions']}",
        ),
        metric(
            "serve_first_render_p95_ratio",
            f"first-render p95 with {r} replicas / one process ({n} viewers, same run)",
            (p95_n / p95_1) if p95_1 and p95_n else None,
            "ratio",
            target_op="<=",
            target=1 / 3,
            note=f"one process: p95 {p95_1 or 0:.0f} ms, p50 "
            f"{one['arrive']['first_render_p50_ms'] or 0:.0f} ms",
        ),
        metric(
            "serve_rerun_p95_ratio",
            f"filter-change p95 with {r} replicas / one process ({n} viewers, think 3-5 s)",
            (many["arrive"]["p95_ms"] / one["arrive"]["p95_ms"])
            if one["arrive"]["p95_ms"] and many["arrive"]["p95_ms"]
            else None,
            "ratio",
            note=f"{many['arrive']['p95_ms'] or 0:.0f} ms vs {one['arrive']['p95_ms'] or 0:.0f} ms",
        ),
        metric(
            "serve_saturation_x",
            f"saturation throughput with {r} replicas behind nginx / one process",
            sat_n / sat_1 if sat_1 else None,
            "x",
            target_op=">=",
            target=1.6,
            note=f"{sat_n:.1f} vs {sat_1:.1f} reruns/s",
        ),
        metric(
            "serve_errors",
            f"errors and lost sessions through nginx ({n} viewers and saturation)",
            many["arrive"]["errors"]
            + many["arrive"]["lost_sessions"]
            + many["saturation"]["errors"]
            + many["saturation"]["lost_sessions"],
            "count",
            target_op="<=",
            target=0,
            note="; ".join(many["arrive"]["error_samples"])[:300],
        ),
    ]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--viewers", type=int, default=None)
    ap.add_argument("--replicas", type=int, default=None)
    ap.add_argument("--duration", type=float, default=None, help="seconds after the arrivals")
    args = ap.parse_args(argv)
    quick = args.quick or quick_mode()
    ok, why = app_available()
    if ok:
        ok, why = ensure_app_data()
    if ok:
        from regionmap import serve

        if serve.find_nginx() is None:
            ok, why = False, "nginx is not installed (Debian: apt-get install nginx)"
    if not ok:
        not_available(NAME, why)
        return {"status": "not available", "reason": why}
    n = args.viewers or (6 if quick else 30)
    duration = args.duration or (6.0 if quick else 20.0)
    sat = (3, 5.0) if quick else (8, 20.0)
    replicas = args.replicas or max(2, os.cpu_count() or 1)
    t0 = time.perf_counter()
    out = measure(n, duration, sat, replicas)
    out["elapsed_s"] = time.perf_counter() - t0
    metrics = build_metrics(out)
    write_result(NAME, metrics, out)
    return {"status": "ok", "metrics": metrics}


if __name__ == "__main__":
    main()
