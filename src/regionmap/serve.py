"""``python -m regionmap serve``: N Streamlit replicas behind nginx, supervised.

One Streamlit process runs every session's script under one interpreter lock, so it uses
about one core. ``serve`` starts ``replicas`` Streamlit processes of the same app on
loopback ports and Debian's ``nginx`` in front of them, configured from
``assets/nginx.conf.template``:

- sticky sessions by a cookie (every request of a browser reaches one replica: its
  websocket, and the downloads and uploads that live in that replica's memory);
- the websocket upgrade for ``/_stcore/stream``;
- the app's static folder (boundary layers) and Streamlit's frontend bundle served by
  nginx from disk, gzipped, with caching headers;
- passive health checks (``max_fails``/``fail_timeout``: a dead replica is skipped) and
  active ones here (``/_stcore/health`` every couple of seconds: a replica that died or
  hangs is restarted on the same port);
- a clean stop on Ctrl-C or SIGTERM: nginx first, then the replicas, each by its own
  process id; the children also get SIGTERM from the kernel if this process is killed
  (Linux ``PR_SET_PDEATHSIG``), so nothing is left behind.

Every process runs as the calling user; nginx writes only under the runtime folder
(``serve_dir`` setting, ``run/``): ``nginx.conf``, logs, pid and temp files.

With ``snapshots`` (a folder ``db publish`` writes to), the replicas read a local copy
kept at the newest complete, verified snapshot by :class:`regionmap.db.snapshot.Follower`
instead of the database file.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from regionmap import db, settings
from regionmap.db import snapshot

TEMPLATE = "nginx.conf.template"
COOKIE = "rm_replica"
#: seconds between supervision rounds (health checks, snapshot polls)
TICK_S = 1.0
#: consecutive failed health checks of a running replica before it is restarted
HEALTH_FAILS = 8
#: a replica gets this long to become healthy after a (re)start
START_TIMEOUT_S = 120.0


class ServeError(RuntimeError):
    """``serve`` cannot start; the message says what is missing and what to do."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def python_command(module: str, *args: object, python: str = "") -> list[str]:
    """``python -m module args…``: the command line of a child process.

    Parameters
    ----------
    module : str
        The module run (``streamlit``, ``regionmap``, ``regionmap.ui.replica``).
    *args : object
        Its arguments (paths and numbers as text).
    python : str, optional
        The Python to run it with; this process's when empty.

    Returns
    -------
    list of str
        The arguments for :class:`subprocess.Popen`.
    """
    return [python or sys.executable, "-m", module, *(str(a) for a in args)]


def streamlit_command(
    script: str | os.PathLike,
    port: int,
    extra_args: Sequence[str] = (),
    python: str = "",
    *,
    preload: bool = False,
) -> list[str]:
    """The command that runs ``script`` headless on 127.0.0.1:``port`` without file
    watching or usage statistics (:func:`python_command`).

    ``extra_args`` are more ``streamlit run`` options, after the fixed ones. ``preload``:
    through :mod:`regionmap.ui.replica`, whose port opens once the heavy libraries are imported
    (a replica of ``serve``).
    """
    return python_command(
        "regionmap.ui.replica" if preload else "streamlit",
        "run",
        script,
        "--server.address",
        "127.0.0.1",
        "--server.port",
        port,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        *extra_args,
        python=python,
    )


