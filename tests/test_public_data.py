"""The ministry's fiscal indicators: every edition read as published, the committed Hokkaido
extract, its load into the database and the queries that never sum them (issue #23)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionmap import figures
from regionmap.db import indicators, public
from regionmap.db.importer import fiscal
from regionmap.db.importer.reading import workbook_grid
from regionmap.db.importer.result import Refused

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "soumu" / "zaisei"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/data/soumu/zaisei is not there (the ministry's files)"
)
#: The editions, H17 (FY2005) to R3 (FY2021).
EDITIONS = [f"H{n}.xls" for n in range(17, 28)] + [
    f"{e}.xlsx" for e in ("H28", "H29", "H30", "R1", "R2", "R3")
]


@pytest.fixture(scope="session")
def grids() -> dict[str, list]:
    """Each workbook read once per session (python-calamine)."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data/soumu/zaisei is not there")
    return {name: workbook_grid((SHARED / name).read_bytes(), name) for name in EDITIONS}


@pytest.fixture(scope="session")
def editions(grids) -> dict[str, fiscal.Edition]:
    return {name: fiscal.read_edition(grid, name) for name, grid in grids.items()}


@needs_shared
@pytest.mark.parametrize("name", EDITIONS)
def test_every_edition_reads_as_published(editions, name):
    ed = editions[name]
    assert ed.ok, [str(e) for e in ed.errors]
    fy = 2005 + EDITIONS.index(name)
    assert ed.fiscal_year == fy
    assert ed.national and ed.other_prefectures == 46 and ed.other_prefecture_rows > 1500
    before_merger = fy < 2009
    # 180 Hokkaido rows before the 2009 merger (上湧別町 and the former 湧別町), 179 after
    assert ed.hokkaido_rows == (180 if before_merger else 179)
    assert len(ed.rows) == (178 if before_merger else 179)
    assert [n for _, n in ed.former] == (["上湧別町", "湧別町"] if before_merger else [])
    assert ("01559" in set(ed.rows["municipality_code"])) is not before_merger
    assert ed.rows["municipality_code"].is_unique
    assert ed.average_rows  # the 全国市町村平均 row is recognised, not read as a town
    notes = " ".join(n.text("en") for n in ed.notes)
    assert f"{ed.other_prefecture_rows} rows of 46 other prefectures are set aside" in notes
    assert "Tomari of Furu District (01403)" in notes
    tomari = ed.rows.set_index("municipality_code").loc["01403"]
    assert tomari["name_published"] == "泊村"
    assert "01696" not in set(ed.rows["municipality_code"])


@needs_shared
def test_fy2015_values_and_missing_marks(editions):
    rows = editions["H27.xls"].rows.set_index("municipality_code")
    assert rows.loc["01209", "real_debt_service_ratio"] == 76.3  # 夕張市
    assert rows.loc["01403", "fiscal_capability"] == 1.81  # 泊村
    assert rows.loc["01100", "fiscal_capability"] == 0.72  # 札幌市
    # 「-」 is missing, never 0: 泊村 has no future burden
    assert rows["future_burden_ratio"].isna()["01403"]
    assert editions["H27.xls"].missing_cells == 72
    assert not (rows["future_burden_ratio"] == 0).any()


@needs_shared
def test_header_variants_and_values_as_text(editions):
    h17 = editions["H17.xls"].rows.set_index("municipality_code")
    assert h17.loc["01100", "laspeyres"] == 98.6  # written as text in FY2005
    assert h17.loc["01100", "bond_restriction_ratio"] == 14.8
    assert h17["future_burden_ratio"].isna().all()
    assert editions["H19.xls"].rows["laspeyres"].isna().all()  # FY2007 has no such column
    h24 = editions["H24.xls"].rows.set_index("municipality_code")
    assert h24.loc["01100", "laspeyres"] == 108.9
    assert h24.loc["01100", "laspeyres_reference"] == 100.6
    assert editions["H21.xls"].year_from == "file_name"
    assert editions["H30.xlsx"].year_from == "title"


def _edit(grid, row_index, col, value):
    out = [(r, list(c)) for r, c in grid]
    out[row_index][1][col] = value
    return out


