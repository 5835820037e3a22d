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
first, as the single process is.

Also in the same run (issue #13):

3. the single process alone: a new session's first render against a filter change (server
   time, medians; at most 2x), and the trivial one-widget app's saturation through the same
   client, so regionmap's throughput per process reads as a share of Streamlit's own ceiling
   (at least 40 %);
4. failover: ``serve`` on a copy of the database, 30 viewers through nginx; during the run
   an import through the command line (every replica must show it within 5 s, read by new
   sessions on each replica's own port), then ``kill -9`` of one replica. A viewer whose
   session breaks reconnects as the browser does (a new session on the same URL, routed by
   nginx); every viewer must be serving again within 5 s of the kill and none left broken.

Writes ``bench/results/serve.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import time
from typing import Any

from bench.common import (
    PROJECT_ROOT,
    PYTHON,
    RESULTS_DIR,
    StreamlitServer,
    app_script,
    app_unavailable,
    measure_and_write,
    metric,
    quick_mode,
    rss_mb,
)
from bench.load import FILTER_KEYS, RERUN_TIMEOUT_S, TRIVIAL, run_step, session_pages, warm_up
from bench.stclient import StreamlitSession, filter_widget, next_value
from regionmap import serve

NAME = "serve"
#: The overview's elements with no work behind them (Streamlit's ceiling for such a page).
FLOOR = PROJECT_ROOT / "bench" / "floor_app.py"


class Endpoint:
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

    def __init__(self, replicas: int, env: dict[str, str] | None = None, label: str = "serve"):
        self.replicas = replicas
        self.env = env
        self.port = serve.free_port()
        self.runtime = RESULTS_DIR / f"{label}-run"
        self.log = RESULTS_DIR / "logs" / f"{label}.log"

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
            env={**os.environ, **(self.env or {})},
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

    def replica_pid(self, port: int) -> int | None:
        """The process id of the Streamlit replica listening on ``port``."""
        return serve.replica_pids(self.runtime).get(port)


async def _case(endpoint, warm_ports: list[Endpoint], n: int, duration: float, sat: tuple):
    pages = await session_pages(endpoint)
    for ep in warm_ports:
        await warm_up(ep, pages)
    arrive = await run_step(endpoint, n, duration, (3.0, 5.0), pages, seed=13, ramp=3.0)
    await asyncio.sleep(2.0)
    sat_viewers, sat_duration = sat
    saturation = await run_step(endpoint, sat_viewers, sat_duration, None, pages, seed=99, ramp=1.0)
    return {"arrive": arrive, "saturation": saturation}


async def _first_vs_change(endpoint, n: int) -> dict[str, Any]:
    """Alone: a new session's first render and a filter change, server time (medians)."""
    rng = random.Random(7)
    firsts: list[float] = []
    changes: list[float] = []
    keeper = StreamlitSession(endpoint.ws_url)
    await keeper.connect()
    await keeper.rerun(timeout=120)
    try:
        for i in range(n):
            sess = StreamlitSession(endpoint.ws_url)
            await sess.connect()
            try:
                firsts.append((await sess.rerun(timeout=RERUN_TIMEOUT_S)).elapsed_s)
            finally:
                await sess.close()
            w = keeper.widget(FILTER_KEYS[i % len(FILTER_KEYS)]) or filter_widget(
                keeper, FILTER_KEYS
            )
            if w is None:
                break
            keeper.set_widget(w, next_value(w, rng))
            changes.append((await keeper.rerun(timeout=RERUN_TIMEOUT_S)).elapsed_s)
    finally:
        await keeper.close()
    med = statistics.median
    return {
        "first_render_ms": med(firsts) * 1000 if firsts else None,
        "filter_change_ms": med(changes) * 1000 if changes else None,
        "n": len(firsts),
    }


# --- failover and an import during a run ------------------------------------------------

IMPORT_CSV = "年度,市町村名,派遣区分,人数,継続・新規\n2016年度,岩見沢市,地域振興,500,新規\n"
IMPORT_QUERY = "fy=2016"  # the imported year: its sum is on the 派遣職員 card


def _dispatch_card(texts: list[str]) -> str | None:
    cards = [t for t in texts if t.startswith(("派遣職員:", "Staff dispatched:"))]
    return cards[0] if cards else None


async def _card_on(port: int) -> str | None:
    sess = StreamlitSession(f"ws://127.0.0.1:{port}/_stcore/stream", query_string=IMPORT_QUERY)
    await sess.connect()
    try:
        return _dispatch_card((await sess.rerun(timeout=RERUN_TIMEOUT_S)).texts)
    finally:
        await sess.close()


async def _resilient_viewer(
    ws_url: str, seed: int, start_delay: float, deadline: list[float], log: dict[str, Any]
) -> None:
    """A viewer that, when its session breaks, reconnects as the browser does (a new session
    on the same URL, through nginx) until it is served again; logs when it broke and when it
    was served again. ``deadline[0]`` is moved by the case (to some seconds after the kill).

    The waits between attempts are Streamlit 1.67's browser client's
    (``nextReconnectDelayMs``): :func:`reconnect_delay_s`."""
    rng = random.Random(seed)
    await asyncio.sleep(start_delay)
    sess: StreamlitSession | None = None
    ok_last = False
    attempt = 0
    while time.monotonic() < deadline[0]:
        try:
            if sess is None:
                sess = StreamlitSession(ws_url, query_string=IMPORT_QUERY)
                await sess.connect()
                res = await sess.rerun(timeout=RERUN_TIMEOUT_S)
            else:
                await asyncio.sleep(rng.uniform(3.0, 5.0))
                w = filter_widget(sess, FILTER_KEYS)
                if w is None:
                    raise RuntimeError("no filter widget")
                sess.set_widget(w, next_value(w, rng))
                res = await sess.rerun(timeout=RERUN_TIMEOUT_S)
            if res.exceptions:
                raise RuntimeError(res.exceptions[0][:100])
            ok_last, attempt = True, 0
            if log.get("broken_at") is not None and log.get("served_again_at") is None:
                log["served_again_at"] = time.monotonic()
        except Exception as exc:  # the replica died under it: reconnect, as the browser does
            ok_last = False
            log.setdefault("errors", []).append(f"{type(exc).__name__}: {exc}"[:120])
            if log.get("broken_at") is None:
                log["broken_at"] = time.monotonic()
            if sess is not None:
                try:
                    await sess.close()
                except Exception:  # noqa: BLE001 - already broken
                    pass
            sess = None
            attempt += 1
            await asyncio.sleep(reconnect_delay_s(attempt, rng))
    if sess is not None:
        await sess.close()
    log["ok_at_end"] = ok_last


def reconnect_delay_s(attempt: int, rng: random.Random) -> float:
    """How long Streamlit's browser client (1.67, ``nextReconnectDelayMs`` in its bundle)
    waits after a lost connection before it pings the server and opens a new websocket:
    random in [0.25, 0.5) s the first time, then [0.5, 1), [1, 2), [2, 4) s, at most 4 s."""
    top = min(4.0, 0.5 * 2 ** (attempt - 1))
    return rng.uniform(0.25 if attempt == 1 else top / 2, top)


def _import(db_path: str) -> tuple[int, str]:
    csv = RESULTS_DIR / "serve-failover-import.csv"
    csv.write_text(IMPORT_CSV, encoding="utf-8")
    r = subprocess.run(
        [PYTHON, "-m", "regionmap", "db", "import", str(csv), "--db", db_path],
        cwd=str(PROJECT_ROOT),
        capture_output=True,
        text=True,
        timeout=180,
    )
    return r.returncode, (r.stderr or r.stdout)[-300:]


async def _failover_case(served: Served, db_path: str, n: int, duration: float) -> dict:
    ports = served.replica_ports()
    for port in ports:
        await warm_up(Endpoint(served.proc, port), [("", IMPORT_QUERY)])
    before = {p: await _card_on(p) for p in ports}
    ramp = 3.0
    t0 = time.monotonic()
    deadline = [t0 + 600.0]  # until some seconds after the kill (set below)
    logs: list[dict[str, Any]] = [{} for _ in range(n)]
    ws = f"ws://127.0.0.1:{served.port}/_stcore/stream"
    viewers = asyncio.gather(
        *(_resilient_viewer(ws, 500 + i, ramp * i / n, deadline, logs[i]) for i in range(n))
    )
    out: dict[str, Any] = {"viewers": n, "replicas": len(ports)}
    # the import, made during the run, then every replica's new sessions until they show it
    await asyncio.sleep(ramp + 1.0)
    rc, msg = await asyncio.to_thread(_import, db_path)
    imported_at = time.monotonic()
    out["import"] = {"returncode": rc, "message": msg if rc else ""}
    seen: dict[int, float | None] = dict.fromkeys(ports)
    while rc == 0 and time.monotonic() < imported_at + 30 and None in seen.values():
        for p in [p for p, v in seen.items() if v is None]:
            try:
                card = await _card_on(p)
            except Exception:  # noqa: BLE001 - busy or reloading: try again
                card = None
            if card is not None and card != before[p]:
                seen[p] = time.monotonic() - imported_at
        await asyncio.sleep(0.2)
    out["import"]["seen_after_s"] = {str(p): v for p, v in seen.items()}
    # kill -9 of one replica, while the viewers keep going
    await asyncio.sleep(max(0.0, t0 + ramp + 4.0 - time.monotonic()))
    victim = ports[0]
    pid = served.replica_pid(victim)
    killed_at = time.monotonic()
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    out["killed"] = {"port": victim, "pid": pid}
    deadline[0] = max(killed_at + 12.0, t0 + ramp + duration)
    try:
        await asyncio.wait_for(viewers, deadline[0] - time.monotonic() + RERUN_TIMEOUT_S + 30)
    except TimeoutError:
        pass
    broke = [lg for lg in logs if lg.get("broken_at") is not None]
    recover = [
        lg["served_again_at"] - max(killed_at, min(lg["broken_at"], lg["served_again_at"]))
        if lg.get("served_again_at") is not None
        else None
        for lg in broke
    ]
    out["broken_sessions"] = len(broke)
    out["not_served_again"] = sum(1 for r in recover if r is None)
    out["recovery_max_s"] = max((r for r in recover if r is not None), default=0.0)
    out["left_broken"] = sum(1 for lg in logs if not lg.get("ok_at_end"))
    out["error_samples"] = sorted({e for lg in logs for e in lg.get("errors", [])})[:5]
    # the killed replica is restarted by serve and shows the imported figure too
    restart_deadline = time.monotonic() + 120
    while time.monotonic() < restart_deadline:
        if serve.healthy(victim, timeout=2) and served.replica_pid(victim) not in (None, pid):
            break
        await asyncio.sleep(0.5)
    try:
        card = await _card_on(victim)
        out["restarted_shows_import"] = card is not None and card != before[victim]
    except Exception as exc:  # noqa: BLE001 - recorded
        out["restarted_shows_import"] = False
        out["restart_error"] = f"{type(exc).__name__}: {exc}"[:200]
    return out


def measure_failover(n: int, duration: float, replicas: int) -> dict[str, Any]:
    """``serve`` on a copy of the database (the import must not touch the project's own)."""
    from regionmap import settings

    copy = RESULTS_DIR / "serve-failover-db" / "regionmap.duckdb"
    if copy.parent.exists():
        shutil.rmtree(copy.parent)
    copy.parent.mkdir(parents=True)
    shutil.copyfile(settings.get("db_path"), copy)
    env = {"REGIONMAP_DB_PATH": str(copy)}
    try:
        with Served(replicas, env=env, label="serve-failover") as served:
            return asyncio.run(_failover_case(served, str(copy), n, duration))
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


def _slim(step: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in step.items() if k != "rss_samples"}


def measure(n: int, duration: float, sat: tuple[int, float], replicas: int) -> dict[str, Any]:
    out: dict[str, Any] = {"viewers": n, "replicas": replicas, "cores": os.cpu_count()}
    with StreamlitServer(app_script(), "serve-single") as single:
        out["single"] = asyncio.run(_case(single, [single], n, duration, sat))
        out["alone"] = asyncio.run(_first_vs_change(single, 6 if n < 30 else 15))
    for name, script in (("trivial", TRIVIAL), ("floor", FLOOR)):
        with StreamlitServer(script, f"serve-{name}") as server:
            out[name] = {"saturation": asyncio.run(_plain_saturation(server, sat))}
    with Served(replicas) as served:
        front = Endpoint(served.proc, served.port)
        direct = [Endpoint(served.proc, p) for p in served.replica_ports()]
        out["serve"] = asyncio.run(_case(front, direct, n, duration, sat))
    out["failover"] = measure_failover(n, duration, replicas)
    for case in ("single", "serve", "trivial", "floor"):
        out[case] = {k: _slim(v) for k, v in out[case].items()}
    return out


async def _plain_saturation(server: StreamlitServer, sat: tuple[int, float]) -> dict:
    """Saturation of a one-page app (the trivial app, the floor app), warmed first."""
    await warm_up(server, [("", "")])
    viewers, duration = sat
    return await run_step(server, viewers, duration, None, [("", "")], seed=99, ramp=1.0)


def _throughput_ratio(
    key: str,
    label: str,
    num: float | None,
    den: float | None,
    unit: str,
    target: float | None = None,
) -> dict[str, Any]:
    """A metric of one saturation throughput over another (at least ``target``)."""
    return metric(
        key,
        label,
        num / den if num is not None and den else None,
        unit,
        target_op=">=" if target is not None else None,
        target=target,
        note=f"{num or 0:.1f} vs {den or 0:.1f} reruns/s",
    )


def build_metrics(out: dict[str, Any]) -> list[dict[str, Any]]:
    one, many = out["single"], out["serve"]
    n, r = out["viewers"], out["replicas"]
    p95_1 = one["arrive"]["first_render_p95_ms"]
    p95_n = many["arrive"]["first_render_p95_ms"]
    sat_1 = one["saturation"]["throughput_per_s"]
    sat_n = many["saturation"]["throughput_per_s"]
    base = {"label": "one process", "value": p95_1}
    alone, fo = out.get("alone") or {}, out.get("failover") or {}
    first, change = alone.get("first_render_ms"), alone.get("filter_change_ms")
    sat_t, sat_f = (
        ((out.get(app) or {}).get("saturation") or {}).get("throughput_per_s")
        for app in ("trivial", "floor")
    )
    seen = [v for v in ((fo.get("import") or {}).get("seen_after_s") or {}).values()]
    extra = [
        metric(
            "first_render_vs_change_x",
            "new session's first render / filter change, one process alone (server time, medians)",
            first / change if first and change else None,
            "x",
            target_op="<=",
            target=2.0,
            note=f"{first or 0:.0f} ms vs {change or 0:.0f} ms over {alone.get('n', 0)} sessions",
        ),
        _throughput_ratio(
            "throughput_vs_trivial",
            "saturation throughput of one regionmap process / the trivial app's (same client)",
            sat_1,
            sat_t,
            "ratio",
            target=0.4,
        ),
        _throughput_ratio(
            "floor_vs_trivial",
            "saturation throughput of the overview's elements with no work behind them "
            "(bench/floor_app.py) / the trivial app's: Streamlit's own ceiling for this page",
            sat_f,
            sat_t,
            "ratio",
        ),
        _throughput_ratio(
            "throughput_vs_floor",
            "saturation throughput of one regionmap process / the floor app's",
            sat_1,
            sat_f,
            "ratio",
        ),
        metric(
            "serve_failover_recovery_s",
            f"kill -9 of one replica during {fo.get('viewers')} viewers: slowest viewer "
            "served again (s after the kill)",
            fo.get("recovery_max_s") if not fo.get("not_served_again") else None,
            "s",
            target_op="<=",
            target=5.0,
            note=f"{fo.get('broken_sessions', 0)} sessions broke, "
            f"{fo.get('not_served_again', 0)} not served again; "
            + "; ".join(fo.get("error_samples") or [])[:200],
        ),
        metric(
            "serve_failover_left_broken",
            "viewers not serving at the end of the failover run",
            fo.get("left_broken"),
            "count",
            target_op="<=",
            target=0,
            note=f"restarted replica shows the import: {fo.get('restarted_shows_import')}",
        ),
        metric(
            "serve_import_seen_s",
            "an import made during the run: slowest replica to show it (s after the import)",
            max(seen) if seen and None not in seen else None,
            "s",
            target_op="<=",
            target=5.0,
            note=f"per replica {seen}; import exit {(fo.get('import') or {}).get('returncode')}",
        ),
    ]
    return extra + [
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
        _throughput_ratio(
            "serve_saturation_x",
            f"saturation throughput with {r} replicas behind nginx / one process",
            sat_n,
            sat_1,
            "x",
            target=1.6,
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


def no_nginx() -> str | None:
    return None if serve.find_nginx() else "nginx is not installed (Debian: apt-get install nginx)"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--viewers", type=int, default=None)
    ap.add_argument("--replicas", type=int, default=None)
    ap.add_argument("--duration", type=float, default=None, help="seconds after the arrivals")
    args = ap.parse_args(argv)
    quick = args.quick or quick_mode()
    unavailable = app_unavailable(NAME, no_nginx)
    if unavailable:
        return unavailable
    n = args.viewers or (6 if quick else 30)
    duration = args.duration or (6.0 if quick else 20.0)
    sat = (3, 5.0) if quick else (8, 20.0)
    replicas = args.replicas or max(2, os.cpu_count() or 1)
    return measure_and_write(NAME, lambda: measure(n, duration, sat, replicas), build_metrics)


if __name__ == "__main__":
    main()
