"""Build the boundary layers from an N03 source: ``python -m regionmap geo build``.

Steps: read the source (:mod:`regionmap.geo.sources`), validate it and dissolve
parts into municipal units (:mod:`regionmap.geo.validate`), simplify the whole
coverage at each display level with coverage simplification (shared borders stay
shared), dissolve Sapporo, bureaus and regions from the simplified coverage (so
every layer's borders coincide with the finer layer's), compute areas and label
points, write the layers and the manifest into a temporary folder beside the
output, read them back to check them, and only then move them into place.
A failed build leaves the previous layers untouched.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regionmap import __version__, reference, settings
from regionmap.codes import to_code6
from regionmap.geo import layers as L
from regionmap.geo import shapes
from regionmap.geo.errors import BoundaryError
from regionmap.geo.sources import Progress, is_url, local_copy, read_source
from regionmap.geo.validate import SAPPORO, municipal_units

#: Display levels: coverage-simplification tolerance (metres, about the square
#: root of the largest triangle removed) and decimal places kept.
LEVEL_SPECS: dict[str, dict] = {
    "detail": {"tolerance_m": 100.0, "decimals": 5},
    "overview": {"tolerance_m": 800.0, "decimals": 4},
}


#: Hokkaido's area with the Northern Territories (GSI, 全国都道府県市区町村別面積調), km².
KNOWN_AREA_KM2 = 83_424.0


def _previous_area(out: Path) -> float | None:
    """Total area of the build in ``out``, from its manifest or its bureaus layer."""
    try:
        man = json.loads((out / L.MANIFEST).read_text(encoding="utf-8"))
        if man.get("total_area_km2"):
            return float(man["total_area_km2"])
        bureaus = pd.read_parquet(out / "bureaus.parquet", columns=["area_km2"])
        return float(bureaus["area_km2"].sum())
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        return None


def check_area(total: float, previous: float | None, notes: list[str], source: str) -> None:
    """Refuse a build whose total area is off Hokkaido's known area or the previous build's
    by more than ``boundary_area_tolerance_pct`` percent (a broken or repaired source)."""
    tol = settings.get("boundary_area_tolerance_pct")
    refs = [("Hokkaido's known area", KNOWN_AREA_KM2)]
    if previous:
        refs.append(("the previous build", previous))
    for what, ref in refs:
        change = (total - ref) / ref * 100
        if abs(change) > tol:
            repaired = [n for n in notes if "invalid polygon(s) repaired" in n]
            why = f" {repaired[0][0].upper()}{repaired[0][1:]}." if repaired else ""
            raise BoundaryError(
                f"the layers would cover {total:,.0f} km², {abs(change):.1f}% "
                f"{'less' if change < 0 else 'more'} than {what} ({ref:,.0f} km²); the limit "
                f"is {tol}% (REGIONMAP_BOUNDARY_AREA_TOLERANCE_PCT).{why} The previous layers "
                "are kept; if the change is real, build with --force",
                source=source,
            )


def vintage_of(name: str) -> str | None:
    """The as-of date in an N03 file name: ``N03-21_01_210101`` / ``N03-20240101_01`` -> date."""
    m = re.search(r"N03-(\d{8})_", name)
    if m:
        d = m.group(1)
        return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    m = re.search(r"N03-(\d{2})_\d{2}_(\d{2})(\d{2})(\d{2})", name)
    if m:
        return f"20{m.group(2)}-{m.group(3)}-{m.group(4)}"
    return None


def _say(progress: Progress | None, fraction: float, message: str) -> None:
    if progress:
        progress(min(max(fraction, 0.0), 1.0), message)


def build(
    source: str | Path | None = None,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    *,
    force: bool = False,
) -> dict:
    """Build the four layers and the manifest from an N03 source.

    Parameters
    ----------
    source : str or Path, optional
        Path or http(s) URL of N03 for Hokkaido (GeoJSON, TopoJSON, Shapefile or a
        zip holding one). Default: the ``boundary_source`` setting (MLIT's
        download). If the default download (this setting or MLIT's URL) fails and the
        copy in ``../shared/data/boundaries/`` exists, that copy is used instead, with a
        notice; any other source that fails is refused.
    out_dir : str or Path, optional
        Output folder; default the ``geo_dir`` setting.
    progress : callable, optional
        ``progress(fraction, message)`` with fraction in [0, 1] (e.g. for st.progress).
    force : bool
        Build even when the total area differs from Hokkaido's known area or the previous
        build's by more than ``boundary_area_tolerance_pct`` (:func:`check_area`).

    Returns
    -------
    dict
        The manifest written to ``manifest.json``.

    Raises
    ------
    BoundaryError
        The source is refused; the message says what is wrong and where. The
        previous layers in ``out_dir`` are left as they were.
    """
    started = time.perf_counter()
    out = L.geo_dir_path(out_dir)
    notes: list[str] = []
    fallback_from: str | None = None

    def dl(fraction: float, message: str) -> None:
        _say(progress, 0.5 * fraction, message)

    _say(progress, 0.0, "reading the boundary source")
    configured = settings.get("boundary_source")
    is_default = source is None or str(source) in (str(configured), settings.MLIT_N03_URL)
    source = configured if source is None else source
    try:
        raw = read_source(source, progress=dl)
    except BoundaryError as exc:
        # the default download failed (no network): use the copy beside the project
        fallback = local_copy()
        if not (is_default and is_url(source) and fallback):
            raise
        reason = exc.message.split(". ")[0]
        notice = f"{reason} ({source}); built from the local copy {fallback} instead"
        if progress:
            _say(progress, 0.0, "notice: " + notice)
        else:
            print("notice: " + notice, file=sys.stderr)
        notes.append(notice)
        fallback_from = str(source)
        raw = read_source(fallback)

    _say(progress, 0.5, "checking municipalities, bureaus and regions")
    units = municipal_units(raw)
    notes.extend(units.notes)

    _say(progress, 0.6, "checking the shared borders")
    tables, stats = _make_layers(units.frame, notes, progress)
    total_area = round(float(tables["bureaus"]["area_km2"].sum()), 3)
    previous_area = _previous_area(out)
    if force:
        notes.append(f"built with --force: total area {total_area:,.0f} km² not checked")
    else:
        check_area(total_area, previous_area, notes, raw.label)

    _say(progress, 0.85, "writing the layers")
    vintage = vintage_of(raw.name) or (
        settings.MLIT_N03_VINTAGE if raw.location == settings.MLIT_N03_URL else None
    )
    man = {
        "format": L.FORMAT,
        "source": raw.location,
        "source_file": raw.label,
        "source_kind": raw.kind,
        "vintage": vintage,
        "checksum": raw.checksum,
        "counts": {name: len(tables[name]) for name in L.LAYERS}
        | {
            "northern_territories": int(tables["municipalities"]["is_northern_territory"].sum()),
            "source_features": units.source_features,
        },
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": None,
        "crs": "EPSG:4326",
        "area_crs": shapes.AREA_CRS,
        "total_area_km2": total_area,
        "levels": stats,
        "files": {name: f"{name}.parquet" for name in L.LAYERS},
        "layout": "one GeoParquet per layer: geometry = detail, geometry_overview = overview; "
        "bureaus/regions also *_without_nt columns",
        "notes": notes,
        "fallback_from": fallback_from,  # the download that failed, when the local copy was used
        "credit": "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
        "regionmap_version": __version__,
    }
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(out)
    tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out))
    try:
        for name, gdf in tables.items():
            gdf.to_parquet(tmp / f"{name}.parquet", index=False)
        man["build_seconds"] = round(time.perf_counter() - started, 3)
        (tmp / L.MANIFEST).write_text(
            json.dumps(man, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        _verify(tmp, man)
        _say(progress, 0.95, "moving the layers into place")
        _swap_in(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _say(progress, 1.0, f"boundary layers ready in {out}")
    return man


def _make_layers(
    units: gpd.GeoDataFrame, notes: list[str], progress: Progress | None = None
) -> tuple[dict, dict]:
    """Simplify the unit coverage per level and dissolve the four layers."""
    ref = reference.municipalities().set_index("code")
    bureaus_ref = reference.bureaus()
    regions_ref = reference.regions()
    region_of = bureaus_ref.set_index("bureau_code")["region_code"]

    orphans = sorted(set(region_of) - set(regions_ref["region_code"]))
    if orphans:
        raise BoundaryError(
            f"bureau region codes {', '.join(orphans)} are not in data/reference/regions.csv",
            source="data/reference/bureaus.csv",
            prop="region_code",
        )
    units = units.copy()
    units["region_code"] = units["bureau_code"].map(region_of)
    metric = shapes.to_metric(units.geometry.values)
    if not shapely.coverage_is_valid(metric):
        _say(progress, 0.62, "cleaning overlaps and slivers between neighbours")
        metric = shapely.coverage_clean(metric)
        notes.append("the source polygons overlapped or had slivers; cleaned into a coverage")

    is_ward = (units["kind"] == "ward").to_numpy()
    is_nt = (units["kind"] == "northern_territory").to_numpy()
    ward_codes = units.loc[is_ward, "code"].tolist()
    # municipality rows: every non-ward unit, plus Sapporo dissolved from its wards
    muni_codes = sorted(units.loc[~is_ward, "code"].tolist() + [SAPPORO])
    unit_key = np.where(is_ward, SAPPORO, units["code"].to_numpy())
    area_unit = shapely.area(metric) / 1e6

    geoms: dict[str, dict[str, np.ndarray]] = {}
    stats: dict[str, dict] = {}
    for k, (level, spec) in enumerate(LEVEL_SPECS.items()):
        _say(progress, 0.65 + 0.08 * k, f"simplifying the boundaries ({level} level)")
        simple = shapes.simplify(metric, spec["tolerance_m"])
        muni = shapes.dissolve(simple, unit_key, muni_codes)
        wards = simple[is_ward]
        bureau_key = units["bureau_code"].to_numpy()
        b_order = bureaus_ref["bureau_code"].tolist()
        bureaus = shapes.dissolve(simple, bureau_key, b_order)
        bureaus_nt = shapes.dissolve(simple[~is_nt], bureau_key[~is_nt], b_order)
        r_order = regions_ref["region_code"].tolist()
        region_key = units["region_code"].to_numpy()
        regions = shapes.dissolve(simple, region_key, r_order)
        regions_nt = shapes.dissolve(simple[~is_nt], region_key[~is_nt], r_order)
        geoms[level] = {
            "municipalities": muni,
            "wards": wards,
            "bureaus": bureaus,
            "bureaus_nt": bureaus_nt,
            "regions": regions,
            "regions_nt": regions_nt,
        }
        stats[level] = dict(spec)

    @functools.cache
    def lonlat(key: str, level: str) -> np.ndarray:
        return shapes.round_coords(
            shapes.to_lonlat(geoms[level][key]), LEVEL_SPECS[level]["decimals"]
        )

    def labels(key: str) -> tuple[np.ndarray, np.ndarray]:
        pts = shapes.to_lonlat(shapes.label_points(geoms["detail"][key], geoms["overview"][key]))
        xy = np.round(shapely.get_coordinates(pts), 5)
        # after rounding, a label must still be inside both levels (thin shapes: fall back)
        detail, overview = lonlat(key, "detail"), lonlat(key, "overview")
        pts = shapely.points(xy)
        outside = ~(shapely.contains(detail, pts) & shapely.contains(overview, pts))
        for k in np.flatnonzero(outside):
            both = shapes.largest_part(
                shapes.polygons(shapely.intersection(detail[k], overview[k]))
            )
            xy[k] = shapely.get_coordinates(both.point_on_surface())[0]
        return xy[:, 0], xy[:, 1]

    def area(codes_key: np.ndarray, order: list, mask=None) -> list[float]:
        m = np.ones(len(units), bool) if mask is None else mask
        s = pd.Series(area_unit[m]).groupby(codes_key[m]).sum()
        return [round(float(s.get(k, 0.0)), 3) for k in order]

    def frame(rows: pd.DataFrame, key: str, area_km2, nt_key: str | None = None, nt_area=None):
        df = rows.reset_index(drop=True)
        df["label_lon"], df["label_lat"] = labels(key)
        df["area_km2"] = area_km2
        cols = {
            "geometry": gpd.GeoSeries(lonlat(key, "detail"), crs="EPSG:4326"),
            "geometry_overview": gpd.GeoSeries(lonlat(key, "overview"), crs="EPSG:4326"),
        }
        if nt_key:
            df["label_lon" + L.WITHOUT_NT], df["label_lat" + L.WITHOUT_NT] = labels(nt_key)
            df["area_km2" + L.WITHOUT_NT] = nt_area
            cols["geometry" + L.WITHOUT_NT] = gpd.GeoSeries(
                lonlat(nt_key, "detail"), crs="EPSG:4326"
            )
            cols["geometry_overview" + L.WITHOUT_NT] = gpd.GeoSeries(
                lonlat(nt_key, "overview"), crs="EPSG:4326"
            )
        for name, series in cols.items():
            df[name] = series.values
        gdf = gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")
        for name in cols:
            gdf[name] = gpd.GeoSeries(gdf[name].values, crs="EPSG:4326")
        return gdf

    # municipalities
    m = ref.loc[muni_codes].reset_index()
    m = m.assign(
        code6=m["code"].map(to_code6),
        region_code=m["bureau_code"].map(region_of),
        is_northern_territory=m["kind"].eq("northern_territory"),
        district_ja=m["district_ja"].fillna(""),
    )[L.COLUMNS["municipalities"][:7]]
    munis = frame(m, "municipalities", area(unit_key, muni_codes))

    w = ref.loc[ward_codes].reset_index()
    w = w.assign(code6=w["code"].map(to_code6), region_code=w["bureau_code"].map(region_of))
    w = w[L.COLUMNS["wards"][:6]]
    ward_area = [round(float(a), 3) for a in area_unit[is_ward]]
    wards = frame(w, "wards", ward_area)

    b = bureaus_ref[L.COLUMNS["bureaus"][:6]]
    bkey = units["bureau_code"].to_numpy()
    b_order = b["bureau_code"].tolist()
    bureaus = frame(b, "bureaus", area(bkey, b_order), "bureaus_nt", area(bkey, b_order, ~is_nt))

    r = regions_ref[L.COLUMNS["regions"][:4]]
    rkey = units["region_code"].to_numpy()
    r_order = r["region_code"].tolist()
    regions = frame(r, "regions", area(rkey, r_order), "regions_nt", area(rkey, r_order, ~is_nt))

    tables = {"municipalities": munis, "wards": wards, "bureaus": bureaus, "regions": regions}
    for level in LEVEL_SPECS:
        col = "geometry" if level == "detail" else "geometry_overview"
        stats[level]["vertices"] = {
            name: int(shapely.get_num_coordinates(gdf[col].values).sum())
            for name, gdf in tables.items()
        }
    return tables, stats


def _verify(folder: Path, man: dict) -> None:
    """Read the written layers back: counts, columns, valid non-empty geometry at both levels."""
    for name in L.LAYERS:
        path = folder / f"{name}.parquet"
        gdf = gpd.read_parquet(path)
        want = man["counts"][name]
        if len(gdf) != want:
            raise BoundaryError(f"wrote {len(gdf)} rows, expected {want}", source=str(path))
        missing = [c for c in L.COLUMNS[name] if c not in gdf.columns]
        if missing:
            raise BoundaryError(f"columns missing: {', '.join(missing)}", source=str(path))
        for col in [c for c in gdf.columns if c.startswith("geometry")]:
            values = gdf[col].values
            bad = shapely.is_empty(values) | ~shapely.is_valid(values)
            if bad.any():
                raise BoundaryError(
                    f"{int(bad.sum())} empty or invalid geometries after simplification",
                    source=str(path),
                    feature=int(np.flatnonzero(bad)[0]),
                    prop=col,
                )


_TMP_PREFIX = ".build-"


def _remove_stale_builds(out: Path, older_than_s: float = 3600.0) -> None:
    """Remove temporary build folders left by a build that was killed (an hour old or more)."""
    now = time.time()
    for p in out.glob(_TMP_PREFIX + "*"):
        try:
            if p.is_dir() and now - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _swap_in(tmp: Path, out: Path) -> None:
    """Move the checked files into ``out``, the manifest last (each move is atomic)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in L.LAYERS:
        os.replace(tmp / f"{name}.parquet", out / f"{name}.parquet")
    os.replace(tmp / L.MANIFEST, out / L.MANIFEST)


# -- command line -----------------------------------------------------------------------------


class _Bar:
    """A tiny progress bar on standard error: ``[#####.....]  50% message``."""

    def __init__(self, stream=None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last = ("", -1)

    def __call__(self, fraction: float, message: str) -> None:
        pct = int(round(fraction * 100))
        if self.tty:
            filled = int(round(fraction * self.width))
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {pct:3d}% {message[:70]:<70}")
            if fraction >= 1.0:
                self.stream.write("\n")
        else:
            stage = message.split(":")[0]
            if stage == self.last[0] and pct < self.last[1] + 25:
                return
            self.stream.write(f"[{pct:3d}%] {message}\n")
            self.last = (stage, pct)
        self.stream.flush()


def cli_build(args) -> int:
    """``python -m regionmap geo build [--source S] [--out DIR] [--quiet]``; exit code 0 or 1."""
    progress = None if getattr(args, "quiet", False) else _Bar()
    out = Path(args.out).expanduser() if getattr(args, "out", None) else None
    try:
        man = build(
            getattr(args, "source", None),
            out,
            progress=progress,
            force=getattr(args, "force", False),
        )
    except BoundaryError as exc:
        print(f"\nerror: boundary build refused the source: {exc}", file=sys.stderr)
        print("The previous boundary layers, if any, are unchanged.", file=sys.stderr)
        return 1
    except RecursionError:
        print(
            "\nerror: boundary build refused the source: a geometry is nested too deeply",
            file=sys.stderr,
        )
        print("The previous boundary layers, if any, are unchanged.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"\nerror: the boundary build could not read or write a file: {exc}", file=sys.stderr)
        print("The previous boundary layers, if any, are unchanged.", file=sys.stderr)
        return 1
    c = man["counts"]
    folder = L.geo_dir_path(out)
    print(
        f"built {c['municipalities']} municipalities ({c['northern_territories']} Northern "
        f"Territories villages), {c['wards']} wards, {c['bureaus']} bureaus, {c['regions']} "
        f"regions into {folder} in {man['build_seconds']:.1f} s "
        f"(source {man['source_file']}, vintage {man['vintage'] or 'unknown'})"
    )
    for note in man["notes"]:
        print(f"note: {note}")
    return 0
