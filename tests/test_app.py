"""AppTest of app.py and its pages: what a user sees, for each filter and deep link.

AppTest does not render pydeck or plotly: the map comes back as an unknown
``deck_gl_json_chart`` element whose spec (``proto.json``) is asserted on
(layers, ids, colours, view state, labels); the browser test checks the drawing.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from apptest_helpers import (
    BUREAUS,
    CREDIT,
    colours,
    deck_spec,
    html_text,
    layer,
    metric,
    run_app,
    still_url,
    texts,
    tooltip_html,
)
from streamlit.testing.v1 import AppTest

from regionmap import db, figures, reference, settings
from regionmap.maps import static
from regionmap.settings import PROJECT_ROOT
from regionmap.style import ACCENT

#: The document's own figures, first on the overview (labels as the cards show them).
DOCUMENT_LABELS = [
    "地域振興派遣",
    "広域連携派遣",
    "徴収対策連携派遣",
    "東日本大震災による道内への避難者数",
]


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and database exist before the app runs (their first-run build is tested below)."""


def in_bounds(view: dict, bounds) -> bool:
    minx, miny, maxx, maxy = bounds
    return minx <= view["longitude"] <= maxx and miny <= view["latitude"] <= maxy


# --- overview ----------------------------------------------------------------------------


def ranking(at) -> tuple[str, list[tuple[str, str, bool]]]:
    """The overview's ranking (HTML bars): its title and its rows, top first, as
    (name, figure with unit, marked); ("", []) when the page shows none."""
    bodies = [e.proto.body for e in at.get("html") if "rm-ranked" in e.proto.body]
    if not bodies:
        return "", []
    assert len(bodies) == 1
    body = html.unescape(bodies[0])
    title = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", body).group(1)
    rows = re.findall(
        r"<li class='rm-ranked-row( rm-marked)?'><span class='rm-ranked-name'>(.*?)</span>"
        r".*?<span class='rm-ranked-value'>(.*?)</span></li>",
        body,
    )
    return title, [(name, text, bool(marked)) for marked, name, text in rows]


def test_default_overview_shows_the_first_map_with_credit_labels_and_figures():
    # a counted figure chosen (the default is the ministry's 財政力指数 since issue #23:
    # tests/test_real_first.py); every assertion below as it was for the first map
    at = run_app({"metric": "dispatch"})
    assert at.title[0].value == "全道概要"
    spec = deck_spec(at)
    ids = [lay["id"] for lay in spec["layers"]]
    assert ids == ["bureaus", "bureaus-lines", "regions", "labels-bureaus"]
    bureaus, regions = layer(spec, "bureaus"), layer(spec, "regions")
    assert bureaus["data"].startswith("app/static/layers/bureaus-overview-")
    assert regions["data"].startswith("app/static/layers/regions-overview-")
    assert "coordinates" not in at.get("deck_gl_json_chart")[0].proto.json  # no geometry
    # region outlines heavier than bureau outlines
    assert regions["getLineWidth"] > layer(spec, "bureaus-lines")["getLineWidth"]
    # the bureaus are clicked by their fill; the outlines stay out of deck.gl's picking
    assert bureaus["pickable"] and not layer(spec, "bureaus-lines")["pickable"]
    fills = colours(bureaus["getFillColor"])
    assert len(fills) == 14 and len({tuple(c) for c in fills}) > 1  # a real choropleth
    assert not regions.get("filled")
    labels = layer(spec, "labels-bureaus")
    assert {d["text"] for d in labels["data"]} >= {"空知", "石狩", "オホーツク", "根室"}
    assert spec["mapStyle"] == "__MAP_STYLE__"  # no tile server
    view = spec["initialViewState"]
    assert 141 < view["longitude"] < 146 and 42 < view["latitude"] < 45
    # tooltip: name, figure with unit and fiscal year; the source is in the caption instead
    html = tooltip_html(at)
    assert "{name_ja}" in html and re.search(r'data-k="b01">\d+人 · \d{4}年度', html)
    assert "出典" not in html and any(c.value.startswith("出典：") for c in at.caption)
    # credit, sample notice, headline figures with year and change, ranked chart
    assert any(CREDIT in c.value for c in at.caption)
    assert any("サンプルデータ" in w.value for w in at.warning)
    # the document's own figures first (its units, its source), then one year's headline row
    labels_shown = [m.label for m in at.metric]
    assert labels_shown[:4] == DOCUMENT_LABELS
    assert [m.value for m in at.metric][:4] == [
        "42市町村（うち22市町村は前年度から継続）",
        "1団体（前年度から継続）",
        "6団体（うち1団体は前年度から継続）",
        "約2,500名",
    ]
    assert labels_shown[4:] == [
        "主な地域重点プロジェクト(資料掲載分)",
        "地域振興派遣",
        "集落対策箇所（サンプル）",  # a sample figure carries the mark on its card (issue #23)
        "避難者",
        "振興局からの主な政策提案(資料掲載分)",
    ]
    # one year, said, and why: nobody chose it (the document's year), not "the year chosen"
    assert any("2015年度の数値（既定：資料の年度" in m.value for m in at.markdown)
    assert not any("選択した年度" in m.value for m in at.markdown)
    assert any("内訳はサンプル" in c.value for c in at.caption)
    assert any(re.search(r"前年度比 [+-±]", c.value) for c in at.caption)
    # the ranking as HTML bars: no chart library for the browser to load before the map
    assert not at.get("plotly_chart")
    title, rows = ranking(at)
    assert "振興局別順位" in title and "人" in title and "2015年度" in title
    assert len(rows) == 14 and all(re.fullmatch(r"[\d,]+人", text) for _, text, _ in rows)
    values = [int(text.rstrip("人").replace(",", "")) for _, text, _ in rows]
    assert values == sorted(values, reverse=True)  # largest first


