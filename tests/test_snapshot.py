"""`db publish` refuses what it cannot do, in words, and never empties the snapshot folder
(issue 21, defects 6-8): an existing file or an uncreatable path as ``--to``, a full disk,
``--to ""``, ``--keep 0``/``-1`` and ``REGIONMAP_SNAPSHOT_KEEP=0``. Each case runs the
command as a user would (``main``, or a subprocess on a real full disk) and checks the
message, the exit code, that no traceback is printed and what the folder holds after.
"""

from __future__ import annotations

from pathlib import Path

import full_disk
import pytest

from regionmap.__main__ import main
from regionmap.db import importer, snapshot

CSV = "年度,市町村名,派遣区分,人数,継続・新規\n{fy}年度,岩見沢市,地域振興,5,新規\n"


@pytest.fixture
def src(dbp: Path) -> Path:
    """The editing instance's database (a test's own copy)."""
    return dbp


def _change(src: Path, fy: int) -> None:
    res = importer.commit(CSV.format(fy=fy).encode(), f"d{fy}.csv", user="t", db_path=src)
    assert res.committed, res.errors


def _publish(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["db", "publish", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    return code, out, err


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_to_an_existing_file_is_refused_naming_it(src, tmp_path, capsys):
    target = tmp_path / "snaps"
    target.write_text("not a folder")
    code, _, err = _publish(capsys, "--to", str(target), "--db", str(src))
    assert code == 1
    assert f"{target} is a file, not a folder" in err
    assert target.read_text() == "not a folder"


def test_to_a_path_that_cannot_be_created_is_refused_naming_it(src, tmp_path, capsys):
    (tmp_path / "plain").write_text("x")
    target = tmp_path / "plain" / "snaps"  # under a file: cannot be made
    code, _, err = _publish(capsys, "--to", str(target), "--db", str(src))
    assert code == 1
    assert f"cannot create the snapshot folder {target}" in err and "nothing was published" in err


def test_an_empty_to_is_refused_and_nothing_is_written_here(src, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = _names(tmp_path)
    for empty in ("", "  "):
        code, _, err = _publish(capsys, "--to", empty, "--db", str(src))
        assert code == 1
        assert "no snapshot folder given (--to is empty)" in err
    assert _names(tmp_path) == before


@pytest.mark.parametrize("keep", ["0", "-1"])
def test_keep_below_one_is_refused_before_anything_is_written(src, tmp_path, capsys, keep):
    snaps = tmp_path / "snaps"
    assert _publish(capsys, "--to", str(snaps), "--db", str(src))[0] == 0
    before = _names(snaps)
    _change(src, 2016)
    code, _, err = _publish(capsys, "--to", str(snaps), "--db", str(src), "--keep", keep)
    assert code == 1
    assert f"must be 1 or more, not {keep}" in err and "nothing was published" in err
    assert _names(snaps) == before  # nothing deleted, nothing added


def test_snapshot_keep_setting_of_zero_is_refused_naming_the_variable(
    src, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("REGIONMAP_SNAPSHOT_KEEP", "0")
    snaps = tmp_path / "snaps"
    code, _, err = _publish(capsys, "--to", str(snaps), "--db", str(src))
    assert code == 1
    assert "REGIONMAP_SNAPSHOT_KEEP" in err and "nothing was published" in err
    assert not snaps.exists() or _names(snaps) == []


def test_keep_one_keeps_the_snapshot_just_written_and_numbers_only_grow(src, tmp_path, capsys):
    snaps = tmp_path / "snaps"
    seqs = []
    for fy in (2016, 2017, 2018):
        _change(src, fy)
        code, out, _ = _publish(capsys, "--to", str(snaps), "--db", str(src), "--keep", "1")
        assert code == 0 and "published:" in out
        done = snapshot.complete(snaps)
        assert len(done) == 1 and done[0].sha256 == snapshot.sha256_file(src)
        seqs.append(done[0].seq)
    assert seqs == sorted(set(seqs)) and seqs[0] >= 1
    # a follower started now installs the newest, and follows the next one
    local = tmp_path / "replica" / "regionmap.duckdb"
    follower = snapshot.Follower(snaps, local)
    assert follower.poll()["seq"] == seqs[-1]
    _change(src, 2019)
    assert _publish(capsys, "--to", str(snaps), "--db", str(src), "--keep", "1")[0] == 0
    assert follower.poll()["seq"] == seqs[-1] + 1


def test_prune_never_removes_the_newest_nor_the_one_protected(src, tmp_path):
    snaps = tmp_path / "snaps"
    first, _ = snapshot.publish(snaps, src, keep=5)
    _change(src, 2016)
    second, _ = snapshot.publish(snaps, src, keep=5)
    assert snapshot.prune(snaps, 0) == [first.name]  # at least the newest stays
    assert [s.name for s in snapshot.complete(snaps)] == [second.name]


@pytest.mark.skipif(full_disk.unavailable() is not None, reason=str(full_disk.unavailable()))
def test_publish_to_a_full_disk_is_a_message_and_leaves_nothing_half_written(src, tmp_path):
    mount = tmp_path / "small"
    res = full_disk.run_cli(
        ["db", "publish", "--to", str(mount / "snaps"), "--db", str(src)],
        mount=mount,
        size_kb=256,  # smaller than the database file
    )
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert f"could not write the snapshot into {mount / 'snaps'}" in res.stderr
    assert "the disk is full (No space left on device)" in res.stderr
    assert "nothing was published" in res.stderr
    assert full_disk.left(res) == []  # the partial copy was removed
