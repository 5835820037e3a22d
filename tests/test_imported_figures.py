"""The figures only staff imports provide (issue #11): 地域おこし協力隊, 移住体験 and the
wide-area groupings. Imported like dispatch/sites/evacuees (same code resolution, the same
strictness, versions and history, bureau scope); no sample: empty until imported.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from apptest_helpers import colours, deck_spec, layer, layer_ids, run_app

from regionmap import db, importable
from regionmap.db import export, importer
from regionmap.maps import scales, static
from regionmap.ui.views import regional

KYORYOKUTAI = "年度,市町村コード,市町村名,隊員数,出典\n2019,011002,,3,総務省調査\nR1,,ニセコ町,2,\n"
TRIALS = "年度,市町村コード,市町村名,参加者数,出典\n2019,,帯広市,12,\n2019,,音更町,5,\n"
GROUPS = (
    "圏域名,区分,市町村コード,市町村名,役割,開始年度,終了年度,出典\n"
    "十勝定住自立圏,定住自立圏,,帯広市,中心市,H22,,\n"
    "十勝定住自立圏,定住自立圏,,音更町,,,,\n"
    "十勝定住自立圏,定住自立圏,01209,,,,,\n"
    "オホーツク連携,包括交流連携,,網走市,,,,\n"
    "オホーツク連携,包括交流連携,,北見市,,,,\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_the_tables_exist_empty_after_init(dbp):
    for table in ("kyoryokutai", "migration_trials", "wide_area_groups"):
        assert table in db.TABLES
        assert db.read_table(table, con=db.connect(dbp)).empty  # no sample rows


@pytest.mark.parametrize(
    ("table", "text", "rows"),
    [("kyoryokutai", KYORYOKUTAI, 2), ("migration_trials", TRIALS, 2), ("wide_area_groups", GROUPS, 5)],
)  # fmt: skip
def test_each_table_imports_from_a_file_with_history(dbp, tmp_path, table, text, rows):
    res = importer.import_file(write(tmp_path, f"{table}.csv", text), db_path=dbp, user="t")
    assert res.ok, [str(e) for e in res.errors]
    assert res.table == table and res.committed and res.plan["added"] == rows
    got = db.read_table(table, con=db.connect(dbp))
    assert len(got) == rows and not got["is_sample"].any()
    assert set(got["import_id"]) == {res.record["version"]}
    hist = db.history(dbp)
    assert hist.iloc[0]["table_name"] == table and hist.iloc[0]["action"] == "import"
    again = importer.import_file(write(tmp_path, f"{table}.csv", text), db_path=dbp)
    assert again.ok and not again.changed  # the same file twice changes nothing


def test_codes_are_resolved_as_for_the_other_tables(dbp, tmp_path):
    importer.import_file(write(tmp_path, "k.csv", KYORYOKUTAI), db_path=dbp)
    got = db.read_table("kyoryokutai", con=db.connect(dbp)).set_index("municipality_code")
    assert got.loc["01100", "members"] == 3  # a ward's 6-digit code counts as Sapporo
    assert got.loc["01100", "source_ja"] == "総務省調査"
    assert got.loc["01395", "source_ja"] == "取込データ（k.csv）"  # ニセコ町 by name
    groups = importer.import_file(write(tmp_path, "g.csv", GROUPS), db_path=dbp)
    g = groups.plan["rows"].set_index("municipality_code")
    assert g.loc["01207", "role"] == "中心市" and g.loc["01207", "from_fy"] == 2010
    assert g.loc["01209", "group_kind"] == "teiju_jiritsuken"
    assert g.loc["01208", "group_kind_ja"] == "包括交流連携"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2019,13101,,3,", "not a Hokkaido municipality (prefecture 13"),
        ("2019,99999,,3,", "not a Hokkaido municipality"),
        ("2019,,どこか町,3,", "どこか町"),
        ("2019,01100,,-3,", "negative count"),
        ("2019,01100,,=HYPERLINK(1),", ""),
        ("1850,01100,,3,", "out of range"),
    ],
)
def test_hostile_or_unknown_rows_are_refused_all_or_nothing(dbp, tmp_path, line, reason):
    text = "年度,市町村コード,市町村名,隊員数,出典\n2019,01207,,1,\n" + line + "\n"
    res = importer.import_file(write(tmp_path, "bad.csv", text), db_path=dbp)
    assert not res.ok and res.table == "kyoryokutai"
    assert any(reason in str(e) for e in res.errors), [str(e) for e in res.errors]
    assert all(e.row == 3 for e in res.errors)
    assert db.read_table("kyoryokutai", con=db.connect(dbp)).empty


def test_a_grouping_with_an_unknown_kind_or_years_backwards_is_refused(dbp, tmp_path):
    text = (
        "圏域名,区分,市町村コード,市町村名,役割,開始年度,終了年度,出典\n"
        "A圏,ふしぎ連携,,帯広市,,,,\n"
        "B圏,定住自立圏,,帯広市,,2020,2015,\n"
        "C圏,定住自立圏,13101,,,,,\n"
    )
    res = importer.import_file(write(tmp_path, "g.csv", text), db_path=dbp)
    msgs = [str(e) for e in res.errors]
    assert not res.ok and res.table == "wide_area_groups"
    assert any("unknown kind 'ふしぎ連携'" in m for m in msgs)
    assert any("before the first 2020" in m for m in msgs)
    assert any("prefecture 13" in m for m in msgs)
    assert db.read_table("wide_area_groups", con=db.connect(dbp)).empty


def test_a_sites_file_without_coordinates_is_not_taken_for_wide_area_groupings(dbp, tmp_path):
    """名称 and 種別 are a site's name and kind: without 経度/緯度 the file is a sites file
    with columns missing, never read as groupings (site names as group names)."""
    text = "名称,市町村名,種別,開始年度,出典\nサロンA,帯広市,その他,2015,x\n"
    res = importer.import_file(write(tmp_path, "s.csv", text), db_path=dbp)
    assert not res.ok and res.table != "wide_area_groups"
    assert db.read_table("wide_area_groups", con=db.connect(dbp)).empty


def test_bureau_scope_limits_an_editor_as_for_the_other_tables(dbp, tmp_path):
    p = write(tmp_path, "t.csv", TRIALS)
    res = importer.import_file(p, db_path=dbp, allowed_bureaus=["01"])  # 空知 only
    assert not res.ok and any("this import may only touch bureau" in str(e) for e in res.errors)
    con = db.connect(dbp)
    b = str(
        con.execute("SELECT bureau_code FROM municipalities WHERE code = '01207'").fetchone()[0]
    )
    ok = importer.import_file(p, db_path=dbp, allowed_bureaus=[b])
    assert ok.ok and ok.committed
    assert db.history(dbp).iloc[0]["bureau_scope"] == b


def test_templates_of_the_new_tables_are_the_registry_headers(tmp_path):
    for table in ("kyoryokutai", "migration_trials", "wide_area_groups"):
        csv = export.template_bytes(table, "csv").decode("utf-8-sig").strip().split(",")
        assert csv == export.TEMPLATE_COLUMNS[table]
        wb = openpyxl.load_workbook(io.BytesIO(export.template_bytes(table, "xlsx")))
        assert [c.value for c in wb[table][1]] == csv
    assert export.TEMPLATE_COLUMNS["wide_area_groups"][:2] == ["圏域名", "区分"]


# --- the regional page ----------------------------------------------------------------


@pytest.fixture()
def db_copy(db_path, tmp_path, monkeypatch):
    """A copy of the session database the test imports into (the app reads it)."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(db_path, target)
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(target))
    return target