def test_metric_picker_recolours_the_map_and_changes_the_legend():
    at = run_app()
    before = layer(deck_spec(at), "bureaus")["getFillColor"]
    at.selectbox(key="rm.w.metric").select("evacuees").run()
    assert at.query_params["metric"] == "evacuees"
    spec = deck_spec(at)
    after = layer(spec, "bureaus")["getFillColor"]
    assert after != before
    assert layer(spec, "bureaus")["data"] == layer(deck_spec(run_app()), "bureaus")["data"]
    legend = html_text(at)
    assert "凡例：避難者" in legend and "人" in legend


def test_ranked_chart_highlights_the_selected_regions_bureaus():
    at = run_app({"region": "donan", "metric": "dispatch"})  # a counted figure: plain names
    _, rows = ranking(at)
    assert {name for name, _, marked in rows if marked} == {"渡島", "檜山"}
    assert ACCENT.replace(" ", "") in html_text(at).replace(" ", "")  # marked in the accent


def test_colour_by_region_fills_the_six_regions():
    at = run_app({"level": "region"})
    spec = deck_spec(at)
    regions = layer(spec, "regions")
    assert regions["filled"] and len(colours(regions["getFillColor"])) == 6
    assert not layer(spec, "bureaus").get("filled")
    assert {d["text"] for d in layer(spec, "labels-regions")["data"]} == {
        "道央", "道南", "道北", "オホーツク", "十勝", "釧路・根室",
    }  # fmt: skip
    assert 'data-k="r1"' in tooltip_html(at)


def test_theme_filter_changes_the_figures():
    at = run_app()
    everything = [m.value for m in at.metric]
    at.multiselect(key="rm.w.theme_ids").select("dir_tourism").run()
    assert at.query_params["theme"] == "dir_tourism"
    assert [m.value for m in at.metric] != everything
    # the document's dispatch and evacuee figures are not in these themes: not shown
    assert "地域振興派遣" not in [m.label for m in at.metric][:1]
    # staff dispatch is tagged with the 'regions' pillar only: not a 0, but "not in the themes"
    assert metric(at, "派遣職員") == "—"
    assert any(c.value == "選んだテーマの対象外" for c in at.caption)
    # on the map: a notice instead of an all-zero choropleth, and no ranking of zeros
    at.selectbox(key="rm.w.metric").set_value("dispatch").run()
    assert any("選んだ政策テーマには派遣職員の数値がありません" in i.value for i in at.info)
    assert not ranking(at)[1]


