"""A real full disk for tests: a small tmpfs mounted in a private mount namespace.

:func:`run_cli` runs ``python -m regionmap …`` in its own mount namespace (``unshare``)
where a tmpfs of ``size_kb`` is mounted on a folder of the test: the command meets the
kernel's own ``ENOSPC`` (``No space left on device``) there, while nothing outside the
namespace sees the mount. Before the command, ``files`` are copied onto the small disk
and, with ``free_kb``, a filler file leaves only that much room.

It needs what ``.ci/run`` has (root, or unprivileged user namespaces); where neither is
allowed, :func:`unavailable` says why and the tests that need it are skipped.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_MOUNT = 'mount -t tmpfs -o size="$1"k regionmap-test "$2" && shift 2 && exec "$@"'

#: The line the command's output ends with: the files left on the small disk, as JSON.
LEFT = "left on the small disk: "

_INNER = r"""
import json, os, shutil, sys
LEFT = sys.argv[2]
spec = json.loads(sys.argv[1])
for src, dest in spec["files"]:
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copyfile(src, dest)
if spec["free_kb"] is not None:
    st = os.statvfs(spec["mount"])
    room = st.f_bavail * st.f_frsize - spec["free_kb"] * 1024
    with open(os.path.join(spec["mount"], ".filler"), "wb") as f:
        while room > 0:
            n = min(room, 1 << 20)
            f.write(b"\0" * n)
            room -= n
from regionmap.__main__ import main
try:
    code = main(spec["args"])
finally:
    left = sorted(
        os.path.relpath(os.path.join(d, n), spec["mount"])
        for d, _, names in os.walk(spec["mount"]) for n in names if n != ".filler"
    )
    print("\n" + LEFT + json.dumps(left))
sys.exit(code)
"""


@functools.cache
def _unshare() -> list[str] | str:
    """The ``unshare`` command that may mount a tmpfs here, or why there is none."""
    exe = shutil.which("unshare")
    if exe is None:
        return "unshare (util-linux) is not installed"
    with tempfile.TemporaryDirectory() as d:
        for cmd in ([exe, "-m", "--propagation", "private"], [exe, "-r", "-m"]):
            probe = subprocess.run(
                [*cmd, "sh", "-c", _MOUNT, "sh", "64", d, "true"],
                capture_output=True,
                timeout=30,
            )
            if probe.returncode == 0:
                return cmd
    return "no mount namespace allowed here (needs root or unprivileged user namespaces)"


def left(res: subprocess.CompletedProcess) -> list[str]:
    """The files left on the small disk after the command (paths relative to it)."""
    line = [x for x in res.stdout.splitlines() if x.startswith(LEFT)][-1]
    return json.loads(line.removeprefix(LEFT))


def unavailable() -> str | None:
    """Why a small disk cannot be mounted here (None when it can)."""
    found = _unshare()
    return found if isinstance(found, str) else None


def run_cli(
    args: list[str],
    *,
    mount: Path,
    size_kb: int,
    files: list[tuple[Path, Path]] = (),
    free_kb: int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """``python -m regionmap *args`` with a ``size_kb`` tmpfs on ``mount`` (see the module)."""
    cmd = _unshare()
    assert not isinstance(cmd, str), cmd
    mount.mkdir(parents=True, exist_ok=True)
    spec = {
        "files": [[str(a), str(b)] for a, b in files],
        "free_kb": free_kb,
        "mount": str(mount),
        "args": [str(a) for a in args],
    }
    return subprocess.run(
        [*cmd, "sh", "-c", _MOUNT, "sh", str(size_kb), str(mount), sys.executable, "-c", _INNER,
         json.dumps(spec), LEFT],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
