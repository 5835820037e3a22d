"""Every map has a text alternative (issue #27): what it shows, its classes, and in one
sentence its highest and lowest areas — the page's map (browser: tests/test_a11y_browser.py),
the slide's and the handout's map (:attr:`regionmap.render.mapimage.MapSpec.alt`), and the
handout PDF tagged with its language and carrying the map's alt text."""

from __future__ import annotations

import re

import pytest

from regionmap import db
from regionmap.maps import describe
from regionmap.render import handout, mapimage


def test_the_sentence_names_the_highest_and_lowest_areas():
    names = {"01": "空知", "02": "石狩", "03": "後志", "04": "胆振"}
    values = {"01": 3.0, "02": 9.0, "03": 1.0, "04": 1.0}
    text = describe.alt_text("派遣職員", values, names, "人", "ja", classes=["0–4人", "5–9人"])
    assert text.startswith("地図：派遣職員。")
    assert "色の区分は0–4人、5–9人。" in text
    assert "最も多いのは石狩（9人）、最も少ないのは後志、胆振（1人）です。" in text
    en = describe.alt_text("Staff", values, names | {"02": "Ishikari"}, "人", "en")
    assert "Highest: Ishikari (9 persons)" in en
    assert describe.alt_text("x", {}, names, "", "ja").endswith("数値のある地域はありません。")


def test_ties_beyond_three_are_counted_not_listed():
    names = {str(i): f"町{i}" for i in range(6)}
    text = describe.extremes_text(dict.fromkeys(names, 0.0) | {"5": 2.0}, names, "人", "ja")
    assert "最も少ないのは町0、町1、町2ほか2地域（0人）" in text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_slide_and_handout_maps_say_their_highest_area(geo_dir, db_path, lang):
    con = db.connect(db_path)
    spec = mapimage.view_spec("hokkaido", None, "dispatch", "bureau", None, None, lang, con)
    values = db.metric_by_area("dispatch", level="bureau", con=con)
    by_code = dict(zip(values["area_code"].astype(str), values["value"], strict=True))
    high, _, _, _ = describe.extremes(by_code)
    assert describe.area_names("bureau", lang)[high[0]] in spec.alt
    assert spec.title in spec.alt


def test_the_handout_is_tagged_with_its_language_and_its_map_has_alt_text(geo_dir, db_path):
    con = db.connect(db_path)
    pdf = handout.build_handout("bureau", "iburi", con=con)
    assert b"/Lang (ja)" in pdf
    assert b"/StructTreeRoot" in pdf and b"/MarkInfo" in pdf
    alts = [
        bytes.fromhex(m.decode()).decode("utf-16") for m in re.findall(rb"/Alt <([0-9a-f]+)>", pdf)
    ]
    # the map of 胆振's towns: what it shows, its classes, its highest and lowest towns
    assert any(
        a.startswith("地図：派遣職員（市町村別") and "色の区分は" in a and "最も多いのは" in a
        for a in alts
    ), alts