def replica_pids(runtime_dir: str | os.PathLike) -> dict[int, int]:
    """Port -> process id of each replica of the ``serve`` running in ``runtime_dir``, as
    started last (a replica killed and not yet restarted keeps its old id)."""
    try:
        data = json.loads((Path(runtime_dir) / "replicas.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {int(port): int(pid) for port, pid in data.items()}


def find_nginx(name: str | None = None) -> str | None:
    """The nginx program: the setting (a path or a name on PATH), also looked for in
    /usr/sbin and /sbin, which an ordinary user's PATH often lacks."""
    name = name or settings.get("nginx")
    if os.sep in name:
        return name if os.access(name, os.X_OK) else None
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/local/sbin")


def streamlit_static_dir() -> Path:
    """Streamlit's own web files (``/static/…``), which nginx serves: found where the
    package is installed, without importing it (``serve`` runs Streamlit only in its
    replicas)."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        raise ServeError("Streamlit is not installed: pip install -r requirements.txt")
    return Path(spec.origin).resolve().parent / "static"


def render_nginx_conf(
    *,
    listen: str,
    ports: list[int],
    runtime_dir: Path,
    static_dir: Path,
    worker_processes: int | str = "auto",
    access_log: bool = False,
    max_body_mb: int | None = None,
) -> str:
    """The nginx configuration from the template, for replicas on 127.0.0.1:``ports``."""
    template = resources.files("regionmap").joinpath("assets", TEMPLATE).read_text("utf-8")
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
    # $upstream_addr lists every replica tried ("a, b" after a failover): the last answered
    replica_map = "\n".join(
        f'        "~127\\.0\\.0\\.1:{p}$" "{i}";' for i, p in enumerate(ports, 1)
    )
    # as root, nginx would switch its workers to `nobody`, who may not read the app's
    # folders: keep the caller's user (this command already runs the app as that user)
    user = "user root;" if os.name != "nt" and os.geteuid() == 0 else ""
    values = {
        "user_directive": user,
        "worker_processes": str(worker_processes),
        "runtime_dir": str(runtime_dir),
        "access_log": f"{runtime_dir}/access.log" if access_log else "off",
        "max_body_mb": str((max_body_mb or settings.get("max_upload_mb")) + 2),
        "cookie": COOKIE,
        "replica_map": replica_map,
        "upstream_servers": servers,
        "listen": listen,
        "static_dir": str(static_dir).rstrip("/"),
        "streamlit_static": str(streamlit_static_dir()),
    }
    out = template
    for key, value in values.items():
        out = out.replace("{{ " + key + " }}", value)
    if "{{" in out:
        raise ServeError(
            f"{TEMPLATE}: a place was left unfilled near {out[out.index('{{') :][:40]!r}"
        )
    return out


def _pdeathsig() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Have the kernel send SIGTERM to this child when the supervisor dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _popen(args: list[str], log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the child holds it; closed when we drop it
    try:
        return subprocess.Popen(
            args,
            cwd=str(cwd),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # its own process group: a terminal's Ctrl-C reaches only the supervisor,
            # which stops the children in order
            start_new_session=True,
            preexec_fn=_pdeathsig if os.name != "nt" else None,  # noqa: PLW1509
        )
    finally:
        out.close()


def healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout
        ) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def stop_child(
    proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 10.0
) -> None:
    """Stop one child by its own pid: ``sig``, then SIGKILL after ``timeout``.

    Parameters
    ----------
    proc : subprocess.Popen or None
        The child; nothing happens when it is None or has ended.
    sig : int, optional
        The first signal (SIGTERM).
    timeout : float, optional
        Seconds to wait for it to end before SIGKILL.
    """
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)


@dataclass
class Replica:
    index: int
    port: int
    proc: subprocess.Popen | None = None
    started: float = 0.0
    ready: bool = False
    fails: int = 0
    restarts: int = 0
    next_start: float = 0.0  # back-off after quick crashes

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


@dataclass
class Server:
    """The proxy and its replicas; :meth:`run` until a signal, or use start/tick/stop."""

    replicas: int
    port: int = 8501
    host: str = "0.0.0.0"
    runtime_dir: Path = field(default_factory=lambda: Path(settings.get("serve_dir")))
    snapshots: Path | None = None
    app: Path = field(default_factory=lambda: settings.PROJECT_ROOT / "app.py")
    log: Callable[[str], None] = field(default=lambda msg: print(msg, flush=True))
    streamlit_args: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runtime_dir = Path(self.runtime_dir).expanduser().absolute()
        self.members: list[Replica] = []
        self.nginx: subprocess.Popen | None = None
        self.follower: snapshot.Follower | None = None
        self._stopping = False
        self._cookie_secret = secrets.token_hex(32)
        self.nginx_bin = find_nginx()

    # --- paths ------------------------------------------------------------------------
    @property
    def conf_path(self) -> Path:
        return self.runtime_dir / "nginx.conf"

    @property
    def db_path(self) -> Path:
        """The database file the replicas read."""
        if self.snapshots is not None:
            return self.runtime_dir / "db" / "regionmap.duckdb"
        return Path(settings.get("db_path")).expanduser().absolute()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    # --- start ------------------------------------------------------------------------
    def start(self) -> Server:
        if self.nginx_bin is None:
            raise ServeError(
                f"nginx not found ({settings.get('nginx')!r}): install Debian's package "
                "(`sudo apt-get install nginx`) or set REGIONMAP_NGINX to its path; "
                "`make run` serves one process without it"
            )
        if not self.app.is_file():
            raise ServeError(f"no app at {self.app}")
        for sub in ("", "client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
            (self.runtime_dir / sub).mkdir(parents=True, exist_ok=True)
        # remove what a previous run killed with SIGKILL may have left
        with contextlib.suppress(FileNotFoundError):
            (self.runtime_dir / "nginx.pid").unlink()
        try:
            self._first_database()
            ports = self._ports()
            self.members = [Replica(i, p) for i, p in enumerate(ports, 1)]
            for r in self.members:
                self._start_replica(r)
            self._wait_ready()
            self._write_conf()
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        self.log(
            f"serving {self.url} — nginx in front of {len(self.members)} replica(s) on "
            f"127.0.0.1:{','.join(str(r.port) for r in self.members)}; database "
            f"{self.db_path}{' (following ' + str(self.snapshots) + ')' if self.snapshots else ''}; "
            f"logs in {self.runtime_dir}/logs; Ctrl-C stops everything"
        )
        return self

    def _ports(self) -> list[int]:
        ports: list[int] = []
        while len(ports) < self.replicas:
            p = free_port()
            if p != self.port and p not in ports:
                ports.append(p)
        return ports

    def _first_database(self) -> None:
        if self.snapshots is None:
            db.ensure_database(self.db_path)  # the replicas only read; create it once here
            return
        self.follower = snapshot.Follower(self.snapshots, self.db_path, log=self.log)
        warned = 0.0
        while self.follower.installed is None:
            if self.follower.poll() is None and self.follower.installed is None:
                if time.monotonic() - warned > 30:
                    self.log(
                        f"waiting for a complete snapshot in {self.snapshots} "
                        "(`python -m regionmap db publish --to` on the editing instance)"
                    )
                    warned = time.monotonic()
                if self._stopping:
                    raise KeyboardInterrupt
                time.sleep(TICK_S)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["REGIONMAP_DB_PATH"] = str(self.db_path)
        env["PYTHONUNBUFFERED"] = "1"
        # one secret for every replica: a browser moved to another replica by a failover
        # keeps a valid XSRF cookie for uploads
        env["STREAMLIT_SERVER_COOKIE_SECRET"] = self._cookie_secret
        # nginx serves static_dir as /app/static (wherever it is): the replicas need not
        env["REGIONMAP_STATIC_SERVED_BY"] = "proxy"
        # a served app is seen by many: sample breakdowns hidden unless asked for
        env["REGIONMAP_SAMPLE"] = env.get("REGIONMAP_SAMPLE") or "hide"
        src = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(
            [src, *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
        )
        return env

    def _start_replica(self, r: Replica) -> None:
        args = streamlit_command(self.app, r.port, self.streamlit_args, preload=True)
        log = self.runtime_dir / "logs" / f"replica-{r.index}.log"
        r.proc = _popen(args, log, self._env(), self.app.parent)
        r.started = time.monotonic()
        r.ready = False
        r.fails = 0
        self._write_pids()

    def _write_pids(self) -> None:
        """``replicas.json`` in the runtime folder: each replica's port and process id, as
        started last (:func:`replica_pids`)."""
        data = {str(r.port): r.pid for r in self.members if r.pid is not None}
        path = self.runtime_dir / "replicas.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(r.ready for r in self.members):
            for r in self.members:
                if r.ready:
                    continue
                if r.proc is not None and r.proc.poll() is not None:
                    raise ServeError(
                        f"replica {r.index} exited with {r.proc.returncode} while starting; "
                        f"see {self.runtime_dir}/logs/replica-{r.index}.log"
                    )
                r.ready = healthy(r.port, timeout=1.0)
            if self._stopping:
                raise KeyboardInterrupt
            if time.monotonic() > deadline:
                raise ServeError(f"replicas not healthy after {START_TIMEOUT_S:.0f} s")
            time.sleep(0.2)

    def _nginx_paths(self) -> list[str]:
        """nginx's prefix, configuration and error log options for this server."""
        return [
            "-p",
            str(self.runtime_dir),
            "-c",
            str(self.conf_path),
            "-e",
            str(self.runtime_dir / "error.log"),
        ]

    def _write_conf(self) -> None:
        text = render_nginx_conf(
            listen=f"{self.host}:{self.port}" if self.host else str(self.port),
            ports=[r.port for r in self.members],
            runtime_dir=self.runtime_dir,
            static_dir=Path(settings.get("static_dir")).expanduser().absolute(),
        )
        tmp = self.conf_path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.conf_path)
        assert self.nginx_bin is not None  # start refuses a machine without nginx
        test = subprocess.run(
            [self.nginx_bin, "-t", "-q", *self._nginx_paths()],
            capture_output=True,
            text=True,
        )
        if test.returncode != 0:
            raise ServeError(f"nginx refuses {self.conf_path}: {test.stderr.strip()}")

    def _start_nginx(self) -> None:
        assert self.nginx_bin is not None  # start refuses a machine without nginx
        args = [self.nginx_bin, *self._nginx_paths()]
        self.nginx = _popen(
            args, self.runtime_dir / "logs" / "nginx.log", dict(os.environ), self.runtime_dir
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                err = (self.runtime_dir / "error.log").read_text(errors="replace")[-600:]
                raise ServeError(
                    f"nginx exited with {self.nginx.returncode} (port {self.port} in use?): {err}"
                )
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            time.sleep(0.1)
        raise ServeError(f"nginx did not answer on {self.url} within 15 s")

    # --- supervision -------------------------------------------------------------------
    def tick(self) -> None:
        """One round: restart dead or hung replicas (and nginx), follow the snapshots."""
        now = time.monotonic()
        for r in self.members:
            if self._stopping:
                return
            if r.proc is None or r.proc.poll() is not None:
                if r.proc is not None:
                    code = r.proc.returncode
                    quick = now - r.started < 30
                    delay = min(30.0, 2.0 ** min(r.restarts, 5)) if quick else 0.0
                    r.next_start = now + delay
                    r.proc = None
                    self.log(
                        f"replica {r.index} (port {r.port}) exited with {code}; restarting"
                        + (f" in {delay:.0f} s" if delay else "")
                    )
                if now >= r.next_start:
                    r.restarts += 1
                    self._start_replica(r)
                continue
            ok = healthy(r.port, timeout=2.0)
            if ok:
                if not r.ready:
                    self.log(f"replica {r.index} (port {r.port}) is serving")
                r.ready, r.fails = True, 0
            elif r.ready or now - r.started > START_TIMEOUT_S:
                r.fails += 1
                if r.fails >= HEALTH_FAILS:
                    self.log(f"replica {r.index} (port {r.port}) not answering; restarting it")
                    stop_child(r.proc, timeout=5)
        if self.nginx is not None and self.nginx.poll() is not None and not self._stopping:
            self.log(f"nginx exited with {self.nginx.returncode}; starting it again")
            self._start_nginx()
        if self.follower is not None:
            self.follower.poll()

    def run(self) -> int:
        """Start, supervise until SIGINT/SIGTERM/SIGHUP, stop everything; the exit code."""
        previous = {}

        def on_signal(signum, _frame):
            self._stopping = True

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[sig] = signal.signal(sig, on_signal)
        try:
            try:
                self.start()
            except KeyboardInterrupt:
                return 130
            while not self._stopping:
                self.tick()
                deadline = time.monotonic() + TICK_S
                while not self._stopping and time.monotonic() < deadline:
                    time.sleep(0.1)
            self.log("stopping: nginx, then the replicas")
            return 0
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """nginx first (no new requests), then every replica; each by its own pid."""
        self._stopping = True
        stop_child(self.nginx, signal.SIGTERM, timeout=10)  # fast shutdown: websockets closed
        procs = [r.proc for r in self.members if r.proc is not None]
        for p in procs:  # signal all first, then wait: they stop in parallel
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    p.terminate()
        for p in procs:
            stop_child(p, timeout=10)
        with contextlib.suppress(FileNotFoundError):
            (self.runtime_dir / "nginx.pid").unlink()

    def pids(self) -> list[int]:
        """Process ids of the children running now (nginx master and replicas)."""
        procs = [self.nginx, *(r.proc for r in self.members)]
        return [p.pid for p in procs if p is not None and p.poll() is None]


def serve_command(
    replicas: int, port: int, runtime_dir: str | os.PathLike, *extra: str, python: str = ""
) -> list[str]:
    """The command line of ``python -m regionmap serve`` on 127.0.0.1 (what :func:`cli`
    reads; :func:`python_command`): ``replicas`` Streamlit replicas behind nginx on ``port``,
    its runtime folder (configuration, logs) ``runtime_dir``, ``extra`` options
    (``--snapshots DIR``)."""
    return python_command(
        "regionmap",
        "serve",
        "--replicas",
        replicas,
        "--port",
        port,
        "--host",
        "127.0.0.1",
        "--runtime-dir",
        runtime_dir,
        *extra,
        python=python,
    )


def cli(args) -> int:
    """``serve``: run until Ctrl-C; 1 with a message when it cannot start."""
    snaps = args.snapshots or settings.get("snapshot_dir") or None
    server = Server(
        replicas=args.replicas or os.cpu_count() or 1,
        port=args.port,
        host=args.host,
        runtime_dir=Path(args.runtime_dir) if args.runtime_dir else Path(settings.get("serve_dir")),
        snapshots=Path(snaps).expanduser().absolute() if snaps else None,
    )
    try:
        return server.run()
    except ServeError as exc:
        print(f"regionmap serve: {exc}", file=sys.stderr)
        return 1
