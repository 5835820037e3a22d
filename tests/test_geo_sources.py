"""Every form N03 is published in gives the same layers: GeoJSON, TopoJSON,
Shapefile (UTF-8 or Shift_JIS), MLIT's zip, and a download over http(s)."""

from __future__ import annotations

import copy
import functools
import http.server
import json
import socket
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from regionmap.geo import shapes
from regionmap.geo.build import build, vintage_of
from regionmap.geo.errors import BoundaryError
from regionmap.geo.layers import load_layer, manifest
from regionmap.geo.sources import local_copy, read_source

STEM = "N03-21_01_210101"


def _areas(out: Path, layer: str, key: str) -> dict[str, float]:
    gdf = load_layer(layer, "detail", geo_dir=out)
    return dict(zip(gdf[key], gdf["area_km2"], strict=True))


def _same_layers(out: Path, reference_dir: Path, rel: float) -> None:
    """Same rows, membership and (within ``rel``) areas as the reference build."""
    for layer, key in [("municipalities", "code"), ("wards", "code"), ("bureaus", "bureau_code"),
                       ("regions", "region_code")]:  # fmt: skip
        got = load_layer(layer, "overview", geo_dir=out)
        want = load_layer(layer, "overview", geo_dir=reference_dir)
        cols = [
            c for c in got.columns if c not in ("geometry", "label_lon", "label_lat", "area_km2")
        ]
        assert got[cols].equals(want[cols]), layer
        a, b = _areas(out, layer, key), _areas(reference_dir, layer, key)
        for k in b:
            assert a[k] == pytest.approx(b[k], rel=rel), (layer, k)


# -- TopoJSON ---------------------------------------------------------------------------------


def test_topojson_gives_the_same_layers_as_geojson(n03_topojson, geo_dir, tmp_path):
    out = tmp_path / "geo"
    man = build(n03_topojson, out)
    assert man["source_kind"] == "topojson" and man["vintage"] == "2021-01-01"
    # the TopoJSON is quantized (about 15 m), so areas agree closely, not exactly
    _same_layers(out, geo_dir, rel=0.01)
    got = load_layer("bureaus", "overview", geo_dir=out).to_crs(6680)
    want = load_layer("bureaus", "overview", geo_dir=geo_dir).to_crs(6680)
    moved = shapely.area(shapely.symmetric_difference(got.geometry.values, want.geometry.values))
    assert (moved / want.area.values).max() < 0.01


def test_topojson_decoder_on_a_tiny_topology(tmp_path):
    """Two unit squares sharing an arc; quantized, delta-encoded, one arc reversed."""
    topo = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [141.0, 43.0]},
        "arcs": [
            [[2, 0], [0, 2]],  # shared edge x=1 (142), from y=0 up to y=2 -> 43..44
            [[2, 2], [-2, 0], [0, -2], [2, 0]],  # left square's other sides, back to (2, 0)
            [[2, 0], [2, 0], [0, 2], [-2, 0]],  # right square's other sides, to (2, 2)
        ],
        "objects": {
            "n03": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"N03_007": "a"}},
                    {"type": "Polygon", "arcs": [[2, ~0]], "properties": {"N03_007": "b"}},
                    {"type": "Point", "coordinates": [4, 4], "properties": {}},
                    {"type": None, "properties": {"N03_007": "c"}},
                ],
            }
        },
    }
    path = tmp_path / "tiny.topojson"
    path.write_text(json.dumps(topo), encoding="utf-8")
    raw = read_source(path)
    assert raw.kind == "topojson" and len(raw) == 4
    left, right, point, empty = raw.geometries
    assert left.equals(shapely.box(141, 43, 142, 44))
    assert right.equals(shapely.box(142, 43, 143, 44))
    assert point.equals(shapely.Point(143, 45))
    assert empty is None
    assert shapely.coverage_is_valid(np.array([left, right]))
    assert [p.get("N03_007") for p in raw.properties] == ["a", "b", None, "c"]


def test_topojson_with_a_broken_arc_index_is_refused(tmp_path):
    topo = {"type": "Topology", "arcs": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
            "objects": {"o": {"type": "GeometryCollection", "geometries": [
                {"type": "Polygon", "arcs": [[0]]}, {"type": "Polygon", "arcs": [[7]]}]}}}  # fmt: skip
    path = tmp_path / "broken.topojson"
    path.write_text(json.dumps(topo), encoding="utf-8")
    with pytest.raises(BoundaryError, match=r"broken.topojson, feature #1: unreadable TopoJSON"):
        read_source(path)


# -- Shapefile and zip ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def n03_frame(n03_geojson) -> gpd.GeoDataFrame:
    return gpd.read_file(n03_geojson)


