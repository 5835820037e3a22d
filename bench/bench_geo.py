"""Boundary build: build time, map payload bytes and topology after simplification.

Measured from the shared N03 GeoJSON (``bench.common.shared_n03``), each against a
baseline taken in the same run:

- build time of ``regionmap.geo.build.build`` (median of repeated builds into a
  temporary folder), against reading the same GeoJSON with ``geopandas.read_file``;
- bytes of the bureau + region layers at the overview level, as compact GeoJSON
  (``regionmap.geo.to_geojson_bytes``) and as pydeck serialises them (indented JSON
  of a ``GeoJsonLayer`` each); municipalities at the overview level likewise;
- gap + overlap area between neighbouring bureaus after simplification, as a
  percentage of Hokkaido's area, at both levels, against simplifying each bureau on
  its own at the same tolerance (what coverage simplification avoids).

Writes ``bench/results/geo.json`` and prints a table. ``python -m bench.bench_geo [--quick]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import metric, n03_unavailable, quick_mode, report, shared_n03, summarize, timed

NAME = "geo"
#: The properties a map layer sends (tooltips and labels).
PROPS = {
    "bureaus": ["bureau_code", "name_ja", "name_en", "region_code"],
    "regions": ["region_code", "name_ja", "name_en"],
    "municipalities": ["code", "name_ja", "bureau_code"],
}
KB = 1000


def _pydeck_bytes(docs: list[dict]) -> int:
    """Bytes of pydeck's JSON for one GeoJsonLayer per document (what st.pydeck_chart sends)."""
    import pydeck as pdk

    layers = [
        pdk.Layer("GeoJsonLayer", data=doc, id=f"layer-{k}", stroked=True, filled=True)
        for k, doc in enumerate(docs)
    ]
    deck = pdk.Deck(layers=layers, map_style=None, initial_view_state=pdk.ViewState(
        latitude=43.4, longitude=142.8, zoom=5.5))  # fmt: skip
    return len(deck.to_json().encode("utf-8"))


def _gap_overlap_pct(geoms_m, total_m2: float) -> tuple[float, float]:
    from regionmap.geo import shapes

    gap, overlap = shapes.gap_overlap(geoms_m)
    return 100.0 * gap / total_m2, 100.0 * overlap / total_m2


