"""English names of municipalities from their official kana readings (rule-based Hepburn).

The readings come from ``localgovjp`` (Code for FUKUI, CC0 1.0, compiled from GSI and
J-LIS sources; ``../shared/reference/localgovjp/hokkaido.csv``). A name is never guessed
from its kanji: every English name is the romanisation of the reading (or the
municipality's own spelling of that reading, shown by its official site's address), with
the municipality's kind from the last character of its written name.

The romanisation is modified Hepburn with these choices (the project's, stated once here):

- **Long vowels are written without marks**, as on Japan's road signs and in most
  official English place names: おう and おお → ``o``, うう → ``u`` (ちゅうおう → Chuo,
  おおぞら → Ozora). Other vowel pairs are written out (えい → ``ei``, いい → ``ii``:
  にいかっぷ → Niikappu). Names stay plain ASCII.
- **A vowel pair across two words of a name is not a long vowel** (豊浦 とよ|うら → Toyoura,
  not Toyora). Kana alone cannot tell, so the three Hokkaido names where this happens are
  listed in :data:`WORD_BOUNDARIES` with the boundary marked ``|`` in their official
  reading; the reading itself is never changed (a test checks it).
- **ん is ``n``** (modified Hepburn), also before b, m and p (ほんべつ → Honbetsu);
  ``labial_m=True`` gives the traditional ``m`` (Hombetsu) where wanted. Before a vowel or
  y it is ``n'`` (しんえい → Shin'ei, かんよう → Kan'yo).
- **A town's own spelling comes first.** Where the web address of a municipality's official
  site (localgovjp's ``url``) spells its name with one of the two choices above made the
  other way — ん as ``m`` before b, m, p, or a long vowel written out (``ou``, ``oo``,
  ``uu``) or as ``oh`` — the English name uses that spelling (:func:`own_spelling`):
  紋別 mombetsu.jp → Mombetsu, 中頓別 nakatombetsu, 剣淵 kembuchi, 長万部 oshamambe, 遠別
  embetsu, 雄武 oumu, 当麻 tohma. An address that spells it as the rule does keeps the rule
  (浜頓別 hamatonbetsu → Hamatonbetsu, 本別 honbetsu); other systems are not read as a
  spelling (寿都 suttu is Kunrei-shiki: Suttsu). ``municipality_names_en.csv`` names the
  address (host name) of every such name in ``spelling_source``.
- **っ doubles the next consonant** (さっぽろ → Sapporo), ``t`` before ch (まっちゃ → matcha).
- Digraphs: しゃ sha, ちゃ cha, じゃ ja, きゃ kya …; し shi, ち chi, つ tsu, ふ fu, じ ji;
  ぢ → ji and づ → zu (as じ and ず); を → o.
- Kind suffixes: 市 → City (し), 町 → Town (ちょう or まち), 村 → Village (むら or そん),
  区 → Ward (く). Sapporo's wards are "Sapporo <ward> Ward" (札幌市 中央区 → Sapporo Chuo
  Ward).

>>> romanise("おとふけ")
'otofuke'
>>> english_name("音更町", "おとふけちょう")
'Otofuke Town'
>>> english_name("札幌市 中央区", "さっぽろし ちゅうおうく")
'Sapporo Chuo Ward'
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

from regionmap import reference

_BASE: dict[str, str] = {
    **dict(zip("あいうえお", ["a", "i", "u", "e", "o"], strict=True)),
    **dict(zip("かきくけこ", ["ka", "ki", "ku", "ke", "ko"], strict=True)),
    **dict(zip("がぎぐげご", ["ga", "gi", "gu", "ge", "go"], strict=True)),
    **dict(zip("さしすせそ", ["sa", "shi", "su", "se", "so"], strict=True)),
    **dict(zip("ざじずぜぞ", ["za", "ji", "zu", "ze", "zo"], strict=True)),
    **dict(zip("たちつてと", ["ta", "chi", "tsu", "te", "to"], strict=True)),
    **dict(zip("だぢづでど", ["da", "ji", "zu", "de", "do"], strict=True)),
    **dict(zip("なにぬねの", ["na", "ni", "nu", "ne", "no"], strict=True)),
    **dict(zip("はひふへほ", ["ha", "hi", "fu", "he", "ho"], strict=True)),
    **dict(zip("ばびぶべぼ", ["ba", "bi", "bu", "be", "bo"], strict=True)),
    **dict(zip("ぱぴぷぺぽ", ["pa", "pi", "pu", "pe", "po"], strict=True)),
    **dict(zip("まみむめも", ["ma", "mi", "mu", "me", "mo"], strict=True)),
    **dict(zip("やゆよ", ["ya", "yu", "yo"], strict=True)),
    **dict(zip("らりるれろ", ["ra", "ri", "ru", "re", "ro"], strict=True)),
    **dict(zip("わゐゑを", ["wa", "i", "e", "o"], strict=True)),
    "ゔ": "vu",
}
#: Small ya/yu/yo after an i-row kana: the i-row's consonant + y (ki → ky), or for
#: shi/chi/ji the consonant alone (shi → sh).
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
#: Small vowels (ふぁ → fa, てぃ → ti, うぃ → wi …), rare in place names but handled.
_SMALL_VOWEL = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}
_VOWELS = set("aeiou")

#: Kind suffixes: the written name's last character -> (English word, its kana readings).
SUFFIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "市": ("City", ("し",)),
    "町": ("Town", ("ちょう", "まち")),
    "村": ("Village", ("むら", "そん")),
    "区": ("Ward", ("く",)),
}


#: Readings (by 5-digit code) whose vowel pair ``ou``/``oo``/``uu`` spans two words of the
#: written name, so it is not a long vowel. The kana is the official reading with ``|``
#: at the word boundary: 豊|浦 とよ|うら, 滝|上 たきの|うえ, 広|尾 ひろ|お.
WORD_BOUNDARIES: dict[str, str] = {
    "01571": "とよ|うらちょう",
    "01560": "たきの|うえちょう",
    "01642": "ひろ|おちょう",
}


class ReadingError(ValueError):
    """A reading that holds a character the rules do not know, or a suffix that does not fit."""


def _syllables(kana: str) -> list[str]:
    """The romanised syllables of ``kana`` (hiragana; katakana is folded to hiragana),
    before long vowels and っ are resolved; っ is kept as ``"Q"`` and ん as ``"N"``."""
    text = "".join(
        chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in unicodedata.normalize("NFKC", kana)
    )
    out: list[str] = []
    for c in text:
        if c in _BASE:
            out.append(_BASE[c])
        elif c == "っ":
            out.append("Q")
        elif c == "ん":
            out.append("N")
        elif c in _SMALL_Y:
            prev = out[-1] if out else ""
            if not prev.endswith("i") or prev in ("i", "Q", "N"):
                raise ReadingError(f"{c!r} does not follow an i-row kana in {kana!r}")
            stem = prev[:-1]
            # shi, chi, ji take the vowel directly (sha, cha, ja); others add y (kya, nya)
            out[-1] = stem + ("" if stem in ("sh", "ch", "j") else "y") + _SMALL_Y[c]
        elif c in _SMALL_VOWEL:
            prev = out[-1] if out else ""
            if not prev or prev in ("Q", "N"):
                raise ReadingError(f"{c!r} does not follow a kana in {kana!r}")
            stem = prev[:-1] if prev[-1] in _VOWELS else prev
            stem = {"ch": "ch", "sh": "sh", "j": "j", "ts": "ts", "f": "f", "": "w"}.get(stem, stem)
            out[-1] = stem + _SMALL_VOWEL[c]
        elif c == "ー":
            out.append("-")  # a long mark: dropped with the long vowels below
        else:
            raise ReadingError(f"unknown character {c!r} in the reading {kana!r}")
    return out


#: How :func:`romanise` writes a long vowel (おう, おお, うう): ``plain`` (the rule: o, o,
#: u), ``written`` (ou, oo, uu as the kana has them), ``h`` (oh, oh, u).
LONG_VOWELS = ("plain", "written", "h")


def romanise(kana: str, *, labial_m: bool = False, long_vowels: str = "plain") -> str:
    """Modified Hepburn of a kana reading, lower case, long vowels unmarked (see module doc).

    ``labial_m``: write ん as ``m`` before b, m and p (traditional Hepburn). ``long_vowels``:
    one of :data:`LONG_VOWELS` (``plain`` is the rule). A ``|`` marks a word boundary: vowels
    on either side are not joined into a long vowel.

    >>> romanise("とうべつ"), romanise("とよ|うら"), romanise("しんえい"), romanise("まっちゃ")
    ('tobetsu', 'toyoura', "shin'ei", 'matcha')
    >>> romanise("とうま", long_vowels="h"), romanise("おうむ", long_vowels="written")
    ('tohma', 'oumu')
    """
    if long_vowels not in LONG_VOWELS:
        raise ValueError(f"long_vowels must be one of {', '.join(LONG_VOWELS)}")
    if "|" in kana:
        words = kana.split("|")
        out = ""
        for i, word in enumerate(words):
            part = romanise(word, labial_m=labial_m, long_vowels=long_vowels)
            if i and words[i - 1].endswith("ん") and part[:1] in ("a", "e", "i", "o", "u", "y"):
                out += "'"
            out += part
        return out
    syl = _syllables(kana)
    parts: list[str] = []
    for i, s in enumerate(syl):
        nxt = next((x for x in syl[i + 1 :] if x != "-"), "")
        if s == "Q":
            if not nxt or nxt in ("Q", "N") or nxt[0] in _VOWELS:
                raise ReadingError(f"っ without a consonant after it in {kana!r}")
            parts.append("t" if nxt.startswith("ch") else nxt[0])
        elif s == "N":
            if nxt and (nxt[0] in _VOWELS or nxt[0] == "y"):
                parts.append("n'")
            elif labial_m and nxt and nxt[0] in "bmp":
                parts.append("m")
            else:
                parts.append("n")
        elif s == "-":
            continue
        else:
            parts.append(s)
    text = "".join(parts)
    if long_vowels == "written":
        return text
    # long vowels without marks: ou, oo -> o (or oh); uu -> u (an n' keeps its vowel)
    kept: list[str] = []
    for ch in text:
        if kept and kept[-1] == "o" and ch in "ou":
            if long_vowels == "h":
                kept.append("h")
            continue
        if kept and kept[-1] == "u" and ch == "u":
            continue
        kept.append(ch)
    return "".join(kept)


def spellings(kana: str) -> set[str]:
    """Every spelling of ``kana`` this module can make: the rule's and the ones with ん as
    ``m`` before b, m, p and with long vowels written out or as ``oh``.

    >>> sorted(spellings("もんべつ")), sorted(spellings("おうむ"))
    (['mombetsu', 'monbetsu'], ['ohmu', 'omu', 'oumu'])
    """
    return {romanise(kana, labial_m=m, long_vowels=v) for m in (False, True) for v in LONG_VOWELS}


def own_spelling(kana: str, url: str) -> str | None:
    """The spelling of the reading ``kana`` (without its kind: もんべつ) that the address
    ``url`` of the municipality's site shows, where it is not the rule's: a part of the
    host name (between dots or hyphens) that is one of :func:`spellings` but not
    :func:`romanise`'s. None when the address shows none, or the rule's own.

    >>> own_spelling("もんべつ", "https://mombetsu.jp/")
    'mombetsu'
    >>> own_spelling("はまとんべつ", "http://www.town.hamatonbetsu.hokkaido.jp/") is None
    True
    """
    host = urlparse(url.strip()).hostname or ""
    others = spellings(kana) - {romanise(kana)}
    return next((part for part in re.split(r"[.-]", host.lower()) if part in others), None)


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def _stem(name: str, kana: str) -> tuple[str, str]:
    """One written name (``帯広市``) and its reading (``おびひろし``) -> the reading without
    its kind (``おびひろ``) and the kind's English word (``City``)."""
    kind = name[-1:]
    if kind not in SUFFIXES:
        raise ReadingError(f"{name!r} does not end in 市, 町, 村 or 区")
    word, readings = SUFFIXES[kind]
    stem = next(
        (kana[: -len(r)] for r in readings if kana.endswith(r) and len(kana) > len(r)), None
    )
    if stem is None:
        raise ReadingError(
            f"the reading {kana!r} of {name!r} does not end in {' or '.join(readings)}"
        )
    return stem, word


