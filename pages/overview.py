"""全道概要 Overview: figures by bureau or region on the map, headline figures, ranking."""

import streamlit as st

from regionmap import ui

ctx = ui.context()
st.title(ctx.t("page.overview"))
st.caption(ctx.t("app.caption") + " — " + ui.where_text(ctx))
ui.headline_cards(ctx)
ui.metric_controls(ctx)
ui.area_map(ctx, page="overview")
ranked = ui.ranked_chart(ctx)
ui.downloads(ctx, page="overview", charts={"ranked": ranked})
