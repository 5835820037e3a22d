"""The one area model (issue #22, :mod:`regionmap.maps.areas`): the page's map (deck.gl, and
the offline HTML map made of its deck) and the maps drawn on the server (the still, the map
PNG, the slides, the handouts) draw, fill and name the same areas of a view, and a bureau's
name on a map is its one short name."""

from __future__ import annotations

import json

import pytest

from regionmap import reference
from regionmap.maps import labels, scales, spec
from regionmap.maps.areas import AreaView
from regionmap.render import maphtml, mapimage
from regionmap.state import FilterState
from regionmap.style import NO_DATA


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and database exist."""


def _layers(deck) -> dict[str, dict]:
    return {lay["id"]: lay for lay in json.loads(deck.to_json())["layers"]}


def _file_codes(layer: dict) -> list[str]:
    """The codes of the features of a deck layer's static file, in its order."""
    data = json.loads(maphtml.layer_path(layer["data"]).read_text(encoding="utf-8"))
    return [f["properties"]["code"] for f in data["features"]]


def test_the_page_and_the_server_maps_of_a_view_are_one_model():
    # the bureau page's map of 根室 and the PNG, slides and handouts of 根室
    page = FilterState(bureau="nemuro").map_area("municipality", focus=True)
    assert page == AreaView.of_area("bureau", "14")
    assert page.focus and page.fill_layer == "municipalities" and page.region_code == "6"
    # a map of bureaus cannot focus on an area: every bureau is drawn, the area outlined
    assert not AreaView(level="bureau", bureau_code="14", focus=True).focus
    assert AreaView.of_area("hokkaido", None, "municipality").level == "bureau"
    with pytest.raises(ValueError, match="level"):
        AreaView(level="town")


@pytest.mark.parametrize("bureau_code", ["14", "06"])
def test_a_bureau_map_draws_the_same_areas_on_the_page_and_on_paper(bureau_code):
    view = AreaView.of_area("bureau", bureau_code)
    layers = _layers(spec.area_deck(view, "ja", None).deck)
    paper = mapimage.map_spec(view, None, None, "ja")
    drawn = _file_codes(layers["municipalities"])
    assert drawn == [str(c) for c in paper.shapes["code"]]
    own = set(reference.municipalities().query("bureau_code == @bureau_code")["code"])
    assert set(drawn) == own - set(reference.municipalities().query("kind == 'ward'")["code"])
    # the neighbouring bureaus: drawn around it on both, named in grey where in view
    neighbours = [c for c in reference.bureaus()["bureau_code"] if c != bureau_code]
    assert list(paper.context_areas["bureau_code"]) == neighbours
    assert list(view.context_bureaus(reference.bureaus()["bureau_code"])) == neighbours
    # the Northern Territories villages (根室) have no figure on either map
    nt = view.no_figure(drawn)
    assert (len(nt) == 6) == (bureau_code == "14")
    fills = layers["municipalities"]["getFillColor"]
    rows = json.loads(fills.removeprefix("@@=(").removesuffix(")[properties.i]"))
    for code, fill in zip(drawn, rows, strict=True):
        assert (fill[:3] == list(NO_DATA)) == (code in nt), code
        assert (fill[:3] == list(scales.PLAIN_FILL[:3])) == (code not in nt), code
    assert paper.northern == bool(nt)
    # the same names are required on both: the bureau's seat
    seat = reference.bureaus().set_index("bureau_code").loc[bureau_code, "seat_code"]
    assert {n.code for n in paper.names if n.required} == {seat}
    page_names = {row["text"] for row in layers["labels-municipalities"]["data"]}
    seat_name = reference.municipalities().set_index("code").loc[seat, "name_ja"]
    assert seat_name in page_names


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_bureau_is_named_by_its_one_short_name_on_every_map(lang):
    b = reference.bureaus()
    short = list(b["short_ja"] if lang == "ja" else b["name_en"])
    # the rule
    assert [
        labels.map_text("bureaus", ja, en, lang)
        for ja, en in zip(b["name_ja"], b["name_en"], strict=True)
    ] == short
    # the page's map (and the offline HTML map, its deck) and the still (server-drawn)
    layers = _layers(spec.area_deck(AreaView("bureau"), lang, None).deck)
    assert {row["text"] for row in layers["labels-bureaus"]["data"]} == set(short)
    still = mapimage.view_spec("hokkaido", None, None, "bureau", None, None, lang)
    assert sorted(n.text for n in still.names) == sorted(short)


def test_the_overview_outlines_a_selected_bureau_among_all_fourteen_in_their_colours():
    # the overview's figures are not filtered by the area: choosing 十勝 outlines it, and the
    # other 13 bureaus keep their colours and their place in the classes (a regression of
    # the one area model dimmed them and classed 十勝 alone)
    view = FilterState(bureau="tokachi").map_area("bureau")
    codes = list(reference.bureaus()["bureau_code"])
    assert view.outside(codes, None) == []
    values = {c: float(i * 100) for i, c in enumerate(codes)}
    figs = spec.AreaFigures("bureau", values, "人", "persons", "", "", "", "", is_sample=True)
    deck = spec.area_deck(view, "ja", figs).deck
    fills = _layers(deck)["bureaus"]["getFillColor"]
    rows = json.loads(fills.removeprefix("@@=(").removesuffix(")[properties.i]"))
    assert len({tuple(r) for r in rows}) > 3  # classes across all 14, none dimmed
    # an overlay page's area filter (its figures' selection) dims the areas outside it
    assert view.outside(codes, frozenset({"12"})) == [c for c in codes if c != "12"]
