"""Local government codes (全国地方公共団体コード, JIS X 0402).

N03 uses the 5-digit form (``01100``); most government spreadsheets use the
6-digit form with a check digit (``011002``).
"""

from __future__ import annotations

import unicodedata

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(code5: str) -> str:
    """Check digit of a 5-digit local government code.

    Multiply the five digits by 6, 5, 4, 3, 2, take the sum modulo 11 and
    subtract it from 11; a result of 10 or 11 keeps its last digit (so a sum
    divisible by 11 gives 1 and a remainder of 1 gives 0), as the official
    definition does.

    Examples
    --------
    >>> check_digit("01100")
    '2'
    >>> check_digit("01202")
    '5'
    """
    if len(code5) != 5 or not code5.isdigit():
        raise ValueError(f"expected a 5-digit code, got {code5!r}")
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def to_code6(code5: str) -> str:
    """The 6-digit form: ``'01100'`` -> ``'011002'``."""
    return code5 + check_digit(code5)


def normalize_code(value: object) -> str:
    """Turn a 5- or 6-digit code as written in a spreadsheet into the 5-digit form.

    Accepts full-width digits, surrounding spaces, numbers that lost their
    leading zero (``1100`` or ``11002`` from Excel) and the 6-digit form, whose
    check digit must be right.

    Raises
    ------
    ValueError
        With a message saying what is wrong with the value.
    """
    if value is None:
        raise ValueError("empty code")
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise ValueError(f"not a code: {value!r}")
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("-", "")
    if not text.isdigit():
        raise ValueError(f"not a code: {value!r}")
    if len(text) == 4 or (len(text) == 5 and not text.startswith("0")):
        # Excel dropped the leading zero: 1100 for 01100, 11002 for 011002
        text = "0" + text
    if len(text) == 5:
        return text
    if len(text) == 6:
        code5, digit = text[:5], text[5]
        if check_digit(code5) != digit:
            raise ValueError(
                f"check digit of {text} is wrong (expected {code5}{check_digit(code5)})"
            )
        return code5
    raise ValueError(f"a code has 5 or 6 digits, got {value!r}")
