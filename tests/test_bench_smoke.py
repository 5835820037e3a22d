"""Smoke test of the benchmark harness itself (bench/): no timing is asserted anywhere.

It checks what a maintainer relies on: ``python -m bench --quick --only geo``
produces a well-formed report (JSON and Markdown, with the machine and every
target of the part judged), a missed target is reported with how much it missed
by, a part that cannot run is reported instead of crashing the run, the
websocket client speaks Streamlit's protocol (a widget change reruns the script
and the new value comes back), and the load test stops by itself without errors.
Results go to a temporary folder (``REGIONMAP_BENCH_RESULTS``), never bench/results.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from regionmap.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["REGIONMAP_BENCH_RESULTS"] = str(tmp_path / "results")
    env.update(extra)
    return env


def test_quick_run_writes_a_well_formed_report(tmp_path, n03_geojson):
    r = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "geo"],
        cwd=PROJECT_ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    results = tmp_path / "results"
    report = json.loads((results / "report.json").read_text(encoding="utf-8"))
    assert report["quick"] is True
    machine = report["machine"]
    assert machine["cores_logical"] >= 1 and machine["memory_gb"] > 0
    assert machine["python"].count(".") == 2
    assert machine["packages"]["streamlit"] == "1.67.0"
    assert set(report["parts"]) == {"geo"}
    geo = report["parts"]["geo"]
    assert geo["status"] == "ok", geo.get("reason")
    build = next(m for m in geo["metrics"] if m["key"] == "build_s")
    assert build["value"] > 0 and build["target"] == {"op": "<", "value": 10}
    assert build["pass"] is (build["value"] < 10)  # the verdict is the target's comparison
    # every checklist target of the part has a row, judged with a verdict
    rows = {r["key"]: r for r in report["summary"] if r["part"] == "geo"}
    for key in ("build_s", "overview_bureaus_regions_kb", "overview_municipalities_kb"):
        assert key in rows and not rows[key].get("missing"), key
        assert rows[key]["verdict"].startswith(("pass", "**MISS**"))
    md = (results / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# regionmap benchmark report")
    assert "| Part | Target | Measured |" in md
    assert "boundary build < 10 s" in md
    assert machine["cpu_model"] in md and "streamlit 1.67.0" in md


def test_a_missed_target_says_by_how_much_and_a_missing_part_is_reported():
    from bench.__main__ import collect, render_markdown

    parts = {
        "app": {
            "status": "ok",
            "metrics": [
                {
                    "key": "filter_change_ms",
                    "label": "filter change",
                    "value": 225.0,
                    "unit": "ms",
                    "target": {"op": "<", "value": 150},
                    "spread": {"median": 225.0, "iqr": 10.0, "min": 200.0, "max": 260.0, "n": 9},
                    "baseline": {"label": "peer", "value": 450.0},
                },
                {
                    "key": "overview_map_vs_peer_x",
                    "label": "payload ratio",
                    "value": 24.0,
                    "unit": "x",
                    "target": {"op": ">=", "value": 5},
                },
            ],
        },
        "load": {"status": "not available", "reason": "app.py is not in the project yet"},
    }
    report = collect(parts, quick=True, elapsed=1.0)
    rows = {r["key"]: r for r in report["summary"]}
    miss = rows["filter_change_ms"]
    assert miss["pass"] is False
    assert miss["verdict"] == "**MISS** by 75.0 ms, 50%"
    assert rows["overview_map_vs_peer_x"]["pass"] is True
    assert (
        rows["load_mid_p95_ms"]["missing"]
        and "app.py is not in the project" in rows["load_mid_p95_ms"]["reason"]
    )
    md = render_markdown(report)
    assert "**MISS** by 75.0 ms, 50%" in md
    assert "peer: 450 ms (0.50×)" in md  # ours ÷ peer, measured in the same run
    assert "| load | not available |" in md


def test_a_part_whose_script_is_missing_is_not_available(monkeypatch, tmp_path):
    import bench.__main__ as harness

    monkeypatch.setitem(harness.PARTS, "ghost", ("bench_ghost_does_not_exist", 5, 5, "nothing"))
    doc = harness.run_part("ghost", quick=True)
    assert doc["status"] == "not available"
    assert "bench_ghost_does_not_exist.py" in doc["reason"]


def test_client_speaks_streamlits_protocol_against_the_trivial_app():
    from bench.common import StreamlitServer
    from bench.stclient import StreamlitSession, filter_widget

    async def session(url: str):
        s = StreamlitSession(url)
        await s.connect()
        first = await s.rerun()
        w = filter_widget(s, ("n",))
        s.set_widget(w, [21.0])
        second = await s.rerun()
        await s.close()
        return first, second, w

    with StreamlitServer(PROJECT_ROOT / "bench" / "trivial_app.py", "smoke-trivial") as srv:
        first, second, w = asyncio.run(session(srv.ws_url))
    assert first.status == "FINISHED_SUCCESSFULLY" and not first.exceptions
    assert w.key == "n" and w.kind == "slider" and w.value == [21.0]
    assert second.status == "FINISHED_SUCCESSFULLY"
    assert second.bytes_total > 0 and second.kinds.get("markdown", 0) > 0
    assert "`42`" in second.texts  # st.write(21 * 2): the script saw the new value


def test_load_test_stops_by_itself_and_reports_every_step(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "bench.load", "--quick", "--steps", "2,3", "--duration", "3"],
        cwd=PROJECT_ROOT,
        env=_env(tmp_path, REGIONMAP_BENCH_APP=str(PROJECT_ROOT / "bench" / "trivial_app.py")),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    doc = json.loads((tmp_path / "results" / "load.json").read_text(encoding="utf-8"))
    steps = doc["extra"]["steps"]
    assert [s["viewers"] for s in steps] == [2, 3]
    for s in steps:
        assert s["errors"] == 0, s["error_samples"]
        assert s["lost_sessions"] == 0 and s["server_alive"]
        assert s["viewers_without_first_render"] == 0
    sat = doc["extra"]["saturation"]
    assert sat["regionmap"]["reruns"] > 0 and sat["trivial"]["reruns"] > 0
    keys = {m["key"] for m in doc["metrics"]}
    assert {"load_top_graceful", "load_mid_errors", "saturation_reruns_per_s_per_core"} <= keys


def test_peer_draws_every_unsimplified_municipal_polygon(db_path):
    """The yardstick must stay what it claims: all N03 polygons, sent whole on every rerun."""
    from bench.common import StreamlitServer
    from bench.stclient import StreamlitSession

    async def session(url: str):
        s = StreamlitSession(url)
        await s.connect()
        res = await s.rerun(timeout=180)
        await s.close()
        return res, s

    with StreamlitServer(PROJECT_ROOT / "bench" / "peer" / "app.py", "smoke-peer") as srv:
        res, sess = asyncio.run(session(srv.ws_url))
    assert res.status == "FINISHED_SUCCESSFULLY" and not res.exceptions
    assert {w.key for w in sess.widgets.values()} == {"metric", "bureau"}
    (spec,) = res.deck_specs
    layer = json.loads(spec)["layers"][0]
    assert layer["@@type"] == "GeoJsonLayer"
    assert len(layer["data"]["features"]) == 194  # every N03 polygon (Sapporo's wards apart)
