"""The priority-projects page (地域重点プロジェクト)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regionmap import content, i18n, reference
from regionmap.i18n import t
from regionmap.plaintext import shown_frame
from regionmap.themes import split_ids, theme_name, themes
from regionmap.ui import session
from regionmap.ui.components import overlay
from regionmap.ui.components.document import basis_help

# ===========================================================================================
# 3. Priority projects
# ===========================================================================================


def projects_by_region_direction(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Counts of projects: one row per direction (in the themes' order), one column per
    region (with projects), and a total.

    A direction's name carries the basis mark where the projects it counts were placed
    under it by this tool's reading (:func:`regionmap.content.marked`): the six of the
    tourism/overseas group, オホーツクAI. Directions are rows so that their marked names
    are read in full, beside six short region columns."""
    if df.empty:
        return pd.DataFrame()
    regions = reference.regions().sort_values("sort_order")
    names = regions.set_index("region_code")[i18n.col("name", lang)]
    order = themes().set_index("theme_id")["sort_order"]
    table = pd.crosstab(df["direction_theme_id"], df["region_code"])
    table = table.loc[sorted(table.index, key=lambda d: order.get(d, 99))]
    table = table[[c for c in regions["region_code"] if c in table.columns]]
    table.columns = [str(names.get(c, c)) for c in table.columns]
    table[t("ov.total", lang)] = table.sum(axis=1)
    table.index = [_direction_header(df, d, lang) for d in table.index]
    table.index.name = t("ov.col.direction", lang)
    return table.reset_index()


def _direction_header(df: pd.DataFrame, theme_id: str, lang: str) -> str:
    ids = df.loc[df["direction_theme_id"] == theme_id, "project_id"]
    name = theme_name(theme_id, lang)
    return content.marked(name, "priority_projects", "direction_theme_id", ids, lang)


def project_rows(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The projects as listed: ``bureau_shown`` (the bureau, or the whole region),
    ``direction_basis`` (明記 / 資料の配置から推定, per row) and ``pillar`` (the pillar this
    tool gave each project, whose header says so: :func:`pillar_header`)."""
    shown = df.copy()
    if shown.empty:
        return shown.assign(bureau_shown=[], direction_basis=[], pillar=[])
    kind = themes().set_index("theme_id")["kind"]
    bases = content.bases_of("priority_projects", "direction_theme_id")
    shown["bureau_shown"] = shown[i18n.col("bureau_name", lang)].fillna(
        t("ov.projects.region_wide", lang)
    )
    shown["direction_basis"] = [
        content.basis_label(bases[p], lang) if p in bases else "" for p in shown["project_id"]
    ]
    shown["pillar"] = [
        i18n.join([theme_name(i, lang) for i in split_ids(v) if kind.get(i) == "pillar"], lang)
        for v in shown["theme_ids"]
    ]
    return shown


def pillar_header(lang: str) -> str:
    """総合計画の柱（資料の配置から推定）: the projects' pillars are this tool's judgement."""
    b = content.basis("priority_projects", "theme_ids") or "stated"
    text = t("ov.col.pillar", lang)
    return (
        text
        if b == "stated"
        else i18n.punct("with_note", lang, text=text, note=content.basis_note(b, lang))
    )


@overlay.overlay_page("projects")
def page(ctx: session.Context, items: overlay.PageItems) -> dict:
    """地域重点プロジェクト: projects by region and direction, filtered by theme, with bureaus."""
    lang = ctx.lang
    df, when = overlay.document_items(ctx, "priority_projects")
    c1, c2, c3 = st.columns(3)
    # the document lists its 主な projects: the count says 資料掲載分, as on the overview
    label = content.selection_label("priority_projects", lang)
    overlay.headline(c1, label, len(df), "件", lang, when=when)
    # titles that name a bureau (pp05's bureau follows from its region, its title names none)
    named = int(df["project_id"].isin(content.projects_naming_a_bureau()).sum()) if len(df) else 0
    overlay.headline(c2, t("ov.projects.named", lang), named, "件", lang, when=when)
    overlay.headline(
        c3,
        t("ov.projects.regions", lang),
        df["region_code"].nunique() if len(df) else 0,
        "",
        lang,
        when=t("ov.of_six_regions", lang),
    )
    overlay.source_caption(df, lang)
    if df.empty:
        st.info(t("ov.no_match", lang, what=t("metric.priority_projects", lang)))
    level = overlay.map_by_control(ctx, ("region", "bureau"))
    figs = overlay.metric_figures(ctx, "priority_projects", level, None)
    deck, _ = overlay.choropleth_section(
        ctx, page="projects", metric="priority_projects", figs=figs, level=level
    )
    if level == "bureau":
        st.caption(t("ov.projects.bureau_note", lang))
    st.subheader(t("ov.projects.by_region_direction", lang, when=when))
    pivot = projects_by_region_direction(df, lang)
    if not pivot.empty:
        # the directions' column explains the mark its names carry on hover
        direction = t("ov.col.direction", lang)
        st.dataframe(
            shown_frame(pivot),
            hide_index=True,
            width="stretch",
            key="rm.table.pp_pivot",
            column_config={direction: st.column_config.Column(direction, help=basis_help(lang))},
        )
    st.subheader(t("ov.projects.list", lang))
    direction_basis = t("basis.col_direction", lang)
    pillar = pillar_header(lang)
    items.rows_table(
        project_rows(df, lang),
        {
            i18n.col("title", lang): t("col.project", lang),
            i18n.col("region_name", lang): t("level.region", lang),
            "bureau_shown": t("level.bureau", lang),
            i18n.col("direction_name", lang): t("ov.col.direction", lang),
            "direction_basis": direction_basis,
            "pillar": pillar,
        },
        "rm.table.projects",
        lang,
        when,
        sources=df,
        column_help={direction_basis: basis_help(lang), pillar: basis_help(lang)},
    )
    st.caption(t("basis.footnote", lang))
    overlay.close_page(ctx, "projects", "priority_projects", items)
    return {"rows": len(df), "deck": deck, "figures": figs}
