"""Issue #10: nothing wrong gets in. Each case a file the test makes, ending in a clear
refusal that says what and where, or a correct import with nothing lost."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import full_disk
import pandas as pd
import pytest
from import_helpers import messages, xlsx_of

from regionmap import db
from regionmap.__main__ import main
from regionmap.db import importer
from regionmap.db.importer import reading, xlsxfile

HEADER = ["年度", "市町村コード", "市町村名", "派遣区分", "人数"]


def csv_of(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def real_dispatch(dbp) -> list[tuple]:
    df = db.dispatches(con=db.connect(dbp)).query("not is_sample")
    return sorted(zip(df["municipality_code"], df["persons"], strict=True))


# ---------------------------------------------------------------------------------------
# 1. Municipality codes that cannot misplace a figure
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        # Tokyo: not a Hokkaido municipality, not a check-digit complaint
        ("13101", "", "13101 is not a Hokkaido municipality (prefecture 13, 東京都)"),
        ("131016", "", "131016 is not a Hokkaido municipality (prefecture 13, 東京都)"),
        # Chiba's 成田市 alone: never 01221 名寄市
        ("12211", "", "12211 is not a Hokkaido municipality (prefecture 12, 千葉県)"),
        (
            "12211",
            "成田市",
            "12211 is not a Hokkaido municipality (prefecture 12, 千葉県), and the name "
            "'成田市' does not confirm reading it as 012211 名寄市 (leading zero lost)",
        ),
        # 千葉市緑区 and さいたま市: never 岩見沢市 or 札幌市
        ("12106", "", "12106 is not a Hokkaido municipality (prefecture 12, 千葉県)"),
        ("11100", "さいたま市", "11100 is not a Hokkaido municipality (prefecture 11, 埼玉県)"),
        ("02201", "", "02201 is not a Hokkaido municipality (prefecture 02, 青森県)"),
        # a Hokkaido code with another name: both named
        (
            "01221",
            "成田市",
            "code 01221 is 名寄市 (01221), but the name says '成田市'; correct one of them",
        ),
        ("012025", "小樽市", "code 012025 is 函館市 (01202), but the name says '小樽市'"),
    ],
)
def test_a_code_is_refused_unless_it_is_hokkaido_and_agrees_with_the_name(dbp, code, name, message):
    data = csv_of([",".join(HEADER), f"H27,{code},{name},地域振興派遣,2"])
    res = importer.commit(data, "codes.csv", db_path=dbp)
    assert not res.ok and not res.committed
    assert len(res.errors) == 1
    assert str(res.errors[0]).startswith("codes.csv:2:市町村コード: " + message), messages(res)
    assert real_dispatch(dbp) == []


def test_tokyo_code_is_named_in_japanese_too(dbp):
    data = csv_of([",".join(HEADER), "H27,13101,,地域振興派遣,2"])
    res = importer.validate(data, "tokyo.csv", db_path=dbp)
    assert (
        res.errors[0]
        .format("ja")
        .startswith(
            "tokyo.csv:2:市町村コード: 13101は北海道の市町村コードではありません（都道府県コード13、東京都）"
        )
    )


def test_agreeing_code_and_name_import_with_district_forms_and_variants(dbp):
    data = csv_of(
        [
            ",".join(HEADER),
            "H27,01403,泊村,地域振興派遣,1",  # the code tells the two 泊村 apart
            "H27,012025,北海道　函館市,地域振興派遣,2",  # prefix, full-width space
            "H27,01361,桧山郡江差町,地域振興派遣,3",  # 桧 for 檜
            "H27,011011,札幌市,地域振興派遣,4",  # a ward's code with its city's name
            "H27,12211,名寄市,地域振興派遣,5",  # lost zero, confirmed by the name
        ]
    )
    res = importer.commit(data, "agree.csv", db_path=dbp)
    assert res.ok, messages(res)
    assert real_dispatch(dbp) == [
        ("01100", 4),
        ("01202", 2),
        ("01221", 5),
        ("01361", 3),
        ("01403", 1),
    ]
    assert any(
        "row 6: code 12211 read as 012211 名寄市 (leading zero lost), as the name confirms" in n
        for n in res.notes
    ), res.notes


# ---------------------------------------------------------------------------------------
# 2. CSV that cannot swallow rows
# ---------------------------------------------------------------------------------------


def test_an_unterminated_quote_is_refused_naming_its_line(dbp):
    lines = [
        "年度,市町村名,派遣区分,人数,備考",
        'H27,岩見沢市,地域振興派遣,2,"memo',
        "H27,夕張市,地域振興派遣,1,",
        "H27,美唄市,地域振興派遣,1,",
        "H27,芦別市,地域振興派遣,1,",
        "H27,赤平市,地域振興派遣,1,",
    ]
    res = importer.commit(csv_of(lines), "quote.csv", db_path=dbp)
    assert not res.ok and not res.committed
    assert messages(res) == [
        'quote.csv:2: line 2: a quote (") opened in field 5 is never closed, so lines 2–6 '
        "would be read as one cell; close the quote or remove it"
    ]
    assert real_dispatch(dbp) == []


def test_a_quote_closed_lines_later_is_refused_as_swallowing_rows(dbp):
    lines = [
        "年度,市町村名,派遣区分,人数,備考",
        'H27,岩見沢市,地域振興派遣,2,"memo',
        "H27,夕張市,地域振興派遣,1,",
        'H27,美唄市,地域振興派遣,1,x"',
    ]
    res = importer.validate(csv_of(lines), "q2.csv", db_path=dbp)
    assert messages(res) == [
        'q2.csv:2: lines 2–4 are read as one row: a quote (") opened on line 2 closes only '
        "on line 4, and line 3 inside it looks like a row of its own; check the quotes"
    ]
    # closed in the middle of a later line: refused naming where it opened
    lines[3] = 'H27,美唄市,地域振興派遣,1,"x"'
    res = importer.validate(csv_of(lines), "q3.csv", db_path=dbp)
    assert messages(res)[0].startswith(
        'q3.csv:2: line 2: a quote (") opened in field 5 runs to line 4, where it is not '
        "followed by a separator"
    ), messages(res)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("H27,岩見沢市,地域振興派遣", "line 3 has 3 fields but the header (line 1) has 4"),
        ("H27,岩見沢市,地域振興派遣,2,3", "line 3 has 5 fields but the header (line 1) has 4"),
    ],
)
def test_a_row_with_another_field_count_is_refused_with_its_line(dbp, row, message):
    lines = ["年度,市町村名,派遣区分,人数", "H27,夕張市,地域振興派遣,1", row]
    res = importer.commit(csv_of(lines), "fields.csv", db_path=dbp)
    assert not res.ok and not res.committed
    assert messages(res)[0].startswith("fields.csv:3: " + message), messages(res)


@pytest.mark.parametrize(
    ("lines", "counts", "note"),
    [
        pytest.param(
            [
                "年度,市町村名,派遣区分,人数,備考",
                'H27,岩見沢市,地域振興派遣,2,"一行目',
                '二行目"',
                "H27,夕張市,地域振興派遣,1,",
            ],
            (3, 2),
            "3 data lines in the file, 2 rows read: 1 lines are inside cells that span lines",
            id="a-legitimate-multi-line-cell",
        ),
        pytest.param(
            [
                "年度,市町村名,派遣区分,人数,,",
                "H27,夕張市,地域振興派遣,1,,",
                "",
                "H27,美唄市,自治法派遣,2",
            ],
            (2, 2),
            "2 data lines in the file, 2 rows read",
            id="trailing-empty-fields-and-a-blank-line",
        ),
    ],
)
def test_a_good_file_is_kept_with_its_lines_and_rows_counted_in_the_preview(
    dbp, lines, counts, note
):
    res = importer.validate(csv_of(lines), "ok.csv", db_path=dbp)
    assert res.ok, messages(res)
    assert (res.data_lines, res.rows_read) == counts
    assert note in res.notes


# ---------------------------------------------------------------------------------------
# 3. Every column accounted for
# ---------------------------------------------------------------------------------------


def test_unknown_columns_are_listed_as_ignored(dbp):
    lines = ["年度,市町村名,派遣区分,人数,備考,担当者", "H27,夕張市,地域振興派遣,1,メモ,山田"]
    res = importer.validate(csv_of(lines), "cols.csv", db_path=dbp)
    assert res.ok and res.ignored_columns == ["備考", "担当者"]
    assert "column(s) not imported (ignored): 備考, 担当者" in res.notes
    assert "取り込まない列（無視します）: 備考、担当者" in res.note_texts("ja")


# ---------------------------------------------------------------------------------------
# 6. Bounded cost
# ---------------------------------------------------------------------------------------


def test_a_one_line_csv_is_refused_before_parsing(dbp):
    data = ("年度," + "x" * 300_000).encode()
    res = importer.validate(data, "oneline.csv", db_path=dbp)
    assert messages(res) == [
        "oneline.csv:1: line 1 has 300,003 characters; the limit is 20,000 "
        "(REGIONMAP_MAX_LINE_CHARS): is this a CSV table?"
    ]


def _workbook(sheets: int, rows: int) -> bytes:
    header, row = ["年度", "市町村名", "派遣区分", "人数"], ["H27", "夕張市", "地域振興派遣", 1]
    return xlsx_of({f"s{k}": [header] + [row] * rows for k in range(sheets)})


@pytest.mark.parametrize(
    ("limit", "sheets", "rows", "message"),
    [
        (
            ("REGIONMAP_MAX_SHEETS", "3"),
            4,
            1,
            "limit.xlsx: the workbook has 4 sheets; the limit is 3 (REGIONMAP_MAX_SHEETS): "
            "save the sheet to import on its own",
        ),
        (
            ("REGIONMAP_MAX_CELLS", "100"),
            1,
            40,
            "limit.xlsx: the file has more than 100 cells; the limit is 100 "
            "(REGIONMAP_MAX_CELLS): keep only the table to import",
        ),
        (
            ("REGIONMAP_MAX_ROWS", "5"),
            1,
            40,
            "limit.xlsx: the file has more than 5 rows (REGIONMAP_MAX_ROWS)",
        ),
    ],
    ids=["sheets", "cells", "rows"],
)
def test_a_workbook_over_a_limit_is_refused_before_it_is_parsed(
    dbp, monkeypatch, limit, sheets, rows, message
):
    monkeypatch.setenv(*limit)
    res = importer.validate(_workbook(sheets, rows), "limit.xlsx", db_path=dbp)
    assert messages(res) == [message]


def test_too_many_cells_in_a_csv_are_refused_while_reading(dbp, monkeypatch):
    monkeypatch.setenv("REGIONMAP_MAX_CELLS", "100")
    lines = ["年度,市町村名,派遣区分,人数"] + ["H27,夕張市,地域振興派遣,1"] * 40
    res = importer.validate(csv_of(lines), "cells.csv", db_path=dbp)
    assert messages(res) == [
        "cells.csv:26: the file has more than 100 cells (at row 26); the limit is 100 "
        "(REGIONMAP_MAX_CELLS): keep only the table to import"
    ]


def test_only_the_sheet_with_the_table_is_read_in_full(dbp):
    data = xlsx_of(
        {
            "メモ": [[f"note {k}", k] for k in range(200)],
            "派遣": [
                ["年度", "市町村名", "派遣区分", "人数"],
                ["H27", "夕張市", "地域振興派遣", 1],
            ],
        }
    )
    sheets, names = xlsxfile.read_sheets(data, 1000)
    assert [(t, len(rows)) for t, rows in sheets] == [("メモ", 30), ("派遣", 2)]
    assert names == ["メモ", "派遣"]
    res = importer.validate(data, "two.xlsx", db_path=dbp)
    assert res.ok and res.sheet == "派遣" and len(res.rows) == 1
    # the sheet that was not read is named, never passed over in silence
    assert any("メモ" in n and "読み込んでいないシート" in n for n in res.notes_ja), res.notes_ja
    assert any("not read" in n and "メモ" in n for n in res.notes), res.notes


def test_an_as_of_date_in_a_data_row_is_not_the_files_month(dbp):
    """A source cell "令和元年12月1日現在の調査" below the header does not set every row's
    month: without a title above the header (or a month column) the file is refused."""
    text = "市町村名,避難者数,出典\n札幌市,100,令和元年12月1日現在の調査\n"
    res = importer.validate(text.encode(), "evac.csv", db_path=dbp)
    assert not res.ok and [e.column for e in res.errors] == ["年月"], res.errors
    titled = "令和元年12月1日現在\n" + text
    ok = importer.validate(titled.encode(), "evac.csv", db_path=dbp)
    assert ok.ok and ok.table == "evacuees"
    assert {str(m)[:7] for m in ok.rows["month"]} == {"2019-12"}


def test_reading_that_takes_too_long_is_stopped_with_the_row(dbp, monkeypatch):
    monkeypatch.setenv("REGIONMAP_MAX_PARSE_SECONDS", "5")
    clock = itertools.count(0, 1.0)  # every look at the clock: one more second
    monkeypatch.setattr(reading.time, "monotonic", lambda: next(clock))
    lines = ["年度,市町村名,派遣区分,人数"] + ["H27,夕張市,地域振興派遣,1"] * 3000
    res = importer.validate(csv_of(lines), "slow.csv", db_path=dbp)
    assert not res.ok
    assert messages(res)[0].startswith("slow.csv:")
    assert "reading the file took more than 5 s (stopped at row" in messages(res)[0]


# ---------------------------------------------------------------------------------------
# 8. Messages, never tracebacks
# ---------------------------------------------------------------------------------------


def test_an_out_of_range_count_is_a_row_level_error(dbp):
    lines = [
        "年度,市町村名,派遣区分,人数",
        "H27,夕張市,地域振興派遣,1",
        "H27,美唄市,地域振興派遣,3000000000",
    ]
    res = importer.commit(csv_of(lines), "big.csv", db_path=dbp)
    assert not res.committed
    assert messages(res) == [
        "big.csv:3:人数: 3,000,000,000 is more than 10,000,000, the most one row may hold "
        "(Hokkaido's population is about 5.1 million): a typo?"
    ]


def test_utf16_text_from_excel_is_read(dbp):
    text = "年度\t市町村名\t派遣区分\t人数\r\nH27\t夕張市\t地域振興派遣\t2\r\n"
    res = importer.commit(b"\xff\xfe" + text.encode("utf-16-le"), "unicode.txt", db_path=dbp)
    assert res.ok and res.committed, messages(res)
    assert "read as CSV (utf-16, tab-separated)" in res.notes
    assert real_dispatch(dbp) == [("01209", 2)]


def test_missing_file_and_folder_are_messages(dbp, tmp_path, capsys):
    assert main(["db", "import", str(tmp_path / "nope.csv"), "--db", str(dbp)]) == 1
    err = capsys.readouterr().err
    assert f"nope.csv: file not found: {tmp_path / 'nope.csv'}" in err and "Traceback" not in err
    assert main(["db", "import", str(tmp_path), "--db", str(dbp)]) == 1
    assert "is a folder, not a file" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# Issue #11: an as-of date in the title supplies the month; --table lists its choices
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "month"),
    [
        ("令和元年12月1日現在", "2019-12"),
        ("平成27年3月末現在", "2015-03"),
        ("R1.12.1現在", "2019-12"),
    ],
)
def test_an_evacuee_workbook_takes_its_month_from_the_title(dbp, title, month):
    rows = [
        ["東日本大震災による道内への避難者数"],
        [None, None, title],
        ["市町村名", "避難者数"],
        ["札幌市", 1200],
        ["函館市", 30],
    ]
    res = importer.commit(xlsx_of({"Sheet": rows}), "hinan.xlsx", db_path=dbp)
    assert res.ok and res.table == "evacuees", messages(res)
    assert res.plan["periods"] == [month]
    assert any(f"taken from the title (row 2: {title!r})" in n for n in res.notes), res.notes
    y, m = month.split("-")
    got = db.evacuees(month, month, con=db.connect(dbp)).query("not is_sample")
    assert got["persons"].sum() == 1230
    assert str(got["month"].iloc[0])[:7] == f"{y}-{m}"


def test_import_help_lists_the_tables(capsys):
    with pytest.raises(SystemExit):
        main(["db", "import", "--help"])
    out = capsys.readouterr().out
    assert "{dispatch,sites,evacuees,kyoryokutai,migration_trials,wide_area_groups}" in out
    assert tuple(importer.IMPORT_TABLES) == (
        "dispatch", "sites", "evacuees", "kyoryokutai", "migration_trials", "wide_area_groups"
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# 5. History inside the transaction: a crash or a full disk at any step leaves data and
#    history agreeing; version numbers never reused; settings checked before writing
# ---------------------------------------------------------------------------------------

STEPS = db.store.WRITE_STEPS
COMMITTED_AFTER = {"mirror", "prune"}  # the swap is done before these steps


def _dispatch_file(tmp_path: Path, fy: int, persons: int = 2) -> Path:
    f = tmp_path / f"d{fy}.csv"
    f.write_bytes(csv_of([",".join(HEADER), f"{fy},012106,岩見沢市,地域振興派遣,{persons}"]))
    return f


def _agree(p: Path, tidy: bool = True) -> None:
    """History and data agree: the history read is the one inside the live file, every live
    import's rows are there (and only those); ``tidy``: no temp file is left behind (a killed
    writer's is removed by the next one)."""
    db.close_all()
    hist = db.history(p)
    con = db.connect(p)
    inside = [
        v for (v,) in con.execute("SELECT version FROM import_history ORDER BY version").fetchall()
    ]
    assert sorted(hist["version"]) == inside
    assert len(set(inside)) == len(inside)
    live = hist[(hist["action"] == "import") & hist["undone_by"].isna()]
    rows = dict(
        con.execute(
            "SELECT import_id, count(*) FROM dispatch WHERE import_id IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert rows == {int(r.version): int(r.rows_added + r.rows_replaced) for r in live.itertuples()}
    if tidy:
        assert not list(p.parent.glob(f".{p.name}.tmp-*"))


def _run_cli(args: list[str], fault: str, env_extra: dict[str, str]) -> int:
    env = {**os.environ, "REGIONMAP_TEST_FAULT": fault, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "regionmap", "db", *args], env=env, capture_output=True, timeout=300
    ).returncode


@pytest.mark.parametrize("step", STEPS)
def test_an_import_killed_at_any_step_leaves_data_and_history_agreeing(dbp, tmp_path, step):
    keep = {"REGIONMAP_HISTORY_KEEP": "1"}  # so the import also prunes
    first = importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp)
    assert first.committed and first.record["version"] == 2
    f = _dispatch_file(tmp_path, 2016)
    code = _run_cli(["import", str(f), "--db", str(dbp)], f"{step}:kill", keep)
    assert code == -signal.SIGKILL
    _agree(dbp, tidy=False)
    hist = db.history(dbp)
    committed = step in COMMITTED_AFTER
    assert bool(hist["version"].max() == 3) == committed
    if committed:  # recorded with its file and checksum although history.json was not written
        top = hist.iloc[0]
        assert top["file_name"] == f.name
        assert top["sha256"] == importer.validate(f.read_bytes(), f.name, db_path=dbp).sha256
    # running it again: "no change" exactly when the history shows it
    again = importer.import_file(f, db_path=dbp)
    assert again.ok
    assert (again.record["action"] == "unchanged") == committed
    assert db.history(dbp)["version"].max() == 3
    # the next import takes a new number; its kept file is the state before it
    nxt = importer.import_file(_dispatch_file(tmp_path, 2017), db_path=dbp)
    assert nxt.record["version"] == 4
    _agree(dbp)
    db.undo(dbp)
    _agree(dbp)
    assert db.history(dbp).iloc[0]["undoes"] == 4


