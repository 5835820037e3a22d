"""Export to CSV/Excel (formula-injection safe) and the import templates."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import full_disk
import openpyxl
import pandas as pd
import pytest

from regionmap import db
from regionmap.db import export, importer

HOSTILE = pd.DataFrame(
    {
        "name": ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rx", "岩見沢市", "a=b"],
        "value": [1, -5, 2.5, 0, 3, 4, 5, 6],
    }
)  # fmt: skip
SAFE_NAMES = ["'=HYPERLINK(\"http://evil\",\"x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "'\rx", "岩見沢市", "a=b"]  # fmt: skip


def test_neutralise_text_only():
    assert [export.neutralise(v) for v in HOSTILE["name"]] == SAFE_NAMES
    assert (
        export.neutralise(-5) == -5
        and export.neutralise(2.5) == 2.5
        and export.neutralise(None) is None
    )


def test_csv_export_is_formula_safe_utf8_with_bom():
    data = export.to_csv_bytes(HOSTILE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "value"]
    assert [r[0] for r in rows[1:]] == SAFE_NAMES
    # numbers stay numbers (no apostrophe before -5)
    assert [float(r[1]) for r in rows[1:]] == [1, -5, 2.5, 0, 3, 4, 5, 6]


def test_xlsx_export_writes_no_formula_cells():
    wb = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(HOSTILE, "t")))
    ws = wb["t"]
    names = [ws.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE))]
    assert all(c.data_type == "s" for c in names)  # text, never "f" (formula)
    # (xlsx stores a carriage return as _x000D_)
    assert [c.value.replace("_x000D_", "\r") for c in names] == SAFE_NAMES
    assert [ws.cell(row=r, column=2).value for r in range(2, 2 + len(HOSTILE))] == [
        1,
        -5,
        2.5,
        0,
        3,
        4,
        5,
        6,
    ]


def test_list_cells_are_exported_as_text():
    df = pd.DataFrame({"ids": [["a", "b"], []]})
    back = pd.read_csv(
        io.BytesIO(export.to_csv_bytes(df)), encoding="utf-8-sig", keep_default_na=False
    )
    assert list(back["ids"]) == ["a; b", ""]


@pytest.fixture(scope="module")
def dbp(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("exp") / "regionmap.duckdb"
    db.init_database(p)
    return p


def test_export_table_and_filtered_view(dbp, tmp_path):
    n = export.export_table("bureaus", tmp_path / "b.xlsx", db_path=dbp)
    assert n == 14
    back = pd.read_excel(tmp_path / "b.xlsx", dtype=str)
    assert list(back["bureau_code"])[:2] == ["01", "02"] and "空知総合振興局" in set(
        back["name_ja"]
    )
    view = db.dispatches(2015, 2015, bureau_code="01", con=db.connect(dbp))
    data = export.frame_bytes(view, "csv")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"municipality_code": str})
    assert len(back) == len(view) and set(back["bureau_code"].astype(str).str.zfill(2)) <= {"01"}
    with pytest.raises(KeyError):
        export.export_table("no_such_table", tmp_path / "x.csv", db_path=dbp)
    with pytest.raises(ValueError, match=".csv or .xlsx"):
        export.export_table("bureaus", tmp_path / "x.json", db_path=dbp)


def test_export_to_an_impossible_path_names_the_file_not_the_database(dbp, tmp_path, capsys):
    from regionmap.__main__ import main

    (tmp_path / "plain").write_text("x")
    out = tmp_path / "plain" / "m.csv"  # under a file: the folder cannot be made
    assert main(["db", "export", "municipalities", "--out", str(out), "--db", str(dbp)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"could not write the export file {out}" in err
    assert "could not write the database" not in err and "swapped in" not in err
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.skipif(full_disk.unavailable() is not None, reason=str(full_disk.unavailable()))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_to_a_full_disk_names_the_file_and_leaves_no_partial_file(dbp, tmp_path, fmt):
    mount = tmp_path / "small"
    out = mount / f"municipalities.{fmt}"
    res = full_disk.run_cli(
        ["db", "export", "municipalities", "--out", str(out), "--db", str(dbp)],
        mount=mount,
        size_kb=8,  # the table's file is larger
    )
    assert res.returncode == 1, res.stdout
    assert "Traceback" not in res.stderr + res.stdout
    assert f"could not write the export file {out}" in res.stderr
    assert "the disk is full (No space left on device)" in res.stderr
    assert "could not write the database" not in res.stderr
    assert full_disk.left(res) == []  # neither municipalities.csv nor its .tmp


@pytest.mark.parametrize("table", list(export.TEMPLATE_COLUMNS))
def test_templates_have_the_importer_headers(table):
    csv = export.template_bytes(table, "csv")
    assert csv.startswith(b"\xef\xbb\xbf")
    assert csv.decode("utf-8-sig").strip().split(",") == export.TEMPLATE_COLUMNS[table]
    wb = openpyxl.load_workbook(io.BytesIO(export.template_bytes(table, "xlsx")))
    assert [c.value for c in wb[table][1]] == export.TEMPLATE_COLUMNS[table]
    assert wb["説明"].max_row > 3  # instructions sheet
    committed = export.TEMPLATE_DIR / f"{table}_template.csv"
    assert committed.read_bytes() == csv  # data/templates/ is generated by write_templates()


FILLED = {
    "dispatch": [["R1", "011002", "", "相互交流", "2", "新規", ""]],
    "sites": [
        ["", "みんなのサロン", "", "ニセコ町", "サロン", "140.69", "42.80", "2019", "町内会", ""]
    ],
    "evacuees": [["2019年4月", "", "札幌市", "福島県", "1,000", ""]],
    "kyoryokutai": [["R1", "011002", "", "3", ""]],
    "migration_trials": [["2019年度", "", "ニセコ町", "12", ""]],
    "wide_area_groups": [["十勝定住自立圏", "定住自立圏", "", "帯広市", "中心市", "H22", "", ""]],
}


@pytest.mark.parametrize("table", list(export.TEMPLATE_COLUMNS))
def test_a_filled_template_imports(dbp, tmp_path, table):
    p = tmp_path / "copy.duckdb"
    shutil.copyfile(dbp, p)
    wb = openpyxl.load_workbook(io.BytesIO(export.template_bytes(table, "xlsx")))
    ws = wb[table]
    for row in FILLED[table]:
        ws.append([v or None for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    res = importer.commit(buf.getvalue(), f"{table}.xlsx", db_path=p)
    assert res.ok, [str(e) for e in res.errors]
    assert res.table == table and res.committed and res.plan["added"] == 1
