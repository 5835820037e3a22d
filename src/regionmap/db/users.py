"""Who may change what: the ``users`` table, kept in the database file itself.

So the list survives restarts and is backed up with the database. Every change of the
list is a new database version (like an import) with a history record of action
``role`` (who changed it, when, what: ``changes`` holds ``{"users": {email: {"from":
..., "to": ...}}}``). An undo restores the figures of an earlier file, never its users:
:func:`carry` copies the live file's list into every new version built from another
base (undo, rebuild), so a role change is never undone by a figures' undo.

Roles (see :mod:`regionmap.auth` for what each may do): ``viewer``, ``editor`` (with
the bureaus they maintain, stored as ``;``-joined bureau codes), ``admin``.

Managed from the command line only (``python -m regionmap users add|list|remove``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

import pandas as pd

from regionmap import reference
from regionmap.db import connection, load, store
from regionmap.db.schema import columns

ROLES = ("viewer", "editor", "admin")
_COLS = tuple(columns("users"))


def normalise_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively, without surrounding blanks."""
    return (email or "").strip().lower()


def bureau_codes(names: Iterable[str]) -> tuple[str, ...]:
    """Bureau codes (``"12"``) of bureau ids, codes or names (``tokachi``, ``12``, ``十勝``).

    Raises ``ValueError`` naming the unknown ones and the accepted ids.
    """
    df = reference.bureaus()
    lookup: dict[str, str] = {}
    for r in df.itertuples():
        for key in (r.bureau_code, r.bureau_id, r.name_ja, r.short_ja, r.name_en):
            lookup[str(key).strip().lower()] = r.bureau_code
        lookup[str(int(r.bureau_code))] = r.bureau_code
    out: list[str] = []
    bad: list[str] = []
    for name in names:
        for part in str(name).replace(",", " ").split():
            code = lookup.get(part.strip().lower())
            if code is None:
                bad.append(part)
            elif code not in out:
                out.append(code)
    if bad:
        raise ValueError(
            f"unknown bureau(s) {', '.join(bad)}; use one of: {', '.join(df['bureau_id'])}"
        )
    return tuple(sorted(out))


def bureau_label(codes: Sequence[str], lang: str = "en") -> str:
    """Bureau codes as names people read (``Tokachi`` / ``十勝``), joined."""
    df = reference.bureaus().set_index("bureau_code")
    col = "name_en" if lang == "en" else "short_ja"
    return (", " if lang == "en" else "・").join(str(df[col].get(c, c)) for c in codes if c)


def split_codes(value: object) -> tuple[str, ...]:
    """The ``bureaus`` cell (``"05;12"``) as a tuple of codes."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(c for c in value.split(";") if c)


def list_users(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The users of the live database (email, role, bureaus, added_by, added_at), by email."""

    con = connection.connect(path)
    return con.execute(f"SELECT {', '.join(_COLS)} FROM users ORDER BY email").df()  # noqa: S608


def lookup(email: str | None, path: str | os.PathLike | None = None) -> dict | None:
    """The user record of ``email`` (case-insensitive), or None when not listed."""
    if not email:
        return None

    row = (
        connection.connect(path)
        .execute(
            f"SELECT {', '.join(_COLS)} FROM users WHERE email = ?",  # noqa: S608
            [normalise_email(email)],
        )
        .fetchone()
    )
    return None if row is None else dict(zip(_COLS, row, strict=True))


def _describe(rec: dict | None) -> str | None:
    if rec is None:
        return None
    codes = split_codes(rec.get("bureaus"))
    return rec["role"] + (f" ({bureau_label(codes)})" if codes else "")


def _change(
    path: str | os.PathLike | None,
    email: str,
    new: dict | None,
    actor: str | None,
) -> dict:

    p = store.default_path(path)
    load.ensure_database(p)
    email = normalise_email(email)
    holder: dict = {}

    def apply(con, version):
        row = con.execute(
            f"SELECT {', '.join(_COLS)} FROM users WHERE email = ?",  # noqa: S608
            [email],
        ).fetchone()
        old = None if row is None else dict(zip(_COLS, row, strict=True))
        if new is None and old is None:
            raise LookupError(f"{email} is not in the list of users")
        con.execute("DELETE FROM users WHERE email = ?", [email])
        if new is not None:
            rec = {**new, "email": email, "added_by": who, "added_at": store._now()}
            con.execute(
                f"INSERT INTO users ({', '.join(_COLS)}) VALUES (?, ?, ?, ?, ?)",  # noqa: S608
                [rec[c] for c in _COLS],
            )
        before, after = _describe(old), _describe(new)
        holder["old"] = old
        verb = "removed" if new is None else ("added" if old is None else "changed")
        return {
            "changes": json.dumps(
                {"users": {email: {"from": before, "to": after}}}, ensure_ascii=False
            ),
            "note": f"{verb} {email}: {before or '-'} -> {after or '-'}",
        }

    who = actor or store._user()
    record = {"action": "role", "user_name": who, "table_name": "users"}
    # a role change keeps no snapshot: it is not undone by the figures' undo
    rec = store._write_version(p, apply, record, keep_previous=False)
    rec["previous"] = holder.get("old")
    return rec


def add(
    email: str,
    role: str,
    bureaus: Iterable[str] = (),
    *,
    actor: str | None = None,
    path: str | os.PathLike | None = None,
) -> dict:
    """Add ``email`` with ``role`` (or change their role); returns the history record.

    An editor needs at least one bureau (``tokachi``, ``12``, ``十勝``); viewers and admins
    take none. Raises ``ValueError`` for a bad role, e-mail or bureau.
    """
    email = normalise_email(email)
    if "@" not in email or any(c.isspace() for c in email):
        raise ValueError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    codes = bureau_codes(bureaus)
    if role == "editor" and not codes:
        raise ValueError("an editor needs the bureau(s) they maintain: --bureau tokachi …")
    if role != "editor" and codes:
        raise ValueError(f"--bureau is for editors; a {role} covers every bureau")
    return _change(path, email, {"role": role, "bureaus": ";".join(codes) or None}, actor)


def remove(email: str, *, actor: str | None = None, path: str | os.PathLike | None = None) -> dict:
    """Remove ``email`` from the list (they become an unlisted user); raises LookupError."""
    return _change(path, email, None, actor)
