"""A deterministic sample of the overlay figures that agrees with the planning document.

The planning document gives totals only (FY2015 staff dispatches, about 2,500
evacuees "about four years" after March 2011, no month given: the sample puts them in
March 2015); it has no per-municipality
breakdown, no site locations, no evacuee figures by municipality, and no figures for
other years. Until the government's own
files are imported, this module invents a breakdown that agrees exactly with
every total the document gives (read from ``data/policy/document_totals.csv``)
and is invented for the other years and for everything the document does not say (where
evacuees live, where they came from, how their number changed). Every row is flagged
``is_sample=True`` and says so in its source: :data:`SAMPLE_LABEL_JA` / :data:`SAMPLE_LABEL_EN`.

Nothing here is random between runs or machines: every choice is made from a
BLAKE2 hash of fixed keys (no random number generator, no dependence on numpy
versions), so two calls, two processes or two machines give equal frames.

Examples
--------
>>> from regionmap.db import sample
>>> d = sample.dispatch()
>>> fy15 = d[(d.fiscal_year == 2015) & (d.kind == "regional")]
>>> fy15.municipality_code.nunique()
42
>>> sample.document_totals_check(d, sample.evacuees())
[]
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import pandas as pd

from regionmap import figures, importable, reference
from regionmap.settings import DATA_DIR

#: The committed totals transcribed from the planning document.
DOCUMENT_TOTALS_CSV = DATA_DIR / "policy" / "document_totals.csv"

#: Fiscal years covered by the dispatch sample.
DISPATCH_YEARS = (2012, 2013, 2014, 2015, 2016)
#: First and last month of the evacuee sample (first day of the month).
EVACUEE_FIRST_MONTH = _dt.date(2012, 4, 1)
EVACUEE_LAST_MONTH = _dt.date(2016, 3, 1)

#: Dispatch and site kinds: id -> (Japanese, English), the registry's vocabulary.
DISPATCH_KINDS: dict[str, tuple[str, str]] = figures.get("dispatch").kind_labels()
SITE_KINDS: dict[str, tuple[str, str]] = figures.get("sites").kind_labels()

#: Prefectures of origin of evacuees: id -> (Japanese, English).
PREFECTURES: dict[str, tuple[str, str]] = {
    "fukushima": ("福島県", "Fukushima"),
    "miyagi": ("宮城県", "Miyagi"),
    "iwate": ("岩手県", "Iwate"),
    "other": ("その他", "Other"),
}

SAPPORO = "01100"
ISHIKARI = "02"

#: The one wording of "sample" in the data layer (the source of every sample row starts
#: with it; ``database.SAMPLE_SOURCE_*`` too).
SAMPLE_LABEL_JA = "サンプル（架空の内訳）"
SAMPLE_LABEL_EN = "Sample (invented breakdown)"

SOURCE_JA = (
    f"{SAMPLE_LABEL_JA}：資料の合計値"
    "（平成27年度 地域振興派遣42市町村うち継続22、広域連携派遣1団体、徴収対策連携派遣6団体、"
    "避難者約2,500名）に合わせて作成。実データは取込で置き換え"
)
SOURCE_EN = (
    f"{SAMPLE_LABEL_EN}, made to agree with the planning document's totals "
    "(FY2015: regional development dispatch to 42 municipalities, 22 continuing; wide-area 1 body; "
    "tax collection 6 bodies; about 2,500 evacuees). Replace with real figures through the importer"
)

# How many municipalities (n) received each kind per fiscal year, and how many of them (k)
# continued from the previous year. FY2011 is generated but not returned, so that FY2012's
# statuses are plausible. FY2015 values of the three kinds the document counts are replaced
# by the document's totals.
_PLAN: dict[str, dict[int, tuple[int, int]]] = {
    "regional": {
        2011: (20, 0),
        2012: (25, 14),
        2013: (30, 18),
        2014: (36, 22),
        2015: (42, 22),
        2016: (45, 27),
    },
    "wide_area": {2014: (1, 0), 2015: (1, 1), 2016: (1, 1)},
    "collection": {
        2011: (2, 0),
        2012: (2, 0),
        2013: (3, 1),
        2014: (4, 1),
        2015: (6, 1),
        2016: (6, 2),
    },
    "local_autonomy_act": {
        2011: (8, 0),
        2012: (9, 5),
        2013: (10, 6),
        2014: (10, 6),
        2015: (11, 7),
        2016: (11, 7),
    },
    "exchange": {
        2011: (12, 0),
        2012: (12, 6),
        2013: (13, 6),
        2014: (14, 7),
        2015: (14, 7),
        2016: (15, 7),
    },
}

# Evacuees: where they live (name -> weight) and where they came from (share, monthly decline).
# Invented: the document says nothing about where evacuees live or came from.
_EVACUEE_PLACES: dict[str, float] = {
    "札幌市": 0.56,
    "江別市": 0.035,
    "北広島市": 0.025,
    "石狩市": 0.025,
    "千歳市": 0.02,
    "恵庭市": 0.02,
    "当別町": 0.008,
    "新篠津村": 0.002,
    "函館市": 0.04,
    "旭川市": 0.035,
    "苫小牧市": 0.03,
    "小樽市": 0.02,
    "帯広市": 0.02,
    "釧路市": 0.02,
    "北見市": 0.012,
    "室蘭市": 0.01,
    "岩見沢市": 0.01,
    "伊達市": 0.01,
    "登別市": 0.008,
    "音更町": 0.006,
    "ニセコ町": 0.006,
    "東川町": 0.006,
    "北斗市": 0.006,
    "七飯町": 0.005,
    "網走市": 0.005,
    "稚内市": 0.004,
    "名寄市": 0.004,
    "滝川市": 0.004,
    "富良野市": 0.004,
    "留萌市": 0.003,
    "根室市": 0.003,
    "浦河町": 0.003,
    "中標津町": 0.003,
    "江差町": 0.002,
}
_PREFECTURE_MIX: dict[str, tuple[float, float]] = {
    "fukushima": (0.58, 0.000),
    "miyagi": (0.24, 0.004),
    "iwate": (0.08, 0.006),
    "other": (0.10, 0.003),
}
#: The earthquake (東日本大震災, 11 March 2011) and how long after it the document speaks:
#: 「東日本大震災の発生から約4年が経過しているが、本道には、依然として約2,500名」.
EARTHQUAKE_MONTH = _dt.date(2011, 3, 1)
DOCUMENT_YEARS_AFTER = 4
#: The month whose sample total is the document's figure (about 2,500): the document's own
#: time, about four years after the earthquake (March 2015; it gives no month). The
#: document's year is FY2015 and a view of FY2015 shows its last month (March 2016): the
#: invented decline is slow enough that the sample still says about 2,500 there
#: (:func:`document_totals_check` checks both months).
EVACUEE_ANCHOR_MONTH = _dt.date(
    EARTHQUAKE_MONTH.year + DOCUMENT_YEARS_AFTER, EARTHQUAKE_MONTH.month, 1
)
#: Invented monthly decline of the sample total (not from the document: it has one figure).
_EVACUEES_MONTHLY_DECLINE = 0.0015

_OPERATORS: tuple[tuple[str, str], ...] = (
    ("町内会・自治会", "Neighbourhood association"),
    ("社会福祉協議会", "Council of social welfare"),
    ("NPO法人", "Non-profit organisation"),
    ("商工会", "Chamber of commerce and industry"),
    ("生活協同組合", "Consumer co-operative"),
    ("民間事業者", "Private business"),
    ("集落支援員", "Settlement support worker"),
    ("地域おこし協力隊", "Regional revitalisation volunteers"),
)


# --------------------------------------------------------------------------- helpers


def _u(*keys: object) -> float:
    """A uniform number in [0, 1) from a hash of ``keys`` (stable across runs and machines)."""
    text = "|".join(str(k) for k in keys).encode("utf-8")
    digest = hashlib.blake2b(text, digest_size=8, person=b"regionmap").digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _ranked(items: Iterable[str], *salt: object) -> list[str]:
    """``items`` in a fixed pseudo-random order determined by ``salt``."""
    return sorted(items, key=lambda item: (_u(*salt, item), item))


def _municipalities() -> pd.DataFrame:
    """Real municipalities only (no wards, no Northern Territories villages)."""
    m = reference.municipalities()
    return m[m["kind"] == "municipality"].reset_index(drop=True)


def _code_of(name_ja: str) -> str:
    m = _municipalities()
    hit = m.loc[m["name_ja"] == name_ja, "code"]
    if len(hit) != 1:
        raise ValueError(f"sample: municipality name {name_ja!r} matches {len(hit)} rows")
    return str(hit.iloc[0])


@cache
def _document_totals_cached() -> pd.DataFrame:
    path = DOCUMENT_TOTALS_CSV
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("key", "fiscal_year", "value"):
        if col not in df.columns:
            raise ValueError(f"{path}: missing column {col!r}")
    for i, row in df.iterrows():
        for col in ("fiscal_year", "value"):
            try:
                int(row[col])
            except ValueError:
                raise ValueError(
                    f"{path}: row {i + 2}, column {col!r}: expected an integer, got {row[col]!r}"
                ) from None
    df["fiscal_year"] = df["fiscal_year"].astype(int)
    df["value"] = df["value"].astype(int)
    return df


def document_totals() -> pd.DataFrame:
    """The totals the planning document gives, from ``data/policy/document_totals.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per ``key`` (``dispatch_regional``, ``dispatch_regional_continuing``,
        ``evacuees`` …) with ``fiscal_year`` and ``value`` as int, ``as_of`` ("YYYY-MM"
        or empty), units, labels, ``is_approximate`` and ``source_ref``.
    """
    return _document_totals_cached().copy()


def _total(key: str) -> pd.Series:
    df = _document_totals_cached()
    hit = df[df["key"] == key]
    if len(hit) != 1:
        raise KeyError(
            f"{DOCUMENT_TOTALS_CSV}: expected one row with key {key!r}, found {len(hit)}"
        )
    return hit.iloc[0]


def _plan() -> dict[str, dict[int, tuple[int, int]]]:
    """The yearly plan with the document's totals in place for the kinds it counts."""
    plan = {kind: dict(years) for kind, years in _PLAN.items()}
    for kind in ("regional", "wide_area", "collection"):
        total = _total(f"dispatch_{kind}")
        cont = _total(f"dispatch_{kind}_continuing")
        plan[kind][int(total["fiscal_year"])] = (int(total["value"]), int(cont["value"]))
    return plan


