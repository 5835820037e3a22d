"""AppTest of the overlay pages (3–7) and the Data page (8): what a user sees.

Each page is opened the way a link opens it: URL parameters first, then the
page (``switch_page`` before the first run, so ``app.py`` runs with its filter
bar). Figures, table row counts and map layers are compared with the
database's own queries. AppTest does not render pydeck or plotly: their specs
are asserted on. The Data page's import is tested through :mod:`regionmap.ui.views.data`
directly (AppTest cannot upload a file) on a copy of the database, plus the
page's own render and its undo button.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import pandas as pd
import pytest
from apptest_helpers import (
    BUREAUS,
    CREDIT,
    colours,
    layer,
    layer_ids,
    metric,
    open_page,
    table_with,
    texts,
)
from apptest_helpers import deck_spec as deck
from apptest_helpers import tooltip_html as tooltip
from streamlit.testing.v1 import AppTest

from regionmap import content, db, reference
from regionmap.db import export, importer
from regionmap.maps import scales, static
from regionmap.settings import PROJECT_ROOT
from regionmap.style import NO_DATA
from regionmap.ui.components import overlay
from regionmap.ui.views import data as dataview
from regionmap.ui.views import evacuees

SAMPLE = "サンプル"


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and the session database exist before the app runs."""


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def arr(values) -> list:
    """A plotly array from the spec (plotly 7 sends numeric arrays as base64 ``bdata``)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def chart_titled(at: AppTest, words: str) -> dict:
    found = [c for c in charts(at) if words in c["layout"]["title"]["text"]]
    assert found, [c["layout"]["title"]["text"] for c in charts(at)]
    return found[0]


def assert_common(at: AppTest, *, sample: bool) -> None:
    """Credit under the map, and the sample notice exactly when sample rows are shown."""
    all_text = texts(at)
    assert CREDIT in all_text
    warned = any(SAMPLE in w.value for w in at.warning)
    assert warned == sample, [w.value for w in at.warning]


def n(value: str) -> int:
    """The integer of a formatted figure (``1,234人`` -> 1234)."""
    return int(re.sub(r"[^\d]", "", value))


def in_bounds(view: dict, code: str) -> bool:

    minx, miny, maxx, maxy = static.publish_layer("bureaus").bounds_of([code])
    return minx <= view["longitude"] <= maxx and miny <= view["latitude"] <= maxy


def test_colour_scale_of_counts_gives_zero_its_own_class_and_handles_skew():
    from regionmap.maps.scales import ZERO_FILL as ZERO
    from regionmap.maps.scales import count_scale as scale_for

    skewed = scale_for([0, 3, 1454, 5, 40, 2])  # Sapporo's evacuees against the rest
    assert skewed.edges == (0, 1, 10, 100, 1000, 1454)
    assert skewed.color_of(0)[:3] == list(ZERO)
    assert len({tuple(skewed.color_of(v)) for v in (3, 40, 500, 1454)}) == 4
    assert [label for _, label in skewed.legend("人")] == [
        "0人", "1–9人", "10–99人", "100–999人", "1,000–1,454人"
    ]  # fmt: skip
    small = scale_for([0, 1, 0])
    assert [label for _, label in small.legend("人")] == ["0人", "1人"]
    assert [label for _, label in scale_for([0, 0]).legend("人")] == ["0人"]


# ===========================================================================================
# 3. Priority projects
# ===========================================================================================


def test_projects_default_shows_all_projects_by_region_with_map_and_document_year():
    at = open_page("projects")
    assert at.title[0].value == "地域重点プロジェクト — 全道"
    expected = db.priority_projects()
    # the document lists its 主な projects; 7 titles name a bureau (pp05's bureau comes from
    # its one-bureau region, its title names none: issue 26)
    assert metric(at, "主な地域重点プロジェクト(資料掲載分)") == f"{len(expected)}件"
    assert n(metric(at, "振興局を名指すもの")) == len(content.projects_naming_a_bureau()) == 7
    listed = table_with(at, "プロジェクト")
    assert len(listed) == len(expected) == 16
    # the bureau column names the bureau where the title names one, else the whole region
    named = listed[listed["振興局"] != "（地域全体）"]
    assert len(named) == int(expected["bureau_code"].notna().sum())
    assert set(named["振興局"]) <= set(reference.bureaus()["name_ja"])
    pivot = table_with(at, "計")
    # one row per direction (their marked names read in full), one column per region
    assert int(pivot["計"].sum()) == 16 and len(pivot) == 4
    assert list(pivot.columns[1:-1]) == list(reference.regions()["name_ja"])
    # map: coloured by region by default, heavier region outline, 6 region colours
    spec = deck(at)
    assert layer_ids(spec) == ["regions", "bureaus", "regions-outline", "labels-regions"]
    fills = colours(layer(spec, "regions")["getFillColor"])
    assert len(fills) == 6
    assert 'data-k="r1">' in tooltip(at) and "2015年度" in tooltip(at)
    text = texts(at)
    assert "重点プロジェクト（件）— 連携地域別、全道、2015年度" in text
    assert "出典：北海道の地域政策に関する資料（平成27年度）" in text
    assert_common(at, sample=False)  # document facts, not sample


def test_projects_theme_filter_keeps_only_projects_of_that_direction():
    at = open_page("projects", {"theme": "dir_tourism"})
    expected = db.priority_projects(theme_ids=["dir_tourism"])
    assert 0 < len(expected) < 16
    listed = table_with(at, "プロジェクト")
    assert len(listed) == len(expected)
    assert set(listed["政策展開の方向"]) == {"観光立国北海道の実現"}
    assert metric(at, "主な地域重点プロジェクト(資料掲載分)") == f"{len(expected)}件"


def test_projects_by_bureau_and_deep_link_to_a_bureau():
    code = "12"
    at = open_page("projects", {"bureau": "tokachi", "by": "bureau"})
    assert at.title[0].value == "地域重点プロジェクト — 十勝総合振興局"
    expected = db.priority_projects(bureau_code=code)
    assert len(table_with(at, "プロジェクト")) == len(expected) > 0
    spec = deck(at)
    assert layer_ids(spec)[0] == "bureaus"
    fills = colours(layer(spec, "bureaus")["getFillColor"])
    assert len(fills) == 14
    # bureaus outside the selection are pale, the selected one is outlined in vermillion
    idx = [b["bureau_code"] for b in BUREAUS].index(code)
    assert fills[idx][:3] != [245, 245, 245]
    assert sum(1 for f in fills if f[:3] == [245, 245, 245]) == 13
    selected = colours(layer(spec, "selected-bureau")["getLineColor"])
    assert [i for i, c in enumerate(selected) if c == [213, 94, 0, 255]] == [idx]
    assert in_bounds(spec["initialViewState"], code)
    assert "振興局別の数には" in texts(at)
    assert dict(at.query_params) == {"bureau": "tokachi", "by": "bureau"}


# ===========================================================================================
# 4. Staff dispatch
# ===========================================================================================


def _shown_year(metric_name: str) -> int:
    """The year a page opens on: the default year (FY2015 with sample data only)."""
    return db.default_year(metric_name)


def test_dispatch_default_latest_year_by_municipality_with_trend_and_sample_notice():
    at = open_page("dispatch")
    fy = _shown_year("dispatch")
    rows = db.dispatches(fiscal_year_from=fy, fiscal_year_to=fy)
    assert metric(at, "派遣職員") == f"{int(rows['persons'].sum()):,}人"
    assert metric(at, "派遣先の市町村") == f"{rows['municipality_code'].nunique()}市町村"
    listed = table_with(at, "人数（人）")
    assert len(listed) == len(rows)
    assert set(listed["年度"]) == {fy}
    assert set(listed["継続・新規"]) <= {"継続", "新規", ""}
    # map: municipalities coloured (185 incl. Northern Territories), bureau and region outlines
    spec = deck(at)
    assert layer_ids(spec) == [
        "municipalities",
        "municipalities-lines",
        "bureaus",
        "regions",
        "labels-bureaus",
    ]
    fills = colours(layer(spec, "municipalities")["getFillColor"])
    assert len(fills) == 185 and len({tuple(c) for c in fills}) > 2
    assert layer(spec, "municipalities")["data"].startswith("app/static/layers/municipalities-")
    assert re.search(rf'data-k="m01100">[\d,]+人 · {fy}年度（サンプル）', tooltip(at))
    text = texts(at)
    assert f"派遣職員（人）— 市町村別、全道、{fy}年度" in text
    trend = chart_titled(at, "の推移")
    years = db.fiscal_years("dispatch")
    assert f"{years[0]}〜{years[-1]}年度" in trend["layout"]["title"]["text"]
    assert "（人）" in trend["layout"]["title"]["text"]
    total = sum(sum(arr(bar["y"])) for bar in trend["data"])
    assert total == int(db.dispatches()["persons"].sum())
    assert_common(at, sample=True)


def test_dispatch_kind_filter_from_the_widget_goes_to_the_url_and_the_figures():
    at = open_page("dispatch")
    at.selectbox(key="rm.w.kind").select("collection").run()
    assert not at.exception
    assert at.query_params["kind"] == "collection"
    fy = _shown_year("dispatch")
    rows = db.dispatches(fiscal_year_from=fy, fiscal_year_to=fy, kind="collection")
    assert metric(at, "派遣職員") == f"{int(rows['persons'].sum())}人"
    listed = table_with(at, "人数（人）")
    assert len(listed) == len(rows) and set(listed["区分"]) == {"徴収対策連携派遣"}
    trend = chart_titled(at, "の推移")
    assert [bar["name"] for bar in trend["data"]] == ["徴収対策連携派遣"]


def test_dispatch_fiscal_year_deep_link_shows_that_year():
    at = open_page("dispatch", {"fy": "2015"})
    rows = db.dispatches(fiscal_year_from=2015, fiscal_year_to=2015)
    assert metric(at, "派遣職員") == f"{int(rows['persons'].sum())}人"
    assert len(table_with(at, "人数（人）")) == len(rows)
    regional = rows[rows["kind"] == "regional"]
    assert regional["municipality_code"].nunique() == 42  # the document's FY2015 figure
    assert "派遣職員（人）— 市町村別、全道、2015年度" in texts(at)


def test_dispatch_theme_that_excludes_dispatch_leaves_no_rows_and_says_so():
    at = open_page("dispatch", {"theme": "pillar_economy"})
    assert db.dispatches(theme_ids=["pillar_economy"]).empty
    assert metric(at, "派遣職員") == "—"  # not covered by the theme: never 0
    assert len(table_with(at, "人数（人）")) == 0
    assert any("派遣職員が含まれない" in i.value and "地域・自律" in i.value for i in at.info)
    fills = colours(layer(deck(at), "municipalities")["getFillColor"])
    # no classes: one plain fill (the Northern Territories villages in the no-data grey)
    assert {tuple(c) for c in fills} == {scales.PLAIN_FILL, (*NO_DATA, scales.FILL_ALPHA)}
    assert not any(SAMPLE in w.value for w in at.warning)  # nothing shown, nothing sample


def test_dispatch_theme_that_includes_dispatch_shows_everything():
    at = open_page("dispatch", {"theme": "pillar_region"})
    fy = _shown_year("dispatch")
    rows = db.dispatches(fiscal_year_from=fy, fiscal_year_to=fy)
    assert len(table_with(at, "人数（人）")) == len(rows)
    assert not any("含まれない" in i.value for i in at.info)


def test_dispatch_by_bureau_colours_the_14_bureaus():
    at = open_page("dispatch", {"by": "bureau"})
    spec = deck(at)
    assert layer_ids(spec) == ["bureaus", "bureaus-lines", "regions", "labels-bureaus"]
    fills = colours(layer(spec, "bureaus")["getFillColor"])
    assert len(fills) == 14 and len({tuple(c) for c in fills}) > 1
    assert "派遣職員（人）— 振興局別" in texts(at)


@pytest.mark.parametrize("bureau", BUREAUS, ids=[b["bureau_id"] for b in BUREAUS])
def test_dispatch_deep_link_for_every_bureau(bureau):
    at = open_page("dispatch", {"bureau": bureau["bureau_id"]})
    assert at.title[0].value == f"職員派遣 — {bureau['name_ja']}"
    fy = _shown_year("dispatch")
    rows = db.dispatches(fiscal_year_from=fy, fiscal_year_to=fy, bureau_code=bureau["bureau_code"])
    listed = table_with(at, "人数（人）")
    assert len(listed) == len(rows)
    assert set(listed["振興局"]) <= {bureau["name_ja"]}
    assert metric(at, "派遣職員") == f"{int(rows['persons'].sum()):,}人"
    spec = deck(at)
    assert in_bounds(spec["initialViewState"], bureau["bureau_code"])
    labels = {d["text"] for d in layer(spec, "labels-municipalities")["data"]}
    own = reference.municipalities()
    own = own[(own["bureau_code"] == bureau["bureau_code"]) & (own["kind"] != "ward")]
    # the bureau's own towns (issue #20): its seat always, the others where they fit, in
    # the rule's order (regionmap.maps.labels); the tooltip names the rest (every town of
    # the map's file carries its names)
    assert labels <= set(own["name_ja"])
    seat = reference.municipalities().set_index("code").loc[bureau["seat_code"], "name_ja"]
    assert seat in labels
    assert len(labels) >= min(len(own), 7), sorted(set(own["name_ja"]) - labels)
    munis = static.publish_layer("municipalities")
    features = json.loads(munis.path.read_bytes())["features"]
    named_by_tooltip = {f["properties"]["name_ja"] for f in features if f["properties"]["name_en"]}
    assert set(own["name_ja"]) - labels <= named_by_tooltip


def test_dispatch_deep_link_to_a_region():
    at = open_page("dispatch", {"region": "donan", "by": "bureau"})
    assert at.title[0].value == "職員派遣 — 道南"
    fy = _shown_year("dispatch")
    rows = db.dispatches(fiscal_year_from=fy, fiscal_year_to=fy, region_code="2")
    assert len(table_with(at, "人数（人）")) == len(rows)
    assert set(table_with(at, "人数（人）")["振興局"]) <= {"渡島総合振興局", "檜山振興局"}
    fills = colours(layer(deck(at), "bureaus")["getFillColor"])
    pale = [c[:3] == [245, 245, 245] for c in fills]
    assert pale.count(False) == 2  # 渡島 and 檜山 coloured, the other 12 pale
    region = layer(deck(at), "selected-region")
    assert colours(region["getLineColor"]).count([213, 94, 0, 255]) == 1


def test_every_text_key_of_the_overlay_and_data_pages_exists():
    from regionmap.i18n import CATALOG

    used = set()
    for path in sorted((PROJECT_ROOT / "src" / "regionmap" / "ui").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(
            re.findall(
                r"""["']((?:ov|data|page|metric|level|fig|chart)\.[a-z_.]+[a-z_])["']""", text
            )
        )
    assert len(used) > 100
    assert sorted(k for k in used if k not in CATALOG) == []


