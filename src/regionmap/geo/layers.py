"""Read the built boundary layers: :func:`load_layer`, :func:`manifest`, :func:`to_geojson_bytes`.

See :mod:`regionmap.geo` for the files and their columns.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regionmap import settings
from regionmap.once import made_once

LAYERS = ("municipalities", "wards", "bureaus", "regions")
LEVELS = ("overview", "detail")
MANIFEST = "manifest.json"
FORMAT = 1

#: The stable columns of each layer, in order (``geometry`` last).
COLUMNS: dict[str, list[str]] = {
    "municipalities": [
        "code",
        "code6",
        "name_ja",
        "district_ja",
        "bureau_code",
        "region_code",
        "is_northern_territory",
        "label_lon",
        "label_lat",
        "area_km2",
        "geometry",
    ],
    "wards": [
        "code",
        "code6",
        "name_ja",
        "parent_code",
        "bureau_code",
        "region_code",
        "label_lon",
        "label_lat",
        "area_km2",
        "geometry",
    ],
    "bureaus": [
        "bureau_code",
        "bureau_id",
        "name_ja",
        "short_ja",
        "name_en",
        "region_code",
        "label_lon",
        "label_lat",
        "area_km2",
        "geometry",
    ],
    "regions": [
        "region_code",
        "region_id",
        "name_ja",
        "name_en",
        "label_lon",
        "label_lat",
        "area_km2",
        "geometry",
    ],
}
#: Suffix of the stored columns that leave the Northern Territories out (bureaus, regions).
WITHOUT_NT = "_without_nt"
#: Columns that differ when the Northern Territories are hidden.
NT_VARIANT_COLUMNS = ("label_lon", "label_lat", "area_km2", "geometry", "geometry_overview")


def geo_dir_path(geo_dir: str | Path | None = None) -> Path:
    """The layers' folder: ``geo_dir`` or the ``geo_dir`` setting."""
    return Path(geo_dir) if geo_dir is not None else Path(settings.get("geo_dir"))


def layer_file(name: str, geo_dir: str | Path | None = None) -> Path:
    """Path of the GeoParquet file of layer ``name``."""
    return geo_dir_path(geo_dir) / f"{name}.parquet"


def _not_built(folder: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"boundary layers are not built in {folder}; run `python -m regionmap geo build` "
        "(or set REGIONMAP_GEO_DIR to a folder that has them)"
    )


def manifest(geo_dir: str | Path | None = None) -> dict:
    """The build manifest: source, vintage, checksum, counts, built_at, levels, notes.

    Raises
    ------
    FileNotFoundError
        When no layers are built there (the message says how to build them).
    """
    folder = geo_dir_path(geo_dir)
    path = folder / MANIFEST
    if not path.is_file():
        raise _not_built(folder)
    return json.loads(path.read_text(encoding="utf-8"))


def layers_available(geo_dir: str | Path | None = None) -> bool:
    """True when a complete set of layers (manifest and every layer file) is built."""
    folder = geo_dir_path(geo_dir)
    try:
        man = manifest(folder)
    except (FileNotFoundError, ValueError):
        return False
    if man.get("format") != FORMAT:
        return False
    return all(layer_file(name, folder).is_file() for name in LAYERS)