def test_fiscal_year_filter():
    at = run_app()
    years = at.selectbox(key="rm.w.fy_to").options
    assert len(years) > 2
    assert years[0] == "最新年度" and "2015年度" in years
    # a fresh start shows the default year (FY2015 with sample data only)
    assert at.selectbox(key="rm.w.fy_to").value == 2015
    assert "fy" not in at.query_params
    at.selectbox(key="rm.w.fy_to").set_value(2014).run()
    assert at.query_params["fy"] == "2014"
    # the row says its one year; the document's lists are of FY2015 and say so
    assert any("2014年度の数値（選択した年度）" in m.value for m in at.markdown)
    assert sum("この数値は2015年度のもの" in c.value for c in at.caption) >= 2
    title, _ = ranking(at)
    assert "2014年度" in title and "全道" in title
    # "最新年度" stays a choice (URL fy=latest)
    at = run_app({"fy": "latest"})
    assert at.selectbox(key="rm.w.fy_to").value == 0
    assert any("最新年度" in m.value for m in at.markdown)


def _map_marker(at) -> dict[str, str]:
    """The data attributes of the hidden marker after the map (read by map_ready.js)."""
    bodies = [e.proto.body for e in at.get("html") if "rm-map-meta" in e.proto.body]
    assert len(bodies) == 1, bodies
    return dict(re.findall(r"data-([a-z]+)='([^']*)'", bodies[0]))


def test_the_map_marker_names_the_layer_files_the_browser_waits_for():
    """The browser marks a map ready to click once it has drawn the files the marker
    lists: they must be exactly the spec's static layer files, on the map's element."""
    at = run_app({"bureau": "sorachi"}, page="pages/bureau.py")
    spec = deck_spec(at)
    files = {lay["data"] for lay in spec["layers"] if isinstance(lay.get("data"), str)}
    marker = _map_marker(at)
    assert set(marker["layers"].split()) == files
    assert any(f.startswith("app/static/layers/municipalities-") for f in files)
    assert marker["map"] == "rm-map-bureau-sorachi"  # Streamlit's st-key-… class of the map
    # the script that sets the attribute is on the page, and survives Streamlit's sanitiser
    # (DOMPurify drops a script whose text holds "<" before a letter, "/" or "!")
    # (on the first run: AppTest loses the sidebar after switching pages)
    first = run_app()
    scripts = [e.proto for e in first.sidebar.get("html") if "__rmMaps" in e.proto.body]
    assert len(scripts) == 1 and scripts[0].unsafe_allow_javascript
    code = scripts[0].body.removeprefix("<script>").removesuffix("</script>")
    assert "data-rm-ready" in code and not re.search(r"<[/\w!]", code)
    # a new spec (another figure) is a new marker: the browser waits for it to be drawn
    at.selectbox(key="rm.w.metric").select("evacuees").run()
    assert _map_marker(at)["spec"] != marker["spec"]


def test_area_filter_selects_a_bureau_and_zooms_to_it():
    at = run_app()
    whole = deck_spec(at)["initialViewState"]
    at.selectbox(key="rm.w.area").select("b:kushiro").run()
    assert at.query_params["bureau"] == "kushiro"
    spec = deck_spec(at)
    assert spec["initialViewState"] != whole
    assert spec["initialViewState"]["zoom"] > whole["zoom"]
    # 釧路 (feature 12) outlined on top; the others' selection lines are invisible
    selected = layer(spec, "selected-bureau")
    ids = [lay["id"] for lay in spec["layers"]]
    assert ids.index("selected-bureau") == len(ids) - 2 and ids[-1].startswith("labels-")
    lines = colours(selected["getLineColor"])
    assert [i for i, c in enumerate(lines) if c[3] > 0] == [12]
    assert not selected.get("filled") and not selected["pickable"]


def test_layer_toggles():
    # (AppTest loses the sidebar of file-based pages after a rerun, so each toggle is
    # clicked on a fresh run of the URL the previous click produced)
    at = run_app()
    at.checkbox(key="rm.w.layer_municipalities").check().run()
    assert at.query_params["layers"] == "labels,municipalities"
    spec = deck_spec(at)
    assert layer(spec, "municipalities")["data"].startswith("app/static/layers/municipalities-")
    at = run_app({"layers": "labels,municipalities"})
    at.checkbox(key="rm.w.layer_labels").uncheck().run()
    assert at.query_params["layers"] == "municipalities"
    assert not [lay for lay in deck_spec(at)["layers"] if lay["@@type"] == "TextLayer"]
    at = run_app({"layers": "municipalities"})
    at.checkbox(key="rm.w.layer_tiles").check().run()
    assert at.query_params["layers"] == "municipalities,tiles"
    spec = deck_spec(at)
    assert spec["mapStyle"] == "app/static/layers/gsi-pale-style.json"
    assert any("国土地理院" in c.value for c in at.caption)


