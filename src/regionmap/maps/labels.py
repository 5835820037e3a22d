"""Where the area names go on a map: the one placement rule of every map.

The interactive map (deck.gl, :mod:`regionmap.maps.deckgl`), the map to keep (offline HTML,
the same deck), the PNG, the still shown before the map is drawn, the slides and the handouts
(:mod:`regionmap.render.mapimage`) all name their areas through :func:`place`. Names are
placed once, on the server, in a plane of pixels (:class:`Plane`) where every name has the
size it has on the screen or paper; nothing is left to the browser's pixel ratio.

The rule, for each name (its box: the text's width and height with its halo):

1. **In its area**: the centre of the text inside the area, the box not over other names,
   their leader lines or the edge of the map, and at most :data:`MAX_OVER_OTHERS` of it over
   other areas; of those positions (the area's label point, then a grid over the area), the
   nearest to the label point with the least over other areas.
2. **In the sea with a leader line**: where no such position exists (a small coastal area), the box
   entirely off the land along one of :data:`LEADER_DIRECTIONS` rays from the label point, no
   farther than :data:`LEADER_MAX_EM` times the text's height, with a line from the label
   point to the name that crosses other areas for at most :data:`LEADER_OVER_OTHERS_EM` text
   heights and no other name; the shortest line wins, its part over other areas counted twice.
3. A **required** name (every bureau and region name, a bureau's seat) that finds neither is
   put as close to its label point as it can go without covering another name; it is never
   dropped. An optional name (the other towns of a bureau) that finds neither is left to the
   tooltip.

Required names are placed first (those whose area holds the fewest of their boxes first),
then the optional names, the map's own before the neighbours' (:attr:`Name.style`), in their
rank (:func:`town_rank`: the seat, the other cities, then the towns and villages, each by land
area, largest first); an optional name left out gets a second chance where moving one name
placed before it (within that name's own area) makes room.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import shapely
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry

from regionmap import reference
from regionmap.i18n import pick

#: Most of a name's box that may lie over other areas in its own area (rule 1).
MAX_OVER_OTHERS = 0.5
#: Directions tried for a leader line (rule 2), evenly around the label point.
LEADER_DIRECTIONS = 32
#: Longest leader line, in text heights.
LEADER_MAX_EM = 9.0
#: Longest part of a leader line over other areas, in text heights (the line leaves the land
#: through its own area's coast, or close to it).
LEADER_OVER_OTHERS_EM = 1.0
#: Room kept between two names and around a leader line (px).
GAP = 2.0
#: The halo around the text (its outline) as a share of the text size; the box a name takes
#: is the text's width plus the halo on either side.
HALO_EM = 0.1875
#: The smallest map names are placed for, as a share of the size a view is fitted to
#: (:data:`regionmap.maps.deckgl.FIT_WIDTH` x ``FIT_HEIGHT``): the overview's map on a
#: 1280x720 screen is 648x458 px of 760x540 (0.85). On that map the names have their full
#: size; on a larger one they keep it while the areas grow apart; on a smaller one (a phone)
#: they shrink with the map. Names placed apart therefore stay apart at any size.
REFERENCE_SCALE = 0.85
#: Shapes are simplified to this (px) before names are placed among them.
SIMPLIFY = 0.5
#: Text widths are measured with the Japanese font the server has (Noto Sans CJK JP on
#: Debian); the browser may draw with another (Hiragino, Yu Gothic): room for the difference.
WIDTH_SLACK = 1.08
#: The padding (px) of the plate under a name with a leader line (x, y).
PLATE_PADDING = (4.0, 2.0)
#: Text size (px) of the names on the interactive map where they have their full size
#: (:data:`REFERENCE_SCALE`): municipalities, bureaus, regions, and the neighbouring bureaus
#: on a bureau page.
LABEL_SIZE = {"municipality": 12, "bureau": 14, "region": 15, "context": 13}


@dataclass(frozen=True)
class Name:
    """An area's name to place.

    ``anchor`` is the area's label point (lon, lat), inside it; ``shape`` the area (lon/lat);
    ``required`` names are never dropped; ``rank`` orders the optional ones (0 first);
    ``size`` the text size in the plane's pixels; ``style`` is the caller's (e.g. the grey of
    the neighbouring bureaus' names on a bureau page).
    """

    code: str
    text: str
    anchor: tuple[float, float]
    shape: BaseGeometry
    size: float
    required: bool = True
    rank: int = 0
    style: str = "main"


@dataclass(frozen=True)
class Placed:
    """A name where it is drawn: the centre of its text (lon, lat), its label point, its box
    in the plane (x0, y0, x1, y1) and whether a leader line joins the two (the name then
    sits on a plate in the sea)."""

    code: str
    text: str
    style: str
    size: float
    anchor: tuple[float, float]
    at: tuple[float, float]
    box: tuple[float, float, float, float]
    leader: bool = False


@dataclass(frozen=True)
class Placement:
    """The names placed (in the order they are drawn) and the codes of the map's own areas
    (the first :attr:`Name.style`) left to the tooltip."""

    placed: tuple[Placed, ...]
    unnamed: tuple[str, ...] = ()

    def styled(self, style: str) -> tuple[Placed, ...]:
        return tuple(p for p in self.placed if p.style == style)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(p.code for p in self.placed)


@dataclass(frozen=True)
class Plane:
    """The pixels names are placed in: ``project`` (lon, lat arrays -> x, y arrays, y down),
    its inverse ``unproject``, the ``frame`` (x0, y0, x1, y1) every name stays inside, and
    ``obstacles``, boxes no name may cover (a legend drawn over the map)."""

    project: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    unproject: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    frame: tuple[float, float, float, float]
    measure: Callable[[str, float], float] = field(
        default=lambda text, size: text_width(text, size)
    )
    obstacles: tuple[tuple[float, float, float, float], ...] = ()

    def bounds(self) -> tuple[float, float, float, float]:
        """The frame in lon/lat (min lon, min lat, max lon, max lat)."""
        f = self.frame
        lon, lat = self.unproject(np.array([f[0], f[2]]), np.array([f[3], f[1]]))
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.project(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self.unproject(np.array([x]), np.array([y]))
        return round(float(lon[0]), 5), round(float(lat[0]), 5)

    def geometry(self, geom: BaseGeometry) -> BaseGeometry:
        def to_plane(coords: np.ndarray) -> np.ndarray:
            x, y = self.project(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, to_plane)


# --- planes -------------------------------------------------------------------------------


def mercator_plane(
    longitude: float,
    latitude: float,
    zoom: float,
    width: float,
    height: float,
    *,
    margin: float = 4.0,
) -> Plane:
    """The pixels of a Web Mercator map (deck.gl's) of ``width`` x ``height`` centred on
    (``longitude``, ``latitude``) at ``zoom``; names stay ``margin`` px inside its edges."""
    k = 512 * 2**zoom / (2 * math.pi)
    lon0 = math.radians(longitude)
    y0 = _merc(np.array([latitude]))[0]

    def project(lon, lat):
        x = width / 2 + k * (np.radians(lon) - lon0)
        y = height / 2 - k * (_merc(lat) - y0)
        return x, y

    def unproject(x, y):
        lon = np.degrees(lon0 + (np.asarray(x) - width / 2) / k)
        my = y0 - (np.asarray(y) - height / 2) / k
        lat = np.degrees(2 * np.arctan(np.exp(my)) - math.pi / 2)
        return lon, lat

    return Plane(project, unproject, (margin, margin, width - margin, height - margin))


def view_plane(
    longitude: float, latitude: float, zoom: float, width: float, height: float
) -> Plane:
    """The plane of a deck.gl view fitted to a ``width`` x ``height`` map, drawn on the
    smallest map it is shown on (:data:`REFERENCE_SCALE` of that size): names are placed
    there at their pixel size."""
    return mercator_plane(
        longitude,
        latitude,
        zoom + math.log2(REFERENCE_SCALE),
        width * REFERENCE_SCALE,
        height * REFERENCE_SCALE,
    )


def _merc(lat) -> np.ndarray:
    return np.log(np.tan(math.pi / 4 + np.radians(np.asarray(lat, dtype=float)) / 2))


def affine_plane(
    ax: float,
    bx: float,
    ay: float,
    by: float,
    frame: tuple[float, float, float, float],
    *,
    kx: float = 1.0,
) -> Plane:
    """The plane of a map drawn on the server (PNG, still, handout): ``x = ax * lon * kx +
    bx``, ``y = ay * lat + by`` (``kx`` the cos-latitude scale of its projection)."""

    def project(lon, lat):
        return ax * np.asarray(lon, dtype=float) * kx + bx, ay * np.asarray(lat, dtype=float) + by

    def unproject(x, y):
        return (np.asarray(x) - bx) / ax / kx, (np.asarray(y) - by) / ay

    return Plane(project, unproject, frame)


# --- text ---------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """Width (px) of ``text`` set ``size`` px high in the bold Japanese font the server has
    (advance widths; a character the font lacks counts one em if wide, else 0.6 em)."""
    advances = _advances()
    total = 0.0
    for ch in text:
        em = advances.get(ord(ch)) if advances else None
        if em is None:
            em = 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6
        total += em
    return total * size


@cache
def _advances() -> dict[int, float]:
    """Advance width (em) of every character of the server's bold Japanese font; empty when
    it has none (widths are then estimated)."""
    try:
        from fontTools.ttLib import TTFont

        from regionmap.fonts import FontNotFoundError, find_japanese_font

        try:
            face = find_japanese_font(bold=True)
        except FontNotFoundError:
            return {}
        font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
        try:
            per_em = float(font["head"].unitsPerEm)
            metrics = font["hmtx"].metrics
            return {
                code: metrics[glyph][0] / per_em
                for code, glyph in font.getBestCmap().items()
                if glyph in metrics
            }
        finally:
            font.close()
    except Exception:  # noqa: BLE001 - an unreadable font: estimated widths
        return {}


def box_size(text: str, size: float, plane: Plane, *, plate: bool = False) -> tuple[float, float]:
    """The width and height (px) a name takes: its text, its halo, or the plate under it."""
    width = plane.measure(text, size) * WIDTH_SLACK
    if plate:
        return width + 2 * PLATE_PADDING[0], size * 1.2 + 2 * PLATE_PADDING[1]
    halo = HALO_EM * size
    return width + 2 * halo, size * 1.1 + 2 * halo


# --- the rule -----------------------------------------------------------------------------


def place(names: Sequence[Name], plane: Plane, land: BaseGeometry) -> Placement:
    """Place ``names`` by the rule of this module (see its docstring) in ``plane``; ``land``
    (lon/lat) is what is not sea (a leader line's name sits off it)."""
    placer = _Placer(plane, land, names)
    required = [n for n in names if n.required]
    styles = list(dict.fromkeys(n.style for n in names))  # the main names before the context
    optional = sorted(
        (n for n in names if not n.required), key=lambda n: (styles.index(n.style), n.rank)
    )
    # the required names whose area has the least room first (石狩 before 空知)
    room = {n.code: placer.room(n) for n in required}
    required.sort(key=lambda n: (room[n.code], n.rank))
    left: list[Name] = []
    for name in required:
        if not placer.put(name, placer.in_area(name)):
            left.append(name)
    for name in left:
        if not placer.put(name, placer.in_sea(name), leader=True):
            placer.put(name, placer.anywhere(name))
    unnamed = []
    for name in optional:
        if not (
            placer.put(name, placer.in_area(name))
            or placer.put(name, placer.in_sea(name), leader=True)
        ):
            unnamed.append(name)
    # a second chance: a name left out goes in where moving one name placed before (within
    # its own area) makes room for it
    still_unnamed = [n.code for n in unnamed if not placer.make_room(n) and n.style == styles[0]]
    order = {n.code + "\0" + n.style: i for i, n in enumerate(names)}
    placed = sorted(placer.placed, key=lambda p: order.get(p.code + "\0" + p.style, 0))
    return Placement(tuple(placed), tuple(still_unnamed))


#: A candidate: (cost, centre x, centre y).
_Candidate = tuple[float, float, float]


class _Placer:
    def __init__(self, plane: Plane, land: BaseGeometry, names: Sequence[Name]):
        self.plane = plane
        self.land = shapely.simplify(plane.geometry(land), SIMPLIFY)
        self.land_gap = self.land.buffer(GAP)
        shapely.prepare(self.land)
        shapely.prepare(self.land_gap)
        self.shapes = {n.code: shapely.simplify(plane.geometry(n.shape), SIMPLIFY) for n in names}
        for geom in self.shapes.values():
            shapely.prepare(geom)
        self._others: dict[str, BaseGeometry] = {}
        self.frame = plane.frame
        self.names = {(n.code, n.style): n for n in names}
        self.boxes: list[tuple[float, float, float, float]] = []
        self.fixed = list(plane.obstacles)
        self.leaders: list[LineString] = []
        self.placed: list[Placed] = []

    def others(self, name: Name) -> BaseGeometry:
        """The land of the other areas around ``name``'s area (as far as a leader reaches)."""
        if name.code not in self._others:
            shape = self.shapes[name.code]
            reach = (LEADER_MAX_EM + 1) * name.size + self.plane.measure(name.text, name.size)
            x0, y0, x1, y1 = shape.bounds
            near = shapely.clip_by_rect(self.land, x0 - reach, y0 - reach, x1 + reach, y1 + reach)
            self._others[name.code] = shapely.difference(near, shape)
        return self._others[name.code]

    # -- tests ---------------------------------------------------------------------------

    def _inside_frame(self, b) -> bool:
        f = self.frame
        return b[0] >= f[0] and b[1] >= f[1] and b[2] <= f[2] and b[3] <= f[3]

    def _free(self, b, own: LineString | None = None) -> bool:
        if any(_overlap(b, o) for o in self.boxes) or any(_overlap(b, o) for o in self.fixed):
            return False
        if self.leaders:
            rect = box(b[0] - GAP, b[1] - GAP, b[2] + GAP, b[3] + GAP)
            if any(rect.intersects(line) for line in self.leaders):
                return False
        if own is not None:
            for o in (*self.boxes, *self.fixed):
                if own.intersects(box(*o)):
                    return False
            if any(own.crosses(line) for line in self.leaders):
                return False
        return True

    # -- candidates ------------------------------------------------------------------------

    def in_area(
        self, name: Name, *, free_only: bool = True, first: bool = True
    ) -> list[_Candidate]:
        """Positions in the name's own area (rule 1), best first: the label point, then every
        point of a grid over the area (a sixth of the name's width by a third of its height).
        ``first``: only the best one (the nearer ones are tried first, and none farther than
        the best found so far can be better)."""
        ax, ay = self.plane.point(*name.anchor)
        w, h = box_size(name.text, name.size, self.plane)
        shape, others = self.shapes[name.code], self.others(name)
        x0, y0, x1, y1 = shape.bounds
        xs = np.concatenate([[ax], np.arange(x0, x1, w / 6)])
        ys = np.concatenate([[ay], np.arange(y0, y1, h / 3)])
        gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
        f = self.frame
        keep = (gx - w / 2 >= f[0]) & (gx + w / 2 <= f[2])
        keep &= (gy - h / 2 >= f[1]) & (gy + h / 2 <= f[3])
        gx, gy = gx[keep], gy[keep]
        keep = shapely.contains_xy(shape, gx, gy)
        gx, gy = gx[keep], gy[keep]
        dist = np.hypot((gx - ax) / w, (gy - ay) / h)
        found: list[_Candidate] = []
        for k in np.argsort(dist, kind="stable"):
            if first and found and dist[k] >= found[0][0]:
                break
            cx, cy = float(gx[k]), float(gy[k])
            b = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if free_only and not self._free(b):
                continue
            rect = box(*b)
            over = rect.intersection(others).area / rect.area
            if over > MAX_OVER_OTHERS:
                continue
            found.append((float(dist[k]) + 4 * over, cx, cy))
            found.sort()
        return found[:1] if first else found

    def room(self, name: Name) -> float:
        """How many of the name's boxes its area holds (the required names with the least
        room are placed first)."""
        w, h = box_size(name.text, name.size, self.plane)
        return self.shapes[name.code].area / (w * h)

    def in_sea(self, name: Name) -> list[_Candidate]:
        """Positions off the land, with a leader line from the label point (rule 2)."""
        ax, ay = self.plane.point(*name.anchor)
        w, h = box_size(name.text, name.size, self.plane, plate=True)
        others = self.others(name)
        step, reach = max(2.0, h / 4), LEADER_MAX_EM * name.size
        found = []
        for i in range(LEADER_DIRECTIONS):
            angle = 2 * math.pi * i / LEADER_DIRECTIONS
            ux, uy = math.cos(angle), math.sin(angle)
            d = h / 2
            while d <= reach:
                cx, cy = ax + ux * d, ay + uy * d
                b = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                d += step
                if not self._inside_frame(b):
                    continue
                if self.land_gap.intersects(box(*b)):
                    continue
                line = LineString([(ax, ay), _edge_point(ax, ay, b)])
                if not self._free(b, own=line):
                    continue
                over = line.intersection(others).length
                if over > LEADER_OVER_OTHERS_EM * name.size:
                    break  # farther along, the line only crosses more of the others
                found.append((line.length + over, cx, cy))
                break
        return sorted(found)

    def anywhere(self, name: Name) -> list[_Candidate]:
        """The nearest position to the label point that covers no other name (rule 3),
        or the label point itself."""
        ax, ay = self.plane.point(*name.anchor)
        w, h = box_size(name.text, name.size, self.plane)
        found = []
        for r in np.arange(0.0, 12.0 * h, h / 3):
            for i in range(16 if r else 1):
                angle = 2 * math.pi * i / 16
                cx, cy = ax + r * math.cos(angle), ay + r * math.sin(angle)
                b = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if self._inside_frame(b) and self._free(b):
                    found.append((float(r), cx, cy))
            if found:
                return found
        return [(0.0, ax, ay)]

    # -- placing -----------------------------------------------------------------------------

    def make_room(self, name: Name) -> bool:
        """Place ``name`` in its area where only one name placed before (not with a leader)
        is in the way, and that name can move elsewhere in its own area."""
        for _, cx, cy in self.in_area(name, free_only=False, first=False)[:60]:
            w, h = box_size(name.text, name.size, self.plane)
            b = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            in_way = [i for i, o in enumerate(self.boxes) if _overlap(b, o)]
            if len(in_way) != 1 or self.placed[in_way[0]].leader:
                continue
            i = in_way[0]
            moved, moved_box = self.placed.pop(i), self.boxes.pop(i)
            if self._free(b):
                self.boxes.append(b)  # held while the other one looks for a place
                options = self.in_area(self.names[moved.code, moved.style])
                self.boxes.pop()
                if options:
                    self.put(name, [(0.0, cx, cy)])
                    self.put(self.names[moved.code, moved.style], options)
                    return True
            self.placed.insert(i, moved)
            self.boxes.insert(i, moved_box)
        return False

    def put(self, name: Name, candidates: list[_Candidate], *, leader: bool = False) -> bool:
        if not candidates:
            return False
        _, cx, cy = candidates[0]
        w, h = box_size(name.text, name.size, self.plane, plate=leader)
        b = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        self.boxes.append(b)
        if leader:
            ax, ay = self.plane.point(*name.anchor)
            self.leaders.append(LineString([(ax, ay), _edge_point(ax, ay, b)]))
        self.placed.append(
            Placed(
                code=name.code,
                text=name.text,
                style=name.style,
                size=name.size,
                anchor=(round(name.anchor[0], 5), round(name.anchor[1], 5)),
                at=self.plane.lonlat(cx, cy),
                box=(round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2)),
                leader=leader,
            )
        )
        return True


def _overlap(a, b) -> bool:
    """Two boxes closer than :data:`GAP`."""
    return a[0] < b[2] + GAP and b[0] < a[2] + GAP and a[1] < b[3] + GAP and b[1] < a[3] + GAP


def _edge_point(ax: float, ay: float, b) -> tuple[float, float]:
    """Where the line from (ax, ay) to the centre of box ``b`` meets the box's edge."""
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    dx, dy = cx - ax, cy - ay
    hw, hh = (b[2] - b[0]) / 2, (b[3] - b[1]) / 2
    t = 1.0
    if dx:
        t = min(t, 1 - hw / abs(dx)) if abs(dx) > hw else t
    if dy:
        t = min(t, 1 - hh / abs(dy)) if abs(dy) > hh else t
    t = max(0.0, t)
    return ax + dx * t, ay + dy * t


# --- which names, in which order ------------------------------------------------------------


def names_of(
    areas,
    layer: str,
    lang: str,
    *,
    size: float = 1.0,
    seats: Iterable[str] | None = None,
    style: str = "main",
    required: bool = True,
    within: tuple[float, float, float, float] | None = None,
) -> list[Name]:
    """The :class:`Name` of each area of a boundary layer's frame (``areas``: columns
    ``code`` or the layer's code column, ``name_ja``, ``name_en`` where the layer has one,
    ``label_lon``, ``label_lat``, ``area_km2``, ``geometry``; lon/lat).

    ``seats`` (a bureau page's municipalities): the seats are required, the other names
    optional in :func:`town_rank`; without it every name is ``required`` (bureaus, regions)
    or none is. ``within`` (lon/lat bounds, the neighbouring bureaus of a bureau page): an
    area whose label point is outside is named at a point of its part inside.
    """
    code_col = "code" if "code" in areas.columns else f"{layer[:-1]}_code"
    codes = [str(c) for c in areas[code_col]]
    if "name_en" in areas.columns:
        english = [str(v) for v in areas["name_en"]]
    else:
        english_names = reference.english_names()
        english = [
            english_names.get(c, str(ja)) for c, ja in zip(codes, areas["name_ja"], strict=True)
        ]
    rank: dict[str, int] = {}
    seat_set = set(seats) if seats is not None else set()
    if seats is not None:
        rank = town_rank(
            codes,
            dict(zip(codes, map(str, areas["name_ja"]), strict=True)),
            dict(zip(codes, map(float, areas["area_km2"]), strict=True)),
            seat_set,
        )
    names = []
    rows = zip(
        codes,
        areas["name_ja"],
        english,
        areas["label_lon"],
        areas["label_lat"],
        areas.geometry,
        strict=True,
    )
    for i, (code, ja, en, lon, lat, shape) in enumerate(rows):
        anchor = (float(lon), float(lat))
        if within is not None and not _in_bounds(anchor, within):
            visible = shapely.clip_by_rect(shape, *within)
            if visible.is_empty:
                continue
            point = visible.representative_point()
            anchor, shape = (point.x, point.y), visible
        names.append(
            Name(
                code=code,
                text=map_text(layer, str(ja), en, lang),
                anchor=anchor,
                shape=shape,
                size=size,
                required=code in seat_set if seats is not None else required,
                rank=rank.get(code, i),
                style=style,
            )
        )
    return names


def _in_bounds(point: tuple[float, float], bounds: tuple[float, float, float, float]) -> bool:
    return bounds[0] <= point[0] <= bounds[2] and bounds[1] <= point[1] <= bounds[3]


def town_rank(
    codes: Iterable[str], names_ja: dict[str, str], areas: dict[str, float], seats: Iterable[str]
) -> dict[str, int]:
    """The order in which a bureau's towns are named where not all of them fit: the seat(s)
    first, then the other cities (市), then the towns and villages, each by land area,
    largest first (0 first)."""
    seats = set(seats)

    def key(code: str):
        tier = 0 if code in seats else 1 if names_ja.get(code, "").endswith("市") else 2
        return (tier, -areas.get(code, 0.0), code)

    return {code: i for i, code in enumerate(sorted(codes, key=key))}


#: The words English municipality names end with (from the official readings, e.g.
#: "Obihiro City"); a map names a town without them, as maps do (the tooltip has the full name).
KIND_WORDS_EN = (" City", " Town", " Village")


def map_text(layer: str, name_ja: str, name_en: str, lang: str) -> str:
    """An area's name as every map shows it: a bureau's short name (空知, the reference
    table's ``short_ja``, as every table and list writes it; Sorachi), a municipality's
    without City/Town/Village in English (:func:`map_name`), the others as they are."""
    if layer == "bureaus":
        name_ja = _short_names().get(name_ja, name_ja)
    if layer in ("municipalities", "wards"):
        name_en = map_name(name_en)
    return pick((name_ja, name_en), lang)


@cache
def _short_names() -> dict[str, str]:
    """A bureau's short name (``short_ja``) by its full Japanese name."""
    b = reference.bureaus()
    return dict(zip(b["name_ja"], b["short_ja"], strict=True))


def map_name(name_en: str) -> str:
    """A municipality's English name as a map shows it: without "City", "Town" or
    "Village" ("Obihiro City" is "Obihiro")."""
    for word in KIND_WORDS_EN:
        if name_en.endswith(word) and len(name_en) > len(word):
            return name_en[: -len(word)]
    return name_en
