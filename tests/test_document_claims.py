"""Issue 26: the screens claim no more than the planning document says, or they mark what is
this tool's reading. Each claim is checked against the document's own text
(``../shared/seeds/``, NFKC, whitespace removed) where the text can tell, so a later edit of
the data or the code cannot drift from it unnoticed."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from apptest_helpers import metric, open_page, table_with, texts

from regionmap import content, db, reference
from regionmap.db import sample
from regionmap.render import slides
from regionmap.settings import PROJECT_ROOT
from regionmap.themes import policy_table

SEED = PROJECT_ROOT.parent / "shared" / "seeds" / "000_04aeed5348d76f14.txt"
INFERRED_JA = "資料の配置から推定"
DEPARTMENTS = ("総合政策部", "経済部", "農政部", "水産林務部", "保健福祉部", "環境生活部")
#: How the document writes each bureau's area: its short name, and the kana some titles use.
AREA_WORDS = {
    "01": ("空知", "そらち"),
    "02": ("石狩", "いしかり"),
    "03": ("後志", "しりべし"),
    "04": ("胆振", "いぶり"),
    "05": ("日高", "ひだか"),
    "06": ("渡島", "おしま"),
    "07": ("檜山", "ひやま"),
    "08": ("上川", "かみかわ"),
    "09": ("留萌", "るもい"),
    "10": ("宗谷", "そうや"),
    "11": ("オホーツク",),
    "12": ("十勝", "とかち"),
    "13": ("釧路", "くしろ"),
    "14": ("根室", "ねむろ"),
}


@pytest.fixture(scope="module")
def document_text() -> str:
    """The planning document, NFKC-normalised with all whitespace removed."""
    if not SEED.is_file():
        pytest.skip(f"planning document not found at {SEED}")
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", SEED.read_text(encoding="utf-8")))


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and the session database exist before the app runs."""


@pytest.fixture(scope="module")
def con(db_path):
    return db.connect(db_path)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- 1. measures


def test_a_count_of_measures_counts_each_measure_once_with_the_matching_note(document_text, con):
    """The document lists 14 measures (○…（部名）); a measure answering two of an area's
    proposals is one measure: 道央 has 9, not the 11 a sum over its proposals gives."""
    departments = "|".join(DEPARTMENTS)
    listed = re.findall(rf"○[^○]*?\((?:{departments})\)", document_text)
    assert len(listed) == len(policy_table("measures")) == 14
    label = content.measures_label("ja")
    assert label == "各部施策への反映(資料掲載分)（本ツールの対応付け）"
    assert content.measures_label("en").endswith("(this tool's matching)")
    doo = db.proposals(region_code="1", con=con)
    assert int(doo["measure_count"].sum()) == 11  # m12, m13 answer three 道央 proposals
    slide = slides.build_slide("region", "doo", "proposals", con=con)
    assert (slide.figures[1].label, slide.figures[1].value) == (label, "9件")
    areas = [
        ("region", r, {"region_code": c})
        for r, c in reference.regions()[["region_id", "region_code"]].itertuples(index=False)
    ]
    areas += [("bureau", c, {"bureau_code": c}) for c in reference.bureaus()["bureau_code"]]
    for kind, code, where in areas:
        p = db.proposals(con=con, **where)
        ids = {m["measure_id"] for ms in p["measures"] for m in ms}
        shown = slides.build_slide(kind, code, "proposals", con=con).figures[1]
        assert shown.value == f"{len(ids)}件" and len(ids) <= len(listed), (kind, code)


def test_the_proposals_page_counts_distinct_measures_with_the_note():
    at = open_page("proposals", {"region": "doo"})
    assert metric(at, content.measures_label("ja")) == "9件"
    at = open_page("proposals")
    assert metric(at, content.measures_label("ja")) == "14件"
    # the table of which measure answers which proposal says the pairing is this tool's
    assert "政策提案（本ツールの対応付け）" in table_with(at, "施策").columns


