"""Policy themes and the project's transcribed policy tables (``data/policy/*.csv``).

One taxonomy tags every overlay record: the four pillars of the comprehensive
plan (``pillar_*``) and the four policy directions that group the regional
priority projects (``dir_*``). Records carry their themes as a ``;``-joined
``theme_ids`` string.

Examples
--------
>>> split_ids("dir_tourism;pillar_economy")
['dir_tourism', 'pillar_economy']
>>> theme_name("pillar_people", "en")
'People and succession'
"""

from __future__ import annotations

import pandas as pd

from regionmap.once import made_once
from regionmap.settings import DATA_DIR

#: Folder of the policy tables transcribed from the planning document.
POLICY_DIR = DATA_DIR / "policy"
#: The tables in ``POLICY_DIR`` (file stem -> key column).
POLICY_TABLES: dict[str, str] = {
    "themes": "theme_id",
    "priority_projects": "project_id",
    "proposals": "proposal_id",
    "measures": "measure_id",
    "bureau_projects": "item_id",
    "document_totals": "key",
    "selections": "table",
    "sections": "section_id",
    "policy_flow": "step",
}


def split_ids(value: object) -> list[str]:
    """Split a ``;``-joined id list ("a;b") into its ids, ignoring blanks and spaces."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


@made_once(max_entries=64)
def _table(name: str) -> pd.DataFrame:
    if name not in POLICY_TABLES:
        raise KeyError(f"unknown policy table {name!r}; known: {', '.join(POLICY_TABLES)}")
    path = POLICY_DIR / f"{name}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    key = POLICY_TABLES[name]
    if key not in df.columns:
        raise ValueError(f"{path}: missing key column {key!r}")
    dup = df[key][df[key].duplicated()].tolist()
    if dup:
        raise ValueError(f"{path}: duplicate {key} {dup[0]!r}")
    return df


def policy_table(name: str) -> pd.DataFrame:
    """One transcribed policy table as strings (a copy; ``""`` for blanks).

    Parameters
    ----------
    name : str
        A key of :data:`POLICY_TABLES`, e.g. ``"priority_projects"``.
    """
    return _table(name).copy()


def themes() -> pd.DataFrame:
    """The 8 policy themes: theme_id, kind, name_ja, name_en, group_id, sort_order (int) …"""
    df = policy_table("themes")
    df["sort_order"] = df["sort_order"].astype(int)
    return df.sort_values("sort_order").reset_index(drop=True)


def theme_name(theme_id: str, language: str = "ja") -> str:
    """The display name of a theme in ``language`` ("ja" or "en")."""
    df = _table("themes").set_index("theme_id")
    if theme_id not in df.index:
        raise KeyError(f"unknown theme id {theme_id!r}")
    return str(df.at[theme_id, "name_en" if language == "en" else "name_ja"])
