"""Read an N03 boundary source into plain features.

MLIT publishes the administrative areas (行政区域, N03) per prefecture and year as a
zip holding GeoJSON and Shapefile (and GML); re-distributions also come as plain
GeoJSON or TopoJSON. :func:`read_source` takes any of them, local or over
http(s), and returns the features as property dicts and shapely geometries in
file order, so that the validation can say *which* feature is wrong.

Anything unreadable (missing, truncated, corrupt, of an unknown kind, not
longitude/latitude) raises :class:`~regionmap.geo.errors.BoundaryError` naming
the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import shapely
import shapely.geometry

from regionmap import settings
from regionmap.geo.errors import BoundaryError

#: ``progress(fraction, message)``: fraction in [0, 1] of the whole step.
Progress = Callable[[float, str], None]

#: The N03 copy kept beside the project for tests, CI and offline set-up.
SHARED_BOUNDARIES = settings.PROJECT_ROOT.parent / "shared" / "data" / "boundaries"
_LOCAL_NAMES = ("N03-21_01_210101.geojson", "N03-21_01_210101.topojson")


def local_copy() -> Path | None:
    """The N03 copy in ``../shared/data/boundaries/`` beside the project, if there is one."""
    for name in _LOCAL_NAMES:
        if (SHARED_BOUNDARIES / name).is_file():
            return SHARED_BOUNDARIES / name
    return None


def how_to_fix() -> str:
    """What to tell a user whose source cannot be read or fetched."""
    text = (
        "Set REGIONMAP_BOUNDARY_SOURCE or pass --source with a local N03 file for Hokkaido "
        "(GeoJSON, TopoJSON, Shapefile or MLIT's zip)."
    )
    copy = local_copy()
    if copy is not None:
        text += f" A local copy is at {copy}."
    return text


_JSON_SUFFIXES = {".geojson", ".json", ".topojson"}
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
#: Geographic CRSs that are longitude/latitude on (practically) the WGS84 datum.
_LONLAT_EPSG = {4326, 6668, 4612, 4019, 4167}
_CHUNK = 1 << 16


@dataclass
class RawSource:
    """Features of an N03 source in file order.

    Attributes
    ----------
    location : str
        The path or URL as given.
    label : str
        Where the features came from, for messages (``file.zip!member.geojson``).
    name : str
        File name of the features (the zip member when zipped); holds the vintage.
    kind : str
        ``geojson``, ``topojson`` or ``shapefile``, prefixed ``zip:`` when zipped.
    checksum : str
        ``sha256:<hex>`` of the bytes read (the zip, or the file; .shp + .dbf).
    properties : list of dict
        The properties of each feature.
    geometries : numpy.ndarray
        The shapely geometry of each feature (None when the feature has none), EPSG:4326.
    """

    location: str
    label: str
    name: str
    kind: str
    checksum: str
    properties: list[dict] = field(repr=False)
    geometries: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.properties)


def is_url(source: str | Path) -> bool:
    """True for an http(s) URL."""
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def read_source(
    source: str | Path,
    *,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> RawSource:
    """Read an N03 source: a path or URL of GeoJSON, TopoJSON, Shapefile or a zip of one.

    Parameters
    ----------
    source : str or Path
        Local path, or an ``http://`` / ``https://`` URL (downloaded with a progress report).
    progress : callable, optional
        ``progress(fraction, message)`` called while downloading.
    timeout : float
        Seconds to wait for the server to answer or send more bytes.

    Returns
    -------
    RawSource

    Raises
    ------
    BoundaryError
        The file is missing, cannot be downloaded, is truncated or corrupt, holds no
        boundary data, or is not in longitude/latitude.
    """
    with tempfile.TemporaryDirectory(prefix="regionmap-src-") as tmp:
        if is_url(source):
            path = download(str(source), Path(tmp), progress=progress, timeout=timeout)
            location = str(source)
        else:
            path = Path(source).expanduser()
            location = str(path)
            if path.is_dir():
                raise BoundaryError(
                    "this is a folder, not a file; give the N03 file itself (.geojson, "
                    f".topojson, .shp or MLIT's .zip) inside it. {how_to_fix()}",
                    source=location,
                )
            if not path.is_file():
                raise BoundaryError(f"file not found. {how_to_fix()}", source=location)
        raw = _read_path(path, location=location, label=location, workdir=Path(tmp))
    return raw


# -- download ---------------------------------------------------------------------------------


def download(url: str, dest_dir: Path, *, progress: Progress | None = None, timeout=60.0) -> Path:
    """Download ``url`` into ``dest_dir`` with a streamed progress report; return the file.

    Raises
    ------
    BoundaryError
        When the server cannot be reached, answers with an error, or the transfer is
        cut off; the message says what to do instead.
    """
    import requests

    name = Path(unquote(urlparse(url).path)).name or "n03-download"
    dest = dest_dir / name
    done = total = 0
    try:
        with requests.get(url, stream=True, timeout=(min(timeout, 15.0), timeout)) as resp:
            resp.raise_for_status()
            total = int(resp.headers.get("Content-Length") or 0)
            if progress:
                progress(0.0, f"downloading {name}")
            with open(dest, "wb") as fh:
                for chunk in resp.iter_content(_CHUNK):
                    fh.write(chunk)
                    done += len(chunk)
                    if progress:
                        mb = f"{done / 1e6:.1f}" + (f" / {total / 1e6:.1f}" if total else "")
                        frac = min(done / total, 1.0) if total else 0.0
                        progress(frac, f"downloading {name}: {mb} MB")
    except requests.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else "?"
        raise BoundaryError(
            f"download failed: the server answered HTTP {code}. {how_to_fix()}", source=url
        ) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        promised = f"promised {total:,} bytes but " if total else ""
        raise BoundaryError(
            f"download was cut off: the server {promised}closed the connection early. {how_to_fix()}",
            source=url,
        ) from None
    except requests.RequestException as exc:
        reason = _short_reason(exc)
        raise BoundaryError(
            f"download failed ({reason}); no network or the server is unreachable. {how_to_fix()}",
            source=url,
        ) from None
    if total and done < total:
        raise BoundaryError(
            f"download was cut off after {done:,} of {total:,} bytes. {how_to_fix()}", source=url
        )
    if done == 0:
        raise BoundaryError(f"the server sent an empty file. {how_to_fix()}", source=url)
    return dest


def _short_reason(exc: Exception) -> str:
    text = str(exc)
    for key in ("Connection refused", "Name or service not known", "timed out", "Max retries"):
        if key in text:
            return key.lower()
    return type(exc).__name__


# -- dispatch ---------------------------------------------------------------------------------


def _read_path(path: Path, *, location: str, label: str, workdir: Path) -> RawSource:
    head = _head(path)
    suffix = path.suffix.lower()
    if head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)) or suffix == ".zip":
        return _read_zip(path, location=location, label=label, workdir=workdir)
    if suffix == ".shp":
        return _read_shapefile(path, location=location, label=label, kind="shapefile")
    if suffix in _JSON_SUFFIXES or head.lstrip()[:1] in (b"{", b"\xef"):
        data = path.read_bytes()
        return _read_json_bytes(data, location=location, label=label, name=path.name, kind="")
    raise BoundaryError(
        "not a GeoJSON, TopoJSON, Shapefile (.shp) or zip file. " + how_to_fix(), source=label
    )


def _head(path: Path, n: int = 8) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _sha256(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for chunk in iter(functools.partial(fh.read, 1 << 20), b""):
                h.update(chunk)
    return "sha256:" + h.hexdigest()


# -- zip --------------------------------------------------------------------------------------


def _member_rank(name: str) -> int | None:
    lower = name.lower()
    if "__macosx" in lower or Path(lower).name.startswith("._"):
        return None
    for rank, suffix in enumerate((".geojson", ".topojson", ".json", ".shp")):
        if lower.endswith(suffix):
            return rank
    return None


def _read_zip(path: Path, *, location: str, label: str, workdir: Path) -> RawSource:
    checksum = _sha256(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            ranked = sorted(
                (r, n) for n in names if (r := _member_rank(n)) is not None and not n.endswith("/")
            )
            if not ranked:
                shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
                raise BoundaryError(
                    f"the zip holds no GeoJSON, TopoJSON or Shapefile (it holds: {shown or 'nothing'})",
                    source=label,
                )
            member = ranked[0][1]
            mlabel = f"{label}!{member}"
            if member.lower().endswith(".shp"):
                stem = member[: -len(".shp")]
                wanted = [n for n in names if n.startswith(stem) and n != stem]
                for n in wanted:
                    _extract(zf, n, workdir, mlabel)
                raw = _read_shapefile(
                    workdir / Path(member).name,
                    location=location,
                    label=mlabel,
                    kind="zip:shapefile",
                )
            else:
                data = _read_member(zf, member, mlabel)
                raw = _read_json_bytes(
                    data, location=location, label=mlabel, name=Path(member).name, kind="zip:"
                )
    except zipfile.BadZipFile as exc:
        raise BoundaryError(
            f"not a readable zip archive (truncated or corrupt: {exc})", source=label
        ) from None
    except (EOFError, OSError) as exc:
        raise BoundaryError(f"the zip is truncated or corrupt ({exc})", source=label) from None
    raw.checksum = checksum
    return raw


def _unpack_limit() -> int:
    return settings.get("boundary_max_unpacked_mb") * 1024 * 1024


def _read_member(zf: zipfile.ZipFile, member: str, label: str) -> bytes:
    """The member's bytes, refused past ``boundary_max_unpacked_mb`` (declared or actual size)."""
    limit = _unpack_limit()
    mb = limit // 1024 // 1024

    def too_big(size: int) -> BoundaryError:
        return BoundaryError(
            f"this member unpacks to {size / 1024 / 1024:,.0f} MB or more; the limit is {mb} MB "
            "(REGIONMAP_BOUNDARY_MAX_UNPACKED_MB). N03 for Hokkaido unpacks to well under that: "
            "is this the right file?",
            source=label,
        )

    try:
        declared = zf.getinfo(member).file_size
        if declared > limit:
            raise too_big(declared)
        out = bytearray()
        with zf.open(member) as fh:
            while chunk := fh.read(1 << 20):
                out += chunk
                if len(out) > limit:
                    raise too_big(len(out))
        return bytes(out)
    except BoundaryError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise BoundaryError(
            f"cannot unpack this member of the zip, it is truncated or corrupt ({exc})",
            source=label,
        ) from None
    except Exception as exc:  # zlib.error and the like
        raise BoundaryError(
            f"cannot unpack this member of the zip, it is truncated or corrupt ({exc})",
            source=label,
        ) from None