@pytest.mark.parametrize("step", STEPS)
def test_an_undo_killed_at_any_step_leaves_data_and_history_agreeing(dbp, tmp_path, step):
    for fy in (2015, 2016):
        assert importer.import_file(_dispatch_file(tmp_path, fy), db_path=dbp).committed
    code = _run_cli(["undo", "--db", str(dbp)], f"{step}:kill", {"REGIONMAP_HISTORY_KEEP": "1"})
    assert code == -signal.SIGKILL
    _agree(dbp, tidy=False)
    hist = db.history(dbp).set_index("version")
    committed = step in COMMITTED_AFTER
    assert bool(hist.index.max() == 4) == committed
    assert bool(pd.isna(hist.loc[3, "undone_by"])) != committed
    if not committed:  # the undo can be done again and takes the number the crash did not use
        rec = db.undo(dbp)
        assert (rec["version"], rec["undoes"]) == (4, 3)
        _agree(dbp)
    # either way the next import is version 5
    assert importer.import_file(_dispatch_file(tmp_path, 2017), db_path=dbp).record["version"] == 5
    _agree(dbp)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("action", ["import", "undo"])
def test_a_full_disk_at_any_step_is_a_message_and_loses_nothing(
    dbp, tmp_path, monkeypatch, capsys, step, action
):
    monkeypatch.setenv("REGIONMAP_HISTORY_KEEP", "1")
    assert importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp).committed
    f = _dispatch_file(tmp_path, 2016)
    before = db.history(dbp)
    monkeypatch.setenv("REGIONMAP_TEST_FAULT", f"{step}:full")
    args = ["import", str(f)] if action == "import" else ["undo"]
    code = main(["db", *args, "--db", str(dbp)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    committed = step in COMMITTED_AFTER  # after the swap a full disk only skips tidying up
    assert code == (0 if committed else 1), err
    if not committed:
        assert "could not write the database (No space left on device)" in err
        assert "the new version was not swapped in" in err
        assert db.history(dbp).equals(before)
    _agree(dbp)
    assert not list(db.history_dir(dbp).glob(".history.json.tmp-*"))
    monkeypatch.delenv("REGIONMAP_TEST_FAULT")
    # and the next write works and numbers on
    rec = db.commit_import(dbp, "dispatch", _rows(2018), file_name="x.csv")
    assert rec["version"] == (4 if committed else 3)
    _agree(dbp)


def _rows(fy: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fiscal_year": [fy],
            "municipality_code": ["01210"],
            "kind": ["regional"],
            "kind_ja": ["地域振興派遣"],
            "kind_en": ["Regional development dispatch"],
            "persons": [3],
            "status": ["new"],
            "source_ja": ["テスト"],
            "source_en": ["test"],
        }
    )


def test_a_stale_or_missing_history_copy_does_not_decide(dbp, tmp_path):
    copy = db.history_dir(dbp) / "history.json"
    assert importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp).committed
    stale = copy.read_text(encoding="utf-8")
    assert importer.import_file(_dispatch_file(tmp_path, 2016), db_path=dbp).committed
    copy.write_text(stale, encoding="utf-8")  # as after a crash before the copy was written
    db.close_all()
    assert list(db.history(dbp)["version"]) == [3, 2, 1]
    copy.write_text("[{", encoding="utf-8")  # cut short
    assert list(db.history(dbp)["version"]) == [3, 2, 1]
    assert db.commit_import(dbp, "dispatch", _rows(2018))["version"] == 4


