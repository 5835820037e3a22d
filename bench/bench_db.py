"""Database: init and sample load time, query times (typical and worst), import and swap.

Each figure is the median of repeated runs, with its spread, and is set against a
baseline measured in the same run:

- ``db init`` into a fresh file (reference, document facts, sample) against
  generating the sample frames alone (what init adds on top of the sample);
- every query function of :mod:`regionmap.db` the app calls, on the
  initialised database through ``connect()`` as the app does (stat + cursor
  per call), against ``SELECT 1`` through the same path; typical = median of the
  per-query medians (target < 10 ms), worst = the slowest query;
- ``connect()`` itself (cached) and the first ``connect()`` after an import
  swapped the file (reopen);
- validating and committing a dispatch CSV of 1,000 rows, and validating one of
  ``max_rows`` / 5 rows (worst case kept short), against reading the same CSV
  with ``pandas.read_csv``;
- the database file size.

Writes ``bench/results/db.json`` and prints a table. ``python -m bench.bench_db [--quick]``.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import baseline, metric, quick_mode, summarize, timeit, write_result
from regionmap import db
from regionmap.db import importer, sample

NAME = "db"


def _queries(db) -> dict[str, Any]:
    """The calls the app makes, by name (each takes a connection)."""
    return {
        "themes": lambda c: db.themes(con=c),
        "fiscal_years(dispatch)": lambda c: db.fiscal_years("dispatch", con=c),
        "metric_by_area(dispatch, bureau)": lambda c: db.metric_by_area(
            "dispatch", "bureau", con=c
        ),
        "metric_by_area(dispatch, municipality)": lambda c: db.metric_by_area(
            "dispatch", "municipality", fiscal_year=2015, con=c
        ),
        "metric_by_area(evacuees, region, theme)": lambda c: db.metric_by_area(
            "evacuees", "region", theme_ids=["pillar_safety"], con=c
        ),
        "metric_by_area(sites, municipality, bureau)": lambda c: db.metric_by_area(
            "sites", "municipality", bureau_code="03", con=c
        ),
        "metric_by_area(priority_projects, bureau)": lambda c: db.metric_by_area(
            "priority_projects", "bureau", con=c
        ),
        "metric_by_area(proposals, region)": lambda c: db.metric_by_area(
            "proposals", "region", con=c
        ),
        "headline(dispatch)": lambda c: db.headline("dispatch", fiscal_year=2015, con=c),
        "headline(evacuees, region)": lambda c: db.headline("evacuees", region_code="1", con=c),
        "priority_projects(bureau)": lambda c: db.priority_projects(bureau_code="06", con=c),
        "proposals()": lambda c: db.proposals(con=c),
        "bureau_projects(region)": lambda c: db.bureau_projects(region_code="1", con=c),
        "dispatches(range, bureau)": lambda c: db.dispatches(2013, 2016, bureau_code="01", con=c),
        "sites(fy)": lambda c: db.sites(2015, con=c),
        "evacuees(range)": lambda c: db.evacuees("2014-04", "2015-03", con=c),
        "evacuees(all)": lambda c: db.evacuees(con=c),
        "municipality_summary": lambda c: db.municipality_summary("01100", con=c),
    }


def _dispatch_csv(n: int) -> bytes:
    """A dispatch CSV of ``n`` rows (unique keys: years x municipalities x kinds)."""
    from regionmap import reference

    codes = list(reference.municipalities().query("kind == 'municipality'")["code6"])
    kinds = ["地域振興派遣", "広域連携派遣", "徴収対策連携派遣", "自治法派遣", "相互交流"]
    lines = ["年度,市町村コード,派遣区分,人数,継続・新規"]
    i = 0
    year = 2000
    while len(lines) <= n:
        for code in codes:
            for kind in kinds:
                lines.append(f"{year},{code},{kind},{1 + i % 3},{'継続' if i % 2 else '新規'}")
                i += 1
                if len(lines) > n:
                    break
            if len(lines) > n:
                break
        year += 1
    return ("\n".join(lines) + "\n").encode("utf-8")


def measure(
    repeats: int, query_repeats: int, quick: bool = False
) -> tuple[list[dict], dict[str, Any]]:
    import pandas as pd

    from regionmap import settings

    metrics: list[dict] = []
    extra: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="regionmap-bench-db-"))
    try:
        # init -----------------------------------------------------------------------------
        n = [0]

        def init():
            n[0] += 1
            db.init_database(work / f"init{n[0]}.duckdb")

        t_init = timeit(init, repeat=repeats, warmup=1)
        t_sample = timeit(
            lambda: (
                sample.dispatch(),
                sample.sites(db._municipalities_layer()),
                sample.evacuees(),
            ),
            repeat=repeats,
            warmup=1,
        )
        metrics.append(
            metric(
                "init_s",
                "db init (reference, document facts, sample)",
                t_init["median"],
                "s",
                target_op="<",
                target=5.0,
                spread=t_init,
                baseline=baseline("generating the sample frames alone", t_init, t_sample),
            )  # fmt: skip
        )
        path = work / "live.duckdb"
        db.init_database(path)
        size = path.stat().st_size
        metrics.append(
            metric("file_mb", "database file size", size / 1e6, "MB", target_op="<", target=20)
        )

        # queries --------------------------------------------------------------------------
        def run(fn):
            c = db.connect(path)
            fn(c)

        base = timeit(
            lambda: db.connect(path).execute("SELECT 1").fetchall(), repeat=query_repeats, warmup=3
        )
        per_query = {}
        for name, fn in _queries(db).items():
            t = timeit(lambda fn=fn: run(fn), repeat=query_repeats, warmup=2)
            per_query[name] = t
        medians = {k: v["median"] * 1000 for k, v in per_query.items()}
        typical = statistics.median(medians.values())
        worst_name = max(medians, key=medians.get)
        base_ms = base["median"] * 1000
        metrics.append(
            metric(
                "query_typical_ms",
                "typical query (median of per-query medians)",
                typical,
                "ms",
                target_op="<",
                target=10.0,
                spread=summarize(list(medians.values())),
                baseline={
                    "label": "SELECT 1 through connect()",
                    "value": base_ms,
                    "ratio": typical / base_ms,
                },
            )  # fmt: skip
        )
        metrics.append(
            metric(
                "query_worst_ms",
                f"slowest query: {worst_name}",
                medians[worst_name],
                "ms",
                target_op="<",
                target=50.0,
                spread={
                    k: v * 1000
                    for k, v in per_query[worst_name].items()
                    if k != "runs" and k != "n"
                },
                baseline={
                    "label": "SELECT 1 through connect()",
                    "value": base_ms,
                    "ratio": medians[worst_name] / base_ms,
                },
            )  # fmt: skip
        )
        extra["queries_ms"] = {
            k: {"median": round(v["median"] * 1000, 3), "iqr": round(v["iqr"] * 1000, 3)}
            for k, v in per_query.items()
        }
        t_conn = timeit(lambda: db.connect(path), repeat=query_repeats * 5, warmup=3)
        metrics.append(
            metric(
                "connect_us",
                "connect() when cached (stat + cursor)",
                t_conn["median"] * 1e6,
                "µs",
                target_op="<",
                target=1000,
                spread={k: v * 1e6 for k, v in t_conn.items() if k not in ("runs", "n")},
            )  # fmt: skip
        )

        # import and swap -------------------------------------------------------------------
        data = _dispatch_csv(1000)
        t_read = timeit(lambda: pd.read_csv(io.BytesIO(data), dtype=str), repeat=repeats, warmup=1)
        t_val = timeit(
            lambda: importer.validate(data, "bench.csv", db_path=path), repeat=repeats, warmup=1
        )
        commits, reopens = [], []
        for k in range(repeats):
            body = data.replace(b",1,", f",{k + 5},".encode())  # a change every time
            t0 = time.perf_counter()
            res = importer.commit(body, f"bench{k}.csv", db_path=path)
            commits.append(time.perf_counter() - t0)
            assert res.committed, [str(e) for e in res.errors]
            t0 = time.perf_counter()
            db.connect(path).execute("SELECT 1").fetchall()
            reopens.append(time.perf_counter() - t0)
        t_commit = summarize(commits)
        metrics.append(
            metric(
                "validate_1000_s",
                "validate a 1,000-row dispatch CSV (with dry-run plan)",
                t_val["median"],
                "s",
                target_op="<",
                target=2.0,
                spread=t_val,
                baseline=baseline("pandas.read_csv of the same bytes", t_val, t_read),
            )  # fmt: skip
        )
        metrics.append(
            metric(
                "commit_1000_s",
                "commit a 1,000-row dispatch CSV (copy, apply, swap, history)",
                t_commit["median"],
                "s",
                target_op="<",
                target=3.0,
                spread=t_commit,
                baseline=baseline("validate alone", t_commit, t_val),
            )  # fmt: skip
        )
        t_reopen = summarize(reopens)
        metrics.append(
            metric(
                "reopen_ms",
                "first connect() + query after a swap (reopen)",
                t_reopen["median"] * 1000,
                "ms",
                target_op="<",
                target=100,
                spread={
                    k: (v * 1000 if k != "n" and v is not None else v) for k, v in t_reopen.items()
                },
                baseline={
                    "label": "cached connect() + SELECT 1",
                    "value": base_ms,
                    "ratio": t_reopen["median"] * 1000 / base_ms,
                },
            )  # fmt: skip
        )
        big_n = settings.get("max_rows") // (20 if quick else 5)
        big = _dispatch_csv(big_n)
        t_big = timeit(
            lambda: importer.validate(big, "big.csv", db_path=path),
            repeat=max(1, repeats // 2),
            warmup=0,
        )
        t_big_read = timeit(
            lambda: pd.read_csv(io.BytesIO(big), dtype=str), repeat=max(1, repeats // 2), warmup=0
        )
        metrics.append(
            metric(
                "validate_big_s",
                f"validate a {big_n:,}-row dispatch CSV",
                t_big["median"],
                "s",
                target_op="<",
                target=30.0,
                spread=t_big,
                baseline=baseline("pandas.read_csv of the same bytes", t_big, t_big_read),
            )  # fmt: skip
        )
        extra["history_versions"] = len(db.history(path))
    finally:
        db.close_all()
        shutil.rmtree(work, ignore_errors=True)
    return metrics, extra


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    quick = args.quick or quick_mode()
    repeats, query_repeats = (3, 15) if quick else (5, 50)
    metrics, extra = measure(repeats, query_repeats, quick)
    path = write_result(NAME, metrics, extra)
    for m in metrics:
        base = m.get("baseline")
        ratio = f"  x{base['ratio']:.1f} of {base['label']}" if base and base.get("ratio") else ""
        print(f"{m['label']:<62} {m['value']:>10.3f} {m['unit']}{ratio}")
    for k, v in extra["queries_ms"].items():
        print(f"    {k:<58} {v['median']:>8.2f} ms")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