def test_dispatch_municipality_deep_link_filters_to_it():
    at = open_page("dispatch", {"muni": "01100", "fy": "2015"})
    rows = db.dispatches(fiscal_year_from=2015, fiscal_year_to=2015, municipality_code="01100")
    listed = table_with(at, "人数（人）")
    assert len(listed) == len(rows) and set(listed["市町村"]) <= {"札幌市"}
    assert any("札幌市" in i.value for i in at.info)
    munis = layer(deck(at), "municipalities-lines")
    lines = colours(munis["getLineColor"])
    assert lines.count([213, 94, 0, 255]) == 1  # Sapporo outlined
    at.button(key="rm.w.muni_clear").click().run()
    assert "muni" not in at.query_params
    assert len(table_with(at, "人数（人）")) == len(
        db.dispatches(fiscal_year_from=2015, fiscal_year_to=2015)
    )


@pytest.mark.parametrize(
    "params",
    [
        {"bureau": "atlantis", "kind": "<script>", "by": "everything", "fy": "twenty"},
        {"mfrom": "2015-13", "mto": "xx", "theme": "nope", "muni": "99999", "lang": "fr"},
        {"kind": "regional", "by": ["municipality", "bureau"], "region": ""},
    ],
)
@pytest.mark.parametrize(
    "page", ["projects", "dispatch", "settlement", "evacuees", "proposals", "data"]
)
def test_malformed_parameters_fall_back_to_defaults_without_error(page, params):
    at = open_page(page, params)
    assert at.title[0].value.startswith(
        {
            "projects": "地域重点",
            "dispatch": "職員派遣",
            "settlement": "集落対策",
            "evacuees": "避難者",
            "proposals": "政策提案",
            "data": "データ",
        }[page]  # fmt: skip
    )
    if page != "data":
        assert at.title[0].value.endswith("全道")
        assert len(at.get("deck_gl_json_chart")) == 1
        assert CREDIT in texts(at)


