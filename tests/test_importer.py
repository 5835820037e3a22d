"""The importer: formats staff have, row validation with exact messages, all-or-nothing,
dry run, idempotence, sample replacement, limits, CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pandas as pd
import pytest
from import_helpers import messages, xlsx_of

from regionmap import db
from regionmap.__main__ import main
from regionmap.db import importer
from regionmap.db.importer import values, xlsxfile

GOOD_ROWS = [
    ["平成27年度", "古宇郡泊村", "地域振興派遣", "2", "継続"],
    ["2015年度", "岩見沢市", "地域振興", "１，２００", "新規"],
    ["H27", "011002", "自治法派遣", "3", ""],
]
HEADER = ["年度", "市町村名", "派遣区分", "人数", "継続・新規"]


def csv_bytes(rows, header=HEADER, encoding="utf-8", title=None) -> bytes:
    lines = []
    if title:
        lines += [title, ""]
    lines += [",".join(header)] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER, title_rows=2) -> bytes:
    title = [["平成27年度 道職員の市町村派遣 一覧"]] + [[]] * (title_rows - 1)
    return xlsx_of({"派遣実績": [*title, header, *rows]})


def real_dispatch(dbp) -> pd.DataFrame:
    return db.dispatches(con=db.connect(dbp)).query("not is_sample")


# ---------------------------------------------------------------------------------------
# Accepted formats
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.csv", csv_bytes(GOOD_ROWS)),
        ("bom.csv", b"\xef\xbb\xbf" + csv_bytes(GOOD_ROWS)),
        ("sjis.csv", csv_bytes(GOOD_ROWS, encoding="cp932", title="平成27年度 派遣一覧")),
        ("titled.xlsx", xlsx_bytes(GOOD_ROWS)),
    ],
)
def test_each_format_imports_the_same_rows(dbp, name, data):
    res = importer.commit(data, name, user="staff1", db_path=dbp)
    assert res.ok, messages(res)
    assert res.table == "dispatch" and res.committed
    got = real_dispatch(dbp).set_index("municipality_code")
    assert got.loc["01403", "persons"] == 2 and got.loc["01403", "status"] == "continuing"
    assert got.loc["01210", "persons"] == 1200 and got.loc["01210", "kind"] == "regional"
    assert got.loc["01100", "kind"] == "local_autonomy_act" and pd.isna(got.loc["01100", "status"])
    assert set(got["fiscal_year"]) == {2015}
    assert got["source_ja"].iloc[0] == f"取込データ（{name}）"
    hist = db.history(dbp).iloc[0]
    assert (hist["action"], hist["file_name"], hist["user_name"]) == ("import", name, "staff1")
    assert len(hist["sha256"]) == 64


def test_xlsx_header_is_found_below_title_rows_and_rows_are_numbered_as_in_the_sheet(dbp):
    data = xlsx_bytes([*GOOD_ROWS, ["H27", "泊村", "地域振興派遣", "1", ""]], title_rows=3)
    res = importer.validate(data, "titled.xlsx", db_path=dbp)
    assert res.header_row == 4
    # rows 5, 6, 7 are good; row 8 is the ambiguous 泊村
    assert messages(res) == [
        "titled.xlsx:8:市町村名: '泊村' is ambiguous: 古宇郡泊村 (01403) or 国後郡泊村 (01696); "
        "add the district (郡) or use the code"
    ]


def test_english_headers_codes_and_numbers_from_excel_cells(dbp):
    data = xlsx_of(
        {
            "Sheet": [
                ["fiscal_year", "municipality_code", "municipality", "kind", "persons", "status"],
                # a 6-digit code that lost its zero: read as 011002 because the name confirms it
                [2016, 11002, "札幌市", "exchange", 4.0, "new"],
                ["R1", "01210", None, "wide_area", 1, "continuing"],
            ]
        }
    )
    res = importer.commit(data, "english.xlsx", db_path=dbp)
    assert res.ok, messages(res)
    got = real_dispatch(dbp)
    assert set(zip(got["fiscal_year"], got["municipality_code"], got["persons"], strict=True)) == {
        (2016, "01100", 4),
        (2019, "01210", 1),
    }


def test_sites_and_evacuees_are_recognised_from_their_headers(dbp):
    sites = csv_bytes(
        [["買い物支援の拠点", "ニセコ町", "買い物支援", "140.69", "42.80", "H26", "NPO法人"]],
        header=["名称", "市町村名", "種別", "経度", "緯度", "開始年度", "運営主体"],
    )
    all_sites = db.sites(con=db.connect(dbp))
    shiribeshi = all_sites[all_sites["bureau_code"] == "03"]  # ニセコ町 is in 後志
    res = importer.commit(sites, "sites.csv", db_path=dbp)
    assert res.ok and res.table == "sites", messages(res)
    # a real inventory replaces every sample site of its bureau (whatever the year: no
    # invented points left on that bureau's map); the other bureaus keep their sample
    assert len(shiribeshi) > 0 and res.plan["removed"] == len(shiribeshi)
    assert [b["short_ja"] for b in res.plan["removed_by_bureau"]] == ["後志"]
    after = db.sites(con=db.connect(dbp))
    assert list(after.loc[after["bureau_code"] == "03", "is_sample"]) == [False]
    others = after[after["bureau_code"] != "03"]
    assert others["is_sample"].all() and len(others) == len(all_sites) - len(shiribeshi)
    s = db.sites(municipality_code="01395", con=db.connect(dbp)).query("not is_sample")
    assert list(s["kind_ja"]) == ["買い物支援"] and list(s["start_fy"]) == [2014]
    ev = csv_bytes(
        [["2015年3月", "札幌市", "福島県", "1,000"], ["2015年3月", "函館市", "宮城", "20"]],
        header=["年月", "市町村名", "避難元", "避難者数"],
    )
    res = importer.commit(ev, "ev.csv", db_path=dbp)
    assert res.ok and res.table == "evacuees", messages(res)
    assert res.plan["removed_by_period"] and res.plan["periods"] == ["2015-03"]
    month = db.evacuees("2015-03", "2015-03", con=db.connect(dbp))
    # 札幌市 (石狩) and 函館市 (渡島): their bureaus' sample of that month is replaced
    real = month[month["bureau_code"].isin(["02", "06"])]
    assert real["persons"].sum() == 1020 and not real["is_sample"].any()
    assert month[~month["bureau_code"].isin(["02", "06"])]["is_sample"].all()
    # other months keep their sample rows
    assert db.evacuees("2015-02", "2015-02", con=db.connect(dbp))["is_sample"].all()


# ---------------------------------------------------------------------------------------
# Bad rows: exact messages
# ---------------------------------------------------------------------------------------


def test_each_kind_of_bad_row_has_its_message(dbp):
    rows = [  # title, blank line and header take lines 1-3
        ["H27", "古宇郡泊村", "地域振興派遣", "1", ""],  # 4: good
        ["H27", "東京都千代田区", "地域振興派遣", "1", ""],  # 5
        ["H27", "蘂取村", "地域振興派遣", "1", ""],  # 6
        ["H27", "岩見沢市", "地域振興派遣", "-2", ""],  # 7
        ["2099", "岩見沢市", "地域振興派遣", "1", ""],  # 8
        ["H27", "古宇郡泊村", "地域振興", "5", ""],  # 9 duplicate of 4
        ["H27", "小樽市", "出向", "abc", "たぶん"],  # 10
        ["", "北見市", "地域振興派遣", "", ""],  # 11
        ["H27", "網走", "地域振興派遣", "1", ""],  # 12 good (suffix added)
    ]
    res = importer.validate(csv_bytes(rows, title="派遣一覧"), "bad.csv", db_path=dbp)
    assert messages(res) == [
        "bad.csv:5:市町村名: '東京都千代田区' is in 東京都, not in Hokkaido",
        "bad.csv:6:市町村名: 蘂取郡蘂取村 (01700) is a Northern Territories village: it has no "
        "municipal government and cannot hold figures",
        "bad.csv:7:人数: negative count -2",
        f"bad.csv:8:年度: fiscal year 2099 is out of range (1989–{values.year_range()[1]})",
        "bad.csv:9: duplicate key: same fiscal year, municipality and kind as row 4",
        "bad.csv:10:派遣区分: unknown kind '出向'; one of: 地域振興派遣、広域連携派遣、徴収対策連携派遣、自治法派遣、相互交流",
        "bad.csv:10:人数: not a number: 'abc'",
        "bad.csv:10:継続・新規: unknown status 'たぶん'; write 継続 or 新規",
        "bad.csv:11:年度: missing value",
        "bad.csv:11:人数: missing value",
    ]
    assert not res.ok and res.plan is None


def test_unknown_municipality_and_wrong_code(dbp):
    rows = [["H27", "夕張村", "地域振興派遣", "1"]]
    res = importer.validate(csv_bytes(rows, header=HEADER[:4]), "x.csv", db_path=dbp)
    assert messages(res) == [
        "x.csv:2:市町村名: unknown municipality '夕張村' (not a Hokkaido name); did you mean 夕張市?"
    ]
    rows = [["H27", "012024", "地域振興派遣", "1"]]
    hdr = ["年度", "団体コード", "派遣区分", "人数"]
    res = importer.validate(csv_bytes(rows, header=hdr), "x.csv", db_path=dbp)
    assert messages(res) == ["x.csv:2:団体コード: check digit of 012024 is wrong (expected 012025)"]


def test_a_misspelt_name_gets_a_suggestion_and_a_romanised_one_says_how_to_write_it(dbp):
    rows = [
        ["2016", "音更長", "地域振興派遣", "1"],  # 長 for 町
        ["2016", "Obihiro", "地域振興派遣", "1"],
        ["2016", "ｵﾄﾌｹ", "地域振興派遣", "1"],  # no close Japanese name: no guess
        ["2016", "空知郡泊村", "地域振興派遣", "1"],  # the only 泊村 with a government
    ]
    res = importer.validate(csv_bytes(rows, header=HEADER[:4]), "m.csv", db_path=dbp)
    assert [i.format("ja") for i in res.errors] == [
        "m.csv:2:市町村名: 北海道の市町村に'音更長'は見つかりません。もしかして: 音更町",
        "m.csv:3:市町村名: 'Obihiro'は市町村名として読めません。市町村名は日本語（例: 帯広市）で"
        "書くか、市町村コード（5桁または6桁）で指定してください",
        "m.csv:4:市町村名: 北海道の市町村に'オトフケ'は見つかりません",
        "m.csv:5:市町村名: 北海道の市町村に'空知郡泊村'（空知郡）は見つかりません。"
        "もしかして: 古宇郡泊村",
    ]
    assert messages(res) == [
        "m.csv:2:市町村名: unknown municipality '音更長' (not a Hokkaido name); did you mean 音更町?",
        "m.csv:3:市町村名: unknown municipality 'Obihiro': write the name in Japanese "
        "(e.g. 帯広市) or give the 5- or 6-digit municipality code",
        "m.csv:4:市町村名: unknown municipality 'オトフケ' (not a Hokkaido name)",
        "m.csv:5:市町村名: unknown municipality '空知郡泊村' in 空知郡 (not a Hokkaido name); "
        "did you mean 古宇郡泊村?",
    ]


def test_missing_column_is_named(dbp):
    data = csv_bytes([["H27", "岩見沢市", "1"]], header=["年度", "市町村名", "人数"])
    res = importer.validate(data, "nokind.csv", table="dispatch", db_path=dbp)
    assert messages(res) == [
        "nokind.csv:1:派遣区分: missing column 派遣区分 (kind); write one of: 派遣区分, 区分, 派遣種別, 種別"
    ]


def test_site_coordinates_outside_hokkaido(dbp):
    data = csv_bytes(
        [["拠点", "ニセコ町", "サロン", "135.5", "34.7", "2015"]],
        header=["名称", "市町村名", "種別", "経度", "緯度", "開始年度"],
    )
    res = importer.validate(data, "s.csv", db_path=dbp)
    assert messages(res) == [
        "s.csv:2:経度: longitude 135.5 is outside Hokkaido (139.3–148.9)",
        "s.csv:2:緯度: latitude 34.7 is outside Hokkaido (41.3–45.6)",
    ]


# ---------------------------------------------------------------------------------------
# Whole-file refusals
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02binary\x00" * 50, "the file holds binary data (NUL bytes), not CSV text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "this is an old Excel .xls file"),
        (b"%PDF-1.4 ...", "this is a PDF file"),
        (b"\xff\xfe\xfd\xfc\x81\x82\x83" * 10, "cannot read the text"),
        (b"", "the file is empty"),
        (b"foo,bar\n1,2\n", "no header row found in the first 30 rows"),
    ],
)
def test_binary_or_unreadable_files_are_refused_with_a_message(dbp, data, message):
    res = importer.validate(data, "upload.csv", db_path=dbp)
    assert not res.ok and len(res.errors) == 1
    assert str(res.errors[0]).startswith("upload.csv: " + message)


def _rewrite_member(data: bytes, name: str, edit) -> bytes:
    """The workbook with one zip member's text changed by ``edit``."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, edit(body.decode()).encode() if info.filename == name else body)
    return out.getvalue()