# --------------------------------------------------------------------------- 2, 3. projects


def test_titles_that_name_a_bureau_are_seven_and_pp05_names_none(document_text):
    pp = policy_table("priority_projects").set_index("project_id")
    for pid, row in pp.iterrows():
        assert _flat(row["title_ja"]) in document_text, pid
        found = {b for b, words in AREA_WORDS.items() if any(w in row["title_ja"] for w in words)}
        if row["bureau_named_by"]:
            assert row["bureau_named_by"] in row["title_ja"], pid
            assert found == {row["bureau_code"]}, pid
            assert row["bureau_named_by"] in AREA_WORDS[row["bureau_code"]], pid
        else:
            assert not found, (pid, found)
    assert content.projects_naming_a_bureau() == set(pp.index[pp["bureau_named_by"] != ""])
    assert len(content.projects_naming_a_bureau()) == 7
    # pp05 has a bureau (its region, オホーツク, has one) but its title names none
    assert pp.at["pp05", "bureau_code"] == "11" and pp.at["pp05", "bureau_named_by"] == ""
    assert "(オホーツク)" in document_text  # the region tag after its title


def test_projects_page_heads_its_count_as_the_documents_selection_and_names_seven(
    document_text,
):
    assert "〔主な地域重点プロジェクト〕" in document_text  # the document's own heading
    at = open_page("projects")
    label = content.selection_label("priority_projects", "ja")
    assert label == "主な地域重点プロジェクト(資料掲載分)"
    assert metric(at, label) == "16件"
    assert metric(at, "振興局を名指すもの") == "7件"


# --------------------------------------------------------------------------- 4. marks


def test_projects_page_marks_every_inferred_direction_and_pillar():
    at = open_page("projects")
    bases = content.bases_of("priority_projects", "direction_theme_id")
    inferred = {p for p, b in bases.items() if b == "inferred"}
    # the six of the tourism/overseas group and オホーツクAI
    assert inferred == {"pp01", "pp02", "pp03", "pp04", "pp05", "pp06", "pp10"}
    listed = table_with(at, "方向の根拠")
    titles = policy_table("priority_projects").set_index("title_ja")["project_id"]
    for row in listed.to_dict("records"):
        pid = titles[row["プロジェクト"]]
        assert row["方向の根拠"] == (INFERRED_JA if pid in inferred else "明記"), pid
    # the pillar is this tool's judgement for every project: the column says so
    pillar = "総合計画の柱（資料の配置から推定）"
    assert pillar in listed.columns and (listed[pillar] != "").all()
    assert set(listed[pillar]) <= set(policy_table("themes").query("kind == 'pillar'")["name_ja"])
    # the region × direction table: every direction that counts a reading says so on its name
    pivot = table_with(at, "計")
    assert pivot["政策展開の方向"].tolist() == [
        f"観光立国北海道の実現（{INFERRED_JA}）",
        f"海外成長力を活かした力強い経済の構築（{INFERRED_JA}）",
        f"環境次世代先進産業の創造（うち1件は{INFERRED_JA}）",  # オホーツクAI
        "安心の絆を育むふるさとづくり",
    ]
    assert int(pivot["計"].sum()) == 16