def _pick_year(
    kind: str,
    fy: int,
    n: int,
    k: int,
    previous: Sequence[str],
    pool: pd.DataFrame,
) -> list[str]:
    """``k`` municipalities continuing from ``previous`` and ``n - k`` new ones.

    New ones first cover bureaus not yet present, so the sample spreads across Hokkaido.
    """
    if k > len(previous):
        raise ValueError(f"sample plan: {kind} FY{fy} continues {k} of only {len(previous)}")
    keep = _ranked(previous, "continue", kind, fy)[:k]
    bureau_of = dict(zip(pool["code"], pool["bureau_code"], strict=True))
    fresh = [c for c in _ranked(pool["code"], "new", kind, fy) if c not in set(previous)]
    if n - k > len(fresh):
        raise ValueError(f"sample plan: {kind} FY{fy} needs {n - k} new, {len(fresh)} available")
    covered = {bureau_of[c] for c in keep}
    chosen: list[str] = []
    for code in fresh:  # one per uncovered bureau first
        if len(chosen) == n - k:
            break
        if bureau_of[code] not in covered:
            chosen.append(code)
            covered.add(bureau_of[code])
    for code in fresh:
        if len(chosen) == n - k:
            break
        if code not in chosen:
            chosen.append(code)
    return keep + chosen


