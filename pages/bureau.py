"""振興局 Bureau view: one bureau or region, its municipalities and its policy items."""

import streamlit as st

from regionmap.ui import bureauview, cards, downloads, frame, mapview, widgets

ctx = frame.context()
st.title(ctx.t("page.bureau") + " — " + cards.where_text(ctx))
if not (ctx.state.bureau or ctx.state.region):
    st.info(ctx.t("bureau.pick_prompt"))
bureauview.area_summary(ctx)
widgets.metric_controls(ctx, level=False)
mapview.area_map(ctx, page="bureau")
bureauview.municipality_figures(ctx)
items = bureauview.area_items(ctx)
downloads.downloads(ctx, page="bureau", **items)
