"""What a user sees when a run fails unexpectedly: a message in their language with an id
they can quote, never a stack trace or a server path.

Streamlit's own error box is redacted (``client.showErrorDetails = "none"`` in
``.streamlit/config.toml``: no message, no type, no trace). :func:`boundary` logs the
failure with its traceback under a short id on the server and shows the id to the user,
then lets the error go on to Streamlit (so the run still counts as failed, and the tests
still see it). Streamlit's control flow (``st.rerun``, ``st.stop``, ``st.switch_page``)
raises ``BaseException``\\s that pass untouched.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator

import streamlit as st

from regionmap.i18n import t

_LOG = logging.getLogger("regionmap.errors")


def error_id() -> str:
    """A short id for one failure (``E-`` and 8 hex digits): quoted by the user, found in
    the server's log."""
    return "E-" + secrets.token_hex(4)


@contextlib.contextmanager
def boundary(lang: str) -> Iterator[None]:
    """Log an unexpected error under an id and tell the user that id, in ``lang``."""
    try:
        yield
    except Exception as exc:
        ident = error_id()
        _LOG.error("unexpected error %s (%s)", ident, type(exc).__name__, exc_info=True)
        with contextlib.suppress(Exception):  # the message must never hide the error
            st.error(t("error.unexpected", lang, id=ident), icon=":material/error:")
        raise
