"""The page of the document's sections without a map of their own: 移住・定住 (II-3(3)),
広域連携 (II-4(1)(2)), support for evacuees (II-4(3)) and 推進体制 (how proposals become
measures), each summarised in this tool's words with the document's phrase and its section
reference (:func:`regionmap.content.sections`, :func:`regionmap.content.policy_flow`); and
the figures only staff imports provide (:data:`regionmap.figures.IMPORTED_FIGURES`, the
wide-area groupings): with nothing imported the page says so and offers their templates.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from regionmap import content, db, figures, i18n
from regionmap.i18n import t
from regionmap.ui.session import Context

#: The import tables, by id: a section lists those among its ``figure_ids``.
_IMPORT_TABLES = {tb.table: tb for tb in figures.IMPORT_TABLES}


def template_csv(table: figures.ImportTable) -> bytes:
    """The template of an import table: its header row, UTF-8 with BOM (opens in Excel)."""
    buf = io.StringIO()
    pd.DataFrame(columns=table.template_headers()).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8-sig")


def imported_rows(table: str) -> int:
    """Rows imported into ``table`` (0: the database has no such table yet: the importer
    does not take these tables so far)."""
    if table not in db.TABLES:
        return 0
    return len(db.read_table(table))  # pragma: no cover - once the importer takes it


def _section_source(row: pd.Series, lang: str) -> str:
    """``出典：北海道の地域政策に関する資料（平成27年度） §II-3(3) …``."""
    return t("fig.source", lang, source=content.source_line(_with_document(row), lang))


def _with_document(row: pd.Series) -> dict:
    return {
        **row.to_dict(),
        "source_ja": content.DOCUMENT_SOURCE_JA,
        "source_en": content.DOCUMENT_SOURCE_EN,
    }


def _anchor(anchor_ja: str, lang: str) -> str:
    """The document's own phrase (Japanese: shown in Japanese mode only), then a space."""
    return t("regional.anchor", lang, anchor=anchor_ja) + "　" if lang != "en" else ""


def _import_table(table_id: str, lang: str) -> None:
    table = _IMPORT_TABLES[table_id]
    label = table.label_en if lang == "en" else table.label_ja
    n = imported_rows(table_id)
    if n == 0:
        st.info(t("regional.nothing_imported", lang, label=label))
    # the headers staff write are Japanese (the template's); English names them in English
    columns = i18n.join(
        [
            (c.label_en if lang == "en" else c.header_ja) + ("*" if c.required else "")
            for c in table.columns
        ],
        lang,
    )
    st.caption(t("regional.columns", lang, columns=columns))
    st.download_button(
        t("regional.template", lang, label=label),
        data=template_csv(table),
        file_name=f"template_{table_id}.csv",
        mime="text/csv",
        key=f"rm.dl.template.{table_id}",
    )


def regional_page(ctx: Context) -> dict:
    """移住・広域連携・推進体制: the document's sections in our words, the policy flow, and
    the import-only figures (nothing imported: said, with their templates)."""
    lang = ctx.lang
    st.title(t("page.regional", lang))
    st.caption(t("regional.caption", lang))
    secs = content.sections()
    shown_tables: list[str] = []
    for _, r in secs.iterrows():
        if r["section_id"] == "governance":
            continue  # told below, step by step
        st.subheader(
            f"{r['section_ref']} " + str(r["heading_en" if lang == "en" else "heading_ja"])
        )
        st.write(str(r["summary_en" if lang == "en" else "summary_ja"]))
        st.caption(_anchor(r["anchor_ja"], lang) + _section_source(r, lang))
        for fid in str(r["figure_ids"]).split(";"):
            if fid in _IMPORT_TABLES and fid not in shown_tables:
                shown_tables.append(fid)
                _import_table(fid, lang)
    gov = secs[secs["section_id"] == "governance"]
    st.subheader(t("regional.flow", lang))
    if not gov.empty:
        g = gov.iloc[0]
        st.write(str(g["summary_en" if lang == "en" else "summary_ja"]))
        st.caption(_section_source(g, lang))
    flow = content.policy_flow()
    for _, step in flow.iterrows():
        actor = step["actor_en" if lang == "en" else "actor_ja"]
        action = step["action_en" if lang == "en" else "action_ja"]
        st.markdown(f"{int(step['step'])}. **{actor}** — {action}")
        st.caption(_anchor(step["anchor_ja"], lang) + content.section_ref(step["source_ref"], lang))
    return {"sections": list(secs["section_id"]), "templates": shown_tables}