def _one(name: str, kana: str, *, labial_m: bool = False, url: str | None = None) -> str:
    """One written name (``帯広市``) and its reading (``おびひろし``) -> ``Obihiro City``; with
    the site's ``url``, the town's own spelling where its address shows one."""
    stem, word = _stem(name, kana)
    spelled = own_spelling(stem, url) if url else None
    return f"{_capital(spelled or romanise(stem, labial_m=labial_m))} {word}"


def english_name(name: str, kana: str, *, labial_m: bool = False, url: str | None = None) -> str:
    """The English name of a municipality or one of Sapporo's wards from its written name
    and its kana reading, as localgovjp writes them (a ward: ``札幌市 中央区`` /
    ``さっぽろし ちゅうおうく`` → ``Sapporo Chuo Ward``); with the ``url`` of its official
    site, the municipality's own spelling where the address shows one (:func:`own_spelling`).

    >>> english_name("紋別市", "もんべつし"), english_name("紋別市", "もんべつし", url="https://mombetsu.jp/")
    ('Monbetsu City', 'Mombetsu City')
    """
    names, readings = name.split(), kana.split()
    if len(names) != len(readings) or not names:
        raise ReadingError(f"{name!r} and its reading {kana!r} do not have the same parts")
    if len(names) == 1:
        return _one(names[0], readings[0], labial_m=labial_m, url=url)
    # a ward: the city's name without its kind word (the address is the city's), then the ward
    city = _one(names[0], readings[0], labial_m=labial_m, url=url).rsplit(" ", 1)[0]
    return f"{city} {_one(names[-1], readings[-1], labial_m=labial_m)}"


