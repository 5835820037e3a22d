"""Hokkaido's boundary layers, built from MLIT N03 administrative areas.

Build with ``python -m regionmap geo build`` (:func:`regionmap.geo.build.build`);
read with :func:`load_layer`.

Files (in the ``geo_dir`` setting, default ``geo/``; git-ignored)
-----------------------------------------------------------------
``municipalities.parquet``, ``wards.parquet``, ``bureaus.parquet``, ``regions.parquet``
    One GeoParquet per layer, EPSG:4326, holding both display levels: column
    ``geometry`` is the *detail* level (coverage-simplified at 100 m, 5 decimals)
    and ``geometry_overview`` the *overview* level (800 m, 4 decimals). Bureaus
    and regions also hold ``geometry_without_nt``, ``geometry_overview_without_nt``,
    ``label_lon_without_nt``, ``label_lat_without_nt`` and ``area_km2_without_nt``:
    the same without the six Northern Territories villages, computed at build time
    for the ``hide_northern_territories`` setting.
``manifest.json``
    source, source_file, vintage, checksum (sha256 of the source), counts,
    built_at, build_seconds, levels (tolerance, decimals, vertices), notes.

Layers (:func:`load_layer` columns; every geometry a MultiPolygon)
------------------------------------------------------------------
municipalities (185 rows: 179 with Sapporo as one, plus the 6 Northern Territories villages)
    code, code6, name_ja, district_ja, bureau_code, region_code,
    is_northern_territory, label_lon, label_lat, area_km2, geometry
wards (Sapporo's 10)
    code, code6, name_ja, parent_code, bureau_code, region_code, label_lon,
    label_lat, area_km2, geometry
bureaus (14)
    bureau_code, bureau_id, name_ja, short_ja, name_en, region_code, label_lon,
    label_lat, area_km2, geometry
regions (6)
    region_code, region_id, name_ja, name_en, label_lon, label_lat, area_km2, geometry

Each level is one coverage simplification of the municipal units, and Sapporo,
the bureaus and the regions are dissolved from it, so borders coincide across
layers and neighbours neither overlap nor leave gaps. ``area_km2`` is measured
on the source geometry in an equal-area projection; the label point is the pole
of inaccessibility of the largest part, inside the polygon at both levels.
Nemuro's Habomai islands belong to 根室市 in N03 and stay with it when the
Northern Territories villages are hidden.
"""

from regionmap.geo.errors import BoundaryError
from regionmap.geo.layers import (
    COLUMNS,
    LAYERS,
    LEVELS,
    layers_available,
    load_layer,
    manifest,
    to_geojson_bytes,
)

__all__ = [
    "COLUMNS",
    "LAYERS",
    "LEVELS",
    "BoundaryError",
    "layers_available",
    "load_layer",
    "manifest",
    "to_geojson_bytes",
]
