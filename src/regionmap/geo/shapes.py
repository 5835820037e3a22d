"""Geometry helpers of the boundary build: projection, coverage simplification, labels.

Lengths and areas are measured in a Lambert azimuthal equal-area projection
centred on Hokkaido (:data:`AREA_CRS`), so ``area_km2`` is true area and the
simplification tolerance is in metres. Simplification is
:func:`shapely.coverage_simplify` on the whole coverage at once, which keeps
shared borders shared (no gaps or overlaps between neighbours) and keeps every
island as a part (at worst reduced to a triangle).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely

#: Equal-area CRS for areas and tolerances (metres), centred on Hokkaido.
AREA_CRS = "+proj=laea +lat_0=43.5 +lon_0=142.5 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"


@cache
def _transformers():
    import pyproj

    fwd = pyproj.Transformer.from_crs("EPSG:4326", AREA_CRS, always_xy=True)
    inv = pyproj.Transformer.from_crs(AREA_CRS, "EPSG:4326", always_xy=True)
    return fwd, inv


def _apply(geoms, transformer):
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), fn)


def to_metric(geoms) -> np.ndarray:
    """Longitude/latitude -> metres in :data:`AREA_CRS`."""
    return _apply(geoms, _transformers()[0])


def to_lonlat(geoms) -> np.ndarray:
    """Metres in :data:`AREA_CRS` -> longitude/latitude."""
    return _apply(geoms, _transformers()[1])


def simplify(geoms_m: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Coverage-simplify a coverage (metres); ``tolerance_m`` 0 returns it unchanged."""
    if tolerance_m <= 0:
        return np.asarray(geoms_m, dtype=object)
    return shapely.coverage_simplify(np.asarray(geoms_m, dtype=object), tolerance_m)


def dissolve(geoms_m: np.ndarray, keys: np.ndarray, order: list) -> np.ndarray:
    """Union the coverage ``geoms_m`` per key, in ``order`` (coverage union: exact, fast)."""
    keys = np.asarray(keys)
    out = np.empty(len(order), dtype=object)
    for k, key in enumerate(order):
        parts = np.asarray(geoms_m, dtype=object)[keys == key]
        out[k] = _as_multi(shapely.coverage_union_all(parts))
    return out


def round_coords(geoms, decimals: int) -> np.ndarray:
    """Round coordinates to ``decimals`` places; polygons that break are repaired.

    Shared vertices round to the same value on both sides, so shared borders stay
    shared.
    """
    rounded = shapely.transform(np.asarray(geoms, dtype=object), lambda c: np.round(c, decimals))
    bad = ~shapely.is_valid(rounded)
    if bad.any():
        rounded[bad] = [_as_multi(polygons(shapely.make_valid(g))) for g in rounded[bad]]
    return np.array([_as_multi(g) for g in rounded], dtype=object)


def polygons(geom):
    """The polygonal parts of ``geom`` as a MultiPolygon (``geom`` itself if it has none)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if geom.geom_type == "GeometryCollection":
        parts = [q for p in shapely.get_parts(geom) for q in shapely.get_parts(p)]
        parts = [p for p in parts if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if parts else geom


def _as_multi(geom):
    """Polygon -> MultiPolygon of one part; so every row has the same geometry type."""
    if geom is not None and geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    return geom


def largest_part(geom):
    """The part of a (Multi)Polygon with the largest area."""
    parts = shapely.get_parts(geom)
    return parts[int(np.argmax(shapely.area(parts)))]


def label_points(detail_m: np.ndarray, overview_m: np.ndarray) -> np.ndarray:
    """A label point per row, inside the largest part at both levels (metres).

    The pole of inaccessibility (centre of the maximum inscribed circle) of the
    largest part of the area common to both levels: far from every edge, so it
    stays inside after rounding too.
    """
    out = np.empty(len(detail_m), dtype=object)
    for k, (d, o) in enumerate(zip(detail_m, overview_m, strict=True)):
        both = shapely.intersection(d, o)
        if both.is_empty:
            both = o
        part = largest_part(polygons(both) if both.geom_type == "GeometryCollection" else both)
        tol = max(np.sqrt(part.area) / 500.0, 1.0)
        centre = shapely.get_point(shapely.maximum_inscribed_circle(part, tol), 0)
        out[k] = centre if part.contains(centre) else part.point_on_surface()
    return out


def gap_overlap(geoms_m: np.ndarray, outline_m=None) -> tuple[float, float]:
    """Gap and overlap area (m²) between the polygons of a coverage.

    Overlap: the area shared by two polygons, summed over neighbouring pairs.
    Gap: area of the holes in the union that are not holes of ``outline_m`` (the
    union before simplification), i.e. slivers between neighbours.
    """
    geoms_m = np.asarray(geoms_m, dtype=object)
    tree = shapely.STRtree(geoms_m)
    left, right = tree.query(geoms_m, predicate="intersects")
    pairs = left < right
    overlap = float(
        shapely.area(shapely.intersection(geoms_m[left[pairs]], geoms_m[right[pairs]])).sum()
    )
    union = shapely.union_all(geoms_m)
    holes = _holes(union)
    if outline_m is not None:
        holes = shapely.difference(holes, _holes(outline_m))
    return float(shapely.area(holes)), overlap


def _holes(geom):
    rings = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings.extend(shapely.Polygon(r) for r in part.interiors)
    return shapely.union_all(rings) if rings else shapely.Polygon()
