"""The page's language for assistive technology: ``<html lang>`` and Streamlit's own labels
in the interface language.

Streamlit offers no setting for either. :func:`page_lang` writes a hidden marker with the
language and the catalogue's translations of Streamlit's strings (the ``streamlit.*``
keys: ``en`` is Streamlit's own text); ``assets/page_lang.js``, put on every page with the
map-ready script (:func:`regionmap.ui.components.mapview.map_ready_script`), sets them.
"""

from __future__ import annotations

import json
from html import escape

import streamlit as st

from regionmap.i18n import CATALOG
from regionmap.ui import layout

#: The catalogue keys of Streamlit's own labels.
PREFIX = "streamlit."


def streamlit_labels() -> list[tuple[str, str]]:
    """``[(Streamlit's English text, Japanese), ...]`` from the catalogue."""
    return [(e["en"], e["ja"]) for k, e in sorted(CATALOG.items()) if k.startswith(PREFIX)]


def marker_html(lang: str) -> str:
    """The hidden marker ``page_lang.js`` reads: the language, the labels and the contrast
    CSS (:data:`regionmap.ui.layout.A11Y_CSS`)."""
    labels = json.dumps(streamlit_labels(), ensure_ascii=False, separators=(",", ":"))
    return (
        f"<div class='rm-page-lang' hidden data-lang='{escape(lang, quote=True)}' "
        f"data-labels='{escape(labels, quote=True)}' "
        f"data-css='{escape(layout.A11Y_CSS, quote=True)}'></div>"
    )


def page_lang(lang: str) -> None:
    """Put the marker on the page (in the sidebar, beside the script; hidden)."""
    st.sidebar.html(marker_html(lang))
