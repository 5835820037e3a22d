"""Published snapshots: the one editing instance publishes, replicas on other hosts follow.

``publish(to)`` writes an immutable, checksummed copy of the live database into a shared
folder (a network file system, or a folder synced to object storage)::

    <to>/000007-v12.duckdb          the database file, never modified once renamed
    <to>/000007-v12.json            its manifest, written last: sha256, size, seq,
                                    version, schema_version, created_at, source

Both are written under a temp name (``.<name>.tmp-<pid>``) and renamed; the manifest is
renamed last, so a snapshot is *complete* exactly when its manifest is there. ``seq``
grows by one per publish (the order; clocks of other hosts play no part).

:class:`Follower` keeps a local copy of the newest complete snapshot at a path replicas
open read-only (``REGIONMAP_DB_PATH``): it copies the file while hashing it, and only a
copy whose sha256 and size match the manifest is swapped in (``os.replace``). A snapshot
without its manifest (still being copied, or torn) is not looked at; one whose bytes do
not match its manifest is refused and never opened. Replicas notice the swapped file at
their next rerun, as after a local import.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from regionmap import settings
from regionmap.db.store import default_path, failure_reason, one_row, open_read_only

FORMAT = 1
_NAME = re.compile(r"^(\d{6})-v(\d+)\.json$")
_SEQ = re.compile(r"^(\d{6})-v\d+\.(?:json|duckdb)$")
_CHUNK = 1 << 20


class SnapshotError(RuntimeError):
    """A snapshot cannot be published or installed; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """A complete snapshot: its manifest, read from ``folder``."""

    folder: Path
    manifest: dict

    @property
    def seq(self) -> int:
        return int(self.manifest["seq"])

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    @property
    def path(self) -> Path:
        return self.folder / str(self.manifest["file"])

    @property
    def name(self) -> str:
        return Path(str(self.manifest["file"])).stem


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system (or OS) allows it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_hashing(src, dest: Path) -> tuple[str, int]:
    """Copy the open binary file ``src`` to ``dest`` (created exclusively); (sha256, size)."""
    h = hashlib.sha256()
    size = 0
    with open(dest, "xb") as out:
        while chunk := src.read(_CHUNK):
            h.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest(), size


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_manifest(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    need = {"format", "file", "sha256", "size", "seq", "version", "created_at"}
    if not isinstance(doc, dict) or not need <= doc.keys() or doc["format"] != FORMAT:
        return None
    if Path(str(doc["file"])).name != doc["file"]:  # a file beside the manifest, nothing else
        return None
    return doc


def complete(folder: str | os.PathLike) -> list[Snapshot]:
    """The complete snapshots in ``folder`` (manifest present and readable, file of the
    manifest's size present), newest (highest ``seq``) first. Checksums are not read here."""
    folder = Path(folder)
    out = []
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    for name in names:
        if not _NAME.match(name):
            continue
        doc = _read_manifest(folder / name)
        if doc is None:
            continue
        snap = Snapshot(folder, doc)
        try:
            if snap.path.stat().st_size != int(doc["size"]):
                continue
        except OSError:
            continue
        out.append(snap)
    return sorted(out, key=lambda s: s.seq, reverse=True)


def _db_facts(path: Path) -> tuple[int, int | None]:
    """(history version, schema version) of a database file."""
    con = open_read_only(path)
    try:
        version = one_row(con.execute("SELECT coalesce(max(version), 0) FROM import_history"))[0]
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(version), (int(row[0]) if row else None)
    finally:
        con.close()


def _keep(keep: int | None) -> int:
    """Snapshots to keep: ``keep``, else the ``snapshot_keep`` setting; at least 1."""
    if keep is None:
        try:
            return settings.get("snapshot_keep")
        except ValueError as exc:  # names REGIONMAP_SNAPSHOT_KEEP
            raise SnapshotError(f"{exc}; nothing was published") from None
    if keep < 1:
        raise SnapshotError(
            f"the snapshots to keep (--keep) must be 1 or more, not {keep}: the snapshot just published is always "
            "kept, so replicas have one to follow; nothing was published"
        )
    return keep


def _folder(to: str | os.PathLike) -> Path:
    """The snapshot folder ``to``, created if missing; refused when empty, a file, or not
    creatable."""
    if not str(to).strip():
        raise SnapshotError(
            "no snapshot folder given (--to is empty); name the folder the replicas follow, "
            "e.g. --to /srv/regionmap/snapshots"
        )
    folder = Path(to).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise SnapshotError(f"{folder} is a file, not a folder; give a snapshot folder for --to")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SnapshotError(
            f"cannot create the snapshot folder {folder}: {failure_reason(exc)}; nothing was published"
        ) from None
    return folder


def publish(
    to: str | os.PathLike,
    db_path: str | os.PathLike | None = None,
    keep: int | None = None,
) -> tuple[Snapshot, bool]:
    """Publish the live database into ``to``; (the snapshot, whether a new one was written).

    Nothing is written when the newest complete snapshot already has the same bytes.
    Keeps the ``keep`` newest snapshots (default: the ``snapshot_keep`` setting; at least
    one, and never the one just written). ``seq`` only grows: it comes after every number
    in the folder, and the newest snapshot is never pruned.

    Raises
    ------
    SnapshotError
        Saying what and where: no database, an empty ``to``, a file where the folder should
        be, a folder that cannot be made, ``keep`` below 1, a full disk (nothing is left
        behind but the snapshots that were there).
    """
    src_path = default_path(db_path)
    keep = _keep(keep)
    folder = _folder(to)
    existing = complete(folder)
    pid = os.getpid()
    try:
        # the live file is replaced, never modified: the open file is one version
        src = open(src_path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise SnapshotError(
            f"no database at {src_path}: run `python -m regionmap setup` first"
        ) from None
    tmp_db = folder / f".publish.tmp-{pid}-{time.time_ns()}.duckdb"
    written: list[Path] = []  # removed again unless the snapshot is complete
    try:
        with src:
            sha, size = _copy_hashing(src, tmp_db)
        if existing and existing[0].sha256 == sha:
            tmp_db.unlink()
            return existing[0], False
        try:
            version, schema = _db_facts(tmp_db)
        except duckdb.Error as exc:
            raise SnapshotError(
                f"the database {src_path} cannot be read ({str(exc).splitlines()[0]}); "
                "nothing was published"
            ) from None
        if sha256_file(tmp_db) != sha:  # opened read-only: must be unchanged
            raise SnapshotError(f"{tmp_db} changed while it was read")
        # after every number in the folder, torn snapshots of a dead publisher included
        taken = [int(m.group(1)) for n in os.listdir(folder) if (m := _SEQ.match(n))]
        seq = max([*taken, *(s.seq for s in existing)], default=0) + 1
        name = f"{seq:06d}-v{version}"
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "file": f"{name}.duckdb",
            "sha256": sha,
            "size": size,
            "seq": seq,
            "version": version,
            "schema_version": schema,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": f"{socket.gethostname()}:{src_path}",
        }
        os.replace(tmp_db, folder / manifest["file"])
        written.append(folder / manifest["file"])
        _fsync_dir(folder)
        tmp_json = folder / f".{name}.json.tmp-{pid}"
        written.append(tmp_json)
        with open(tmp_json, "x", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_json, folder / f"{name}.json")  # the snapshot is complete from here
        written.clear()
        _fsync_dir(folder)
    except OSError as exc:  # a full disk, a folder that went read-only …
        raise SnapshotError(
            f"could not write the snapshot into {folder}: {failure_reason(exc)}; nothing was "
            "published (the snapshots there are as they were)"
        ) from None
    finally:
        for p in (tmp_db, *written):
            with contextlib.suppress(OSError):
                p.unlink()
    prune(folder, keep, protect=name)
    return Snapshot(folder, manifest), True


def prune(folder: Path, keep: int, protect: str | None = None) -> list[str]:
    """Remove all but the ``keep`` newest complete snapshots (manifest first, so a removed
    snapshot is never seen as complete), and temp files older than an hour. ``keep`` is at
    least 1 (the newest is never removed, so ``seq`` numbers only grow), and the snapshot
    named ``protect`` (the one just published) is never removed."""
    removed = []
    for snap in complete(folder)[max(keep, 1) :]:
        if snap.name == protect:
            continue
        with contextlib.suppress(OSError):
            (folder / f"{snap.name}.json").unlink()
            removed.append(snap.name)
        with contextlib.suppress(OSError):
            snap.path.unlink()
    cutoff = time.time() - 3600
    for p in folder.glob(".*.tmp-*"):
        with contextlib.suppress(OSError):
            if p.stat().st_mtime < cutoff:
                p.unlink()
    return removed


class Follower:
    """Keeps ``local`` at the newest complete, verified snapshot of ``folder``.

    :meth:`poll` is cheap when nothing changed (a directory listing). A snapshot whose
    copy does not match its manifest is remembered as refused and not tried again.
    ``installed`` is the manifest of the snapshot at ``local`` (also written beside it as
    ``<local>.snapshot.json``).
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        local: str | os.PathLike,
        log: Callable[[str], None] = lambda _msg: None,
    ) -> None:
        self.folder = Path(folder).expanduser().absolute()
        self.local = Path(local).expanduser().absolute()
        self.log = log
        self.refused: set[tuple[str, str]] = set()  # (file, sha256) that did not verify
        self.record = self.local.with_name(self.local.name + ".snapshot.json")
        self.installed: dict | None = None
        with contextlib.suppress(OSError, ValueError):
            doc = json.loads(self.record.read_text(encoding="utf-8"))
            if self.local.is_file() and sha256_file(self.local) == doc.get("sha256"):
                self.installed = doc

    def poll(self) -> dict | None:
        """Install the newest complete snapshot if it is newer than the one in place;
        the manifest installed now, or None."""
        for snap in complete(self.folder):
            if self.installed is not None and snap.seq <= int(self.installed["seq"]):
                return None
            if (snap.manifest["file"], snap.sha256) in self.refused:
                continue
            if self._install(snap):
                return snap.manifest
        return None

    def _install(self, snap: Snapshot) -> bool:
        self.local.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.local.with_name(f".{self.local.name}.tmp-{os.getpid()}-{snap.seq}")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        try:
            with open(snap.path, "rb") as src:
                sha, size = _copy_hashing(src, tmp)
            if sha != snap.sha256 or size != int(snap.manifest["size"]):
                self.refused.add((snap.manifest["file"], snap.sha256))
                self.log(
                    f"snapshot {snap.name} refused: its file does not match its manifest "
                    f"(sha256 {sha[:12]}… ≠ {snap.sha256[:12]}…); keeping the one in place"
                )
                return False
            os.replace(tmp, self.local)
        except OSError as exc:  # vanished (pruned) or unreadable: try again at the next poll
            self.log(f"snapshot {snap.name} not installed: {exc}")
            return False
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self.installed = dict(snap.manifest)
        tmp_rec = self.record.with_name(f".{self.record.name}.tmp-{os.getpid()}")
        tmp_rec.write_text(json.dumps(self.installed, indent=1), encoding="utf-8")
        os.replace(tmp_rec, self.record)
        self.log(f"snapshot {snap.name} installed (version {snap.manifest['version']})")
        return True
