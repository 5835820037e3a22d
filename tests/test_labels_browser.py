"""Every name drawn at every pixel ratio (issue #20), in Debian chromium.

deck.gl's collision filter, which hid names that would overlap, drew none at a device
pixel ratio of 1.5 or 2 (its collision map is sized from one pixel ratio and drawn at
another), so the overview of a Retina laptop or a Windows laptop at 125-150 % showed no
bureau names. Names are now placed on the server (:mod:`regionmap.maps.labels`); these
tests ask deck.gl which names it drew (:func:`test_browser.drawn_names`) on the overview and
on a bureau page, at the screens people present on (1280x720, 1366x768, 1920x1080), at
ratios 1.5 and 2 (1 in ``tests/test_layouts.py``), in both languages:

- the overview: all 14 bureau names, none over another, at their full size;
- 十勝's page: the names the server placed (the seat always, the other towns by the stated
  rule, all 19 where they fit), none over another or over the neighbours' grey names; a
  town left unnamed is named by the tooltip.

Screenshots go to ``test-artifacts/labels/``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import test_browser as tb
from test_layouts import SCREENS, _wait_fitted

from regionmap import reference
from regionmap.maps import spec
from regionmap.state import FilterState

pytestmark = pytest.mark.browser

SHOTS = tb.ARTIFACTS / "labels"
#: (device pixel ratio, language, screens): 2 in both languages at the three screens, 1.5 at
#: the smallest (the most crowded; the suite's time allows no more). Ratio 1, both languages,
#: the three screens: ``tests/test_layouts.py``, which checks the same names on the overview
#: and 上川's page as it resizes them.
CASES = [(2, "ja", SCREENS), (2, "en", SCREENS), (1.5, "en", SCREENS[:1])]


def _screens(page, url: str, name: str, screens):
    """Open ``url`` at 1280x720, then for each of ``screens``: resize, wait until the map is
    refitted, screenshot it (``name-WxH.png``); yields where it is (for messages)."""
    page.set_viewport_size({"width": SCREENS[0][0], "height": SCREENS[0][1]})
    page.goto(url)
    tb._wait_map(page)
    for w, h in screens:
        page.set_viewport_size({"width": w, "height": h})
        _wait_fitted(page)
        page.locator(tb.MAP).screenshot(path=str(SHOTS / f"{name}-{w}x{h}.png"))
        yield f"{name} {w}x{h}"


@pytest.mark.parametrize(
    ("ratio", "lang", "screens"), CASES, ids=[f"x{r}-{lang}" for r, lang, _ in CASES]
)
def test_every_name_is_drawn_at_every_pixel_ratio(app_url, browser, ratio, lang, screens):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": SCREENS[0][0], "height": SCREENS[0][1]}, device_scale_factor=ratio
    )
    page = context.new_page()
    try:
        # the overview: every bureau's name, at every screen size
        for where in _screens(
            page, f"{app_url}/?lang={lang}", f"overview-{lang}-x{ratio}", screens
        ):
            drawn = tb.drawn_names(page, "labels-bureaus")
            tb.check_names(drawn, tb.bureau_names(lang), where)
            # legible: the full 14 px (the smallest screen's map is the size they were placed
            # for), dark ink on a light halo whatever the fill
            assert min(n["size"] for n in drawn["names"]) >= 13.5, where
            dark = tb.dark_share(page.locator(tb.MAP).screenshot(), drawn["names"], ratio)
            assert max(dark.values()) < 0.5, (where, dark)

        # 十勝's page: the seat and the towns the rule names, the neighbours in grey
        towns, unnamed, seat = tb.towns_placed("tokachi", lang)
        assert seat in towns
        url = f"{app_url}/bureau?bureau=tokachi&lang={lang}"
        for where in _screens(page, url, f"tokachi-{lang}-x{ratio}", screens):
            drawn = tb.drawn_names(page, "labels-municipalities")
            tb.check_names(drawn, towns, where)
            grey = tb.drawn_names(page, "labels-bureaus")["names"]
            assert grey, where  # the neighbours named where they are in view
            assert tb.overlapping(drawn["names"] + grey) == [], where
            assert min(n["size"] for n in drawn["names"]) >= 11.5, where
            dark = tb.dark_share(page.locator(tb.MAP).screenshot(), drawn["names"], ratio)
            assert max(dark.values()) < 0.5, (where, dark)
        # a town the map leaves unnamed is named by the tooltip
        for code in unnamed[:1]:
            first = spec.view_for(FilterState(bureau="tokachi").map_area())
            zoom = float(page.locator(tb.MAP).get_attribute("data-rm-zoom"))  # refitted
            view = SimpleNamespace(longitude=first.longitude, latitude=first.latitude, zoom=zoom)
            x, y = tb._area_point(page, "municipalities", code, view)
            page.mouse.move(x, y)
            name = reference.municipalities().set_index("code").loc[code, f"name_{lang}"]
            page.locator(".deck-tooltip", has_text=name).wait_for(timeout=10_000)
    finally:
        context.close()