def _persons(kind: str, fy: int, code: str) -> int:
    u = _u("persons", kind, fy, code)
    extra = {"regional": 0.12, "wide_area": 0.0, "collection": 0.0}.get(kind, 0.25)
    return 1 + int(u < extra) + int(kind == "local_autonomy_act" and u < 0.08)


# --------------------------------------------------------------------------- dispatch


def dispatch() -> pd.DataFrame:
    """Staff dispatched by Hokkaido to municipalities, FY2012–FY2016 (sample).

    Agrees with the document: in FY2015, 42 municipalities received 地域振興派遣, 22 of them
    continuing from FY2014; 広域連携派遣 went to 1 body (continuing) and 徴収対策連携派遣 to
    6 bodies (1 continuing). A body is represented by the municipality that hosts it.

    Returns
    -------
    pandas.DataFrame
        Columns ``fiscal_year`` (int), ``municipality_code`` (5-digit str), ``kind``,
        ``kind_ja``, ``kind_en``, ``persons`` (int >= 1), ``status`` (``continuing`` when the
        municipality had the same kind in the previous fiscal year, else ``new``),
        ``unit_ja``, ``unit_en``, ``is_sample`` (True), ``source_ja``, ``source_en``.
        One row per (fiscal_year, municipality_code, kind), sorted by those.
    """
    muni = _municipalities()
    not_sapporo = muni[muni["code"] != SAPPORO]
    rows = []
    for kind, years in _plan().items():
        pool = muni if kind == "exchange" else not_sapporo
        previous: list[str] = []
        for fy in sorted(years):
            n, k = years[fy]
            chosen = _pick_year(kind, fy, n, k, previous if fy - 1 in years else [], pool)
            if fy in DISPATCH_YEARS:
                prev = set(previous) if fy - 1 in years else set()
                for code in chosen:
                    rows.append(
                        {
                            "fiscal_year": fy,
                            "municipality_code": code,
                            "kind": kind,
                            "persons": _persons(kind, fy, code),
                            "status": "continuing" if code in prev else "new",
                        }
                    )
            previous = chosen
    df = pd.DataFrame(rows)
    df.insert(3, "kind_ja", df["kind"].map(lambda k: DISPATCH_KINDS[k][0]))
    df.insert(4, "kind_en", df["kind"].map(lambda k: DISPATCH_KINDS[k][1]))
    df["unit_ja"] = "人"
    df["unit_en"] = "persons"
    df["is_sample"] = True
    df["source_ja"] = SOURCE_JA
    df["source_en"] = SOURCE_EN
    df = df.sort_values(list(importable.get("dispatch").key), kind="stable")
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- sites