def test_language_switch_gives_english_titles_and_labels():
    at = run_app()
    at.segmented_control(key="rm.w.lang").set_value("en").run()
    assert at.query_params["lang"] == "en"
    assert at.title[0].value == "Overview"
    assert [m.label for m in at.metric][4:6] == [
        "Main regional priority projects (those listed in the document)",
        "Regional development dispatch",
    ]
    assert at.metric[5].value == "42 municipalities (22 continuing from the previous year)"
    assert re.fullmatch(r"[\d,]+ sites", at.metric[6].value)
    assert any("Figures of FY2015" in m.value for m in at.markdown)
    spec = deck_spec(at)
    labels = layer(spec, "labels-bureaus")
    assert "Sorachi" in {d["text"] for d in labels["data"]}
    # English names are longer: they are placed apart on the server (regionmap.maps.labels),
    # every one of the 14, and shrink with a map smaller than the one they were placed on
    assert {d["text"] for d in labels["data"]} == set(reference.bureaus()["name_en"])
    assert labels["sizeUnits"] == "common" and labels["sizeMaxPixels"] == 14
    assert "extensions" not in labels  # nothing left to deck.gl's collision filter to hide
    assert "{name_en}" in tooltip_html(at)
    assert any(CREDIT in c.value and "MLIT" in c.value for c in at.caption)


@pytest.mark.parametrize("row", BUREAUS, ids=lambda r: r["bureau_id"])
def test_deep_link_to_every_bureau(row, geo_dir):
    from regionmap.geo.layers import load_layer

    at = run_app({"bureau": row["bureau_id"]})
    assert row["name_ja"] in texts(at)
    view = deck_spec(at)["initialViewState"]
    gdf = load_layer("bureaus", geo_dir=geo_dir).set_index("bureau_code")
    assert in_bounds(view, gdf.loc[row["bureau_code"]].geometry.bounds)
    assert at.selectbox(key="rm.w.area").value == "b:" + row["bureau_id"]


def test_malformed_params_fall_back_with_a_notice_and_no_exception():
    at = run_app({"bureau": "xxx", "fy": "abc", "theme": "zzz"})
    notices = " ".join(t.value for t in at.toast)
    assert "bureau" in notices and "fy" in notices and "theme" in notices
    assert at.title[0].value == "全道概要"
    assert at.selectbox(key="rm.w.area").value == ""
    assert dict(at.query_params) == {}  # the URL now shows the defaults


# --- bureau page --------------------------------------------------------------------------


def test_bureau_page_without_a_selection_asks_for_one():
    at = run_app(page="pages/bureau.py")
    assert at.title[0].value.startswith("振興局")
    assert any("選んでください" in i.value for i in at.info)


def test_bureau_page_shows_the_bureau_its_municipalities_and_items():
    at = run_app({"bureau": "sorachi"}, page="pages/bureau.py")
    assert "空知総合振興局" in at.title[0].value
    assert "岩見沢市" in texts(at) and "24市町村" in texts(at)
    spec = deck_spec(at)
    # only 空知's 24 municipalities, as their own static file, all coloured
    munis = layer(spec, "municipalities")
    assert re.search(
        r"app/static/layers/municipalities-overview-bureau01-[0-9a-f]{12}\.json$", munis["data"]
    )
    fills = colours(munis["getFillColor"])
    assert len(fills) == 24 and all(c[3] > 0 for c in fills)

    sorachi = set(reference.municipalities().query("bureau_code == '01'")["code"])
    assert (
        set(static.publish_layer("municipalities", where=("bureau_code", ["01"])).codes) == sorachi
    )
    muni_labels = layer(spec, "labels-municipalities")
    # placed apart on the server: the seat always, the other towns where they fit
    assert "extensions" not in muni_labels and muni_labels["sizeUnits"] == "common"
    labels = {d["text"] for d in muni_labels["data"]}
    assert "岩見沢市" in labels and "札幌市" not in labels
    # neighbours for context
    assert "石狩" in {d["text"] for d in layer(spec, "labels-bureaus")["data"]}
    assert any(CREDIT in c.value for c in at.caption)
    tabs = [t.label for t in at.tabs]
    assert tabs[:3] == [
        "主な地域重点プロジェクト(資料掲載分)",
        "振興局からの主な政策提案(資料掲載分)",
        "振興局独自事業による地域の主な取組(資料掲載分)",
    ]
    assert len(at.dataframe) >= 3
    assert at.query_params["bureau"] == "sorachi"


