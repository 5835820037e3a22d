"""The figure registry (regionmap.figures): one definition every module reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from apptest_helpers import colours, html_text, layer, run_app

from regionmap import db, figures, i18n
from regionmap.maps import static
from regionmap.maps.areas import AreaView
from regionmap.maps.scales import FILL_ALPHA
from regionmap.render import chartimage, common, handout, mapimage, slides
from regionmap.settings import DATA_DIR
from regionmap.style import MISSING, NO_DATA
from regionmap.ui.components import overlay, widgets


def test_every_module_lists_the_figures_of_the_registry_in_its_order():
    order = figures.ids()
    assert order == ("priority_projects", "dispatch", "sites", "evacuees", "proposals")
    assert db.OVERLAY_METRICS + db.DOCUMENT_METRICS == tuple(
        sorted(order, key=lambda f: (figures.get(f).origin != "municipal", order.index(f)))
    )
    # a map of municipalities only for the figures that exist per municipality
    assert widgets.MUNICIPAL_METRICS == ("dispatch", "sites", "evacuees")
    assert all(figures.get(f).origin == "municipal" for f in widgets.MUNICIPAL_METRICS)


def test_each_figure_has_its_table_label_unit_and_themes():
    themes = set(pd.read_csv(DATA_DIR / "policy" / "themes.csv")["theme_id"])
    for fig in figures.IMPORTED_FIGURES:  # the regional page's: table, themes, its title
        assert fig.table in db.TABLES and set(fig.themes) <= themes and fig.themes, fig.id
        assert i18n.CATALOG[f"metric.{fig.id}"]["en"], fig.id
    for fig in figures.FIGURES:
        assert fig.table in db.TABLES, fig.id
        for lang in ("ja", "en"):  # its labels on screen and in the handouts, both languages
            for key in (f"metric.{fig.id}", f"report.metric.{fig.id}", f"report.short.{fig.id}"):
                assert i18n.CATALOG[key][lang], key
        assert set(fig.levels) <= set(figures.LEVELS) and fig.origin in figures.ORIGINS
        assert set(fig.themes) <= themes, fig.id
        # a document figure's coverage comes from its items, a municipal one's from its themes
        assert (fig.item_type is None) == (fig.origin == "municipal") == bool(fig.themes)
        assert fig.unit.text(1, "en") != fig.unit.text(2, "en")


def test_english_units_take_the_singular_for_one():
    assert figures.get("sites").unit.text(1, "en") == "site"
    assert figures.get("proposals").unit.text(3, "en") == "proposals"
    assert figures.get("evacuees").unit.text(3, "ja") == "人"
    assert figures.unit_of("市町村").text(42, "en") == "municipalities"
    with pytest.raises(KeyError, match="one of priority_projects"):
        figures.get("nope")


def test_kinds_have_one_colour_on_the_web_page_and_in_both_handouts(db_path):
    """The dispatch chart's category colours: the page (overlay.kind_colour) and the
    Japanese and English PDFs (report) give each kind the same colour."""
    fig = figures.get("dispatch")
    colours = {k.id: fig.kind_colour(k.id) for k in fig.kinds}
    assert len(set(colours.values())) == len(colours)  # distinct
    for kind, rgb in colours.items():
        assert overlay.kind_colour(kind, list(reversed(colours))) == rgb  # order-independent
    trend = pd.DataFrame(
        {"collection": [1, 2], "regional": [3, 4]}, index=pd.Index([2014, 2015], name="fy")
    )
    for lang in ("ja", "en"):
        bars = chartimage._dispatch_figure(trend, lang).data
        got = {b.name: b.marker.color for b in bars}
        for kind in ("collection", "regional"):
            name = fig.kind(kind).label(lang)
            assert got[name] == "rgb({}, {}, {})".format(*colours[kind])


def test_theme_coverage_has_one_answer(db_path):
    con = db.connect(db_path)
    # no theme covers everything
    assert all(db.theme_covers(f, [], con=con) for f in figures.ids())
    # a municipal figure: its own themes
    assert db.theme_covers("dispatch", ["pillar_region"], con=con)
    assert not db.theme_covers("dispatch", ["pillar_economy"], con=con)
    # a document figure: the themes its items carry
    carried = set(
        con.execute(
            "SELECT DISTINCT theme_id FROM item_themes WHERE item_type = 'proposal'"
        ).fetchdf()["theme_id"]
    )
    all_themes = set(db.themes(con=con)["theme_id"])
    assert carried and all(db.theme_covers("proposals", [t], con=con) for t in carried)
    assert all(not db.theme_covers("proposals", [t], con=con) for t in all_themes - carried)
    # the headline's flag is the same answer
    for theme in sorted(all_themes)[:6]:
        for f in figures.ids():
            h = db.headline(f, theme_ids=[theme], con=con)
            assert h["theme_match"] == db.theme_covers(f, [theme], con=con), (f, theme)


# --- every figure x every page x a theme that does not cover it ---------------------------

#: The page that shows each figure on its own (the overview and bureau page show them all).
OWN_PAGE = {
    "priority_projects": "pages/projects.py",
    "dispatch": "pages/dispatch.py",
    "sites": "pages/settlement.py",
    "evacuees": "pages/evacuees.py",
    "proposals": "pages/proposals.py",
}
_NOT_COVERING = {"dispatch": "pillar_economy", "sites": "pillar_region", "evacuees": "dir_tourism"}


def _cases():
    for fid in figures.ids(origin="municipal"):
        for page in ("overview", "bureau", "own"):
            yield pytest.param(fid, page, id=f"{fid}-{page}")


def test_no_theme_excludes_a_document_figure(db_path):
    """Every theme is carried by some project and some proposal: the walk below covers the
    municipal figures, which themes can exclude."""
    con = db.connect(db_path)
    for fid in figures.ids(origin="document"):
        assert all(db.theme_covers(fid, [t], con=con) for t in db.themes(con=con)["theme_id"])


@pytest.mark.parametrize(("fid", "page"), list(_cases()))
def test_a_theme_that_does_not_cover_a_figure_shows_a_dash_and_the_notice_never_0(
    db_path, fid, page
):
    theme = _NOT_COVERING[fid]
    assert not figures.covers(fid, [theme])
    params = {"theme": theme, "metric": fid}
    if page == "bureau":
        params["bureau"] = "tokachi"
    at = run_app(
        params,
        None if page == "overview" else ("pages/bureau.py" if page == "bureau" else OWN_PAGE[fid]),
    )
    label = i18n.t("metric." + fid, "ja")
    # the page says the themes leave nothing of the figure
    assert any(label in i.value and "テーマ" in i.value for i in at.info), [
        i.value for i in at.info
    ]
    # the map draws no classes of 0 and no legend of them
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    filled = [
        lay
        for lay in spec["layers"]
        if lay["@@type"] == "GeoJsonLayer" and lay.get("filled") and "getFillColor" in lay
    ]
    for lay in filled:
        fills = lay["getFillColor"]
        if isinstance(fills, str) and fills.startswith("@@="):
            # one plain fill (the Northern Territories villages in the no-data grey)
            plain = {tuple(c) for c in colours(fills)} - {(*NO_DATA, FILL_ALPHA)}
            assert len(plain) <= 1, lay["id"]
    assert "凡例" not in html_text(at) or "凡例：取組の区分" in html_text(at)
    # no card or figure of it reads 0
    unit = figures.get(fid).unit.ja
    for m in at.metric:
        if m.label.startswith(label):
            assert m.value in ("—", "–"), (m.label, m.value)
    assert f"0{unit}" not in " ".join(str(m.value) for m in at.metric)


# --- one map: the page, the slide and the handout of a view agree -------------------------


@pytest.mark.parametrize(
    ("params", "theme"),
    [
        ({"bureau": "tokachi", "metric": "dispatch"}, None),
        ({"bureau": "oshima", "metric": "evacuees"}, None),
        ({"bureau": "nemuro", "metric": "sites"}, None),  # the Northern Territories villages
        ({"bureau": "tokachi", "metric": "dispatch", "theme": "pillar_economy"}, "pillar_economy"),
    ],
    ids=["tokachi-dispatch", "oshima-evacuees", "nemuro-sites", "tokachi-not-covered"],
)
def test_the_page_and_the_handout_map_of_a_view_have_the_same_classes_and_colours(
    db_path, params, theme
):
    """The bureau page's deck.gl map and the map the slides and PDF handouts draw
    (mapimage.map_spec, used by mapimage.map_png) give every municipality the same colour
    and have the same legend classes."""
    at = run_app(params, "pages/bureau.py")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    area = common.resolve_area("bureau", params["bureau"])
    munis = static.publish_layer("municipalities", where=("bureau_code", [area.code]))
    web = {
        code: tuple(c[:3])
        for code, c in zip(
            munis.codes, colours(layer(spec, "municipalities")["getFillColor"]), strict=True
        )
    }
    # the handout's map of the same view (same figure, year and themes)
    fy = int(at.query_params.get("fy", [0])[0] or 0) or None
    values = db.metric_by_area(
        params["metric"],
        level="municipality",
        fiscal_year=fy,
        theme_ids=[theme] if theme else None,
        **area.filters(),
    )
    covered = db.theme_covers(params["metric"], [theme] if theme else [])
    view = AreaView.of_area(area.kind, area.code)
    paper = mapimage.map_spec(view, params["metric"], values, "ja", covered=covered)
    printed = {
        str(code): tuple(int(h[i : i + 2], 16) for i in (1, 3, 5))
        for code, h in zip(paper.shapes["code"], paper.colours, strict=True)
    }
    assert printed == web
    # the same classes in both legends (the page's legend is HTML beside the map)
    legend = html_text(at)
    for _, text in paper.legend:
        if text != "北方領土（数値なし）" and not text.startswith("北方"):
            assert text in legend, (text, legend[:300])
    if not covered:
        assert not [t for _, t in paper.legend if not t.startswith("北方")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_dispatch_slide_gives_each_kind_its_colour(db_path, lang):
    """The slide's stacked bars: one bar series per kind, each in the registry's colour
    and named in the slide's language (they were all one colour when the slide passed
    kind labels where ids were expected)."""

    con = db.connect(db_path)
    slide = slides.build_slide("bureau", "tokachi", "dispatch", lang=lang, con=con)
    fig = figures.get("dispatch")
    bars = slide.chart.data
    assert len(bars) >= 2
    by_name = {k.label(lang): k for k in fig.kinds}
    for bar in bars:
        kind = by_name[bar.name]
        assert bar.marker.color == "rgb({}, {}, {})".format(*fig.kind_colour(kind.id))
    assert len({bar.marker.color for bar in bars}) == len(bars)


@pytest.mark.skipif(
    __import__("shutil").which("pdftotext") is None, reason="pdftotext (poppler-utils)"
)
def test_a_handout_under_a_theme_that_does_not_cover_dispatch_says_dash_not_0(db_path, tmp_path):
    """The PDF's dispatch card and its map follow the pages: '—' (the one missing-value mark,
    style.MISSING) and no classes of 0."""
    import subprocess

    con = db.connect(db_path)
    pdf = handout.build_handout("bureau", "tokachi", "ja", con, theme_ids=["pillar_economy"])
    path = tmp_path / "h.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    import re

    # dispatch, sites and evacuees are not covered by 経済・活力: no card or legend says 0
    assert not re.search(r"(?<![\d,])0\s*(人|箇所)", text), text[:2000]
    assert text.count(MISSING) >= 3
    # the map beside it: no legend of zeros (one plain fill, no classes)
    area = common.resolve_area("bureau", "tokachi")
    data = handout._collect(area, "ja", con, theme_ids=["pillar_economy"])
    assert data.headlines["dispatch"]["theme_match"] is False
    view = AreaView.of_area(area.kind, area.code)
    spec = mapimage.map_spec(view, handout.MAP_METRIC, data.municipal_values, "ja", covered=False)
    assert spec.legend == [] and len(set(spec.colours)) == 1


_REGISTRY_TOML = Path(figures.__file__).with_name("figures.toml")


_WRONG_ENTRIES = {
    "origin": ('origin = "municipal"', 'origin = "guessed"', "[[figure]] 2 (dispatch): origin"),
    "levels": ('levels = ["region", "bureau"]', 'levels = ["town"]', "(priority_projects): levels"),
    "kinds": ('kinds = "sites"', 'kinds = "shops"', "(sites): no list [kinds] shops"),
    "key": ('item_type = "proposal"', 'item_typ = "proposal"', "unknown key(s) item_typ"),
    "kind": ('["salon", "サロン", "Community salon"]', '["salon", "サロン"]', "[kinds] sites"),
    "document": ('figure = "evacuees"', 'figure = "evacuee"', "[[document_figure]] evacuees"),
    "doc kind": ('kind = "collection"', 'kind = "salon"', "salon is not a kind of dispatch"),
    "doc key": ('key = "evacuees"\n', 'key = "evacuees"\nnote = "x"\n', "its keys are key"),
    "missing": ('table = "sites"\n', "", "(sites): missing key(s) table"),
    "a string": ('title = ["派遣職員", "Dispatched staff"]', 'title = "ab"', "title is [Japanese"),
    "unit": ('unit = ["箇所", "site", "sites"]', 'unit = "箇所"', "(sites): a unit is"),
    "item type": ('item_type = "proposal"\n', "", "(proposals): a document figure needs"),
    "themes": ('themes = ["pillar_region"]\n', "", "(dispatch): a per-municipality figure"),
    "handout": ('short = ["派遣", "dispatch"]\n', "", "(dispatch): short and handout"),
    "kind twice": (
        '["salon", "サロン", "Community salon"]',
        '["startup", "サロン", "Salon"]',
        "used twice",
    ),
}


@pytest.mark.parametrize("wrong", _WRONG_ENTRIES)
def test_a_wrong_registry_entry_is_refused_with_what_and_where(wrong):
    old, new, message = _WRONG_ENTRIES[wrong]
    text = _REGISTRY_TOML.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(figures.RegistryError, match=re.escape(message)):
        figures._load_registry(text.replace(old, new, 1))


def test_the_registry_file_gives_every_figure_its_labels_units_and_kinds():
    reg = figures._load_registry(_REGISTRY_TOML.read_text(encoding="utf-8"))
    assert reg["figures"] == figures.FIGURES + figures.IMPORTED_FIGURES + figures.PUBLIC_FIGURES
    assert [k.id for k in figures.get("dispatch").kinds][:3] == [
        d.kind for d in figures.document_figures("dispatch")
    ]
    assert figures.get("sites").kind("salon").label("en") == "Community salon"
    assert figures.unit_text("団体", "en", 2) == "bodies"


def test_the_figures_names_are_defined_once_in_the_registry_and_reach_the_catalogue():
    texts = figures.catalogue_texts()
    for fig in figures.FIGURES:
        assert texts[f"metric.{fig.id}"] == {
            "ja": fig.texts[f"metric.{fig.id}"][0],
            "en": fig.texts[f"metric.{fig.id}"][1],
        }
        assert i18n.t(f"metric.{fig.id}", "en") == fig.texts[f"metric.{fig.id}"][1]
        assert i18n.t(f"report.short.{fig.id}", "ja") == fig.texts[f"report.short.{fig.id}"][0]
    # the catalogue file defining a figure's name again is refused at import
    with pytest.raises(ValueError, match="metric.dispatch"):
        i18n._add_figure_names({"metric.dispatch": {"ja": "派遣", "en": "Dispatch"}})
    text = _REGISTRY_TOML.read_text(encoding="utf-8")
    with pytest.raises(figures.RegistryError, match=r"\(dispatch\): missing key\(s\) title"):
        figures._load_registry(text.replace('title = ["派遣職員", "Dispatched staff"]\n', "", 1))
