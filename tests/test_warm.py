"""Warm before the first viewer (issue #28) and production settings by default (issue #25).

- ``make run`` and every ``serve`` replica start through :mod:`regionmap.ui.replica`, which
  makes the default views (:mod:`regionmap.ui.warmup`) before Streamlit opens its port: a
  real process is started here and its port must not answer before the warm-up is done;
- viewers arriving at once ask for the same uncached values: each is made once
  (:mod:`regionmap.once`), the others wait for it;
- the file watcher is off unless a developer asks for it (``make dev``).

No timing is asserted here: the bench (``bench/bench_warm.py``) measures the first wave.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from regionmap import reference, serve
from regionmap.geo import layers
from regionmap.settings import PROJECT_ROOT
from regionmap.ui import replica, warmup
from regionmap.ui.session import PAGES


def _at_once(fn, n: int = 8) -> list:
    """``fn()`` from ``n`` threads released together (viewers arriving at once)."""
    gate = threading.Barrier(n)

    def call(_):
        gate.wait()
        return fn()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(call, range(n)))


# --- no stampede ------------------------------------------------------------------------


def test_a_boundary_layer_read_by_sessions_at_once_is_read_once(geo_dir, monkeypatch):
    reads: list[str] = []
    real = layers.gpd.read_parquet

    def slow_read(path, *a, **k):
        reads.append(str(path))
        time.sleep(0.2)  # long enough for every other session to ask meanwhile
        return real(path, *a, **k)

    layers.clear_cache()
    monkeypatch.setattr(layers.gpd, "read_parquet", slow_read)
    try:
        got = _at_once(lambda: layers.load_layer("bureaus", "overview"))
    finally:
        monkeypatch.undo()
        layers.clear_cache()
    assert len(reads) == 1, reads
    assert all(len(g) == 14 for g in got)


def test_reference_tables_read_by_sessions_at_once_are_read_once(monkeypatch):
    reads: list[str] = []
    real = pd.read_csv

    def slow_read(path, *a, **k):
        reads.append(Path(path).name)
        time.sleep(0.2)
        return real(path, *a, **k)

    reference.bureaus.clear()
    monkeypatch.setattr(pd, "read_csv", slow_read)
    try:
        got = _at_once(reference.bureaus)
    finally:
        monkeypatch.undo()
    assert reads == ["bureaus.csv"], reads
    assert all(g is got[0] for g in got) and len(got[0]) == 14


# --- the warm-up ------------------------------------------------------------------------


def test_the_views_warmed_are_the_overview_each_bureau_then_every_page():
    views = warmup.views()
    assert views[0] == warmup.View("pages/overview.py")  # the default page first
    assert all(v.params for v in views[1:15])  # then the 14 bureaus, before the other pages
    assert {v.script for v in views if not v.params} == {p.script for p in PAGES}
    bureaus = [v.params["bureau"] for v in views if v.params]
    assert bureaus == list(reference.bureaus()["bureau_id"])
    assert all(v.script == "pages/bureau.py" for v in views if v.params)


def test_warm_up_reports_progress_survives_a_failing_view_and_stops_at_its_limit():
    lines: list[str] = []
    ran: list[str] = []

    def run(app, view):
        ran.append(view.label)
        if "hidaka" in view.label:
            raise RuntimeError("boom")

    report = warmup.warm(PROJECT_ROOT / "app.py", limit_s=60, log=lines.append, run=run)
    n = len(warmup.views())
    assert len(ran) == n and report.done == n - 1
    assert report.failed == ["pages/bureau.py?bureau=hidaka"]
    assert lines[0] == f"warming: 1/{n} views (pages/overview.py)"
    assert f"warming: {n}/{n} views" in lines[-2] and "1 failed" in lines[-1]

    def slow(app, view):
        time.sleep(0.05)

    lines.clear()
    report = warmup.warm(PROJECT_ROOT / "app.py", limit_s=0.01, log=lines.append, run=slow)
    assert report.done == 1 and report.left == n - 1
    assert any("left to the first viewers" in line for line in lines)
    # 0: no warm-up at all
    assert warmup.warm(PROJECT_ROOT / "app.py", limit_s=0, log=lines.append, run=slow).done == 0


def test_the_replica_warms_before_streamlit_starts(monkeypatch):
    order: list[str] = []
    monkeypatch.setattr(replica, "preload", lambda: order.append("imports"))
    monkeypatch.setattr(
        warmup, "warm", lambda app, log: order.append(f"warm {Path(app).name}") or log("x")
    )
    from streamlit.web import cli

    monkeypatch.setattr(cli, "main", lambda args, prog_name: order.append(f"streamlit {args[0]}"))
    replica.main(["run", str(PROJECT_ROOT / "app.py"), "--server.port", "1"])
    assert order == ["imports", "warm app.py", "streamlit run"]
    order.clear()
    replica.main(["version"])  # not an app: nothing to warm
    assert order == ["imports", "streamlit version"]


# --- production settings -------------------------------------------------------------------


def test_the_file_watcher_is_off_unless_a_developer_asks():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False
    if shutil.which("make") is None:
        pytest.skip("make not installed")

    def dry(target: str) -> str:
        return subprocess.run(
            ["make", "-n", "-B", "VENV=/nonexistent/venv", target],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run = dry("run")
    assert "-m regionmap.ui.replica run app.py" in run and "fileWatcherType" not in run
    assert "--server.fileWatcherType auto --server.runOnSave true" in dry("dev")


# --- a real process ----------------------------------------------------------------------


def test_a_started_replica_opens_its_port_only_once_warm(geo_dir, db_path, tmp_path):
    port = serve.free_port()
    log = tmp_path / "replica.log"
    # the warm-up as make run has it (the test session turns it off for its other servers)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "REGIONMAP_WARM_UP_S": "300"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            serve.streamlit_command(
                PROJECT_ROOT / "app.py", port, python=sys.executable, preload=True
            ),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        seen_warming = False
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            warm_done = "warm in " in text
            seen_warming |= "warming: 1/" in text and not warm_done
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    healthy = True
            except OSError:
                healthy = False
            if healthy:
                # the port answered: the warm-up was finished before (the log says so)
                assert "warm in " in log.read_text(errors="replace"), text[-2000:]
                break
            assert proc.poll() is None, text[-2000:]
            time.sleep(0.2)
        else:
            pytest.fail("the replica did not become healthy in 300 s")
        text = log.read_text(errors="replace")
        n = len(warmup.views())
        assert f"warming: {n}/{n} views" in text and "failed (" not in text, text[-2000:]
        assert text.index("warm in ") < text.index("You can now view")
        assert seen_warming
    finally:
        serve.stop_child(proc)


# --- the bench's warm part (no timing: its bookkeeping) ----------------------------------


def test_bench_repeats_a_wave_started_on_a_busy_machine_and_keeps_the_calmest(monkeypatch):
    from bench import bench_warm

    loads = iter([6.5, 0.7, 9.9])
    runs: list[float] = []

    def attempt():
        load = next(loads)
        runs.append(load)
        return {"first": {"loadavg_before": load}, "second": {}}

    got = bench_warm._calmest(attempt, "test")
    assert runs == [6.5, 0.7]  # calm on the second attempt: no third
    assert got["first"]["loadavg_before"] == 0.7 and got["attempts_loadavg"] == [6.5, 0.7]
    busy = bench_warm._calmest(lambda: {"first": {"loadavg_before": 5.0}}, "test")
    assert busy["attempts_loadavg"] == [5.0] * bench_warm.REPEATS


def test_bench_reports_each_first_wave_as_a_ratio_of_a_warm_wave():
    from bench import bench_warm

    def case(first_p95, second_p95, **more):
        return {
            "first": {"first_render_p95_ms": first_p95, "loadavg_before": 2.0, "errors": 0},
            "second": {"first_render_p95_ms": second_p95, "loadavg_before": 1.0, "errors": 1},
            **more,
        }

    out = {
        "replicas": 2,
        "trivial_start_s": 3.0,
        "make_run": case(300, 100, start_to_healthy_s=12.0, attempts_loadavg=[2.0]),
        "make_run_cold": case(4000, 100, start_to_healthy_s=4.0),
        "serve": case(150, 100, start_to_healthy_s=25.0, restarted=case(100, 100)),
    }
    out["serve"]["restarted"]["kill_to_healthy_s"] = 9.0
    m = {x["key"]: x for x in bench_warm.build_metrics(out)}
    assert m["warm_first_wave_x"]["value"] == 3.0 and m["cold_first_wave_x"]["value"] == 40.0
    assert m["serve_warm_first_wave_x"]["value"] == 1.5
    assert m["restarted_first_wave_x"]["value"] == 1.0
    assert m["make_run_start_to_healthy_s"]["value"] == 12.0
    assert m["serve_start_to_healthy_s"]["target"] == {"op": "<=", "value": 20.0}
    assert m["warm_errors"]["value"] == 4  # every wave counted
    assert "load before 2.0" in m["warm_first_wave_x"]["note"]
