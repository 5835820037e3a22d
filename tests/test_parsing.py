"""Parsers of what staff write: fiscal years, months, counts, codes, municipality names."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionmap import reference
from regionmap.codes import normalize_code, read_code, to_code6
from regionmap.db.parsing import (
    MunicipalityResolver,
    ParseError,
    fiscal_year_of,
    parse_count,
    parse_fiscal_year,
    parse_month,
    parse_prefecture,
    resolver,
)

FULL = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def era_forms(year: int) -> list[str]:
    """Every way the importer accepts to write ``year`` (1989–2030)."""
    forms = [str(year), f"{year}年度", f"FY{year}", f"{year}年"]
    for era, letter, start in (("平成", "H", 1988), ("令和", "R", 2018)):
        n = year - start
        if (era == "平成" and 1 <= n <= 31) or (era == "令和" and n >= 1):
            num = "元" if n == 1 else str(n)
            forms += [f"{era}{num}年度", f"{era}{num}年", f"{letter}{num}", f"{letter.lower()}{n}"]
            forms += [f"{letter}.{n}", f"{era}{n}年度"]
    return forms


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2015", 2015),
        ("2015年度", 2015),
        ("平成27年度", 2015),
        ("H27", 2015),
        ("令和2年度", 2020),
        ("R2", 2020),
        ("令和元年度", 2019),
        ("平成元年度", 1989),
        ("２０１５年度", 2015),
        ("Ｈ２７", 2015),
        (" 平成 27 年度 ", 2015),
        (2015, 2015),
        (2015.0, 2015),
    ],
)
def test_fiscal_year_forms(text, year):
    assert parse_fiscal_year(text) == year


@pytest.mark.parametrize("bad", ["", "平成", "2015年度x", "abc", "H", 15, "令和0年度"])
def test_fiscal_year_refuses_with_a_message(bad):
    with pytest.raises(ParseError) as exc:
        parse_fiscal_year(bad)
    assert str(exc.value)


@settings(deadline=None)  # a shared, busy machine: no per-example time limit
@given(st.integers(1989, 2030), st.data())
def test_any_year_in_any_supported_form_parses_back(year, data):
    form = data.draw(st.sampled_from(era_forms(year)))
    width = data.draw(st.booleans())
    text = form.translate(FULL) if width else form
    assert parse_fiscal_year(text) == year


@pytest.mark.parametrize(
    "text",
    [
        "2015-03",
        "2015/3",
        "2015年3月",
        "201503",
        "2015-03-01",
        "平成27年3月",
        "H27.3",
        "２０１５年３月",
    ],
)
def test_month_forms(text):
    assert parse_month(text) == dt.date(2015, 3, 1)


def test_month_from_excel_datetime_and_fiscal_year():
    assert parse_month(dt.datetime(2015, 3, 31, 12)) == dt.date(2015, 3, 1)
    assert fiscal_year_of(dt.date(2015, 3, 1)) == 2014
    assert fiscal_year_of(dt.date(2015, 4, 1)) == 2015
    with pytest.raises(ParseError, match="not a month"):
        parse_month("2015-13")


@pytest.mark.parametrize(
    ("text", "n"),
    [("2,500", 2500), ("２，５００", 2500), ("12人", 12), (12.0, 12), (" 7 ", 7), ("-3", -3), ("1,234,567", 1234567)],
)  # fmt: skip
def test_counts(text, n):
    assert parse_count(text) == n


@pytest.mark.parametrize(("bad", "msg"), [("2.5", "not a whole number"), ("x", "not a number"), ("12,34", "not a number"), ("", "empty")])  # fmt: skip
def test_bad_counts(bad, msg):
    with pytest.raises(ParseError, match=msg):
        parse_count(bad)


@settings(deadline=None)  # a shared, busy machine: no per-example time limit
@given(st.integers(1000, 9999))
def test_code6_round_trip(n):
    # Hokkaido (01) and prefectures 02–09: codes with a leading zero that Excel may drop
    code5 = f"{n:05d}"
    code6 = to_code6(code5)
    if code5.startswith("01"):
        assert normalize_code(code6) == code5
        assert normalize_code(code6.translate(FULL)) == code5
        assert normalize_code(code5) == code5
        assert normalize_code(int(code5)) == code5  # 1100 for 01100
        # 11002 for 011002: only a reading, to be confirmed by the name
        assert read_code(int(code6)).lost_zero and read_code(float(code6)).code5 == code5
    else:
        for written in (code6, code5, int(code5)):
            with pytest.raises(ValueError, match=f"prefecture {code5[:2]}, "):
                normalize_code(written)


@settings(deadline=None)  # a shared, busy machine: no per-example time limit
@given(st.integers(1000, 1999), st.integers(0, 9))
def test_wrong_check_digit_is_refused(n, digit):
    code5 = f"{n:05d}"
    if to_code6(code5)[-1] != str(digit):
        with pytest.raises(ValueError, match="check digit"):
            normalize_code(code5 + str(digit))


MUNIS = reference.municipalities()
REAL = MUNIS[MUNIS["kind"] == "municipality"]
#: Names two municipalities share (泊村): they need the district.
SHARED_NAMES = set(MUNIS.loc[MUNIS["name_ja"].duplicated(), "name_ja"])


@settings(deadline=None)  # a shared, busy machine: no per-example time limit
@given(st.sampled_from(list(REAL.itertuples())), st.booleans(), st.booleans(), st.booleans())
def test_every_municipality_resolves_by_name_and_code(m, prefix, with_district, full_width):
    name = m.name_ja
    if (with_district or name in SHARED_NAMES) and m.district_ja:
        name = m.district_ja + name
    if prefix:
        name = "北海道" + ("　" if full_width else "") + name
    r = resolver()
    assert r.resolve(name=name).code == m.code
    assert r.resolve(code=m.code6).code == m.code
    code = m.code6.translate(FULL) if full_width else m.code6
    assert r.resolve(code=code, name=name).code == m.code


def test_the_two_tomari_villages():
    r = MunicipalityResolver()
    assert r.resolve(name="古宇郡泊村").code == "01403"
    assert r.resolve(name="泊村", district="古宇郡").code == "01403"
    assert r.resolve(name="後志総合振興局泊村").code == "01403"
    with pytest.raises(ParseError) as exc:
        r.resolve(name="泊村")
    assert str(exc.value) == (
        "'泊村' is ambiguous: 古宇郡泊村 (01403) or 国後郡泊村 (01696); "
        "add the district (郡) or use the code"
    )
    with pytest.raises(ParseError, match="Northern Territories village"):
        r.resolve(name="国後郡泊村")
    with pytest.raises(ParseError, match="Northern Territories village"):
        r.resolve(code="01696")


def test_other_prefectures_are_never_matched():
    r = resolver()
    assert r.resolve(name="伊達市").code == "01233"  # Hokkaido's 伊達市 …
    with pytest.raises(ParseError) as exc:
        r.resolve(name="福島県伊達市")  # … not Fukushima's
    assert str(exc.value) == "'福島県伊達市' is in 福島県, not in Hokkaido"
    with pytest.raises(ParseError) as exc:
        r.resolve(code="072028")  # a Fukushima code
    assert str(exc.value).startswith(
        "072028 is not a Hokkaido municipality (prefecture 07, 福島県)"
    )
    with pytest.raises(ParseError, match="unknown municipality '横浜市'"):
        r.resolve(name="横浜市")


def test_wards_fold_into_sapporo_with_a_note():
    r = resolver()
    for kw in ({"name": "札幌市中央区"}, {"name": "中央区"}, {"code": "011011"}):
        m = r.resolve(**kw)
        assert m.code == "01100"
        assert "counted as 札幌市 (01100)" in m.note


def test_name_without_suffix_and_code_name_mismatch():
    r = resolver()
    assert r.resolve(name="岩見沢").code == "01210"
    with pytest.raises(ParseError) as exc:
        r.resolve(code="01202", name="小樽市")
    assert str(exc.value) == (
        "code 01202 is 函館市 (01202), but the name says '小樽市'; correct one of them"
    )


def test_prefecture_of_origin():
    assert parse_prefecture("福島") == ("福島県", "Fukushima")
    assert parse_prefecture("Miyagi") == ("宮城県", "Miyagi")
    assert parse_prefecture("") == ("", "")
    with pytest.raises(ParseError, match="unknown prefecture"):
        parse_prefecture("火星")