def test_a_damaged_file_rebuilt_keeps_history_and_numbers(dbp, tmp_path):
    assert importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp).committed
    db.close_all()
    dbp.write_bytes(b"not a database" * 100)
    assert list(db.history(dbp)["version"]) == [2, 1]  # from the copy
    rec = db.init_database(dbp, force=True)
    assert rec["version"] == 3
    assert list(db.history(dbp)["version"]) == [3, 2, 1]


def test_with_no_readable_history_the_kept_files_are_not_overwritten(dbp, tmp_path):
    for fy in (2015, 2016):
        assert importer.import_file(_dispatch_file(tmp_path, fy), db_path=dbp).committed
    kept = {f.name: f.read_bytes() for f in db.history_dir(dbp).glob("*.duckdb")}
    assert sorted(kept) == ["0002.duckdb", "0003.duckdb"]
    db.close_all()
    dbp.write_bytes(b"not a database" * 100)
    (db.history_dir(dbp) / "history.json").unlink()
    rec = db.init_database(dbp, force=True)
    assert rec["version"] == 4
    assert {n: (db.history_dir(dbp) / n).read_bytes() for n in kept} == kept


def test_an_invalid_setting_is_refused_before_anything_is_written(
    dbp, tmp_path, capsys, monkeypatch
):
    f = _dispatch_file(tmp_path, 2015)
    before = db.history(dbp)
    snaps = sorted(db.history_dir(dbp).glob("*"))
    monkeypatch.setenv("REGIONMAP_HISTORY_KEEP", "0")
    assert main(["db", "import", str(f), "--db", str(dbp)]) == 1
    err = capsys.readouterr().err
    assert "REGIONMAP_HISTORY_KEEP" in err and "Traceback" not in err
    assert main(["db", "undo", "--db", str(dbp)]) == 1
    assert "REGIONMAP_HISTORY_KEEP" in capsys.readouterr().err
    db.close_all()
    assert db.history(dbp).equals(before)
    assert sorted(db.history_dir(dbp).glob("*")) == snaps
    assert real_dispatch(dbp) == []


