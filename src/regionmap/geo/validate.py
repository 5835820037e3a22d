"""Check an N03 source against the reference tables and turn it into municipal units.

N03 gives one feature per polygon part (a municipality with islands has several),
Sapporo as its 10 wards, the six Northern Territories villages under Nemuro, and
sometimes areas of undetermined affiliation (所属未定地) without a code. Two
attribute layouts exist: older releases put the ward in ``N03_004`` (and 札幌市 in
``N03_003``), newer ones keep ``N03_004 = 札幌市`` and add the ward in ``N03_005``.

:func:`municipal_units` refuses a source that is not Hokkaido, lacks attributes,
names an unknown bureau, disagrees with ``data/reference/`` or has the wrong
number of municipalities per bureau, raising
:class:`~regionmap.geo.errors.BoundaryError` that names the file, the feature
(0-based index in file order) and the property. What it accepts comes back as
one row per code (parts dissolved): 178 municipalities, Sapporo's 10 wards and
the 6 Northern Territories villages (194 units).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from regionmap import reference
from regionmap.geo.errors import BoundaryError
from regionmap.geo.sources import RawSource

#: Attributes every N03 feature needs, with what they hold.
REQUIRED = {
    "N03_002": "bureau (振興局) name",
    "N03_004": "municipality name",
    "N03_007": "5-digit municipality code",
}
UNDETERMINED = "所属未定地"
SAPPORO = "01100"
_PREF_NAME = "北海道"
_BUREAU_ALIASES = {"桧山振興局": "07"}
_SHOW = 5  # how many offending features a message lists


@dataclass
class Units:
    """Validated municipal units (one row per code) and notes for the manifest."""

    frame: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    source_features: int = 0


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _bureau_lookup() -> dict[str, str]:
    table = reference.bureaus()
    lookup = dict(zip(table["name_ja"], table["bureau_code"], strict=True))
    lookup.update(_BUREAU_ALIASES)
    return lookup


def _examples(indices: list[int]) -> str:
    more = len(indices) - _SHOW
    shown = ", ".join(f"#{i}" for i in indices[:_SHOW])
    return shown + (f" and {more} more" if more > 0 else "")


def municipal_units(raw: RawSource) -> Units:
    """Validate ``raw`` and dissolve its features into one unit per municipality code.

    Parameters
    ----------
    raw : RawSource
        Features read by :func:`regionmap.geo.sources.read_source`.

    Returns
    -------
    Units
        ``frame`` has columns ``code``, ``kind`` (municipality, ward,
        northern_territory), ``bureau_code``, ``first_feature`` and ``geometry``
        (EPSG:4326), in code order.

    Raises
    ------
    BoundaryError
        Saying what is wrong and where (file, feature index, property).
    """
    src = raw.label
    n = len(raw)
    if n == 0:
        raise BoundaryError("the file holds no features", source=src)
    props = [{k: _text(v) for k, v in p.items()} for p in raw.properties]
    notes: list[str] = []

    undetermined = [
        i
        for i, p in enumerate(props)
        if not p.get("N03_007") and UNDETERMINED in (p.get("N03_004", ""), p.get("N03_003", ""))
    ]
    skip = set(undetermined)
    if undetermined:
        notes.append(
            f"{len(undetermined)} feature(s) of {UNDETERMINED} (area of undetermined affiliation, "
            f"no municipality code) left out of every layer: {_examples(undetermined)}"
        )

    # 1. attributes present -------------------------------------------------------------------
    for prop, what in REQUIRED.items():
        lacking = [i for i, p in enumerate(props) if i not in skip and not p.get(prop)]
        if len(lacking) == n - len(skip):
            raise BoundaryError(
                f"no feature has {what}; this is not an N03 administrative-area file "
                f"(expected properties {', '.join(REQUIRED)})",
                source=src,
                prop=prop,
            )
        if lacking:
            raise BoundaryError(
                f"{what} is missing (features lacking it: {_examples(lacking)})",
                source=src,
                feature=lacking[0],
                prop=prop,
            )

    # 2. Hokkaido only ------------------------------------------------------------------------
    foreign = [
        i
        for i, p in enumerate(props)
        if i not in skip
        and (
            (p.get("N03_001") and p["N03_001"] != _PREF_NAME)
            or not p["N03_007"].zfill(5).startswith("01")
        )
    ]
    if foreign:
        i = foreign[0]
        p = props[i]
        raise BoundaryError(
            f"not Hokkaido: N03_001 is {p.get('N03_001', '')!r} and N03_007 is {p['N03_007']!r} "
            f"(Hokkaido is 北海道, codes 01xxx); {len(foreign)} of {n} features are outside "
            f"Hokkaido ({_examples(foreign)}). Use MLIT's N03 file for prefecture 01.",
            source=src,
            feature=i,
            prop="N03_001" if p.get("N03_001") and p["N03_001"] != _PREF_NAME else "N03_007",
        )

    # 3. codes, bureaus, reference ------------------------------------------------------------
    ref = reference.municipalities().set_index("code")
    lookup = _bureau_lookup()
    bureau_names = reference.bureaus().set_index("bureau_code")["name_ja"]
    codes = np.empty(n, dtype=object)
    bureaus = np.empty(n, dtype=object)
    newer_layout = False
    for i, p in enumerate(props):
        if i in skip:
            continue
        code = p["N03_007"]
        if len(code) == 4 and code.isdigit():
            code = "0" + code  # lost its leading zero in a numeric column
        if len(code) != 5 or not code.isdigit():
            raise BoundaryError(
                f"{code!r} is not a 5-digit municipality code",
                source=src,
                feature=i,
                prop="N03_007",
            )
        if code == SAPPORO:
            raise BoundaryError(
                "Sapporo appears as a whole (01100); N03 gives it as its 10 wards (01101-01110), "
                "which regionmap needs for the ward layer",
                source=src,
                feature=i,
                prop="N03_007",
            )
        bureau = lookup.get(p["N03_002"])
        if bureau is None:
            raise BoundaryError(
                f"unknown bureau {p['N03_002']!r}; Hokkaido's 14 bureaus are "
                + "、".join(bureau_names)
                + " (data/reference/bureaus.csv)",
                source=src,
                feature=i,
                prop="N03_002",
            )
        if code not in ref.index:
            raise BoundaryError(
                f"code {code} ({p['N03_004']}) is not a Hokkaido municipality in "
                "data/reference/municipalities.csv",
                source=src,
                feature=i,
                prop="N03_007",
            )
        row = ref.loc[code]
        if row["kind"] == "ward" and p.get("N03_005"):
            name, name_prop = p["N03_005"], "N03_005"
            newer_layout = True
        else:
            name, name_prop = p["N03_004"], "N03_004"
        if name != row["name_ja"]:
            raise BoundaryError(
                f"code {code} is named {name!r} here but {row['name_ja']!r} in "
                "data/reference/municipalities.csv",
                source=src,
                feature=i,
                prop=name_prop,
            )
        if bureau != row["bureau_code"]:
            raise BoundaryError(
                f"{code} {row['name_ja']} is under {p['N03_002']} here but under "
                f"{bureau_names[row['bureau_code']]} in data/reference/municipalities.csv",
                source=src,
                feature=i,
                prop="N03_002",
            )
        codes[i] = code
        bureaus[i] = bureau
    if newer_layout:
        notes.append("newer N03 layout: ward names read from N03_005")

    # 4. geometry -----------------------------------------------------------------------------
    geoms = raw.geometries.copy()
    repaired = []
    for i in range(n):
        if i in skip:
            continue
        g = geoms[i]
        if g is None or g.is_empty:
            raise BoundaryError(
                f"{codes[i]} {props[i]['N03_004']} has no geometry", source=src, feature=i
            )
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            polys = _polygonal(g)
            if polys is None:
                raise BoundaryError(
                    f"{codes[i]} {props[i]['N03_004']}: geometry is a {g.geom_type}, "
                    "expected a Polygon or MultiPolygon",
                    source=src,
                    feature=i,
                )
            g = polys
        if not g.is_valid:
            g = _polygonal(shapely.make_valid(g))
            repaired.append(i)
            if g is None:
                raise BoundaryError(
                    f"{codes[i]} {props[i]['N03_004']}: the polygon is broken beyond repair",
                    source=src,
                    feature=i,
                )
        geoms[i] = g
    if repaired:
        notes.append(f"{len(repaired)} invalid polygon(s) repaired: {_examples(repaired)}")

    # 5. dissolve parts by code ---------------------------------------------------------------
    keep = np.array([i not in skip for i in range(n)])
    order: dict[str, list[int]] = {}
    for i in np.flatnonzero(keep).tolist():
        order.setdefault(codes[i], []).append(int(i))
    rows = []
    for code in sorted(order):
        idx = order[code]
        parts = geoms[idx]
        geom = parts[0] if len(parts) == 1 else shapely.union_all(parts)
        rows.append(
            {
                "code": code,
                "kind": ref.loc[code, "kind"],
                "bureau_code": bureaus[idx[0]],
                "first_feature": idx[0],
                "geometry": geom,
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    merged = sum(len(v) - 1 for v in order.values())
    if merged:
        notes.append(f"{merged} extra polygon part(s) dissolved into their municipality by code")

    # 6. membership and counts ----------------------------------------------------------------
    _check_counts(frame, ref, bureau_names, src)
    return Units(frame=frame, notes=notes, source_features=n)


def _polygonal(geom):
    """The polygonal part of ``geom`` (None when it has none)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    parts = [p for g in parts for p in shapely.get_parts(g)]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _check_counts(frame: gpd.GeoDataFrame, ref, bureau_names, src: str) -> None:
    present = set(frame["code"])
    expected = reference.bureaus().set_index("bureau_code")["municipality_count"]
    problems = []
    wards = ref.index[ref["kind"] == "ward"]
    missing_wards = [c for c in wards if c not in present]
    if missing_wards:
        names = ", ".join(f"{c} {ref.loc[c, 'name_ja']}" for c in missing_wards)
        problems.append(f"Sapporo's wards incomplete, missing: {names}")
    for bureau, want in expected.items():
        sub = frame[(frame["bureau_code"] == bureau) & (frame["kind"] == "municipality")]
        have = len(sub)
        if bureau == ref.loc[SAPPORO, "bureau_code"] and not missing_wards:
            have += 1  # Sapporo, once, from its wards
        if have != want:
            listed = ref[(ref["bureau_code"] == bureau) & (ref["kind"] == "municipality")]
            missing = [
                f"{c} {r['name_ja']}"
                for c, r in listed.iterrows()
                if c not in present and c != SAPPORO
            ]
            problems.append(
                f"{bureau_names[bureau]} has {have} municipalities, the reference "
                f"(data/reference/bureaus.csv) has {want}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
    territories = ref.index[ref["kind"] == "northern_territory"]
    missing_nt = [f"{c} {ref.loc[c, 'name_ja']}" for c in territories if c not in present]
    if missing_nt:
        problems.append(f"Northern Territories villages missing: {', '.join(missing_nt)}")
    if problems:
        raise BoundaryError(
            "wrong municipalities per bureau: " + "; ".join(problems) + " (179 in all expected)",
            source=src,
        )
