"""One replica of ``serve`` (and ``make run``): ``streamlit run`` once the heavy libraries
are imported and the default views are warm.

nginx sends a viewer to a replica as soon as its port accepts connections. Streamlit opens
its port before the app's first run imports pandas, pyarrow, plotly, pydeck and DuckDB (about
two seconds on a busy machine), so a replica restarted after a failover would keep the
viewers routed to it waiting for those imports. Here they are imported first, then Streamlit
starts: the port opens on a process ready to run the app. Only libraries and modules that
declare no Streamlit cache are imported before Streamlit's runtime exists.

Then the default views are made once (:func:`regionmap.ui.warmup.warm`, progress on the
console), so the port opens on a process whose caches hold them: the first wave of viewers
after a start, or after ``serve`` restarted this replica, is served as a warm process serves.

``python -m regionmap.ui.replica run app.py --server.port …`` takes ``streamlit``'s arguments.
It is the Streamlit process itself, so it lives in :mod:`regionmap.ui` (nothing below the
interface imports Streamlit).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def preload() -> None:
    """Import what every first run of the app needs (no Streamlit cache is declared here)."""
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401
    import plotly.io  # noqa: F401
    import pyarrow  # noqa: F401
    import pydeck  # noqa: F401

    import regionmap.db  # noqa: F401
    import regionmap.render.charts  # noqa: F401


def app_of(args: list[str]) -> Path | None:
    """The script of ``run SCRIPT …`` (None for another ``streamlit`` command)."""
    if len(args) >= 2 and args[0] == "run" and args[1].endswith(".py"):
        return Path(args[1]).absolute()
    return None


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    preload()
    app = app_of(args)
    if app is not None and app.is_file():
        from regionmap.ui import warmup

        warmup.warm(app, log=lambda msg: print(msg, flush=True))
        print(f"ready in {time.monotonic() - started:.1f} s; opening the port", flush=True)
    from streamlit.web import cli

    cli.main(args=args, prog_name="streamlit")


if __name__ == "__main__":
    main()
