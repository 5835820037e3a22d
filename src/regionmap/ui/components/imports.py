"""A table with nothing imported, said in words with its templates: the import-only figures
of the regional page, and the per-municipality breakdowns (dispatch, sites, evacuees) when
their sample is hidden (setting ``sample``) and no real figures are imported. Never a blank
map or a row of zeros."""

from __future__ import annotations

import streamlit as st

from regionmap import i18n, importable
from regionmap.db import export
from regionmap.i18n import t

_FORMATS = (
    ("csv", "text/csv", ""),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
)


def nothing_imported(table_id: str, lang: str, *, why: str = "regional.nothing_imported") -> None:
    """Say that ``table_id`` has nothing imported (the catalogue text ``why``, given the
    table's ``label``), list the template's columns (required ones starred) and offer the
    template as CSV and Excel."""
    table = importable.get(table_id)
    label = i18n.capitalise(t(table.label_key, lang))
    st.info(t(why, lang, label=label), icon=":material/upload_file:")
    # the headers staff write are Japanese (the template's); English names them in English
    columns = i18n.join(
        [
            i18n.capitalise(i18n.pick(c.label, lang)) + ("*" if c.required else "")
            for c in table.template_fields
        ],
        lang,
    )
    st.caption(t("regional.columns", lang, columns=columns))
    for col, (fmt, mime, key_suffix) in zip(st.columns(2), _FORMATS, strict=True):
        with col:
            st.download_button(
                t(f"regional.template_{fmt}", lang, label=label),
                data=export.template_bytes(table.table, fmt),
                file_name=f"{table.table}_template.{fmt}",
                mime=mime,
                key=f"rm.dl.template.{table.table}{key_suffix}",
            )
