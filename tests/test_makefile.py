"""The Makefile: make run installs only the runtime requirements, on the chosen port."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from regionmap.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


def _dry(*args: str) -> str:
    """What make would run (``make -n``), as if nothing were installed yet."""
    out = subprocess.run(
        ["make", "-n", "-B", "VENV=/nonexistent/venv", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def test_run_installs_only_the_runtime_requirements():
    commands = _dry("run")
    assert "pip install -r requirements.txt" in commands
    assert "requirements-dev.txt" not in commands
    assert "--server.address 127.0.0.1 --server.port 8501" in commands


def test_run_takes_the_port():
    assert "--server.port 8502" in _dry("run", "PORT=8502")
    assert "--port 8502" in _dry("serve", "PORT=8502")


def test_test_and_bench_add_their_tools():
    for target in ("test", "bench"):
        commands = _dry(target)
        assert "pip install -r requirements-dev.txt" in commands, target


def test_readme_says_how_to_choose_the_port_in_both_languages():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("make run PORT=8502") >= 2
    assert readme.count("streamlit run app.py --server.port 8502") >= 2
