"""Where the names go (issue #20): the one placement rule of every map
(:mod:`regionmap.maps.labels`), the deck.gl layers made of it, the still, the PNG, the
slides and the handouts. The browser side (what deck.gl draws at every pixel ratio) is in
``tests/test_labels_browser.py``."""

from __future__ import annotations

import io
import json
import math

import pytest
import test_browser as tb
from shapely.geometry import box

from regionmap import reference
from regionmap.maps import deckgl, labels, scales, spec, static
from regionmap.render import mapimage
from regionmap.state import FilterState
from regionmap.ui.views import present

BUREAU_IDS = list(reference.bureaus()["bureau_id"])


@pytest.fixture(scope="module", autouse=True)
def _ready(geo_dir, db_path):
    """Layers and database exist."""


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


def _inside(b, frame) -> bool:
    return b[0] >= frame[0] and b[1] >= frame[1] and b[2] <= frame[2] and b[3] <= frame[3]


def _overview(state: FilterState, lang: str, layer: str) -> labels.Placement:
    view = spec.view_for(state.map_area())
    return spec.placed_names(
        (view.longitude, view.latitude, view.zoom), lang, static.publish_layer(layer), None
    )


# --- the overview: every name, always -----------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("layer", ["bureaus", "regions"])
def test_every_bureau_and_region_is_named_apart_on_the_smallest_screen(lang, layer):
    placement = _overview(FilterState(), lang, layer)
    published = static.publish_layer(layer)
    expected = {r["text"] for r in deckgl.labels_of(published, lang)}
    assert {p.text for p in placement.placed} == expected  # none dropped
    assert len(placement.placed) == len(published.codes) and placement.unnamed == ()
    view = spec.view_for(FilterState().map_area())
    plane = labels.view_plane(
        view.longitude, view.latitude, view.zoom, deckgl.FIT_WIDTH, deckgl.FIT_HEIGHT
    )
    # placed on the 1280x720 screen's map (648x458 of 760x540), inside it, none over another
    assert plane.frame[2] <= 0.85 * deckgl.FIT_WIDTH and plane.frame[3] <= 0.85 * 540
    boxes = [p.box for p in placement.placed]
    assert _overlaps(boxes) == []
    assert all(_inside(b, plane.frame) for b in boxes)
    # a name stays by its area: in it, or joined to it by a leader line
    for p in placement.placed:
        shape = static.layer_frame(published).set_index("code").loc[p.code, "geometry"]
        x, y = plane.point(*p.at)
        centre_in_area = plane.geometry(shape).buffer(1.0).contains(box(x - 0.1, y - 0.1, x, y))
        assert centre_in_area or p.leader, (lang, p.text)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_name_layers_keep_names_apart_at_any_map_size(lang):
    """The names are as large as placed on the smallest screen's map and never larger; on a
    smaller map (a phone) they shrink with it, so names placed apart stay apart."""
    deck = spec.area_deck(FilterState().map_area("bureau"), lang, None).deck
    view = deck.initial_view_state
    (layer,) = [
        lay for lay in json.loads(deck.to_json())["layers"] if lay["id"] == "labels-bureaus"
    ]
    assert layer["sizeUnits"] == "common" and layer["sizeMaxPixels"] == 14
    zoom_1280 = view.zoom + math.log2(labels.REFERENCE_SCALE)  # the 648x458 map
    assert layer["getSize"] * 2**zoom_1280 == pytest.approx(14, rel=1e-4)
    assert "extensions" not in layer and "collisionEnabled" not in layer
    # every name is in the layer, where it was placed
    placed = _overview(FilterState(), lang, "bureaus").placed
    assert [row["position"] for row in layer["data"]] == [list(p.at) for p in placed]


def test_a_bureau_page_names_the_bureau_towns_and_the_neighbours_in_grey():
    deck = spec.area_deck(
        FilterState(bureau="tokachi").map_area("municipality", focus=True), "ja", None
    ).deck
    layers = {lay["id"]: lay for lay in json.loads(deck.to_json())["layers"]}
    towns = {row["text"] for row in layers["labels-municipalities"]["data"]}
    tokachi = reference.municipalities().query("bureau_code == '12' and kind == 'municipality'")
    assert towns == set(tokachi["name_ja"])  # all 19 fit on the smallest screen
    neighbours = {row["text"] for row in layers["labels-bureaus"]["data"]}
    assert {"釧路", "日高", "上川"} <= neighbours and "十勝" not in neighbours
    assert layers["labels-bureaus"]["getColor"] == list(scales.CONTEXT_INK)
    assert layers["labels-bureaus"]["sizeMaxPixels"] == labels.LABEL_SIZE["context"]


