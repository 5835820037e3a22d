"""Map layers: static boundary files, deck spec, colours, labels, tooltip, view."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from regionmap.maps import deckgl, scales, static
from regionmap.render import mapimage
from regionmap.style import SEQUENTIAL


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("static")


@pytest.fixture(scope="module")
def layers(geo_dir, static_dir):
    return {
        name: static.publish_layer(name, "overview", static_dir=static_dir, geo_dir=geo_dir)
        for name in ("bureaus", "regions", "municipalities")
    }


def _colour_at(expression: str, i: int):
    """Evaluate our ``@@=([...])[properties.i]`` expression for feature ``i``."""
    m = re.fullmatch(r"@@=\((\[.*\])\)\[properties\.i\]", expression)
    assert m, expression
    return json.loads(m.group(1))[i]


def test_layers_are_written_once_as_compact_static_files(layers, static_dir):
    for name, layer in layers.items():
        assert layer.path.parent == static_dir / "layers"
        assert re.fullmatch(rf"{name}-overview-[0-9a-f]{{12}}\.json", layer.path.name)
        assert layer.url == f"app/static/layers/{layer.path.name}"
        raw = layer.path.read_bytes()
        assert layer.nbytes == len(raw)
        assert b"\n" not in raw and b", " not in raw  # compact
        doc = json.loads(raw)
        assert doc["type"] == "FeatureCollection"
        feats = doc["features"]
        assert [f["properties"]["i"] for f in feats] == list(range(len(feats)))
        assert tuple(f["properties"]["code"] for f in feats) == layer.codes
        # figures never go into the file: only identity and names
        for f in feats:
            assert set(f["properties"]) <= {
                "i", "k", "code", "bureau_id", "region_id", "name_ja", "name_en",
                "region_code", "bureau_code",
            }  # fmt: skip
            # coordinates rounded to 3 decimals at overview level
            coords = json.dumps(f["geometry"]["coordinates"])
            assert not re.search(r"\d+\.\d{4,}", coords)
    assert len(layers["bureaus"].codes) == 14 and len(layers["regions"].codes) == 6
    assert len(layers["municipalities"].codes) == 185


def test_payload_targets_for_the_first_load(layers):
    # bureaus + regions at overview level: at most 150 KB, municipalities at most 400 KB
    assert layers["bureaus"].nbytes + layers["regions"].nbytes <= 150_000
    assert layers["municipalities"].nbytes <= 400_000


def test_publishing_again_reuses_the_file(layers, static_dir, geo_dir):
    again = static.publish_layer("bureaus", "overview", static_dir=static_dir, geo_dir=geo_dir)
    assert again == layers["bureaus"]
    mtime = again.path.stat().st_mtime_ns
    static.clear_caches()
    rebuilt = static.publish_layer("bureaus", "overview", static_dir=static_dir, geo_dir=geo_dir)
    assert rebuilt.path == again.path and rebuilt.path.stat().st_mtime_ns == mtime


NORTHERN_TERRITORIES = {"01695", "01696", "01697", "01698", "01699", "01700"}


def test_hiding_the_northern_territories_publishes_a_layer_without_them(
    layers, static_dir, geo_dir, monkeypatch
):
    shown = layers["municipalities"]
    assert set(shown.codes) >= NORTHERN_TERRITORIES
    monkeypatch.setenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES", "true")
    hidden = static.publish_layer(
        "municipalities", "overview", static_dir=static_dir, geo_dir=geo_dir
    )
    assert not set(hidden.codes) & NORTHERN_TERRITORIES
    assert len(hidden.codes) == len(shown.codes) - 6 and hidden.url != shown.url
    monkeypatch.delenv("REGIONMAP_HIDE_NORTHERN_TERRITORIES")
    again = static.publish_layer(
        "municipalities", "overview", static_dir=static_dir, geo_dir=geo_dir
    )
    assert again == shown


def test_label_points_lie_inside_their_bounds(layers):
    for layer in layers.values():
        for (lon, lat), (minx, miny, maxx, maxy) in zip(
            layer.label_points, layer.bounds, strict=True
        ):
            assert minx <= lon <= maxx and miny <= lat <= maxy


def test_colour_scale_is_classed_cividis_from_light_to_dark():
    scale = scales.color_scale([0, 3, 7, 12, 15])
    assert scale.edges[0] == 0 and scale.edges[-1] >= 15
    assert scale.colors[0] == SEQUENTIAL[0] and scale.colors[-1] == SEQUENTIAL[-1]
    assert scale.color_of(0)[:3] == list(SEQUENTIAL[0])
    assert scale.color_of(15)[:3] == list(SEQUENTIAL[-1])
    assert scale.color_of(None)[:3] != scale.color_of(0)[:3]
    legend = scale.legend("人", "ja")
    assert len(legend) == len(scale.colors)
    assert legend[0][1].startswith("0") and legend[0][1].endswith("人")
    assert legend[-1][1].endswith("人") and "," not in legend[-1][1]
    assert scales.color_scale([1200, 2500]).legend("人", "en")[-1][1].endswith("persons")
    assert scales.color_scale([0, 0]).colors == (SEQUENTIAL[0],)


def test_area_layers_colour_each_feature_by_index_and_have_fixed_ids(layers):
    b = layers["bureaus"]
    colours = [[i, 0, 255 - i, 200] for i in range(14)]
    built = deckgl.area_layers("bureaus", b, fill_colors=colours)
    spec = json.loads(
        deckgl.make_deck(built, deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS)).to_json()
    )
    fill, lines = spec["layers"]
    assert fill["id"] == "bureaus" and fill["@@type"] == "GeoJsonLayer"
    assert fill["data"] == b.url
    for i in (0, 7, 13):
        assert _colour_at(fill["getFillColor"], i) == colours[i]
    trig = fill["updateTriggers"]["getFillColor"]
    other = deckgl.area_layers("bureaus", b, fill_colors=[[0, 0, 0, 200]] * 14)[0]
    assert other.update_triggers["getFillColor"] != trig
    # the outlines of the same file, drawn above the fill
    assert lines["id"] == "bureaus-lines" and lines["data"] == b.url
    assert lines["lineWidthUnits"] == "pixels" and not lines["filled"]


def test_a_clickable_area_is_picked_by_its_fill_alone(layers):
    """deck.gl picks synchronously on pointer-down and drops the click if that takes more
    than 250 ms: the outlines (the costly PathLayer) stay out of the picking pass."""
    fill, lines = deckgl.area_layers(
        "municipalities", layers["municipalities"], fill_colors=[[1, 2, 3, 4]] * 185
    )
    assert fill.pickable and fill.filled and not fill.stroked
    assert not lines.pickable and lines.stroked and not lines.filled
    # outlines-only or not clickable: one layer, as before
    (outline,) = deckgl.area_layers("regions", layers["regions"], line_width=3, pickable=False)
    assert outline.stroked and not outline.pickable
    (not_clickable,) = deckgl.area_layers(
        "bureaus", layers["bureaus"], fill_colors=[[1, 2, 3, 4]] * 14, pickable=False
    )
    assert not_clickable.filled and not_clickable.stroked and not not_clickable.pickable


def test_deck_spec_is_compact_offline_and_carries_no_geometry(layers):
    deck = deckgl.make_deck(
        [
            *deckgl.area_layers("bureaus", layers["bureaus"], fill_colors=[[1, 2, 3, 4]] * 14),
            *deckgl.area_layers("regions", layers["regions"], line_width=3),
            deckgl.label_layer("labels-bureaus", deckgl.labels_of(layers["bureaus"], "ja")),
        ],
        deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS),
    )
    text = deck.to_json()
    assert "\n" not in text
    assert "coordinates" not in text
    assert "cartocdn" not in text and "mapbox" not in text
    spec = json.loads(text)
    assert spec["mapStyle"] == "__MAP_STYLE__"  # Streamlit's "no basemap" sentinel
    ids = [lay["id"] for lay in spec["layers"]]
    assert ids == ["bureaus", "bureaus-lines", "regions", "labels-bureaus"]
    assert len(text.encode()) < 20_000
    # the same deck built twice is the same spec (no random ids)
    again = deckgl.make_deck(
        [
            *deckgl.area_layers("bureaus", layers["bureaus"], fill_colors=[[1, 2, 3, 4]] * 14),
            *deckgl.area_layers("regions", layers["regions"], line_width=3),
            deckgl.label_layer("labels-bureaus", deckgl.labels_of(layers["bureaus"], "ja")),
        ],
        deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS),
    )
    assert again.to_json() == text


def test_japanese_labels_carry_their_character_set_and_font(layers):
    rows = deckgl.labels_of(layers["bureaus"], "ja")
    assert sorted(r["text"] for r in rows) == sorted(
        ["空知", "石狩", "後志", "胆振", "日高", "渡島", "檜山", "上川", "留萌", "宗谷",
         "オホーツク", "十勝", "釧路", "根室"]
    )  # fmt: skip
    spec = json.loads(deckgl.Deck(layers=[deckgl.label_layer("labels", rows)]).to_json())
    lay = spec["layers"][0]
    assert lay["@@type"] == "TextLayer"
    assert set("".join(r["text"] for r in rows)) <= set(lay["characterSet"])
    assert lay["fontFamily"].startswith('"Noto Sans CJK JP"')  # a literal, not an expression
    assert lay["getTextAnchor"] == "middle"
    assert deckgl.labels_of(layers["bureaus"], "en")[0]["text"] == "Sorachi"


def test_tooltip_shows_the_hovered_areas_line_only(layers):
    b = layers["bureaus"]
    lines = {b.key_of(c): f"{n}人 · 2015年度" for n, c in enumerate(b.codes)}
    tip = deckgl.tooltip(lines, lang="ja")
    html = tip["html"]
    assert "{name_ja}" in html and "{k}" in html
    assert "[data-k]{display:none}" in html and "[data-k='{k}']{display:block}" in html
    assert '<div data-k="b01">0人 · 2015年度</div>' in html
    assert html.count('data-k="b') == 14
    # at most three short lines: the name, then the figure line (with "sample" in it)
    shown = re.sub(r"<style>.*?</style>", "", html)
    assert re.fullmatch(
        r"<div class='rm-tt'><b>\{name_ja\}</b>(<div data-k=\"b\d+\">[^<]*</div>)+</div>", shown
    )
    assert max(len(line) for line in lines.values()) <= 40
    assert "{name_en}" in deckgl.tooltip(lines, lang="en")["html"]


def test_figure_line_has_figure_unit_year_and_sample_mark():
    line = deckgl.figure_line(2500, unit_ja="人", fiscal_year=2014, is_sample=True, lang="ja")
    assert line == "2,500人 · 2014年度（サンプル）"
    line_en = deckgl.figure_line(
        3, unit_ja="projects", fiscal_year=2015, is_sample=False, lang="en"
    )
    assert line_en == "3 projects · FY2015"


def test_figure_line_of_a_month_figure_says_its_month_not_a_fiscal_year():
    # evacuees are counted at a month: the overlay maps write "as of <month>"
    line = deckgl.figure_line(
        12, unit_ja="人", fiscal_year=None, when="2016年3月時点", is_sample=True, lang="ja"
    )
    assert line == "12人 · 2016年3月時点（サンプル）"
    line_en = deckgl.figure_line(
        1, unit_ja="人", fiscal_year=2015, when="as of Mar 2016", is_sample=False, lang="en"
    )
    assert line_en == "1 person · as of Mar 2016"


def test_view_fits_the_bounds(layers):
    hokkaido = deckgl.view_for_bounds(static.HOKKAIDO_BOUNDS)
    assert 141 < hokkaido.longitude < 146 and 42 < hokkaido.latitude < 45
    b = layers["bureaus"]
    for code in b.codes:
        minx, miny, maxx, maxy = b.bounds_of([code])
        v = deckgl.view_for_bounds((minx, miny, maxx, maxy))
        assert minx <= v.longitude <= maxx and miny <= v.latitude <= maxy
        assert v.zoom > hokkaido.zoom
        # the same bounds give exactly the same view (Streamlit keeps the user's pan/zoom)
        assert deckgl.view_for_bounds((minx, miny, maxx, maxy)).__dict__ == v.__dict__


def test_selection_layer_outlines_only_the_selected_area(layers):
    r = layers["regions"]
    spec = json.loads(deckgl.Deck(layers=[deckgl.selection_layer("sel", r, ["2"])]).to_json())
    lay = spec["layers"][0]
    assert lay["data"] == r.url and not lay["filled"] and not lay["pickable"]
    visible = [i for i in range(6) if _colour_at(lay["getLineColor"], i)[3] > 0]
    assert visible == [r.codes.index("2")]
    assert _colour_at(lay["getLineWidth"], r.codes.index("2")) == 4.0


def test_gsi_background_is_a_style_file_with_its_attribution(static_dir):
    url = static.publish_gsi_style(static_dir)
    assert url == "app/static/layers/gsi-pale-style.json"
    style = json.loads((static_dir / "layers" / "gsi-pale-style.json").read_text("utf-8"))
    src = style["sources"]["gsi"]
    assert src["tiles"] == [static.GSI_TILES] and src["attribution"] == "出典：国土地理院"


def test_number_format_shared_by_maps_and_charts():
    from regionmap.style import format_delta, format_number

    assert format_number(2500, "人") == "2,500人"
    assert format_number(42, "市町村") == "42市町村"
    assert format_number(3, "箇所") == "3箇所"
    assert format_number(1234567, "件") == "1,234,567件"
    assert format_number(2.5, "人") == "2.5人"
    assert format_number(2500, "人", "en") == "2,500 persons"
    assert format_number(1, "persons", "en") == "1 person"
    assert format_number(None, "人") == "—"
    assert format_delta(-178, "人") == "-178人"
    assert format_delta(0, "件") == "±0件"
    assert format_delta(13, "箇所") == "+13箇所"
    assert format_delta(None) is None


def test_ranked_bar_chart_title_order_and_highlight():
    import pandas as pd

    from regionmap.render.charts import ranked_bar
    from regionmap.style import ACCENT, FONT_FAMILY

    frame = pd.DataFrame({"name": ["空知", "石狩", "後志"], "value": [5, 12, 1]})
    fig = ranked_bar(
        frame, label="name", value="value", title="派遣職員（人）— 全道、2016年度", unit="人",
        highlight="石狩",
    )  # fmt: skip
    bar = fig.data[0]
    assert list(bar.y) == ["後志", "空知", "石狩"]  # largest on top (plotly draws bottom-up)
    assert list(bar.text) == ["1人", "5人", "12人"]
    assert bar.marker.color[-1] == ACCENT and bar.marker.color[0] != ACCENT
    assert fig.layout.title.text.endswith("2016年度")
    assert fig.layout.font.family == FONT_FAMILY and fig.layout.xaxis.tickformat == ",d"


def test_legend_swatches_are_as_translucent_as_the_map_fills():
    scale = scales.color_scale([3, 9, 14])
    fill = scale.color_of(13)
    swatches = dict(
        (text, colour) for colour, text in scale.legend("人", "ja", alpha=scales.FILL_ALPHA)
    )
    r, g, b, a = fill
    assert f"rgba({r}, {g}, {b}, {a / 255:.3f})" in swatches.values()
    assert a == scales.FILL_ALPHA < 255


def test_one_figure_has_one_colour_on_every_map():
    """The bureau view, the overlay pages and the handouts class counts the same way."""

    values = [0, 2, 2, 5, 9, 14, 40]
    scale = scales.count_scale(values)
    colours, _legend = mapimage.classify(pd.Series(values), "ja")
    expected = ["#{:02x}{:02x}{:02x}".format(*scale.color_of(v)[:3]) for v in values]
    assert [c.lower() for c in colours] == expected


def test_english_legend_says_one_person():
    labels = [text for _c, text in scales.count_scale([0, 1, 3]).legend("persons", "en")]
    assert labels[:2] == ["0 persons", "1 person"]


def test_a_layer_is_made_once_for_viewers_arriving_at_once():
    """maps/ caches without Streamlit (issue #22): concurrent first calls of one key make it
    once and all get the same object; the oldest beyond the limit is made again."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    calls: list[int] = []

    @static.made_once(max_entries=2)
    def make(x: int) -> object:
        calls.append(x)
        time.sleep(0.05)
        return object()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(make, [1] * 8))
    assert calls == [1] and all(g is got[0] for g in got)
    assert make(1) is got[0]
    make(2)
    make(3)  # beyond two: the first is dropped
    assert make(1) is not got[0] and calls == [1, 2, 3, 1]
    make.clear()
    make(3)
    assert calls[-1] == 3 and len(calls) == 5
