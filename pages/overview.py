"""全道概要 Overview: figures by bureau or region on the map, headline figures, ranking."""

import streamlit as st

from regionmap.ui import cards, downloads, frame, mapview, widgets

ctx = frame.context()
st.title(ctx.t("page.overview"))
st.caption(ctx.t("app.caption") + " — " + cards.where_text(ctx))
cards.headline_cards(ctx)
widgets.metric_controls(ctx)
mapview.area_map(ctx, page="overview")
ranked = cards.ranked_chart(ctx)
downloads.downloads(ctx, page="overview", charts={"ranked": ranked})
