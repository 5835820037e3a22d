"""``python -m bench [--quick] [--only NAME[,NAME]]``: run the benchmarks, write the report.

Each part is a script run as its own process from the project root
(``python -m bench.<module> [--quick]``), bounded by a timeout, writing
``bench/results/<name>.json``. A part whose script is not in the project yet, or
that cannot run here (no app, no browser), is reported as 'not available'; one
that fails is reported as an error with the tail of its log: the harness never
stops half-way. The results are then collected into ``bench/results/report.json``
and a short Markdown table ``bench/results/report.md`` (target, measured, baseline
or peer, pass or miss and by how much; date and machine).

Parts, in running order: geo, db, public, handouts, app, browser, load, serve, warm.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    BENCH_DIR,
    PROJECT_ROOT,
    PYTHON,
    RESULTS_DIR,
    judge,
    machine_info,
    now_iso,
)

#: name -> (module, timeout full s, timeout quick s, what it measures)
PARTS: dict[str, tuple[str, int, int, str]] = {
    "geo": ("bench_geo", 300, 120, "boundary build, layer bytes, gap/overlap"),
    "db": ("bench_db", 300, 120, "database init, query times, importer"),
    "public": ("bench_public", 300, 150, "one edition of the ministry's workbooks vs pandas"),
    "handouts": ("bench_report", 420, 150, "PDF handouts for the 14 bureaus"),
    "app": ("bench_app", 420, 150, "server time and bytes per page vs the peer"),
    "browser": ("bench_browser", 420, 180, "real browser: navigation to map drawn"),
    "load": ("load", 840, 150, "concurrent viewers 10/30/60, saturation vs trivial app"),
    "serve": ("bench_serve", 600, 180, "30 viewers through nginx with N replicas vs one process"),
    "warm": ("bench_warm", 1500, 900, "first wave after a start or a restart vs a warm wave"),
}

#: The targets the issues set, part by part, in the order the report lists them:
#: part -> [(metric key, target text)].
CHECKLIST: dict[str, list[tuple[str, str]]] = {
    "app": [
        ("filter_change_ms", "filter change < 150 ms server time (median)"),
        ("filter_change_vs_peer_x", "filter change ≥ 3× faster than the peer"),
        ("overview_map_vs_peer_x", "map payload ≥ 5× smaller than the peer's (overview)"),
        ("bureau_map_vs_peer_x", "map payload ≥ 5× smaller than the peer's (bureau view)"),
        ("overview_first_render_ms", "overview first render < 1 s (warm server)"),
        ("overview_map_kb", "overview map bytes on first load ≤ 400 KB"),
        ("filter_change_geometry_bytes", "no geometry resent on a filter change"),
    ],
    "load": [
        ("load_mid_p95_ms", "30 viewers (think 3–5 s): p95 < 1.5 s"),
        ("load_mid_errors", "30 viewers: no errors"),
        ("memory_per_session_mb", "memory per extra session < 40 MB"),
        ("load_top_graceful", "60 viewers: no crash, no lost session"),
        ("saturation_reruns_per_s_per_core", "saturation throughput per core (vs trivial app)"),
    ],
    "serve": [
        ("serve_first_render_p95_ms", "30 viewers via nginx, N replicas: first render p95 ≤ 2 s"),
        ("serve_first_render_p95_ratio", "first render p95, N replicas ≤ ⅓ of one process"),
        ("serve_saturation_x", "saturation through nginx, N replicas ≥ 1.6× one process"),
        ("serve_errors", "through nginx: no errors, no lost session"),
        ("first_render_vs_change_x", "new session's first render ≤ 2× a filter change"),
        ("throughput_vs_trivial", "one process's throughput ≥ 40 % of the trivial app's"),
        ("serve_failover_recovery_s", "kill -9 of a replica: every viewer back within 5 s"),
        ("serve_failover_left_broken", "kill -9 of a replica: no session left broken"),
        ("serve_import_seen_s", "an import during the run: every replica within 5 s"),
    ],
    "warm": [
        ("warm_first_wave_x", "make run: first wave after start ≤ 2× a warm wave (p95)"),
        ("serve_warm_first_wave_x", "serve, 2 replicas: first wave ≤ 2× a warm wave (p95)"),
        ("restarted_first_wave_x", "restarted replica: first wave ≤ 2× a warm wave (p95)"),
        ("make_run_start_to_healthy_s", "make run: start to healthy ≤ 20 s"),
        ("serve_start_to_healthy_s", "serve: start to healthy ≤ 20 s"),
        ("restart_to_healthy_s", "kill -9 to the restarted replica healthy ≤ 20 s"),
        ("warm_errors", "no errors in any wave"),
    ],
    "geo": [
        ("build_s", "boundary build < 10 s"),
        ("overview_bureaus_regions_kb", "bureaus + regions overview ≤ 150 KB"),
        ("overview_municipalities_kb", "municipalities overview ≤ 400 KB"),
        ("gap_overlap_overview_pct", "gap/overlap between bureaus < 0.01% (overview)"),
        ("gap_overlap_detail_pct", "gap/overlap between bureaus < 0.01% (detail)"),
    ],
    "db": [
        ("query_typical_ms", "typical query < 10 ms"),
    ],
    "public": [
        ("edition_import_vs_pandas_time_x", "import of an edition ≤ 2× pandas+calamine (time)"),
        ("edition_import_vs_pandas_memory_x", "import of an edition ≤ 2× pandas+calamine (memory)"),
    ],
    "handouts": [
        ("all_bureaus_s", "14 bureau handouts < 60 s"),
    ],
}

#: Figures without a target that give the table its context.
CONTEXT_KEYS: list[tuple[str, str]] = [
    ("app", "streamlit_floor_ms"),
    ("app", "filter_change_excess_vs_peer_x"),
    ("app", "filter_change_gc_off_ms"),
    ("load", "saturation_gc_off_reruns_per_s_per_core"),
    ("app", "script_only_change_ms[overview]"),
    ("app", "script_only_change_ms[bureau]"),
    ("app", "theme_change_ms"),
    ("app", "bureau_change_map_vs_peer_x"),
    ("app", "bureau_first_render_ms"),
    ("load", "saturation_vs_trivial_pct"),
    ("browser", "browser_overview_drawn_ms"),
    ("browser", "browser_bureau_drawn_ms"),
    ("browser", "browser_overview_change_ms"),
    ("browser", "browser_peer_overview_drawn_ms"),
    ("browser", "browser_peer_overview_change_ms"),
    ("db", "query_worst_ms"),
    ("db", "init_s"),
]


# running -----------------------------------------------------------------------------------
def _tail(path: Path, n: int = 6) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-n:])[:600]


def _read_result(name: str, since: float) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file() or path.stat().st_mtime < since:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _loadavg() -> float | None:
    """The machine's 1-minute load average (other work on it inflates absolute times)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return None


