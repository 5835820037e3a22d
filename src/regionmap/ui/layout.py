"""Layouts that fit the screens people have: 1280x720 projectors and small laptops,
1366x768, 1920x1080 and phones (400 px wide).

Streamlit gives a map a fixed height (``st.pydeck_chart(height=540)``); the CSS here caps
it by the window's height (the overview's map stays above the fold at 1280x720) and
shortens it on a phone; ``assets/map_ready.js`` then fits the map's first view to the
size it really has (the view was computed for a 760x540 map, see
:func:`regionmap.maps.deckgl.view_for_bounds`). Put on every page by
:func:`regionmap.ui.frame.start`.
"""

from __future__ import annotations

import streamlit as st

#: The map's height: at most its Python height (540 px), at least 300 px, and what the
#: window leaves under the page's header and the map's title on a short screen.
MAP_HEIGHT = "clamp(300px, calc(100vh - 262px), 540px)"
#: On a phone (a single column): shorter, so the legend and the credit follow soon.
PHONE_MAP_HEIGHT = "clamp(280px, 62vh, 440px)"

#: Captions (Streamlit draws them at 60 % opacity): opaque, 5.8:1 on white, 5.5:1 on the
#: sidebar's grey.
CAPTION_INK = "#666563"
#: The selected option of a segmented control (on Streamlit's pink): 6.0:1.
SELECTED_INK = "#a3202f"

CSS = f"""
<style>
.stElementContainer[class*="st-key-rm-map-"] {{ height: {MAP_HEIGHT} !important;
  flex: 0 0 {MAP_HEIGHT} !important; }}
@media (max-width: 640px) {{
  .stElementContainer[class*="st-key-rm-map-"] {{ height: {PHONE_MAP_HEIGHT} !important;
    flex: 0 0 {PHONE_MAP_HEIGHT} !important; }}
}}
/* less empty space above the page's title (Streamlit leaves 6rem under its header bar) */
[data-testid="stMainBlockContainer"] {{ padding-top: 3.4rem; }}
[data-testid="stMainBlockContainer"] h1 {{ font-size: clamp(1.5rem, 2.4vw, 2.2rem);
  padding: 0 0 0.1rem 0; }}
[data-testid="stMainBlockContainer"] h5 {{ padding: 0.1rem 0; }}
/* a card's figure is shown whole, wrapped, never cut with an ellipsis (the document's
   「42市町村（うち22市町村は前年度から継続）」 at 1280 px and on a phone) */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {{ white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; overflow-wrap: anywhere; }}
[data-testid="stMetricValue"] {{ font-size: clamp(1.4rem, 2.6vw, 2.25rem); line-height: 1.25; }}
</style>
"""


#: Contrast: put in the page's head by
#: ``assets/page_lang.js`` (from the marker of :mod:`regionmap.ui.a11y`), where it stays
#: while Streamlit redraws the page (a style element in the page is missing for a moment
#: when a page opens, and the captions would show at Streamlit's contrast).
A11Y_CSS = f"""
/* contrast (WCAG 2.1 AA, 4.5:1): Streamlit's grey captions are 3.8:1, the selected
   segmented control's red on its pink 4.2:1; the same look, a shade darker */
[data-testid="stCaptionContainer"] {{ color: {CAPTION_INK}; opacity: 1; }}
button[data-selected="true"] [data-testid="stMarkdownContainer"] p {{ color: {SELECTED_INK}; }}
"""

#: Visually hidden, read by screen readers (not display:none): the text alternative of a
#: map (an inline style: hidden from the first paint).
SCREEN_READER_ONLY = (
    "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap;border:0"
)


def apply() -> None:
    """Put the layout CSS on the page (the same element every run)."""
    st.html(CSS)
