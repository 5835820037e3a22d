"""`serve`: real nginx in front of real Streamlit replicas, and published snapshots.

The integration tests start ``python -m regionmap serve`` as a user would (a subprocess,
stopped with SIGTERM as Ctrl-C would), talk to it over HTTP and Streamlit's own websocket
protocol (``bench/stclient.py``), and check: the page, the health check and a boundary
layer (gzipped by nginx, with a Cache-Control header) through the proxy; a first render
over the websocket; that a browser's requests stay on one replica (the sticky cookie);
that an import through the command line is seen by a new session on every replica; that
a replica killed with SIGKILL is routed around at once and restarted; that stopping
leaves no process behind; and that replicas following a snapshot folder install the
newest complete snapshot and never open a torn or half-written one.

Skipped, saying why, when nginx is not installed (``.ci/run`` installs Debian's nginx).
No timing is asserted: every wait is for a signal, bounded by a generous deadline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from regionmap import serve
from regionmap.db import snapshot
from regionmap.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    serve.find_nginx() is None,
    reason="nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)",
)

# rows for Sorachi's FY2016 dispatches (the overview's dispatch card shows FY2016)
IMPORT_CSV = "年度,市町村名,派遣区分,人数,継続・新規\n2016年度,岩見沢市,地域振興,500,新規\n"


# --- helpers ---------------------------------------------------------------------------


def _get(url: str, cookie: str | None = None, gzip: bool = False, timeout: float = 10.0):
    req = urllib.request.Request(url)
    if cookie:
        req.add_header("Cookie", f"{serve.COOKIE}={cookie}")
    if gzip:
        req.add_header("Accept-Encoding", "gzip")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


def _wait(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - not there yet
            last = exc
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last: {last!r})")


def _render(url: str, cookie: str | None = None):
    """A new session's first render over the websocket: (replica header, RunResult)."""
    from bench.stclient import StreamlitSession

    async def go():
        ws = url.replace("http://", "ws://") + "/_stcore/stream"
        headers = {"Origin": url}  # as a browser on the proxy's address sends it
        if cookie:
            headers["Cookie"] = f"{serve.COOKIE}={cookie}"
        # the imported year: its per-municipality sum is on the 派遣職員 card (the default
        # year shows the document's own figure, which an import does not change)
        sess = StreamlitSession(ws, headers=headers, query_string="fy=2016")
        await sess.connect()
        try:
            res = await sess.rerun(timeout=60)
        finally:
            await sess.close()
        return sess.response_headers.get("x-regionmap-replica"), res

    # in a thread of its own: the session's Playwright (browser tests) keeps an event loop
    # running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def _dispatch_card(res) -> str:
    # (a sample figure's card carries the mark on its label, issue #23)
    labels = (
        "派遣職員:",
        "派遣職員（サンプル）:",
        "Staff dispatched:",
        "Staff dispatched (sample):",
    )
    cards = [t for t in res.texts if t.startswith(labels)]
    assert cards, res.texts[:20]
    return cards[0]


class Served:
    """``python -m regionmap serve`` as a subprocess, with its runtime folder."""

    def __init__(self, tmp: Path, replicas: int, env: dict[str, str], *extra: str) -> None:
        self.port = serve.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime = tmp / "run"
        self.log = tmp / "serve.log"
        self.proc = subprocess.Popen(
            serve.serve_command(replicas, self.port, self.runtime, *extra),
            env={**os.environ, **env},
            stdout=open(self.log, "w"),  # noqa: SIM115 - the child owns it
            stderr=subprocess.STDOUT,
            cwd=str(PROJECT_ROOT),
        )
        self.seen: set[int] = set()

    def ready(self, timeout: float = 150.0) -> None:
        def up():
            assert self.proc.poll() is None, self.log.read_text()
            return _get(f"{self.url}/_stcore/health", timeout=3)[0] == 200

        _wait(up, timeout, f"serve healthy through nginx ({self.log})", every=0.5)
        self.remember()

    def remember(self) -> None:
        """Note every descendant (nginx master and workers, replicas) to check at the end."""
        with_children = psutil.Process(self.proc.pid).children(recursive=True)
        self.seen |= {p.pid for p in with_children}

    def replica_ports(self) -> dict[str, int]:
        conf = (self.runtime / "nginx.conf").read_text()
        return {i: int(p) for p, i in re.findall(r'1:(\d+)\$" "(\d+)";', conf)}

    def replica_pid(self, port: int) -> int | None:
        return serve.replica_pids(self.runtime).get(port)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.remember()
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        return self.proc.returncode

    def leftovers(self) -> list[int]:
        alive = []
        for pid in self.seen:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        return alive