def test_shapefile(n03_frame, geo_dir, tmp_path):
    shp = tmp_path / f"{STEM}.shp"
    n03_frame.to_file(shp)
    out = tmp_path / "geo"
    man = build(shp, out)
    assert man["source_kind"] == "shapefile"
    _same_layers(out, geo_dir, rel=1e-6)


def test_shift_jis_shapefile_without_cpg(n03_frame, geo_dir, tmp_path):
    """MLIT's older Shapefiles are Shift_JIS with no .cpg beside them."""
    shp = tmp_path / f"{STEM}.shp"
    n03_frame.to_file(shp, encoding="cp932")
    for cpg in tmp_path.glob("*.cpg"):
        cpg.unlink()
    assert "北海道".encode("cp932") in shp.with_suffix(".dbf").read_bytes()
    out = tmp_path / "geo"
    build(shp, out)
    _same_layers(out, geo_dir, rel=1e-6)


def test_mlit_zip_with_shapefile_in_a_folder(n03_frame, geo_dir, tmp_path):
    stem = "N03-20240101_01"
    n03_frame.to_file(tmp_path / f"{stem}.shp")
    src = tmp_path / f"{stem}_GML.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{stem}_GML/KS-META-N03-24_01_240101.xml", "<xml/>")
        for p in tmp_path.glob(f"{stem}.*"):
            zf.write(p, f"{stem}_GML/{p.name}")
    out = tmp_path / "geo"
    man = build(src, out)
    assert man["source_kind"] == "zip:shapefile"
    assert man["source_file"].endswith(f".zip!{stem}_GML/{stem}.shp")
    assert man["vintage"] == "2024-01-01"
    _same_layers(out, geo_dir, rel=1e-6)


def test_zip_with_geojson_prefers_it(n03_geojson, n03_frame, geo_dir, tmp_path):
    n03_frame.to_file(tmp_path / f"{STEM}.shp")
    src = tmp_path / "both.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in tmp_path.glob(f"{STEM}.*"):
            zf.write(p, p.name)
        zf.write(n03_geojson, f"{STEM}.geojson")
    out = tmp_path / "geo"
    man = build(src, out)
    assert man["source_kind"] == "zip:geojson"
    _same_layers(out, geo_dir, rel=1e-9)


# -- real MLIT features: parts, the newer layout, 所属未定地 ------------------------------------


def test_newer_layout_with_parts_and_undetermined_area(n03_geojson, geo_dir, tmp_path):
    """One feature per island part, wards in N03_005, and a 所属未定地 without a code."""
    doc = json.loads(n03_geojson.read_text(encoding="utf-8"))
    feats = []
    for f in doc["features"]:
        p = dict(f["properties"])
        if p["N03_003"] == "札幌市":
            p.update(N03_003=None, N03_004="札幌市", N03_005=p["N03_004"])
        else:
            p["N03_005"] = None
        for part in shapely.get_parts(shapely.geometry.shape(f["geometry"])):
            feats.append({"type": "Feature", "properties": p,
                          "geometry": shapely.geometry.mapping(part)})  # fmt: skip
    undetermined = {"N03_001": "北海道", "N03_002": None, "N03_003": None,
                    "N03_004": "所属未定地", "N03_005": None, "N03_007": None}  # fmt: skip
    feats.insert(7, {"type": "Feature", "properties": undetermined,
                     "geometry": shapely.geometry.mapping(shapely.box(139.5, 45.5, 139.6, 45.6))})  # fmt: skip
    assert len(feats) > len(doc["features"]) + 10
    src = tmp_path / "N03-20240101_01.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                              ensure_ascii=False), encoding="utf-8")  # fmt: skip
    out = tmp_path / "geo"
    man = build(src, out)
    notes = " ".join(man["notes"])
    assert "所属未定地" in notes and "#7" in notes
    assert "N03_005" in notes and "dissolved" in notes
    assert man["counts"]["municipalities"] == 185 and man["counts"]["source_features"] == len(feats)
    _same_layers(out, geo_dir, rel=1e-6)
    wards = load_layer("wards", geo_dir=out)
    assert wards["name_ja"].tolist()[:3] == ["中央区", "北区", "東区"]


def test_vintage_from_file_names():
    assert vintage_of("N03-21_01_210101.geojson") == "2021-01-01"
    assert vintage_of("N03-20240101_01.shp") == "2024-01-01"
    assert vintage_of("boundaries.geojson") is None


# -- download ---------------------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        if self.path == "/cut.geojson":  # promises more than it sends
            body = (Path(self.directory) / f"{STEM}.geojson").read_bytes()[:5000]
            self.send_response(200)
            self.send_header("Content-Length", "900000")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture(scope="module")
