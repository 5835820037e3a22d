"""One replica of ``serve``: ``streamlit run`` once the heavy libraries are imported.

nginx sends a viewer to a replica as soon as its port accepts connections. Streamlit opens
its port before the app's first run imports pandas, pyarrow, plotly, pydeck and DuckDB (about
two seconds on a busy machine), so a replica restarted after a failover would keep the
viewers routed to it waiting for those imports. Here they are imported first, then Streamlit
starts: the port opens on a process ready to run the app. Only libraries and modules that
declare no Streamlit cache are imported before Streamlit's runtime exists.

``python -m regionmap.ui.replica run app.py --server.port …`` takes ``streamlit``'s arguments.
It is the Streamlit process itself, so it lives in :mod:`regionmap.ui` (nothing below the
interface imports Streamlit).
"""

from __future__ import annotations

import sys


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


def main(argv: list[str] | None = None) -> None:
    preload()
    from streamlit.web import cli

    cli.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="streamlit")


if __name__ == "__main__":
    main()