def test_with_nothing_imported_the_page_says_so_with_the_templates(db_copy):
    at = run_app(page="pages/regional.py")
    infos = " ".join(i.value for i in at.info)
    for table in importable.IMPORT_ONLY:
        assert table.label_ja in infos
    assert infos.count("まだ取り込まれていません") == len(importable.IMPORT_ONLY)
    assert len(at.get("download_button")) == 2 * len(importable.IMPORT_ONLY)  # CSV and Excel
    assert not at.get("deck_gl_json_chart")  # no map of nothing
    assert not at.expander  # and nothing to download but the templates
    assert not [d for d in at.dataframe]  # and no table of zeros


def test_imported_figures_show_as_table_and_map_with_the_dissolved_groupings(db_copy, tmp_path):
    for name, text in (("k.csv", KYORYOKUTAI), ("t.csv", TRIALS), ("g.csv", GROUPS)):
        assert importer.import_file(write(tmp_path, name, text), db_path=db_copy).committed
    at = run_app(page="pages/regional.py")
    infos = " ".join(i.value for i in at.info)
    assert "まだ取り込まれていません" not in infos
    tables = [d.value for d in at.dataframe]
    kyo = next(t for t in tables if "地域おこし協力隊員（人）" in t.columns)
    assert dict(zip(kyo["市町村"], kyo["地域おこし協力隊員（人）"], strict=True)) == {
        "札幌市": 3,
        "ニセコ町": 2,
    }
    trials = next(t for t in tables if "移住体験事業の参加者（人）" in t.columns)
    assert trials["移住体験事業の参加者（人）"].sum() == 17
    groups = next(t for t in tables if "圏域名" in t.columns)
    assert list(groups["圏域名"]) == ["オホーツク連携", "十勝定住自立圏"]
    assert list(groups["市町村数"]) == [2, 3]
    # the text a reader sees: sources from files are escaped Markdown (regionmap.plaintext)
    captions = re.sub(r"\\(.)", r"\1", " ".join(c.value for c in at.caption))
    assert "総務省調査" in captions and "取込データ（k.csv）" in captions  # source column or file
    assert "2019年度" in captions
    spec = deck_spec(at)
    ids = layer_ids(spec)
    assert {"municipalities", "groups", "labels-groups"} <= set(ids)
    assert ids.index("groups") > ids.index("municipalities")  # drawn above the fill
    labels = [d["text"] for d in layer(spec, "labels-groups")["data"]]
    assert sorted(labels) == ["オホーツク連携", "十勝定住自立圏"]
    # the fill: the imported municipalities coloured, the others "no figure" (never 0)
    munis = static.publish_layer("municipalities")
    fills = colours(layer(spec, "municipalities")["getFillColor"])
    sapporo, niseko = munis.index_of("01100"), munis.index_of("01395")
    other = munis.index_of("01202")  # 函館市: nothing imported
    assert fills[sapporo] != fills[other] and fills[niseko] != fills[other]
    assert fills[other][:3] == list(scales.NO_DATA)
    # the dissolved groupings: their own static file, one feature per grouping
    url = layer(spec, "groups")["data"]
    path = Path(os.environ["REGIONMAP_STATIC_DIR"]) / url.removeprefix("app/static/")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["features"]) == 2
    assert {f["properties"]["name_ja"]: f["properties"]["members"] for f in data["features"]} == {
        "オホーツク連携": 2,
        "十勝定住自立圏": 3,
    }
    assert layer(spec, "groups")["getLineColor"] == list(regional.GROUP_LINE)
    # the downloads, as on every page with a map: the map to keep (the page's own map, its
    # groupings included) and each table shown as CSV and Excel (formula cells neutralised
    # by the shared export); no PNG of a map the page does not show
    assert [e.label for e in at.expander] == ["ダウンロード"]
    assert [b.proto.label for b in at.get("download_button")] == [
        "地図（HTML・ネットワーク不要）",
        "地域おこし協力隊（CSV形式）",
        "地域おこし協力隊（Excel形式）",
        "移住体験事業（CSV形式）",
        "移住体験事業（Excel形式）",
        "広域連携の圏域（CSV形式）",
        "広域連携の圏域（Excel形式）",
    ]