def server(n03_geojson, tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    (root / f"{STEM}.geojson").write_bytes(n03_geojson.read_bytes())
    with zipfile.ZipFile(root / "N03-20210101_01_GML.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(n03_geojson, f"{STEM}.geojson")
    handler = functools.partial(_Handler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_proxy_for_localhost(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.mark.parametrize("name", [f"{STEM}.geojson", "N03-20210101_01_GML.zip"])
def test_download(server, name, geo_dir, tmp_path):
    seen: list[tuple[float, str]] = []
    out = tmp_path / "geo"
    man = build(f"{server}/{name}", out, progress=lambda f, m: seen.append((f, m)))
    assert man["source"] == f"{server}/{name}"
    assert man["vintage"] == "2021-01-01"
    _same_layers(out, geo_dir, rel=1e-9)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert any(m.startswith(f"downloading {name}") and "MB" in m for _, m in seen)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_failures_say_what_to_do(server, tmp_path):
    cases = [
        (f"{server}/missing.zip", "HTTP 404"),
        (f"{server}/cut.geojson", "cut off: the server promised 900,000 bytes"),
        (f"http://127.0.0.1:{_closed_port()}/N03.zip", "download failed"),
    ]
    for url, reason in cases:
        with pytest.raises(BoundaryError) as info:
            build(url, tmp_path / "geo")
        text = str(info.value)
        assert text.startswith(url) and reason in text, text
        assert "REGIONMAP_BOUNDARY_SOURCE" in text and "--source" in text
        if local_copy() is not None:
            assert f"A local copy is at {local_copy()}" in text
        assert not (tmp_path / "geo" / "manifest.json").exists()


def test_default_download_falls_back_to_the_local_copy(monkeypatch, tmp_path, capsys):
    local = local_copy()
    if local is None:
        pytest.skip("no ../shared/data/boundaries beside the project")
    url = f"http://127.0.0.1:{_closed_port()}/N03-20240101_01_GML.zip"
    monkeypatch.setenv("REGIONMAP_BOUNDARY_SOURCE", url)
    man = build(None, tmp_path / "geo")
    assert man["source"] == str(local)
    assert any("built from the local copy" in n and url in n for n in man["notes"])
    assert "notice: download failed (connection refused)" in capsys.readouterr().err
    # the app passes the setting's value: the same default, the same fallback
    assert build(url, tmp_path / "app")["source"] == str(local)
    # any other source is never swapped for another file
    other = f"http://127.0.0.1:{_closed_port()}/elsewhere.geojson"
    with pytest.raises(BoundaryError, match="download failed"):
        build(other, tmp_path / "other")
    assert manifest(tmp_path / "geo")["counts"]["bureaus"] == 14


def test_source_kinds_are_sniffed_not_guessed_from_the_name(n03_geojson, tmp_path):
    odd = tmp_path / "boundaries.dat"
    odd.write_bytes(n03_geojson.read_bytes())
    assert read_source(odd).kind == "geojson"
    zipped = tmp_path / "download"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.write(n03_geojson, f"{STEM}.geojson")
    assert read_source(zipped).kind == "zip:geojson"
    junk = tmp_path / "notes.txt"
    junk.write_text("hello", encoding="utf-8")
    with pytest.raises(BoundaryError, match="notes.txt: not a GeoJSON, TopoJSON, Shapefile"):
        read_source(junk)
    not_lonlat = copy.deepcopy(json.loads(n03_geojson.read_text(encoding="utf-8")))
    not_lonlat["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6680"}}
    path = tmp_path / "projected.geojson"
    path.write_text(json.dumps(not_lonlat), encoding="utf-8")
    with pytest.raises(BoundaryError, match="projected.geojson, property crs"):
        read_source(path)


def test_neighbours_that_do_not_match_vertex_for_vertex_are_cleaned(n03_geojson, geo_dir, tmp_path):
    """Full-resolution files are not always an exact coverage; the build cleans them first."""
    doc = json.loads(n03_geojson.read_text(encoding="utf-8"))
    geoms = []
    for f in doc["features"]:
        # extra vertices interpolated along each border: neighbours get slightly different ones
        g = shapely.segmentize(shapely.geometry.shape(f["geometry"]), 0.004)
        f["geometry"] = shapely.geometry.mapping(g)
        geoms.append(g)
    assert not shapely.coverage_is_valid(np.array(geoms, dtype=object))
    src = tmp_path / "dense.geojson"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "geo"
    man = build(src, out)
    assert any("cleaned into a coverage" in n for n in man["notes"])
    _same_layers(out, geo_dir, rel=1e-3)
    total = sum(_areas(out, "bureaus", "bureau_code").values()) * 1e6
    for level in ("overview", "detail"):
        bureaus = load_layer("bureaus", level, geo_dir=out)
        gap, overlap = shapes.gap_overlap(shapes.to_metric(bureaus.geometry.values))
        assert (gap + overlap) / total < 1e-4
