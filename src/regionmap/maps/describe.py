"""A map in words: the text alternative of every map (the page's deck, the slide's image,
the handout's map), one definition.

It names what is shown (the map's title: figure, unit, level, area, year), the colour
classes, and in one sentence which areas are highest and lowest.

>>> names = {"01": "空知", "02": "石狩", "03": "後志"}
>>> alt_text("派遣職員（人）— 振興局別", {"01": 3, "02": 9, "03": 1}, names, "人", "ja")
'地図：派遣職員（人）— 振興局別。最も多いのは石狩（9人）、最も少ないのは後志（1人）です。'
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from regionmap import i18n, reference
from regionmap.i18n import t
from regionmap.style import format_number, is_missing

#: Areas named for a tie at the top or the bottom (the rest are in the table).
MAX_NAMED = 3


@functools.cache  # bundled reference tables: the same for every session
def area_names(level: str, lang: str) -> dict[str, str]:
    """The names of the areas of ``level`` (``bureau``, ``region``, ``municipality``) by
    their code, in ``lang``, as the tables write them."""
    if level == "region":
        df, code = reference.regions(), "region_code"
    elif level == "bureau":
        df, code = reference.bureaus(), "bureau_code"
    else:
        df, code = reference.municipalities(), "code"
    return {str(r[code]): i18n.area_name(r, lang) for _, r in df.iterrows()}


def _named(codes: Sequence[str], names: Mapping[str, str], lang: str) -> str:
    shown = [names.get(c, c) for c in codes[:MAX_NAMED]]
    more = len(codes) - len(shown)
    return i18n.join(shown, lang) + (t("map.alt.more", lang, n=more) if more else "")


def extremes(values: Mapping[str, float]) -> tuple[list[str], float, list[str], float] | None:
    """The codes with the highest value and that value, the codes with the lowest and that
    value (ties in code order); None without any figure."""
    known = {c: float(v) for c, v in values.items() if not is_missing(v)}
    if not known:
        return None
    hi, lo = max(known.values()), min(known.values())
    return (
        sorted(c for c, v in known.items() if v == hi),
        hi,
        sorted(c for c, v in known.items() if v == lo),
        lo,
    )


def extremes_text(
    values: Mapping[str, float], names: Mapping[str, str], unit: str, lang: str
) -> str:
    """The one sentence saying which areas are highest and lowest."""
    ext = extremes(values)
    if ext is None:
        return t("map.alt.none", lang)
    high, hv, low, lv = ext
    if hv == lv and len(high) == 1:
        return t(
            "map.alt.one", lang, name=_named(high, names, lang), value=format_number(hv, unit, lang)
        )
    return t(
        "map.alt.extremes",
        lang,
        high=_named(high, names, lang),
        high_value=format_number(hv, unit, lang),
        low=_named(low, names, lang),
        low_value=format_number(lv, unit, lang),
    )


def alt_text(
    title: str,
    values: Mapping[str, float] | None,
    names: Mapping[str, str],
    unit: str,
    lang: str,
    *,
    classes: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> str:
    """The map's text alternative: what it shows (``title``), its colour ``classes`` (the
    legend's labels, low to high), the ``kinds`` of its points, and (with ``values`` by area
    code) the highest and lowest areas."""
    parts = [t("map.alt.shown", lang, title=title)]
    if classes:
        parts.append(t("map.alt.classes", lang, classes=i18n.join(classes, lang)))
    if kinds:
        parts.append(t("map.alt.points", lang, kinds=i18n.join(kinds, lang)))
    if values is not None:
        parts.append(extremes_text(values, names, unit, lang))
    return i18n.pick(("", " "), lang).join(parts)  # Japanese sentences run on
