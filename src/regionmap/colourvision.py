"""Colours as a colour-blind reader sees them: simulated deuteranopia and protanopia
(Machado, Oliveira and Fernandes 2009, severity 1.0, applied in linear RGB) and the
difference between two colours (CIE76 ΔE in CIELAB, D65).

Used to check that the kinds' colours (:data:`regionmap.figures.CATEGORY_COLOURS`, drawn
on the settlement and dispatch maps) stay apart for every reader (``tests/test_colourvision.py``).

>>> round(delta_e((0, 0, 0), (255, 255, 255)))
100
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

#: Machado et al. (2009), severity 1.0: linear RGB -> linear RGB.
MATRICES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "normal": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
}

RGB = tuple[int, int, int]


def _to_linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _to_srgb(c: float) -> int:
    c = min(1.0, max(0.0, c))
    c = c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
    return round(c * 255)


def simulate(colour: Sequence[int], vision: str) -> RGB:
    """``colour`` (sRGB 0-255) as seen with ``vision`` (a key of :data:`MATRICES`)."""
    lin = [_to_linear(c) for c in colour[:3]]
    out = [sum(m * v for m, v in zip(row, lin, strict=True)) for row in MATRICES[vision]]
    return (_to_srgb(out[0]), _to_srgb(out[1]), _to_srgb(out[2]))


def _lab(colour: Sequence[int]) -> tuple[float, float, float]:
    r, g, b = (_to_linear(c) for c in colour[:3])
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: Sequence[int], b: Sequence[int]) -> float:
    """CIE76 colour difference (about 2: just noticeable; above 10-20: clearly apart)."""
    la, lb = _lab(a), _lab(b)
    return sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5


def closest_pair(colours: Sequence[Sequence[int]], vision: str) -> tuple[float, int, int]:
    """The smallest ΔE between two of ``colours`` seen with ``vision``, and their indices."""
    seen = [simulate(c, vision) for c in colours]
    return min((delta_e(seen[i], seen[j]), i, j) for i, j in combinations(range(len(seen)), 2))
