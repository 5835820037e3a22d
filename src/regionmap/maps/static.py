"""Boundary layers published once as static GeoJSON files the browser fetches (and the GSI basemap style).

pydeck serialises a deck, data included, as indented JSON (about six times the compact
GeoJSON) and Streamlit resends it on every rerun. So boundary layers are written once as
compact GeoJSON files (only the properties the map needs, coordinates rounded) into
Streamlit's static folder (``settings.get("static_dir")/layers/<layer>-<level>-<hash>.json``,
served at ``app/static/layers/...``). A layer gets the file's URL as ``data``: the browser
fetches it once. Every feature carries an index ``i`` (its row) and a key ``k`` (``b01``
bureau, ``r1`` region, ``m01100`` municipality); figures never go into the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from regionmap import reference, settings
from regionmap.geo.layers import load_layer, manifest, to_geojson_bytes
from regionmap.once import made_once

#: URL prefix under which Streamlit serves ``<app folder>/static`` (relative to the page).
STATIC_URL = "app/static"
#: Hokkaido with the Northern Territories, (min lon, min lat, max lon, max lat).
HOKKAIDO_BOUNDS = (139.33, 41.35, 148.90, 45.56)
GSI_TILES = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
GSI_ATTRIBUTION = "出典：国土地理院"

#: Properties written to each layer's file (besides ``i`` and ``k``), and the key prefix.
_FILE_PROPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # layer: (key prefix, code column, other columns)
    "bureaus": ("b", "bureau_code", ("bureau_id", "name_ja", "name_en", "region_code")),
    "regions": ("r", "region_code", ("region_id", "name_ja", "name_en")),
    # municipalities, wards: name_en (from the readings) for the English tooltip, which names
    # the towns a bureau page's map leaves unnamed (regionmap.maps.labels)
    "municipalities": ("m", "code", ("name_ja", "name_en", "bureau_code", "region_code")),
    "wards": ("w", "code", ("name_ja", "name_en", "bureau_code", "region_code")),
    # wide-area groupings (publish_groups): code = the grouping's name
    "groups": ("g", "code", ("name_ja", "kind", "members")),
}
#: Decimal places of coordinates per level (3 is about 100 m, 4 about 10 m).
_PRECISION = {"overview": 3, "detail": 4}


def clear_caches() -> None:
    """Forget every layer, grouping file and land made in this process (the next call
    makes them again; a file whose content is unchanged is not written again)."""
    for made in (_publish_cached, _publish_groups_cached, _land):
        made.clear()


# --- static layer files ----------------------------------------------------------


@dataclass(frozen=True)
class PublishedLayer:
    """A boundary layer written as a static file, with what the map needs to know of it.

    Attributes
    ----------
    name, level : str
        Layer name and level, as for :func:`regionmap.geo.load_layer`.
    url : str
        URL of the file relative to the page (``app/static/layers/...``).
    path : Path
        The file on disk.
    nbytes : int
        Size of the file (bytes the browser fetches once).
    codes : tuple of str
        Area code of feature ``i`` (``codes[i]``).
    names_ja, names_en : tuple of str
        Name of feature ``i``.
    label_points : tuple of (float, float)
        Label point (lon, lat) of feature ``i``, inside its polygon.
    bounds : tuple of (float, float, float, float)
        Bounds of feature ``i``.
    groups : tuple of str
        Bureau code of feature ``i`` (municipalities), region code (bureaus), ``""`` (regions).
    """

    name: str
    level: str
    url: str
    path: Path
    nbytes: int
    codes: tuple[str, ...]
    names_ja: tuple[str, ...]
    names_en: tuple[str, ...]
    label_points: tuple[tuple[float, float], ...]
    bounds: tuple[tuple[float, float, float, float], ...]
    groups: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return _FILE_PROPS[self.name][0]

    def index_of(self, code: str) -> int:
        return self.codes.index(code)

    def key_of(self, code: str) -> str:
        return self.prefix + code

    def bounds_of(self, codes: Iterable[str]) -> tuple[float, float, float, float]:
        """Bounds of the features with these codes together."""
        boxes = [self.bounds[self.index_of(c)] for c in codes]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )


def layer_file_bytes(
    name: str,
    level: str = "overview",
    geo_dir: Path | None = None,
    where: tuple[str, tuple[str, ...]] | None = None,
):
    """The compact GeoJSON of a layer and its feature table (no file written).

    ``where`` = (column, values) keeps only the features whose column is one of
    the values (e.g. the municipalities of one bureau).

    Returns
    -------
    data : bytes
    table : DataFrame
        One row per feature in file order: ``i``, ``k``, ``code``, names,
        label point, bounds, group.
    """

    prefix, code_col, others = _FILE_PROPS[name]
    gdf = load_layer(name, level=level, geo_dir=geo_dir)
    if where is not None:
        column, values = where
        gdf = gdf[gdf[column].astype(str).isin(set(values))]
    gdf = gdf.reset_index(drop=True).copy()
    gdf["i"] = range(len(gdf))
    gdf["k"] = prefix + gdf[code_col].astype(str)
    gdf["code"] = gdf[code_col].astype(str)
    if "name_en" not in gdf.columns:  # municipalities, wards: English names from the readings
        gdf["name_en"] = (
            gdf[code_col].astype(str).map(reference.english_names()).fillna(gdf["name_ja"])
        )
    props = ["i", "k", "code", *[c for c in others if c != "code" and c in gdf.columns]]
    data = to_geojson_bytes(gdf, props, _PRECISION.get(level, 4))
    bounds = gdf.geometry.bounds
    table = gdf.drop(columns="geometry").assign(
        minx=bounds["minx"], miny=bounds["miny"], maxx=bounds["maxx"], maxy=bounds["maxy"]
    )
    return data, table


def publish_layer(
    name: str,
    level: str = "overview",
    *,
    static_dir: Path | None = None,
    geo_dir: Path | None = None,
    where: tuple[str, Sequence[str]] | None = None,
) -> PublishedLayer:
    """Write a boundary layer as a compact static file once and describe it.

    ``where`` = (column, values) publishes a subset as its own file, e.g.
    ``("bureau_code", ["01"])`` for the municipalities of 空知 (the bureau page
    fetches only those; picking a small layer is also quicker in the browser).

    The file name carries a hash of its content, so a rebuilt layer gets a new
    URL (no stale browser cache) and an unchanged one keeps its URL (the browser
    fetches it once). Cached per (layer, level, folders, build) for the server's
    life; never recomputed on a rerun.
    """

    static, geo, build_id = _folders(static_dir, geo_dir)
    subset = (where[0], tuple(sorted(map(str, where[1])))) if where else None
    # load_layer reads this setting: it is part of the key
    hide_nt = bool(settings.get("hide_northern_territories"))
    return _publish_cached(name, level, str(static), str(geo), build_id, subset, hide_nt)


def _folders(static_dir: Path | None, geo_dir: Path | None) -> tuple[Path, Path, str]:
    """The static and boundary folders (the settings' unless given) and the boundary build's
    id (checksum and time of its manifest), the cache key of what is published from it."""
    static = Path(static_dir) if static_dir else Path(settings.get("static_dir"))
    geo = Path(geo_dir) if geo_dir else Path(settings.get("geo_dir"))
    try:
        build_id = str(manifest(geo).get("checksum", "")) + str(manifest(geo).get("built_at", ""))
    except Exception:  # noqa: BLE001 - a missing manifest only weakens the cache key
        build_id = ""
    return static, geo, build_id


@made_once(max_entries=96)
def _publish_cached(
    name: str,
    level: str,
    static_dir: str,
    geo_dir: str,
    build_id: str,
    where: tuple[str, tuple[str, ...]] | None = None,
    hide_northern_territories: bool = False,
) -> PublishedLayer:
    # hide_northern_territories: only a cache key (load_layer reads the setting itself)
    data, table = layer_file_bytes(name, level, Path(geo_dir), where)
    digest = hashlib.sha256(data).hexdigest()[:12]
    tag = f"{where[0].split('_')[0]}{'+'.join(where[1])}-" if where else ""
    filename = f"{name}-{level}-{tag}{digest}.json"
    path = _write_once(Path(static_dir) / "layers" / filename, data)
    _, code_col, _ = _FILE_PROPS[name]
    group_col = {"bureaus": "region_code", "municipalities": "bureau_code", "wards": "bureau_code"}
    groups = tuple(table[group_col[name]].astype(str)) if name in group_col else ("",) * len(table)
    return _described(name, level, filename, path, len(data), table, groups)


# --- wide-area groupings: their members' municipalities dissolved ------------------------

#: A grouping as :func:`publish_groups` takes it: (name, kind, member municipality codes).
Group = tuple[str, str, tuple[str, ...]]


def publish_groups(
    groups: Sequence[Group],
    *,
    static_dir: Path | None = None,
    geo_dir: Path | None = None,
) -> PublishedLayer:
    """Write the wide-area groupings as one static file of dissolved areas and describe it.

    Each grouping is the union of its member municipalities' polygons (the built
    ``municipalities`` layer), one feature per grouping with its name (``name_ja``), kind
    and member count; its label point is a point inside the union. The file is keyed by a
    hash of the group table (and the boundary build), so importing other groupings gives a
    new file and the same ones keep theirs; cached for the server's life like
    :func:`publish_layer`, never recomputed on a rerun.
    """
    static, geo, build_id = _folders(static_dir, geo_dir)
    table = tuple(sorted((str(n), str(k), tuple(sorted(map(str, m)))) for n, k, m in groups))
    return _publish_groups_cached(table, str(static), str(geo), build_id)


def groups_file_bytes(groups: Sequence[Group], geo_dir: Path | None = None):
    """The compact GeoJSON of the dissolved groupings and their feature table (no file)."""
    import geopandas as gpd
    import shapely

    munis = load_layer("municipalities", level="overview", geo_dir=geo_dir)
    geom_of = dict(zip(munis["code"].astype(str), munis.geometry, strict=True))
    rows = []
    for name, kind, members in groups:
        parts = [geom_of[c] for c in members if c in geom_of]
        if not parts:
            continue  # no member drawn (e.g. hidden Northern Territories): nothing to draw
        union = shapely.union_all(parts)
        point = union.representative_point()
        rows.append(
            {
                "code": name,
                "name_ja": name,
                "name_en": name,
                "kind": kind,
                "members": len(parts),
                "label_lon": point.x,
                "label_lat": point.y,
                "geometry": union,
            }
        )
    gdf = gpd.GeoDataFrame(
        rows or None,
        columns=[
            "code",
            "name_ja",
            "name_en",
            "kind",
            "members",
            "label_lon",
            "label_lat",
            "geometry",
        ],
        geometry="geometry",
        crs=munis.crs,
    )
    gdf["i"] = range(len(gdf))
    gdf["k"] = "g" + gdf["code"].astype(str)
    data = to_geojson_bytes(gdf, ["i", "k", "code", "name_ja", "kind", "members"], 3)
    bounds = gdf.geometry.bounds
    out = gdf.drop(columns="geometry").assign(
        minx=bounds["minx"], miny=bounds["miny"], maxx=bounds["maxx"], maxy=bounds["maxy"]
    )
    return data, out


@made_once(max_entries=16)
def _publish_groups_cached(
    groups: tuple[Group, ...], static_dir: str, geo_dir: str, build_id: str
) -> PublishedLayer:
    # build_id: only a cache key (a rebuilt boundary layer gives new unions)
    key = json.dumps([groups, build_id], ensure_ascii=False).encode("utf-8")
    digest = hashlib.sha256(key).hexdigest()[:12]
    data, table = groups_file_bytes(groups, Path(geo_dir))
    filename = f"groups-{digest}.json"
    path = _write_once(Path(static_dir) / "layers" / filename, data)
    return _described(
        "groups", "overview", filename, path, len(data), table, tuple(table["kind"].astype(str))
    )


def publish_gsi_style(static_dir: Path | None = None) -> str:
    """Write the MapLibre style of the GSI pale tiles into the static folder; its URL."""
    static = Path(static_dir) if static_dir else Path(settings.get("static_dir"))
    style = {
        "version": 8,
        "sources": {
            "gsi": {
                "type": "raster",
                "tiles": [GSI_TILES],
                "tileSize": 256,
                "minzoom": 2,
                "maxzoom": 18,
                "attribution": GSI_ATTRIBUTION,
            }
        },
        "layers": [{"id": "gsi-pale", "type": "raster", "source": "gsi"}],
    }
    data = json.dumps(style, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path = static / "layers" / "gsi-pale-style.json"
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return f"{STATIC_URL}/layers/gsi-pale-style.json"


def _described(
    name: str,
    level: str,
    filename: str,
    path: Path,
    nbytes: int,
    table: pd.DataFrame,
    groups: tuple[str, ...],
) -> PublishedLayer:
    """The :class:`PublishedLayer` of a file written from ``table`` (one row per feature:
    code, names, label point, bounds)."""
    return PublishedLayer(
        name=name,
        level=level,
        url=f"{STATIC_URL}/layers/{filename}",
        path=path,
        nbytes=nbytes,
        codes=tuple(table["code"].astype(str)),
        names_ja=tuple(table["name_ja"].astype(str)),
        names_en=tuple(table["name_en"].astype(str)),
        label_points=tuple(
            (round(float(x), 4), round(float(y), 4))
            for x, y in zip(table["label_lon"], table["label_lat"], strict=True)
        ),
        bounds=tuple(
            tuple(round(float(v), 4) for v in row)
            for row in table[["minx", "miny", "maxx", "maxy"]].itertuples(index=False)
        ),
        groups=groups,
    )


def layer_frame(layer: PublishedLayer):
    """The features of a published layer with their shapes (lon/lat), in its file's order:
    the boundary layer's columns and ``code`` (the feature's code), for the names' placement
    (:mod:`regionmap.maps.labels`)."""
    code_col = _FILE_PROPS[layer.name][1]
    gdf = load_layer(layer.name, level=layer.level)
    gdf = gdf.assign(code=gdf[code_col].astype(str))
    return gdf.set_index("code", drop=False).loc[list(layer.codes)].reset_index(drop=True)


def land(level: str = "overview"):
    """Hokkaido's land (the bureaus together, lon/lat): what is not sea on a map."""
    _, geo, build_id = _folders(None, None)
    return _land(level, str(geo), build_id, bool(settings.get("hide_northern_territories")))


@made_once(max_entries=8)
def _land(level: str, geo_dir: str, build_id: str, hide_northern_territories: bool):
    # build_id, hide_northern_territories: only cache keys (load_layer reads the setting)
    import shapely

    return shapely.union_all(
        load_layer("bureaus", level=level, geo_dir=Path(geo_dir)).geometry.values
    )


def publish_preview(data: bytes, *, static_dir: Path | None = None) -> str:
    """Write a map's preview image (PNG) once as a static file named by a hash of its
    content, like the layers (``previews/<hash>.png``: one year in the browser's cache);
    returns its URL relative to the page."""
    static = Path(static_dir) if static_dir else Path(settings.get("static_dir"))
    filename = f"{hashlib.sha256(data).hexdigest()[:16]}.png"
    _write_once(static / "previews" / filename, data)
    return f"{STATIC_URL}/previews/{filename}"


def _write_once(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` unless it is there already (the name holds a hash of the
    content); atomically, so a browser never reads half a file."""
    if not path.is_file() or path.stat().st_size != len(data):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return path