def _site_municipalities(n: int) -> list[str]:
    """``n`` municipalities weighted towards rural towns and villages, one per bureau first."""
    muni = _municipalities()
    muni = muni[muni["code"] != SAPPORO]
    weight = {}
    for code, name, bureau in zip(muni["code"], muni["name_ja"], muni["bureau_code"], strict=True):
        w = 0.35 if name.endswith("市") else 1.0
        if bureau == ISHIKARI:
            w *= 0.5
        weight[code] = w
    # Weighted sampling without replacement (Efraimidis–Spirakis keys from the hash).
    key = {c: -math.log(1.0 - _u("site-muni", c)) / w for c, w in weight.items()}
    order = sorted(weight, key=lambda c: (key[c], c))
    bureau_of = dict(zip(muni["code"], muni["bureau_code"], strict=True))
    chosen: list[str] = []
    covered: set[str] = set()
    for code in order:
        if bureau_of[code] not in covered:
            chosen.append(code)
            covered.add(bureau_of[code])
    for code in order:
        if len(chosen) >= n:
            break
        if code not in chosen:
            chosen.append(code)
    return chosen[:n]


def _site_kind(code: str, i: int) -> str:
    weights = (
        ("shopping", 0.25),
        ("safety_check", 0.22),
        ("salon", 0.22),
        ("inter_settlement", 0.13),
        ("startup", 0.11),
        ("consolidation", 0.07),
    )
    u = _u("site-kind", code, i)
    acc = 0.0
    for kind, w in weights:
        acc += w
        if u < acc:
            return kind
    return weights[-1][0]


