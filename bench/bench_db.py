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
- the database file size;
- the importer against what a file may cost (issue #10): time and peak memory (each in
  a fresh process, above that process's baseline after imports) of validating the
  largest accepted file (``max_rows`` evacuee rows) and of refusing hostile files within
  the upload cap (a one-line CSV, an unterminated quote, a workbook of many sheets, a
  sheet of more rows than allowed, a workbook that unpacks to more than allowed), each
  against the largest accepted file's time; targets: a hostile file refused in < 10 s and
  memory < 300 MB above the baseline.

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

from bench.common import baseline, metric, quick_mode, summarize, timed, timeit, write_result
from regionmap import db
from regionmap.db import importer, load, sample

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


def _evacuee_csv(n: int) -> bytes:
    """An evacuee CSV of ``n`` valid rows (month x municipality x prefecture of origin)."""
    from regionmap import reference

    codes = list(reference.municipalities().query("kind == 'municipality'")["code6"])
    prefs = ["福島県", "宮城県", "岩手県", "茨城県", "千葉県", "東京都"]
    lines = ["年月,市町村コード,避難元,避難者数"]
    year, month = 2012, 1
    while len(lines) <= n:
        for code in codes:
            for pref in prefs:
                lines.append(f"{year}-{month:02d},{code},{pref},{1 + len(lines) % 7}")
                if len(lines) > n:
                    break
            if len(lines) > n:
                break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _raw_xlsx(sheets: list[list[list[str]]]) -> bytes:
    """A minimal .xlsx (inline strings) written directly: fast for hundreds of thousands of rows."""
    import zipfile

    def col(j: int) -> str:
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[j]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{k + 1}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for k in range(len(sheets))
            )
            + "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
            'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name="s{k + 1}" sheetId="{k + 1}" r:id="rId{k + 1}"/>'
                for k in range(len(sheets))
            )
            + "</sheets></workbook>",
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{k + 1}" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/worksheet" '
                f'Target="worksheets/sheet{k + 1}.xml"/>'
                for k in range(len(sheets))
            )
            + "</Relationships>",
        )
        for k, rows in enumerate(sheets):
            with zf.open(f"xl/worksheets/sheet{k + 1}.xml", "w") as fh:
                fh.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                for i, row in enumerate(rows, start=1):
                    cells = "".join(
                        f'<c r="{col(j)}{i}" t="inlineStr"><is><t>{v}</t></is></c>'
                        for j, v in enumerate(row)
                    )
                    fh.write(f'<row r="{i}">{cells}</row>'.encode())
                fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


#: Runs one validation in a fresh process: seconds and peak RSS above the baseline after imports.
_CASE_SCRIPT = """
import json, resource, sys, time
from regionmap.db import importer
data = open(sys.argv[1], "rb").read()
name = sys.argv[2]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
res = importer.validate(data, name, db_path=sys.argv[3])
took = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": took, "peak_mb": peak - base, "base_mb": base, "ok": res.ok,
                  "rows": 0 if res.rows is None else len(res.rows),
                  "message": str(res.errors[0]) if res.errors else ""}))
"""


