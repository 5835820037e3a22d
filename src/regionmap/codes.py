"""Local government codes (全国地方公共団体コード, JIS X 0402).

N03 uses the 5-digit form (``01100``); most government spreadsheets use the
6-digit form with a check digit (``011002``). The first two digits are the
prefecture (:data:`PREFECTURE_CODES`); Hokkaido is ``01``.

A code only ever names a Hokkaido municipality when it is written in one of
those two forms (or as a 5-digit code whose leading zero a spreadsheet dropped,
``1100``, which cannot be anything else). Five digits without the leading zero
(``12211``) are another prefecture's code as written; they may also be a 6-digit
Hokkaido code that lost its zero (``012211``), and :func:`read_code` says so
(``lost_zero``) so that the caller accepts that reading only when something else
in the row (the name) confirms it. Chiba's 成田市 ``12211`` never becomes
名寄市 ``01221`` by itself.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from regionmap.i18n import Message, message

_WEIGHTS = (6, 5, 4, 3, 2)
HOKKAIDO = "01"

#: The 47 prefectures by JIS X 0401 code: (Japanese, English).
PREFECTURE_CODES: dict[str, tuple[str, str]] = {
    f"{i:02d}": names
    for i, names in enumerate(
        [
            ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"),
            ("宮城県", "Miyagi"), ("秋田県", "Akita"), ("山形県", "Yamagata"),
            ("福島県", "Fukushima"), ("茨城県", "Ibaraki"), ("栃木県", "Tochigi"),
            ("群馬県", "Gunma"), ("埼玉県", "Saitama"), ("千葉県", "Chiba"),
            ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"),
            ("富山県", "Toyama"), ("石川県", "Ishikawa"), ("福井県", "Fukui"),
            ("山梨県", "Yamanashi"), ("長野県", "Nagano"), ("岐阜県", "Gifu"),
            ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"),
            ("滋賀県", "Shiga"), ("京都府", "Kyoto"), ("大阪府", "Osaka"),
            ("兵庫県", "Hyogo"), ("奈良県", "Nara"), ("和歌山県", "Wakayama"),
            ("鳥取県", "Tottori"), ("島根県", "Shimane"), ("岡山県", "Okayama"),
            ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"), ("徳島県", "Tokushima"),
            ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"),
            ("福岡県", "Fukuoka"), ("佐賀県", "Saga"), ("長崎県", "Nagasaki"),
            ("熊本県", "Kumamoto"), ("大分県", "Oita"), ("宮崎県", "Miyazaki"),
            ("鹿児島県", "Kagoshima"), ("沖縄県", "Okinawa"),
        ],
        start=1,
    )
}  # fmt: skip


class CodeError(ValueError):
    """A value that is not a usable code: :attr:`message` says why (a catalogue text ``key``
    with ``values``); ``str`` is its English, :attr:`ja` its Japanese."""

    def __init__(self, key: str, /, *, prefecture: str | None = None, **values: object):
        self.message: Message = message(key, **values)
        super().__init__(self.message.text("en"))
        #: the prefecture code (``"13"``) when the value is another prefecture's code
        self.prefecture = prefecture

    @property
    def ja(self) -> str:
        return self.message.text("ja")


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


def prefecture_message(pref: str) -> Message:
    """``prefecture 13, 東京都`` / ``都道府県コード13、東京都`` (the code alone if unknown)."""
    names = PREFECTURE_CODES.get(pref)
    if names is None:
        return message("codes.no_prefecture", code=pref)
    return message("codes.prefecture", code=pref, name=names[0])


def prefecture_text(pref: str, lang: str = "en") -> str:
    """:func:`prefecture_message` in ``lang``."""
    return prefecture_message(pref).text(lang)


@dataclass(frozen=True)
class CodeReading:
    """A code as read: its 5-digit Hokkaido form and how it was written.

    ``lost_zero`` is True when the digits were 5 without a leading zero and are
    read as the 6-digit form whose zero a spreadsheet dropped (``11002`` ->
    ``011002``); as written they are ``alternative``, a code of prefecture
    ``alternative[:2]``. Accept such a reading only when the name agrees.
    """

    code5: str
    written: str
    lost_zero: bool = False

    @property
    def alternative(self) -> str | None:
        return self.written if self.lost_zero else None


def _digits(value: object) -> str:
    if value is None:
        raise CodeError("codes.empty")
    if isinstance(value, bool):
        raise CodeError("codes.not_a_code", value=value)
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise CodeError("codes.not_a_code", value=value)
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("-", "")
    if not text:
        raise CodeError("codes.empty")
    if not text.isdigit() or not text.isascii():
        raise CodeError("codes.not_a_code", value=value)
    return text


def _not_hokkaido(text: str, pref: str, more: Message | str = "") -> CodeError:
    return CodeError(
        "codes.not_hokkaido", code=text, prefecture=pref, where=prefecture_message(pref), more=more
    )


def _check6(text: str) -> str:
    code5, digit = text[:5], text[5]
    if check_digit(code5) != digit:
        raise CodeError("codes.check_digit", code=text, expected=code5 + check_digit(code5))
    return code5


def read_code(value: object) -> CodeReading:
    """Read a code as a spreadsheet holds it and return its Hokkaido reading.

    Accepted: ``01100``, ``011002`` (check digit checked), full-width digits,
    spaces and hyphens, ``1100`` / ``1100.0`` (a 5-digit code that lost its zero;
    four digits cannot be anything else). Five digits without a leading zero
    come back with ``lost_zero=True`` when they are a valid 6-digit Hokkaido code
    without its zero; the caller must confirm that reading.

    Raises
    ------
    CodeError
        Empty, not digits, wrong length, wrong check digit, or another
        prefecture's code (``prefecture`` set, the message names it).

    >>> read_code("011002")
    CodeReading(code5='01100', written='011002', lost_zero=False)
    >>> read_code("12211").lost_zero
    True
    """
    text = _digits(value)
    if len(text) == 4:
        text5 = "0" + text
        if text5[:2] != HOKKAIDO:
            raise _not_hokkaido(text5, text5[:2])
        return CodeReading(text5, text)
    if len(text) == 5:
        if text[0] == "0":
            if text[:2] != HOKKAIDO:
                raise _not_hokkaido(text, text[:2])
            return CodeReading(text, text)
        pref = text[:2]
        # as written: a 5-digit code of prefecture 10–99; Hokkaido only if it is 01xxxx
        # with its zero dropped, and the check digit fits
        if text[0] == "1":
            try:
                code5 = _check6("0" + text)
            except CodeError:
                code5 = None
            if code5 is not None:
                return CodeReading(code5, text, lost_zero=True)
        raise _not_hokkaido(text, pref)
    if len(text) == 6:
        if text[:2] != HOKKAIDO:
            raise _not_hokkaido(text, text[:2])
        return CodeReading(_check6(text), text)
    raise CodeError("codes.length", value=value)


def normalize_code(value: object) -> str:
    """The 5-digit Hokkaido code of a value written as a 5- or 6-digit code.

    Strict: a value that is only Hokkaido's if a leading zero was lost
    (``11002``) is refused, with both readings named, since as written it is
    another prefecture's code (use :func:`read_code` and confirm by name).

    Raises
    ------
    CodeError
        (a ``ValueError``) with a message saying what is wrong with the value.
    """
    reading = read_code(value)
    if reading.lost_zero:
        raise lost_zero_error(reading)
    return reading.code5


def lost_zero_error(reading: CodeReading, name: str | None = None) -> CodeError:
    """The refusal for ``12211``: another prefecture's code as written; 012211 only with a name."""
    alt = reading.written
    return _not_hokkaido(alt, alt[:2], message("codes.lost_zero_hint", code6="0" + alt))