def _site_start(kind: str, code: str, i: int) -> int:
    u = _u("site-start", code, i)
    if kind in ("startup", "consolidation"):
        # supported after the model projects, building on their results
        return 2015 if u < 0.6 else 2016
    # the FY2013–14 model projects, then wider roll-out
    return 2013 if u < 0.25 else 2014 if u < 0.55 else 2015 if u < 0.8 else 2016


def _placement(gdf) -> dict[str, tuple[Any, float, float]]:
    """Map municipality code -> (geometry, label lon, label lat) from a municipalities layer."""
    if gdf is None:
        return {}
    frame = gdf.reset_index() if "code" not in gdf.columns else gdf
    if "is_northern_territory" in frame.columns:
        frame = frame[~frame["is_northern_territory"].astype(bool)]
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    out = {}
    for _, row in frame.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        if "label_lon" in frame.columns and pd.notna(row.get("label_lon")):
            lon, lat = float(row["label_lon"]), float(row["label_lat"])
        else:
            p = geom.representative_point()
            lon, lat = p.x, p.y
        out[str(row["code"])] = (geom, lon, lat)
    return out


def _point_in(geom, lon: float, lat: float, *keys: object) -> tuple[float, float]:
    """A point near (lon, lat), jittered deterministically, that lies inside ``geom``."""
    from shapely.geometry import Point

    minx, miny, maxx, maxy = geom.bounds
    reach = 0.25 * min(maxx - minx, maxy - miny)
    for attempt in range(24):
        r = reach * math.sqrt(_u("site-r", *keys, attempt)) * (0.85**attempt)
        a = 2 * math.pi * _u("site-a", *keys, attempt)
        x = round(lon + r * math.cos(a) / max(math.cos(math.radians(lat)), 0.2), 5)
        y = round(lat + r * math.sin(a), 5)
        if geom.contains(Point(x, y)):
            return x, y
    x, y = round(lon, 5), round(lat, 5)
    if geom.contains(Point(x, y)):
        return x, y
    p = geom.representative_point()
    return p.x, p.y


def sites(municipalities_gdf=None, n_municipalities: int = 50) -> pd.DataFrame:
    """Settlement-support sites (集落対策) started FY2013–FY2016 (sample).

    Parameters
    ----------
    municipalities_gdf : geopandas.GeoDataFrame, optional
        The ``municipalities`` layer (``regionmap.geo.load_layer("municipalities")``) with
        ``code``, ``geometry`` and ideally ``label_lon``/``label_lat``. Each site is placed
        near its municipality's label point with a deterministic jitter that stays inside
        the municipality's polygon. Without it, ``lon``/``lat`` are missing (NaN).
    n_municipalities : int
        How many municipalities get sites (1–2 each, so about 1.5 times as many sites).

    Returns
    -------
    pandas.DataFrame
        Columns ``site_id`` ("s001"…), ``name_ja``, ``name_en``, ``municipality_code``,
        ``kind``, ``kind_ja``, ``kind_en``, ``lon``, ``lat``, ``start_fy`` (int),
        ``is_model_project`` (started in the FY2013–14 model period), ``operator_ja``,
        ``operator_en``, ``unit_ja``, ``unit_en``, ``is_sample``, ``source_ja``, ``source_en``.
    """
    muni = _municipalities().set_index("code")
    places = _placement(municipalities_gdf)
    rows = []
    for code in _site_municipalities(n_municipalities):
        count = 1 + int(_u("site-count", code) < 0.5)
        for i in range(count):
            kind = _site_kind(code, i)
            start = _site_start(kind, code, i)
            op_ja, op_en = _OPERATORS[int(_u("site-op", code, i) * len(_OPERATORS))]
            kind_ja, kind_en = SITE_KINDS[kind]
            name = muni.at[code, "name_ja"]
            lon = lat = math.nan
            if code in places:
                geom, lx, ly = places[code]
                lon, lat = _point_in(geom, lx, ly, code, i)
            rows.append(
                {
                    "name_ja": f"{name} {kind_ja}拠点{i + 1}(サンプル)",
                    "name_en": f"{kind_en} site {i + 1}, municipality {code} (sample)",
                    "municipality_code": code,
                    "kind": kind,
                    "kind_ja": kind_ja,
                    "kind_en": kind_en,
                    "lon": lon,
                    "lat": lat,
                    "start_fy": start,
                    "is_model_project": start in (2013, 2014),
                    "operator_ja": op_ja,
                    "operator_en": op_en,
                }
            )
    df = pd.DataFrame(rows).sort_values(["municipality_code", "name_ja"], kind="stable")
    df.insert(0, "site_id", [f"s{i:03d}" for i in range(1, len(df) + 1)])
    df["lon"] = df["lon"].astype(float)
    df["lat"] = df["lat"].astype(float)
    df["unit_ja"] = "箇所"
    df["unit_en"] = "sites"
    df["is_sample"] = True
    df["source_ja"] = SOURCE_JA
    df["source_en"] = SOURCE_EN
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- evacuees