@needs_shared
def test_unknown_name_in_a_names_only_file_is_refused_naming_the_row(grids):
    grid = _edit(grids["H21.xls"], 2, 1, "札幌町")  # row 3: 札幌市 misspelt
    ed = fiscal.read_edition(grid, "H21.xls")
    assert not ed.ok
    assert [(e.row, e.column) for e in ed.errors] == [(3, "B")]
    assert "札幌町" in ed.errors[0].text("ja")


@needs_shared
def test_a_wrong_check_digit_or_a_code_of_another_name_is_refused(grids):
    ed = fiscal.read_edition(_edit(grids["H27.xls"], 2, 0, "011003"), "H27.xls")
    assert [(e.row, e.column) for e in ed.errors] == [(3, "A")]
    assert "011002" in ed.errors[0].text("en")
    ed = fiscal.read_edition(_edit(grids["H27.xls"], 2, 0, "012025"), "H27.xls")
    assert [(e.row, e.column) for e in ed.errors] == [(3, "C")]


@needs_shared
def test_unknown_year_is_refused_asking_for_it(grids):
    with pytest.raises(Refused) as exc:
        fiscal.read_edition(grids["H27.xls"], "zaisei.xls")
    assert "--fiscal-year" in exc.value.reason.text("en")
    assert "年度を指定してください" in exc.value.reason.text("ja")
    ed = fiscal.read_edition(grids["H27.xls"], "zaisei.xls", fiscal_year=2015)
    assert ed.fiscal_year == 2015 and ed.year_from == "given"
    with pytest.raises(Refused):  # the title says FY2018: another year is refused
        fiscal.read_edition(grids["H30.xlsx"], "H30.xlsx", fiscal_year=2017)


@needs_shared
def test_a_foreign_row_in_a_hokkaido_file_stays_refused(grids):
    grid = grids["H27.xls"]
    hokkaido = [grid[0], grid[1]] + [(r, c) for r, c in grid if c[1] == "北海道"]
    ed = fiscal.read_edition(hokkaido + [grid[-2]], "H27.xls")
    assert not ed.national and not ed.ok
    assert ed.errors[0].row == grid[-2][0]


@needs_shared
def test_the_committed_extract_is_what_the_build_makes(tmp_path):
    rows, eds = public.build(SHARED)
    assert len(eds) == 17
    assert public.to_csv(rows) == public.EXTRACT.read_text(encoding="utf-8")


def test_the_extract_holds_179_municipalities_for_17_years():
    df = public.read_extract()
    per_year = df.groupby("fiscal_year").size()
    assert list(per_year.index) == list(range(2005, 2022))
    assert set(per_year[per_year.index < 2009]) == {178}
    assert set(per_year[per_year.index >= 2009]) == {179}
    readme = (public.EXTRACT.parent / "README.md").read_text(encoding="utf-8")
    assert figures.source("soumu_zaisei").credit[0] in readme
    assert "build-public --from" in readme


def test_setup_loads_the_extract_and_queries_never_sum(db_path):
    from regionmap import db

    con = db.connect(db_path)
    vals = indicators.indicator_values("real_debt_service_ratio", 2015, con=con)
    assert len(vals) == 179
    yubari = vals.set_index("municipality_code").loc["01209"]
    assert yubari["value"] == 76.3 and yubari["at_or_above_rebuilding"]
    assert not yubari["is_sample"] and "総務省" in yubari["credit_ja"]
    sorachi = indicators.indicator_by_area("real_debt_service_ratio", "bureau", 2015, con=con)
    sorachi = sorachi.set_index("area_code").loc["01"]
    assert sorachi["max"] == 76.3 and sorachi["n"] == 24
    assert sorachi["count_at_or_above_rebuilding"] == 1
    assert sorachi["median"] < 76.3 and sorachi["summary_key"] == "summary.median_range"
    # 将来負担比率: Sapporo, a designated city, is held to 400 %, the others to 350 %
    series = indicators.indicator_series("01100", "future_burden_ratio", con=con)
    assert series["thresholds"].iloc[0][0]["value"] == 400.0
    assert list(series["fiscal_year"]) == list(range(2008, 2022))
    # 湧別町 before the merger: no value, never the former town's
    yubetsu = indicators.indicator_series("01559", "fiscal_capability", con=con)
    assert yubetsu.set_index("fiscal_year")["value"].loc[2005:2008].isna().all()
    assert indicators.indicator_default_year("fiscal_capability", con=con) == 2015


