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


def test_test_runs_the_static_checks_before_pytest():
    commands = _dry("test").splitlines()
    steps = ["ruff check .", "ruff format --check .", "/mypy", "-m pytest"]
    where = [next(i for i, c in enumerate(commands) if step in c) for step in steps]
    assert where == sorted(where), commands
    # mypy is pinned where pip installs the test tools, and configured for the package
    assert "mypy==" in (PROJECT_ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'files = ["src/regionmap"]' in pyproject
    assert '"C901", "PLR0915"' in pyproject


def test_readme_says_how_to_choose_the_port_in_both_languages():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("make run PORT=8502") >= 2
    assert readme.count("streamlit run app.py --server.port 8502") >= 2


def _pins(lines) -> set[str]:
    return {
        line.strip().strip('",').lower()
        for line in lines
        if "==" in line and not line.strip().startswith("#")
    }


def test_pyproject_pins_what_the_requirements_files_pin():
    # two lists of the same pins (pip install -r … and pip install .[dev]) must not drift
    # apart: a package in one only fails an install made the other way
    import tomllib

    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = _pins(pyproject["project"]["dependencies"])
    dev = _pins(pyproject["project"]["optional-dependencies"]["dev"])
    req = (PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    req_dev = (PROJECT_ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert runtime == _pins(req)
    assert dev == _pins(req_dev)


def test_the_complexity_limits_are_todays_worst_function():
    # the limits stop growth only if some function sits at them: one lower flags one
    import subprocess
    import sys
    import tomllib

    lint = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = lint["tool"]["ruff"]["lint"]
    ruff = [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "--no-cache"]
    for rule, key, value in (
        ("C901", "lint.mccabe.max-complexity", lint["mccabe"]["max-complexity"]),
        ("PLR0915", "lint.pylint.max-statements", lint["pylint"]["max-statements"]),
    ):
        run = subprocess.run(
            [*ruff, "--select", rule, "--config", f"{key}={value - 1}", "."],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert rule in run.stdout, f"no function at the {rule} limit {value}: lower it"
