"""Who may change what: the ``users`` table, kept in the database file itself.

So the list survives restarts and is backed up with the database. Every change of the
list is a new database version (like an import) with a history record of action
``role`` (who changed it, when, what: ``changes`` holds ``{"users": {email: {"from":
..., "to": ...}}}``). An undo restores the figures of an earlier file, never its users:
:func:`carry` copies the live file's list into every new version built from another
base (undo, rebuild), so a role change is never undone by a figures' undo.

Roles (see :mod:`regionmap.auth` for what each may do): ``viewer``, ``editor`` (with
the bureaus they maintain, stored as ``;``-joined bureau codes), ``admin``.

Each record is keyed (:func:`regionmap.auth.pick_user`) on the account it is bound to
(``issuer`` + ``subject`` of the ID token: ``users add EMAIL --subject SUB --issuer URL``),
or, bound to none, on the e-mail, which then matches only when the provider says it is
verified. Records of before schema 6 are e-mail records.

Rights are read again here at the moment of every change (:func:`rights_now`, called by
the store under the writer lock: an import, an undo, a change of this list), and the
history records the rights that allowed it (role, bureaus, key). Whoever is not allowed
any more gets :class:`regionmap.auth.Refused` and nothing is written.

Managed from the command line only (``python -m regionmap users add|list|remove``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

import duckdb
import pandas as pd

from regionmap import auth, i18n, reference, settings
from regionmap.db import connection, load, store
from regionmap.db.schema import columns

ROLES = auth.ROLES
_COLS = tuple(columns("users"))
#: The columns of :func:`list_users`, in order (``key``: how a sign-in matches the record).
LIST_COLUMNS = ("email", "role", "bureaus", "key", "issuer", "subject", "added_by", "added_at")
normalise_email = auth.normalise_email


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
    col = i18n.short_name_col(lang)
    return i18n.join((str(df[col].get(c, c)) for c in codes if c), lang, sep="middot")


def split_codes(value: object) -> tuple[str, ...]:
    """The ``bureaus`` cell (``"05;12"``) as a tuple of codes."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(c for c in value.split(";") if c)


