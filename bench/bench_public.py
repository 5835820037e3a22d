"""Public figures: importing one edition of the ministry's fiscal indicators as published.

``db import H27.xls --dry-run`` (the FY2015 edition, an Excel 97–2003 workbook of ≈1,744 rows:
every municipality of Japan) is measured against reading the same file with pandas and
python-calamine alone (``pandas.read_excel(engine="calamine")``), in the same run, each case in
a fresh process: wall time (and CPU time, every thread) and peak memory (RSS, VmHWM) above
that process's baseline after its imports. The ratios are the figures (issue #23): target
≤ 2× the time and ≤ 2× the memory.
Also, in the same run: DuckDB alone (the live file opened read-only and the edition's year
read: the floor of any plan against the database), a real import of the edition into a copy
of the database, and the time of building the whole committed extract (17 editions).

Writes ``bench/results/public.json``. ``python -m bench.bench_public [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import metric, quick_mode, report, summarize

NAME = "public"
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "soumu" / "zaisei"
EDITION = "H27.xls"

#: One case in a fresh process: seconds and peak RSS (VmHWM, reset after the imports) above the
#: process's RSS after its imports.
_MEMORY = """
def _status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
def _reset_peak():
    # the peak RSS since now (Linux: "5" resets VmHWM), else since the start
    try:
        open("/proc/self/clear_refs", "w").write("5")
    except OSError:
        pass
    return _status("VmRSS")
"""


def _case(imports: str, call: str, ok: str, rows: str) -> str:
    """The script of one case: ``call`` on the file's bytes (``data``; ``argv[2]`` its name,
    ``argv[3]`` the database), timed, with its peak memory above the baseline after imports."""
    return (
        _MEMORY
        + f"""
import io, json, sys, time
{imports}
data = open(sys.argv[1], "rb").read()
base = _reset_peak()
t0, c0 = time.perf_counter(), time.process_time()
out = {call}
took, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = _status("VmHWM")
print(json.dumps({{"seconds": took, "cpu_s": cpu, "peak_mb": peak - base, "ok": {ok},
                  "rows": {rows}}}))