def load_layer(
    name: str, level: str = "overview", geo_dir: str | Path | None = None
) -> gpd.GeoDataFrame:
    """One boundary layer at one display level, in EPSG:4326.

    Parameters
    ----------
    name : {"municipalities", "wards", "bureaus", "regions"}
    level : {"overview", "detail"}
        ``overview`` for the whole of Hokkaido, ``detail`` for a bureau or closer.
    geo_dir : path, optional
        Folder of the layers; default the ``geo_dir`` setting.

    Returns
    -------
    geopandas.GeoDataFrame
        The stable columns of :data:`COLUMNS` (see :mod:`regionmap.geo`). With the
        ``hide_northern_territories`` setting on, the six villages are left out
        of ``municipalities`` and out of Nemuro's and Kushiro-Nemuro's geometry,
        area and label. The frame is a copy of a cached one (read once per
        build: the cache key holds the manifest's modification time), so callers
        may change it freely.

    Raises
    ------
    ValueError
        Unknown layer or level.
    FileNotFoundError
        Layers not built (the message says how to build them).
    """
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r}; choose one of {', '.join(LAYERS)}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    folder = geo_dir_path(geo_dir).resolve()
    try:
        st = (folder / MANIFEST).stat()
        stamp = (st.st_mtime_ns, st.st_ino, st.st_size)
    except FileNotFoundError:
        raise _not_built(folder) from None
    hide = bool(settings.get("hide_northern_territories"))
    return _layer(str(folder), stamp, name, level, hide).copy()


@made_once(max_entries=16)
def _stored(folder: str, stamp: tuple, name: str) -> gpd.GeoDataFrame:
    path = Path(folder) / f"{name}.parquet"
    if not path.is_file():
        raise _not_built(Path(folder))
    return gpd.read_parquet(path)


@made_once(max_entries=64)
def _layer(folder: str, stamp: tuple, name: str, level: str, hide: bool) -> gpd.GeoDataFrame:
    df = pd.DataFrame(_stored(folder, stamp, name))
    variant = WITHOUT_NT if hide and name in ("bureaus", "regions") else ""
    geom_col = ("geometry" if level == "detail" else "geometry_overview") + variant
    out = pd.DataFrame(
        {c: df[c + variant if c in NT_VARIANT_COLUMNS else c] for c in COLUMNS[name][:-1]}
    )
    gdf = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(df[geom_col].values, crs="EPSG:4326"))
    if hide and name == "municipalities":
        gdf = gdf[~gdf["is_northern_territory"]].reset_index(drop=True)
    return gdf


def clear_cache() -> None:
    """Forget the layers read so far (tests; a rebuild is picked up without this)."""
    _stored.clear()
    _layer.clear()


def to_geojson_bytes(gdf: gpd.GeoDataFrame, properties: list[str], precision: int = 4) -> bytes:
    """A layer as compact GeoJSON (UTF-8 bytes) with only the ``properties`` asked for.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        In EPSG:4326 (as :func:`load_layer` returns it).
    properties : list of str
        Columns to keep as feature properties, in this order.
    precision : int
        Decimal places of the coordinates (4 is about 10 m).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gdf = gpd.GeoDataFrame({"code": ["01"]}, geometry=[shapely.box(141.123456, 43, 142, 44)],
    ...                        crs="EPSG:4326")
    >>> to_geojson_bytes(gdf, ["code"], 2)[:60]
    b'{"type":"FeatureCollection","features":[{"type":"Feature","'
    """
    missing = [p for p in properties if p not in gdf.columns]
    if missing:
        raise KeyError(f"no such column(s): {', '.join(missing)}")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    rounded = shapely.transform(
        np.asarray(gdf.geometry.values, dtype=object), lambda c: np.round(c, precision)
    )
    feats = []
    records = gdf[properties].to_dict("records") if properties else [{}] * len(gdf)
    for geom, rec in zip(rounded, records, strict=True):
        feats.append(
            {
                "type": "Feature",
                "properties": {k: _plain(v) for k, v in rec.items()},
                "geometry": None if geom is None else _rounded_mapping(geom, precision),
            }
        )
    doc = {"type": "FeatureCollection", "features": feats}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _rounded_mapping(geom, precision: int) -> dict:
    mapping = shapely.geometry.mapping(geom)

    def fix(obj):
        if isinstance(obj, (tuple, list)):
            if obj and isinstance(obj[0], float | int):
                return [round(float(v), precision) for v in obj[:2]]
            return [fix(o) for o in obj]
        return obj

    return {"type": mapping["type"], "coordinates": fix(mapping["coordinates"])}


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
