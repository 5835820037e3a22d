"""PDF handouts: time to generate all 14 bureau handouts (target under 60 s on 2 cores).

Measured against boundary layers built from the shared N03 GeoJSON and a fresh
database (sample figures), both in a temporary folder:

- ``all_bureaus_s``: the 14 bureau handouts built one after the other in one
  process (``regionmap.render.handout.build_handout``), median of repeated rounds; the
  first, cold round (imports, font parsing, layer loading) is reported apart;
- ``all_bureaus_cpu_s``: the same rounds in CPU seconds of the process, which other
  work on a shared machine disturbs less than wall time;
- ``handout_max_s``: the slowest single handout of the warm rounds (target < 4 s);
- ``cli_all_s``: wall time of ``python -m regionmap report --all`` (20 handouts,
  a fresh process, as a user runs it; not in ``--quick``, which times 4 handouts
  once and scales to 14 to stay near 30 s);
- baseline, same run: the floor set by the PDF engine itself: a one-page PDF with
  the same embedded Japanese font and the bureau's name only, 14 times.

Writes ``bench/results/handouts.json`` (the harness keeps ``report.json`` for its
own summary). ``python -m bench.bench_report [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import metric, n03_unavailable, quick_mode, report, shared_n03, summarize, timed
from regionmap import db
from regionmap.render import handout

NAME = "handouts"
TARGET_ALL_S = 60.0
TARGET_ONE_S = 4.0


def _floor_pdf(name: str) -> bytes:
    """The engine's floor: fpdf2, the same embedded font, one line of text."""
    from fpdf import FPDF

    from regionmap.fonts import find_japanese_font

    font = find_japanese_font()
    pdf = FPDF(orientation="L", unit="pt", format="A4")
    pdf.add_font("jp", "", font.path, collection_font_number=font.index)
    pdf.add_page()
    pdf.set_font("jp", "", 18)
    pdf.cell(400, 24, name)
    return bytes(pdf.output())


def _cli_all(work: Path) -> float:
    """Wall time of ``python -m regionmap report --all`` in a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "regionmap", "report", "--all", "--out", str(work / "out")],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"report --all failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def measure(work: Path, repeats: int, quick: bool = False) -> tuple[list[dict], dict]:
    os.environ["REGIONMAP_GEO_DIR"] = str(work / "geo")
    os.environ["REGIONMAP_DB_PATH"] = str(work / "regionmap.duckdb")
    os.environ["REGIONMAP_STATIC_DIR"] = str(work / "static")

    from regionmap import reference
    from regionmap.geo.build import build

    build(str(shared_n03()), work / "geo")
    db.ensure_database(work / "regionmap.duckdb")
    con = db.connect(work / "regionmap.duckdb")
    all_codes = list(reference.bureaus()["bureau_code"])
    # quick: 4 handouts (a small, a large, a region-heavy and the Nemuro one), scaled to 14
    codes = ["05", "08", "01", "14"] if quick else all_codes
    scale = len(all_codes) / len(codes)
    names = list(reference.bureaus()["name_ja"])[: len(codes)]
    how = f" (quick: {len(codes)} handouts scaled to 14)" if quick else ""

    per_handout: dict[str, list[float]] = {c: [] for c in codes}
    sizes: dict[str, int] = {}

    cpu_rounds: list[float] = []

    def one_round(record: bool) -> float:
        t_round, c_round = time.perf_counter(), time.process_time()
        for code in codes:
            t0 = time.perf_counter()
            pdf = handout.build_handout("bureau", code, con=con)
            if record:
                per_handout[code].append(time.perf_counter() - t0)
            sizes[code] = len(pdf)
        if record:
            cpu_rounds.append(time.process_time() - c_round)
        return time.perf_counter() - t_round

    if quick:  # warm up on one handout only (reported as the first handout, cold)
        t0 = time.perf_counter()
        handout.build_handout("bureau", "02", con=con)
        cold = time.perf_counter() - t0
    else:
        cold = one_round(record=False)
    rounds = [one_round(record=True) * scale for _ in range(repeats)]
    warm = summarize(rounds)
    cpu = summarize([c * scale for c in cpu_rounds])

    floor_runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for n in names:
            _floor_pdf(n)
        floor_runs.append((time.perf_counter() - t0) * scale)
    floor = summarize(floor_runs)

    cli_s = None if quick else _cli_all(work)

    slowest = max(max(v) for v in per_handout.values())
    slowest_code = max(per_handout, key=lambda c: max(per_handout[c]))
    baseline = {
        "label": "engine floor: 14 one-line PDFs with the same embedded font",
        "value": round(floor["median"], 3),
    }
    metrics = [
        timed(
            "all_bureaus_s",
            "14 bureau handouts (PDF), one process, warm" + how,
            warm,
            target=TARGET_ALL_S,
            digits=2,
            baseline=baseline,
            note=f"{warm['median'] / floor['median']:.1f}× the engine floor",
        ),
        timed(
            "all_bureaus_cpu_s",
            "14 bureau handouts, CPU time of the process (less sensitive to other load)" + how,
            cpu,
            target=TARGET_ALL_S,
            digits=2,
        ),
        metric(
            "first_handout_cold_s" if quick else "all_bureaus_cold_s",
            "first handout, cold (imports, fonts, layers)"
            if quick
            else "14 bureau handouts, first round (imports, fonts, layers)",
            round(cold, 2),
            "s",
            target_op="<",
            target=TARGET_ONE_S * 3 if quick else TARGET_ALL_S,
        ),
        metric(
            "handout_max_s",
            f"slowest single handout, warm (bureau {slowest_code})",
            round(slowest, 2),
            "s",
            target_op="<",
            target=TARGET_ONE_S,
        ),
        metric(
            "handout_kb_median",
            "size of a bureau handout",
            round(sorted(sizes.values())[len(sizes) // 2] / 1000, 1),
            "KB",
        ),
    ]
    extra = {
        "per_handout_median_s": {
            c: round(sorted(v)[len(v) // 2], 3) for c, v in per_handout.items()
        },
        "sizes_bytes": sizes,
        "floor_s": floor,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    if cli_s is not None:
        metrics.append(
            metric(
                "cli_all_s",
                "`python -m regionmap report --all` (20 handouts, fresh process)",
                round(cli_s, 2),
                "s",
            )
        )
    return metrics, extra


def _table(metrics: list[dict]) -> str:
    lines = [f"{'metric':<22} {'value':>10}  unit  target"]
    for m in metrics:
        tgt = m.get("target")
        t = f"{tgt['op']} {tgt['value']}" if tgt else ""
        lines.append(f"{m['key']:<22} {m['value']:>10}  {m['unit']:<4}  {t}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="4 handouts, one round, scaled to 14 (~30 s)"
    )
    args = ap.parse_args(argv)
    repeats = 1 if (args.quick or quick_mode()) else 3
    unavailable = n03_unavailable(NAME)
    if unavailable:
        return unavailable
    with tempfile.TemporaryDirectory(prefix="regionmap-bench-report-") as tmp:
        metrics, extra = measure(Path(tmp), repeats, quick=args.quick or quick_mode())
    extra["repeats"] = repeats
    return report(NAME, metrics, extra, _table(metrics))


if __name__ == "__main__":
    main()
