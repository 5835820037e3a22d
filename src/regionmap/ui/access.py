"""Sign-in and the session's identity, drawn once per run by :func:`regionmap.ui.frame.start`.

The decisions are :mod:`regionmap.auth`'s pure functions; this module only reads what
Streamlit knows (the listening address, ``[auth]`` in the secrets, ``st.user``, the
request's headers), stops the run when the app must not be used as configured, asks for
sign-in in shared mode, and keeps the :class:`~regionmap.auth.Identity` in session state
(``rm.identity``) for the pages.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Any

import streamlit as st

from regionmap import auth, db, settings
from regionmap.db import users
from regionmap.i18n import t
from regionmap.plaintext import plain
from regionmap.ui.cached import by_db_version

_KEY = "rm.identity"


def _secrets_auth() -> dict | None:
    """The ``[auth]`` section of the secrets (None when there is none)."""
    try:
        from streamlit.runtime.secrets import secrets_singleton

        if not secrets_singleton.load_if_toml_exists():
            return None
        section = secrets_singleton.get("auth")
    except Exception:  # noqa: BLE001 - unreadable secrets: sign-in is not configured
        return None
    return _plain(section) if isinstance(section, Mapping) else None


def _plain(m: Mapping) -> dict:
    return {k: _plain(v) if isinstance(v, Mapping) else v for k, v in m.items()}


def _provider(section: Mapping) -> str | None:
    """The provider to pass to ``st.login``: None for a top-level one, else the first named."""
    if all(section.get(k) for k in auth.PROVIDER_REQUIRED):
        return None
    for name, value in section.items():
        if isinstance(value, Mapping) and all(value.get(k) for k in auth.PROVIDER_REQUIRED):
            return name
    return None


def _headers() -> Mapping[str, str] | None:
    try:
        return dict(st.context.headers)
    except Exception:  # noqa: BLE001 - no request (AppTest, scripts)
        return None


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers)
        return None


@by_db_version(max_entries=64)
def _user_record(
    email: str, issuer: str | None, subject: str | None, verified: bool, *, db_version: str
) -> tuple[dict | None, str | None, str | None]:
    return users.find(
        settings.get("db_path"),
        email=email,
        issuer=issuer,
        subject=subject,
        email_verified=verified,
    )


def _claim(name: str) -> str | None:
    value = st.user.get(name)
    return str(value) if value not in (None, "") else None


def resolve(lang: str = "ja") -> tuple[auth.Identity | None, str | None]:
    """(identity, refusal) of this run without drawing anything (None identity: sign in);
    a refusal is said in ``lang`` where it is the app's own (a foreign origin)."""
    mode = settings.get("mode")
    section = _secrets_auth()
    refusal = auth.start_refusal(
        mode, st.get_option("server.address"), auth.auth_configured(section)
    )
    if refusal:
        return None, refusal
    headers = _headers()
    static = settings.static_dir_problem() if headers else None  # served (not AppTest)
    if static is not None:
        path, expected = (plain(str(p)) for p in static)
        return None, t("setup.static_dir.refused", lang, path=path, expected=expected)
    if mode == "personal":
        origin = auth.origin_refusal(headers)
        if origin is not None:
            return None, t("auth.origin.refused", lang, origin=plain(origin))
        return auth.personal_identity(_os_user(), auth.request_is_local(headers)), None
    if not st.user.is_logged_in:
        return None, None
    email = auth.normalise_email(_claim("email"))
    issuer, subject = _claim("iss"), _claim("sub")
    verified = auth.claim_true(st.user.get("email_verified"))
    record = key = mismatch = None
    if db.check(settings.get("db_path")):  # no database yet: nobody is listed
        record, key, mismatch = _user_record(email, issuer, subject, verified)
    account: dict[str, Any] = {"issuer": issuer, "subject": subject, "email_verified": verified}
    ident = auth.shared_identity(
        email, record, settings.get("unlisted_users"), key=key, mismatch=mismatch, **account
    )
    return ident, None


def gate(lang: str) -> auth.Identity:
    """The session's identity; stops the run when the app must not be used as configured,
    when a shared app's visitor has not signed in, or when they are refused."""
    ident, refusal = resolve(lang)
    if refusal:
        st.error(refusal)
        st.stop()
    if ident is None and settings.get("mode") == "shared" and not st.user.is_logged_in:
        st.title(t("app.title", lang))
        st.info(t("auth.sign_in.why", lang))
        st.button(
            t("auth.sign_in", lang),
            type="primary",
            key="rm.auth.login",
            on_click=st.login,
            args=(_provider(_secrets_auth() or {}),),
        )
        st.stop()
    if ident is None:  # signed in, not listed, and unlisted users are refused
        st.error(t("auth.refused", lang, who=str(st.user.get("email") or "?")))
        st.caption(plain(account_line(_claim("iss"), _claim("sub"), lang)))
        st.button(t("auth.sign_out", lang), key="rm.auth.logout", on_click=st.logout)
        st.stop()
    st.session_state[_KEY] = ident
    if ident.mode == "shared":
        with st.sidebar:
            st.caption(
                t(
                    "auth.mode.shared",
                    lang,
                    who=escape_markdown(ident.name),
                    role=role_text(ident, lang),
                )
            )
            st.button(t("auth.sign_out", lang), key="rm.auth.logout", on_click=st.logout)
    return ident


def identity() -> auth.Identity:
    """The identity :func:`gate` found this run (resolved again when a view runs alone;
    anyone not resolved is a read-only viewer)."""
    ident = st.session_state.get(_KEY)
    if isinstance(ident, auth.Identity):
        return ident
    found, _ = resolve()
    return found or auth.Identity(name="anonymous", role="viewer", listed=False)


def role_text(ident: auth.Identity, lang: str) -> str:
    if ident.role == "editor":
        return t("auth.role.editor", lang, bureaus=users.bureau_label(ident.bureaus, lang))
    return t("auth.role." + ident.role, lang)


def mode_line(ident: auth.Identity, lang: str) -> str:
    """The one line the Data page shows about the run mode and the user."""
    if ident.mode == "personal":
        return t("auth.mode.remote" if ident.remote else "auth.mode.personal", lang)
    return t("auth.mode.shared", lang, who=escape_markdown(ident.name), role=role_text(ident, lang))


def account_line(issuer: str | None, subject: str | None, lang: str) -> str:
    """The signed-in account as the users list keys it (plain text: show with ``plain``)."""
    return t("auth.account", lang, issuer=issuer or "?", subject=subject or "?")


def key_text(ident: auth.Identity, lang: str) -> str | None:
    """How a signed-in person was recognised, or why a listed e-mail was not taken."""
    if ident.mode != "shared":
        return None
    if ident.mismatch:
        return t("auth.mismatch." + ident.mismatch, lang, who=ident.name)
    return t("auth.key." + ident.key, lang) if ident.key else None


def escape_markdown(text: str) -> str:
    """Text from the identity provider, safe in Streamlit markdown (no markup, no links)."""
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()<>#+-.!|~$":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)