# ===========================================================================================
# 5. Settlement support
# ===========================================================================================


def _site_colour(kind: str) -> list[int]:
    from regionmap.ui.components.overlay import kind_colour

    return list(kind_colour(kind, list(db.SITE_KINDS)))


def test_settlement_default_sites_as_points_by_kind_with_legend_and_coverage():
    at = open_page("settlement")
    fy = db.default_year("sites")
    sites = db.sites(fiscal_year=fy)
    assert metric(at, "集落対策箇所") == f"{len(sites)}箇所"
    spec = deck(at)
    assert layer_ids(spec) == ["bureaus", "bureaus-lines", "regions", "sites", "labels-bureaus"]
    pts = layer(spec, "sites")
    assert pts["@@type"] == "ScatterplotLayer" and pts["radiusUnits"] == "pixels"
    assert len(pts["data"]) == len(sites)
    by_key = {d["k"]: d for d in pts["data"]}
    for _, s in sites.iterrows():
        point = by_key["s" + s["site_id"]]
        assert point["color"][:3] == _site_colour(s["kind"])
        if pd.notna(s["lon"]):
            assert point["position"] == [round(s["lon"], 4), round(s["lat"], 4)]
    # legend of the kinds shown, with their colours
    legend = "\n".join(e.proto.body for e in at.get("html"))
    for kind in set(sites["kind"]):
        ja = db.SITE_KINDS[kind][0]
        r, g, b = _site_colour(kind)
        assert ja in legend and f"rgb({r}, {g}, {b})" in legend
    # tooltip lines for the sites (kind, municipality, since FY)
    first = sites.iloc[0]
    assert re.search(rf'data-k="s{first["site_id"]}">{first["kind_ja"]} · ', tooltip(at))
    # coverage: municipalities with a site / all municipalities, per bureau
    cov = table_with(at, "取組のある市町村／全市町村")
    assert len(cov) == 14
    covered = {
        (reference.municipalities().set_index("code").loc[c, "parent_code"] or c)
        for c in sites["municipality_code"]
    }
    assert metric(at, "取組のある市町村") == f"{len(covered)}市町村"
    total = sum(int(x.split(" / ")[1].rstrip("市町村")) for x in cov["取組のある市町村／全市町村"])
    assert total == 179
    chart = chart_titled(at, "取組のある市町村の割合（%）")
    assert len(arr(chart["data"][0]["y"])) == 14
    assert len(table_with(at, "開始年度")) == len(sites)
    assert f"{fy}年度時点" in texts(at)
    assert_common(at, sample=True)


