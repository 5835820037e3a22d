"""Shared helpers of the benchmark harness: timing, result files, machine facts, servers.

Every benchmark script writes one JSON file ``bench/results/<name>.json``::

    {"name": "geo", "status": "ok", "metrics": [
        {"key": "build_s", "label": "Boundary build", "value": 4.2, "unit": "s",
         "spread": {"iqr": 0.1, "min": 4.0, "max": 4.6, "n": 3},
         "target": {"op": "<", "value": 10}, "baseline": {"label": "...", "value": 1.0}}],
     "extra": {...}}

``status`` is ``"ok"``, ``"not available"`` (a part the project does not have yet,
with ``reason``) or ``"error"``. Pass or miss is decided by the harness from
``target`` (see :func:`judge`); timings are medians over repeated runs with their
spread, and every comparison against a peer is a ratio measured in the same run.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from regionmap import serve

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
#: Where result files go; ``REGIONMAP_BENCH_RESULTS`` moves them (the smoke test uses a temp folder).
RESULTS_DIR = Path(os.environ.get("REGIONMAP_BENCH_RESULTS") or BENCH_DIR / "results")
PYTHON = sys.executable

#: Packages whose versions the report names.
PACKAGES = (
    "streamlit",
    "geopandas",
    "shapely",
    "pydeck",
    "duckdb",
    "pandas",
    "plotly",
    "pyarrow",
    "protobuf",
    "uvicorn",
    "starlette",
    "websockets",
    "playwright",
    "psutil",
)

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda v, t: v < t,
    "<=": lambda v, t: v <= t,
    ">": lambda v, t: v > t,
    ">=": lambda v, t: v >= t,
    "==": lambda v, t: v == t,
}


#: Debian's chromium, and its flags for headless WebGL (swiftshader) on a machine with no
#: network to call home to: the browser benchmark's and the browser tests'.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def quick_mode() -> bool:
    """True when the harness runs with ``--quick`` (fewer repeats, shorter load steps)."""
    return os.environ.get("REGIONMAP_BENCH_QUICK", "") not in ("", "0")


# statistics --------------------------------------------------------------------------------
def summarize(values: Sequence[float]) -> dict[str, Any]:
    """Median and spread (IQR, min, max, n) of repeated measurements.

    Examples
    --------
    >>> summarize([1.0, 2.0, 3.0, 4.0, 100.0])["median"]
    3.0
    """
    vals = sorted(float(v) for v in values)
    if not vals:
        return {"median": None, "iqr": None, "min": None, "max": None, "n": 0}
    if len(vals) >= 2:
        q = statistics.quantiles(vals, n=4, method="inclusive")
        iqr = q[2] - q[0]
    else:
        iqr = 0.0
    return {
        "median": statistics.median(vals),
        "iqr": iqr,
        "min": vals[0],
        "max": vals[-1],
        "n": len(vals),
    }


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0..100) by linear interpolation, ``None`` for no values."""
    vals = sorted(values)
    if not vals:
        return None
    if len(vals) == 1:
        return float(vals[0])
    k = (len(vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(vals) - 1)
    return float(vals[lo] + (vals[hi] - vals[lo]) * (k - lo))


def timeit(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> dict[str, Any]:
    """Run ``fn`` ``warmup`` + ``repeat`` times; median and spread of the timed runs, in seconds."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    out = summarize(runs)
    out["runs"] = runs
    return out


def scaled(spread: dict[str, Any], factor: float) -> dict[str, Any]:
    """``spread`` with every figure multiplied by ``factor`` (for example s -> ms)."""
    out = {}
    for k, v in spread.items():
        if k in ("n",) or v is None:
            out[k] = v
        elif k == "runs":
            out[k] = [x * factor for x in v]
        else:
            out[k] = v * factor
    return out


# result files --------------------------------------------------------------------------------
def metric(
    key: str,
    label: str,
    value: float | None,
    unit: str,
    *,
    target_op: str | None = None,
    target: float | None = None,
    spread: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One measured figure, optionally with a target (``target_op`` one of < <= > >=)."""
    m: dict[str, Any] = {"key": key, "label": label, "value": value, "unit": unit}
    if spread is not None:
        m["spread"] = {k: v for k, v in spread.items() if k != "runs"}
    if target_op is not None and target is not None:
        if target_op not in _OPS:
            raise ValueError(f"metric {key}: unknown target operator {target_op!r}")
        m["target"] = {"op": target_op, "value": target}
    if baseline is not None:
        m["baseline"] = baseline
    if note:
        m["note"] = note
    return m


def timed(
    key: str,
    label: str,
    spread: dict[str, Any],
    unit: str = "s",
    *,
    target: float | None = None,
    target_op: str = "<",
    digits: int | None = None,
    baseline: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """A metric whose value is the median of a :func:`timeit`/:func:`summarize` ``spread``
    (rounded to ``digits`` when given), the spread kept beside it; a target when given."""
    value = spread["median"] if digits is None else round(spread["median"], digits)
    return metric(
        key,
        label,
        value,
        unit,
        target_op=target_op if target is not None else None,
        target=target,
        spread=spread,
        baseline=baseline,
        note=note,
    )


def baseline(label: str, measured: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The ``baseline`` of a metric: what ``measured`` is compared with in the same run
    (both :func:`timeit`/:func:`summarize` spreads), and the ratio of their medians."""
    return {
        "label": label,
        "value": base["median"],
        "ratio": measured["median"] / base["median"],
    }


def judge(m: dict[str, Any]) -> dict[str, Any]:
    """Pass or miss of a metric against its target, and by how much.

    Returns a dict with ``pass`` (True, False or None when there is no target or no
    value) and ``margin``: how far the value is from the target, as a fraction of the
    target (positive = better than the target, negative = missed by that much).
    """
    target = m.get("target")
    value = m.get("value")
    if not target or value is None or isinstance(value, str):
        return {"pass": None, "margin": None}
    op, tv = target["op"], float(target["value"])
    ok = _OPS[op](float(value), tv)
    if tv == 0:
        margin = None
    elif op in ("<", "<="):
        margin = (tv - float(value)) / tv
    elif op in (">", ">="):
        margin = (float(value) - tv) / tv
    else:
        margin = None
    if isinstance(value, bool) or m.get("unit") == "bool":
        margin = None
    return {"pass": bool(ok), "margin": margin}


def write_result(
    name: str,
    metrics: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    *,
    status: str = "ok",
    reason: str = "",
    results_dir: Path | None = None,
) -> Path:
    """Write ``bench/results/<name>.json`` and return its path."""
    out_dir = results_dir or RESULTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "name": name,
        "status": status,
        "quick": quick_mode(),
        "written_at": now_iso(),
        "metrics": metrics,
    }
    if reason:
        doc["reason"] = reason
    if extra:
        doc["extra"] = extra
    path = out_dir / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path


def not_available(name: str, reason: str, results_dir: Path | None = None) -> Path:
    """Write a result file saying this part could not be measured, and why."""
    return write_result(name, [], status="not available", reason=reason, results_dir=results_dir)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# machine -------------------------------------------------------------------------------------
def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, OS, Python and the versions of the packages that matter."""
    import psutil

    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    chromium = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        chromium = subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    return {
        "cpu_model": _cpu_model(),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "chromium": chromium,
        "packages": versions,
    }


def rss_mb(pid: int, children: bool = True) -> float:
    """Resident memory of process ``pid`` (and its children) in MB."""
    import psutil

    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    if children:
        for c in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += c.memory_info().rss
    return total / 2**20


# servers -------------------------------------------------------------------------------------
#: The peer runs as a typical user's app does: with Streamlit's defaults for the options that
#: matter to speed, whatever the project's .streamlit/config.toml tunes.
PEER_ARGS = ("--runner.postScriptGC", "true")
#: The one server option the harness measures both ways: Streamlit's full ``gc.collect(2)``
#: after every script run.
GC_OFF_ARGS = ("--runner.postScriptGC", "false")


class StreamlitServer:
    """``streamlit run SCRIPT`` on 127.0.0.1 and a free port, for the length of a ``with`` block.

    Output goes to ``bench/results/logs/<label>.log``. The server is stopped by its
    own process id (terminate, then kill) when the block ends.
    """

    def __init__(
        self,
        script: Path,
        label: str,
        env: dict[str, str] | None = None,
        timeout: float = 90.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.script = Path(script)
        self.label = label
        self.env = env
        self.timeout = timeout
        self.extra_args = list(extra_args)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = RESULTS_DIR / "logs" / f"{label}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def start(self) -> StreamlitServer:
        self.port = serve.free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(self.env or {})
        env["PYTHONUNBUFFERED"] = "1"
        args = serve.streamlit_command(self.script, self.port, self.extra_args, PYTHON)
        log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen(
            args, cwd=str(PROJECT_ROOT), env=env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit server for {self.script.name} exited with {self.proc.returncode}; "
                    f"see {self.log_path}"
                )
            if serve.healthy(self.port, timeout=2):
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"streamlit server for {self.script.name} not healthy in {self.timeout}s"
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_mb(self) -> float | None:
        if not self.alive():
            return None
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        serve.stop_child(self.proc, timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def servers(*specs: tuple[Path, str]) -> Iterator[list[StreamlitServer]]:
    """Several servers at once (started in order, all stopped at the end)."""
    started: list[StreamlitServer] = []
    try:
        for script, label in specs:
            started.append(StreamlitServer(script, label).start())
        yield started
    finally:
        for s in started:
            s.stop()


def app_script() -> Path:
    """The app under test: ``app.py`` (``REGIONMAP_BENCH_APP`` points elsewhere, for the smoke test)."""
    env = os.environ.get("REGIONMAP_BENCH_APP", "")
    return Path(env) if env else PROJECT_ROOT / "app.py"


def app_available() -> tuple[bool, str]:
    """Whether the app (``app.py``) is there to be measured, and if not, why."""
    if not app_script().is_file():
        return False, "app.py is not in the project yet"
    return True, ""


def shared_n03() -> Path:
    """The local N03 GeoJSON copy (``REGIONMAP_BOUNDARY_SOURCE`` if it is a local file)."""
    env = os.environ.get("REGIONMAP_BOUNDARY_SOURCE", "")
    if env and Path(env).is_file():
        return Path(env)
    return PROJECT_ROOT.parent / "shared" / "data" / "boundaries" / "N03-21_01_210101.geojson"


def n03_unavailable(name: str) -> dict[str, Any] | None:
    """None when the shared N03 GeoJSON is there; else the part's "not available" result
    (recorded, with the reason, and said on the console)."""
    source = shared_n03()
    if source.is_file():
        return None
    why = f"the shared N03 GeoJSON is not at {source}"
    not_available(name, why)
    print(f"{name}: not available ({why})")
    return {"status": "not available", "reason": why}


def ensure_app_data(timeout: float = 300.0) -> tuple[bool, str]:
    """Make sure the boundary layers and the database the app reads exist (as `make setup`).

    Uses the project's own settings (geo/, data/regionmap.duckdb), building from the
    local N03 copy when the layers are missing. Returns (ok, reason).
    """
    if os.environ.get("REGIONMAP_BENCH_APP"):
        return True, ""  # a stand-in app (smoke test) needs no layers or database
    env = dict(os.environ)
    env.setdefault("REGIONMAP_BOUNDARY_SOURCE", str(shared_n03()))
    steps = [
        ("geo", [PYTHON, "-m", "regionmap", "geo", "build", "--source", str(shared_n03())]),
        ("db", [PYTHON, "-m", "regionmap", "db", "init"]),
    ]
    from regionmap import settings

    have = {
        "geo": (Path(settings.get("geo_dir")) / "manifest.json").is_file(),
        "db": Path(settings.get("db_path")).is_file(),
    }
    for name, cmd in steps:
        if have[name]:
            continue
        try:
            r = subprocess.run(
                cmd, cwd=str(PROJECT_ROOT), env=env, capture_output=True, text=True, timeout=timeout
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"{' '.join(cmd[2:])} failed: {exc}"
        if r.returncode != 0:
            tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
            return False, f"`{' '.join(cmd[2:])}` exited {r.returncode}: {' | '.join(tail)}"
    return True, ""


def app_unavailable(name: str, *needs: Callable[[], str | None]) -> dict[str, Any] | None:
    """None when the app and its data are ready; else the part's "not available" result
    (recorded, with the reason). ``needs``: what else the part needs (a browser, nginx),
    each a check that returns why it is missing, or None; asked before the data is built."""
    ok, why = app_available()
    for need in needs if ok else ():
        missing = need()
        if missing:
            ok, why = False, missing
            break
    if ok:
        ok, why = ensure_app_data()
    if ok:
        return None
    not_available(name, why)
    return {"status": "not available", "reason": why}


def measure_and_write(
    name: str,
    measure: Callable[[], dict[str, Any]],
    build_metrics: Callable[[dict[str, Any]], list[dict[str, Any]]],
) -> dict:
    """Run a part's ``measure()`` (its time kept as ``elapsed_s``), turn what it measured into
    metrics and write them with it; the part's result."""
    t0 = time.perf_counter()
    out = measure()
    out["elapsed_s"] = time.perf_counter() - t0
    metrics = build_metrics(out)
    write_result(name, metrics, out)
    return {"status": "ok", "metrics": metrics}


def report(name: str, metrics: list[dict[str, Any]], extra: dict[str, Any], table: str) -> dict:
    """Write a part's result, print its table and where it was written; the part's result."""
    path = write_result(name, metrics, extra)
    print(table)
    print(f"\nwritten to {path}")
    return {"status": "ok", "metrics": metrics}
