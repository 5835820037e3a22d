"""The interface text catalog: every key in both languages (regionmap.i18n)."""

from __future__ import annotations

import re
import string

import pytest
from apptest_helpers import run_app, texts

from regionmap import reference
from regionmap.i18n import CATALOG, LANGS, area_name, t
from regionmap.ui.session import PAGES


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
    muni = reference.municipalities().iloc[0].to_dict()  # English from the official reading
    assert area_name(muni, "en") == "Sapporo City"
    northern = reference.municipalities().query("kind == 'northern_territory'").iloc[0].to_dict()
    assert area_name(northern, "en") == northern["name_ja"]  # no reading: Japanese


def test_every_key_used_in_the_code_exists():
    from pathlib import Path

    from regionmap.settings import PROJECT_ROOT

    sources = sorted((PROJECT_ROOT / "src" / "regionmap").rglob("*.py"))
    sources += sorted(Path(PROJECT_ROOT / "pages").glob("*.py"))
    used = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))
        used |= set(re.findall(r"""ctx\.t\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))
    missing = sorted(k for k in used if k not in CATALOG)
    assert used and missing == []


_KEY_USE = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def _code_files():
    from regionmap.settings import PROJECT_ROOT

    files = sorted((PROJECT_ROOT / "src" / "regionmap").rglob("*.py"))
    files += sorted((PROJECT_ROOT / "pages").glob("*.py"))
    files += [PROJECT_ROOT / "app.py"]
    return [f for f in files if f.exists()]


def test_every_literal_key_anywhere_in_the_code_has_both_languages():
    # t("..."), i18n.t("...") and ctx.t("...") with a literal key, in every module and page
    used: dict[str, str] = {}
    for path in _code_files():
        for key in _KEY_USE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.name)
    assert len(used) > 200, "the scan found too few keys: is the pattern still right?"
    missing = sorted(f"{k} ({f})" for k, f in used.items() if k not in CATALOG)
    assert missing == []
    empty = sorted(k for k in used for lang in LANGS if not CATALOG[k][lang].strip())
    assert empty == []


#: English texts that carry Japanese on purpose, each with its reason.
JAPANESE_IN_ENGLISH = {
    "filter.lang": "the language switch names both languages (Language / 言語)",
    "map.credit": "the MLIT licence requires the credit in its Japanese wording",
    "report.credit": "the MLIT licence requires the credit in its Japanese wording",
    "map.tiles_credit": "GSI's terms ask for the attribution 出典：国土地理院 as written",
}


def test_english_texts_have_no_japanese_except_the_listed_ones():
    with_japanese = {k for k, e in CATALOG.items() if _KANA_KANJI.search(e["en"])}
    assert sorted(with_japanese - set(JAPANESE_IN_ENGLISH)) == []
    assert sorted(set(JAPANESE_IN_ENGLISH) - with_japanese) == []  # no stale exceptions


def test_year_and_month_formats():
    import datetime

    import pandas as pd

    from regionmap.i18n import fy_text, month_text

    assert [fy_text(2015, "ja"), fy_text(2015.0, "en")] == ["2015年度", "FY2015"]
    assert [fy_text(None, "ja"), fy_text(float("nan"), "en"), fy_text(pd.NA, "en")] == ["", "", ""]
    for value in ("2016-03", datetime.date(2016, 3, 1), pd.Timestamp("2016-03-01")):
        assert month_text(value, "ja") == "2016年3月"
        assert month_text(value, "en") == "Mar 2016"
        assert month_text(value, "en", numeric=True) == "2016-03"
        assert month_text(value, "ja", numeric=True) == "2016年3月"


_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]+")


def _allowed_japanese() -> set[str]:
    """Japanese that English mode shows on purpose: the MLIT credit's required wording and
    the official names of bureaus and regions, given in brackets after the English name."""
    allowed = set(_CJK.findall(CATALOG["report.credit"]["ja"]))
    for df, col in ((reference.bureaus(), "name_ja"), (reference.regions(), "name_ja")):
        allowed |= set(df[col]) | {f"{n}連携地域" for n in df[col]}
    return allowed


@pytest.mark.parametrize("page", [p.script for p in PAGES])
def test_no_japanese_on_a_page_in_english_mode(page, db_path):
    """Every title, caption, notice, text and widget label and option of a page in English
    is English (municipality names included), but for what :func:`_allowed_japanese` lists."""
    at = run_app({"lang": "en", "bureau": "tokachi"}, page=page)
    shown = [texts(at)]
    for kind in ("selectbox", "multiselect", "radio", "checkbox", "toggle", "button"):
        for widget in at.get(kind):
            shown.append(str(widget.proto.label))
            shown += [str(o) for o in getattr(widget, "options", [])]
    japanese = set(_CJK.findall("\n".join(shown))) - _allowed_japanese()
    assert japanese == set(), (page, sorted(japanese))
