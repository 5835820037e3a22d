"""The filter state's round trip through the URL (regionmap.state)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionmap import figures, reference
from regionmap.state import (
    LAYERS,
    FilterState,
    from_query_params,
    month_range,
    query_filters,
    shown_year,
    to_query_params,
    with_area,
)

THEMES = (
    "pillar_economy",
    "pillar_people",
    "pillar_safety",
    "pillar_region",
    "dir_tourism",
    "dir_overseas",
    "dir_environment",
    "dir_community",
)


def parse(params, **kw):
    kw.setdefault("known_themes", THEMES)
    return from_query_params(params, **kw)


def test_empty_url_gives_the_default_view_without_notices():
    state, notices = parse({})
    assert state == FilterState(lang="ja")
    assert state.bureau is None and state.region is None and state.theme_ids == ()
    assert notices == []
    assert to_query_params(state) == {}


def test_bureau_chief_bookmark_opens_exactly_that_view():
    state, notices = parse(
        {"bureau": "sorachi", "lang": "en", "theme": "pillar_region", "fy": "2015"}
    )
    assert notices == []
    assert state.lang == "en"
    assert state.bureau == "sorachi" and state.bureau_code == "01"
    assert state.region == "doo" and state.region_code == "1"  # implied by the bureau
    assert state.theme_ids == ("pillar_region",)
    assert (state.fy_from, state.fy_to, state.fiscal_year) == (2015, 2015, 2015)
    assert to_query_params(state) == {
        "lang": "en",
        "theme": "pillar_region",
        "fy": "2015",
        "bureau": "sorachi",
    }


@pytest.mark.parametrize(
    "row", reference.bureaus().to_dict("records"), ids=lambda r: r["bureau_id"]
)
def test_every_bureau_by_id_or_code(row):
    by_id, n1 = parse({"bureau": row["bureau_id"]})
    by_code, n2 = parse({"bureau": row["bureau_code"]})
    assert n1 == n2 == []
    assert by_id == by_code
    assert by_id.bureau_code == row["bureau_code"]
    assert by_id.region_code == row["region_code"]


def test_region_by_id_or_code():
    a, _ = parse({"region": "kushiro_nemuro"})
    b, _ = parse({"region": "6"})
    assert a == b and a.region_code == "6" and a.bureau is None


def test_malformed_params_fall_back_to_defaults_with_a_notice_each():
    state, notices = parse({"bureau": "xxx", "fy": "abc", "theme": "zzz"})
    assert state.bureau is None and state.fy_to is None and state.theme_ids == ()
    assert len(notices) == 3
    joined = " ".join(notices)
    for name, value in (("bureau", "xxx"), ("fy", "abc"), ("theme", "zzz")):
        assert name in joined and value in joined
    assert all("既定値" in n for n in notices)  # Japanese by default


def test_notices_follow_the_language_of_the_url():
    _, notices = parse({"lang": "en", "metric": "nonsense"})
    assert notices == ["The URL parameter metric='nonsense' is not valid; the default is used."]


@pytest.mark.parametrize(
    "params",
    [
        {"lang": "fr"},
        {"fy": "1800"},
        {"fy": "2016-2014"},
        {"fy": "20155"},
        {"level": "planet"},
        {"layers": "labels,satellite"},
        {"muni": "011001"},  # wrong check digit (Sapporo is 011002)
        {"muni": "99999"},
        {"kind": "<script>"},
        {"mfrom": "2015-13"},
        {"region": "kanto"},
        {"slide": "²"},  # a digit to str.isdigit, not a number to int()
        {"slide": "３"},
        {"slide": "9"},
    ],
)
def test_each_kind_of_bad_value_is_refused_quietly(params):
    state, notices = parse(params)
    assert len(notices) == 1
    name = next(iter(params))
    assert name in notices[0]
    # the bad parameter did not leak into the state
    assert to_query_params(state).get(name) in (None, "labels")


def test_unknown_parameter_is_ignored_with_a_notice_and_streamlit_params_silently():
    state, notices = parse({"foo": "1", "embed": "true"})
    assert state == FilterState(lang="ja")
    assert len(notices) == 1 and "foo" in notices[0]


def test_region_that_does_not_hold_the_bureau_is_corrected():
    state, notices = parse({"region": "donan", "bureau": "sorachi"})
    assert state.region == "doo"
    assert len(notices) == 1 and "空知" in notices[0]


def test_fiscal_year_range_and_known_years():
    state, notices = parse({"fy": "2013-2015"})
    assert (state.fy_from, state.fy_to) == (2013, 2015) and notices == []
    assert to_query_params(state)["fy"] == "2013-2015"
    _, notices = parse({"fy": "1999"}, known_years=[2014, 2015])
    assert len(notices) == 1


def test_theme_order_follows_the_catalogue_and_repeated_params_are_read():
    state, _ = parse({"theme": ["dir_tourism", "pillar_economy"]})
    assert state.theme_ids == ("pillar_economy", "dir_tourism")
    state2, _ = parse({"theme": "dir_tourism,pillar_economy"})
    assert state2 == state


def test_municipality_code_in_six_digits_is_accepted():
    state, notices = parse({"muni": "011002"})
    assert notices == [] and state.muni == "01100"


def test_layers_can_be_switched_off_entirely():
    state, notices = parse({"layers": ""})
    assert notices == [] and state.layers == frozenset()
    assert to_query_params(state) == {"layers": ""}
    back, _ = parse(to_query_params(state))
    assert back.layers == frozenset()


def test_with_area_clears_the_municipality_and_sets_the_region():
    state = FilterState(lang="ja", muni="01100")
    moved = with_area(state, bureau="kushiro")
    assert (moved.bureau, moved.region, moved.muni) == ("kushiro", "kushiro_nemuro", None)
    assert with_area(moved) == FilterState(lang="ja")


_bureau_ids = list(reference.bureaus()["bureau_id"])
_region_ids = list(reference.regions()["region_id"])
_munis = list(reference.municipalities()["code"])


@st.composite
def states(draw):
    bureau = draw(st.none() | st.sampled_from(_bureau_ids))
    region = draw(st.none() | st.sampled_from(_region_ids))
    s = FilterState(
        lang=draw(st.sampled_from(["ja", "en"])),
        theme_ids=tuple(t for t in THEMES if draw(st.booleans())),
        metric=draw(st.sampled_from(figures.ids())),
        level=draw(st.sampled_from(["bureau", "region"])),
        layers=frozenset(name for name in LAYERS if draw(st.booleans())),
        muni=draw(st.none() | st.sampled_from(_munis)),
        kind=draw(st.none() | st.sampled_from(["regional", "site_shopping"])),
    )
    fy = draw(st.none() | st.tuples(st.integers(2010, 2020), st.integers(0, 3)))
    if fy:
        s = FilterState(**{**s.__dict__, "fy_from": fy[0], "fy_to": fy[0] + fy[1]})
    if bureau or region:
        s = with_area(s, bureau=bureau) if bureau else with_area(s, region=region)
        s = FilterState(**{**s.__dict__, "muni": None})
    return s


@settings(max_examples=150, deadline=None)
@given(states())
def test_round_trip_of_every_field(state):
    params = to_query_params(state)
    back, notices = parse(params)
    assert notices == []
    assert back == state


# --- the view's filters as query arguments ---------------------------------------------------


def test_query_filters_use_the_bureau_not_its_region_and_the_themes():
    s = FilterState(lang="ja", theme_ids=("dir_tourism",), bureau="sorachi", region="doo")
    assert query_filters(s) == {
        "theme_ids": ("dir_tourism",),
        "region_code": None,  # the bureau is the narrower filter
        "bureau_code": "01",
    }
    region_only = query_filters(FilterState(lang="ja", region="doo"))
    assert region_only == {"theme_ids": None, "region_code": "1", "bureau_code": None}
    # document lists get the common filters only, whatever the state holds
    assert query_filters(FilterState(lang="ja", kind="regional", muni="01100"), "proposals") == {
        "theme_ids": None,
        "region_code": None,
        "bureau_code": None,
    }


def test_query_filters_apply_the_kind_only_when_the_view_has_it():
    s = FilterState(lang="ja", kind="shopping")
    assert query_filters(s, "sites", kinds=["shopping", "salon"])["kind"] == "shopping"
    # a dispatch kind in the URL on the settlement page: ignored
    assert query_filters(s, "dispatches", kinds=["regional"])["kind"] is None
    assert query_filters(s, "sites")["kind"] is None  # no kinds known: no kind filter


def test_query_filters_of_sites_and_dispatches_use_the_year_the_page_shows():
    years = [2012, 2013, 2014, 2015]
    latest = FilterState(lang="ja")
    assert query_filters(latest, "sites", years=years)["fiscal_year"] == 2015
    f = query_filters(latest, "dispatches", years=years)
    assert (f["fiscal_year_from"], f["fiscal_year_to"]) == (2015, 2015)
    earlier = FilterState(lang="ja", fy_from=2012, fy_to=2013)
    assert query_filters(earlier, "sites", years=years)["fiscal_year"] == 2013
    # a year without figures: the latest, as the page shows
    assert (
        query_filters(FilterState(lang="ja", fy_to=2030), "sites", years=years)["fiscal_year"]
        == 2015
    )
    # without years the dispatch list has every year (the page's trend)
    assert "fiscal_year_from" not in query_filters(latest, "dispatches")
    assert shown_year(latest, []) is None


def test_query_filters_of_evacuees_follow_the_fiscal_year_to_months_rule():
    months = [f"{y}-{m:02d}" for y in (2013, 2014, 2015) for m in range(1, 13)]
    f = query_filters(FilterState(lang="ja", fy_to=2013), "evacuees", months=months)
    assert (f["month_from"], f["month_to"]) == ("2013-04", "2014-03")
    f = query_filters(FilterState(lang="ja"), "evacuees", months=months)
    assert (f["month_from"], f["month_to"]) == ("2013-01", "2015-12")
    # an explicit month range wins over the fiscal year
    s = FilterState(lang="ja", fy_to=2013, month_from="2014-06", month_to="2014-08")
    assert month_range(s, months) == ("2014-06", "2014-08")
    f = query_filters(FilterState(lang="ja", muni="01100"), "evacuees", months=[])
    assert (f["month_from"], f["month_to"], f["municipality_code"]) == (None, None, "01100")


def test_no_year_is_the_default_year_and_latest_is_a_choice():
    s, notices = from_query_params({}, default_fy=2015)
    assert notices == [] and s.fiscal_year == 2015 and s.fy_span == (2015, 2015)
    assert "fy" not in to_query_params(s)  # the default stays out of the URL
    latest, notices = from_query_params({"fy": "latest"}, default_fy=2015)
    assert notices == [] and latest.latest and latest.fiscal_year is None
    assert to_query_params(latest)["fy"] == "latest"
    chosen, _ = from_query_params({"fy": "2013"}, default_fy=2015)
    assert chosen.fiscal_year == 2013 and not chosen.latest
    # without a known default (no database), no year means the latest, as before
    assert from_query_params({})[0].fiscal_year is None


# --- URL numbers are ASCII digits only (issue 21, defect 4) ----------------------------------

#: Characters Python calls digits (str.isdigit, or \d in a regular expression) that are not
#: the ASCII 0-9 a URL writes: superscripts, full-width, Arabic-Indic, Devanagari, circled.
UNICODE_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹０１２３４５６７８９٠١٢٣٤٥٦٧٨٩०१२३४५६७८९①②③₂₀"


@pytest.mark.parametrize(
    "params",
    [
        {"fy": "²⁰¹⁵"},  # str.isdigit() is True, int() raises
        {"fy": "２０１５"},  # a decimal digit to int(), not ASCII
        {"fy": "²⁰¹³-²⁰¹⁵"},
        {"fy": "٢٠١٥"},
        {"mfrom": "２０１５-０３"},
        {"mto": "²⁰¹⁵-⁰³"},
        {"muni": "０１１００"},
        {"muni": "⁰¹¹⁰⁰"},
        {"muni": "01-100"},
        {"bureau": "¹"},
        {"region": "¹"},
    ],
)
def test_url_numbers_in_other_digits_are_refused_with_a_notice(params):
    state, notices = parse(params)
    name = next(iter(params))
    assert len(notices) == 1 and name in notices[0], notices
    assert to_query_params(state) == {}


def _unicode_numbers():
    digits = st.sampled_from(UNICODE_DIGITS + "0123456789")
    number = st.text(digits, min_size=1, max_size=7)
    return st.one_of(
        number,
        st.builds(lambda a, b: f"{a}-{b}", number, number),
        st.text(st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=8),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(["lang", "theme", "fy", "region", "bureau", "metric", "level",
                            "layers", "muni", "kind", "mfrom", "mto", "by", "present",
                            "slide"])),
    _unicode_numbers(),
)  # fmt: skip
def test_every_url_key_with_unicode_digits_never_raises_and_keeps_only_ascii(key, value):
    state, notices = parse({key: value})
    written = to_query_params(state)
    # whatever was read back out of the URL is written in ASCII digits
    assert all(v.isascii() for v in written.values()), written
    if not value.isascii():
        assert notices, (key, value)