def test_northern_territories_carry_no_figures_on_the_nemuro_map():
    at = run_app({"bureau": "nemuro"}, page="pages/bureau.py")
    spec = deck_spec(at)
    from regionmap.style import NO_DATA

    codes = static.publish_layer("municipalities", where=("bureau_code", ["14"])).codes
    fills = colours(layer(spec, "municipalities")["getFillColor"])
    nt = {"01695", "01696", "01697", "01698", "01699", "01700"}
    assert nt <= set(codes)
    for code, colour in zip(codes, fills, strict=True):
        assert (colour[:3] == list(NO_DATA)) == (code in nt), code
    html = tooltip_html(at)
    assert 'data-k="m01223"' in html and 'data-k="m01695"' not in html  # 根室市 yes, 色丹村 no


def test_bureau_page_for_a_region_and_a_municipality_click_through():
    at = run_app({"region": "donan", "muni": "01202"}, page="pages/bureau.py")
    assert "道南" in at.title[0].value
    neighbours = {d["text"] for d in layer(deck_spec(at), "labels-bureaus")["data"]}
    assert "胆振" in neighbours and not {"渡島", "檜山"} & neighbours
    assert "渡島総合振興局" in texts(at) and "檜山振興局" in texts(at)
    assert any("函館市" in s.value for s in at.subheader)
    town = next(df.value for df in at.dataframe if "数値" in df.value.columns)
    # the town's own figures only (one row each); the document's per-bureau counts are
    # not passed off as the town's: a caption says they are the bureau's
    assert list(town["指標"]) == [
        figures.get(f).label_ja for f in figures.ids(level="municipality")
    ]
    assert not town.columns.str.fullmatch("").any()  # every column has a header
    # the tabs below are the selected region's
    assert any("振興局単位の数" in c.value and "道南" in c.value for c in at.caption)


def test_a_theme_that_does_not_cover_a_figure_shows_no_zeros_on_the_bureau_page():
    """経済・活力 covers no municipal figure: the map draws no classes, the legend is gone,
    the page says why, and the clicked town's table says '—' and 対象外, never 0."""
    at = run_app(
        {"bureau": "tokachi", "theme": "pillar_economy", "muni": "01644"}, page="pages/bureau.py"
    )
    assert not figures.covers("dispatch", ["pillar_economy"])
    spec = deck_spec(at)
    fills = {tuple(c) for c in colours(layer(spec, "municipalities")["getFillColor"])}
    assert len(fills) == 1  # one plain fill: no classes of 0
    assert "凡例" not in html_text(at)
    assert any("派遣職員" in i.value and "テーマ" in i.value for i in at.info)
    town = next(df.value for df in at.dataframe if "数値" in df.value.columns)
    assert all(v.startswith("—") and "対象外" in v for v in town["数値"])
    # no sample figure is shown, so no sample notice
    assert not any("サンプルデータ" in w.value for w in at.warning)


def test_selection_on_the_map_becomes_the_state():
    from regionmap.state import FilterState
    from regionmap.ui.components.mapview import selection_to_state

    s = FilterState(lang="ja")
    clicked = {"bureaus": [{"properties": {"code": "13", "k": "b13", "i": 12}}]}
    assert selection_to_state(s, clicked).bureau == "kushiro"
    assert selection_to_state(s, {"regions": [{"properties": {"code": "2"}}]}).region == "donan"
    assert selection_to_state(s, {"municipalities": [{"properties": {"code": "01202"}}]}).muni == (
        "01202"
    )
    assert selection_to_state(s, {}) is None


