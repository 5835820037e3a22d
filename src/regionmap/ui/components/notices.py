"""Notices around maps and figures: the MLIT credit, the sample notice, the legend of a
colour scale and of categories.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from regionmap import geo
from regionmap.geo.layers import MANIFEST, geo_dir_path
from regionmap.i18n import t
from regionmap.maps import scales
from regionmap.style import FONT_FAMILY
from regionmap.ui.session import stored


def map_credit(lang: str, *, tiles: bool = False) -> None:
    """The MLIT credit with the boundaries' vintage (and the GSI credit when its tiles are
    shown), under every map."""
    st.caption(credit_text(lang))
    if tiles:
        st.caption(t("map.tiles_credit", lang))


def credit_text(lang: str) -> str:
    """The MLIT credit with the boundaries' vintage."""
    vintage = _boundary_vintage(_layers_version())
    return t("map.credit", lang) + (
        t("map.credit.vintage", lang, vintage=vintage) if vintage else ""
    )


def _layers_version() -> str:
    """Changes when the boundary layers are rebuilt (the manifest's time and size)."""

    try:
        st_ = (geo_dir_path(None) / MANIFEST).stat()
    except OSError:
        return ""
    return f"{st_.st_mtime_ns}-{st_.st_size}"


@st.cache_data(show_spinner=False, max_entries=8)
def _boundary_vintage(layers_version: str) -> str | None:
    if not layers_version:
        return None
    try:
        return geo.manifest().get("vintage")
    except (FileNotFoundError, ValueError):
        return None


def sample_page_line(lang: str, *, short: bool = False) -> str:
    """The line at the top of a page whose figures include samples (said once there, with
    where the mark is: every element holding a sample figure carries it itself), coloured
    as the mark; ``short``: the short mark, to share a line (the overview's map stays above
    the fold at 1280x720)."""
    return ":orange[" + t("notice.sample.short" if short else "notice.sample.page", lang) + "]"


def sample_notice(lang: str) -> None:
    """The 'sample data' notice; call wherever sample figures are shown.

    The full notice is shown the first time in a run, a short mark after that.
    """
    ctx = stored()
    if ctx is not None and ctx.shown.sample_notice:
        st.caption(t("notice.sample.short", lang))
        return
    if ctx is not None:
        ctx.shown.sample_notice = True
    st.warning(t("notice.sample", lang), icon=":material/science:")


def legend(scale: scales.ColorScale, *, title: str, unit: str, lang: str) -> None:
    """A legend of a colour scale, beside the map."""
    rows = "".join(
        f"<div style='display:flex;align-items:center;gap:6px;margin:2px 0'>"
        f"<span style='display:inline-block;width:18px;height:14px;background:{colour};"
        f"border:1px solid #888'></span><span>{label}</span></div>"
        for colour, label in scale.legend(unit, lang, alpha=scales.FILL_ALPHA)
    )
    st.html(
        f"<div class='rm-legend' style='font-family:{FONT_FAMILY};font-size:13px'>"
        f"<div style='font-weight:600;margin-bottom:4px'>{t('map.legend', lang, title=title)}</div>"
        f"{rows}<div style='margin-top:6px;color:#555'>{t('map.legend.outlines', lang)}</div></div>"
    )


def category_legend(items: Sequence[tuple[tuple[int, int, int], str]], title: str) -> None:
    """A legend of categorical colours (points by kind)."""
    rows = "".join(
        "<div style='display:flex;align-items:center;gap:6px;margin:2px 0'>"
        "<span style='display:inline-block;width:13px;height:13px;border-radius:50%;"
        f"background:rgb{tuple(colour)};border:1px solid #333'></span><span>{label}</span></div>"
        for colour, label in items
    )
    st.html(
        f"<div class='rm-legend rm-legend-kinds' style='font-family:{FONT_FAMILY};font-size:13px'>"
        f"<div style='font-weight:600;margin-bottom:4px'>{title}</div>{rows}</div>"
    )