def _cookies_by_replica(url: str, n: int) -> dict[str, str]:
    """One sticky-cookie value per replica, found by asking the proxy which replica answers."""
    found: dict[str, str] = {}
    for _ in range(200):
        c = secrets.token_hex(8)
        rep = _get(f"{url}/_stcore/health", cookie=c)[1]["x-regionmap-replica"]
        found.setdefault(rep, c)
        if len(found) == n:
            return found
    raise AssertionError(f"only replicas {sorted(found)} answered")


# --- snapshots, without servers ----------------------------------------------------------


def _copy_db(db_path: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db_path, dest)
    return dest


def test_publish_writes_the_file_then_its_manifest_and_skips_an_unchanged_database(
    db_path: Path, tmp_path: Path
):
    src = _copy_db(db_path, tmp_path / "edit" / "regionmap.duckdb")
    snap, new = snapshot.publish(tmp_path / "snaps", src)
    assert new and snap.path.is_file()
    m = json.loads((tmp_path / "snaps" / f"{snap.name}.json").read_text())
    assert m["sha256"] == snapshot.sha256_file(snap.path) == snapshot.sha256_file(src)
    assert m["size"] == snap.path.stat().st_size and m["seq"] == 1 and m["version"] >= 1
    assert m["created_at"] and m["schema_version"]
    again, new = snapshot.publish(tmp_path / "snaps", src)
    assert not new and again.name == snap.name
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == [
        f"{snap.name}.duckdb",
        f"{snap.name}.json",
    ]


def test_follower_never_opens_a_torn_or_half_written_snapshot(db_path: Path, tmp_path: Path):
    snaps = tmp_path / "snaps"
    src = _copy_db(db_path, tmp_path / "edit" / "regionmap.duckdb")
    first, _ = snapshot.publish(snaps, src)
    local = tmp_path / "replica" / "regionmap.duckdb"
    follower = snapshot.Follower(snaps, local)
    assert follower.poll()["seq"] == 1
    installed = snapshot.sha256_file(local)
    assert installed == first.sha256

    # half-copied: the file of a newer snapshot, no manifest yet
    (snaps / "000002-v99.duckdb").write_bytes(first.path.read_bytes()[:4096])
    # torn: a complete-looking manifest whose file does not match it
    bad = snaps / "000003-v99.duckdb"
    bad.write_bytes(b"\0" * first.path.stat().st_size)
    manifest = {**first.manifest, "file": bad.name, "seq": 3, "version": 99}
    (snaps / "000003-v99.json").write_text(json.dumps(manifest))
    assert follower.poll() is None
    assert snapshot.sha256_file(local) == installed  # the good one is still in place
    assert not list(local.parent.glob(".*tmp*"))  # the refused copy is gone

    # a new follower (a replica restarted) refuses it too
    assert snapshot.Follower(snaps, local).poll() is None
    assert snapshot.sha256_file(local) == installed

    # the next real publish comes after the torn ones and is installed
    (snaps / "000003-v99.json").unlink()
    bad.unlink()
    from regionmap.db import importer

    res = importer.commit(IMPORT_CSV.encode(), "sorachi.csv", user="t", db_path=src)
    assert res.ok
    newer, new = snapshot.publish(snaps, src)
    assert new and newer.seq > 2
    assert follower.poll()["seq"] == newer.seq
    assert snapshot.sha256_file(local) == newer.sha256


# --- serve, through nginx ----------------------------------------------------------------