def test_an_xlsx_declaring_a_huge_sheet_is_read_only_as_far_as_it_has_cells(dbp):
    # a sheet that claims A1:XFD60 and has one stray cell in column XFD: no row of
    # 16,384 cells, and the real rows are imported
    def edit(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD60"/>', xml)
        return xml.replace("</sheetData>", '<row r="60"><c r="XFD60" t="inlineStr">'
                           "<is><t>x</t></is></c></row></sheetData>")  # fmt: skip

    data = _rewrite_member(xlsx_bytes(GOOD_ROWS), "xl/worksheets/sheet1.xml", edit)
    grid = xlsxfile.read_sheets(data, 1000)[0][0][1]
    assert max(len(cells) for _, cells in grid) <= importer.MAX_XLSX_COLUMNS
    assert grid[-1][0] == 60
    res = importer.validate(data, "wide.xlsx", db_path=dbp)
    assert res.ok and len(res.rows) == len(GOOD_ROWS), messages(res)


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_reading(dbp, monkeypatch):
    monkeypatch.setenv("REGIONMAP_MAX_UNPACKED_MB", "16")
    out = io.BytesIO(xlsx_bytes(GOOD_ROWS))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
            chunk = bytes(8 * 1024 * 1024)
            for _ in range(16 * 1024 * 1024 // len(chunk) + 1):
                fh.write(chunk)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024  # a small upload
    res = importer.validate(data, "bomb.xlsx", db_path=dbp)
    assert not res.ok and len(res.errors) == 1
    text = str(res.errors[0])
    assert text.startswith(
        "bomb.xlsx: the workbook unpacks to 24 MB; the limit is 16 MB (REGIONMAP_MAX_UNPACKED_MB)"
    ), text
    assert "このブックは展開すると24 MBになります" in res.errors[0].message_ja


def test_an_xlsx_needing_an_unknown_zip_version_is_refused_not_raised(dbp):
    data = bytearray(xlsx_bytes(GOOD_ROWS))
    at = data.index(b"PK\x01\x02")  # first central directory entry
    data[at + 6 : at + 8] = (99).to_bytes(2, "little")  # "version needed to extract": 9.9
    res = importer.validate(bytes(data), "future.xlsx", db_path=dbp)
    assert not res.ok
    assert str(res.errors[0]).startswith("future.xlsx: not a readable .xlsx workbook")


def test_an_xlsx_named_csv_is_read_by_its_content(dbp):
    res = importer.validate(xlsx_bytes(GOOD_ROWS), "really.csv", db_path=dbp)
    assert res.ok and "the file is an Excel workbook; read as .xlsx" in res.notes
    bad = importer.validate(b"PK\x03\x04garbage", "broken.xlsx", db_path=dbp)
    assert str(bad.errors[0]).startswith("broken.xlsx: not a readable .xlsx workbook")


def test_size_and_row_caps(dbp, monkeypatch):
    monkeypatch.setenv("REGIONMAP_MAX_UPLOAD_MB", "1")
    big = csv_bytes(GOOD_ROWS) + b"#" * (1024 * 1024)
    res = importer.validate(big, "big.csv", db_path=dbp)
    assert messages(res) == [
        "big.csv: the file is 1.0 MB; the limit is 1 MB (REGIONMAP_MAX_UPLOAD_MB)"
    ]
    monkeypatch.setenv("REGIONMAP_MAX_ROWS", "2")
    res = importer.validate(csv_bytes(GOOD_ROWS), "many.csv", db_path=dbp)
    assert messages(res) == ["many.csv: the file has more than 2 rows (REGIONMAP_MAX_ROWS)"]


# ---------------------------------------------------------------------------------------
# All or nothing, dry run, idempotence, sample replacement, rights
# ---------------------------------------------------------------------------------------


def test_one_bad_row_refuses_the_whole_file(dbp):
    before = db.history(dbp)
    stat = dbp.stat()
    res = importer.commit(
        csv_bytes([*GOOD_ROWS, ["H27", "泊村", "地域振興派遣", "1", ""]]), "a.csv", db_path=dbp
    )
    assert not res.ok and res.record is None
    assert real_dispatch(dbp).empty
    assert db.history(dbp).equals(before) and dbp.stat().st_ino == stat.st_ino


def test_dry_run_shows_the_change_and_writes_nothing(dbp):
    stat = dbp.stat()
    fy15 = db.dispatches(2015, 2015, con=db.connect(dbp))
    # GOOD_ROWS: 泊村 (後志 03), 岩見沢市 (空知 01), 札幌市 (石狩 02)
    sample_2015 = int(fy15["bureau_code"].isin(["01", "02", "03"]).sum())
    res = importer.validate(csv_bytes(GOOD_ROWS), "a.csv", db_path=dbp)
    assert res.ok and res.changed
    assert (res.plan["added"], res.plan["replaced"], res.plan["unchanged"]) == (3, 0, 0)
    assert 0 < sample_2015 < len(fy15)
    assert res.plan["removed"] == sample_2015 and res.plan["removed_by_period"] == {
        "2015": sample_2015
    }
    assert [b["bureau_code"] for b in res.plan["removed_by_bureau"]] == ["01", "02", "03"]
    assert f"削除するサンプル {sample_2015}行（空知・石狩・後志）" in res.summary("ja")
    assert f"sample rows removed: {sample_2015} (Sorachi, Ishikari, Shiribeshi)" in res.summary(
        "en"
    )
    assert list(res.preview()["change"]) == ["add"] * 3 and list(res.preview()["row"]) == [2, 3, 4]
    assert "would import 3 new" in res.summary("en")
    assert dbp.stat().st_ino == stat.st_ino and dbp.stat().st_mtime_ns == stat.st_mtime_ns
    assert len(db.history(dbp)) == 1


def test_reimporting_the_same_file_changes_nothing_and_says_so(dbp):
    data = csv_bytes(GOOD_ROWS)
    first = importer.commit(data, "a.csv", db_path=dbp)
    assert first.committed and first.record["version"] == 2
    inode = dbp.stat().st_ino
    again = importer.commit(data, "a.csv", db_path=dbp)
    assert again.ok and not again.changed and not again.committed
    assert again.record["action"] == "unchanged"
    assert "no change: every row is already in the database" in again.notes
    assert again.summary("en") == "a.csv: no change (all 3 rows are already in the database)."
    assert dbp.stat().st_ino == inode and len(db.history(dbp)) == 2
    dry = importer.validate(data, "a.csv", db_path=dbp)
    assert dry.already_imported["version"] == 2
    # the record the dry run names is the history's own row of that import, field for field
    hist = db.history(dbp)
    row = hist[hist["version"] == 2].iloc[0].to_dict()
    assert dry.already_imported.keys() == row.keys()
    assert all(
        dry.already_imported[k] == v or (pd.isna(v) and pd.isna(dry.already_imported[k]))
        for k, v in row.items()
    )


def test_a_dry_run_opens_the_database_once(dbp, monkeypatch):
    from regionmap.db import store

    opened = []
    real = store.open_read_only

    def counting(path):
        opened.append(path)
        return real(path)

    for module in ("regionmap.db.store", "regionmap.db.changes"):
        monkeypatch.setattr(f"{module}.open_read_only", counting)
    data = csv_bytes(GOOD_ROWS)
    importer.commit(data, "a.csv", db_path=dbp)
    opened.clear()
    dry = importer.validate(data, "a.csv", db_path=dbp)
    # the plan, the schema check and "imported before" read one connection on the live file
    assert dry.ok and not dry.changed and dry.already_imported["version"] == 2
    assert opened == [dbp]


def test_real_rows_replace_the_sample_of_that_year_only(dbp):
    con = db.connect(dbp)
    other_years = db.dispatches(2014, 2014, con=con)
    res = importer.commit(csv_bytes(GOOD_ROWS), "a.csv", db_path=dbp)
    con = db.connect(dbp)
    fy15 = db.dispatches(2015, 2015, con=con)
    ours = fy15[fy15["bureau_code"].isin(["01", "02", "03"])]
    assert len(ours) == 3 and not ours["is_sample"].any()
    assert db.dispatches(2014, 2014, con=con).equals(other_years)
    assert "; sample rows removed: " in res.summary("en")
    assert res.summary("en").endswith(f"Now at version {res.record['version']}.")
    assert res.summary("ja").endswith(f"取り込みました（版 {res.record['version']}）。")
    # the other bureaus still show sample figures: the year is still marked sample
    assert db.headline("dispatch", fiscal_year=2015, con=con)["is_sample"] is True


TOKACHI_2016 = [["2016", "帯広市", "地域振興派遣", "1", "新規"], ["2016", "音更町", "地域振興派遣", "2", "継続"]]  # fmt: skip


def test_a_small_import_replaces_only_its_bureaus_sample_of_that_year(dbp):
    con = db.connect(dbp)
    before = db.dispatches(2016, 2016, con=con)
    tokachi = before[before["bureau_code"] == "12"]
    others = before[before["bureau_code"] != "12"]
    assert len(tokachi) > 0 and others["bureau_code"].nunique() == 13
    dry = importer.validate(csv_bytes(TOKACHI_2016), "tokachi.csv", db_path=dbp)
    assert dry.plan["removed"] == len(tokachi)
    assert f"削除するサンプル {len(tokachi)}行（十勝）" in dry.summary("ja")
    assert f"sample rows removed: {len(tokachi)} (Tokachi)" in dry.summary("en")
    res = importer.commit(csv_bytes(TOKACHI_2016), "tokachi.csv", db_path=dbp)
    assert res.committed and res.record["rows_removed"] == len(tokachi)
    con = db.connect(dbp)
    after = db.dispatches(2016, 2016, con=con)
    # the other 13 bureaus keep their FY2016 sample rows, still flagged sample
    kept = after[after["bureau_code"] != "12"]
    assert (
        kept.drop(columns="import_id", errors="ignore")
        .reset_index(drop=True)
        .equals(others.drop(columns="import_id", errors="ignore").reset_index(drop=True))
    )
    assert kept["is_sample"].all()
    real = after[after["bureau_code"] == "12"]
    assert sorted(real["municipality_code"]) == ["01207", "01631"] and not real["is_sample"].any()
    # Hokkaido's total = the other bureaus' sample + the 2 real rows (1 + 2 persons)
    h = db.headline("dispatch", fiscal_year=2016, con=con)
    assert h["value"] == int(others["persons"].sum()) + 3
    assert h["is_sample"] is True  # still partly sample: the app keeps the sample notice


def test_allowed_bureaus_limit_an_import(dbp):
    data = csv_bytes(GOOD_ROWS)
    res = importer.validate(data, "a.csv", db_path=dbp, allowed_bureaus=["03"])
    assert messages(res) == [
        "a.csv:3:市町村名: 岩見沢市 (01210) belongs to bureau 01; this import may only touch bureau(s) 03",
        "a.csv:4:市町村名: 札幌市 (01100) belongs to bureau 02; this import may only touch bureau(s) 03",
    ]
    ok = importer.commit(csv_bytes(GOOD_ROWS[:1]), "a.csv", db_path=dbp, allowed_bureaus=["03"])
    assert ok.committed and db.history(dbp).iloc[0]["bureau_scope"] == "03"


def test_total_rows_are_skipped(dbp):
    res = importer.validate(
        csv_bytes([*GOOD_ROWS, ["", "合計", "", "1,205", ""]]), "t.csv", db_path=dbp
    )
    assert res.ok and "row 5: total row skipped" in res.notes and len(res.rows) == 3


# ---------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------


def test_cli_import_history_undo_export(dbp, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD_ROWS, encoding="cp932"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["H27", "泊村", "地域振興派遣", "-1", ""]]))
    assert main(["db", "import", str(bad), "--db", str(dbp)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("bad.csv:2:市町村名: '泊村' is ambiguous")
    assert err[1] == "bad.csv:2:人数: negative count -1"
    assert err[-1] == "refused: 2 problem(s); nothing was imported"
    assert main(["db", "import", str(good), "--dry-run", "--db", str(dbp)]) == 0
    assert "would import 3 new" in capsys.readouterr().out
    assert len(db.history(dbp)) == 1
    assert main(["db", "import", str(good), "--user", "hanako", "--db", str(dbp)]) == 0
    assert "imported 3 new" in capsys.readouterr().out
    assert main(["db", "history", "--db", str(dbp)]) == 0
    out = capsys.readouterr().out
    assert "good.csv" in out and "hanako" in out
    # an aligned text table: no None/NaN/<NA>, times in Japan's time, columns line up
    assert not re.search(r"\bNone\b|\bNaN\b|<NA>|\bnan\b", out)
    lines = out.splitlines()
    assert lines[0].split() == ["version", "action", "table", "file", "added", "replaced",
                                "sample", "removed", "user", "time", "(JST)", "undone", "by",
                                "undoes", "from", "bytes", "sha256", "changes"]  # fmt: skip
    assert set(lines[1]) == {"-", " "}
    hist = db.history(dbp)
    created = dt.datetime.fromisoformat(hist.iloc[0]["created_at"])
    jst = (created + dt.timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    start = lines[0].index("time (JST)")
    assert lines[2][start : start + 16] == jst and "+00:00" not in out
    assert lines[2].split()[:4] == ["2", "import", "dispatch", "good.csv"]
    assert lines[3].split()[:2] == ["1", "init"]
    out_csv = tmp_path / "out" / "dispatch.csv"
    assert main(["db", "export", "dispatch", "--out", str(out_csv), "--db", str(dbp)]) == 0
    exported = pd.read_csv(out_csv, dtype={"municipality_code": str}, encoding="utf-8-sig")
    assert set(exported.loc[~exported["is_sample"], "municipality_code"]) == {
        "01403",
        "01210",
        "01100",
    }
    assert main(["db", "undo", "--db", str(dbp)]) == 0
    assert "undid version 2 (good.csv)" in capsys.readouterr().out
    assert real_dispatch(dbp).empty
    assert main(["db", "undo", "--db", str(dbp)]) == 1
    assert "nothing to undo" in capsys.readouterr().err


def test_cli_init(tmp_path, capsys):
    p = tmp_path / "new.duckdb"
    assert main(["db", "init", "--db", str(p)]) == 0
    assert "created" in capsys.readouterr().out
    assert main(["db", "init", "--db", str(p)]) == 0
    assert "exists" in capsys.readouterr().out
    assert main(["db", "init", "--force", "--db", str(p)]) == 0
    assert list(db.history(p)["action"]) == ["init", "init"]


def test_damaged_uploads_never_raise(dbp):
    import random

    rng = random.Random(7)
    good_xlsx = xlsx_bytes(GOOD_ROWS)
    good_csv = csv_bytes(GOOD_ROWS, encoding="cp932")
    for good, name in ((good_xlsx, "d.xlsx"), (good_csv, "d.csv")):
        for _ in range(60):
            data = bytearray(good)
            for _ in range(rng.randint(1, 30)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            res = importer.validate(bytes(data), name, db_path=dbp)  # must not raise
            assert res.ok or all(str(e).startswith(name) for e in res.errors)


def test_messages_and_notes_in_japanese(dbp):
    rows = [["H27", "泊村", "地域振興派遣", "-1", ""], ["H27", "札幌市中央区", "交流", "1", ""]]
    res = importer.validate(csv_bytes(rows), "j.csv", db_path=dbp)
    assert [i.format("ja") for i in res.errors] == [
        "j.csv:2:市町村名: '泊村'は複数あります（古宇郡泊村（01403）、国後郡泊村（01696））。"
        "郡名を付けるかコードで指定してください",
        "j.csv:2:人数: 負の数です: -1",
    ]
    assert "3行目: 札幌市中央区（01101）は札幌市（01100）として集計します" in res.note_texts("ja")
    assert all(i.text("en") == i.message for i in res.errors)
    refused = importer.validate(b"\x00\x01binary", "b.csv", db_path=dbp)
    assert refused.errors[0].text("ja").startswith("CSVの文字データではなくバイナリデータ")


# --- issue 21, defect 11: a mixed encoding is refused naming the line where it changes ------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_mixed_encoding_csv_names_the_line_and_byte_where_decoding_failed(dbp, bom):
    header = "年度,市町村コード,市町村名,派遣区分,人数\n".encode()
    line2 = "2016,012106,岩見沢市,地域振興派遣,3\n".encode()
    line3 = "2016,012017,帯広市,地域振興派遣,4\n".encode("cp932")  # Shift_JIS, the rest UTF-8
    line4 = "2016,012025,旭川市,地域振興派遣,5\n".encode()
    res = importer.validate(bom + header + line2 + line3 + line4, "mixed.csv", db_path=dbp)
    assert not res.ok
    (issue,) = res.errors
    assert issue.row == 3
    at = line3.index("帯".encode("cp932")) + 1  # the first byte that is not UTF-8, 1-based
    assert f"at line 3 (byte {at} of the line," in issue.text("en"), issue.text("en")
    assert f"3行目（その行の{at}バイト目、" in issue.text("ja"), issue.text("ja")
    assert "Shift_JIS" in issue.text("en") and "UTF-8" in issue.text("en")
    assert "byte 24" not in issue.text("en")  # not inside the valid header
    assert issue.where() == "mixed.csv:3"


def test_a_shift_jis_csv_with_a_utf8_line_names_that_line(dbp):
    lines = ["年度,市町村コード,市町村名,派遣区分,人数", "2016,012106,岩見沢市,地域振興派遣,3"]
    data = ("\n".join(lines) + "\n").encode("cp932")
    data += "2016,012017,帯広市,地域振興派遣,4\n".encode() + b"2016,012025,x,y,5\n"
    res = importer.validate(data, "mixed.csv", db_path=dbp)
    assert not res.ok and res.errors[0].row == 3, res.errors[0].text("en")
    assert "line 3" in res.errors[0].text("en")


# --- issue 21: a former (merged) municipality is not matched to a look-alike ---------------


def test_a_former_name_without_a_merger_record_says_it_may_have_merged_not_a_lookalike(dbp):
    rows = [["2016", "門別町", "地域振興派遣", "1"]]  # merged into 日高町 (2006); no record here
    res = importer.validate(csv_bytes(rows, header=HEADER[:4]), "m.csv", db_path=dbp)
    (issue,) = res.errors
    en, ja = issue.text("en"), issue.text("ja")
    assert "no Hokkaido municipality is called 門別町 today" in en and "may have merged" in en
    assert "門別町という市町村は現在の北海道にはありません" in ja and "合併" in ja
    # look-alikes are never offered as the likely one (陸別町, 遠別町, 湧別町 are unrelated)
    assert "did you mean" not in en and "もしかして" not in ja
    assert "日高町" not in en  # no successor without a sourced record


def test_a_former_name_with_a_sourced_merger_names_its_successor_and_is_not_guessed(dbp):
    rows = [
        ["2008", "上湧別町", "地域振興派遣", "1"],
        ["2008", "紋別郡上湧別町", "地域振興派遣", "1"],
    ]
    res = importer.validate(csv_bytes(rows, header=HEADER[:4]), "m.csv", db_path=dbp)
    assert not res.ok and len(res.errors) == 2  # refused, not imported as 湧別町
    for issue in res.errors:
        en, ja = issue.text("en"), issue.text("ja")
        assert "上湧別町 no longer exists: it merged into 湧別町 (01559) on 2009-10-05" in en
        assert "上湧別町は2009-10-05に湧別町（01559）と合併し、現在はありません" in ja
        assert "source:" in en and "主要財政指標一覧" in en


def test_every_merger_record_names_a_current_municipality_and_its_source():
    from regionmap import reference

    m = reference.mergers()
    assert len(m) >= 1
    current = reference.municipalities().set_index("code")
    names = set(current["name_ja"])
    for r in m.itertuples():
        assert r.successor_code in current.index, r
        assert current.loc[r.successor_code, "name_ja"] == r.successor_name_ja
        assert r.former_name_ja not in names or r.former_name_ja == r.successor_name_ja
        assert r.source.strip() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.merged_on)