def test_projects_slides_mark_inferred_directions_and_bureaus(con):
    pp = policy_table("priority_projects").set_index("title_ja")
    bx = policy_table("bureau_projects").set_index("text_ja")
    directions = content.bases_of("priority_projects", "direction_theme_id")
    bureaus = content.bases_of("bureau_projects", "bureau_code")
    for region in reference.regions()["region_id"]:
        slide = slides.build_slide("region", region, "projects", con=con)
        for head, detail in slide.items:
            if head in pp.index:
                mark = directions[pp.at[head, "project_id"]] == "inferred"
                assert detail.endswith(f"（{INFERRED_JA}）") == mark, (region, head, detail)
            else:
                mark = bureaus[bx.at[head, "item_id"]] == "inferred"
                assert (INFERRED_JA in detail) == mark, (region, head, detail)
    # 後志's two bureau projects: placed by the layout only, the least certain
    shiribeshi = dict(slides.build_slide("bureau", "shiribeshi", "projects", con=con).items)
    for item in ("bx03", "bx04"):
        text = policy_table("bureau_projects").set_index("item_id").at[item, "text_ja"]
        assert shiribeshi[text] == f"振興局独自事業（振興局は{INFERRED_JA}）"
    # the area's counts that rest on readings say so on the figure
    okhotsk = slides.build_slide("region", "okhotsk", "projects", con=con)
    assert okhotsk.figures[2].label == f"施策の方向（{INFERRED_JA}）"  # pp05 and pp10
    doo = slides.build_slide("region", "doo", "projects", con=con)
    assert doo.figures[2].label == f"施策の方向（一部は{INFERRED_JA}）"
    en = slides.build_slide("region", "okhotsk", "projects", lang="en", con=con)
    assert en.items[0][1].endswith("(inferred from the document's layout)")


# --------------------------------------------------------------------------- 5. bx14, pp10


def test_bx14_names_the_roads_end_not_the_bureau(document_text):
    bx = policy_table("bureau_projects").set_index("item_id")
    text = bx.at["bx14", "text_ja"]
    assert "道東自動車道の釧路延伸" in text and _flat(text) in document_text
    assert bx.at["bx14", "attribution"] == "inferred"
    assert content.basis("bureau_projects", "bureau_code", bx.loc["bx14"]) == "inferred"
    assert bx.at["bx14", "bureau_code"] == "13"  # still 釧路, by topic and order
    stated = [
        i
        for i, r in bx.iterrows()
        if content.basis("bureau_projects", "bureau_code", r) == "stated"
    ]
    assert len(stated) == 9 and "bx14" not in stated


def test_a_stated_direction_has_a_word_of_it_in_the_title_pp10_only_its_place(document_text):
    words = {"dir_environment": ("環境", "エネルギー"), "dir_community": ("安心", "安全", "防災")}
    pp = policy_table("priority_projects").set_index("project_id")
    for pid, row in pp.iterrows():
        basis = content.basis("priority_projects", "direction_theme_id", row)
        has_word = any(w in row["title_ja"] for w in words.get(row["direction_theme_id"], ()))
        if basis == "stated":
            assert has_word, pid
        if row["direction_theme_id"] in words and not has_word:
            assert basis == "inferred", pid
    assert pp.at["pp10", "direction_basis"] == "layout"
    # オホーツクAI is placed under 環境 only by where the list prints it: between two of them
    at = [document_text.index(_flat(pp.at[p, "title_ja"])) for p in ("pp09", "pp10", "pp11")]
    assert at == sorted(at)


# --------------------------------------------------------------------------- 6-8. summaries


def test_quoted_phrases_in_summaries_are_the_documents(document_text):
    quoted = 0
    for row in content.sections().itertuples():
        for phrase in re.findall(r"「([^」]*)」", row.summary_ja):
            assert _flat(phrase) in document_text, (row.section_id, phrase)
            quoted += 1
        # a reading is marked as one, in both languages alike
        assert row.summary_ja.count("(本ツールの読み:") == row.summary_en.count(
            "(this tool's reading:"
        ), row.section_id
    assert quoted >= 8


