"""One registry of settings, with defaults, help and validation.

Every setting can be overridden by an environment variable ``REGIONMAP_<NAME>``
(upper case). Paths default to places inside the project folder, found from
this file's location, never from the current directory.

Examples
--------
>>> from regionmap import settings
>>> settings.get("geo_dir").name
'geo'
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The project folder (the one holding ``app.py``), found from this file.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Committed reference tables and the project's own source data.
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"

#: MLIT's official N03 download for Hokkaido (prefecture 01), vintage 2024-01-01.
MLIT_N03_URL = "https://nlftp.mlit.go.jp/ksj/gml/data/N03/N03-2024/N03-20240101_01_GML.zip"
MLIT_N03_VINTAGE = "2024-01-01"


@dataclass(frozen=True)
class Setting:
    """A named setting: its default, a one-line help text and a parser."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return "REGIONMAP_" + self.name.upper()


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a yes/no value, got {value!r}")


def _positive_int(value: str) -> int:
    n = int(value)
    if n <= 0:
        raise ValueError(f"expected a positive whole number, got {value!r}")
    return n


def _seconds(value: str) -> float:
    n = float(value)
    if not n >= 0:
        raise ValueError(f"expected a number of seconds, 0 or more, got {value!r}")
    return n


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        v = value.strip().lower()
        if v not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return v

    return parse


def _language(value: str) -> str:
    v = value.strip().lower()
    if v not in {"ja", "en"}:
        raise ValueError(f"expected 'ja' or 'en', got {value!r}")
    return v


REGISTRY: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("geo_dir", PROJECT_ROOT / "geo", "Folder of the built boundary layers.", _path),
        Setting(
            "boundary_source",
            MLIT_N03_URL,
            "N03 source for `geo build`: a path or URL (GeoJSON, TopoJSON, Shapefile or MLIT zip).",
        ),
        Setting("db_path", DATA_DIR / "regionmap.duckdb", "The DuckDB database file.", _path),
        Setting(
            "static_dir",
            PROJECT_ROOT / "static",
            "Folder Streamlit serves as /app/static (compact map layers are written there).",
            _path,
        ),
        Setting(
            "static_served_by",
            "streamlit",
            "Who serves static_dir as /app/static: streamlit (then static_dir must be the app "
            "folder's static/, the only one `streamlit run` serves; the app refuses another) "
            "or proxy (a web server in front, as the nginx of `serve`, which sets it).",
            _choice("streamlit", "proxy"),
        ),
        Setting(
            "hide_northern_territories",
            False,
            "Hide the six Northern Territories villages (drawn within Nemuro by default).",
            _bool,
        ),
        Setting("language", "ja", "Default interface language: ja or en.", _language),
        Setting("max_upload_mb", 20, "Largest file the importer accepts, in MB.", _positive_int),
        Setting("max_rows", 100_000, "Most rows one imported file may have.", _positive_int),
        Setting("max_sheets", 30, "Most worksheets an imported .xlsx may have.", _positive_int),
        Setting("max_cells", 2_000_000, "Most cells read from one imported file.", _positive_int),
        Setting(
            "max_line_chars",
            20_000,
            "Longest line of an imported CSV, in characters.",
            _positive_int,
        ),
        Setting(
            "max_unpacked_mb",
            100,
            "Largest size an imported .xlsx may unpack to, in MB (it is a zip).",
            _positive_int,
        ),
        Setting(
            "max_parse_seconds",
            60,
            "Longest time reading and checking one imported file may take, in seconds.",
            _positive_int,
        ),
        Setting(
            "boundary_max_unpacked_mb",
            1000,
            "Largest size the member of a zipped boundary source may unpack to, in MB.",
            _positive_int,
        ),
        Setting(
            "boundary_area_tolerance_pct",
            3,
            "How far (percent) a boundary build's total area may differ from the previous build "
            "or Hokkaido's known 83,424 km² before it is refused (geo build --force overrides).",
            _positive_int,
        ),
        Setting(
            "history_keep",
            20,
            "How many previous database versions to keep for undo.",
            _positive_int,
        ),
        Setting(
            "mode",
            "personal",
            "personal: this computer only (127.0.0.1), full rights, no sign-in; shared: "
            "sign-in through [auth] in .streamlit/secrets.toml, rights from `users`.",
            _choice("personal", "shared"),
        ),
        Setting(
            "sample",
            "",
            "Sample breakdowns (the invented per-municipality dispatch, sites and evacuees until "
            "real figures are imported): show or hide. Empty: hide in shared mode and under "
            "`serve`, show in personal mode (a newcomer sees every overlay at work, marked "
            "sample). Hidden, the pages show the document's figures and 'not imported yet' "
            "with the templates; no sample value appears anywhere.",
            _choice("show", "hide"),
        ),
        Setting(
            "unlisted_users",
            "viewer",
            "Shared mode: someone signed in but not in `users` is a viewer, or refused.",
            _choice("viewer", "refuse"),
        ),
        Setting(
            "snapshot_dir",
            "",
            "Folder of published database snapshots that `serve` follows (empty: serve the "
            "database file itself).",
        ),
        Setting(
            "snapshot_keep",
            10,
            "How many published snapshots `db publish` keeps in the folder.",
            _positive_int,
        ),
        Setting(
            "serve_dir",
            PROJECT_ROOT / "run",
            "Runtime folder of `serve`: generated nginx configuration, logs, pid, temp files.",
            _path,
        ),
        Setting("nginx", "nginx", "The nginx program `serve` starts (a name on PATH or a path)."),
        Setting(
            "warm_up_s",
            60.0,
            "Seconds `make run` and each `serve` replica may spend making the default views "
            "before their port opens (0: no warm-up; what is left is made by the first viewers).",
            _seconds,
        ),
    ]
}


def get(name: str) -> Any:
    """Return the value of setting ``name``, from its environment variable or default.

    Raises
    ------
    KeyError
        If there is no such setting.
    ValueError
        If the environment variable holds a value the setting does not accept; the
        message names the variable.
    """
    setting = REGISTRY[name]
    raw = os.environ.get(setting.env_var)
    if raw is None or raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ValueError(f"{setting.env_var}: {exc}") from None


def samples_shown() -> bool:
    """Whether sample breakdowns are shown: the ``sample`` setting, else by ``mode``
    (personal: shown; shared: hidden)."""
    chosen = get("sample")
    if chosen:
        return chosen == "show"
    return get("mode") != "shared"


def static_dir_problem(app_dir: Path = PROJECT_ROOT) -> tuple[Path, Path] | None:
    """``(static_dir, expected)`` when the map layers written to ``static_dir`` would not be
    served at /app/static: Streamlit serves only ``<app_dir>/static`` (the folder of the
    main script), so another folder makes every layer 404, unless a web server in front
    serves it (``static_served_by = proxy``). None when they are served."""
    if get("static_served_by") == "proxy":
        return None
    static = Path(get("static_dir")).expanduser()
    expected = Path(app_dir) / "static"
    if static.resolve() == expected.resolve():
        return None
    return static, expected


def describe() -> list[dict[str, str]]:
    """All settings with their current value, default and help (for docs and the CLI)."""
    return [
        {
            "name": s.name,
            "env": s.env_var,
            "value": str(get(s.name)),
            "default": str(s.default),
            "help": s.help,
        }
        for s in REGISTRY.values()
    ]