def test_settlement_kind_filter_shows_only_that_kind():
    at = open_page("settlement", {"kind": "shopping"})
    fy = db.default_year("sites")
    sites = db.sites(fiscal_year=fy, kind="shopping")
    pts = layer(deck(at), "sites")["data"]
    assert len(pts) == len(sites) > 0
    assert {tuple(p["color"][:3]) for p in pts} == {tuple(_site_colour("shopping"))}
    assert set(table_with(at, "開始年度")["区分"]) == {"買い物支援"}


def test_settlement_dispatch_kind_in_the_url_is_ignored_with_a_notice():
    at = open_page("settlement", {"kind": "regional"})
    fy = db.default_year("sites")
    assert len(layer(deck(at), "sites")["data"]) == len(db.sites(fiscal_year=fy))
    assert "kind=regional" in texts(at)


def test_settlement_theme_that_excludes_sites_shows_no_points_and_says_so():
    at = open_page("settlement", {"theme": "dir_tourism"})
    assert layer(deck(at), "sites")["data"] == []
    assert metric(at, "集落対策箇所") == "—"  # not covered by the theme: never 0
    assert any("集落対策箇所が含まれない" in i.value for i in at.info)


def test_settlement_deep_link_to_a_bureau_and_an_earlier_year():
    at = open_page("settlement", {"bureau": "oshima", "fy": "2014"})
    sites = db.sites(fiscal_year=2014, bureau_code="06")
    assert len(layer(deck(at), "sites")["data"]) == len(sites)
    assert len(table_with(at, "開始年度")) == len(sites)
    assert (table_with(at, "開始年度")["開始年度"] <= 2014).all()
    chart = chart_titled(at, "取組のある市町村の割合")
    colors = chart["data"][0]["marker"]["color"]
    assert len(set(colors)) == 2  # the selected bureau highlighted
    assert "2014年度時点" in texts(at)