def _import_case(path: Path, name: str, db_path: Path) -> dict[str, Any]:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    run = subprocess.run(
        [sys.executable, "-c", _CASE_SCRIPT, str(path), name, str(db_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    if run.returncode != 0:
        return {"seconds": None, "peak_mb": None, "ok": False, "message": run.stderr[-500:]}
    return json.loads(run.stdout.strip().splitlines()[-1])


def _hostile_files(work: Path, quick: bool) -> dict[str, tuple[Path, str]]:
    """Hostile files within the 20 MB upload cap, written once into ``work``."""
    from regionmap import settings

    cap = settings.get("max_upload_mb") * 1024 * 1024
    out: dict[str, tuple[Path, str]] = {}
    one_line = work / "one_line.csv"
    one_line.write_bytes(b"a," * int(cap * 0.95 // 2))  # 19 MB, no line break
    out["one-line CSV (19 MB)"] = (one_line, "one_line.csv")
    quote = work / "quote.csv"
    head, first, rest = _evacuee_csv(50_000).split(b"\n", 2)
    body = head + b"\n" + first + b',"memo\n' + rest
    quote.write_bytes(body)
    out["unterminated quote, 50,000 lines"] = (quote, "quote.csv")
    n_sheets, per_sheet = (25, 4_000) if quick else (25, 15_000)
    junk = [[f"memo {i}", str(i), "x", "y"] for i in range(per_sheet)]
    sheets = work / "sheets.xlsx"
    sheets.write_bytes(_raw_xlsx([junk] * n_sheets))
    out[f"xlsx of {n_sheets} sheets x {per_sheet:,} rows without the table"] = (
        sheets,
        "sheets.xlsx",
    )
    rows = settings.get("max_rows") * (1 if quick else 3)
    header = [["年月", "市町村名", "避難元", "避難者数"]]
    long = work / "long.xlsx"
    long.write_bytes(_raw_xlsx([header + [["2015-03", "札幌市", "福島県", "1"]] * rows]))
    out[f"xlsx sheet of {rows:,} rows (more than max_rows)"] = (long, "long.xlsx")
    return out


def _vs_largest_accepted(
    name: str, description: str, value: float, unit: str, target: float, base: float | None
) -> dict:
    """A hostile-file metric below ``target``, against validating the largest accepted file
    (``base``, in the same unit)."""
    return metric(
        name,
        description,
        value,
        unit,
        target_op="<",
        target=target,
        baseline={
            "label": "validating the largest accepted file",
            "value": base,
            "ratio": value / base if base else None,
        },
    )


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
                sample.sites(load.municipalities_layer()),
                sample.evacuees(),
            ),
            repeat=repeats,
            warmup=1,
        )
        metrics.append(
            timed(
                "init_s",
                "db init (reference, document facts, sample)",
                t_init,
                target=5.0,
                baseline=baseline("generating the sample frames alone", t_init, t_sample),
            )
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
            timed(
                "validate_1000_s",
                "validate a 1,000-row dispatch CSV (with dry-run plan)",
                t_val,
                target=2.0,
                baseline=baseline("pandas.read_csv of the same bytes", t_val, t_read),
            )
        )
        metrics.append(
            timed(
                "commit_1000_s",
                "commit a 1,000-row dispatch CSV (copy, apply, swap, history)",
                t_commit,
                target=3.0,
                baseline=baseline("validate alone", t_commit, t_val),
            )
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
            timed(
                "validate_big_s",
                f"validate a {big_n:,}-row dispatch CSV",
                t_big,
                target=30.0,
                baseline=baseline("pandas.read_csv of the same bytes", t_big, t_big_read),
            )
        )
        extra["history_versions"] = len(db.history(path))

        # the importer against hostile files (issue #10) -------------------------------------
        largest_rows = settings.get("max_rows") // (5 if quick else 1)
        largest = work / "largest.csv"
        largest.write_bytes(_evacuee_csv(largest_rows))
        base_case = _import_case(largest, "largest.csv", path)
        extra["import_cases"] = {f"largest accepted: {largest_rows:,} evacuee rows": base_case}
        metrics.append(
            metric(
                "import_largest_s",
                f"validate the largest accepted file ({largest_rows:,} evacuee rows, "
                f"{largest.stat().st_size / 1e6:.1f} MB)",
                base_case["seconds"],
                "s",
                target_op="<",
                target=float(settings.get("max_parse_seconds")),
                note=f"accepted={base_case['ok']}, rows={base_case.get('rows')}",
            )  # fmt: skip
        )
        metrics.append(
            metric(
                "import_largest_peak_mb",
                "peak memory validating it, above the process baseline",
                base_case["peak_mb"],
                "MB",
                target_op="<",
                target=300,
            )  # fmt: skip
        )
        worst_s = worst_mb = 0.0
        worst_s_name = worst_mb_name = ""
        for label, (file, name) in _hostile_files(work, quick).items():
            case = _import_case(file, name, path)
            extra["import_cases"][label] = case
            if case["seconds"] is not None and case["seconds"] >= worst_s:
                worst_s, worst_s_name = case["seconds"], label
            if case["peak_mb"] is not None and case["peak_mb"] >= worst_mb:
                worst_mb, worst_mb_name = case["peak_mb"], label
            if case["ok"]:
                worst_s, worst_s_name = float("inf"), f"{label} was accepted"
        metrics.append(
            _vs_largest_accepted(
                "import_hostile_worst_s",
                f"slowest refusal of a hostile file: {worst_s_name}",
                worst_s,
                "s",
                10.0,
                base_case["seconds"],
            )
        )
        metrics.append(
            _vs_largest_accepted(
                "import_hostile_peak_mb",
                f"largest peak memory refusing a hostile file: {worst_mb_name}",
                worst_mb,
                "MB",
                300,
                base_case["peak_mb"],
            )
        )
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
    for k, v in extra.get("import_cases", {}).items():
        secs = "—" if v["seconds"] is None else f"{v['seconds']:.2f} s"
        mem = "—" if v["peak_mb"] is None else f"{v['peak_mb']:.0f} MB"
        print(f"    {k:<58} {secs:>8} {mem:>7}  {v['message'][:90]}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
