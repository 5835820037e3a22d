"""The data layer's command line: ``python -m regionmap db init|import|export|history|undo|
publish`` and ``python -m regionmap users add|list|remove`` (the parser is in
``regionmap.__main__``).

Written in English (an operator's terminal); the words of the records (roles, how a person
was known, a change in words) come from the text catalogue, like the Data page's. Exit code
0 on success, 1 when the input is refused (with a message on standard error that says what
and where), never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from regionmap import auth
from regionmap.db import export, importer, load, snapshot, store, users
from regionmap.db.audit import changes_text
from regionmap.i18n import CATALOG, join, t
from regionmap.texttable import cell_text, local_time, text_table

#: The command line's language (its own words are English; see the module's docstring).
LANG = "en"

# --------------------------------------------------------------------------------------
# db history
# --------------------------------------------------------------------------------------

_HISTORY_COLUMNS = [
    ("version", "version"), ("action", "action"), ("table_name", "table"), ("file_name", "file"),
    ("rows_added", "added"), ("rows_replaced", "replaced"), ("rows_removed", "sample removed"),
    ("user_name", "user"), ("created_at", "time (JST)"), ("undone_by", "undone by"),
    ("undoes", "undoes"), ("from_version", "from"), ("file_size", "bytes"),
    ("sha256", "sha256"), ("changes", "changes"),
]  # fmt: skip


def rights_text(role: Any, bureaus: Any, key: Any, lang: str = LANG) -> str:
    """The rights a write was allowed by, as the history records them (``user_role``,
    ``user_bureaus``, ``user_key``): ``bureau editor: Tokachi; verified e-mail``; "" for a
    record from before they were kept."""
    if role not in auth.ROLES:
        return ""
    label = users.bureau_label(users.split_codes(bureaus), lang)
    parts = [t("auth.role." + role, lang, bureaus=label)]
    if f"data.users.key.{key}" in CATALOG:
        parts.append(t(f"data.users.key.{key}", lang))
    return join(parts, lang, sep="clauses")


def _user_cell(r: dict) -> str:
    """Who wrote a version, with the rights that allowed it: ``alice@example.org (bureau
    editor: Tokachi; verified e-mail)``."""
    who = cell_text(r.get("user_name"))
    rights = rights_text(r.get("user_role"), r.get("user_bureaus"), r.get("user_key"))
    return f"{who} ({rights})" if rights else who


def _history_cell(r: dict, c: str) -> Any:
    if c == "created_at":
        return local_time(r.get(c))
    if c == "changes":
        return changes_text(r.get(c), LANG, action=r.get("action"))
    if c == "sha256":
        return cell_text(r.get(c))[:12]
    if c == "user_name":
        return _user_cell(r)
    return r.get(c)


def history_text(hist: pd.DataFrame) -> str:
    """The database versions (:func:`regionmap.db.history`) as an aligned text table; the
    user column says the rights each write was allowed by."""
    rows = [[_history_cell(r, c) for c, _ in _HISTORY_COLUMNS] for r in hist.to_dict("records")]
    return text_table(rows, [h for _, h in _HISTORY_COLUMNS])


# --------------------------------------------------------------------------------------
# db init|import|export|history|undo|publish
# --------------------------------------------------------------------------------------

_PREVIEW_HIDDEN = {"source_ja", "source_en", "kind_en", "is_sample", "import_id", "name_en",
                   "operator_en"}  # fmt: skip
_PREVIEW_ROWS = 20


def _print_frame(df: pd.DataFrame, out: TextIO | None = None) -> None:
    out = out if out is not None else sys.stdout
    print(text_table(df.astype(object).to_numpy().tolist(), list(df.columns)), file=out)


def _init(args: argparse.Namespace, db_path: Path) -> int:
    rec = load.init_database(db_path, force=getattr(args, "force", False))
    if rec["action"] == "exists":
        print(f"{db_path} exists (use --force to rebuild it; the current file is kept for undo)")
    else:
        print(f"created {db_path} (version {rec['version']}): {rec['note']}")
    return 0


def _import(args: argparse.Namespace, db_path: Path) -> int:
    res = importer.import_file(
        args.file,
        args.table,
        dry_run=args.dry_run,
        user=args.user,
        db_path=db_path,
        fiscal_year=getattr(args, "fiscal_year", None),
    )
    for issue in res.errors:
        print(issue.format(LANG), file=sys.stderr)
    for n in res.note_texts(LANG):
        print(f"note: {n}")
    if not res.ok:
        print(f"refused: {len(res.errors)} problem(s); nothing was imported", file=sys.stderr)
        return 1
    print(res.summary(LANG))
    if args.dry_run and res.plan is not None:
        _print_preview(res.preview())
    if res.already_imported is not None and args.dry_run:
        print(f"note: this file was imported before (version {res.already_imported['version']})")
    return 0


def _print_preview(prev: pd.DataFrame) -> None:
    cols = [c for c in prev.columns if c not in _PREVIEW_HIDDEN]
    _print_frame(prev[cols].head(_PREVIEW_ROWS))
    if len(prev) > _PREVIEW_ROWS:
        print(f"… {len(prev) - _PREVIEW_ROWS} more rows")


def _export(args: argparse.Namespace, db_path: Path) -> int:
    out = Path(args.out)
    n = export.export_table(args.table, out, db_path=db_path)
    print(f"wrote {n} rows of {args.table} to {out}")
    return 0


def _history(args: argparse.Namespace, db_path: Path) -> int:
    hist = store.history(db_path)
    print(history_text(hist) if not hist.empty else "no history")
    return 0


def _undo(args: argparse.Namespace, db_path: Path) -> int:
    from regionmap.db.changes import undo

    rec = undo(db_path, user=getattr(args, "user", None))
    print(
        f"undid version {rec['undoes']} ({rec['file_name'] or 'init'}); "
        f"now at version {rec['version']}"
    )
    return 0


def _publish(args: argparse.Namespace) -> int:
    try:
        snap, new = snapshot.publish(args.to, args.db, keep=args.keep)
    except snapshot.SnapshotError as exc:
        print(f"regionmap: {exc}", file=sys.stderr)
        return 1
    m = snap.manifest
    what = "published" if new else "already published (no change since)"
    print(f"{what}: {snap.path} (version {m['version']}, sha256 {m['sha256'][:16]}…)")
    return 0


_DB_ACTIONS = {"init": _init, "import": _import, "export": _export, "history": _history,
               "undo": _undo}  # fmt: skip


def db_command(args: argparse.Namespace) -> int:
    """``python -m regionmap db init|import|export|history|undo|publish``."""
    if args.action == "publish":
        return _publish(args)
    db_path = store.default_path(getattr(args, "db", None))
    action = _DB_ACTIONS.get(args.action)
    if action is None:
        return 2
    try:
        return action(args, db_path)
    except export.ExportError as exc:  # the export file's problem, not the database's
        print(f"regionmap: {exc}", file=sys.stderr)
    except (LookupError, KeyError, ValueError, TimeoutError, PermissionError) as exc:
        print(f"{db_path}: {exc}", file=sys.stderr)
    except OSError as exc:  # a full disk (the OS's or DuckDB's error), a read-only folder …
        reason = exc.strerror or str(exc)
        full = f": {store.failure_reason(exc)}" if exc.errno == errno.ENOSPC else ""
        print(
            f"{db_path}: could not write the database ({reason}); the new version was not "
            f"swapped in{full}",
            file=sys.stderr,
        )
    return 1


# --------------------------------------------------------------------------------------
# users add|list|remove
# --------------------------------------------------------------------------------------


def _key_cell(key: str, subject: Any, issuer: Any) -> str:
    """How a record is matched: ``account SUB @ ISS`` or ``verified e-mail``."""
    if key == "subject":
        return f"account {subject} @ {issuer}"
    return t("data.users.key.email", LANG)


def _list_users(path: Path) -> int:
    df = users.list_users(path)
    if df.empty:
        print("no users (in shared mode everyone signed in is an unlisted user)")
        return 0
    df["bureaus"] = [users.bureau_label(users.split_codes(b), LANG) for b in df["bureaus"]]
    df["added_at"] = [local_time(v) for v in df["added_at"]]
    df["key"] = [
        _key_cell(k, s, i) for k, s, i in zip(df["key"], df["subject"], df["issuer"], strict=True)
    ]
    df = df.drop(columns=["issuer", "subject"]).rename(columns={"key": "matched by"})
    print(text_table(df.to_numpy().tolist(), list(df.columns)))
    return 0


def _change_users(args: argparse.Namespace, path: Path) -> dict:
    if args.action == "add":
        return users.add(args.email, args.role, args.bureau, subject=args.subject,
                         issuer=args.issuer, path=path)  # fmt: skip
    return users.remove(args.email, path=path)


def users_command(args: argparse.Namespace) -> int:
    """``users add|remove|list``: changes are recorded in the history with the OS user."""
    path = store.default_path(args.db)
    try:
        if args.action == "list":
            return _list_users(path)
        rec = _change_users(args, path)
    except (LookupError, ValueError, TimeoutError, PermissionError) as exc:
        print(f"regionmap users: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk: the list of users is as it was
        print(
            f"regionmap users: could not write the database {path}: {store.failure_reason(exc)}; "
            "the users are as they were",
            file=sys.stderr,
        )
        return 1
    print(f"{rec['note']} (version {rec['version']}, by {rec['user_name']})")
    return 0
