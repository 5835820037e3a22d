"""The planning document's facts as transcribed into data/policy/*.csv."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from regionmap import reference
from regionmap.settings import PROJECT_ROOT
from regionmap.themes import POLICY_DIR, POLICY_TABLES, policy_table, split_ids, theme_name

SEED = PROJECT_ROOT.parent / "shared" / "seeds" / "000_04aeed5348d76f14.txt"
TABLES = list(POLICY_TABLES)


@pytest.fixture(scope="module")
def document_text() -> str:
    """The planning document, NFKC-normalised with all whitespace removed."""
    if not SEED.is_file():
        pytest.skip(f"planning document not found at {SEED}")
    text = unicodedata.normalize("NFKC", SEED.read_text(encoding="utf-8"))
    return re.sub(r"\s+", "", text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _theme_ids() -> set[str]:
    return set(policy_table("themes")["theme_id"])


# --------------------------------------------------------------------------- all tables


@pytest.mark.parametrize("name", TABLES)
def test_every_row_has_a_source_reference_into_the_document(name):
    df = policy_table(name)
    assert len(df) > 0
    assert "source_ref" in df.columns
    bad = df[~df["source_ref"].str.startswith("seeds/000_04aeed5348d76f14.txt §")]
    assert bad.empty, f"{name}.csv rows without a source_ref: {bad.index.tolist()}"


@pytest.mark.parametrize("name", TABLES)
def test_text_is_nfkc_normalised(name):
    raw = (POLICY_DIR / f"{name}.csv").read_text(encoding="utf-8")
    assert not raw.startswith("\ufeff"), f"{name}.csv has a byte-order mark"
    compat = sorted({c for c in raw if 0xF900 <= ord(c) <= 0xFAFF})
    assert not compat, f"{name}.csv keeps CJK compatibility ideographs {compat}"
    for i, line in enumerate(raw.splitlines(), start=1):
        assert unicodedata.normalize("NFKC", line) == line, f"{name}.csv line {i} is not NFKC"


@pytest.mark.parametrize("name", ["priority_projects", "proposals", "measures", "bureau_projects"])
def test_every_theme_id_referenced_exists(name):
    df = policy_table(name)
    known = _theme_ids()
    for col in [c for c in df.columns if c.endswith("theme_id") or c == "theme_ids"]:
        for i, value in df[col].items():
            ids = split_ids(value)
            assert ids, f"{name}.csv row {i + 2}: empty {col}"
            unknown = set(ids) - known
            assert not unknown, f"{name}.csv row {i + 2}, {col}: unknown {unknown}"


@pytest.mark.parametrize("name", ["priority_projects", "proposals", "measures", "bureau_projects"])
def test_english_translation_present(name):
    df = policy_table(name)
    en = [c for c in df.columns if c.endswith("_en")]
    assert en
    for col in en:
        assert (df[col].str.len() > 0).all(), f"{name}.csv: blank {col}"
        assert not df[col].str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]").any(), col


# --------------------------------------------------------------------------- themes


def test_themes_are_four_pillars_and_four_directions():
    t = policy_table("themes").set_index("theme_id")
    assert Counter(t["kind"]) == {"pillar": 4, "direction": 4}
    assert set(t.index[t["kind"] == "pillar"]) == {
        "pillar_economy",
        "pillar_people",
        "pillar_safety",
        "pillar_region",
    }
    assert t.at["pillar_economy", "name_ja"] == "経済・活力"
    assert t.at["pillar_region", "description_ja"] == "道と市町村の総力で挑む地域づくり"
    assert theme_name("dir_tourism") == "観光立国北海道の実現"
    # the tourism and overseas directions form one group, the others their own
    assert t.at["dir_tourism", "group_id"] == t.at["dir_overseas", "group_id"]
    others = t.loc[["dir_environment", "dir_community"], "group_id"].tolist()
    assert len(set(others + [t.at["dir_tourism", "group_id"]])) == 3
    assert sorted(t["sort_order"].astype(int)) == list(range(1, 9))


# --------------------------------------------------------------------------- priority projects


def test_sixteen_priority_projects_across_all_six_regions():
    pp = policy_table("priority_projects")
    assert len(pp) == 16
    assert pp["project_id"].tolist() == [f"pp{i:02d}" for i in range(1, 17)]
    assert set(pp["region_code"]) == set(reference.regions()["region_code"])
    kind = policy_table("themes").set_index("theme_id")["kind"]
    assert (pp["direction_theme_id"].map(kind) == "direction").all()
    for _, row in pp.iterrows():
        ids = split_ids(row["theme_ids"])
        assert ids[0] == row["direction_theme_id"]
        assert sum(kind[i] == "pillar" for i in ids) == 1, row["project_id"]
    assert Counter(pp["direction_theme_id"])["dir_environment"] == 5
    assert Counter(pp["direction_theme_id"])["dir_community"] == 5


def test_priority_project_bureau_is_in_its_region():
    pp = policy_table("priority_projects")
    b = reference.bureaus().set_index("bureau_code")
    with_bureau = pp[pp["bureau_code"] != ""]
    assert set(with_bureau["bureau_code"]) <= set(b.index)
    assert (with_bureau["bureau_code"].map(b["region_code"]) == with_bureau["region_code"]).all()
    by_title = dict(zip(pp["title_ja"], pp["bureau_code"], strict=True))
    assert by_title["「日高」ブランドの構築プロジェクト"] == "05"
    assert by_title["いしかり地域防災力強化プロジェクト"] == "02"
    assert by_title["新幹線開業を契機とした戦略的地域づくり推進プロジェクト"] == ""


def test_priority_project_titles_are_in_the_document(document_text):
    for title in policy_table("priority_projects")["title_ja"]:
        assert _flat(title) in document_text, title


# --------------------------------------------------------------------------- proposals


def test_fifteen_proposals_with_the_joint_ones():
    p = policy_table("proposals")
    assert len(p) == 15
    codes = p["bureau_codes"].map(split_ids)
    assert set().union(*codes) == set(reference.bureaus()["bureau_code"])
    assert (p["is_joint"] == codes.map(lambda c: "true" if len(c) > 1 else "false")).all()
    joint = sorted(tuple(c) for c in codes if len(c) > 1)
    assert joint == [("06", "07"), ("10", "09", "08")]
    kind = policy_table("themes").set_index("theme_id")["kind"]
    assert (p["pillar_theme_id"].map(kind) == "pillar").all()
    assert all(
        pillar in split_ids(ids)
        for pillar, ids in zip(p["pillar_theme_id"], p["theme_ids"], strict=True)
    )
    assert set(p["pillar_theme_id"]) == set(kind.index[kind == "pillar"])


def test_proposal_bureau_label_names_its_bureaus():
    short = reference.bureaus().set_index("bureau_code")["short_ja"]
    for _, row in policy_table("proposals").iterrows():
        for code in split_ids(row["bureau_codes"]):
            assert short[code] in row["bureau_label_ja"], row["proposal_id"]


def test_proposal_texts_and_policy_areas_are_in_the_document(document_text):
    p = policy_table("proposals")
    for title, label in zip(p["title_ja"], p["bureau_label_ja"], strict=True):
        assert _flat(f"{title}【{label}】") in document_text, title
    for area in set(p["policy_area_ja"]):
        assert _flat(area) in document_text, area
    assert p["note"].str.len().gt(0).all()


# --------------------------------------------------------------------------- measures


def test_measures_reflect_existing_proposals_and_every_proposal_is_reflected():
    m = policy_table("measures")
    p = policy_table("proposals").set_index("proposal_id")
    assert len(m) == 14
    assert set(m["department_ja"]) == {
        "総合政策部",
        "経済部",
        "農政部",
        "水産林務部",
        "保健福祉部",
        "環境生活部",
    }
    linked = set()
    for _, row in m.iterrows():
        ids = split_ids(row["proposal_ids"])
        assert ids and set(ids) <= set(p.index), row["measure_id"]
        assert row["pillar_theme_id"] == p.at[ids[0], "pillar_theme_id"]
        linked |= set(ids)
    assert linked == set(p.index)


def test_shinkansen_measures_reflect_iburi_and_oshima_hiyama():
    m = policy_table("measures")
    p = policy_table("proposals").set_index("proposal_id")
    for _, row in m[m["text_ja"].str.startswith("新幹線")].iterrows():
        bureaus = {
            b
            for pid in split_ids(row["proposal_ids"])
            for b in split_ids(p.at[pid, "bureau_codes"])
        }
        assert {"04", "06", "07"} <= bureaus, row["measure_id"]


def test_measure_texts_with_their_department_are_in_the_document(document_text):
    for text, dep in policy_table("measures")[["text_ja", "department_ja"]].itertuples(index=False):
        assert _flat(f"○{text}({dep})") in document_text, text


# --------------------------------------------------------------------------- bureau projects


def test_twenty_eight_bureau_projects_two_per_bureau():
    bx = policy_table("bureau_projects")
    assert len(bx) == 28
    counts = Counter(bx["bureau_code"])
    assert set(counts) == set(reference.bureaus()["bureau_code"])
    assert set(counts.values()) == {2}
    assert set(bx["attribution"]) <= {"named", "inferred", "layout"}
    assert bx["attribution_note"].str.len().gt(0).all()


def test_named_bureau_projects_name_their_bureau():
    area_words = {
        "01": ["空知"],
        "04": ["いぶり", "胆振"],
        "05": ["日高"],
        "07": ["檜山"],
        "09": ["留萌"],
        "10": ["宗谷"],
        "11": ["オホーツク"],
        "12": ["十勝"],
        "13": ["釧路"],
    }
    named = policy_table("bureau_projects").query("attribution == 'named'")
    assert len(named) >= 9
    for _, row in named.iterrows():
        words = area_words.get(row["bureau_code"], [])
        assert any(w in row["text_ja"] for w in words), (row["item_id"], row["text_ja"])


def test_bureau_project_pairs_follow_the_document_order():
    bx = policy_table("bureau_projects")
    pairs = [tuple(bx["bureau_code"].iloc[i : i + 2]) for i in range(0, 28, 2)]
    assert all(a == b for a, b in pairs), pairs


def test_bureau_project_texts_are_in_the_document(document_text):
    for text in policy_table("bureau_projects")["text_ja"]:
        assert _flat(text) in document_text, text


# --------------------------------------------------------------------------- document totals


def test_dispatch_totals_match_the_document_lines(document_text):
    t = policy_table("document_totals").set_index("key")
    lines = {
        "regional": r"地域振興派遣平成27年度(\d+)市町村\(うち(\d+)市町村は前年度から継続\)",
        "wide_area": r"広域連携派遣平成27年度(\d+)団体\(前年度から継続\)",
        "collection": r"徴収対策連携派遣平成27年度(\d+)団体\(うち(\d+)団体は前年度から継続\)",
    }
    for kind, pattern in lines.items():
        match = re.search(pattern, document_text)
        assert match, kind
        total = int(match.group(1))
        cont = int(match.group(2)) if match.lastindex == 2 else total
        assert int(t.at[f"dispatch_{kind}", "value"]) == total
        assert int(t.at[f"dispatch_{kind}_continuing", "value"]) == cont
        assert t.at[f"dispatch_{kind}", "fiscal_year"] == "2015"  # 平成27年度


def test_evacuee_total_matches_the_document(document_text):
    t = policy_table("document_totals").set_index("key")
    match = re.search(r"約([\d,]+)名の方々が避難", document_text)
    assert match
    assert int(t.at["evacuees", "value"]) == int(match.group(1).replace(",", ""))
    assert t.at["evacuees", "unit_ja"] == "名"  # the document's own counter
    assert t.at["evacuees", "is_approximate"] == "true"
    # the document (平成27年度) gives no month: no as_of, and the year is the document's
    assert t.at["evacuees", "as_of"] == ""
    assert t.at["evacuees", "fiscal_year"] == "2015"