def list_users(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The users of the live database by email: :data:`LIST_COLUMNS`, where ``key`` is
    ``subject`` (bound to the account ``issuer`` + ``subject``) or ``email`` (a verified
    e-mail)."""

    con = connection.connect(path)
    df = con.execute(f"SELECT {', '.join(_COLS)} FROM users ORDER BY email").df()  # noqa: S608
    df["key"] = ["subject" if isinstance(s, str) and s else "email" for s in df["subject"]]
    return df[list(LIST_COLUMNS)]


def _records(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every record of the ``users`` table of ``con`` (none in a file without the table)."""
    try:
        cur = con.execute("SELECT * FROM users")
    except duckdb.CatalogException:  # a file older than the list of users: nobody is listed
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def find(
    path: str | os.PathLike | None = None,
    *,
    email: str | None,
    issuer: str | None = None,
    subject: str | None = None,
    email_verified: bool = False,
    live: bool = False,
) -> tuple[dict | None, str | None, str | None]:
    """The record of a signed-in person: ``(record, key, mismatch)`` of
    :func:`regionmap.auth.pick_user`. ``live``: read the file itself now (under the writer
    lock), not the cached connection."""
    if live:
        p = store.default_path(path)
        if not p.exists():
            return None, None, None
        con = store.open_read_only(p)
        try:
            records = _records(con)
        finally:
            con.close()
    else:
        records = _records(connection.connect(path))
    found, key, mismatch = auth.pick_user(
        records, email=email, issuer=issuer, subject=subject, email_verified=email_verified
    )
    return (dict(found) if found is not None else None), key, mismatch


def rights_now(
    actor: auth.Identity | str | None, path: str | os.PathLike | None = None
) -> auth.Identity | None:
    """The rights of ``actor`` as the live database says at this moment.

    A signed-in person (shared mode) is looked up again in the live file's list (None:
    not listed and unlisted users are refused); the person at the machine (personal mode)
    keeps the rights of the mode; a name or None is the operator of the command line
    (the operating-system account, every right).
    """
    if not isinstance(actor, auth.Identity):
        return auth.personal_identity(actor or store.os_user())
    if actor.mode != "shared":
        return actor
    record, key, mismatch = find(
        path,
        email=actor.email,
        issuer=actor.issuer,
        subject=actor.subject,
        email_verified=actor.email_verified,
        live=True,
    )
    return auth.shared_identity(
        actor.email or "",
        record,
        settings.get("unlisted_users"),
        issuer=actor.issuer,
        subject=actor.subject,
        email_verified=actor.email_verified,
        key=key,
        mismatch=mismatch,
    )


def authorise(
    actor: auth.Identity | str | None,
    path: str | os.PathLike | None,
    action: str,
    *,
    bureaus: Iterable[str] = (),
    then: dict | None = None,
) -> dict:
    """Read ``actor``'s rights again (:func:`rights_now`) and refuse ``action`` (``import``
    of rows of ``bureaus``, ``users``; ``undo`` checks its target itself) with
    :class:`regionmap.auth.Refused` when they do not allow it.

    Returns the history fields of who did it and with what rights (``user_name``,
    ``user_role``, ``user_bureaus``, ``user_key``); ``then["identity"]`` receives the
    identity read. Called by the store under the writer lock, before anything is written.
    """
    now = rights_now(actor, path)
    if then is not None:
        then["identity"] = now
    refusal = auth.write_refusal(now, action, bureaus=bureaus, bureau_names=bureau_label)
    if refusal is not None:
        raise refusal
    assert now is not None  # write_refusal refuses no identity
    return {"user_name": now.name, **auth.rights_record(now)}


def _describe(rec: dict | None) -> str | None:
    if rec is None:
        return None
    codes = split_codes(rec.get("bureaus"))
    return rec["role"] + (f" ({bureau_label(codes)})" if codes else "")


def _change(
    path: str | os.PathLike | None,
    email: str,
    new: dict | None,
    actor: auth.Identity | str | None,
) -> dict:

    p = store.default_path(path)
    load.ensure_database(p)
    email = normalise_email(email)
    holder: dict = {}

    def apply(con, version):
        records = _records(con)
        old = next((r for r in records if r.get("email") == email), None)
        if new is None and old is None:
            raise LookupError(f"{email} is not in the list of users")
        rec = None
        if new is not None:
            rec = {**new, "email": email, "added_by": holder["who"], "added_at": store.utc_now()}
            if old is not None and rec.get("subject") is None:  # a role change keeps the binding
                rec["issuer"], rec["subject"] = old.get("issuer"), old.get("subject")
            other = next(
                (r["email"] for r in records if rec.get("subject") and r["email"] != email
                 and (r.get("issuer"), r.get("subject")) == (rec["issuer"], rec["subject"])),
                None,
            )  # fmt: skip
            if other:
                raise ValueError(f"that account (--subject/--issuer) is already {other}'s")
        con.execute("DELETE FROM users WHERE email = ?", [email])
        if rec is not None:
            con.execute(
                f"INSERT INTO users ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",  # noqa: S608
                [rec.get(c) for c in _COLS],
            )
        before, after = _describe(old), _describe(rec)
        holder["old"] = old
        verb = "removed" if new is None else ("added" if old is None else "changed")
        return {
            "changes": json.dumps(
                {"users": {email: {"from": before, "to": after}}}, ensure_ascii=False
            ),
            "note": f"{verb} {email}: {before or '-'} -> {after or '-'}",
        }

    def check() -> dict:
        fields = authorise(actor, p, "users")
        holder["who"] = fields["user_name"]
        return fields

    record = {"action": "role", "table_name": "users"}
    # a role change keeps no snapshot: it is not undone by the figures' undo
    rec = store.write_version(p, apply, record, keep_previous=False, authorise=check)
    rec["previous"] = holder.get("old")
    return rec


def add(
    email: str,
    role: str,
    bureaus: Iterable[str] = (),
    *,
    subject: str | None = None,
    issuer: str | None = None,
    actor: auth.Identity | str | None = None,
    path: str | os.PathLike | None = None,
) -> dict:
    """Add ``email`` with ``role`` (or change their role); returns the history record.

    An editor needs at least one bureau (``tokachi``, ``12``, ``十勝``); viewers and admins
    take none. ``subject`` and ``issuer`` (together) bind the record to that account (the
    ID token's ``sub`` and ``iss``); without them a new record is matched by verified
    e-mail and a changed one keeps its binding. ``actor``: who changes the list — a
    signed-in identity (their rights are read again, under the writer lock: only an
    administrator may), or the command line's operator. Raises ``ValueError`` for a bad
    role, e-mail, bureau or account, :class:`regionmap.auth.Refused` for an actor who may
    not change the list.
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
    subject, issuer = (subject or "").strip() or None, (issuer or "").strip() or None
    if (subject is None) != (issuer is None):
        raise ValueError(
            "--subject and --issuer go together: the account is the provider's (issuer) "
            "subject id (both are shown to the person signed in, on the データ page)"
        )
    if issuer is not None and not issuer.startswith(("https://", "http://")):
        raise ValueError(f"--issuer {issuer!r} is not the provider's issuer URL (https://…)")
    new = {"role": role, "bureaus": ";".join(codes) or None, "issuer": issuer, "subject": subject}
    return _change(path, email, new, actor)


def remove(
    email: str,
    *,
    actor: auth.Identity | str | None = None,
    path: str | os.PathLike | None = None,
) -> dict:
    """Remove ``email`` from the list (they become an unlisted user); raises LookupError."""
    return _change(path, email, None, actor)