@pytest.mark.parametrize("fault", ["swap:full", "copy:full"])
def test_a_full_disk_in_the_app_is_a_message_and_loses_nothing(dbp, tmp_path, monkeypatch, fault):
    from regionmap.ui.views import data as dataview

    assert importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp).committed
    before = db.history(dbp)
    monkeypatch.setenv("REGIONMAP_TEST_FAULT", fault)
    data = _dispatch_file(tmp_path, 2016).read_bytes()
    out = dataview.commit_upload(data, "d2016.csv", db_path=dbp)
    assert out.kind == "error"
    assert "データベースは元のままです" in out.text and "No space left on device" in out.text
    out = dataview.undo_latest(db_path=dbp)
    assert out.kind == "error" and "No space left on device" in out.text
    db.close_all()
    assert db.history(dbp).equals(before)
    _agree(dbp)


# ---------------------------------------------------------------------------------------
# DuckDB's own full-disk errors (issue 21, defect 5): a message in the user's language,
# never a traceback, nothing lost
# ---------------------------------------------------------------------------------------

DUCKDB_STEPS = ("apply", "checkpoint", "snapshot", "swap")  # before the swap: DuckDB's work


@pytest.mark.parametrize("step", DUCKDB_STEPS)
@pytest.mark.parametrize("action", ["import", "undo", "users"])
def test_duckdbs_full_disk_error_is_a_message_and_loses_nothing(
    dbp, tmp_path, monkeypatch, capsys, step, action
):
    assert importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp).committed
    f = _dispatch_file(tmp_path, 2016)
    before = db.history(dbp)
    monkeypatch.setenv("REGIONMAP_TEST_FAULT", f"{step}:duckdb-full")
    args = {
        "import": ["db", "import", str(f)],
        "undo": ["db", "undo"],
        "users": ["users", "add", "a@example.org", "--role", "viewer"],
    }[action]
    code = main([*args, "--db", str(dbp)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out and "Exception" not in err
    assert code == 1, err
    assert "No space left on device" in err and "the disk is full" in err
    if action != "users":
        assert "could not write the database (No space left on device)" in err
        assert "the new version was not swapped in" in err
    assert db.history(dbp).equals(before)
    _agree(dbp)
    monkeypatch.delenv("REGIONMAP_TEST_FAULT")
    assert db.commit_import(dbp, "dispatch", _rows(2018), file_name="x.csv")["version"] == 3


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_duckdbs_full_disk_error_in_the_app_says_disk_full_in_the_language(
    dbp, tmp_path, monkeypatch, lang
):
    from regionmap.i18n import t
    from regionmap.ui.views import data as dataview

    assert importer.import_file(_dispatch_file(tmp_path, 2015), db_path=dbp).committed
    before = db.history(dbp)
    monkeypatch.setenv("REGIONMAP_TEST_FAULT", "checkpoint:duckdb-full")
    data = _dispatch_file(tmp_path, 2016).read_bytes()
    full = t("error.disk_full", lang)
    out = dataview.commit_upload(data, "d2016.csv", lang=lang, db_path=dbp)
    assert out.kind == "error" and full in out.text, out.text
    assert "Exception" not in out.text and "FATAL" not in out.text
    assert (
        "データベースは元のままです" if lang == "ja" else "the database is unchanged"
    ) in out.text
    out = dataview.undo_latest(lang=lang, db_path=dbp)
    assert out.kind == "error" and full in out.text and "Exception" not in out.text
    db.close_all()
    assert db.history(dbp).equals(before)


@pytest.mark.skipif(full_disk.unavailable() is not None, reason=str(full_disk.unavailable()))
def test_an_import_onto_a_really_full_disk_is_a_message_and_leaves_no_temp_file(dbp, tmp_path):
    mount = tmp_path / "small"
    live = mount / "data" / "regionmap.duckdb"
    f = _dispatch_file(tmp_path, 2016)
    res = full_disk.run_cli(
        ["db", "import", str(f), "--db", str(live)],
        mount=mount,
        size_kb=4096,
        files=[(dbp, live)],
        # room for the copy of the file, not for DuckDB's checkpoint of the new version
        free_kb=dbp.stat().st_size // 1024 + 40,
    )
    assert res.returncode == 1, res.stdout
    assert "Traceback" not in res.stderr + res.stdout, res.stderr
    assert "could not write the database (No space left on device)" in res.stderr
    assert "the disk is full" in res.stderr
    assert full_disk.left(res) == ["data/regionmap.duckdb", "data/regionmap.duckdb.lock"]


# ---------------------------------------------------------------------------------------
# Issue 21, defect 10: a field given twice is read from both columns; a disagreement is
# refused naming both columns, the row and the two values
# ---------------------------------------------------------------------------------------


def test_two_columns_of_one_field_that_disagree_are_refused_naming_both(dbp):
    lines = ["年度,市町村名,隊員数,隊員数", "2016,帯広市,5,50", "2016,釧路市,3,3"]
    res = importer.validate(csv_of(lines), "dup.csv", db_path=dbp)
    assert not res.ok
    (issue,) = res.errors
    assert (issue.file, issue.row, issue.column) == ("dup.csv", 2, "隊員数")
    assert "columns C and D are both 隊員数" in issue.text("en") and "5 and 50" in issue.text("en")
    assert "C列とD列はどちらも「隊員数」" in issue.text("ja")
    assert "隊員数" not in res.ignored_columns  # not "ignored": read, and found to disagree


def test_two_code_columns_that_disagree_are_refused(dbp):
    lines = [
        "年度,市町村コード,派遣区分,人数,市町村コード",
        "2016,01207,地域振興派遣,2,01100",
    ]
    res = importer.validate(csv_of(lines), "dup.csv", db_path=dbp)
    assert not res.ok
    text = " ".join(e.text("en") for e in res.errors)
    assert "columns B and E are both 市町村コード" in text and "01207 and 01100" in text
    assert any(e.row == 2 and e.column == "市町村コード" for e in res.errors)


def test_two_columns_of_one_field_that_agree_are_read_once_with_a_note(dbp):
    lines = [
        "年度,市町村コード,派遣区分,人数,団体コード",  # two aliases of the code
        "2016,01207,地域振興派遣,2,012076",  # the same code, 5 and 6 digits
        "2016,01100,地域振興派遣,3,01100",
    ]
    res = importer.validate(csv_of(lines), "same.csv", db_path=dbp)
    assert res.ok, messages(res)
    assert res.ignored_columns == []
    assert any("column E 団体コード repeats column B" in n for n in res.notes), res.notes
    assert len(res.rows) == 2
