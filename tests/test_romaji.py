"""English municipality names from official kana readings (regionmap.romaji, reference)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from regionmap import reference, romaji
from regionmap.settings import REFERENCE_DIR

LOCALGOVJP = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "localgovjp"
SHARED_CSV = (LOCALGOVJP / "hokkaido.csv").resolve()


@pytest.mark.parametrize(
    ("kana", "roman"),
    [
        ("しゃこたん", "shakotan"),  # small ya after shi: sha, not shya
        ("おしゃまんべ", "oshamanbe"),  # ん before b: n (modified Hepburn)
        ("あしょろ", "ashoro"),
        ("しべちゃ", "shibecha"),
        ("きゃ", "kya"),
        ("じゃ", "ja"),
        ("さっぽろ", "sapporo"),  # っ doubles the consonant
        ("わっかない", "wakkanai"),
        ("くっちゃん", "kutchan"),  # っ before ch is t
        ("すっつ", "suttsu"),  # っ before ts is t
        ("しんえい", "shin'ei"),  # ん before a vowel: n'
        ("かんよう", "kan'yo"),  # ん before y: n'
        ("ちゅうおう", "chuo"),  # long vowels unmarked
        ("おおぞら", "ozora"),
        ("きょうごく", "kyogoku"),
        ("ゆうばり", "yubari"),
        ("びえい", "biei"),  # ei is written out
        ("にいかっぷ", "niikappu"),  # ii is written out
        ("ちぢみ", "chijimi"),  # ぢ as じ
        ("みかづき", "mikazuki"),  # づ as ず
        ("ふらの", "furano"),
        ("とよ|うら", "toyoura"),  # a word boundary: not a long vowel
        ("シャコタン", "shakotan"),  # katakana folds to hiragana
    ],
)
def test_romanise_tricky_cases(kana, roman):
    assert romaji.romanise(kana) == roman


def test_n_before_labials_can_be_m_on_request():
    assert romaji.romanise("ほんべつ") == "honbetsu"
    assert romaji.romanise("ほんべつ", labial_m=True) == "hombetsu"
    assert romaji.romanise("なんぽろ", labial_m=True) == "namporo"
    assert romaji.romanise("しんとく", labial_m=True) == "shintoku"  # not before t


@pytest.mark.parametrize(
    ("name", "kana"),
    [
        ("帯広市", "おびひろまち"),
        ("音更町", "おとふけ"),
        ("中央区", "ちゅうおう"),
        ("帯広", "おびひろ"),
    ],
)
def test_a_reading_that_does_not_fit_the_kind_is_refused(name, kana):
    with pytest.raises(romaji.ReadingError):
        romaji.english_name(name, kana)


def test_unknown_characters_and_stray_small_kana_are_refused():
    for kana in ("おび広", "ゃあ", "あっ", "んっ"):
        with pytest.raises(romaji.ReadingError):
            romaji.romanise(kana)


@pytest.mark.parametrize(
    ("name", "kana", "english"),
    [
        ("帯広市", "おびひろし", "Obihiro City"),
        ("音更町", "おとふけちょう", "Otofuke Town"),
        ("森町", "もりまち", "Mori Town"),
        ("真狩村", "まっかりむら", "Makkari Village"),
        ("札幌市 中央区", "さっぽろし ちゅうおうく", "Sapporo Chuo Ward"),
    ],
)
def test_english_name_from_name_and_reading(name, kana, english):
    assert romaji.english_name(name, kana) == english


def _committed() -> pd.DataFrame:
    return pd.read_csv(
        REFERENCE_DIR / "municipality_names_en.csv", dtype=str, keep_default_na=False
    )


def test_every_hokkaido_municipality_and_ward_has_an_ascii_english_name():
    ref = reference.municipalities()
    named = ref[ref["kind"] != "northern_territory"]
    assert len(named) == 189  # 179 municipalities and Sapporo's 10 wards
    for row in named.itertuples():
        assert row.name_en.isascii() and row.name_en.strip(), (row.code, row.name_en)
        assert row.name_en != row.name_ja
    # the English names tell every municipality apart, as the Japanese ones do
    munis = named[named["kind"] == "municipality"]
    assert munis["name_en"].is_unique
    # readings agree with the reference table's names (same code, same written name)
    table = _committed().set_index("code")
    assert (table.loc[named["code"], "name_ja"].to_numpy() == named["name_ja"].to_numpy()).all()


def test_northern_territories_keep_their_japanese_names():
    ref = reference.municipalities()
    nt = ref[ref["kind"] == "northern_territory"]
    assert len(nt) == 6
    assert (nt["name_en"] == nt["name_ja"]).all()


def test_known_english_names_and_seats():
    by_code = reference.municipalities().set_index("code")["name_en"]
    assert by_code["01207"] == "Obihiro City"
    assert by_code["01631"] == "Otofuke Town"
    assert by_code["01101"] == "Sapporo Chuo Ward"
    assert by_code["01110"] == "Sapporo Kiyota Ward"
    assert by_code["01400"] == "Kutchan Town"
    assert by_code["01571"] == "Toyoura Town"  # 豊|浦, not "Toyora"
    assert by_code["01642"] == "Hiroo Town"  # 広|尾, not "Hiro"
    assert by_code["01361"] == "Esashi Town (Hiyama)"  # 江差町 and 枝幸町 read alike
    assert by_code["01514"] == "Esashi Town (Soya)"
    seats = reference.bureaus().set_index("bureau_id")["seat_en"]
    assert seats["tokachi"] == "Obihiro City"
    assert all(s.isascii() for s in seats)


def test_word_boundaries_never_change_the_official_reading():
    table = _committed().set_index("code")
    for code, marked in romaji.WORD_BOUNDARIES.items():
        assert marked.replace("|", "") == table.at[code, "reading_kana"]


@pytest.mark.skipif(not SHARED_CSV.is_file(), reason="../shared/reference/localgovjp not present")
def test_the_committed_table_is_what_the_rules_make_from_the_source(tmp_path):
    out = tmp_path / "names.csv"
    assert romaji.write_names(SHARED_CSV, out) == 189
    assert out.read_text(encoding="utf-8") == (
        REFERENCE_DIR / "municipality_names_en.csv"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("kana", "url", "spelled"),
    [
        ("もんべつ", "https://mombetsu.jp/", "mombetsu"),  # ん as m before b
        ("おしゃまんべ", "https://www.town.oshamambe.lg.jp/index.php", "oshamambe"),
        ("おうむ", "https://www.town.oumu.hokkaido.jp/", "oumu"),  # long vowel written out
        ("とうま", "https://town.tohma.hokkaido.jp/", "tohma"),  # long vowel as oh
        ("はまとんべつ", "http://www.town.hamatonbetsu.hokkaido.jp/", None),  # the rule's own
        ("すっつ", "http://www.town.suttu.lg.jp/", None),  # Kunrei-shiki is not a spelling
        ("もんべつ", "https://www.city.example.jp/mombetsu/", None),  # the host only
        ("なかとんべつ", "https://www.town.nakatombetsu.hokkaido.jp/", "nakatombetsu"),
    ],
)
def test_a_towns_own_spelling_is_read_from_its_address(kana, url, spelled):
    assert romaji.own_spelling(kana, url) == spelled


def test_english_names_use_the_towns_own_spelling_and_name_its_source():
    """Issue 26: where the town's address spells its name, that is its English name; the
    rule (ん n, long vowels unmarked) stays for every other name. The committed table names
    the address of each exception."""
    table = _committed().set_index("code")
    exceptions = table[table["spelling_source"] != ""]
    assert exceptions["name_en"].to_dict() == {
        "01219": "Mombetsu City",
        "01347": "Oshamambe Town",
        "01454": "Tohma Town",
        "01465": "Kembuchi Town",
        "01486": "Embetsu Town",
        "01513": "Nakatombetsu Town",
        "01563": "Oumu Town",
    }
    for code, row in exceptions.iterrows():
        word = row["name_en"].split()[0].lower()
        assert word in row["spelling_source"].split("."), code  # the host shows it
        kind = "ちょう" if row["name_en"].endswith("Town") else "し"
        stem = row["reading_kana"].removesuffix(kind)
        assert romaji.romanise(stem) != word and word in romaji.spellings(stem), code
    by_code = reference.municipalities().set_index("code")["name_en"]
    assert by_code["01219"] == "Mombetsu City" and by_code["01563"] == "Oumu Town"
    assert by_code["01512"] == "Hamatonbetsu Town"  # its address keeps the n
    assert by_code["01646"] == "Honbetsu Town"
    assert by_code["01392"] == "Suttsu Town"
    assert (table["spelling_source"] == "").sum() == 189 - 7  # the rule everywhere else


@pytest.mark.skipif(not SHARED_CSV.is_file(), reason="../shared/reference/localgovjp not present")
def test_every_exception_is_the_address_in_the_source():
    src = pd.read_csv(SHARED_CSV, dtype=str, keep_default_na=False)
    url = dict(zip(src["lgcode"].str[:5], src["url"], strict=True))
    table = _committed().set_index("code")
    for code, row in table[table["spelling_source"] != ""].iterrows():
        assert row["spelling_source"] in url[code], code
