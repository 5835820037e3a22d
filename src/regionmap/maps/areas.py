"""Which areas a map draws, colours and names: the one area model of every map.

A map view is an :class:`AreaView`: the areas filled with a figure (municipalities, bureaus
or regions), the selected bureau or region, whether the map is about that area alone (its
municipalities, the neighbouring bureaus drawn grey around it), the clicked municipality and
the optional layers. Every map reads it here:

- the interactive map and the offline HTML map (:func:`regionmap.maps.spec.area_deck`, whose
  deck :mod:`regionmap.render.maphtml` writes into the file);
- the maps drawn on the server (:mod:`regionmap.render.mapimage`): the still shown before the
  map is drawn, the map PNG, the slides and the handouts.

So a view's filled areas, its areas without a figure (the Northern Territories), the areas
outside the selection, the names drawn (which are required: every bureau's and region's, a
bureau's seat; the other towns by :func:`regionmap.maps.labels.town_rank`) and the
neighbours' names are decided once, whoever draws the map.

Plain Python over the reference tables (no Streamlit, no filter state, no renderer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from regionmap import reference
from regionmap.maps import labels
from regionmap.once import made_once

#: The areas a map may fill, and the boundary layer of each.
LEVELS = ("municipality", "bureau", "region")
LAYER_OF = {"municipality": "municipalities", "bureau": "bureaus", "region": "regions"}
#: The level of each layer's names.
LEVEL_OF = {layer: level for level, layer in LAYER_OF.items()}
#: Optional layers of a map (the filter bar's): names, municipal boundaries, GSI tiles.
DEFAULT_LAYERS: frozenset[str] = frozenset({"labels"})


@dataclass(frozen=True)
class AreaView:
    """What a map of one view draws.

    Attributes
    ----------
    level : {"municipality", "bureau", "region"}
        The areas filled with a figure.
    region_code, bureau_code : str
        The selected region (``"1"``..``"6"``) or bureau (``"01"``..``"14"``; its region is
        then set too), ``""`` for none: outlined, and the view fitted to it.
    focus : bool
        A map about the selected area alone: its municipalities only, the neighbouring
        bureaus drawn around them and named in grey (the bureau page, the still, the map
        PNG, slides and handouts of an area). Only with ``level="municipality"`` and an
        area; otherwise every area of the level is drawn, those outside the area dimmed.
    muni : str or None
        The clicked municipality (outlined).
    layers : frozenset of str
        The optional layers that are on: ``labels``, ``municipalities``, ``tiles``.
    """

    level: str = "bureau"
    region_code: str = ""
    bureau_code: str = ""
    focus: bool = False
    muni: str | None = None
    layers: frozenset[str] = field(default=DEFAULT_LAYERS)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.bureau_code and not self.region_code:
            b = reference.bureaus().set_index("bureau_code")
            object.__setattr__(self, "region_code", str(b.loc[self.bureau_code, "region_code"]))
        if self.focus and not (self.level == "municipality" and self.area_selected):
            object.__setattr__(self, "focus", False)

    @classmethod
    def of_area(cls, kind: str, code: str | None, level: str = "bureau") -> AreaView:
        """The view of a whole area, as the maps drawn on the server show it: all Hokkaido
        coloured by ``level`` (``kind`` ``"hokkaido"``), or a bureau's or region's
        municipalities (``code``: its code) with the neighbouring bureaus around them."""
        if kind == "hokkaido" or not code:
            return cls(level=level if level in ("bureau", "region") else "bureau")
        if kind == "bureau":
            return cls(level="municipality", bureau_code=code, focus=True)
        if kind == "region":
            return cls(level="municipality", region_code=code, focus=True)
        raise ValueError(f"area kind must be 'hokkaido', 'bureau' or 'region', not {kind!r}")

    # --- the selection ---------------------------------------------------------------

    @property
    def area_selected(self) -> bool:
        return bool(self.bureau_code or self.region_code)

    @property
    def kind(self) -> str:
        """``"bureau"``, ``"region"`` or ``"hokkaido"``: what the view is about."""
        return "bureau" if self.bureau_code else "region" if self.region_code else "hokkaido"

    def has_layer(self, name: str) -> bool:
        return name in self.layers

    @property
    def where(self) -> tuple[str, tuple[str, ...]] | None:
        """The column and value that select the area's features of a layer
        (``("bureau_code", ("12",))``), or None for all Hokkaido."""
        if self.bureau_code:
            return "bureau_code", (self.bureau_code,)
        if self.region_code:
            return "region_code", (self.region_code,)
        return None

    def own_bureaus(self) -> tuple[str, ...]:
        """The bureaus of the selected area (all 14 without one), in their order."""
        b = reference.bureaus()
        if self.bureau_code:
            return (self.bureau_code,)
        if self.region_code:
            return tuple(b.loc[b["region_code"] == self.region_code, "bureau_code"])
        return tuple(b["bureau_code"])

    def context_bureaus(self, codes: Iterable[str]) -> tuple[str, ...]:
        """The neighbouring bureaus drawn (and named in grey) around a focused area: those of
        ``codes`` (a bureau layer's, in its order) not in the area; none otherwise."""
        own = set(self.own_bureaus())
        return tuple(c for c in codes if c not in own) if self.focus else ()

    def inside(self, level: str | None = None) -> frozenset[str] | None:
        """Codes of the areas of ``level`` (default: the view's) inside the selection; None
        without one (every area is inside)."""
        if not self.area_selected:
            return None
        return area_codes_in(level or self.level, self.region_code, self.bureau_code)

    def outside(self, codes: Iterable[str], inside: Iterable[str] | None) -> list[str]:
        """The areas of ``codes`` drawn dimmed: those not in ``inside``, the areas an overlay
        page's area filter kept (its figures' selection). None: the figures were not
        filtered by area (the overview outlines the selected bureau among all 14 in their
        colours), so none is dimmed; none on a focused map either."""
        if self.focus or inside is None:
            return []
        shown = frozenset(inside)
        return [c for c in codes if c not in shown]

    # --- what is filled and what is named --------------------------------------------

    @property
    def fill_layer(self) -> str:
        """The boundary layer filled with the figure."""
        return LAYER_OF[self.level]

    @property
    def name_layer(self) -> str:
        """The layer whose areas are named: the filled one, or the bureaus on a map of all
        Hokkaido's municipalities (185 names do not fit; the tooltip names a town)."""
        if self.level == "municipality" and not self.area_selected:
            return "bureaus"
        return self.fill_layer

    def named(self, codes: Iterable[str]) -> tuple[str, ...]:
        """Of the :attr:`name_layer` areas ``codes`` (in their order), those named: the
        selected area's municipalities, or all."""
        inside = self.inside("municipality") if self.name_layer == "municipalities" else None
        return tuple(c for c in codes if inside is None or c in inside)

    def no_figure(self, codes: Iterable[str]) -> frozenset[str]:
        """Of ``codes``, the areas drawn without a figure (in the no-data grey): the six
        Northern Territories villages on a map of municipalities."""
        if self.level != "municipality":
            return frozenset()
        return frozenset(codes) & northern_territories()


@made_once(max_entries=64)
def northern_territories() -> frozenset[str]:
    """Codes of the six Northern Territories villages (drawn, with no figures)."""
    m = reference.municipalities()
    return frozenset(m.loc[m["kind"] == "northern_territory", "code"])


def area_codes_in(level: str, region_code: str | None, bureau_code: str | None) -> frozenset[str]:
    """Codes of the areas of ``level`` inside a region/bureau (municipalities without wards)."""
    if level == "municipality":
        m = reference.municipalities()
        m = m[m["kind"] != "ward"]
    elif level == "bureau":
        m = reference.bureaus().rename(columns={"bureau_code": "code"})
        m = m.assign(bureau_code=m["code"])
    else:
        m = reference.regions().rename(columns={"region_code": "code"})
        m = m.assign(region_code=m["code"], bureau_code="")
    if bureau_code:
        if level == "region":
            b = reference.bureaus().set_index("bureau_code")
            return frozenset({str(b.loc[bureau_code, "region_code"])})
        m = m[m["bureau_code"] == bureau_code]
    elif region_code:
        m = m[m["region_code"] == region_code]
    return frozenset(m["code"].astype(str))


def area_names(areas, layer: str, lang: str, *, size: float) -> list[labels.Name]:
    """The names of a map's own areas (:func:`regionmap.maps.labels.place` places them),
    whoever draws the map: ``areas`` (a frame of ``layer``'s features, lon/lat) in their own
    ink; every bureau and region name is required; of municipalities, their bureaus' seats
    are required and the others follow in :func:`regionmap.maps.labels.town_rank` where
    they fit (the tooltip names the rest)."""
    seats = None
    if layer == "municipalities":
        seats = set(reference.bureaus()["seat_code"]) & set(areas["code"].astype(str))
    return labels.names_of(areas, layer, lang, size=size, seats=seats, required=True)


def context_names(
    bureaus, lang: str, *, size: float, within: tuple[float, float, float, float]
) -> list[labels.Name]:
    """The names of the neighbouring bureaus around a focused area (``bureaus``: a frame of
    them, lon/lat), in grey, where they are inside ``within`` (the map's lon/lat bounds);
    never required: placed after the area's own names where there is room."""
    return labels.names_of(
        bureaus, "bureaus", lang, size=size, style="context", required=False, within=within
    )