# --- first run ----------------------------------------------------------------------------


def test_first_map_works_without_a_database(monkeypatch, tmp_path):
    # a database path that cannot be created: the map is still drawn, with its credit
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(blocker / "db" / "regionmap.duckdb"))
    at = run_app()
    spec = deck_spec(at)
    assert {"bureaus", "regions", "labels-bureaus"} <= {lay["id"] for lay in spec["layers"]}
    assert any(CREDIT in c.value for c in at.caption)
    assert any("python -m regionmap db init" in w.value for w in at.warning)
    # only the document's own figures (from the committed files), no database figures
    assert [m.label for m in at.metric] == DOCUMENT_LABELS


def _old_schema_copy(db_path, target):
    """A copy of the session database as the previous schema version wrote it."""
    shutil.copyfile(db_path, target)
    con = duckdb.connect(str(target))
    con.execute("ALTER TABLE proposals DROP COLUMN policy_area_en")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    return target


def test_an_old_schema_database_is_upgraded_and_the_figures_shown(monkeypatch, tmp_path, db_path):
    old = _old_schema_copy(db_path, tmp_path / "regionmap.duckdb")
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(old))
    at = run_app()
    labels_shown = [m.label for m in at.metric]
    assert labels_shown[:4] == DOCUMENT_LABELS and len(labels_shown) == 9
    assert db.schema_version(old) == db.SCHEMA_VERSION
    assert list(db.history_dir(old).glob("*.duckdb"))  # the old file kept for undo
    at = run_app({"lang": "en"}, page="pages/proposals.py")
    assert "Policy area" in {c for df in (e.value for e in at.dataframe) for c in df.columns}


def test_a_damaged_database_file_says_what_to_do(monkeypatch, tmp_path):
    bad = tmp_path / "regionmap.duckdb"
    bad.write_bytes(b"this is not a database\n" * 500)
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(bad))
    at = run_app()
    assert {"bureaus", "regions"} <= {lay["id"] for lay in deck_spec(at)["layers"]}
    assert any(CREDIT in c.value for c in at.caption)
    warned = " ".join(w.value for w in at.warning)
    assert str(bad) in warned and "python -m regionmap db init --force" in warned
    assert [m.label for m in at.metric] == DOCUMENT_LABELS
    assert bad.read_bytes() == b"this is not a database\n" * 500  # left as it was


def test_first_run_builds_missing_layers_with_progress(monkeypatch, tmp_path, n03_geojson):
    monkeypatch.setenv("REGIONMAP_GEO_DIR", str(tmp_path / "geo"))
    monkeypatch.setenv("REGIONMAP_BOUNDARY_SOURCE", str(n03_geojson))
    at = run_app()
    assert (tmp_path / "geo" / "manifest.json").is_file()
    assert at.get("expandable") or at.status  # the st.status box was shown
    assert len(layer(deck_spec(at), "labels-bureaus")["data"]) == 14
    # the credit under the map names the boundaries' date
    assert any(CREDIT in c.value and "2021-01-01時点" in c.value for c in at.caption)


def test_first_run_without_network_builds_from_the_local_copy_and_says_so(monkeypatch, tmp_path):
    # the configured download is unreachable (nothing listens on port 9 of this machine);
    # the copy beside the project (../shared/data/boundaries) is used, and the user told
    monkeypatch.setenv("REGIONMAP_GEO_DIR", str(tmp_path / "geo"))
    monkeypatch.setenv("REGIONMAP_BOUNDARY_SOURCE", "http://127.0.0.1:9/N03-20240101_01_GML.zip")
    at = run_app()
    assert (tmp_path / "geo" / "manifest.json").is_file()
    warning = " ".join(w.value for w in at.warning)
    assert "ダウンロードに失敗したため" in warning and "N03-21_01_210101" in warning
    assert "2021-01-01" in warning
    assert len(layer(deck_spec(at), "labels-bureaus")["data"]) == 14


def test_no_network_and_no_boundary_file_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("REGIONMAP_GEO_DIR", str(tmp_path / "geo"))
    monkeypatch.setenv("REGIONMAP_BOUNDARY_SOURCE", str(tmp_path / "missing" / "N03.geojson"))
    at = run_app()
    errors = " ".join(e.value for e in at.error)
    assert "REGIONMAP_BOUNDARY_SOURCE" in errors and "geo build --source" in errors
    assert not at.get("deck_gl_json_chart")
    assert not (tmp_path / "geo" / "manifest.json").exists()