# --- a bureau page: the seat always, the others by the stated rule ---------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("bureau_id", BUREAU_IDS)
def test_every_bureau_page_names_its_seat_and_then_the_largest(bureau_id, lang):
    b = reference.bureaus().set_index("bureau_id").loc[bureau_id]
    view = spec.view_for(FilterState(bureau=bureau_id).map_area())
    munis = static.publish_layer("municipalities", where=("bureau_code", [b["bureau_code"]]))
    placement = tb.bureau_page_placement(bureau_id, lang)
    own = placement.styled("main")
    named = {p.code for p in own}
    assert b["seat_code"] in named, (bureau_id, lang)  # the seat, always
    assert named | set(placement.unnamed) >= set(munis.codes)  # every town: named or on hover
    # the rule: the seat, the other cities, then towns and villages by land area; at least
    # the three first are named on every bureau's map, in both languages
    areas = static.layer_frame(munis)
    rank = labels.town_rank(
        list(areas["code"]),
        dict(zip(areas["code"], areas["name_ja"], strict=True)),
        dict(zip(areas["code"], areas["area_km2"], strict=True)),
        [b["seat_code"]],
    )
    first = sorted(rank, key=rank.get)[:3]
    assert set(first) <= named, (bureau_id, lang, first, named)
    plane = labels.view_plane(
        view.longitude, view.latitude, view.zoom, deckgl.FIT_WIDTH, deckgl.FIT_HEIGHT
    )
    boxes = [p.box for p in placement.placed]  # the towns' and the neighbours' names
    assert _overlaps(boxes) == [] and all(_inside(x, plane.frame) for x in boxes)
    if bureau_id == "tokachi" and lang == "ja":
        assert placement.unnamed == ()  # all 19 fit


def test_town_rank_puts_the_seat_then_cities_then_the_largest_towns():
    names = {"a": "大町", "b": "小市", "c": "本市", "d": "広村", "e": "狭町"}
    areas = {"a": 500.0, "b": 10.0, "c": 50.0, "d": 900.0, "e": 5.0}
    rank = labels.town_rank(list(names), names, areas, seats=["c"])
    assert sorted(rank, key=rank.get) == ["c", "b", "d", "a", "e"]


def test_a_name_with_a_leader_line_sits_on_a_plate_the_line_ends_under():
    deck = spec.area_deck(
        FilterState(bureau="kamikawa").map_area("municipality", focus=True), "en", None
    ).deck
    layers = {lay["id"]: lay for lay in json.loads(deck.to_json())["layers"]}
    leaders = layers["labels-municipalities-leaders"]  # 下川 goes out with a leader line
    assert leaders["@@type"] == "PathLayer" and leaders["widthUnits"] == "pixels"
    assert leaders["getWidth"] <= 2 and leaders["getColor"][:3] == list(scales.LEADER_LINE)
    names = layers["labels-municipalities"]
    assert names["background"] is True
    assert names["getBackgroundColor"] == "@@=plate" and names["getBorderColor"] == "@@=edge"
    plated = [row for row in names["data"] if row["plate"][3] > 0]
    assert [row["position"] for row in plated] == [d["path"][1] for d in leaders["data"]]
    assert all(row["plate"][:3] == list(scales.LABEL_HALO) for row in plated)
    assert all(row["plate"] == [0, 0, 0, 0] for row in names["data"] if row not in plated)
    ids = list(layers)
    assert ids.index("labels-municipalities-leaders") < ids.index("labels-municipalities")


def test_the_tooltip_names_the_towns_left_unnamed_in_either_language():
    munis = static.publish_layer("municipalities", where=("bureau_code", ["04"]))
    doc = json.loads(munis.path.read_bytes())
    for feature in doc["features"]:
        props = feature["properties"]
        assert props["name_ja"] and props["name_en"]  # the tooltip's {name_ja} / {name_en}
    tip = deckgl.tooltip({}, lang="en")
    assert "{name_en}" in tip["html"]


# --- the rule on made-up areas -------------------------------------------------------------


def _plane(width=200.0, height=100.0) -> labels.Plane:
    """A plane where lon/lat are pixels (y down), names measured 10 px per character."""
    return labels.Plane(
        lambda x, y: (x, y),
        lambda x, y: (x, y),
        (0.0, 0.0, width, height),
        measure=lambda text, size: 0.6 * size * len(text),
    )


def test_a_name_that_does_not_fit_its_area_goes_into_the_sea_with_a_leader():
    # a small coastal area (10x10) between two large ones, the sea below y = 60
    small, left, right = box(95, 50, 105, 60), box(10, 10, 95, 60), box(105, 10, 190, 60)
    land = small.union(left).union(right)
    names = [
        labels.Name("s", "Ishikari", (100, 55), small, 12),
        labels.Name("l", "Left", (50, 35), left, 12),
        labels.Name("r", "Right", (150, 35), right, 12),
    ]
    placement = labels.place(names, _plane(), land)
    by_code = {p.code: p for p in placement.placed}
    assert set(by_code) == {"s", "l", "r"}
    s = by_code["s"]
    assert s.leader and s.anchor == (100, 55)
    assert not box(*s.box).intersects(land)  # in the sea
    assert not by_code["l"].leader and not by_code["r"].leader
    assert _overlaps([p.box for p in placement.placed]) == []


