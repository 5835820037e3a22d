"""Find a Japanese font installed on the operating system.

The PDF handouts embed the font and the PNG exports draw with it, so regionmap
needs one Japanese (CJK) font file on the machine. None is ever downloaded: the
font comes from the OS or its packages, in this order of preference:

1. Noto Sans CJK JP (Debian/Ubuntu ``fonts-noto-cjk``, Fedora
   ``google-noto-sans-cjk-fonts``, Arch ``noto-fonts-cjk``) or Noto Sans JP;
2. macOS: Hiragino Sans (ヒラギノ角ゴシック);
3. Windows: Yu Gothic, Meiryo, MS Gothic;
4. any other font the system's font list knows under one of those names or
   IPAexGothic / IPAGothic / TakaoGothic.

Font collections (``.ttc``) hold several faces; the face whose family is the
Japanese one is picked (Noto's collection holds JP, KR, SC, TC and HK faces that
draw some kanji differently).

Examples
--------
>>> from regionmap.fonts import find_japanese_font
>>> font = find_japanese_font()            # doctest: +SKIP
>>> font.family, font.path.name, font.index  # doctest: +SKIP
('Noto Sans CJK JP', 'NotoSansCJK-Regular.ttc', 0)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["FontNotFoundError", "JapaneseFont", "find_japanese_font", "matplotlib_family"]

#: Family names accepted, best first. The first matching face in a file wins.
PREFERRED_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Hiragino Sans",
    "Hiragino Kaku Gothic ProN",
    "Hiragino Kaku Gothic Pro",
    "Yu Gothic",
    "Meiryo",
    "MS Gothic",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
)

_INSTALL_HINT = (
    "No Japanese font was found on this computer, and regionmap never downloads one. "
    "Install Noto Sans CJK from your operating system's packages: "
    "Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`; "
    "Fedora `sudo dnf install google-noto-sans-cjk-fonts`; "
    "Arch `sudo pacman -S noto-fonts-cjk`; "
    "macOS and Windows ship Hiragino / Yu Gothic / Meiryo (install the Japanese "
    "supplemental fonts if they were removed). Searched: {searched}"
)


class FontNotFoundError(RuntimeError):
    """No Japanese font is installed; the message says which package to install."""


@dataclass(frozen=True)
class JapaneseFont:
    """One font face: the file, the face number inside a collection, its family name."""

    path: Path
    index: int
    family: str
    bold: bool = False


def _in_folders(folders: Iterable[str | Path], names: Iterable[str]) -> list[Path]:
    """Each of ``names`` in each of ``folders``, folder by folder."""
    names = list(names)
    return [Path(folder) / name for folder in folders for name in names]


def _candidates(bold: bool) -> list[Path]:
    """Known font file locations on Linux, macOS and Windows, best first."""
    weight = "Bold" if bold else "Regular"
    noto = [
        f"NotoSansCJK-{weight}.ttc",
        f"NotoSansCJKjp-{weight}.otf",
        f"NotoSansJP-{weight}.otf",
        f"NotoSansJP-{weight}.ttf",
    ]
    # Linux distributions (Debian/Ubuntu, Fedora, Arch, openSUSE) ----------------
    paths = _in_folders(
        (
            "/usr/share/fonts/opentype/noto",
            "/usr/share/fonts/noto-cjk",
            "/usr/share/fonts/google-noto-cjk",
            "/usr/share/fonts/google-noto-sans-cjk-fonts",
            "/usr/share/fonts/opentype/noto-cjk",
            "/usr/share/fonts/truetype/noto",
            "/usr/local/share/fonts",
            str(Path.home() / ".local/share/fonts"),
            str(Path.home() / ".fonts"),
        ),
        noto,
    )
    # macOS -------------------------------------------------------------------
    w = "W6" if bold else "W3"
    paths += _in_folders(
        ("/System/Library/Fonts", "/Library/Fonts", str(Path.home() / "Library/Fonts")),
        (
            f"NotoSansCJK-{weight}.ttc",
            f"NotoSansJP-{weight}.otf",
            f"ヒラギノ角ゴシック {w}.ttc",
            f"Hiragino Sans {w}.ttc",
            f"ヒラギノ角ゴ ProN {w}.otf",
        ),
    )
    # Windows -----------------------------------------------------------------
    windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    local = Path(os.environ.get("LOCALAPPDATA", str(Path.home()))) / "Microsoft/Windows/Fonts"
    paths += _in_folders((local, windir), noto)
    paths += [
        windir / ("YuGothB.ttc" if bold else "YuGothM.ttc"),
        windir / "YuGothR.ttc",
        windir / ("meiryob.ttc" if bold else "meiryo.ttc"),
        windir / "msgothic.ttc",
    ]
    return paths


def _faces(path: Path) -> list[tuple[int, str]]:
    """(face index, family name) of every face in a font file or collection."""
    from fontTools.ttLib import TTCollection, TTFont

    def family(font) -> str:
        name = font["name"]
        for name_id in (16, 1):  # typographic family first, then legacy family
            rec = name.getName(name_id, 3, 1, 0x409) or name.getName(name_id, 1, 0, 0)
            if rec is not None:
                return str(rec.toUnicode())
        return ""

    with open(path, "rb") as fh:
        tag = fh.read(4)
    if tag == b"ttcf":
        coll = TTCollection(str(path), lazy=True)
        try:
            return [(i, family(f)) for i, f in enumerate(coll.fonts)]
        finally:
            coll.close()
    font = TTFont(str(path), lazy=True)
    try:
        return [(0, family(font))]
    finally:
        font.close()


def _pick_face(path: Path, bold: bool) -> JapaneseFont | None:
    try:
        faces = _faces(path)
    except Exception:  # unreadable or not a font: try the next candidate
        return None
    for wanted in PREFERRED_FAMILIES:
        for index, fam in faces:
            if fam == wanted:
                return JapaneseFont(path, index, fam, bold)
    return None


def _from_font_list(bold: bool) -> Iterable[Path]:
    """Font files the system's font list (through matplotlib's cache) knows by a wanted name."""
    try:
        from matplotlib import font_manager
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return []
    entries = [e for e in font_manager.fontManager.ttflist if e.name in PREFERRED_FAMILIES]
    entries.sort(
        key=lambda e: (
            PREFERRED_FAMILIES.index(e.name),
            (e.weight in ("bold", 700)) != bold,
        )
    )
    return [Path(e.fname) for e in entries]


def find_japanese_font(
    bold: bool = False, candidates: Iterable[Path] | None = None
) -> JapaneseFont:
    """Return the best Japanese font face installed on this machine.

    Parameters
    ----------
    bold : bool
        Look for a bold face first; falls back to the regular face of the same
        family when the system has no bold one.
    candidates : iterable of Path, optional
        Files to try instead of the known OS locations (for tests).

    Raises
    ------
    FontNotFoundError
        When no candidate holds a Japanese face; the message names the package
        to install (``fonts-noto-cjk`` on Debian/Ubuntu).
    """
    if candidates is None:
        return _find_cached(bold)
    return _search([Path(p) for p in candidates], bold)


@cache
def _find_cached(bold: bool) -> JapaneseFont:
    paths = _candidates(bold)
    try:
        return _search(paths, bold)
    except FontNotFoundError:
        if bold:  # no bold face: the regular one will do
            regular = _find_cached(False)
            return JapaneseFont(regular.path, regular.index, regular.family, False)
    # Fonts in places not listed above, found by the system's font list.
    found = _search(list(_from_font_list(bold)), bold, searched_extra=paths)
    return found


def _search(
    paths: list[Path], bold: bool, searched_extra: list[Path] | None = None
) -> JapaneseFont:
    for path in paths:
        if path.is_file():
            face = _pick_face(path, bold)
            if face is not None:
                return face
    searched = [str(p) for p in (searched_extra or []) + paths]
    shown = ", ".join(searched[:6]) + (f" … ({len(searched)} places)" if len(searched) > 6 else "")
    raise FontNotFoundError(_INSTALL_HINT.format(searched=shown or "nothing"))


@cache
def matplotlib_family(bold: bool = False) -> str:
    """Register the Japanese font with matplotlib and return its family name.

    Use it as ``fontfamily=`` (or in ``rcParams["font.family"]``) so that labels
    in kanji and kana draw instead of showing empty boxes.
    """
    from matplotlib import font_manager

    font = find_japanese_font(bold)
    known = {(e.fname, e.name) for e in font_manager.fontManager.ttflist}
    if (str(font.path), font.family) not in known:
        font_manager.fontManager.addfont(str(font.path))
    return font.family


if __name__ == "__main__":  # pragma: no cover - manual check: python -m regionmap.fonts
    for b in (False, True):
        try:
            print(find_japanese_font(b))
        except FontNotFoundError as exc:
            print(exc, file=sys.stderr)
            sys.exit(1)
