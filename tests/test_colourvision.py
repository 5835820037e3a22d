"""The kinds' colours stay apart for colour-blind readers (issue #27): every figure's kinds
(the settlement sites' and the dispatch kinds' points and legends), simulated with
deuteranopia and protanopia, differ pairwise by at least :data:`MIN_DELTA_E`."""

from __future__ import annotations

import pytest

from regionmap import colourvision, figures

#: CIE76 ΔE between two kinds' colours, whatever the reader's colour vision: clearly apart
#: at a glance on a map point (about 2 is just noticeable).
MIN_DELTA_E = 15.0


def _kind_colours() -> dict[str, list[tuple[int, int, int]]]:
    return {
        fig.id: [fig.kind_colour(k.id) for k in fig.kinds] for fig in figures.FIGURES if fig.kinds
    }


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
def test_every_figures_kinds_are_told_apart(vision):
    kinds = _kind_colours()
    assert {"dispatch", "sites"} <= set(kinds), kinds
    for fig_id, colours in kinds.items():
        assert len(set(colours)) == len(colours), fig_id  # one colour per kind
        d, i, j = colourvision.closest_pair(colours, vision)
        assert d >= MIN_DELTA_E, (fig_id, vision, colours[i], colours[j], round(d, 1))


def test_the_check_catches_what_a_colour_blind_reader_cannot_tell_apart():
    red, green = (213, 94, 0), (0, 158, 115)  # vermillion and bluish green: apart...
    assert colourvision.delta_e(red, green) > 50
    tomato, olive = (204, 85, 0), (110, 140, 0)  # ...a red and a green that merge
    assert colourvision.delta_e(tomato, olive) > 40
    for vision in ("deuteranopia", "protanopia"):
        seen = [colourvision.simulate(c, vision) for c in (tomato, olive)]
        assert colourvision.delta_e(*seen) < MIN_DELTA_E, vision