def run_part(name: str, quick: bool) -> dict[str, Any]:
    """Run one part in its own process; return its result document (never raises)."""
    module, t_full, t_quick, what = PARTS[name]
    script = BENCH_DIR / f"{module}.py"
    base = {"name": name, "what": what, "module": f"bench.{module}"}
    if not script.is_file():
        return {
            **base,
            "status": "not available",
            "reason": f"bench/{module}.py is not in the project yet",
        }
    log = RESULTS_DIR / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["REGIONMAP_BENCH_QUICK"] = "1" if quick else ""
    cmd = [PYTHON, "-m", f"bench.{module}"] + (["--quick"] if quick else [])
    timeout = t_quick if quick else t_full
    start = time.time()
    t0 = time.perf_counter()
    load_before = _loadavg()
    with open(log, "w", encoding="utf-8") as fh:
        try:
            proc = subprocess.Popen(
                cmd, cwd=str(PROJECT_ROOT), env=env, stdout=fh, stderr=subprocess.STDOUT
            )
        except OSError as exc:
            return {**base, "status": "error", "reason": f"could not start: {exc}"}
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
            rc = None
    elapsed = time.perf_counter() - t0
    # The report engineer's part may name its file after itself; accept both.
    doc = _read_result(name, start)
    if doc is None and name == "handouts":
        alt = _read_result("report", start)
        if alt is not None and alt.get("name") != "bench":
            doc = alt
    base["elapsed_s"] = round(elapsed, 1)
    base["loadavg"] = {"before": load_before, "after": _loadavg()}
    if rc is None:
        return {
            **base,
            **(doc or {}),
            "status": "error",
            "reason": f"stopped after the {timeout} s time limit; log: {_tail(log)}",
        }
    if rc != 0:
        return {**base, "status": "error", "reason": f"exit code {rc}: {_tail(log)}"}
    if doc is None:
        return {**base, "status": "error", "reason": f"wrote no results/{name}.json: {_tail(log)}"}
    return {**doc, **base, "name": name}