def test_serve_two_replicas_behind_nginx(db_path: Path, tmp_path: Path):
    live = _copy_db(db_path, tmp_path / "data" / "regionmap.duckdb")
    # the overview's dispatch card follows the import (serve hides the sample by default:
    # shown here, so the card is there before the import too)
    env = {"REGIONMAP_DB_PATH": str(live), "REGIONMAP_SAMPLE": "show"}
    srv = Served(tmp_path, 2, env)
    try:
        srv.ready()
        # the page and the health check, through nginx
        status, headers, body = _get(f"{srv.url}/")
        assert status == 200 and b"<html" in body.lower()
        assert headers["server"] == "nginx" and f"{serve.COOKIE}=" in headers["set-cookie"]
        assert _get(f"{srv.url}/_stcore/health")[2] == b"ok"

        # sticky: one cookie, one replica, for plain requests and the websocket alike
        cookies = _cookies_by_replica(srv.url, 2)
        for rep, c in cookies.items():
            assert {_get(f"{srv.url}/_stcore/health", cookie=c)[1]["x-regionmap-replica"]
                    for _ in range(5)} == {rep}  # fmt: skip
        rep, res = _render(srv.url, cookies["1"])
        assert rep == "1" and res.status == "FINISHED_SUCCESSFULLY", res.exceptions
        assert not res.exceptions
        before = _dispatch_card(res)

        # a boundary layer the render named, from nginx itself: gzipped, cached
        layer = sorted(res.static_urls)[0]
        status, headers, body = _get(f"{srv.url}/{layer}", gzip=True)
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert headers["x-regionmap-static"] == "nginx"
        assert "max-age" in headers["cache-control"] and "x-regionmap-replica" not in headers

        # one writer, many readers: an import through the command line while they serve
        csv = tmp_path / "sorachi.csv"
        csv.write_text(IMPORT_CSV, encoding="utf-8")
        out = subprocess.run(
            [sys.executable, "-m", "regionmap", "db", "import", str(csv), "--db", str(live)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        for rep, c in sorted(cookies.items()):

            def new_figure(c=c, rep=rep):
                got, r = _render(srv.url, c)
                assert got == rep
                return _dispatch_card(r) if _dispatch_card(r) != before else None

            after = _wait(new_figure, 30, f"replica {rep} shows the import", every=0.5)
            assert after != before

        # failover: replica 1 killed; its browsers' new sessions land on replica 2
        port = srv.replica_ports()["1"]
        pid = srv.replica_pid(port)
        assert pid is not None
        srv.remember()
        os.kill(pid, signal.SIGKILL)
        rep, res = _render(srv.url, cookies["1"])
        assert rep == "2" and res.status == "FINISHED_SUCCESSFULLY" and not res.exceptions
        # ... and serve restarts it on the same port; the cookie leads back there
        _wait(lambda: serve.healthy(port) and srv.replica_pid(port) not in (None, pid), 90,
              "replica 1 restarted", every=0.5)  # fmt: skip
        srv.remember()
        assert "replica 1" in srv.log.read_text() and "restarting" in srv.log.read_text()
    finally:
        code = srv.stop()
    assert code == 0, srv.log.read_text()
    assert srv.leftovers() == [], "processes left after stop"
    assert not (srv.runtime / "nginx.pid").exists()


def test_serve_follows_the_newest_complete_snapshot(db_path: Path, tmp_path: Path):
    src = _copy_db(db_path, tmp_path / "edit" / "regionmap.duckdb")
    snaps = tmp_path / "snaps"
    first, _ = snapshot.publish(snaps, src)
    srv = Served(tmp_path, 1, {"REGIONMAP_SAMPLE": "show"}, "--snapshots", str(snaps))
    try:
        srv.ready()
        local = srv.runtime / "db" / "regionmap.duckdb"
        assert snapshot.sha256_file(local) == first.sha256
        _, res = _render(srv.url)
        before = _dispatch_card(res)

        # a torn snapshot after it: never installed, the replica keeps serving the first
        bad = snaps / "000002-v99.duckdb"
        bad.write_bytes(b"\0" * 8192)
        (snaps / "000002-v99.json").write_text(
            json.dumps({**first.manifest, "file": bad.name, "seq": 2, "size": 8192})
        )
        _wait(lambda: "refused" in srv.log.read_text(), 30, "torn snapshot refused")
        assert snapshot.sha256_file(local) == first.sha256
        assert _dispatch_card(_render(srv.url)[1]) == before

        # an import on the editing instance, published: the replica follows
        from regionmap.db import importer

        assert importer.commit(IMPORT_CSV.encode(), "sorachi.csv", db_path=src).ok
        newer, _ = snapshot.publish(snaps, src)
        _wait(lambda: snapshot.sha256_file(local) == newer.sha256, 30, "newer snapshot installed")
        _wait(lambda: _dispatch_card(_render(srv.url)[1]) != before, 30, "replica shows it")
    finally:
        code = srv.stop(signal.SIGINT)  # as Ctrl-C in a terminal
    assert code == 0, srv.log.read_text()
    assert srv.leftovers() == []