def test_required_names_are_never_dropped_optional_ones_are():
    # eight tiny areas in a row, no sea near enough: no name fits in its area
    areas = [box(10 + 10 * i, 40, 20 + 10 * i, 50) for i in range(8)]
    land = box(0, 0, 200, 100)
    names = [
        labels.Name(f"a{i}", f"Name{i}", (15 + 10 * i, 45), a, 10, required=i < 3, rank=i)
        for i, a in enumerate(areas)
    ]
    placement = labels.place(names, _plane(), land)
    named = {p.code for p in placement.placed}
    assert {"a0", "a1", "a2"} <= named  # required: never dropped
    assert set(placement.unnamed) == {f"a{i}" for i in range(8)} - named
    assert _overlaps([p.box for p in placement.placed]) == []


def test_english_town_names_are_short_on_the_map_and_bureau_names_in_japanese():
    assert labels.map_text("municipalities", "帯広市", "Obihiro City", "en") == "Obihiro"
    assert labels.map_text("municipalities", "帯広市", "Obihiro City", "ja") == "帯広市"
    assert labels.map_text("bureaus", "石狩振興局", "Ishikari", "ja") == "石狩"
    assert labels.map_text("bureaus", "空知総合振興局", "Sorachi", "en") == "Sorachi"


# --- legible: the halo --------------------------------------------------------------------


def test_names_read_at_4_5_to_1_against_their_halo_whatever_the_fill():
    from regionmap.ui.views import regional

    for ink in (scales.LABEL_INK, scales.CONTEXT_INK, regional.GROUP_INK):
        assert scales.contrast(ink, scales.LABEL_HALO) >= 4.5
    deck = spec.area_deck(FilterState().map_area("bureau"), "en", None).deck
    (layer,) = [
        lay for lay in json.loads(deck.to_json())["layers"] if lay["id"] == "labels-bureaus"
    ]
    assert layer["outlineColor"] == [*scales.LABEL_HALO, 255]  # opaque
    assert layer["getColor"] == list(scales.LABEL_INK)
    # deck.gl draws 0.75 of outlineWidth (in pixels of its font atlas) around each glyph,
    # as far as the distance field reaches: at least 2 px on the smallest names (12 px)
    settings = layer["fontSettings"]
    halo_px = (
        0.75 * layer["outlineWidth"] / settings["fontSize"] * labels.LABEL_SIZE["municipality"]
    )
    assert halo_px >= 2.0
    assert 0.75 * layer["outlineWidth"] <= 0.75 * settings["radius"] <= settings["buffer"]


# --- the still, the PNG, the slides ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_still_carries_every_bureau_name(lang):
    from PIL import Image

    view = mapimage.view_spec("hokkaido", None, "dispatch", "bureau", None, None, lang)
    placement = mapimage.preview_names(view)
    expected = {r["text"] for r in deckgl.labels_of(static.publish_layer("bureaus"), lang)}
    assert {p.text for p in placement.placed} == expected
    assert _overlaps([p.box for p in placement.placed]) == []
    img = Image.open(io.BytesIO(mapimage.preview_png(view))).convert("RGBA")
    ink = scales.LABEL_INK
    for p in placement.placed:  # the ink of every name where it was placed
        x0, y0, x1, y1 = (round(v) for v in p.box)
        pixels = [img.getpixel((x, y)) for x in range(x0, x1) for y in range(y0, y1)]
        dark = sum(
            1
            for r, g, b, a in pixels
            if a > 200 and max(abs(r - ink[0]), abs(g - ink[1]), abs(b - ink[2])) < 40
        )
        assert dark > 20, (lang, p.text, dark)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize(
    "where", [("hokkaido", None), ("bureau", "tokachi"), ("bureau", "ishikari")]
)
def test_slides_and_pngs_follow_the_rule(where, lang):
    """The slide's map (names 16 px where it is shown at 1280x720) and the PNG download:
    every bureau named, or the seat and the largest towns, none over another."""
    view = mapimage.view_spec(*where, "dispatch", "bureau", None, None, lang)
    label_pt = present.slide_type_pt()[0]
    for size, width, height in (
        (label_pt * 100 / 72, 1400, 1050 * 0.86),
        (13 * 100 / 72, 1600, 860),
    ):
        extent = mapimage.fit_extent(view.bounds, width, height)
        placement = mapimage.place_names(view, extent, (0, 0, width, height), size)
        named = {p.code for p in placement.placed if p.style == "main"}
        if where[0] == "hokkaido":
            assert len(named) == 14
        else:
            seat = reference.bureaus().set_index("bureau_id").loc[where[1], "seat_code"]
            assert seat in named
        assert _overlaps([p.box for p in placement.placed]) == []