# report ------------------------------------------------------------------------------------
def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or unit == "bool":
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    v = float(value)
    if unit == "x":
        return f"{v:.2f}×"
    if unit in ("count", "bytes") and v == int(v):
        return f"{int(v):,} {unit}" if unit == "bytes" else f"{int(v)}"
    if abs(v) >= 100:
        s = f"{v:,.0f}"
    elif abs(v) >= 10:
        s = f"{v:.1f}"
    elif abs(v) >= 0.1:
        s = f"{v:.2f}"
    else:
        s = f"{v:.3g}"
    return f"{s} {unit}".strip()


def _spread(m: dict[str, Any]) -> str:
    sp = m.get("spread") or {}
    if not sp or sp.get("n") in (None, 0, 1):
        return ""
    unit = m.get("unit", "")
    parts = []
    if sp.get("iqr") is not None:
        parts.append(f"IQR {_fmt(sp['iqr'], unit)}")
    if sp.get("min") is not None and sp.get("max") is not None:
        parts.append(f"{_fmt(sp['min'], '')}–{_fmt(sp['max'], unit)}")
    parts.append(f"n={sp['n']}")
    return " (" + ", ".join(parts) + ")"


def _verdict(m: dict[str, Any]) -> str:
    j = judge(m)
    if j["pass"] is None:
        return "reported (no target)" if not m.get("target") else "not measured"
    t = m["target"]
    unit = m.get("unit", "")
    value = m["value"]
    if j["pass"]:
        if j["margin"] is None:
            return "pass"
        return f"pass ({abs(j['margin']) * 100:.0f}% margin)"
    diff = abs(float(value) - float(t["value"]))
    rel = f", {abs(j['margin']) * 100:.0f}%" if j["margin"] is not None else ""
    if unit == "bool":
        return "**MISS**"
    return f"**MISS** by {_fmt(diff, unit)}{rel}"


def _baseline(m: dict[str, Any]) -> str:
    b = m.get("baseline")
    if not b or b.get("value") is None:
        return ""
    unit = b.get("unit") or m.get("unit", "")
    text = f"{b.get('label', 'baseline')}: {_fmt(b['value'], unit)}"
    v = m.get("value")
    if isinstance(v, int | float) and b["value"] and unit not in ("x", "%", "bool"):
        text += f" ({float(v) / float(b['value']):.2f}×)"
    return text


def _target_text(m: dict[str, Any]) -> str:
    t = m.get("target")
    if not t:
        return ""
    return f"{t['op']} {_fmt(t['value'], m.get('unit', ''))}"


def _index(parts: dict[str, dict]) -> dict[tuple[str, str], dict]:
    idx = {}
    for name, doc in parts.items():
        for m in doc.get("metrics", []) or []:
            if isinstance(m, dict) and "key" in m:
                idx[(name, m["key"])] = m
    return idx


def summarize_parts(parts: dict[str, dict]) -> list[dict[str, Any]]:
    """One row per target of the checklist (of the parts that ran), plus every other metric
    that has a target."""
    idx = _index(parts)
    rows: list[dict[str, Any]] = []
    seen = set()
    targets = [(part, key, text) for part, rows in CHECKLIST.items() for key, text in rows]
    for part, key, text in targets:
        if part not in parts:
            continue
        m = idx.get((part, key))
        seen.add((part, key))
        status = parts.get(part, {}).get("status", "not run")
        if m is None:
            why = parts.get(part, {}).get("reason", "") if status != "ok" else "metric not reported"
            rows.append(
                {
                    "part": part,
                    "key": key,
                    "target_text": text,
                    "pass": None,
                    "missing": True,
                    "reason": f"{status}: {why}".strip(": "),
                }  # fmt: skip
            )
            continue
        rows.append(_row(part, key, text, m))
    for (part, key), m in idx.items():
        if (part, key) not in seen and m.get("target"):
            row = _row(part, key, m.get("label", key), m)
            row["other"] = True
            rows.append(row)
    return rows


