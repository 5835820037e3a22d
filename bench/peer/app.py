"""The peer: this map built the way a Streamlit user usually builds it.

pydeck fed the unsimplified municipal polygons read straight from the N03 GeoJSON
with geopandas on every rerun, no caching, layers without fixed ids. Same data
(the same N03 file, the same DuckDB figures through ``regionmap.db``), same
two views (all of Hokkaido, one bureau) and the same filter (the metric), so the
harness can compare it with regionmap view for view. It is a yardstick for the
benchmark, not part of the product.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

from regionmap import db, figures
from regionmap.settings import PROJECT_ROOT

N03 = Path(
    os.environ.get("REGIONMAP_PEER_SOURCE")
    or PROJECT_ROOT.parent / "shared" / "data" / "boundaries" / "N03-21_01_210101.geojson"
)
METRICS = ["dispatch", "priority_projects", "sites", "evacuees", "proposals"]

st.set_page_config(page_title="peer", layout="wide")
metric = st.sidebar.selectbox("指標", figures.ids(), key="metric")
bureaus = pd.read_csv(PROJECT_ROOT / "data" / "reference" / "bureaus.csv", dtype=str)
choice = st.sidebar.selectbox("振興局", ["全道"] + bureaus["name_ja"].tolist(), key="bureau")

gdf = gpd.read_file(N03)
munis = pd.read_csv(PROJECT_ROOT / "data" / "reference" / "municipalities.csv", dtype=str)
gdf = gdf.merge(munis[["code", "bureau_code"]], left_on="N03_007", right_on="code", how="left")

try:
    figures = db.metric_by_area(metric, level="bureau")[["area_code", "value"]]
except Exception as exc:  # the database is not there: the map still draws, figures are 0
    st.caption(f"no figures: {exc}")
    figures = pd.DataFrame({"area_code": bureaus["bureau_code"], "value": 0})
gdf = gdf.merge(figures, left_on="bureau_code", right_on="area_code", how="left")
gdf["value"] = gdf["value"].fillna(0).astype(float)
top = max(gdf["value"].max(), 1.0)
gdf["fill"] = [[255, int(255 - 200 * v / top), 80, 160] for v in gdf["value"]]

if choice != "全道":
    code = bureaus.loc[bureaus["name_ja"] == choice, "bureau_code"].iloc[0]
    gdf = gdf[gdf["bureau_code"] == code]
    minx, miny, maxx, maxy = gdf.total_bounds
    view = pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=8)
else:
    view = pdk.ViewState(longitude=142.8, latitude=43.4, zoom=5.6)

layer = pdk.Layer(
    "GeoJsonLayer",
    json.loads(gdf.drop(columns=["code", "area_code"]).to_json()),
    get_fill_color="properties.fill",
    get_line_color=[60, 60, 60],
    line_width_min_pixels=1,
    pickable=True,
)
st.pydeck_chart(
    pdk.Deck(layers=[layer], initial_view_state=view, map_style=None, tooltip={"text": "{N03_004}"})
)
st.caption("「国土数値情報（行政区域データ）」（国土交通省）を加工して作成")