# ===========================================================================================
# 6. Evacuees
# ===========================================================================================


def _month(v) -> str:
    return pd.Timestamp(v).strftime("%Y-%m")


def test_evacuees_default_counts_at_the_last_month_with_trend_and_origin():
    at = open_page("evacuees")
    # the page opens on the default year (FY2015): its months, April to March
    fy = db.default_year("evacuees")
    all_rows = db.evacuees(month_from=f"{fy}-04", month_to=f"{fy + 1}-03")
    months = sorted({_month(v) for v in all_rows["month"]})
    last = all_rows[all_rows["month"].map(_month) == months[-1]]
    assert metric(at, "避難者") == f"{int(last['persons'].sum()):,}人"
    y, m = months[-1].split("-")
    assert f"{int(y)}年{int(m)}月時点" in texts(at)
    trend = chart_titled(at, "避難者（人）の推移")
    assert arr(trend["data"][0]["x"]) == months
    per_month = all_rows.groupby(all_rows["month"].map(_month))["persons"].sum()
    assert arr(trend["data"][0]["y"]) == [int(v) for v in per_month]
    origin = chart_titled(at, "避難元の都道府県別")
    assert sum(arr(origin["data"][0]["x"])) == int(last["persons"].sum())
    by_muni = table_with(at, "人数（人）")
    assert int(by_muni["人数（人）"].sum()) == int(last["persons"].sum())
    spec = deck(at)
    assert layer_ids(spec)[0] == "municipalities"
    assert re.search(r'data-k="m01100">[\d,]+人 · 2016年3月時点', tooltip(at))
    assert_common(at, sample=True)


def test_evacuees_month_range_deep_link_and_fiscal_year():
    at = open_page("evacuees", {"mfrom": "2013-04", "mto": "2014-03"})
    rows = db.evacuees(month_from="2013-04", month_to="2014-03")
    at_end = rows[rows["month"].map(_month) == "2014-03"]
    assert metric(at, "避難者") == f"{int(at_end['persons'].sum()):,}人"
    trend = chart_titled(at, "の推移")
    assert len(arr(trend["data"][0]["x"])) == 12
    assert at.select_slider(key="rm.w.months").value == ("2013-04", "2014-03")
    # the fiscal year of the filter bar picks its months (April to March)
    at = open_page("evacuees", {"fy": "2014"})
    assert "2015年3月時点" in texts(at)
    assert len(arr(chart_titled(at, "の推移")["data"][0]["x"])) == 12


def test_evacuees_at_keeps_the_rows_of_one_month_whatever_the_date_type():

    rows = db.evacuees()
    months = overlay.months_of(rows)
    assert list(months) == sorted({_month(v) for v in rows["month"]})
    for month in (months[0], months[-1]):
        expected = rows[rows["month"].map(_month) == month]
        got = evacuees.evacuees_at(rows, month)
        assert len(got) == len(expected) > 0 and got.index.equals(expected.index)
    # dates as strings or timestamps (an imported frame) give the same rows
    as_text = rows.assign(month=rows["month"].map(lambda v: pd.Timestamp(v).isoformat()))
    assert len(evacuees.evacuees_at(as_text, months[-1])) == len(
        evacuees.evacuees_at(rows, months[-1])
    )
    assert evacuees.evacuees_at(rows, "1999-01").empty


def test_evacuees_theme_that_excludes_them_and_a_bureau_deep_link():
    at = open_page("evacuees", {"theme": "pillar_economy"})
    assert metric(at, "避難者") == "—"  # not covered by the theme: never 0
    assert any("避難者が含まれない" in i.value for i in at.info)
    at = open_page("evacuees", {"bureau": "ishikari"})
    rows = db.evacuees(bureau_code="02")
    last = rows[rows["month"].map(_month) == _month(rows["month"].max())]
    listed = table_with(at, "人数（人）")
    assert int(listed["人数（人）"].sum()) == int(last["persons"].sum())
    assert set(listed["振興局"]) == {"石狩"}
    assert "札幌市" in set(listed["市町村"])


# ===========================================================================================
# 7. Proposals
# ===========================================================================================


def test_proposals_default_lists_proposals_and_the_measures_reflecting_them():
    at = open_page("proposals")
    expected = db.proposals()
    # a selection, counted with its word; the 15/15 only as this tool's matching
    assert metric(at, "振興局からの主な政策提案(資料掲載分)") == f"{len(expected)}件" == "15件"
    listed = table_with(at, "共同提案")
    assert len(listed) == 15
    assert set(listed[listed["共同提案"] == "共同"]["政策提案"]) == set(
        expected[expected["is_joint"]]["title_ja"]
    )
    measures = table_with(at, "施策")
    assert len(measures) == int(expected["measure_count"].sum())
    assert set(measures["部"]) <= set(db.measures()["department_ja"])
    assert n(metric(at, "施策に反映された提案（本ツールの対応付け）")) == int(
        (expected["measure_count"] > 0).sum()
    )
    spec = deck(at)
    fills = colours(layer(spec, "bureaus")["getFillColor"])
    assert len(fills) == 14
    pillar = chart_titled(at, "総合計画の柱別")
    assert sum(arr(pillar["data"][0]["x"])) == 15
    assert "2015年度" in pillar["layout"]["title"]["text"]
    assert len([e for e in at.expander if e.label != "ダウンロード"]) == 15  # + downloads
    assert_common(at, sample=False)


