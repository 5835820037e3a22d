"""The document's own content in the data layer (regionmap.content, figures.DOCUMENT_FIGURES):
its figures in their own units and the default year, selections, judgements, sections."""

from __future__ import annotations

import re
import shutil
import unicodedata

import duckdb
import pandas as pd
import pytest

from regionmap import content, db, figures, importable
from regionmap.settings import PROJECT_ROOT
from regionmap.themes import POLICY_DIR, policy_table, split_ids

SEED = PROJECT_ROOT.parent / "shared" / "seeds" / "000_04aeed5348d76f14.txt"


@pytest.fixture(scope="module")
def document_text() -> str:
    """The planning document, NFKC-normalised with all whitespace removed."""
    if not SEED.is_file():
        pytest.skip(f"planning document not found at {SEED}")
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", SEED.read_text(encoding="utf-8")))


def _totals() -> pd.DataFrame:
    return pd.read_csv(POLICY_DIR / "document_totals.csv", dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- document figures


def test_document_figures_in_their_own_units_with_their_source():
    totals = _totals().set_index("key")
    doc = content.document_figures().set_index("key")
    assert list(doc.index) == [d.key for d in figures.DOCUMENT_FIGURES]
    for key, row in doc.iterrows():
        assert row["value"] == int(totals.at[key, "value"])
        assert row["unit_ja"] == totals.at[key, "unit_ja"]
        assert row["source_ref"] == totals.at[key, "source_ref"]
        assert row["source_ref"].startswith("seeds/000_04aeed5348d76f14.txt §")
        assert not row["is_sample"]
    # the document's units, not the breakdown's persons
    assert doc["unit_ja"].to_dict() == {
        "dispatch_regional": "市町村",
        "dispatch_wide_area": "団体",
        "dispatch_collection": "団体",
        "evacuees": "名",
    }
    # each document figure belongs to a registered figure and kind
    for d in figures.DOCUMENT_FIGURES:
        fig = figures.get(d.figure)
        assert d.kind is None or fig.kind(d.kind) is not None


def test_document_figures_read_as_the_document_writes_them(document_text):
    rows = {r["key"]: r for r in content.document_figures().to_dict("records")}
    ja = {k: content.figure_text(r, "ja") for k, r in rows.items()}
    # the document's lines, as written (NFKC, no spaces)
    for key in ("dispatch_regional", "dispatch_wide_area", "dispatch_collection"):
        written = unicodedata.normalize("NFKC", ja[key])
        assert "平成27年度" + written in document_text, key
    assert ja["dispatch_regional"] == "42市町村（うち22市町村は前年度から継続）"
    assert ja["dispatch_wide_area"] == "1団体（前年度から継続）"
    assert ja["dispatch_collection"] == "6団体（うち1団体は前年度から継続）"
    assert ja["evacuees"] == "約2,500名" and "約2,500名" in document_text
    en = {k: content.figure_text(r, "en") for k, r in rows.items()}
    assert en["dispatch_regional"] == "42 municipalities (22 continuing from the previous year)"
    assert en["dispatch_wide_area"] == "1 body (continuing from the previous year)"
    assert en["evacuees"] == "about 2,500 persons"


def test_a_fresh_start_opens_on_the_documents_year_with_the_documents_figures(db_path):
    """Only sample figures: every figure's default year is FY2015, the document's year, and
    the document's figures of that year are the ones in document_totals.csv."""
    con = db.connect(db_path)
    for metric in figures.ids():
        assert db.real_years(metric, con=con) in ([], [2015])
        assert db.default_year(metric, con=con) == 2015, metric
        assert db.headline(metric, con=con)["fiscal_year"] == 2015, metric
    # "latest" stays a choice: there are later (sample) years than the default
    assert max(db.fiscal_years("dispatch", con=con)) > 2015
    totals = _totals()
    shown = content.document_figures(fiscal_year=db.default_year("dispatch", con=con))
    expected = totals[totals["key"].isin([d.key for d in figures.DOCUMENT_FIGURES])]
    assert sorted(shown["value"]) == sorted(expected["value"].astype(int))
    assert set(shown["fiscal_year"]) == {2015}
    # the sample breakdown of the default year agrees with the document's totals
    head = db.headline("evacuees", con=con)
    assert head["is_sample"] and head["value"] == pytest.approx(2500, rel=0.04)


def test_the_default_year_follows_real_figures(db_path, tmp_path):
    p = tmp_path / "real.duckdb"
    shutil.copyfile(db_path, p)
    con = duckdb.connect(str(p))
    con.execute("UPDATE dispatch SET is_sample = false WHERE fiscal_year = 2013")
    assert db.real_years("dispatch", con=con) == [2013]
    assert db.default_year("dispatch", con=con) == 2013  # the latest real year
    assert db.headline("dispatch", con=con)["fiscal_year"] == 2013
    assert db.default_year("evacuees", con=con) == 2015  # still sample only
    con.close()


# --------------------------------------------------------------------------- selections


def test_lists_the_document_calls_a_selection_carry_the_word(document_text):
    sel = content.selections().set_index("table")
    assert set(sel.index) == {"priority_projects", "proposals", "measures", "bureau_projects"}
    for table, row in sel.iterrows():
        assert row["heading_ja"] in document_text, table  # the document's own heading
        assert row["marker_ja"] in row["heading_ja"]
        n = len(policy_table(table))
        for lang in ("ja", "en"):
            label = content.selection_label(table, lang, n)
            assert str(n) in label
        assert "資料掲載分" in content.selection_label(table, "ja", n)
        assert "listed in the document" in content.selection_label(table, "en", n)
    assert content.selection_label("priority_projects", "ja", 16) == (
        "主な地域重点プロジェクト(資料掲載分)16件"
    )


# --------------------------------------------------------------------------- judgements


def test_the_judgements_are_listed_and_every_row_has_a_basis():
    assert content.judged_columns().apply(tuple, axis=1).tolist() == [
        ("priority_projects", "direction_theme_id"),
        ("priority_projects", "theme_ids"),
        ("proposals", "pillar_theme_id"),
        ("proposals", "policy_area_ja"),
        ("measures", "proposal_ids"),
        ("measures", "pillar_theme_id"),
        ("bureau_projects", "bureau_code"),
        ("bureau_projects", "theme_ids"),
    ]
    judged = content.judgements()
    assert set(judged["basis"]) == {"stated", "inferred"}
    for (table, column), rules in judged.groupby(["table", "column"]):
        df = policy_table(table)
        assert column in df.columns, (table, column)
        for row in df.to_dict("records"):  # every row gets a basis
            assert content.basis(table, column, row) in ("stated", "inferred"), (table, row)
        assert rules["explanation_ja"].str.len().gt(0).all()
        assert rules["explanation_en"].str.len().gt(0).all()


def test_basis_labels_are_plain_words_in_both_languages():
    assert content.basis_label("stated", "ja") == "明記"
    assert content.basis_label("inferred", "ja") == "資料の配置から推定"
    assert content.basis_label("inferred", "en") == "Inferred from the document's layout"
    for b in ("stated", "inferred"):
        assert content.basis_explanation(b, "en").isascii()


def test_bureau_attributions_told_apart():
    bp = policy_table("bureau_projects")
    bases = bp.apply(lambda r: content.basis("bureau_projects", "bureau_code", r), axis=1)
    # bx14 「釧路延伸」 names the road's end, not the bureau (issue 26): 9 named, not 10
    assert (bases == "stated").sum() == (bp["attribution"] == "named").sum() == 9
    assert (bases == "inferred").sum() == 19  # the project's reading of the layout


def test_proposal_bp04_sits_where_its_measure_does():
    """渡島「未婚若年層の正規雇用化」: its measure (m07, 経済部, employment training) is in the
    economy block of the measures column, so the row is placed under 経済・活力 / 経済と雇用を
    支える地域産業力の底上げ; the placement is marked as inferred and its aim kept as a theme."""
    p = policy_table("proposals").set_index("proposal_id")
    m = policy_table("measures").set_index("measure_id")
    assert p.at["bp04", "pillar_theme_id"] == "pillar_economy"
    assert p.at["bp04", "policy_area_ja"] == "経済と雇用を支える地域産業力の底上げ"
    assert "pillar_safety" in split_ids(p.at["bp04", "theme_ids"])
    assert "bp04" in split_ids(m.at["m07", "proposal_ids"])
    assert m.at["m07", "pillar_theme_id"] == "pillar_economy"
    assert content.basis("proposals", "pillar_theme_id") == "inferred"


# --------------------------------------------------------------------------- sections


def test_missing_sections_are_there_with_their_source(document_text):
    sec = content.sections().set_index("section_id")
    assert list(sec.index) == [
        "migration",
        "regional_autonomy",
        "cooperation",
        "evacuee_support",
        "governance",
    ]
    for sid, row in sec.iterrows():
        assert row["anchor_ja"] in document_text, sid  # a phrase the document has verbatim
        assert row["source_ref"].startswith("seeds/000_04aeed5348d76f14.txt §II-")
        assert row["summary_ja"] and row["summary_en"] and row["heading_en"]
    for sid in ("migration", "regional_autonomy", "cooperation", "evacuee_support"):
        assert sec.at[sid, "heading_ja"] in document_text, sid
    # the support for evacuees: mental-health information and home visits
    assert "心のケア" in sec.at["evacuee_support", "summary_ja"]
    assert "home visits" in sec.at["evacuee_support", "summary_en"]
    # figures the sections point to are registered (imported ones and groupings included)
    known = {f.id for f in figures.FIGURES + figures.IMPORTED_FIGURES}
    known |= {t.table for t in importable.IMPORT_ONLY}
    for ids in sec["figure_ids"]:
        assert set(split_ids(ids)) <= known, ids


def test_policy_flow_from_bureaus_to_the_budget(document_text):
    flow = content.policy_flow()
    assert flow["step"].tolist() == list(range(1, len(flow) + 1))
    for row in flow.itertuples():
        assert row.anchor_ja in document_text, row.step
    actors = flow["actor_ja"].tolist()
    assert actors.index("地域づくり連携会議") < actors.index("北海道地域づくり推進本部")
    assert any("地域づくり総合交付金" in a for a in flow["action_ja"])


# --------------------------------------------------------------------------- new figures


def test_imported_figures_are_declared_without_a_sample():
    ids = [f.id for f in figures.IMPORTED_FIGURES]
    assert ids == ["kyoryokutai", "migration_trials"]
    for f in figures.IMPORTED_FIGURES:
        assert f.origin == "imported" and f.origin in figures.ORIGINS
        assert figures.get(f.id) is f
        assert f.id not in figures.ids()  # not on screen until wired into the data layer
    tables = {t.table: t for t in importable.IMPORT_ONLY}
    assert set(tables) == {"kyoryokutai", "migration_trials", "wide_area_groups"}
    for t in tables.values():
        ids = [c.id for c in t.template_fields]
        assert "municipality_code" in ids and set(t.key) <= set(ids)
        assert any(c.required for c in t.template_fields)
    assert tables["wide_area_groups"].template_headers()[:2] == ["圏域名", "区分"]
    assert [k.ja for k in figures.GROUPING_KINDS][:2] == ["定住自立圏", "包括交流連携"]