def measure(source: Path, repeats: int) -> tuple[list[dict], dict[str, Any]]:
    import geopandas as gpd
    import shapely

    from regionmap.geo import shapes
    from regionmap.geo.build import LEVEL_SPECS, build
    from regionmap.geo.layers import load_layer, to_geojson_bytes

    metrics: list[dict] = []
    extra: dict[str, Any] = {"source": str(source), "levels": LEVEL_SPECS}
    work = Path(tempfile.mkdtemp(prefix="regionmap-bench-geo-"))
    try:
        out = work / "geo"
        # build time vs. reading the file ------------------------------------------------------
        build(source, out)  # warm-up (imports, pyproj set-up)
        builds = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            man = build(source, out)
            builds.append(time.perf_counter() - t0)
        reads = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            gpd.read_file(source)
            reads.append(time.perf_counter() - t0)
        b, r = summarize(builds), summarize(reads)
        metrics.append(
            timed(
                "build_s", "Boundary build from the shared GeoJSON", b, target=10.0,
                baseline={"label": "geopandas.read_file of the same file", "value": r["median"],
                          "unit": "s", "ratio": b["median"] / r["median"]},
            )
        )  # fmt: skip
        extra["build_runs_s"] = builds
        extra["read_runs_s"] = reads
        extra["manifest_levels"] = man["levels"]
        extra["parquet_bytes"] = {p.name: p.stat().st_size for p in sorted(out.glob("*.parquet"))}

        # payload bytes ------------------------------------------------------------------------
        docs, sizes = {}, {}
        for layer in ("bureaus", "regions", "municipalities"):
            gdf = load_layer(layer, "overview", geo_dir=out)
            raw = to_geojson_bytes(gdf, PROPS[layer], precision=LEVEL_SPECS["overview"]["decimals"])
            docs[layer] = json.loads(raw)
            sizes[layer] = {
                "compact": len(raw),
                "gzip": len(gzip.compress(raw, 6)),
                "pydeck": _pydeck_bytes([docs[layer]]),
            }
        br_compact = sizes["bureaus"]["compact"] + sizes["regions"]["compact"]
        br_pydeck = _pydeck_bytes([docs["bureaus"], docs["regions"]])
        metrics.append(
            metric(
                "overview_bureaus_regions_kb", "Bureaus + regions, overview, compact GeoJSON",
                br_compact / KB, "KB", target_op="<=", target=150.0,
                baseline={"label": "the same as pydeck's indented JSON", "value": br_pydeck / KB,
                          "unit": "KB", "ratio": br_compact / br_pydeck},
            )
        )  # fmt: skip
        metrics.append(
            metric(
                "overview_bureaus_regions_pydeck_kb",
                "Bureaus + regions, overview, pydeck indented JSON (if sent through pydeck)",
                br_pydeck / KB, "KB",
                note="the app should send static compact GeoJSON files instead",
            )
        )  # fmt: skip
        m = sizes["municipalities"]
        metrics.append(
            metric(
                "overview_municipalities_kb", "Municipalities, overview, compact GeoJSON",
                m["compact"] / KB, "KB", target_op="<=", target=400.0,
                baseline={"label": "the same as pydeck's indented JSON", "value": m["pydeck"] / KB,
                          "unit": "KB", "ratio": m["compact"] / m["pydeck"]},
            )
        )  # fmt: skip
        extra["payload_bytes"] = sizes

        # topology -----------------------------------------------------------------------------
        detail_m = shapes.to_metric(load_layer("bureaus", "detail", geo_dir=out).geometry.values)
        src = gpd.read_file(source)
        source_m = shapes.to_metric(src.geometry.values)
        total = float(shapely.area(source_m).sum())
        # per-bureau dissolve of the source, for the naive baseline
        key = src["N03_002"].to_numpy()
        order = sorted(set(key))
        unsimplified = shapes.dissolve(source_m, key, order)
        extra["hokkaido_area_km2"] = total / 1e6
        for level, spec in LEVEL_SPECS.items():
            gdf = load_layer("bureaus", level, geo_dir=out)
            gap, overlap = _gap_overlap_pct(shapes.to_metric(gdf.geometry.values), total)
            naive = shapely.simplify(unsimplified, spec["tolerance_m"], preserve_topology=True)
            ngap, noverlap = _gap_overlap_pct(naive, total)
            metrics.append(
                metric(
                    f"gap_overlap_{level}_pct",
                    f"Gap + overlap between neighbouring bureaus, {level} "
                    f"({spec['tolerance_m']:.0f} m)",
                    gap + overlap, "%", target_op="<", target=0.01,
                    baseline={"label": "each bureau simplified on its own (shapely.simplify)",
                              "value": ngap + noverlap, "unit": "%"},
                    note=f"gap {gap:.6f} %, overlap {overlap:.6f} %",
                )
            )  # fmt: skip
        extra["detail_vertices_bureaus"] = int(shapely.get_num_coordinates(detail_m).sum())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return metrics, extra


def _table(metrics: list[dict]) -> str:
    from bench.common import judge

    rows = [("metric", "value", "target", "baseline", "")]
    for m in metrics:
        t = m.get("target")
        base = m.get("baseline")
        verdict = judge(m)["pass"]
        rows.append(
            (
                m["label"],
                f"{m['value']:.4g} {m['unit']}",
                f"{t['op']} {t['value']:g} {m['unit']}" if t else "",
                f"{base['value']:.4g} {base.get('unit', '')} ({base['label']})" if base else "",
                {True: "pass", False: "MISS", None: ""}[verdict],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
        if k == 0:
            lines.append("-" * (sum(widths) + 12))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    repeats = 2 if (args.quick or quick_mode()) else 5
    unavailable = n03_unavailable(NAME)
    if unavailable:
        return unavailable
    metrics, extra = measure(shared_n03(), repeats)
    extra["repeats"] = repeats
    return report(NAME, metrics, extra, _table(metrics))


if __name__ == "__main__":
    main()
