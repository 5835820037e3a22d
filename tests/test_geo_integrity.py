"""Issue #10: a boundary build never accepts garbage. Each case a source the test makes;
each ends in a message naming the file (and what is wrong), and the previous layers stay."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import shapely
import shapely.affinity

from regionmap.geo import BoundaryError, load_layer, manifest
from regionmap.geo.build import KNOWN_AREA_KM2, build, check_area


@pytest.fixture(scope="module")
def n03_doc(n03_geojson: Path) -> dict:
    return json.loads(n03_geojson.read_text(encoding="utf-8"))


@pytest.fixture
def previous(geo_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "geo"
    shutil.copytree(geo_dir, out)
    return out


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _refused(source, previous: Path, *expected: str, **kw) -> str:
    before = _snapshot(previous)
    with pytest.raises(BoundaryError) as info:
        build(source, previous, **kw)
    text = str(info.value)
    for part in expected:
        assert part in text, f"{part!r} not in {text!r}"
    assert _snapshot(previous) == before
    assert not list(previous.glob(".build-*"))
    return text


def _self_intersecting(doc: dict) -> dict:
    """Every ring runs round its polygon and then round a half-size copy inside it: each
    polygon crosses itself, and a repair keeps only the ring between the two."""
    doc = copy.deepcopy(doc)
    for f in doc["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for p in polys:
            ring = p[0]
            poly = shapely.Polygon(ring)
            inner = shapely.affinity.scale(poly, 0.5, 0.5, origin=poly.centroid)
            p[0] = ring[:-1] + [list(c) for c in inner.exterior.coords] + [ring[0]]
    return doc


def test_a_self_intersecting_source_is_refused_by_its_area(n03_doc, tmp_path, previous):
    src = tmp_path / "crossed.geojson"
    src.write_text(json.dumps(_self_intersecting(n03_doc)), encoding="utf-8")
    text = _refused(
        src,
        previous,
        "crossed.geojson: the layers would cover",
        "less than Hokkaido's known area (83,424 km²); the limit is 3% "
        "(REGIONMAP_BOUNDARY_AREA_TOLERANCE_PCT)",
        "194 invalid polygon(s) repaired",
        "build with --force",
    )
    percent = float(text.split("km², ")[1].split("%")[0])
    assert 20 < percent < 30, text  # a quarter of Hokkaido lost in the repair
    assert manifest(previous)["total_area_km2"] == pytest.approx(83_408, rel=0.001)


def test_force_builds_a_changed_area_and_says_so(n03_doc, tmp_path):
    src = tmp_path / "crossed.geojson"
    src.write_text(json.dumps(_self_intersecting(n03_doc)), encoding="utf-8")
    out = tmp_path / "forced"
    man = build(src, out, force=True)
    assert man["total_area_km2"] < 0.8 * KNOWN_AREA_KM2
    assert any("built with --force" in n for n in man["notes"])
    assert len(load_layer("bureaus", geo_dir=out)) == 14


def test_the_previous_build_is_a_yardstick_too():
    with pytest.raises(BoundaryError, match=r"8\.4% less than the previous build \(91,000 km²\)"):
        check_area(83_400, 91_000, [], "x.geojson")
    check_area(83_400, 83_410, [], "x.geojson")  # within 3 %: fine


def test_a_deeply_nested_geojson_is_refused_not_a_recursion_error(tmp_path, previous):
    depth = 100_000
    body = '{"type": "FeatureCollection", "features": ' + "[" * depth + "]" * depth + "}"
    src = tmp_path / "deep.geojson"
    src.write_text(body, encoding="utf-8")
    _refused(src, previous, "deep.geojson: the JSON is nested too deeply")


def test_nested_geometry_collections_are_refused(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    marker = {"nested": "here"}
    geom = json.dumps(doc["features"][0]["geometry"])
    for _ in range(950):  # deep enough for a reader that recurses, not for json itself
        geom = '{"type": "GeometryCollection", "geometries": [' + geom + "]}"
    doc["features"][0]["geometry"] = marker
    body = json.dumps(doc, ensure_ascii=False).replace(json.dumps(marker), geom)
    src = tmp_path / "gc.geojson"
    src.write_text(body, encoding="utf-8")
    _refused(src, previous, "gc.geojson: ", "nested too deeply")


def test_a_zip_bomb_is_refused_while_unpacking(tmp_path, previous, monkeypatch):
    monkeypatch.setenv("REGIONMAP_BOUNDARY_MAX_UNPACKED_MB", "4")
    src = tmp_path / "bomb.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("N03-21_01_210101.geojson", "w") as fh:
            for _ in range(5):
                fh.write(b" " * (1024 * 1024))
    assert src.stat().st_size < 64 * 1024
    _refused(
        src,
        previous,
        "bomb.zip!N03-21_01_210101.geojson: this member unpacks to 5 MB or more; the limit is "
        "4 MB (REGIONMAP_BOUNDARY_MAX_UNPACKED_MB)",
    )


def test_a_folder_given_as_source_is_named_as_a_folder(tmp_path, previous):
    folder = tmp_path / "boundaries"
    folder.mkdir()
    _refused(folder, previous, f"{folder}: this is a folder, not a file")
