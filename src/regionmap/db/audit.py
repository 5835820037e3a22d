"""The audit trail: what each version changed, per table and bureau, in words.

The trail *is* the database history (:func:`regionmap.db.history`): one record per
version with who (``user_name``: the signed-in e-mail, or the operating-system user on
the command line) and the rights that allowed it, as read from the database at the moment
of the write (``user_role``, ``user_bureaus``: an editor's bureau codes, ``user_key``: how
they were known — ``subject``, ``email`` or ``os``, the operating-system account),
when (``created_at``, UTC), the file (``file_name``, ``file_size``, ``sha256``), from
which version to which (``from_version`` → ``version``) and what changed (``changes``:
JSON ``{table: {bureau_code: {added, replaced, sample_removed}}}`` for imports and
undos, ``{"users": {email: {from, to}}}`` for role changes). The records
are rewritten into every new version and into ``<db>.history/history.json``, so undo
and the pruning of old versions never lose one.
"""

from __future__ import annotations

import json
import os
from typing import Any

import duckdb
import pandas as pd

from regionmap.db import store, users
from regionmap.db.export import frame_bytes
from regionmap.i18n import t

#: Columns of the audit export, in order.
AUDIT_COLUMNS = [
    "version", "from_version", "action", "user_name", "user_role", "user_bureaus", "user_key",
    "created_at", "table_name", "file_name",
    "file_size", "sha256", "bureau_scope", "rows_added", "rows_replaced", "rows_removed",
    "changes", "changes_text", "note", "undoes", "undone_by",
]  # fmt: skip


def import_changes(con: duckdb.DuckDBPyConnection, table: str, plan: dict) -> str:
    """What an import changes per bureau (JSON text for the history's ``changes``)."""
    bureau_of = dict(con.execute("SELECT code, bureau_code FROM municipalities").fetchall())
    per: dict[str, dict[str, int]] = {}
    rows = plan["rows"]
    for code, change in zip(rows["municipality_code"], rows["change"], strict=True):
        b = bureau_of.get(str(code), "?")
        counts = per.setdefault(b, {"added": 0, "replaced": 0, "sample_removed": 0})
        if change == "add":
            counts["added"] += 1
        elif change == "replace":
            counts["replaced"] += 1
    for item in plan.get("removed_by_bureau", []):
        counts = per.setdefault(
            item["bureau_code"], {"added": 0, "replaced": 0, "sample_removed": 0}
        )
        counts["sample_removed"] += int(item["rows"])
    per = {b: c for b, c in sorted(per.items()) if any(c.values())}
    return json.dumps({table: per}, ensure_ascii=False)


def parse(changes: Any) -> dict:
    """The ``changes`` cell as a dict ({} when empty or unreadable)."""
    if not isinstance(changes, str) or not changes:
        return {}
    try:
        out = json.loads(changes)
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def changes_text(changes: Any, lang: str = "en", action: str | None = None) -> str:
    """``changes`` in one line: ``dispatch: Tokachi +3 ~1 −5 sample`` / role changes. An
    undo's record carries the changes of the import it takes back: said as such."""
    text = _changes_line(changes, lang)
    if action == "undo" and text:
        return t("audit.undone", lang, changes=text)
    return text


def _changes_line(changes: Any, lang: str) -> str:
    parts = []
    for table, per in parse(changes).items():
        if table == "users":
            for email, ch in per.items():
                parts.append(f"{email}: {ch.get('from') or '-'} → {ch.get('to') or '-'}")
            continue
        items = []
        for code, c in per.items():
            bits = []
            if c.get("added"):
                bits.append(f"+{c['added']}")
            if c.get("replaced"):
                bits.append(f"~{c['replaced']}")
            if c.get("sample_removed"):
                bits.append(t("audit.sample_removed", lang, n=c["sample_removed"]))
            items.append(f"{users.bureau_label([code], lang) or code} {' '.join(bits)}".strip())
        parts.append(f"{table}: {', '.join(items)}" if items else table)
    return "; ".join(parts)


def audit_frame(history: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The history as the audit export: every field, plus ``changes_text``, oldest first."""
    df = history.copy()
    actions = df.get("action", pd.Series([None] * len(df)))
    changes = df.get("changes", pd.Series([None] * len(df)))
    df["changes_text"] = [changes_text(c, lang, a) for c, a in zip(changes, actions, strict=True)]
    cols = [c for c in AUDIT_COLUMNS if c in df.columns]
    return df[cols].sort_values("version", ignore_index=True)


def audit_csv(path: str | os.PathLike | None = None, lang: str = "en") -> bytes:
    """The audit trail as CSV (formula-safe: cells starting with = + - @ are neutralised)."""

    return frame_bytes(audit_frame(store.history(path), lang), "csv")