#: Columns of the committed table ``data/reference/municipality_names_en.csv``.
NAME_COLUMNS = ("code", "code6", "name_ja", "reading_kana", "name_en", "spelling_source")


def english_names(localgovjp_csv: str | Path) -> list[dict[str, str]]:
    """The rows of the English-name table from localgovjp's Hokkaido file: code (5 digits),
    code6, name_ja (the ward alone for wards, as the reference table writes it),
    reading_kana, name_en, spelling_source (the host name of the site's address where
    ``name_en`` is the municipality's own spelling shown there, else blank: the rule). Only Hokkaido rows
    (codes 01…).

    Names that come out alike (江差町 and 枝幸町 are both Esashi Town) get their bureau in
    brackets: "Esashi Town (Hiyama)", "Esashi Town (Soya)"."""
    rows: list[dict[str, str]] = []
    with open(localgovjp_csv, encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            code6 = r["lgcode"].strip()
            if not code6.startswith("01"):
                continue
            city, kana = r["city"].strip(), r["citykana"].strip()
            marked = WORD_BOUNDARIES.get(code6[:5])
            if marked is not None and marked.replace("|", "") != kana:
                raise ReadingError(f"{city}: the marked reading {marked!r} is not {kana!r}")
            url = (r.get("url") or "").strip()
            name_en = english_name(city, marked or kana, url=url or None)
            rule = english_name(city, marked or kana)
            rows.append(
                {
                    "code": code6[:5],
                    "code6": code6,
                    "name_ja": city.split()[-1],
                    "reading_kana": kana,
                    "name_en": name_en,
                    # the address whose host name shows the municipality's own spelling
                    "spelling_source": (urlparse(url).hostname or url) if name_en != rule else "",
                }
            )
    rows.sort(key=lambda r: r["code"])
    # two municipalities read alike (江差町 and 枝幸町: Esashi Town): name their bureau

    bureau_of = reference.municipalities().set_index("code")["bureau_code"]
    bureau_en = reference.bureaus().set_index("bureau_code")["name_en"]
    seen: dict[str, int] = {}
    for r in rows:
        seen[r["name_en"]] = seen.get(r["name_en"], 0) + 1
    for r in rows:
        if seen[r["name_en"]] > 1:
            r["name_en"] = f"{r['name_en']} ({bureau_en[bureau_of[r['code']]]})"
    return rows


def write_names(localgovjp_csv: str | Path, out: str | Path) -> int:
    """Write the English-name table (``NAME_COLUMNS``) to ``out``; the number of rows."""
    rows = english_names(localgovjp_csv)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=NAME_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return len(rows)


if __name__ == "__main__":  # python -m regionmap.romaji SRC.csv OUT.csv
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m regionmap.romaji LOCALGOVJP_HOKKAIDO.csv OUT.csv")
    print(f"{write_names(sys.argv[1], sys.argv[2])} rows written to {sys.argv[2]}")