def _extract(zf: zipfile.ZipFile, member: str, workdir: Path, label: str) -> Path:
    target = workdir / Path(member).name
    target.write_bytes(_read_member(zf, member, label))
    return target


# -- JSON (GeoJSON / TopoJSON) ----------------------------------------------------------------


def _read_json_bytes(data: bytes, *, location: str, label: str, name: str, kind: str) -> RawSource:
    checksum = "sha256:" + hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise BoundaryError("the file is empty", source=label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4:
            raise BoundaryError(
                "the file is truncated: it ends in the middle of a character", source=label
            ) from None
        raise BoundaryError(
            f"not UTF-8 text at byte {exc.start}; a GeoJSON/TopoJSON file must be UTF-8 "
            "(is the file corrupt?)",
            source=label,
        ) from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise BoundaryError(
            "the JSON is nested too deeply to be boundary data (N03 needs about 7 levels); "
            "is the file corrupt or made to break readers?",
            source=label,
        ) from None
    except json.JSONDecodeError as exc:
        at_end = exc.pos >= len(text.rstrip()) - 1
        what = "the file is truncated" if at_end else "the file is corrupt"
        raise BoundaryError(
            f"{what}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})",
            source=label,
        ) from None
    if not isinstance(doc, dict):
        raise BoundaryError("not a GeoJSON or TopoJSON object", source=label)
    kind_of = doc.get("type")
    if kind_of not in ("Topology", "FeatureCollection"):
        raise BoundaryError(
            f"not a GeoJSON FeatureCollection or a TopoJSON Topology (type is {kind_of!r})",
            source=label,
        )
    try:
        if kind_of == "Topology":
            props, geoms = _topojson_features(doc, label)
            kind = kind + "topojson"
        else:
            _check_json_crs(doc, label)
            props, geoms = _geojson_features(doc, label)
            kind = kind + "geojson"
    except RecursionError:
        raise BoundaryError(
            "a geometry is nested too deeply (GeometryCollections inside each other); "
            "N03 holds Polygons and MultiPolygons",
            source=label,
        ) from None
    raw = RawSource(location, label, name, kind, checksum, props, geoms)
    _check_lonlat(raw)
    return raw


def _check_json_crs(doc: dict, label: str) -> None:
    crs = doc.get("crs")
    if not crs:
        return
    name = str((crs.get("properties") or {}).get("name", ""))
    if "CRS84" in name.upper():
        return
    digits = name.rsplit(":", 1)[-1]
    if digits.isdigit() and int(digits) in _LONLAT_EPSG:
        return
    raise BoundaryError(
        f"coordinates are in {name!r}; regionmap reads N03 in longitude/latitude "
        "(JGD2011 EPSG:6668 or WGS84 EPSG:4326)",
        source=label,
        prop="crs",
    )


def _geojson_features(doc: dict, label: str) -> tuple[list[dict], np.ndarray]:
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise BoundaryError("the FeatureCollection has no 'features' list", source=label)
    props: list[dict] = []
    geoms = np.empty(len(feats), dtype=object)
    for i, feat in enumerate(feats):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise BoundaryError("not a GeoJSON Feature", source=label, feature=i)
        p = feat.get("properties")
        props.append(p if isinstance(p, dict) else {})
        g = feat.get("geometry")
        if g is None:
            geoms[i] = None
            continue
        try:
            geoms[i] = shapely.geometry.shape(g)
        except Exception as exc:
            raise BoundaryError(
                f"unreadable geometry ({type(exc).__name__}: {exc})", source=label, feature=i
            ) from None
    return props, geoms


# -- TopoJSON decoder -------------------------------------------------------------------------


def _topojson_features(topo: dict, label: str) -> tuple[list[dict], np.ndarray]:
    """Decode a TopoJSON Topology: arcs (delta-encoded when quantized), transform, objects.

    Every object's geometries are returned in order (N03 TopoJSON has one object).
    """
    arcs = _decode_arcs(topo, label)
    transform = topo.get("transform")
    objects = topo.get("objects")
    if not isinstance(objects, dict) or not objects:
        raise BoundaryError("the TopoJSON has no objects", source=label, prop="objects")
    props: list[dict] = []
    geoms: list = []
    for obj in objects.values():
        items = obj.get("geometries") if obj.get("type") == "GeometryCollection" else [obj]
        for item in items or []:
            i = len(props)
            p = item.get("properties")
            props.append(p if isinstance(p, dict) else {})
            try:
                geoms.append(_topo_geometry(item, arcs, transform))
            except (IndexError, TypeError, ValueError, KeyError) as exc:
                raise BoundaryError(
                    f"unreadable TopoJSON geometry ({type(exc).__name__}: {exc})",
                    source=label,
                    feature=i,
                ) from None
    out = np.empty(len(geoms), dtype=object)
    out[:] = geoms
    return props, out


def _decode_arcs(topo: dict, label: str) -> list[np.ndarray]:
    arcs = topo.get("arcs")
    if not isinstance(arcs, list):
        raise BoundaryError("the TopoJSON has no 'arcs' list", source=label, prop="arcs")
    transform = topo.get("transform")
    if transform:
        scale = np.asarray(transform["scale"], dtype=float)[:2]
        translate = np.asarray(transform["translate"], dtype=float)[:2]
    decoded = []
    for k, arc in enumerate(arcs):
        try:
            a = np.asarray(arc, dtype=float)
            if a.ndim != 2 or a.shape[1] < 2 or len(a) < 2:
                raise ValueError("an arc needs at least two positions")
        except (TypeError, ValueError) as exc:
            raise BoundaryError(
                f"arc {k} is unreadable ({exc})", source=label, prop="arcs"
            ) from None
        a = a[:, :2]
        if transform:
            a = np.cumsum(a, axis=0) * scale + translate
        decoded.append(a)
    return decoded


def _topo_line(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for n, idx in enumerate(indices):
        arc = arcs[idx] if idx >= 0 else arcs[~idx][::-1]
        parts.append(arc if n == 0 else arc[1:])
    return np.concatenate(parts)


def _topo_position(pos, transform) -> tuple[float, float]:
    x, y = float(pos[0]), float(pos[1])
    if transform:
        (sx, sy), (tx, ty) = transform["scale"][:2], transform["translate"][:2]
        return x * sx + tx, y * sy + ty
    return x, y


def _topo_geometry(item: dict, arcs: list[np.ndarray], transform: dict | None):
    kind = item.get("type")
    if kind is None:
        return None
    if kind == "Polygon":
        rings = [_topo_line(r, arcs) for r in item["arcs"]]
        return shapely.Polygon(rings[0], rings[1:]) if rings else shapely.Polygon()
    if kind == "MultiPolygon":
        polys = []
        for poly in item["arcs"]:
            rings = [_topo_line(r, arcs) for r in poly]
            polys.append(shapely.Polygon(rings[0], rings[1:]))
        return shapely.MultiPolygon(polys)
    if kind == "LineString":
        return shapely.LineString(_topo_line(item["arcs"], arcs))
    if kind == "MultiLineString":
        return shapely.MultiLineString([_topo_line(r, arcs) for r in item["arcs"]])
    if kind == "Point":
        return shapely.Point(_topo_position(item["coordinates"], transform))
    if kind == "MultiPoint":
        return shapely.MultiPoint([_topo_position(p, transform) for p in item["coordinates"]])
    if kind == "GeometryCollection":
        return shapely.GeometryCollection(
            [g for g in (_topo_geometry(x, arcs, transform) for x in item["geometries"]) if g]
        )
    raise ValueError(f"unknown geometry type {kind!r}")


# -- Shapefile --------------------------------------------------------------------------------


def _read_shapefile(path: Path, *, location: str, label: str, kind: str) -> RawSource:
    import pyogrio

    missing = [s for s in (".shx", ".dbf") if not _sibling(path, s).is_file()]
    if missing:
        raise BoundaryError(
            f"the Shapefile lacks its {' and '.join(missing)} file(s) beside the .shp",
            source=label,
        )
    checksum = _sha256(path, _sibling(path, ".dbf"))
    try:
        gdf = pyogrio.read_dataframe(path)
        if not _sibling(path, ".cpg").is_file() and _looks_misdecoded(gdf):
            # MLIT's older Shapefiles are Shift_JIS without a .cpg
            gdf = pyogrio.read_dataframe(path, encoding="cp932")
    except Exception as exc:
        raise BoundaryError(
            f"cannot read the Shapefile, it is truncated or corrupt ({exc})", source=label
        ) from None
    if gdf.crs is not None and gdf.crs.to_epsg() not in _LONLAT_EPSG:
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:
            raise BoundaryError(
                f"cannot convert its coordinates ({gdf.crs.name}) to longitude/latitude: {exc}",
                source=label,
            ) from None
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    props = [
        {c: (None if _isnull(v) else v) for c, v in zip(cols, row, strict=True)}
        for row in gdf[cols].itertuples(index=False, name=None)
    ]
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    raw = RawSource(location, label, path.name, kind, checksum, props, geoms)
    _check_lonlat(raw)
    return raw


def _sibling(path: Path, suffix: str) -> Path:
    for cand in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if cand.is_file():
            return cand
    return path.with_suffix(suffix)


def _looks_misdecoded(gdf) -> bool:
    for col in gdf.columns:
        if gdf[col].dtype == object or str(gdf[col].dtype).startswith("str"):
            sample = gdf[col].dropna().astype(str).head(50)
            if any(any("\x80" <= ch <= "\xff" for ch in s) for s in sample):
                return True
    return False


def _isnull(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


# -- sanity -----------------------------------------------------------------------------------


def _check_lonlat(raw: RawSource) -> None:
    """Refuse coordinates that are not longitude/latitude (e.g. a projected Shapefile)."""
    present = [g for g in raw.geometries if g is not None and not g.is_empty]
    if not present:
        return
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(present, dtype=object))
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise BoundaryError(
            f"coordinates are not longitude/latitude (bounds {minx:.0f}, {miny:.0f}, {maxx:.0f}, "
            f"{maxy:.0f}); give N03 in JGD2011/WGS84 longitude/latitude",
            source=raw.label,
        )
