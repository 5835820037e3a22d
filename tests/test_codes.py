"""Local government codes: check digits and the forms spreadsheets write them in."""

from __future__ import annotations

import pytest

from regionmap import reference
from regionmap.codes import CodeReading, check_digit, normalize_code, read_code, to_code6


@pytest.mark.parametrize(
    ("code5", "code6"),
    [
        ("01100", "011002"),  # 札幌市
        ("01202", "012025"),  # 函館市
        ("01102", "011029"),  # 札幌市北区
        # remainder 0: 11 - 0 = 11, last digit 1
        ("01101", "011011"),  # 札幌市中央区
        ("01213", "012131"),  # 苫小牧市
        # remainder 1: 11 - 1 = 10, last digit 0
        ("01205", "012050"),  # 室蘭市
        ("01236", "012360"),  # 北斗市
    ],
)
def test_check_digit_of_real_codes(code5, code6):
    assert to_code6(code5) == code6
    assert check_digit(code5) == code6[-1]
    assert normalize_code(code6) == code5


@pytest.mark.parametrize("bad", ["0110", "011000", "O1100", "", "01 100"])
def test_check_digit_needs_five_digits(bad):
    with pytest.raises(ValueError, match="5-digit"):
        check_digit(bad)


@pytest.mark.parametrize(
    "written",
    [
        "01100",
        "011002",
        "０１１００",  # full-width digits
        "０１１００２",
        " 011002 ",
        1100,  # Excel dropped the leading zero of the 5-digit form (4 digits: nothing else)
        1100.0,
        "1100",
        "01-100",
    ],
)
def test_normalize_code_accepts_what_spreadsheets_hold(written):
    assert normalize_code(written) == "01100"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("011003", "check digit of 011003 is wrong (expected 011002)"),
        ("０１２０２４", "expected 012025"),
        # five digits without the zero: another prefecture's code as written (12211 is
        # Chiba's 成田市), never taken for Hokkaido's 012211 by the code alone
        (11003, "11003 is not a Hokkaido municipality (prefecture 11, 埼玉県)"),
        (11002, "11002 is not a Hokkaido municipality (prefecture 11, 埼玉県)"),
        ("12211", "12211 is not a Hokkaido municipality (prefecture 12, 千葉県)"),
        ("13101", "13101 is not a Hokkaido municipality (prefecture 13, 東京都)"),
        ("131016", "131016 is not a Hokkaido municipality (prefecture 13, 東京都)"),
        ("472018", "prefecture 47, 沖縄県"),
        ("2201", "02201 is not a Hokkaido municipality (prefecture 02, 青森県)"),
        ("99999", "prefecture 99, no such prefecture"),
        (None, "empty"),
        ("札幌", "not a code"),
        (1100.5, "not a code"),
        (float("nan"), "not a code"),
        ("0110022", "5 or 6 digits"),
        ("110", "5 or 6 digits"),
    ],
)
def test_normalize_code_refuses_with_reason(written, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalize_code(written)


def test_every_reference_code_round_trips():
    table = reference.municipalities()
    assert len(table) == 179 + 10 + 6  # Sapporo once, its wards, the Northern Territories
    for code, code6 in zip(table["code"], table["code6"], strict=True):
        assert code6 == to_code6(code)
        assert normalize_code(code6) == code
        assert normalize_code(int(code)) == code  # 1100 for 01100
        assert read_code(int(code6)) == CodeReading(code, code6[1:], lost_zero=True)
        wrong = code6[:5] + str((int(code6[5]) + 1) % 10)
        with pytest.raises(ValueError, match="check digit"):
            normalize_code(wrong)
