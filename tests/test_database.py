"""The policy database: content, filters, queries, versioned store, concurrency."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from regionmap import db, figures
from regionmap.db import filters, sample


@pytest.fixture(scope="session")
def base_db(tmp_path_factory, geo_dir) -> Path:
    # geo_dir: the sample sites get coordinates from the session's boundary layers
    path = tmp_path_factory.mktemp("base") / "regionmap.duckdb"
    rec = db.init_database(path, user="tester")
    assert rec["action"] == "init" and rec["version"] == 1
    return path


@pytest.fixture
def dbp(base_db, tmp_path) -> Path:
    """A fresh copy of the initialised database (its own history)."""
    p = tmp_path / "regionmap.duckdb"
    shutil.copyfile(base_db, p)
    return p


def dispatch_rows(fy: int = 2015, persons: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fiscal_year": [fy, fy],
            "municipality_code": ["01210", "01403"],
            "kind": ["regional", "regional"],
            "kind_ja": ["地域振興派遣"] * 2,
            "kind_en": ["Regional development dispatch"] * 2,
            "persons": [persons, 1],
            "status": ["new", "continuing"],
            "source_ja": ["テスト"] * 2,
            "source_en": ["test"] * 2,
        }
    )


# ---------------------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------------------


def test_init_loads_reference_document_and_sample(dbp):
    con = db.connect(dbp)
    count = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in db.TABLES}  # noqa: S608
    assert count["regions"] == 6 and count["bureaus"] == 14
    kinds = dict(con.execute("SELECT kind, count(*) FROM municipalities GROUP BY 1").fetchall())
    assert kinds == {"municipality": 179, "ward": 10, "northern_territory": 6}
    assert count["themes"] == 8 and count["priority_projects"] == 16
    assert count["proposals"] == 15 and count["bureau_projects"] == 28
    assert count["dispatch"] > 0 and count["sites"] > 0 and count["evacuees"] > 0
    assert con.execute("SELECT bool_and(is_sample) FROM dispatch").fetchone()[0] is True
    assert db.meta(con)["schema_version"] == str(db.SCHEMA_VERSION)


def test_database_agrees_with_the_document_totals(dbp):
    con = db.connect(dbp)
    problems = sample.document_totals_check(db.dispatches(con=con), db.evacuees(con=con))
    assert problems == []
    fy15 = db.dispatches(2015, 2015, kind="regional", con=con)
    assert fy15["municipality_code"].nunique() == 42
    assert (fy15["status"] == "continuing").sum() == 22
    assert db.dispatches(2015, 2015, kind="wide_area", con=con)["municipality_code"].nunique() == 1
    assert db.dispatches(2015, 2015, kind="collection", con=con)["municipality_code"].nunique() == 6


def test_themes_are_the_four_pillars_and_four_directions(dbp):
    t = db.themes(con=db.connect(dbp))
    assert (t["kind"] == "pillar").sum() == 4 and (t["kind"] == "direction").sum() == 4
    assert "子育て・安心" in set(t["name_ja"]) and t["name_en"].notna().all()


# ---------------------------------------------------------------------------------------
# Filters (pure)
# ---------------------------------------------------------------------------------------


def test_filters_are_sql_with_bound_parameters():
    assert filters.in_filter("m.bureau_code", ["01", "02"]) == (
        "m.bureau_code IN (?, ?)",
        ["01", "02"],
    )
    assert filters.in_filter("m.bureau_code", "01") == ("m.bureau_code IN (?)", ["01"])
    assert filters.in_filter("x", None) == ("", []) and filters.in_filter("x", []) == ("", [])
    assert filters.range_filter("d.fiscal_year", 2014, 2016) == (
        "d.fiscal_year >= ? AND d.fiscal_year <= ?",
        [2014, 2016],
    )
    assert filters.and_all(("", []), ("a = ?", [1]), ("b = ?", [2])) == (
        "(a = ?) AND (b = ?)",
        [1, 2],
    )
    assert filters.and_all() == ("TRUE", [])
    sql, params = filters.area_filter(region_code="1", municipality_code="01100")
    assert sql == "(m.region_code IN (?)) AND ((m.code IN (?) OR m.parent_code IN (?)))"
    assert params == ["1", "01100", "01100"]
    # a per-municipality figure's theme filter is the registry's answer: no condition when
    # the themes cover it, none kept when they don't (no value of the user's in the SQL)
    assert filters.overlay_theme_filter("sites", ["pillar_safety"]) == ("", [])
    assert filters.overlay_theme_filter("sites", ["pillar_economy' OR 1=1 --"]) == ("FALSE", [])
    evil = "01' OR '1'='1"
    sql, params = filters.in_filter("m.bureau_code", evil)
    assert evil not in sql and params == [evil]


def test_hostile_filter_values_match_nothing(dbp):
    con = db.connect(dbp)
    evil = "01'); DROP TABLE dispatch; --"
    assert db.dispatches(bureau_code=evil, con=con).empty
    assert db.metric_by_area("dispatch", bureau_code=evil, con=con)["value"].sum() == 0
    assert con.execute("SELECT count(*) FROM dispatch").fetchone()[0] > 0
    with pytest.raises(KeyError):
        db.read_table("dispatch; DROP TABLE x", con=con)
    with pytest.raises(ValueError, match="unknown metric"):
        db.metric_by_area("users", con=con)


# ---------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "n"), [("region", 6), ("bureau", 14), ("municipality", 185)])
@pytest.mark.parametrize("metric", list(figures.ids()))
def test_metric_by_area_lists_every_area_with_units_and_source(dbp, metric, level, n):
    df = db.metric_by_area(metric, level, con=db.connect(dbp))
    assert len(df) == n and df["area_code"].is_unique
    assert (df["value"] >= 0).all()
    assert df["unit_ja"].iloc[0] == figures.get(metric).unit.ja
    assert df["source_ja"].iloc[0] and df["fiscal_year"].notna().all()
    assert df["is_sample"].iloc[0] == (metric in db.OVERLAY_METRICS)


@pytest.mark.parametrize("metric", list(db.OVERLAY_METRICS))
def test_area_sums_agree_with_the_headline(dbp, metric):
    con = db.connect(dbp)
    for fy in db.fiscal_years(metric, con=con):
        head = db.headline(metric, fiscal_year=fy, con=con)
        for level in db.AREA_LEVELS:
            assert (
                db.metric_by_area(metric, level, fiscal_year=fy, con=con)["value"].sum()
                == head["value"]
            )


def test_headline_of_dispatch_matches_the_rows(dbp):
    con = db.connect(dbp)
    h = db.headline("dispatch", fiscal_year=2015, con=con)
    assert h["value"] == db.dispatches(2015, 2015, con=con)["persons"].sum()
    assert h["previous"] == db.dispatches(2014, 2014, con=con)["persons"].sum()
    assert h["is_sample"] is True and h["unit_ja"] == "人" and h["theme_match"] is True
    nemuro = db.headline("dispatch", fiscal_year=2015, bureau_code="14", con=con)
    rows = db.dispatches(2015, 2015, bureau_code="14", con=con)
    assert nemuro["value"] == rows["persons"].sum()


def test_a_theme_filter_excluding_a_metric_empties_it(dbp):
    con = db.connect(dbp)
    other = ["pillar_economy"]
    assert db.dispatches(theme_ids=other, con=con).empty
    assert db.sites(theme_ids=other, con=con).empty
    assert db.evacuees(theme_ids=other, con=con).empty
    assert db.metric_by_area("evacuees", theme_ids=other, con=con)["value"].sum() == 0
    h = db.headline("sites", theme_ids=other, con=con)
    assert h["value"] == 0 and h["theme_match"] is False
    # a matching theme keeps them
    assert not db.sites(theme_ids=["dir_community"], con=con).empty
    assert not db.dispatches(theme_ids=["pillar_region", "pillar_economy"], con=con).empty
    # document items filter by their own tags
    pp = db.priority_projects(theme_ids=["dir_environment"], con=con)
    assert len(pp) > 0 and pp["theme_ids"].str.contains("dir_environment").all()


def test_region_and_bureau_filters(dbp):
    con = db.connect(dbp)
    df = db.metric_by_area("dispatch", "bureau", fiscal_year=2015, bureau_code="14", con=con)
    assert df.set_index("area_code")["selected"].to_dict() == {
        b: b == "14" for b in df["area_code"]
    }
    assert (df.loc[~df["selected"], "value"] == 0).all()
    regional = db.priority_projects(region_code="2", con=con)
    assert set(regional["region_code"]) == {"2"}
    # a bureau sees its region's region-wide projects
    oshima = db.priority_projects(bureau_code="06", con=con)
    assert len(oshima) >= 1 and set(oshima["region_code"]) == {"2"}
    assert db.headline("priority_projects", con=con)["value"] == 16
    assert db.metric_by_area("priority_projects", "region", con=con)["value"].sum() == 16


def test_joint_proposals_count_for_each_of_their_bureaus(dbp):
    con = db.connect(dbp)
    props = db.proposals(con=con)
    assert len(props) == 15
    joint = props[props["bureau_codes"].str.contains(";")]
    assert len(joint) >= 1
    for row in joint.itertuples():
        for b in row.bureau_codes.split(";"):
            assert row.proposal_id in set(db.proposals(bureau_code=b, con=con)["proposal_id"])
    assert props["measure_count"].sum() >= 1
    first = props[props["measure_count"] > 0].iloc[0]
    assert {"department_ja", "text_ja"} <= set(first["measures"][0])


def test_sites_evacuees_and_municipality_summary(dbp):
    con = db.connect(dbp)
    s15 = db.sites(2015, con=con)
    assert (s15["start_fy"] <= 2015).all() and s15["kind_ja"].notna().all()
    # the sample's last month of FY2015 (the document's year) adds up to the document's 約2,500
    ev = db.evacuees("2016-03", "2016-03", con=con)
    assert ev["persons"].sum() == pytest.approx(2500, rel=0.04)
    sapporo = ev[ev["municipality_code"] == "01100"]["persons"].sum()
    assert sapporo > ev["persons"].sum() / 3  # the sample's (invented) spread
    summary = db.municipality_summary("011002", fiscal_year=2014, con=con).set_index("metric")
    assert (
        summary.loc["evacuees", "value"]
        == db.evacuees("2015-03", "2015-03", municipality_code="01100", con=con)["persons"].sum()
    )
    # a ward shows its city's figures
    ward = db.municipality_summary("01101", fiscal_year=2014, con=con).set_index("metric")
    assert ward.loc["evacuees", "value"] == summary.loc["evacuees", "value"]
    with pytest.raises(ValueError, match="unknown municipality"):
        db.municipality_summary("01999", con=con)


# ---------------------------------------------------------------------------------------
# Versioned store
# ---------------------------------------------------------------------------------------


def _at_once(fn, threads: int) -> list[Exception]:
    """Run ``fn`` in ``threads`` threads at once; the exceptions they raised."""
    errors: list[Exception] = []

    def guarded():
        try:
            fn()
        except Exception as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    running = [threading.Thread(target=guarded) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return errors


def _count(p, sql="SELECT count(*) FROM dispatch WHERE NOT is_sample"):
    return db.connect(p).execute(sql).fetchone()[0]


_FY15_BY_BUREAU = (
    "SELECT m.bureau_code IN ('01', '03') AS ours, count(*), sum(persons), bool_and(is_sample) "
    "FROM dispatch d JOIN municipalities m ON m.code = d.municipality_code "
    "WHERE fiscal_year = 2015 GROUP BY 1 ORDER BY 1"
)


def test_import_replaces_sample_of_the_same_year_and_bureaus_and_undo_restores(dbp):
    # dispatch_rows: 岩見沢市 (空知 01) and 古宇郡泊村 (後志 03)
    before_2015 = _count(dbp, "SELECT count(*) FROM dispatch WHERE fiscal_year = 2015")
    before_2014 = _count(dbp, "SELECT count(*) FROM dispatch WHERE fiscal_year = 2014")
    (_, n_other, p_other, _), (_, n_ours, _, _) = (
        db.connect(dbp).execute(_FY15_BY_BUREAU).fetchall()
    )
    rec = db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv", user="u1")
    assert rec["action"] == "import" and rec["version"] == 2
    assert rec["rows_added"] == 2 and rec["rows_removed"] == n_ours
    assert [b["short_ja"] for b in rec["plan"]["removed_by_bureau"]] == ["空知", "後志"]
    con = db.connect(dbp)
    # the 12 other bureaus keep their FY2015 sample rows, still flagged sample
    assert con.execute(_FY15_BY_BUREAU).fetchall() == [
        (False, n_other, p_other, True),
        (True, 2, 4, False),
    ]
    assert (
        con.execute("SELECT count(*) FROM dispatch WHERE fiscal_year = 2014").fetchone()[0]
        == before_2014
    )
    h = db.headline("dispatch", fiscal_year=2015, con=con)
    assert h["value"] == p_other + 4 and h["is_sample"] is True and "テスト" in h["source_ja"]
    # same rows again: nothing written
    again = db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv")
    assert again["action"] == "unchanged" and again["rows_unchanged"] == 2
    assert len(db.history(dbp)) == 2
    # a changed figure replaces
    rec3 = db.commit_import(dbp, "dispatch", dispatch_rows(persons=5), file_name="b.csv")
    assert (rec3["rows_added"], rec3["rows_replaced"], rec3["rows_unchanged"]) == (0, 1, 1)
    assert rec3["rows_removed"] == 0
    assert db.headline("dispatch", fiscal_year=2015, con=db.connect(dbp))["value"] == p_other + 6
    # undo twice: back to the sample
    u = db.undo(dbp, user="u2")
    assert u["action"] == "undo" and u["undoes"] == 3
    assert db.headline("dispatch", fiscal_year=2015, con=db.connect(dbp))["value"] == p_other + 4
    db.undo(dbp)
    assert _count(dbp, "SELECT count(*) FROM dispatch WHERE fiscal_year = 2015") == before_2015
    hist = db.history(dbp)
    assert list(hist["action"]) == ["undo", "undo", "import", "import", "init"]
    assert hist.set_index("version").loc[2, "undone_by"] == 5
    with pytest.raises(LookupError, match="nothing to undo"):
        db.undo(dbp)


def test_history_is_readable_without_opening_the_database(dbp):
    db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv", sha256="abc", user="u1")
    raw = json.loads((db.history_dir(dbp) / "history.json").read_text(encoding="utf-8"))
    assert [e["action"] for e in raw] == ["init", "import"]
    assert (
        raw[1]["file_name"] == "a.csv" and raw[1]["sha256"] == "abc" and raw[1]["user_name"] == "u1"
    )
    assert raw[1]["created_at"].endswith("+00:00") and raw[1]["snapshot"] == "0002.duckdb"
    # the same record inside the database
    inside = db.connect(dbp).execute(
        "SELECT file_name, user_name FROM import_history WHERE version = 2"
    )
    assert inside.fetchone() == ("a.csv", "u1")
    # the table decides (the JSON is a copy): with it gone, nothing changes
    (db.history_dir(dbp) / "history.json").unlink()
    assert list(db.history(dbp)["version"]) == [2, 1]


def test_history_keeps_only_the_last_versions(dbp, monkeypatch):
    monkeypatch.setenv("REGIONMAP_HISTORY_KEEP", "2")
    for n in range(1, 5):
        db.commit_import(dbp, "dispatch", dispatch_rows(persons=n), file_name=f"{n}.csv")
    snaps = sorted(p.name for p in db.history_dir(dbp).glob("*.duckdb"))
    assert snaps == ["0004.duckdb", "0005.duckdb"]
    db.undo(dbp)
    db.undo(dbp)
    with pytest.raises(LookupError, match="no longer kept"):
        db.undo(dbp)


def test_connect_sees_a_swapped_file_and_old_cursors_keep_working(dbp):
    old = db.connect(dbp)
    assert old.execute("SELECT count(*) FROM dispatch WHERE NOT is_sample").fetchone()[0] == 0
    db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv")
    new = db.connect(dbp)
    assert new.execute("SELECT count(*) FROM dispatch WHERE NOT is_sample").fetchone()[0] == 2
    # the cursor opened before the swap still reads its (old) snapshot
    assert old.execute("SELECT count(*) FROM dispatch WHERE NOT is_sample").fetchone()[0] == 0
    # connections are read-only
    with pytest.raises(duckdb.Error):
        new.execute("DELETE FROM dispatch")


def test_connect_is_safe_from_many_threads(dbp):
    totals = []

    def work():
        for _ in range(20):
            totals.append(db.headline("dispatch", fiscal_year=2015, con=db.connect(dbp))["value"])

    errors = _at_once(work, 8)
    assert errors == [] and len(set(totals)) == 1 and len(totals) == 160


def test_stray_temp_files_are_removed_by_the_next_writer(dbp):
    stray = dbp.with_name(f".{dbp.name}.tmp-99999-7")
    stray.write_bytes(b"half an import")
    db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv")
    assert not stray.exists()


def test_ensure_database_creates_once_and_rebuilds_an_old_schema(tmp_path):
    p = tmp_path / "sub" / "x.duckdb"
    assert db.ensure_database(p) == p and p.exists()
    inode = p.stat().st_ino
    db.ensure_database(p)
    assert p.stat().st_ino == inode  # no-op
    # a file that is not our database is rebuilt, the old one kept
    q = tmp_path / "old.duckdb"
    con = duckdb.connect(str(q))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    db.ensure_database(q)
    assert db.schema_version(q) == db.SCHEMA_VERSION
    assert (db.history_dir(q) / "0001.duckdb").exists()


def test_proposals_and_measures_keep_the_english_and_label_columns_of_the_csv(dbp):
    # every column of data/policy/*.csv a view may show is in the schema (English included)
    con = db.connect(dbp)
    csv = pd.read_csv(db.POLICY_DIR / "proposals.csv", dtype=str).set_index("proposal_id")
    got = db.proposals(con=con).set_index("proposal_id")
    assert got["policy_area_en"].to_dict() == csv["policy_area_en"].to_dict()
    assert got["bureau_label_ja"].to_dict() == csv["bureau_label_ja"].to_dict()
    mcsv = pd.read_csv(db.POLICY_DIR / "measures.csv", dtype=str).set_index("measure_id")
    notes = db.measures(con=con).drop_duplicates("measure_id").set_index("measure_id")["note"]
    assert notes.to_dict() == mcsv["note"].to_dict()
    for name in ("themes", "priority_projects", "proposals", "measures", "bureau_projects",
                 "document_totals"):  # fmt: skip
        header = pd.read_csv(db.POLICY_DIR / f"{name}.csv", nrows=0).columns
        dropped = {c for c in header if c.endswith(("_en", "_ja"))} - set(db.columns(name))
        assert not dropped, (name, dropped)


def _make_old_schema(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE proposals DROP COLUMN policy_area_en")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()


def test_connect_upgrades_an_old_schema_once_keeping_the_old_file(dbp):
    _make_old_schema(dbp)
    assert db.schema_version(dbp) == 1
    con = db.connect(dbp)
    assert db.schema_version(dbp) == db.SCHEMA_VERSION
    assert "policy_area_en" in db.proposals(con=con).columns
    hist = db.history(dbp)
    assert list(hist["action"]) == ["init", "init"] and "schema upgrade" in hist["note"].iloc[0]
    old = db.history_dir(dbp) / hist["snapshot"].iloc[0]
    assert db.schema_version(old) == 1  # undo can bring the old file back
    inode = dbp.stat().st_ino
    db.connect(dbp)
    db.ensure_database(dbp)
    assert dbp.stat().st_ino == inode  # no second rebuild


def test_a_schema_upgrade_keeps_the_imported_rows_and_says_so(dbp):
    """Staff's imports survive an upgrade: real rows are carried into the rebuilt file and
    replace the same periods' and bureaus' sample rows, as they did on import."""
    db.commit_import(dbp, "dispatch", dispatch_rows(persons=7), file_name="a.csv", user="u1")
    before = db.dispatches(2015, 2015, con=db.connect(dbp))
    db.close_all()
    _make_old_schema(dbp)
    con = db.connect(dbp)  # upgrades
    assert db.schema_version(dbp) == db.SCHEMA_VERSION
    after = db.dispatches(2015, 2015, con=con)
    real = after.query("not is_sample")
    assert len(real) == 2 and set(real["persons"]) == {7, 1}
    key = ["fiscal_year", "municipality_code", "kind", "persons", "is_sample"]
    pd.testing.assert_frame_equal(
        after[key].sort_values(key).reset_index(drop=True),
        before[key].sort_values(key).reset_index(drop=True),
    )  # no sample row came back where the import had replaced them
    assert '"dispatch": 2' in db.history(dbp)["note"].iloc[0]
    # the upgrade itself cannot be undone into the older schema: refused in words, data kept
    with pytest.raises(LookupError, match="older database schema"):
        db.undo(dbp)
    assert len(db.dispatches(2015, 2015, con=db.connect(dbp)).query("not is_sample")) == 2


def test_two_processes_racing_to_upgrade_rebuild_once(dbp):
    _make_old_schema(dbp)
    code = f"from regionmap import db; db.connect({str(dbp)!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [pr.wait(timeout=120) for pr in procs] == [0, 0]
    assert list(db.history(dbp)["action"]) == ["init", "init"]


def test_a_damaged_file_is_refused_with_what_to_do_and_left_alone(tmp_path):
    bad = tmp_path / "regionmap.duckdb"
    junk = b"garbage, not DuckDB\n" * 300
    bad.write_bytes(junk)
    for call in (db.connect, db.ensure_database):
        with pytest.raises(db.DatabaseError) as err:
            call(bad)
        text = str(err.value)
        assert str(bad) in text and "python -m regionmap db init --force" in text
    assert bad.read_bytes() == junk
    assert db.check(bad) is False
    # the advice works: the rebuild replaces it and keeps the damaged file
    db.init_database(bad, force=True)
    assert db.schema_version(bad) == db.SCHEMA_VERSION
    assert [p.read_bytes() for p in db.history_dir(bad).glob("*.duckdb")] == [junk]


def _script(body: str) -> str:
    return textwrap.dedent(body)


def test_two_processes_racing_to_create_make_one_database(tmp_path):
    p = tmp_path / "race.duckdb"
    code = f"from regionmap import db; db.ensure_database({str(p)!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [pr.wait(timeout=120) for pr in procs] == [0, 0]
    hist = db.history(p)
    assert list(hist["action"]) == ["init"]
    assert db.headline("priority_projects", con=db.connect(p))["value"] == 16


def test_a_killed_import_leaves_the_database_intact(dbp, tmp_path):
    marker = tmp_path / "paused"
    csv = tmp_path / "d.csv"
    csv.write_text("年度,市町村名,派遣区分,人数\n2015,岩見沢市,地域振興派遣,9\n", encoding="utf-8")
    before = db.history(dbp)
    before_value = db.headline("dispatch", fiscal_year=2015, con=db.connect(dbp))["value"]
    env = {
        **os.environ,
        "REGIONMAP_TEST_IMPORT_PAUSE": "60",
        "REGIONMAP_TEST_IMPORT_MARKER": str(marker),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "regionmap", "db", "import", str(csv), "--db", str(dbp)], env=env
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "import ended before pausing"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    temps = list(dbp.parent.glob(f".{dbp.name}.tmp-*"))
    assert temps, "the new version is built in a temp file"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # live file untouched and still opens; history unchanged
    db.close_all()
    assert db.headline("dispatch", fiscal_year=2015, con=db.connect(dbp))["value"] == before_value
    assert db.history(dbp).equals(before)
    # the next writer cleans up and works
    rec = db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv")
    assert rec["action"] == "import"
    assert not list(dbp.parent.glob(f".{dbp.name}.tmp-*"))


def test_a_reader_process_keeps_working_while_an_import_swaps_the_file(dbp, tmp_path):
    out = tmp_path / "reader.log"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _script(
                f"""
                import time
                from regionmap import db
                held = db.connect({str(dbp)!r})  # held open read-only the whole time
                with open({str(out)!r}, "w") as f:
                    end = time.monotonic() + 6
                    while time.monotonic() < end:
                        n = db.connect({str(dbp)!r}).execute(
                            "SELECT count(*) FROM dispatch WHERE NOT is_sample").fetchone()[0]
                        held.execute("SELECT count(*) FROM dispatch").fetchone()
                        f.write(f"{{n}}\\n"); f.flush()
                        time.sleep(0.05)
                """  # noqa: S608
            ),
        ]
    )
    deadline = time.monotonic() + 60  # the reader has read the old data before the import
    while not (out.exists() and out.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    rec = db.commit_import(dbp, "dispatch", dispatch_rows(), file_name="a.csv")
    assert rec["action"] == "import"
    assert reader.wait(timeout=60) == 0
    seen = [int(x) for x in out.read_text().split()]
    assert seen[0] == 0 and seen[-1] == 2  # saw the old, then the new data …
    assert set(seen) == {0, 2}  # … and never half an import


def test_two_undos_at_once_undo_two_versions(dbp):
    db.commit_import(dbp, "dispatch", dispatch_rows(persons=3), file_name="a.csv")
    db.commit_import(dbp, "dispatch", dispatch_rows(persons=4), file_name="b.csv")
    results = []
    assert _at_once(lambda: results.append(db.undo(dbp)), 2) == []
    assert sorted(r["undoes"] for r in results) == [2, 3]
    assert _count(dbp) == 0  # back to the sample only


def test_several_processes_read_at_once(dbp):
    """An auto-reloading dev server opens the file twice: read-only opens never conflict."""
    held = db.connect(dbp)
    code = (
        "import sys; from regionmap import db; "
        f"c = db.connect({str(dbp)!r}); "
        "print(db.headline('dispatch', fiscal_year=2015, con=c)['value'])"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    expected = db.headline("dispatch", fiscal_year=2015, con=held)["value"]
    assert [p.returncode for p in procs] == [0, 0, 0]
    assert outs == [str(expected)] * 3


def test_the_area_and_the_themes_of_a_query_are_keywords_only(base_db):
    """A region code where the themes used to be is refused, not read as a theme that
    matches nothing (0 rows without a word)."""
    con = db.connect(base_db)
    for call in (
        lambda: db.evacuees("2015-03", "2015-03", "1", con=con),
        lambda: db.dispatches(2015, 2015, None, "01", con=con),
        lambda: db.metric_by_area("dispatch", "bureau", 2015, ["pillar_region"], con=con),
        lambda: db.headline("dispatch", 2015, ["pillar_region"], con=con),
    ):
        with pytest.raises(TypeError):
            call()
    with pytest.raises(TypeError, match="not an area filter here: municipality_code"):
        db.headline("dispatch", 2015, con=con, municipality_code="01100")
    assert len(db.evacuees("2015-03", "2015-03", region_code="1", con=con)) > 0