def _row(part: str, key: str, text: str, m: dict[str, Any]) -> dict[str, Any]:
    j = judge(m)
    return {
        "part": part,
        "key": key,
        "target_text": text,
        "label": m.get("label", key),
        "target": _target_text(m),
        "measured": _fmt(m.get("value"), m.get("unit", "")) + _spread(m),
        "value": m.get("value"),
        "unit": m.get("unit"),
        "baseline": _baseline(m),
        "pass": j["pass"],
        "margin": j["margin"],
        "verdict": _verdict(m),
        "note": m.get("note", ""),
    }


def _machine_line(mi: dict[str, Any]) -> str:
    pk = mi.get("packages", {})
    pkgs = ", ".join(f"{k} {v}" for k, v in pk.items() if v)
    return (
        f"{mi.get('cpu_model')} · {mi.get('cores_logical')} cores · {mi.get('memory_gb')} GB · "
        f"{mi.get('os')} · Python {mi.get('python')} · {mi.get('chromium') or 'no chromium'}\n\n"
        f"Packages: {pkgs}"
    )


def _cell(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _busy_note(report: dict[str, Any]) -> str:
    loads = [
        (doc.get("loadavg") or {}).get("before")
        for doc in report["parts"].values()
        if isinstance((doc.get("loadavg") or {}).get("before"), int | float)
    ]
    cores = report["machine"].get("cores_logical") or 1
    if loads and max(loads) > cores:
        return (
            f"⚠ The machine was busy (1-minute load average up to {max(loads):.1f} on {cores} cores "
            "as parts started, this harness's own previous part included): absolute times are "
            "inflated; ratios against baselines measured in the same run hold better.\n"
        )
    return ""


def render_markdown(report: dict[str, Any]) -> str:
    rows = report["summary"]
    checklist = [r for r in rows if not r.get("other") and (r.get("target") or r.get("missing"))]
    n_pass = sum(1 for r in checklist if r.get("pass") is True)
    n_miss = sum(1 for r in checklist if r.get("pass") is False)
    n_na = sum(1 for r in checklist if r.get("pass") is None)
    lines = [
        "# regionmap benchmark report",
        "",
        f"{report['generated_at']} · {'quick run (fewer repeats, short load steps)' if report['quick'] else 'full run'}"
        f" · {report['elapsed_s']:.0f} s",
        "",
        _machine_line(report["machine"]),
        "",
        _busy_note(report),
        f"**Targets set by the issues: {n_pass} met, {n_miss} missed, {n_na} not measured.** "
        "Times are medians "
        "(spread: IQR, min–max, n); ratios are against a baseline measured in the same run; "
        "the peer is pydeck fed the unsimplified N03 polygons with geopandas on every rerun, "
        "uncached, random layer ids (bench/peer/app.py).",
        "",
        "## Targets",
        "",
        "| Part | Target | Measured | Baseline / peer (ours ÷ it) | Result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if r.get("other"):
            continue
        if r.get("missing"):
            lines.append(
                f"| {r['part']} | {_cell(r['target_text'])} | — | | not measured ({_cell(r['reason'])[:160]}) |"
            )
            continue
        measured = r["measured"]
        if r.get("note"):
            measured += f" — {r['note'][:160]}"
        tgt = f" ({_cell(r['target'])})" if r.get("target") else ""
        lines.append(
            f"| {r['part']} | {_cell(r['target_text'])}{tgt} | {_cell(measured)} "
            f"| {_cell(r['baseline'])} | {r['verdict']} |"
        )
    if report["quick"] and "load" in report["parts"]:
        lines += ["", "_Quick run: the load rows come from short steps with few viewers "
                  "(see the Load table), indicative only._"]  # fmt: skip
    lines += _pages_table(report["parts"].get("app", {}))
    lines += _load_table(report["parts"].get("load", {}))
    others = [r for r in rows if r.get("other") and not r["key"].startswith("page_")]
    if others:
        lines += ["", "## Other targets", "", "| Part | Target | Measured | Baseline (ours ÷ it) | Result |", "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for r in others:
            lines.append(
                f"| {r['part']} | {_cell(r['label'])} ({_cell(r['target'])}) | {_cell(r['measured'])} "
                f"| {_cell(r['baseline'])} | {r['verdict']} |"
            )
    idx = _index(report["parts"])
    ctx = [
        (p, k, idx[(p, k)])
        for p, k in CONTEXT_KEYS
        if (p, k) in idx and not idx[(p, k)].get("target")
    ]
    if ctx:
        lines += ["", "## Context", "", "| Part | Figure | Measured | Baseline / peer (ours ÷ it) |", "| --- | --- | --- | --- |"]  # fmt: skip
        for p, _k, m in ctx:
            measured = _fmt(m.get("value"), m.get("unit", "")) + _spread(m)
            if m.get("note"):
                measured += f" — {m['note']}"
            lines.append(
                f"| {p} | {_cell(m.get('label'))} | {_cell(measured)} | {_cell(_baseline(m))} |"
            )
    lines += ["", "## Parts", "", "| Part | Status | Time | Load average before → after | Note |", "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for name, doc in report["parts"].items():
        note = doc.get("reason", "") or doc.get("what", "")
        el = doc.get("elapsed_s")
        la = doc.get("loadavg") or {}
        la_txt = f"{la.get('before')} → {la.get('after')}" if la else ""
        lines.append(
            f"| {name} | {doc.get('status')} | {f'{el:.0f} s' if el is not None else ''} | {la_txt} "
            f"| {_cell(note)[:200]} |"
        )
    lines += ["", "Full figures: bench/results/report.json (and one JSON file per part).", ""]
    return "\n".join(lines)


def _ms(d: dict[str, Any] | None, target: float | None = None) -> str:
    if not d or d.get("median") is None:
        return "—"
    text = f"{d['median']:.0f}"
    if target is not None and d["median"] >= target:
        text = f"**{text}**"
    return text


def _pages_table(app: dict[str, Any]) -> list[str]:
    """Every page of the app: server time of a first render and of a filter change, bytes."""
    pages = ((app.get("extra") or {}).get("regionmap") or {}).get("pages") or {}
    if not pages:
        return []
    out = [
        "",
        "## Pages (server time in ms, median; **bold** = not under the 150 ms / 1 s targets)",
        "",
        "| Page | First render | Metric change | Theme change | First load: message / map | Per change: message / map | Exceptions |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, v in pages.items():
        fc, tc = v.get("filter_change"), v.get("theme_change")
        per = fc or tc
        per_txt = (
            f"{per['bytes_total']['median'] / 1000:.1f} / {per['map_bytes']['median'] / 1000:.1f} KB"
            if per
            else "—"
        )
        excs = set(v.get("exceptions", []))
        for c in (fc, tc):
            excs |= set((c or {}).get("exceptions", []))
        out.append(
            f"| {_cell(name)}{(' ?' + v['query']) if v.get('query') else ''} "
            f"| {_ms(v.get('time_ms'), 1000)} | {_ms((fc or {}).get('time_ms'), 150)} "
            f"| {_ms((tc or {}).get('time_ms'), 150)} "
            f"| {v['bytes_total'] / 1000:.1f} / {v['map_bytes'] / 1000:.1f} KB | {per_txt} "
            f"| {len(excs) if excs else ''} |"
        )
    peer = ((app.get("extra") or {}).get("peer") or {}).get("pages") or {}
    for name, v in peer.items():
        fc = v.get("filter_change")
        per_txt = (
            f"{fc['bytes_total']['median'] / 1000:.1f} / {fc['map_bytes']['median'] / 1000:.1f} KB"
            if fc
            else "—"
        )
        out.append(
            f"| peer: {name} | {_ms(v.get('time_ms'))} | {_ms((fc or {}).get('time_ms'))} | — "
            f"| {v['bytes_total'] / 1000:.1f} / {v['map_bytes'] / 1000:.1f} KB | {per_txt} | |"
        )
    return out


def _load_table(load: dict[str, Any]) -> list[str]:
    extra = load.get("extra") or {}
    steps = [s for s in extra.get("steps", []) if "reruns" in s]
    sat = extra.get("saturation") or {}
    if not steps and not sat:
        return []
    out = [
        "",
        "## Load (one server, 127.0.0.1; viewers change a filter every 3–5 s)",
        "",
        "| Run | Viewers | Reruns | Reruns/s | p50 ms | p95 ms | max ms | First render p95 ms "
        "| Errors | Lost | Server alive | RSS all open MB | Server CPU cores | Load generator CPU cores |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def f(v: Any, fmt: str = "{:.0f}") -> str:
        return "—" if v is None else fmt.format(v)

    rows = [(f"think 3–5 s, {s['duration_s']:.0f} s", s) for s in steps]
    rows += [
        (f"think 3–5 s, postScriptGC=false, {s['duration_s']:.0f} s", s)
        for s in (extra.get("gc_off") or {}).get("steps", [])
        if "reruns" in s
    ]
    rows += [(f"saturation: {name}", s) for name, s in sat.items()]
    for label, s in rows:
        out.append(
            f"| {label} | {s['viewers']} | {s['reruns']} | {f(s['throughput_per_s'], '{:.1f}')} "
            f"| {f(s['p50_ms'])} | {f(s['p95_ms'])} | {f(s['max_ms'])} | {f(s['first_render_p95_ms'])} "
            f"| {s['errors']} | {s['lost_sessions']} | {'yes' if s['server_alive'] else '**no**'} "
            f"| {f(s['rss_all_open_mb'])} | {f(s['server_cpu_cores_used'], '{:.2f}')} "
            f"| {f(s.get('client_cpu_cores_used'), '{:.2f}')} |"
        )
    for s in steps:
        by = s.get("p50_ms_by_filter") or {}
        if by:
            parts = ", ".join(f"{k.split('.')[-1]} {v} ms" for k, v in by.items())
            out.append(f"\n{s['viewers']} viewers, p50 by filter changed: {parts}.")
    if extra.get("rss_idle_mb"):
        out += [
            "",
            f"Idle server after warm-up: {extra['rss_idle_mb']:.0f} MB RSS; {extra.get('cores')} cores.",
        ]
    return out


def collect(parts: dict[str, dict], quick: bool, elapsed: float) -> dict[str, Any]:
    report = {
        "name": "bench",
        "generated_at": now_iso(),
        "quick": quick,
        "elapsed_s": elapsed,
        "machine": machine_info(),
        "parts": parts,
    }
    for doc in parts.values():
        for m in doc.get("metrics", []) or []:
            if isinstance(m, dict):
                m.update({k: v for k, v in judge(m).items()})
    report["summary"] = summarize_parts(parts)
    return report


def write_report(report: dict[str, Any], results_dir: Path | None = None) -> tuple[Path, Path]:
    out = results_dir or RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    pj, pm = out / "report.json", out / "report.md"
    pj.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    pm.write_text(render_markdown(report), encoding="utf-8")
    return pj, pm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description="Run regionmap's benchmarks and write the report."
    )
    ap.add_argument("--quick", action="store_true", help="fewer repeats, short load steps (~2 min)")
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        help=f"run only these parts (comma-separated or repeated): {', '.join(PARTS)}",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: rebuild report.json/.md from the part files already in bench/results",
    )
    args = ap.parse_args(argv)
    only = [p.strip() for item in args.only for p in item.split(",") if p.strip()]
    unknown = [p for p in only if p not in PARTS]
    if unknown:
        ap.error(f"unknown part(s) {', '.join(unknown)}; parts are: {', '.join(PARTS)}")
    names = only or list(PARTS)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    parts: dict[str, dict] = {}
    if args.report_only:
        for name in names:
            doc = _read_result(name, 0.0)
            if doc is not None:
                parts[name] = {"what": PARTS[name][3], **doc, "name": name}
        report = collect(parts, any(d.get("quick") for d in parts.values()), 0.0)
        pj, pm = write_report(report)
        print(pm.read_text(encoding="utf-8"))
        return 0
    for name in names:
        print(f"[bench] {name}: {PARTS[name][3]} …", flush=True)
        doc = run_part(name, args.quick)
        parts[name] = doc
        extra = f" ({doc.get('reason')})" if doc.get("status") != "ok" else ""
        print(
            f"[bench] {name}: {doc.get('status')} in {doc.get('elapsed_s', 0):.0f} s{extra}",
            flush=True,
        )
    report = collect(parts, args.quick, time.perf_counter() - t0)
    pj, pm = write_report(report)
    print(pm.read_text(encoding="utf-8"))
    print(f"[bench] wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