def test_proposals_theme_and_bureau_filters():
    at = open_page("proposals", {"theme": "pillar_safety"})
    expected = db.proposals(theme_ids=["pillar_safety"])
    assert len(table_with(at, "共同提案")) == len(expected) < 15
    at = open_page("proposals", {"bureau": "kushiro"})
    expected = db.proposals(bureau_code="13")
    listed = table_with(at, "共同提案")
    assert len(listed) == len(expected) > 0
    assert all("釧路" in b for b in listed["振興局"])


def test_proposals_in_english_show_the_english_policy_areas():
    at = open_page("proposals", {"lang": "en"})
    expected = db.proposals()
    listed = table_with(at, "Policy area")
    assert set(listed["Policy area"]) == set(expected["policy_area_en"])
    assert not set(listed["Policy area"]) & set(expected["policy_area_ja"])
    captions = "\n".join(str(c.value) for c in at.caption)
    assert expected["policy_area_en"].iloc[0] in captions
    assert expected["policy_area_ja"].iloc[0] not in captions


# ===========================================================================================
# 8. Data page
# ===========================================================================================


VALID_CSV = "年度,市町村コード,派遣区分,人数,出典\n2016,01100,地域振興派遣,3,=SUM(A1)\n2016,01202,相互交流,2,道の集計\n"
BAD_CSV = "年度,市町村名,派遣区分,人数\n2016,どこでも町,地域振興派遣,3\n2016,函館市,地域振興派遣,-2\n1850,小樽市,相互交流,1\n"


