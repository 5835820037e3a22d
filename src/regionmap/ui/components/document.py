"""The document first: its own figures (42市町村, 約2,500名) with their source line, the
sample breakdown marked as such, and the basis of the project's judgements in tables.

Every page that shows dispatch or evacuee figures calls :func:`document_figures` before its
breakdown; every table with a column that is the project's judgement gets
:func:`with_basis` (a 根拠 column: 明記 / 資料の配置から推定, explained on hover).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from regionmap import content
from regionmap.i18n import fy_text, t
from regionmap.plaintext import plain
from regionmap.ui.components.cards import breakdown_is_sample, theme_covers
from regionmap.ui.session import Context

BASIS_COLUMN = "basis"
#: The key of the document's figures' box (Streamlit's class ``st-key-rm-docfigs``).
DOCUMENT_FIGURES_KEY = "rm-docfigs"


def document_figures(
    ctx: Context,
    figure_ids: Sequence[str] = ("dispatch", "evacuees"),
    *,
    sample: bool | None = None,
) -> pd.DataFrame:
    """The document's own figures of ``figure_ids`` as cards in their units, with their
    source line; ``sample``: the breakdown shown below is a sample (says so; None: asked of
    the view's headline figures). Returns the figures shown."""

    lang = ctx.lang
    # a theme that covers none of a figure: its document figures are not shown either
    shown_ids = [f for f in figure_ids if theme_covers(f, ctx.state.theme_ids)]
    if not shown_ids:
        return pd.DataFrame()
    rows = _document_rows(tuple(shown_ids)).copy()
    if rows.empty:
        return rows
    records = _document_records(tuple(shown_ids))
    fy = int(rows["fiscal_year"].iloc[0])
    with st.container(border=True, key=DOCUMENT_FIGURES_KEY):
        st.markdown("**" + t("doc.heading", lang, fy=fy_text(fy, lang)) + "**")
        cols = st.columns(len(rows))
        for col, r in zip(cols, records, strict=True):
            with col:
                st.metric(content.figure_label(r, lang), content.figure_text(r, lang))
        sources = dict.fromkeys(content.source_line(r, lang) for r in records)
        st.caption(t("fig.source", lang, source=plain(" / ".join(sources))))
        if sample is None:
            sample = breakdown_is_sample(ctx, shown_ids)
        if sample:
            st.caption(t("doc.breakdown_sample", lang))
    return rows


@functools.cache
def _document_rows(figure_ids: tuple[str, ...]) -> pd.DataFrame:
    """The document's figures of ``figure_ids``: bundled files, the same for every session
    and run, so built once per process (callers get a copy)."""
    return pd.concat([content.document_figures(f) for f in figure_ids], ignore_index=True)


@functools.cache
def _document_records(figure_ids: tuple[str, ...]) -> tuple[dict, ...]:
    """:func:`_document_rows` as records (read only)."""
    return tuple(_document_rows(figure_ids).to_dict("records"))


def with_basis(df: pd.DataFrame, table: str, column: str, id_col: str, lang: str) -> pd.DataFrame:
    """``df`` (rows of a policy table, ``id_col`` its key) with a :data:`BASIS_COLUMN`: the
    basis of ``table.column`` per row in words (明記 / 資料の配置から推定)."""
    bases = content.bases_of(table, column)
    labels = (
        df[id_col]
        .astype(str)
        .map(bases)
        .map(lambda b: content.basis_label(b, lang) if isinstance(b, str) else "")
    )
    return df.assign(**{BASIS_COLUMN: labels})


def basis_help(lang: str) -> str:
    """The one-line explanation of both bases (column help of every 根拠 column)."""
    return t(
        "basis.help",
        lang,
        stated=content.basis_explanation("stated", lang),
        inferred=content.basis_explanation("inferred", lang),
    )
