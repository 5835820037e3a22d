"""Issue 11, phase 2: what pages, slides and handouts show. The default year is what is real,
the document's own figures lead (in its units, with its source), selections carry their word,
judgements their basis, and English mode names municipalities in English."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest
from apptest_helpers import run_app

from regionmap import content, db, figures, importable, reference
from regionmap.render import handout, headline, slides
from regionmap.themes import POLICY_DIR

PDFTOTEXT = shutil.which("pdftotext")
KANJI = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def con(db_path):
    return db.connect(db_path)


@pytest.fixture(scope="module")
def totals() -> pd.DataFrame:
    return pd.read_csv(
        POLICY_DIR / "document_totals.csv", dtype=str, keep_default_na=False
    ).set_index("key")


# --- default year and headline -------------------------------------------------------------


def test_default_year_and_headline_values_are_the_documents(con, totals):
    doc_fy = int(totals.at["dispatch_regional", "fiscal_year"])
    assert doc_fy == db.DOCUMENT_FISCAL_YEAR == 2015
    # with only sample figures every figure opens on the document's year, never FY2016
    for metric in db.OVERLAY_METRICS:
        assert db.real_years(metric, con=con) == []
        assert db.default_year(metric, con=con) == doc_fy
    row = headline.headline_row(figures.ids(), "ja", con=con)
    assert row.year == doc_fy and row.heading("ja").startswith("2015年度の数値")
    cards = {c.metric: c for c in row.cards}
    assert {c.fiscal_year for c in row.cards} == {doc_fy}  # one year in the row
    regional, cont = totals.loc["dispatch_regional"], totals.loc["dispatch_regional_continuing"]
    assert cards["dispatch"].value == (
        f"{int(regional['value'])}{regional['unit_ja']}"
        f"（うち{int(cont['value'])}{cont['unit_ja']}は前年度から継続）"
    )
    ev = totals.loc["evacuees"]
    assert cards["evacuees"].value == f"約{int(ev['value']):,}{ev['unit_ja']}"
    for metric in ("dispatch", "evacuees"):
        c = cards[metric]
        assert c.from_document and not c.is_sample
        assert c.source.startswith(content.DOCUMENT_SOURCE_JA)
        assert c.breakdown.startswith("内訳はサンプル")
    assert cards["sites"].is_sample  # the sample breakdown is marked as such
    # "最新年度" stays a choice: the latest year with any figures, said as such
    latest = headline.headline_row(["dispatch", "evacuees"], "ja", latest=True, con=con)
    assert latest.year == max(db.fiscal_years("dispatch", con=con))
    assert "最新年度" in latest.heading("ja")
    assert {c.metric: c.other_year for c in latest.cards}["evacuees"]  # says its own year


def test_an_area_headline_shows_its_sample_breakdown_not_the_hokkaido_total(con):
    row = headline.headline_row(["dispatch"], "ja", bureau_code="01", con=con)
    c = row.cards[0]
    assert not c.from_document and c.is_sample and c.value.endswith("人")


# --- selections and judgements ---------------------------------------------------------------

#: Every counted selection and judgement label the app and the handouts show.
SELECTION_LABELS_JA = {
    "priority_projects": "主な地域重点プロジェクト(資料掲載分)",
    "proposals": "振興局からの主な政策提案(資料掲載分)",
    "measures": "各部施策への反映(資料掲載分)",
    "bureau_projects": "振興局独自事業による地域の主な取組(資料掲載分)",
}
BASIS_LABELS_JA = {"stated": "明記", "inferred": "資料の配置から推定"}


def test_every_selection_and_basis_label(con):
    for table, label in SELECTION_LABELS_JA.items():
        assert content.selection_label(table, "ja") == label
        assert "(資料掲載分)" in content.selection_label(table, "ja", n=3)
        assert "listed in the document" in content.selection_label(table, "en", n=3)
    for basis, label in BASIS_LABELS_JA.items():
        assert content.basis_label(basis, "ja") == label
    # the headline row counts selections with their word
    row = {c.metric: c for c in headline.headline_row(figures.ids(), "ja", con=con).cards}
    assert row["priority_projects"].label == SELECTION_LABELS_JA["priority_projects"]
    assert row["proposals"].label == SELECTION_LABELS_JA["proposals"]
    # the slides too
    projects = slides.build_slide("bureau", "01", "projects", con=con)
    assert projects.figures[0].label == SELECTION_LABELS_JA["priority_projects"]
    # 空知's two bureau projects: bx02 is placed by this tool (issue 26), the count says so
    assert projects.figures[1].label == (
        SELECTION_LABELS_JA["bureau_projects"] + "（一部は資料の配置から推定）"
    )
    proposals = slides.build_slide("bureau", "01", "proposals", con=con)
    assert proposals.figures[0].label == SELECTION_LABELS_JA["proposals"]
    # which measure answers which proposal is this tool's matching (issue 26)
    assert proposals.figures[1].label == SELECTION_LABELS_JA["measures"] + "（本ツールの対応付け）"
    # every bureau project's basis in the handout is one of the two plain words
    for attribution in ("named", "inferred", "layout"):
        assert handout.attribution_text(attribution, "ja") in BASIS_LABELS_JA.values()
    bases = content.bases_of("priority_projects", "direction_theme_id")
    assert set(bases.values()) == {"stated", "inferred"}
    assert content.MATCHING_NOTE_JA == "（本ツールの対応付け）"


def test_the_dispatch_slide_leads_with_the_documents_42_municipalities(con):
    slide = slides.build_slide("bureau", "01", "dispatch", con=con, fiscal_year=2015)
    first = slide.figures[0]
    assert first.value == "42市町村（うち22市町村は前年度から継続）"
    assert not first.is_sample and "全道" in first.label
    assert content.DOCUMENT_SOURCE_JA in first.source
    assert slide.figures[1].is_sample and "内訳" in slide.figures[1].label
    ev = slides.build_slide("bureau", "01", "evacuees", con=con, fiscal_year=2015)
    assert ev.figures[0].value == "約2,500名"


@pytest.mark.skipif(PDFTOTEXT is None, reason="needs poppler's pdftotext")
def test_handout_words(tmp_path, geo_dir, con):
    pdf = tmp_path / "oshima.pdf"
    pdf.write_bytes(handout.build_handout("bureau", "oshima", lang="ja", con=con))
    text = "".join(
        subprocess.run([PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "42市町村（うち22市町村は前年度から継続）" in text and "約2,500名" in text
    for label in SELECTION_LABELS_JA.values():
        if label != SELECTION_LABELS_JA["measures"]:
            assert label in text, label
    assert "本ツールの対応付け" in text and "資料の配置から推定" in text
    assert "サンプル（架空の内訳）" in text
    for jargon in ("帰属", "本文に明記", "試算"):
        assert jargon not in text


# --- English names --------------------------------------------------------------------------


def test_english_slides_and_handout_name_municipalities_in_english(tmp_path, geo_dir, con):
    names_ja = set(reference.municipalities().query("kind != 'northern_territory'")["name_ja"])
    slide = slides.build_slide("bureau", "tokachi", "overview", lang="en", con=con)
    assert "帯広市" not in " ".join(t for pair in slide.items for t in pair)
    assert "Obihiro" in " ".join(t for pair in slide.items for t in pair)
    ev = slides.build_slide("bureau", "ishikari", "evacuees", lang="en", con=con)
    assert not any(n in f.label for f in ev.figures for n in names_ja)
    if PDFTOTEXT is None:
        pytest.skip("needs poppler's pdftotext")
    pdf = tmp_path / "tokachi-en.pdf"
    pdf.write_bytes(handout.build_handout("bureau", "tokachi", lang="en", con=con))
    text = subprocess.run([PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True).stdout
    tokachi = reference.municipalities().query("bureau_code == '12'")["name_ja"]
    assert not [n for n in tokachi if n in text]
    assert "Obihiro" in text and "localgovjp" in text


def test_english_bureau_page_shows_no_kanji_municipality_names(geo_dir, db_path):
    at = run_app({"bureau": "tokachi", "lang": "en", "muni": "01207"}, page="pages/bureau.py")
    names_ja = set(reference.municipalities()["name_ja"])
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    shown += [s.value for s in at.subheader]
    for df in (e.value for e in at.dataframe):
        shown += [str(v) for v in df.astype(str).to_numpy().ravel()]
    leaks = sorted({n for n in names_ja for text in shown if n in text})
    assert leaks == []
    assert any("Obihiro" in t for t in shown)  # the seat, in English
    assert any("Basis" in df.columns for df in (e.value for e in at.dataframe))


# --- the new page ----------------------------------------------------------------------------


def test_regional_page_shows_every_section_and_offers_the_templates(geo_dir, db_path):
    at = run_app(page="pages/regional.py")
    assert at.title[0].value == "移住・広域連携・推進体制"
    subheaders = [s.value for s in at.subheader]
    for heading in content.sections()["heading_ja"]:
        if heading.startswith("推進体制"):
            continue
        assert any(heading in s for s in subheaders), heading
    text = " ".join(c.value for c in at.caption)
    for ref in content.sections()["section_ref"]:
        if "・" not in ref:
            assert ref in " ".join(subheaders)
    assert "§II-3(3)" in text and "§II-4(1)" in text  # source references
    flow = " ".join(m.value for m in at.markdown)
    assert "北海道地域づくり推進本部" in flow and "地域づくり連携会議" in flow
    infos = " ".join(i.value for i in at.info)
    for table in importable.IMPORT_ONLY:
        assert table.label_ja in infos and "まだ取り込まれていません" in infos
    buttons = [b for b in at.get("download_button")]
    assert len(buttons) == 2 * len(importable.IMPORT_ONLY)  # CSV and Excel templates
    at_en = run_app({"lang": "en"}, page="pages/regional.py")
    assert at_en.title[0].value == "Migration, cooperation, governance"
