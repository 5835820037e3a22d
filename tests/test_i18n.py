"""The interface text catalog: every key in both languages (regionmap.i18n)."""

from __future__ import annotations

import re
import string

import pytest

from regionmap import reference
from regionmap.i18n import CATALOG, LANGS, area_name, t


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_key_has_japanese_and_english_with_the_same_placeholders(key):
    entry = CATALOG[key]
    assert set(entry) == set(LANGS), f"{key}: languages {sorted(entry)}"
    for lang in LANGS:
        assert entry[lang].strip(), f"{key}: empty {lang} text"
    assert _fields(entry["ja"]) == _fields(entry["en"]), key


_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_japanese_texts_are_japanese():
    # the credit and the GSI attribution are quoted in Japanese in English too
    not_japanese = [k for k, e in CATALOG.items() if not _KANA_KANJI.search(e["ja"])]
    assert not_japanese == []


def test_mlit_credit_is_the_required_wording():
    credit = "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成"
    assert credit in t("map.credit", "ja")
    assert credit in t("map.credit", "en")


def test_placeholders_are_filled_and_unknown_keys_fail():
    assert t("fig.fy", "ja", fy=2015) == "2015年度"
    assert t("fig.fy", "en", fy=2015) == "FY2015"
    assert t("fig.fy", "xx", fy=2015) == "2015年度"  # unknown language: Japanese
    with pytest.raises(KeyError):
        t("no.such.key", "ja")


def test_area_names_from_the_reference_tables():
    row = reference.bureaus().iloc[0].to_dict()
    assert area_name(row, "ja") == "空知総合振興局"
    assert area_name(row, "en") == "Sorachi"
    muni = reference.municipalities().iloc[0].to_dict()  # no English name
    assert area_name(muni, "en") == muni["name_ja"]


def test_every_key_used_in_the_code_exists():
    from pathlib import Path

    from regionmap.settings import PROJECT_ROOT

    sources = [
        PROJECT_ROOT / "src" / "regionmap" / name
        for name in ("ui.py", "state.py", "maplayers.py", "charts.py")
    ]
    sources += sorted(Path(PROJECT_ROOT / "pages").glob("*.py"))
    used = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))
        used |= set(re.findall(r"""ctx\.t\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))
    missing = sorted(k for k in used if k not in CATALOG)
    assert used and missing == []
