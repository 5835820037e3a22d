"""The boundary build: counts and membership, topology after simplification, islands,
labels, the Northern Territories, and refusal of bad sources with the previous
layers left intact."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely

from regionmap import reference
from regionmap.geo import shapes
from regionmap.geo.build import build
from regionmap.geo.errors import BoundaryError
from regionmap.geo.layers import COLUMNS, layers_available, load_layer, manifest, to_geojson_bytes
from regionmap.settings import PROJECT_ROOT

LEVELS = ("overview", "detail")
NORTHERN_TERRITORIES = ["01695", "01696", "01697", "01698", "01699", "01700"]


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def n03_doc(n03_geojson: Path) -> dict:
    return json.loads(n03_geojson.read_text(encoding="utf-8"))


def _write(doc: dict, path: Path) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _index_of(doc: dict, code: str) -> int:
    return next(i for i, f in enumerate(doc["features"]) if f["properties"]["N03_007"] == code)


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir",
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.iterdir())
    }


@pytest.fixture
def previous(geo_dir: Path, tmp_path: Path) -> Path:
    """A folder holding a good earlier build (copied from the session's), plus a README."""
    out = tmp_path / "geo"
    shutil.copytree(geo_dir, out)
    (out / "README.md").write_text("kept\n", encoding="utf-8")
    return out


def _metric_total_area(n03_geojson: Path) -> float:
    doc = json.loads(n03_geojson.read_text(encoding="utf-8"))
    geoms = [shapely.geometry.shape(f["geometry"]) for f in doc["features"]]
    return float(shapely.area(shapes.to_metric(geoms)).sum())


# -- counts and membership --------------------------------------------------------------------


def test_counts_and_membership(geo_dir: Path):
    munis = load_layer("municipalities", geo_dir=geo_dir)
    wards = load_layer("wards", geo_dir=geo_dir)
    bureaus = load_layer("bureaus", geo_dir=geo_dir)
    regions = load_layer("regions", geo_dir=geo_dir)

    assert len(munis) == 185 and munis["code"].is_unique
    assert (~munis["is_northern_territory"]).sum() == 179
    assert sorted(munis.loc[munis["is_northern_territory"], "code"]) == NORTHERN_TERRITORIES
    assert (munis["code"] == "01100").sum() == 1  # Sapporo once
    assert not munis["code"].between("01101", "01110").any()  # ... not as wards
    sapporo = munis.set_index("code").loc["01100"]
    assert (sapporo["name_ja"], sapporo["code6"], sapporo["bureau_code"]) == (
        "札幌市",
        "011002",
        "02",
    )
    assert munis.set_index("code").loc["01202", "code6"] == "012025"

    assert len(wards) == 10
    assert list(wards["code"]) == [f"011{n:02d}" for n in range(1, 11)]
    assert set(wards["parent_code"]) == {"01100"} and set(wards["bureau_code"]) == {"02"}

    assert list(bureaus["bureau_code"]) == [f"{n:02d}" for n in range(1, 15)]
    assert list(regions["region_code"]) == [str(n) for n in range(1, 7)]
    assert bureaus.set_index("bureau_code").loc["11", "name_ja"] == "オホーツク総合振興局"

    # counts per bureau as in the reference (Northern Territories not counted)
    want = reference.bureaus().set_index("bureau_code")["municipality_count"]
    have = munis[~munis["is_northern_territory"]].groupby("bureau_code").size()
    assert have.to_dict() == want.to_dict()
    assert have.sum() == 179
    assert set(munis.loc[munis["is_northern_territory"], "bureau_code"]) == {"14"}

    # every bureau in one region, and the municipalities' regions follow their bureau
    region_of = reference.bureaus().set_index("bureau_code")["region_code"]
    assert (bureaus["region_code"] == bureaus["bureau_code"].map(region_of)).all()
    assert (munis["region_code"] == munis["bureau_code"].map(region_of)).all()
    assert bureaus.groupby("region_code").size().to_dict() == {
        "1": 5, "2": 2, "3": 3, "4": 1, "5": 1, "6": 2
    }  # fmt: skip

    for name, gdf in [("municipalities", munis), ("wards", wards), ("bureaus", bureaus),
                      ("regions", regions)]:  # fmt: skip
        assert list(gdf.columns) == COLUMNS[name]
        assert gdf.crs.to_epsg() == 4326
        assert set(gdf.geom_type) == {"MultiPolygon"}


def test_geometry_membership_follows_the_tables(geo_dir: Path):
    """Each municipality lies in its bureau's polygon, each bureau in its region's."""
    for level in LEVELS:
        munis = load_layer("municipalities", level, geo_dir=geo_dir)
        bureaus = load_layer("bureaus", level, geo_dir=geo_dir).set_index("bureau_code")
        regions = load_layer("regions", level, geo_dir=geo_dir).set_index("region_code")
        pts = shapely.points(munis["label_lon"], munis["label_lat"])
        inside = shapely.contains(bureaus.geometry.loc[munis["bureau_code"]].values, pts)
        assert inside.all(), munis.loc[~inside, "name_ja"].tolist()
        bpts = shapely.points(bureaus["label_lon"], bureaus["label_lat"])
        assert shapely.contains(regions.geometry.loc[bureaus["region_code"]].values, bpts).all()


def test_areas_in_square_kilometres(geo_dir: Path):
    munis = load_layer("municipalities", geo_dir=geo_dir).set_index("code")
    bureaus = load_layer("bureaus", geo_dir=geo_dir)
    regions = load_layer("regions", geo_dir=geo_dir)
    wards = load_layer("wards", geo_dir=geo_dir)
    total = munis["area_km2"].sum()
    assert total == pytest.approx(83_424, rel=0.01)  # Hokkaido with the Northern Territories
    assert munis.loc["01100", "area_km2"] == pytest.approx(1121, rel=0.02)  # Sapporo
    assert munis.loc["01100", "area_km2"] == pytest.approx(wards["area_km2"].sum(), rel=1e-6)
    assert bureaus["area_km2"].sum() == pytest.approx(total, rel=1e-6)
    assert regions["area_km2"].sum() == pytest.approx(total, rel=1e-6)
    nt = munis.loc[NORTHERN_TERRITORIES, "area_km2"].sum()
    assert nt == pytest.approx(4_996, rel=0.03)  # Etorofu, Kunashiri, Shikotan


def test_manifest_names_source_vintage_and_checksum(geo_dir: Path, n03_geojson: Path):
    man = manifest(geo_dir)
    assert layers_available(geo_dir)
    assert man["source"] == str(n03_geojson)
    assert man["vintage"] == "2021-01-01"
    assert man["checksum"] == "sha256:" + hashlib.sha256(n03_geojson.read_bytes()).hexdigest()
    assert man["counts"] == {
        "municipalities": 185, "wards": 10, "bureaus": 14, "regions": 6,
        "northern_territories": 6, "source_features": 194,
    }  # fmt: skip
    assert set(man["levels"]) == {"overview", "detail"}
    assert man["levels"]["overview"]["tolerance_m"] > man["levels"]["detail"]["tolerance_m"]
    assert man["built_at"] and man["build_seconds"] > 0


def test_not_built_folder_says_how_to_build(tmp_path: Path):
    assert not layers_available(tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m regionmap geo build"):
        load_layer("bureaus", geo_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown layer 'towns'"):
        load_layer("towns", geo_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown level"):
        load_layer("bureaus", "coarse", geo_dir=tmp_path)


# -- topology after simplification ------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("layer", ["bureaus", "municipalities", "regions"])
def test_no_gaps_or_overlaps_between_neighbours(geo_dir, n03_geojson, layer, level):
    gdf = load_layer(layer, level, geo_dir=geo_dir)
    total = _metric_total_area(n03_geojson)
    gap, overlap = shapes.gap_overlap(shapes.to_metric(gdf.geometry.values))
    assert (gap + overlap) / total < 1e-4, (gap, overlap)
    # the simplification really did remove vertices at the overview level
    if level == "overview":
        detail = load_layer(layer, "detail", geo_dir=geo_dir)
        assert shapely.get_num_coordinates(gdf.geometry.values).sum() < 0.6 * (
            shapely.get_num_coordinates(detail.geometry.values).sum()
        )


def test_the_measure_catches_what_per_polygon_simplification_breaks(geo_dir, n03_geojson):
    """Control: simplifying each bureau on its own leaves gaps/overlaps the measure sees."""
    detail = shapes.to_metric(load_layer("bureaus", "detail", geo_dir=geo_dir).geometry.values)
    naive = shapely.simplify(detail, 800.0, preserve_topology=True)
    gap, overlap = shapes.gap_overlap(naive)
    assert (gap + overlap) / _metric_total_area(n03_geojson) > 1e-4


@pytest.mark.parametrize("level", LEVELS)
def test_islands_survive_as_parts(geo_dir: Path, level: str):
    munis = load_layer("municipalities", level, geo_dir=geo_dir).set_index("code")
    bureaus = load_layer("bureaus", level, geo_dir=geo_dir).set_index("bureau_code")
    islands = {
        "01517": "10",  # 礼文町 Rebun
        "01518": "10",  # 利尻町 Rishiri
        "01519": "10",  # 利尻富士町 Rishiri
        "01367": "07",  # 奥尻町 Okushiri
        "01695": "14",  # 色丹村 Shikotan
        "01696": "14",  # 泊村 Kunashiri
        "01698": "14",  # 留別村 Etorofu
    }
    for code, bureau in islands.items():
        geom = munis.loc[code, "geometry"]
        assert not geom.is_empty and shapes.to_metric([geom])[0].area > 1e6, code
        label = shapely.Point(munis.loc[code, ["label_lon", "label_lat"]].astype(float))
        parts = shapely.get_parts(bureaus.loc[bureau, "geometry"])
        holding = [p for p in parts if p.contains(label)]
        assert len(holding) == 1, code
        # a part of its own, away from the mainland part (which holds the bureau's label)
        mainland = shapely.Point(bureaus.loc[bureau, ["label_lon", "label_lat"]].astype(float))
        assert not holding[0].contains(mainland), code
    assert len(shapely.get_parts(bureaus.loc["10", "geometry"])) >= 3
    assert len(shapely.get_parts(bureaus.loc["14", "geometry"])) >= 4


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("layer", ["municipalities", "wards", "bureaus", "regions"])
def test_label_points_inside_polygons(geo_dir: Path, layer: str, level: str):
    gdf = load_layer(layer, level, geo_dir=geo_dir)
    pts = shapely.points(gdf["label_lon"], gdf["label_lat"])
    inside = shapely.contains(gdf.geometry.values, pts)
    assert inside.all(), gdf.loc[~inside].iloc[:, 0].tolist()
    # on the largest part, so a bureau's name is written on its mainland
    for geom, pt in zip(gdf.geometry.values, pts, strict=True):
        assert shapes.largest_part(geom).contains(pt)


def test_overview_payload_is_small(geo_dir: Path):
    bureaus = load_layer("bureaus", geo_dir=geo_dir)
    regions = load_layer("regions", geo_dir=geo_dir)
    munis = load_layer("municipalities", geo_dir=geo_dir)
    b = to_geojson_bytes(bureaus, ["bureau_code", "name_ja"], 4)
    r = to_geojson_bytes(regions, ["region_code", "name_ja"], 4)
    m = to_geojson_bytes(munis, ["code", "name_ja", "bureau_code"], 4)
    assert len(b) + len(r) <= 150_000
    assert len(m) <= 400_000
    doc = json.loads(b)
    assert [f["properties"] for f in doc["features"]][0] == {
        "bureau_code": "01",
        "name_ja": "空知総合振興局",
    }
    coords = np.array(doc["features"][0]["geometry"]["coordinates"][0][0])
    assert np.allclose(coords, np.round(coords, 4))


# -- Northern Territories ---------------------------------------------------------------------


def test_northern_territories_within_nemuro_by_default_and_hideable(geo_dir, monkeypatch):
    monkeypatch.delenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES", raising=False)
    munis = load_layer("municipalities", geo_dir=geo_dir).set_index("code")
    nemuro = load_layer("bureaus", geo_dir=geo_dir).set_index("bureau_code").loc["14"]
    region6 = load_layer("regions", geo_dir=geo_dir).set_index("region_code").loc["6"]
    nt_pts = shapely.points(
        munis.loc[NORTHERN_TERRITORIES, "label_lon"], munis.loc[NORTHERN_TERRITORIES, "label_lat"]
    )
    assert shapely.contains(nemuro.geometry, nt_pts).all()
    assert shapely.contains(region6.geometry, nt_pts).all()
    assert munis.loc[NORTHERN_TERRITORIES, "is_northern_territory"].all()

    monkeypatch.setenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES", "1")
    for level in LEVELS:
        hidden = load_layer("municipalities", level, geo_dir=geo_dir)
        assert len(hidden) == 179 and not hidden["is_northern_territory"].any()
        b = load_layer("bureaus", level, geo_dir=geo_dir).set_index("bureau_code")
        r = load_layer("regions", level, geo_dir=geo_dir).set_index("region_code")
        assert not shapely.intersects(b.loc["14", "geometry"], nt_pts).any()
        assert not shapely.intersects(r.loc["6", "geometry"], nt_pts).any()
        nt_area = munis.loc[NORTHERN_TERRITORIES, "area_km2"].sum()
        assert b.loc["14", "area_km2"] == pytest.approx(nemuro["area_km2"] - nt_area, rel=1e-6)
        assert b.loc["14", "geometry"].contains(
            shapely.Point(b.loc["14", ["label_lon", "label_lat"]].astype(float))
        )
        # other bureaus unchanged
        assert b.loc["13", "area_km2"] == pytest.approx(
            load_layer("bureaus", level, geo_dir=geo_dir)
            .set_index("bureau_code")
            .loc["13", "area_km2"]
        )
    monkeypatch.setenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES", "0")
    assert len(load_layer("municipalities", geo_dir=geo_dir)) == 185


# -- caching ----------------------------------------------------------------------------------


def test_load_layer_is_cached_but_callers_get_their_own_copy(geo_dir: Path):
    a = load_layer("bureaus", geo_dir=geo_dir)
    a["name_ja"] = "changed"
    b = load_layer("bureaus", geo_dir=geo_dir)
    assert b["name_ja"].iloc[0] == "空知総合振興局"


def test_a_rebuild_is_picked_up(tmp_path: Path, n03_geojson: Path, n03_topojson: Path):
    out = tmp_path / "geo"
    build(n03_geojson, out)
    before = load_layer("municipalities", "detail", geo_dir=out)
    build(n03_topojson, out)  # quantized TopoJSON: slightly different coordinates
    after = load_layer("municipalities", "detail", geo_dir=out)
    assert manifest(out)["source"] == str(n03_topojson)
    assert not before.geometry.geom_equals_exact(after.geometry, 1e-9).all()


# -- bad sources are refused, the previous layers stay ----------------------------------------


def _refused(source: Path, previous: Path, *expected: str) -> str:
    before = _snapshot(previous)
    with pytest.raises(BoundaryError) as info:
        build(source, previous)
    text = str(info.value)
    for part in expected:
        assert part in text, f"{part!r} not in {text!r}"
    assert _snapshot(previous) == before
    assert not list(previous.glob(".build-*"))  # no temporary build folder left behind
    assert load_layer("bureaus", geo_dir=previous)["bureau_code"].tolist()[0] == "01"
    return text


def test_refuses_another_prefecture(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    for f in doc["features"]:
        f["properties"]["N03_001"] = "青森県"
        f["properties"]["N03_007"] = "02" + f["properties"]["N03_007"][2:]
    src = _write(doc, tmp_path / "aomori.geojson")
    _refused(src, previous, "aomori.geojson", "feature #0", "N03_001", "not Hokkaido", "青森県",
             "194 of 194")  # fmt: skip


def test_refuses_codes_of_another_prefecture(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    i = _index_of(doc, "01202")
    doc["features"][i]["properties"]["N03_007"] = "02202"
    src = _write(doc, tmp_path / "mixed.geojson")
    _refused(src, previous, f"feature #{i}", "N03_007", "not Hokkaido", "'02202'")


def test_refuses_a_missing_attribute(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    del doc["features"][5]["properties"]["N03_007"]
    doc["features"][9]["properties"]["N03_007"] = None
    src = _write(doc, tmp_path / "nocode.geojson")
    _refused(src, previous, "nocode.geojson", "feature #5", "N03_007", "missing", "#9")


def test_refuses_a_file_that_is_not_n03(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    for f in doc["features"]:
        f["properties"] = {"name": f["properties"]["N03_004"]}
    src = _write(doc, tmp_path / "other.geojson")
    _refused(src, previous, "other.geojson", "N03_002", "not an N03 administrative-area file")


def test_refuses_an_unknown_bureau(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    i = _index_of(doc, "01204")
    doc["features"][i]["properties"]["N03_002"] = "大雪振興局"
    src = _write(doc, tmp_path / "bureau.geojson")
    _refused(src, previous, "bureau.geojson", f"feature #{i}", "N03_002", "unknown bureau",
             "大雪振興局")  # fmt: skip


def test_refuses_a_municipality_under_the_wrong_bureau(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    i = _index_of(doc, "01204")  # 旭川市, 上川
    doc["features"][i]["properties"]["N03_002"] = "空知総合振興局"
    src = _write(doc, tmp_path / "moved.geojson")
    _refused(src, previous, f"feature #{i}", "N03_002", "01204 旭川市", "上川総合振興局")


def test_refuses_wrong_counts(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    doc["features"].pop(_index_of(doc, "01511"))  # 猿払村, 宗谷
    src = _write(doc, tmp_path / "short.geojson")
    _refused(src, previous, "short.geojson", "宗谷総合振興局 has 9 municipalities",
             "has 10", "missing: 01511 猿払村")  # fmt: skip


def test_refuses_a_truncated_file(n03_geojson, tmp_path, previous):
    data = n03_geojson.read_bytes()
    src = tmp_path / "cut.geojson"
    src.write_bytes(data[: len(data) * 2 // 3])
    _refused(src, previous, "cut.geojson", "the file is truncated", "not valid JSON at line")


def test_refuses_a_corrupt_zip(n03_geojson, tmp_path, previous):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(n03_geojson, "N03-21_01_210101.geojson")
    data = good.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    _refused(cut, previous, "cut.zip", "zip", "truncated or corrupt")
    # same length, damaged in the middle of the compressed member
    damaged = bytearray(data)
    for k in range(len(data) // 3, len(data) // 3 + 64):
        damaged[k] ^= 0xFF
    bad = tmp_path / "damaged.zip"
    bad.write_bytes(bytes(damaged))
    _refused(bad, previous, "damaged.zip!N03-21_01_210101.geojson", "truncated or corrupt")


def test_refuses_a_zip_without_boundaries(tmp_path, previous):
    src = tmp_path / "docs.zip"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("KS-META-N03.xml", "<xml/>")
    _refused(
        src, previous, "docs.zip", "holds no GeoJSON, TopoJSON or Shapefile", "KS-META-N03.xml"
    )


def test_refuses_a_missing_file_and_says_what_to_do(tmp_path, previous):
    _refused(tmp_path / "nowhere.geojson", previous, "nowhere.geojson", "file not found",
             "REGIONMAP_BOUNDARY_SOURCE", "--source")  # fmt: skip


def test_a_good_rebuild_replaces_layers_and_keeps_other_files(n03_topojson, previous):
    build(n03_topojson, previous)
    assert manifest(previous)["source"] == str(n03_topojson)
    assert (previous / "README.md").read_text(encoding="utf-8") == "kept\n"
    assert not list(previous.glob(".build-*"))


# -- command line -----------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "regionmap", "geo", "build", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        timeout=120,
    )


def test_cli_refuses_with_message_and_nonzero_exit(n03_doc, tmp_path, previous):
    doc = copy.deepcopy(n03_doc)
    doc["features"][3]["properties"]["N03_002"] = "札幌振興局"
    src = _write(doc, tmp_path / "bad.geojson")
    before = _snapshot(previous)
    run = _cli("--source", str(src), "--out", str(previous), "--quiet")
    assert run.returncode == 1
    assert "bad.geojson, feature #3, property N03_002: unknown bureau '札幌振興局'" in run.stderr
    assert "previous boundary layers" in run.stderr
    assert _snapshot(previous) == before


def test_cli_builds(n03_geojson, tmp_path):
    out = tmp_path / "built"
    run = _cli("--source", str(n03_geojson), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "185 municipalities" in run.stdout and "14 bureaus" in run.stdout
    assert "100%" in run.stderr  # the progress bar
    assert layers_available(out)