"""
    )


_IMPORT = _case(
    "from regionmap.db import importer\nimport python_calamine, pandas",
    "importer.validate(data, sys.argv[2], db_path=sys.argv[3])",
    "out.ok",
    "0 if out.rows is None else len(out.rows)",
)
_READ = _case(
    "from regionmap.db.importer import fiscal\n"
    "from regionmap.db.importer.reading import workbook_grid\nimport python_calamine, pandas",
    "fiscal.read_edition(workbook_grid(data, sys.argv[2]), sys.argv[2])",
    "out.ok",
    "len(out.rows)",
)
#: DuckDB alone, the floor of any plan against the database: the live file opened read-only
#: (as the store opens it) and the rows of the edition's year read.
_DUCKDB = _case(
    "from pathlib import Path\nfrom regionmap.db import importer, store\n"
    "import python_calamine, pandas",
    "store.open_read_only(Path(sys.argv[3])).execute("
    "'SELECT * FROM fiscal_indicators WHERE fiscal_year = 2015').fetchall()",
    "True",
    "len(out)",
)
#: A real import (commit) of the edition into a copy of the database made before the timing.
_COMMIT = _case(
    "import shutil, tempfile\nfrom pathlib import Path\nfrom regionmap.db import importer\n"
    "import python_calamine, pandas\n"
    "db = Path(tempfile.mkdtemp()) / 'regionmap.duckdb'\nshutil.copyfile(sys.argv[3], db)",
    "importer.commit(data, sys.argv[2], db_path=db)",
    "out.ok",
    "0 if out.rows is None else len(out.rows)",
)
_PANDAS = _case(
    "import pandas, python_calamine",
    'pandas.read_excel(io.BytesIO(data), engine="calamine", header=None)',
    "True",
    "len(out)",
)


def _run(script: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    run = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=600, env=env
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-800:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def _cases(script: str, n: int, *args: str) -> list[dict[str, Any]]:
    return [_run(script, *args) for _ in range(n)]


def _ratios(key: str, what: str, t: float, m: float, t_base: float, m_base: float) -> list[dict]:
    """``what``'s time and memory as ratios to pandas+calamine's (``<key>_vs_pandas_*_x``)."""
    return [
        metric(f"{key}_vs_pandas_time_x", f"{what} time / pandas+calamine time", t / t_base, "x"),
        metric(
            f"{key}_vs_pandas_memory_x",
            f"{what} memory / pandas+calamine memory",
            m / m_base if m_base > 0 else None,
            "x",
        ),
    ]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args(argv).quick or quick_mode()
    if not (SHARED / EDITION).is_file():
        from bench.common import not_available

        not_available(NAME, f"{SHARED / EDITION} is not there (the ministry's files)")
        return {"status": "not available"}
    from regionmap.db import public
    from regionmap.db.load import init_database

    n = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        dbp = Path(tmp) / "db" / "regionmap.duckdb"
        init_database(dbp)
        path = str(SHARED / EDITION)
        ours = _cases(_IMPORT, n, path, EDITION, str(dbp))
        base = _cases(_PANDAS, n, path)
        read = _cases(_READ, n, path, EDITION)
        duck = _cases(_DUCKDB, n, path, EDITION, str(dbp))
        real = _cases(_COMMIT, n, path, EDITION, str(dbp))
        t0 = time.perf_counter()
        rows, eds = public.build(SHARED)
        build_s = __import__("time").perf_counter() - t0
        shutil.rmtree(Path(tmp) / "db", ignore_errors=True)
    if not all(c["ok"] for c in ours) or ours[0]["rows"] != 179:
        raise RuntimeError(f"the import did not read {EDITION}: {ours[0]}")
    t_ours, t_base = (
        summarize([c["seconds"] for c in ours]),
        summarize([c["seconds"] for c in base]),
    )
    m_ours = statistics.median(c["peak_mb"] for c in ours)
    m_base = statistics.median(c["peak_mb"] for c in base)
    time_x = t_ours["median"] / t_base["median"]
    mem_x = m_ours / m_base if m_base > 0 else None
    cpu_ours = statistics.median(c["cpu_s"] for c in ours)
    cpu_base = statistics.median(c["cpu_s"] for c in base)
    t_read = summarize([c["seconds"] for c in read])
    m_read = statistics.median(c["peak_mb"] for c in read)
    t_duck = summarize([c["seconds"] for c in duck])
    m_duck = statistics.median(c["peak_mb"] for c in duck)
    t_real = summarize([c["seconds"] for c in real])
    m_real = statistics.median(c["peak_mb"] for c in real)
    metrics = [
        metric(
            "edition_import_s",
            f"db import {EDITION} --dry-run (read, check, plan)",
            t_ours["median"],
            "s",
            spread=t_ours,
        ),  # fmt: skip
        metric(
            "edition_pandas_s",
            f"pandas.read_excel(engine='calamine') of {EDITION}",
            t_base["median"],
            "s",
            spread=t_base,
        ),  # fmt: skip
        metric(
            "edition_import_vs_pandas_time_x",
            "import time / pandas+calamine time",
            time_x,
            "x",
            target_op="<=",
            target=2.0,
        ),  # fmt: skip
        metric(
            "edition_import_vs_pandas_cpu_x",
            f"import CPU time / pandas+calamine CPU time ({cpu_ours:.3f} s / {cpu_base:.3f} s; "
            "every thread of the process, less sensitive to a busy machine than wall time)",
            cpu_ours / cpu_base if cpu_base > 0 else None,
            "x",
        ),
        metric("edition_import_peak_mb", "import: peak memory above the baseline", m_ours, "MB"),
        metric(
            "edition_pandas_peak_mb",
            "pandas+calamine: peak memory above the baseline",
            m_base,
            "MB",
        ),  # fmt: skip
        metric(
            "edition_import_vs_pandas_memory_x",
            "import memory / pandas+calamine memory",
            mem_x,
            "x",
            target_op="<=",
            target=2.0,
        ),  # fmt: skip
        metric(
            "edition_read_s",
            f"reading and checking {EDITION} alone (no database plan)",
            t_read["median"],
            "s",
            spread=t_read,
        ),
        *_ratios("edition_read", "read+check", t_read["median"], m_read, t_base["median"], m_base),
        metric(
            "edition_duckdb_s",
            "DuckDB alone: open the database read-only, read the edition's year",
            t_duck["median"],
            "s",
            spread=t_duck,
        ),
        metric(
            "edition_duckdb_peak_mb", "DuckDB alone: peak memory above the baseline", m_duck, "MB"
        ),
        *_ratios(
            "edition_duckdb", "DuckDB alone", t_duck["median"], m_duck, t_base["median"], m_base
        ),
        metric(
            "edition_commit_s",
            f"db import {EDITION} (real import; its rows already there: planned under the lock)",
            t_real["median"],
            "s",
            spread=t_real,
        ),
        metric(
            "edition_commit_peak_mb", "real import: peak memory above the baseline", m_real, "MB"
        ),
        metric(
            "build_public_s",
            f"build the extract: {len(eds)} editions, {len(rows)} rows",
            build_s,
            "s",
        ),  # fmt: skip
    ]
    table = "\n".join(
        f"{m['label']}: {m['value']:.3f} {m['unit']}" if m["value"] is not None else m["label"]
        for m in metrics
    )
    return report(NAME, metrics, {"runs": n, "edition": EDITION, "rows": base[0]["rows"]}, table)


if __name__ == "__main__":
    main()
