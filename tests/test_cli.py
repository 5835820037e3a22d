"""The command line as a newcomer meets it: `setup`, `--help`, and a damaged database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "regionmap", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_setup_builds_what_is_missing_and_then_nothing(tmp_path: Path, n03_geojson: Path):
    env = {
        "REGIONMAP_GEO_DIR": str(tmp_path / "geo"),
        "REGIONMAP_DB_PATH": str(tmp_path / "db" / "regionmap.duckdb"),
        "REGIONMAP_BOUNDARY_SOURCE": str(n03_geojson),
    }
    first = _run("setup", "--quiet", **env)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "geo" / "manifest.json").is_file()
    assert (tmp_path / "db" / "regionmap.duckdb").is_file()
    built = (tmp_path / "geo" / "manifest.json").stat().st_mtime_ns

    again = _run("setup", **env)
    assert again.returncode == 0, again.stderr
    assert "boundary layers: present" in again.stdout
    assert (tmp_path / "geo" / "manifest.json").stat().st_mtime_ns == built  # not rebuilt


def test_help_lists_the_commands_in_plain_words():
    out = _run("--help")
    assert out.returncode == 0
    for command in ("geo", "db", "report", "setup", "settings"):
        assert command in out.stdout
    assert "``" not in out.stdout


def test_a_damaged_database_gets_a_message_not_a_traceback(tmp_path: Path, geo_dir: Path):
    bad = tmp_path / "regionmap.duckdb"
    bad.write_bytes(b"not a database\n" * 100)
    out = _run("report", "--bureau", "tokachi", "--out", str(tmp_path / "out"), "--db", str(bad))
    assert out.returncode == 1
    assert "db init --force" in out.stderr
    assert "Traceback" not in out.stderr
    assert bad.read_bytes() == b"not a database\n" * 100  # left as it was
