"""振興局 Bureau view: one bureau or region, its municipalities and its policy items."""

import streamlit as st

from regionmap import ui

ctx = ui.context()
st.title(ctx.t("page.bureau") + " — " + ui.where_text(ctx))
if not (ctx.state.bureau or ctx.state.region):
    st.info(ctx.t("bureau.pick_prompt"))
ui.area_summary(ctx)
ui.metric_controls(ctx, level=False)
ui.area_map(ctx, page="bureau")
ui.municipality_figures(ctx)
items = ui.area_items(ctx)
ui.downloads(ctx, page="bureau", **items)