@pytest.fixture()
def db_copy(db_path, tmp_path, monkeypatch):
    """A copy of the session database that the test may change (the app uses it too)."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(db_path, target)
    hist = db_path.parent / (db_path.name + ".history")
    if hist.is_dir():
        shutil.copytree(hist, tmp_path / "copy.duckdb.history")
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(target))
    return target


def test_check_upload_of_a_valid_file_is_a_dry_run_with_counts_and_preview(db_copy):

    before = db.history(db_copy)
    res = dataview.check_upload(VALID_CSV.encode("utf-8"), "dispatch.csv", db_path=db_copy)
    assert res.ok and res.table == "dispatch"
    counts = dataview.plan_counts(res)
    sample_2016 = db.dispatches(fiscal_year_from=2016, fiscal_year_to=2016, con=db.connect(db_copy))
    # 札幌市 (石狩 02) and 函館市 (渡島 06): only those bureaus' FY2016 sample rows go
    ours = sample_2016[sample_2016["bureau_code"].isin(["02", "06"])]
    assert counts["added"] == 2 and counts["removed"] == len(ours) < len(sample_2016)
    assert f"削除するサンプル {len(ours)}行（石狩・渡島）" in res.summary("ja")
    assert counts["periods"] == ["2016"]
    preview = dataview.preview_frame(res)
    assert list(preview["change"]) == ["add", "add"] and list(preview["row"]) == [2, 3]
    assert list(preview.columns[:2]) == ["row", "change"]
    assert dataview.issues_frame(res).empty
    assert len(db.history(db_copy)) == len(before)  # nothing written


def test_check_upload_of_bad_rows_lists_file_row_column_and_reason(db_copy):

    res = dataview.check_upload(BAD_CSV.encode("cp932"), "bad.csv", db_path=db_copy)
    assert not res.ok
    issues = dataview.issues_frame(res)
    assert list(issues.columns) == ["file", "row", "column", "reason"]
    assert set(issues["file"]) == {"bad.csv"}
    assert set(issues["row"]) == {"2", "3", "4"}
    by_row = {int(r["row"]): r for _, r in issues.iterrows()}
    assert "どこでも町" in by_row[2]["reason"]
    assert by_row[4]["column"] == "年度"
    # Japanese staff read the reasons in Japanese; English on the English page
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", r) for r in issues["reason"])
    english = dataview.issues_frame(res, "en")
    assert "negative" in english.set_index("row").loc["3", "reason"]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4


def _no_missing_markers(df: pd.DataFrame) -> bool:
    """No cell of a table people read says None, nan or <NA>."""
    cells = {str(v) for v in df.astype(object).to_numpy().ravel()}
    return not cells & {"None", "nan", "NaN", "<NA>", "NaT"}


@pytest.mark.parametrize("data", [bytes(range(256)) * 8, PNG])
def test_binary_bytes_named_csv_are_refused_not_read(db_copy, data):

    res = dataview.check_upload(data, "photo.csv", db_path=db_copy)
    assert not res.ok and len(dataview.issues_frame(res)) == 1
    # a problem of the whole file: no row, no column -- a dash, not the word None
    issues = dataview.issues_frame(res)
    assert list(issues.iloc[0][["file", "row", "column"]]) == ["photo.csv", "—", "—"]
    assert "バイナリデータ" in issues.iloc[0]["reason"]
    assert _no_missing_markers(issues)


def test_import_preview_has_labels_and_values_in_the_interface_language(db_copy):

    data = "年度,市町村名,派遣区分,人数,継続・新規\n2016,帯広市,地域振興派遣,1,継続\n2016,音更町,交流,2,\n"
    res = dataview.check_upload(data.encode("utf-8"), "tokachi.csv", db_path=db_copy)
    assert res.ok
    ja = dataview.preview_table(res, "ja")
    assert list(ja.columns) == [
        "行", "変更", "年度", "市町村コード", "市町村", "区分", "人数（人）", "継続・新規", "出典",
    ]  # fmt: skip
    assert ja.iloc[0].tolist() == [
        "2", "追加", "2016", "01207", "帯広市", "地域振興派遣", 1, "継続", "取込データ（tokachi.csv）",
    ]  # fmt: skip
    assert ja.iloc[1]["継続・新規"] == "" and ja.iloc[1]["区分"] == "相互交流"
    assert _no_missing_markers(ja)
    en = dataview.preview_table(res, "en")
    assert list(en.columns[:4]) == ["Row", "Change", "Fiscal year", "Municipality code"]
    assert en.iloc[0]["Kind"] == "Regional development dispatch"
    assert en.iloc[0]["Continuing / new"] == "continuing" and en.iloc[0]["Change"] == "add"
    assert _no_missing_markers(en)
    internal = {"municipality_code", "fiscal_year", "kind_en", "kind_ja", "status", "change"}
    assert not internal & (set(ja.columns) | set(en.columns))
    # evacuees: months as people write them
    ev = "年月,市町村名,避難元,避難者数\n2015年3月,函館市,,20\n"
    res = dataview.check_upload(ev.encode("utf-8"), "ev.csv", db_path=db_copy)
    row = dataview.preview_table(res, "ja").iloc[0]
    assert (row["年月"], row["避難元"], row["人数（人）"]) == ("2015年3月", "", 20)
    assert dataview.preview_table(res, "en").iloc[0]["Month"] == "2015-03"


def test_success_message_and_history_in_the_interface_language(db_copy):
    import datetime as dt

    out = dataview.commit_upload(VALID_CSV.encode("utf-8"), "dispatch.csv", db_path=db_copy)
    assert out.kind == "success"
    assert out.text.endswith(f"取り込みました（版 {out.version}）。")
    assert "version" not in out.text and "dispatch →" not in out.text
    assert "道職員の派遣（2016年度）" in out.text
    hist = db.history(db_copy)
    shown = dataview.history_table(hist, "ja")
    assert "日時（日本時間）" in shown.columns and "日時（UTC）" not in shown.columns
    created = dt.datetime.fromisoformat(hist.iloc[0]["created_at"])
    jst = (created + dt.timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    assert shown.iloc[0]["日時（日本時間）"] == jst
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", v) for v in shown["日時（日本時間）"])
    assert shown.iloc[0]["操作"] == "取り込み" and shown.iloc[0]["表"] == "道職員の派遣"
    assert shown.iloc[0]["取り消した版"] == "" and _no_missing_markers(shown)
    en = dataview.history_table(hist, "en")
    assert en.iloc[0]["Time (JST)"] == jst and en.iloc[0]["Table"] == "staff dispatch"
    assert _no_missing_markers(en)


def test_commit_then_undo_through_the_page_functions(db_copy):

    out = dataview.commit_upload(VALID_CSV.encode("utf-8"), "dispatch.csv", db_path=db_copy)
    assert out.kind == "success" and out.version is not None
    con = db.connect(db_copy)
    rows = db.dispatches(fiscal_year_from=2016, fiscal_year_to=2016, con=con)
    ours = rows["bureau_code"].isin(["02", "06"])
    assert ours.sum() == 2 and not rows[ours]["is_sample"].any() and rows[~ours]["is_sample"].all()
    hist = dataview.history_frame(db_copy)
    assert hist.iloc[0]["action"] == "import" and hist.iloc[0]["file_name"] == "dispatch.csv"
    assert dataview.undo_target(hist)["version"] == out.version
    # the same file again changes nothing
    again = dataview.commit_upload(VALID_CSV.encode("utf-8"), "dispatch.csv", db_path=db_copy)
    assert again.kind == "info" and "変更なし" in again.text
    undone = dataview.undo_latest(db_path=db_copy)
    assert undone.kind == "success" and f"版 {out.version}" in undone.text
    rows = db.dispatches(fiscal_year_from=2016, fiscal_year_to=2016, con=db.connect(db_copy))
    assert rows["is_sample"].all() and len(rows) > 2
    nothing = dataview.undo_latest(db_path=db_copy)  # nothing left to undo: said in Japanese
    assert nothing.kind == "info" and nothing.text == "取り消せる取り込みはありません。"


def test_export_is_formula_safe_and_respects_the_filters(db_copy):
    from regionmap.state import FilterState

    assert (
        dataview.commit_upload(VALID_CSV.encode("utf-8"), "d.csv", db_path=db_copy).kind
        == "success"
    )
    name, data, rows = dataview.export_bytes("table:dispatch", "csv", db_path=db_copy)
    assert name == "regionmap_dispatch.csv"
    text = data.decode("utf-8-sig")
    assert "'=SUM(A1)" in text and ",=SUM" not in text
    df = pd.read_csv(io.StringIO(text))
    assert len(df) == rows
    name, data, rows = dataview.export_bytes("table:dispatch", "xlsx", db_path=db_copy)
    assert data[:2] == b"PK" and name.endswith(".xlsx")
    xl = pd.read_excel(io.BytesIO(data))
    assert "'=SUM(A1)" in set(xl["source_ja"])
    # a filtered view: only the bureau of the filter bar
    state = FilterState(bureau="ishikari", region="doo")
    _, data, rows = dataview.export_bytes("view:dispatches", "csv", state, db_path=db_copy)
    view = pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str)
    assert rows == len(view) > 0 and set(view["bureau_code"]) == {"02"}
    assert (
        "view:evacuees" in dataview.export_sources()
        and "table:meta" not in dataview.export_sources()
    )


@pytest.mark.parametrize(
    ("page", "params", "view", "column"),
    [
        # a kind on the dispatch page: its table shows that kind in the year shown
        ("dispatch", {"kind": "collection"}, "dispatches", "人数（人）"),
        # the settlement page shows the latest year and one kind without a year in the URL
        ("settlement", {"kind": "shopping"}, "sites", "開始年度"),
        ("settlement", {"bureau": "oshima", "fy": "2014"}, "sites", "開始年度"),
    ],
)
def test_export_of_a_filtered_view_has_the_rows_of_the_page_table(page, params, view, column):
    from regionmap.state import from_query_params

    at = open_page(page, params)
    listed = table_with(at, column)
    # the app's default year (FY2015 with sample data only), as the page shows it
    default_fy = max(db.default_year(m) for m in db.OVERLAY_METRICS)
    state, _ = from_query_params(params, default_fy=default_fy)
    exported = dataview.export_frame(f"view:{view}", state)
    assert len(exported) == len(listed) > 0
    assert sorted(exported["municipality_name_ja"]) == sorted(listed["市町村"])
    if "区分" in listed and "kind" in params:
        assert set(listed["区分"]) == set(exported["kind_ja"]) and exported["kind"].nunique() == 1


def test_export_of_evacuees_has_the_months_the_page_shows():
    from regionmap.state import from_query_params

    at = open_page("evacuees", {"fy": "2014"})  # the fiscal year picks April to March
    state, _ = from_query_params({"fy": "2014"})
    exported = dataview.export_frame("view:evacuees", state)
    months = sorted({_month(v) for v in exported["month"]})
    assert months == arr(chart_titled(at, "の推移")["data"][0]["x"])
    assert months[0] == "2014-04" and months[-1] == "2015-03"
    at_end = exported[exported["month"].map(_month) == months[-1]]
    assert int(at_end["persons"].sum()) == int(table_with(at, "人数（人）")["人数（人）"].sum())


def test_templates_are_offered_as_csv_and_excel_with_the_importer_headers():

    items = dataview.templates()
    assert {(i["table"], i["format"]) for i in items} == {
        (tb, f) for tb in importer.IMPORT_TABLES for f in ("csv", "xlsx")
    }
    csv_item = next(i for i in items if i["table"] == "dispatch" and i["format"] == "csv")
    header = csv_item["data"].decode("utf-8-sig").splitlines()[0].split(",")
    assert header == export.TEMPLATE_COLUMNS["dispatch"]


def test_data_page_default_render_offers_templates_history_and_export(db_copy):
    at = open_page("data")
    assert at.title[0].value == "データ"
    assert [s.value for s in at.subheader][:4] == [
        "取り込み",
        "履歴と取り消し",
        "ひな形",
        "書き出し",
    ]
    downloads = at.get("download_button")
    # every importable table x (CSV, Excel) + the export + the audit trail
    assert len(downloads) == 2 * len(importer.IMPORT_TABLES) + 2
    assert {f"rm.data.tpl.{t}.{f}" for t in importer.IMPORT_TABLES for f in ("csv", "xlsx")} <= {
        d.key for d in downloads
    }
    history = table_with(at, "版")
    assert len(history) == len(db.history(db_copy))
    assert "日時（日本時間）" in history.columns and _no_missing_markers(history)
    assert at.button(key="rm.data.undo").disabled  # nothing imported yet: nothing to undo
    assert "20 MB" in texts(at)  # the importer's cap is stated
    assert at.selectbox(key="rm.data.table").value == ""


def test_undo_from_the_data_page(db_copy):

    out = dataview.commit_upload(VALID_CSV.encode("utf-8"), "dispatch.csv", db_path=db_copy)
    assert out.kind == "success"
    at = open_page("data")
    assert not at.button(key="rm.data.undo").disabled
    assert f"版 {out.version}" in texts(at)
    at.button(key="rm.data.undo").click().run()
    assert not at.exception
    assert any("取り消しました" in s.value for s in at.success)
    hist = db.history(db_copy)
    assert hist.iloc[0]["action"] == "undo" and int(hist.iloc[0]["undoes"]) == out.version
    rows = db.dispatches(fiscal_year_from=2016, fiscal_year_to=2016, con=db.connect(db_copy))
    assert rows["is_sample"].all()
    assert at.button(key="rm.data.undo").disabled


def test_pages_in_english():
    at = open_page("dispatch", {"lang": "en", "kind": "regional"})
    assert at.title[0].value == "Staff dispatch — Hokkaido"
    assert re.fullmatch(r"[\d,]+ persons", metric(at, "Dispatched staff"))
    assert "Source:" in texts(at)
    at = open_page("data", {"lang": "en"})
    assert [s.value for s in at.subheader][:4] == [
        "Import",
        "History and undo",
        "Templates",
        "Export",
    ]