def test_summaries_add_nothing_the_document_does_not_say(document_text):
    sec = content.sections().set_index("section_id")
    # II-4(1): 多様な広域連携制度, not "national" ones
    assert "国の広域連携制度" not in document_text
    assert "多様な広域連携制度" in sec.at["regional_autonomy", "summary_ja"]
    assert "国の" not in sec.at["regional_autonomy", "summary_ja"]
    assert "national" not in sec.at["regional_autonomy", "summary_en"]
    # 推進体制: what the document lists for carrying out the projects, and an aim, not a fact
    listed = re.search(r"各部の施策・事業及び(.*?)などの地域振興施策を活用し推進", document_text)
    gov_ja, gov_en = sec.at["governance", "summary_ja"], sec.at["governance", "summary_en"]
    for item in re.split(r"[や、]", listed.group(1)):
        assert item in gov_ja, item
    assert "振興局独自事業" not in gov_ja and "own projects" not in gov_en
    assert "反映を図っています" in document_text and "反映させる" not in gov_ja
    assert "反映を図" in gov_ja and "seeks to reflect" in gov_en
    flow = content.policy_flow().set_index("step")
    assert "地域政策推進事業" in flow.at[6, "action_ja"]


def test_summaries_read_the_document_as_it_is_written(document_text):
    sec = content.sections().set_index("section_id")
    # II-4(2): 災害時をはじめとする — including, not "above all"
    assert "災害時をはじめとする" in document_text
    assert "above all" not in sec.at["cooperation", "summary_en"]
    assert "including those that arise in disasters" in sec.at["cooperation", "summary_en"]
    # II-4(3): visits in cooperation with specialists, not "together with" them
    assert "精神保健分野の専門家と連携した戸別訪問" in sec.at["evacuee_support", "summary_ja"]
    assert "一緒に" not in sec.at["evacuee_support", "summary_ja"]
    assert "in cooperation with specialists" in sec.at["evacuee_support", "summary_en"]
    # II-3(3): the document says 本年度; its year is this tool's reading, marked as one
    assert "本年度からは" in document_text and "平成27年度からは" not in document_text
    mig_ja, mig_en = sec.at["migration", "summary_ja"], sec.at["migration", "summary_en"]
    assert "本年度(本ツールの読み: 平成27年度)からは" in mig_ja
    assert mig_ja.count("平成27年度") == 1
    assert "From this year (this tool's reading: FY2015)" in mig_en


# --------------------------------------------------------------------------- 9. evacuees


def test_the_sample_puts_the_documents_2500_at_its_own_time(document_text, con):
    years = int(re.search(r"東日本大震災の発生から約(\d+)年が経過", document_text).group(1))
    figure = re.search(r"依然として約([\d,]+)名", document_text).group(1)
    assert (years, figure) == (sample.DOCUMENT_YEARS_AFTER, "2,500")
    assert sample.EARTHQUAKE_MONTH == dt.date(2011, 3, 1)
    assert sample.EVACUEE_ANCHOR_MONTH == dt.date(2011 + years, 3, 1)  # March 2015
    expected = int(figure.replace(",", ""))
    ev = sample.evacuees()
    monthly = ev.groupby("month")["persons"].sum()
    assert monthly[sample.EVACUEE_ANCHOR_MONTH] == expected
    # a view of FY2014 shows March 2015: the document's figure, not a year-early 2,655
    assert db.headline("evacuees", fiscal_year=2014, con=con)["value"] == expected
    # the document's year, FY2015 (its last month): still about 2,500, as the document says
    fy15 = db.headline("evacuees", fiscal_year=2015, con=con)["value"]
    assert round(fy15, -2) == expected and fy15 <= expected
    assert sample.document_totals_check(None, ev) == []
    # a sample that put the figure a year late is refused by the check
    late = ev.assign(
        persons=ev["persons"].where(
            ev["month"] != sample.EVACUEE_ANCHOR_MONTH, ev["persons"] * 1.06
        )
    )
    assert any("2015-03" in p for p in sample.document_totals_check(None, late))


def test_the_evacuees_page_says_where_the_sample_puts_the_documents_figure():
    text = texts(open_page("evacuees"))
    assert (
        "サンプルは資料の「約2,500名」を資料の時点（震災の発生から約4年：2015年3月）の数とし"
        in text
    )