def test_next_year_of_the_year_player():
    from regionmap.ui.components.widgets import next_year

    years = (2014, 2012, 2013)
    assert next_year(years, None) == 2012  # from "latest" it starts at the first year
    assert next_year(years, 2012) == 2013
    assert next_year(years, 2014) is None  # stops at the latest
    assert next_year((), None) is None


def test_a_cold_visit_shows_a_still_of_its_map_until_the_map_is_drawn():
    """On a session's first run the map's place shows a still of the same view (a cold
    visit waits seconds for the map script); later runs leave it out."""
    from PIL import Image

    at = run_app({"metric": "dispatch"})
    url = still_url(at)
    assert url is not None and url.startswith("app/static/previews/")
    path = Path(settings.get("static_dir")) / url.removeprefix("app/static/")
    img = Image.open(path).convert("RGBA")
    # the view's classes: several fills, on a transparent ground
    fills = {c for _, c in img.getcolors(1 << 20) if c[3] == 255}
    assert img.getpixel((0, 0))[3] == 0
    # the map's own fills (one colour per bureau) are the still's (edges are blended)
    deck_fills = {tuple(c[:3]) for c in colours(layer(deck_spec(at), "bureaus")["getFillColor"])}
    assert len(deck_fills) >= 4
    assert deck_fills <= {c[:3] for c in fills}
    at.run()  # a later run of the same session: the browser has the map script
    assert still_url(at) is None


def test_the_still_comes_with_a_sessions_first_map_even_after_a_page_without_one():
    """``/overview`` opens through a switch to the home page, and a session may start on
    a page without a map (the data page): the still comes with the first map it sends."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=90)
    at.query_params["metric"] = "dispatch"
    at.switch_page("pages/data.py").run()
    assert not at.exception and still_url(at) is None
    at.switch_page("pages/overview.py").run()
    assert not at.exception and still_url(at) is not None
    at.switch_page("pages/bureau.py").run()  # the browser has the map script by now
    assert still_url(at) is None


# --- no traceback, ever (issue 21, defect 4) ----------------------------------------------


def test_unicode_digits_in_url_numbers_are_a_notice_not_a_traceback():
    params = {"fy": "²⁰¹⁵", "mfrom": "２０１５-０３", "muni": "⁰¹¹⁰⁰", "slide": "²"}
    at = run_app(params)  # fails on any exception shown
    notices = " ".join(t.value for t in at.toast)
    for name in params:
        assert name in notices, notices
    assert dict(at.query_params) == {}


def test_an_unexpected_error_shows_an_id_to_quote_and_logs_it_with_the_trace(caplog):
    import logging
    import tomllib

    from streamlit import config as st_config

    value = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())["client"][
        "showErrorDetails"
    ]
    # a value Streamlit 1.67 knows, and the one that shows no message, type or trace
    assert value in {o.value for o in st_config.ShowErrorDetailsConfigOptions}
    assert value == st_config.ShowErrorDetailsConfigOptions.NONE

    def page():
        from regionmap.ui import errors

        with errors.boundary("ja"):
            raise ValueError("/srv/regionmap/secret/path.py is broken")

    before = st_config.get_option("client.showErrorDetails")
    st_config.set_option("client.showErrorDetails", value)
    try:
        with caplog.at_level(logging.ERROR, logger="regionmap.errors"):
            at = AppTest.from_function(page).run()
    finally:
        st_config.set_option("client.showErrorDetails", before)
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and "予期しないエラー" in shown[0], shown
    ident = re.search(r"E-[0-9a-f]{8}", shown[0]).group(0)
    # the user sees no path, no type, no trace: Streamlit's own box is redacted
    seen = " ".join(shown + [str(e.proto) for e in at.exception])
    assert "/srv/regionmap" not in seen and "ValueError" not in seen and "Traceback" not in seen
    assert 'File "' not in seen
    # the server's log has the id with the whole trace
    logged = [r for r in caplog.records if ident in r.getMessage()]
    assert logged and logged[0].exc_info and "secret/path.py" in str(logged[0].exc_info[1])
