"""The areas a handout, slide or PNG is about (Hokkaido, a region, a bureau) and what the
renderers share: a value in the page's language, a plotly colour as matplotlib takes it, a
figure as PNG. Colours and the number format are :mod:`regionmap.style`'s.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from regionmap import reference
from regionmap.bilingual import pick
from regionmap.style import hex_colour

# ---------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------


class UnknownAreaError(ValueError):
    """An unknown bureau or region code; the message lists the valid ones."""


@dataclass(frozen=True)
class Area:
    """A bureau or a region, with what a handout says about it."""

    kind: str  # "bureau" | "region"
    code: str
    slug: str
    name_ja: str
    name_en: str
    region_code: str
    bureau_codes: tuple[str, ...]
    seat_ja: str = ""
    seat_en: str = ""

    def seat(self, lang: str) -> str:
        """The seat's name in ``lang`` (English from the official reading)."""
        return pick((self.seat_ja, self.seat_en or self.seat_ja), lang)

    def title(self, lang: str) -> str:
        # English titles add the Japanese name, which the catalogue's English texts may not carry
        if self.kind == "region":
            return pick(
                (f"{self.name_ja}連携地域", f"{self.name_en} region ({self.name_ja}連携地域)"), lang
            )
        return pick((self.name_ja, f"{self.name_en} ({self.name_ja})"), lang)

    def filters(self) -> dict[str, Any]:
        """Keyword filters for the database's query functions."""
        return {"bureau_code" if self.kind == "bureau" else "region_code": self.code}

    def filename(self, lang: str = "ja") -> str:
        """``bureau-12-tokachi-ja.pdf``: one file per area and language."""
        prefix = "bureau" if self.kind == "bureau" else "region"
        return f"{prefix}-{self.code}-{self.slug}-{lang}.pdf"


def _valid_codes(kind: str) -> str:
    if kind == "bureau":
        df = reference.bureaus()
        return ", ".join(f"{r.bureau_code} {r.bureau_id}" for r in df.itertuples())
    df = reference.regions()
    return ", ".join(f"{r.region_code} {r.region_id}" for r in df.itertuples())


def resolve_area(kind: str, key: str | None) -> Area:
    """Return the bureau or region named by its code or id (``"01"``, ``"1"``, ``"sorachi"``).

    Raises
    ------
    UnknownAreaError
        If ``key`` names no bureau/region; the message lists the valid codes.
    """
    if kind not in ("bureau", "region"):
        raise UnknownAreaError(f"area kind must be 'bureau' or 'region', got {kind!r}")
    key_s = str(key).strip().lower()
    if kind == "bureau":
        df = reference.bureaus()
        if key_s.isascii() and key_s.isdigit():
            key_s = key_s.zfill(2)
        hit = df[(df["bureau_code"] == key_s) | (df["bureau_id"] == key_s)]
        if hit.empty:
            raise UnknownAreaError(
                f"unknown bureau {key!r}; valid bureau codes: {_valid_codes('bureau')}"
            )
        r = hit.iloc[0]
        return Area(
            "bureau",
            r["bureau_code"],
            r["bureau_id"],
            r["name_ja"],
            r["name_en"],
            r["region_code"],
            (r["bureau_code"],),
            r["seat_ja"],
            r.get("seat_en", "") or "",
        )
    df = reference.regions()
    if key_s.isascii() and key_s.isdigit():
        key_s = str(int(key_s))
    hit = df[(df["region_code"] == key_s) | (df["region_id"] == key_s)]
    if hit.empty:
        raise UnknownAreaError(
            f"unknown region {key!r}; valid region codes: {_valid_codes('region')}"
        )
    r = hit.iloc[0]
    b = reference.bureaus()
    members = tuple(b.loc[b["region_code"] == r["region_code"], "bureau_code"])
    return Area(
        "region",
        r["region_code"],
        r["region_id"],
        r["name_ja"],
        r["name_en"],
        r["region_code"],
        members,
    )


def all_areas() -> list[Area]:
    """The 14 bureaus, then the 6 regions."""
    return [resolve_area("bureau", c) for c in reference.bureaus()["bureau_code"]] + [
        resolve_area("region", c) for c in reference.regions()["region_code"]
    ]


# ---------------------------------------------------------------------------
# Text and images
# ---------------------------------------------------------------------------


def lang_value(frame_or_row, base: str, lang: str, default: str = "") -> str:
    """Value of ``base_en``/``base_ja`` for the language, falling back to the other one."""
    for col in (f"{base}_{lang}", f"{base}_ja", f"{base}_en", base):
        try:
            v = frame_or_row[col]
        except (KeyError, IndexError):
            continue
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v) != "":
            return str(v)
    return default


def css_to_hex(colour: str) -> str:
    """``rgb(r, g, b)`` / ``rgba(...)`` / ``#rrggbb`` / a named colour -> ``#rrggbb``
    (a plotly figure's colours, as matplotlib takes them)."""
    from matplotlib.colors import to_hex

    c = str(colour).strip()
    if c.startswith("rgb"):
        nums = [float(x) for x in c[c.index("(") + 1 : c.index(")")].split(",")]
        return hex_colour([int(round(v)) for v in nums[:3]])
    return to_hex(c)


def png_bytes(fig) -> bytes:
    """A matplotlib figure as PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