# --- db import of the workbooks as published -------------------------------------------------


@pytest.fixture(scope="session")
def workbook_bytes() -> dict[str, bytes]:
    """Each workbook's bytes, read once per session."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data/soumu/zaisei is not there")
    return {name: (SHARED / name).read_bytes() for name in EDITIONS}


@needs_shared
@pytest.mark.parametrize("name", ["H17.xls", "H21.xls", "H24.xls", "H27.xls", "R3.xlsx"])
def test_db_import_dry_run_recognises_an_edition(workbook_bytes, base_db, name):
    from regionmap.db import importer

    res = importer.validate(workbook_bytes[name], name, db_path=base_db)
    assert res.ok, [str(e) for e in res.errors]
    assert res.table == "fiscal_indicators"
    fy = 2005 + EDITIONS.index(name)
    n = 178 if fy < 2009 else 179
    # the committed extract is in the database: the edition changes nothing
    assert (res.plan["added"], res.plan["replaced"], res.plan["unchanged"]) == (0, 0, n)
    notes = " ".join(res.note_texts("ja"))
    assert "都府県の" in notes and "取り込まず、数えるだけ" in notes
    if fy < 2009:
        assert "上湧別町" in notes and "地図にも描きません" in notes
    assert "取り込む表" not in notes


@needs_shared
def test_db_import_command_line_dry_run_and_real(workbook_bytes, geo_dir, tmp_path, monkeypatch,
                                                 capsys):  # fmt: skip
    from regionmap.__main__ import main
    from regionmap.db import history
    from regionmap.db.load import init_database
    from regionmap.db.store import open_read_only

    # a database built without the extract (a checkout without data/public): the table is empty
    monkeypatch.setattr(public, "EXTRACT", tmp_path / "missing.csv")
    dbp = tmp_path / "db" / "regionmap.duckdb"
    init_database(dbp)
    # a copy of the FY2015 edition under another name: the year is asked for, never guessed
    f = tmp_path / "zaisei.xls"
    f.write_bytes(workbook_bytes["H27.xls"])
    assert main(["db", "import", str(f), "--dry-run", "--db", str(dbp)]) == 1
    err = capsys.readouterr().err
    assert "--fiscal-year" in err and "nothing was imported" in err
    assert main(["db", "import", str(f), "--fiscal-year", "2015", "--db", str(dbp)]) == 0
    out = capsys.readouterr().out
    assert "1562 rows of 46 other prefectures are set aside" in out
    con = open_read_only(dbp)
    try:
        rows = con.execute(
            "SELECT count(*), count(future_burden_ratio), "
            "max(real_debt_service_ratio) FILTER (WHERE municipality_code = '01209') "
            "FROM fiscal_indicators WHERE fiscal_year = 2015"
        ).fetchone()
    finally:
        con.close()
    assert rows == (179, 179 - 72, 76.3)  # 「-」 stored as NULL, never 0
    hist = history(dbp)
    last = hist[hist["action"] == "import"].iloc[-1]
    assert last["table_name"] == "fiscal_indicators" and last["rows_added"] == 179


@needs_shared
def test_the_data_page_reads_an_edition_with_the_year_field(workbook_bytes, dbp):
    from regionmap.ui.views import data as dataview

    data = workbook_bytes["H28.xlsx"]  # no year in its title
    res = dataview.check_upload(data, "shihyo.xlsx", db_path=dbp)
    assert not res.ok and "年度を指定してください" in res.errors[0].text("ja")
    res = dataview.check_upload(data, "shihyo.xlsx", db_path=dbp, fiscal_year=2016)
    assert res.ok and res.table == "fiscal_indicators"
    assert res.plan["unchanged"] == 179