def _months() -> list[_dt.date]:
    out, m = [], EVACUEE_FIRST_MONTH
    while m <= EVACUEE_LAST_MONTH:
        out.append(m)
        m = _dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _fiscal_year(month: _dt.date) -> int:
    return month.year if month.month >= 4 else month.year - 1


def _allocate(total: int, weights: dict[tuple[str, str], float]) -> dict[tuple[str, str], int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    s = sum(weights.values())
    exact = {k: total * w / s for k, w in weights.items()}
    out = {k: math.floor(v) for k, v in exact.items()}
    rest = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def evacuees() -> pd.DataFrame:
    """Evacuees of the Great East Japan Earthquake living in Hokkaido, by month (sample).

    Monthly from April 2012 to March 2016. The total in :data:`EVACUEE_ANCHOR_MONTH` (March
    2015: "about four years" after the earthquake, the time the document speaks of) is the
    document's figure, 2,500; the rest is invented: a slow decline through it (still about
    2,500 at the end of FY2015, the document's year), and where evacuees live and came from.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (datetime.date, first day), ``fiscal_year``, ``municipality_code``,
        ``prefecture``, ``prefecture_ja``, ``prefecture_en``, ``persons`` (int >= 1; cells
        with no one are left out), ``unit_ja``, ``unit_en``, ``is_sample``, ``source_ja``,
        ``source_en``.
    """
    doc = _total("evacuees")
    months = _months()
    t_anchor = months.index(EVACUEE_ANCHOR_MONTH)
    rate = _EVACUEES_MONTHLY_DECLINE
    places = {_code_of(name): w for name, w in _EVACUEE_PLACES.items()}
    rows = []
    for t, m in enumerate(months):
        total = round(int(doc["value"]) * math.exp(-rate * (t - t_anchor)))
        weights = {}
        for code, w in places.items():
            drift = 1.0 + 0.15 * (_u("evac-drift", code) - 0.5) * (t - 24) / 24
            for pref, (share, decline) in _PREFECTURE_MIX.items():
                weights[(code, pref)] = w * drift * share * math.exp(-decline * t)
        for (code, pref), persons in sorted(_allocate(total, weights).items()):
            if persons > 0:
                rows.append(
                    {
                        "month": m,
                        "fiscal_year": _fiscal_year(m),
                        "municipality_code": code,
                        "prefecture": pref,
                        "prefecture_ja": PREFECTURES[pref][0],
                        "prefecture_en": PREFECTURES[pref][1],
                        "persons": persons,
                    }
                )
    df = pd.DataFrame(rows)
    df["unit_ja"] = "人"
    df["unit_en"] = "persons"
    df["is_sample"] = True
    df["source_ja"] = SOURCE_JA
    df["source_en"] = SOURCE_EN
    return df


# --------------------------------------------------------------------------- check


def document_totals_check(
    dispatch_df: pd.DataFrame | None = None,
    evacuees_df: pd.DataFrame | None = None,
    tolerance: float = 0.04,
) -> list[str]:
    """Compare dispatch and evacuee figures with the planning document's totals.

    Parameters
    ----------
    dispatch_df : pandas.DataFrame, optional
        Rows with ``fiscal_year``, ``municipality_code``, ``kind``, ``status``.
    evacuees_df : pandas.DataFrame, optional
        Rows with ``month`` (date or "YYYY-MM-DD"), ``municipality_code``, ``persons``.
    tolerance : float
        Relative tolerance for the approximate evacuee total (the document says 約2,500).

    Returns
    -------
    list of str
        One message per disagreement; empty when the figures agree with the document.
    """
    problems: list[str] = []
    if dispatch_df is not None:
        problems += _check_dispatch(dispatch_df)
    if evacuees_df is not None:
        problems += _check_evacuees(evacuees_df, tolerance)
    return problems


def _check_dispatch(df: pd.DataFrame) -> list[str]:
    problems = []
    muni = _municipalities()
    known = set(muni["code"])
    bad = sorted(set(df["municipality_code"].astype(str)) - known)
    if bad:
        problems.append(f"dispatch: codes that are not municipalities: {', '.join(bad[:10])}")
    for kind in ("regional", "wide_area", "collection"):
        total, cont = _total(f"dispatch_{kind}"), _total(f"dispatch_{kind}_continuing")
        fy = int(total["fiscal_year"])
        rows = df[(df["fiscal_year"].astype(int) == fy) & (df["kind"] == kind)]
        n = rows["municipality_code"].nunique()
        k = rows.loc[rows["status"] == "continuing", "municipality_code"].nunique()
        label = DISPATCH_KINDS[kind][0]
        if n != int(total["value"]):
            problems.append(
                f"dispatch: {label} ({kind}) FY{fy}: {n} {total['unit_en']}, "
                f"document says {total['value']}"
            )
        if k != int(cont["value"]):
            problems.append(
                f"dispatch: {label} ({kind}) FY{fy}: {k} continuing, document says {cont['value']}"
            )
    # status must follow from the previous year wherever the previous year is present
    years = set(df["fiscal_year"].astype(int))
    had = set(zip(df["fiscal_year"].astype(int), df["municipality_code"], df["kind"], strict=True))
    for fy, code, kind, status in zip(
        df["fiscal_year"].astype(int),
        df["municipality_code"],
        df["kind"],
        df["status"],
        strict=True,
    ):
        if fy - 1 not in years:
            continue
        expected = "continuing" if (fy - 1, code, kind) in had else "new"
        if status != expected:
            problems.append(
                f"dispatch: FY{fy} {code} {kind}: status {status!r}, expected {expected!r} "
                "from the previous fiscal year"
            )
    return problems


def _check_evacuees(df: pd.DataFrame, tolerance: float) -> list[str]:
    """The document's 約2,500 at the month a view of its year (FY2015) shows, and at the time
    it speaks of (about four years after the earthquake) where the rows reach back that far."""
    problems = []
    doc = _total("evacuees")
    fy = int(doc["fiscal_year"])
    month = pd.to_datetime(df["month"].astype(str))
    in_year = month[(month.dt.year - (month.dt.month < 4)) == fy]
    if in_year.empty:
        return [f"evacuees: no rows in FY{fy}, the year of the document's figure"]
    months = [in_year.max().strftime("%Y-%m")]  # the month a view of that year shows
    if EVACUEE_ANCHOR_MONTH.strftime("%Y-%m") in set(month.dt.strftime("%Y-%m")):
        months.append(EVACUEE_ANCHOR_MONTH.strftime("%Y-%m"))  # the document's own time
    expected = int(doc["value"])
    for as_of in months:
        total = int(df.loc[(month.dt.strftime("%Y-%m") == as_of).to_numpy(), "persons"].sum())
        if abs(total - expected) > tolerance * expected:
            problems.append(
                f"evacuees: {as_of} total {total} persons, document says about {expected} "
                f"(tolerance {tolerance:.0%})"
            )
    return problems
