"""Run modes, who is using the app and what they may do: pure functions, no Streamlit.

Two run modes (setting ``mode``, ``REGIONMAP_MODE``):

- ``personal`` (the default): the server listens on 127.0.0.1 only; the person at the
  machine has every right; nobody signs in. A request that did not come straight from
  this machine (a ``Host`` that is not loopback, or a proxy's ``X-Forwarded-For`` /
  ``Forwarded``) gets read-only access, so a reverse proxy in front of a personal
  app never opens an edit path.
- ``shared``: everyone signs in through Streamlit's ``st.login`` with the OpenID Connect
  provider configured in ``.streamlit/secrets.toml`` (``[auth]``); their rights come
  from the ``users`` table (:mod:`regionmap.db.users`).

Listening on anything but a loopback address in personal mode, or shared mode without
``[auth]``, is refused at start (:func:`start_refusal`) with a message naming the
setting to add.

Roles: ``viewer`` (every page, downloads, handouts; the history, no import or undo),
``editor`` (imports and undoes rows of their own bureaus only), ``admin`` (everything).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regionmap.i18n import t

ROLES = ("viewer", "editor", "admin")
#: Settings an ``[auth]`` section must have (besides the provider's own).
AUTH_REQUIRED = ("redirect_uri", "cookie_secret")
PROVIDER_REQUIRED = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class Identity:
    """Who is using this session and their rights.

    ``name`` is what the history records (the e-mail in shared mode, the operating-
    system user in personal mode); ``bureaus`` the bureau codes an editor maintains.
    """

    name: str
    role: str
    bureaus: tuple[str, ...] = ()
    mode: str = "personal"
    email: str | None = None
    listed: bool = True
    #: personal mode reached from another machine (through a proxy): read-only
    remote: bool = False


# --- where the app listens, and whether sign-in is configured -----------------------


def is_loopback(address: str | None) -> bool:
    """Whether a listening address is this machine only (``""`` means every interface)."""
    a = (address or "").strip().strip("[]")
    if not a:
        return False
    if a.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(a).is_loopback
    except ValueError:
        return False


def auth_configured(auth: Mapping | None) -> bool:
    """Whether an ``[auth]`` section has what ``st.login`` needs: ``redirect_uri``,
    ``cookie_secret`` and one provider (at the top level or in a ``[auth.NAME]`` section)."""
    if not auth or not all(auth.get(k) for k in AUTH_REQUIRED):
        return False
    if all(auth.get(k) for k in PROVIDER_REQUIRED):
        return True
    return any(
        isinstance(v, Mapping) and all(v.get(k) for k in PROVIDER_REQUIRED) for v in auth.values()
    )


def start_refusal(mode: str, address: str | None, auth_ok: bool) -> str | None:
    """Why the app must not run as configured (None when it may), naming what to set."""
    if mode == "shared":
        if auth_ok:
            return None
        return (
            "Shared mode (REGIONMAP_MODE=shared) needs sign-in: add an [auth] section "
            "(redirect_uri, cookie_secret, client_id, client_secret, server_metadata_url) to "
            ".streamlit/secrets.toml — see the README, 'Running for several people'. / "
            "共有モードにはサインインの設定が必要です。.streamlit/secrets.toml に [auth] を追加してください。"
        )
    if is_loopback(address):
        return None
    where = address or "every network interface"
    return (
        f"This app is listening on {where}, but it is in personal mode (no sign-in, "
        "every right): anyone on the network could change the figures. Either listen on "
        'this computer only (server.address = "127.0.0.1" in .streamlit/config.toml, or '
        "`--server.address 127.0.0.1`; `make run` does), or run for several people with "
        "REGIONMAP_MODE=shared and an [auth] section in .streamlit/secrets.toml. / "
        f"個人モード（サインインなし・全権限）のまま {where} で待ち受けています。"
        "server.address を 127.0.0.1 にするか、REGIONMAP_MODE=shared と "
        ".streamlit/secrets.toml の [auth] を設定してください。"
    )


def request_is_local(headers: Mapping[str, str] | None) -> bool:
    """Whether a request came straight from this machine: a loopback ``Host`` and no
    proxy headers (``X-Forwarded-For``, ``X-Real-IP``, ``Forwarded``). Without headers
    (tests, scripts) the request is local."""
    if not headers:
        return True
    low = {str(k).lower(): str(v) for k, v in headers.items()}
    if any(k in low for k in ("x-forwarded-for", "x-real-ip", "forwarded")):
        return False
    host = low.get("host", "")
    if not host:
        return True
    if host.startswith("["):  # [::1]:8501
        name = host[1 : host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return is_loopback(name)


# --- who is this ---------------------------------------------------------------------


def personal_identity(os_user: str | None, local: bool = True) -> Identity:
    """The person at the machine: every right; read-only when reached from elsewhere."""
    name = os_user or "local"
    if local:
        return Identity(name=name, role="admin", mode="personal")
    return Identity(name="remote", role="viewer", mode="personal", remote=True)


def shared_identity(email: str, user: Mapping | None, unlisted: str = "viewer") -> Identity | None:
    """A signed-in user's identity from their ``users`` record (None when refused: not
    listed and ``unlisted_users`` is ``refuse``)."""
    email = (email or "").strip().lower()
    if user is None:
        if unlisted == "refuse":
            return None
        return Identity(name=email, role="viewer", mode="shared", email=email, listed=False)
    role = user.get("role") if user.get("role") in ROLES else "viewer"
    raw = user.get("bureaus") or ""
    bureaus = tuple(c for c in str(raw).split(";") if c) if role == "editor" else ()
    return Identity(name=email, role=role, bureaus=bureaus, mode="shared", email=email)


# --- what they may do ----------------------------------------------------------------


def can_import(ident: Identity) -> bool:
    """Admins, and editors of at least one bureau."""
    return ident.role == "admin" or (ident.role == "editor" and bool(ident.bureaus))


def import_scope(ident: Identity) -> tuple[str, ...] | None:
    """The bureaus an import may touch: None for every bureau (admin), the editor's own.

    Raises ``PermissionError`` for someone who may not import.
    """
    if ident.role == "admin":
        return None
    if can_import(ident):
        return ident.bureaus
    raise PermissionError(f"{ident.name} ({ident.role}) may not import")


def undo_refusal(ident: Identity, target: Mapping | None, lang: str = "en") -> str | None:
    """Why ``ident`` may not undo ``target`` (the history record the undo would take
    back), in ``lang``; None when they may. Editors undo only their own imports, within
    their bureaus. Text, not Markdown: show it with :func:`regionmap.plaintext.plain`.
    """
    if target is None:
        return None
    if ident.role == "admin":
        return None
    if ident.role != "editor":
        return t("auth.undo.viewer", lang)
    if target.get("action") != "import":
        return t("auth.undo.admin_only", lang)
    version = target.get("version")
    if (target.get("user_name") or "").lower() != ident.name.lower():
        return t("auth.undo.other_user", lang, version=version, user=target.get("user_name"))
    scope = [c for c in str(target.get("bureau_scope") or "").split(";") if c]
    if not scope or not set(scope) <= set(ident.bureaus):
        return t("auth.undo.bureaus", lang, version=version)
    return None


def can_manage_users(ident: Identity) -> bool:
    return ident.role == "admin"


def describe(ident: Identity, bureau_names: Sequence[str] = ()) -> str:
    """One line: ``alice@example.org — editor (Tokachi)``."""
    extra = f" ({', '.join(bureau_names)})" if bureau_names else ""
    return f"{ident.name} — {ident.role}{extra}"
