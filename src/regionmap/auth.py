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

Who a signed-in person is (:func:`pick_user`): the ``users`` record bound to their account
(the ID token's issuer + subject, OpenID Connect's stable key), else a record of their
e-mail that is bound to no account, and only when the provider says the e-mail is verified
(``email_verified``). What they may do is read again from the database at the moment of
every write (:mod:`regionmap.db.users`), never taken from the page that drew the button;
a refusal is a :class:`Refused`, said in the user's language.

Personal mode takes a session only from a page of the app's own origin
(:func:`origin_refusal`): another web page on this computer (another port) gets nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
    #: the ID token's issuer and subject, and whether the provider verified the e-mail
    issuer: str | None = None
    subject: str | None = None
    email_verified: bool = False
    #: how the ``users`` record was matched: ``subject`` or ``email`` (None: not listed)
    key: str | None = None
    #: why a listed e-mail did not match: ``unverified`` (the provider does not say it is
    #: verified) or ``bound`` (the record is bound to another account)
    mismatch: str | None = None


class Refused(PermissionError):
    """A change refused for want of rights; :meth:`text` says why in a language.

    ``values`` fill the catalogue text ``key``; a callable value is called with the language
    (a role or bureau names)."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return t(
            self.key, lang, **{k: v(lang) if callable(v) else v for k, v in self.values.items()}
        )


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


def origin_refusal(headers: Mapping[str, str] | None) -> str | None:
    """The foreign origin of a personal-mode session (None when it is the app's own).

    A browser sends the ``Origin`` of the page that opened the connection. Streamlit takes
    any page of a loopback host name whatever its port, so a page of another local web
    server (``http://localhost:9999``) could drive a personal app with every right. The
    origin must be the address the browser reached the app at (scheme aside): its host
    *and port* equal to the ``Host`` header. No ``Origin`` (not a browser: tests, scripts)
    is allowed, as Streamlit allows it.
    """
    if not headers:
        return None
    low = {str(k).lower(): str(v) for k, v in headers.items()}
    origin = low.get("origin")
    if origin is None:
        return None
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        netloc = ""
    host = low.get("host", "").lower()
    if netloc and host and netloc == host:
        return None
    return origin or "null"


# --- who is this ---------------------------------------------------------------------


def personal_identity(os_user: str | None, local: bool = True) -> Identity:
    """The person at the machine: every right; read-only when reached from elsewhere."""
    name = os_user or "local"
    if local:
        return Identity(name=name, role="admin", mode="personal")
    return Identity(name="remote", role="viewer", mode="personal", remote=True)


def normalise_email(email: str | None) -> str:
    """E-mail addresses are compared case-insensitively, without surrounding blanks."""
    return (email or "").strip().lower()


def claim_true(value: object) -> bool:
    """An ID token's boolean claim (``email_verified``): ``true`` or, from some providers,
    the string ``"true"``."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def pick_user(
    records: Iterable[Mapping],
    *,
    email: str | None,
    issuer: str | None = None,
    subject: str | None = None,
    email_verified: bool = False,
) -> tuple[Mapping | None, str | None, str | None]:
    """The ``users`` record of a signed-in person: ``(record, key, mismatch)``.

    ``key`` says how it matched: ``subject`` (the record is bound to this issuer and
    subject) or ``email`` (a record of this e-mail bound to no account, and the provider
    says the e-mail is verified). No match gives ``(None, None, mismatch)``, ``mismatch``
    saying why a record of the e-mail was not taken: ``unverified`` or ``bound`` (to
    another account), else None.
    """
    records = list(records)
    if issuer and subject:
        for r in records:
            if r.get("subject") == subject and r.get("issuer") == issuer:
                return r, "subject", None
    email = normalise_email(email)
    for r in records:
        if not email or normalise_email(r.get("email")) != email:
            continue
        if r.get("subject"):
            return None, None, "bound"
        if not email_verified:
            return None, None, "unverified"
        return r, "email", None
    return None, None, None


def shared_identity(
    email: str,
    user: Mapping | None,
    unlisted: str = "viewer",
    *,
    issuer: str | None = None,
    subject: str | None = None,
    email_verified: bool = False,
    key: str | None = None,
    mismatch: str | None = None,
) -> Identity | None:
    """A signed-in user's identity from their ``users`` record (None when refused: not
    listed and ``unlisted_users`` is ``refuse``). The name is the record's e-mail (the
    claimed one for someone not listed)."""
    email = normalise_email(email)
    account: dict[str, Any] = {
        "issuer": issuer,
        "subject": subject,
        "email_verified": email_verified,
    }
    if user is None:
        if unlisted == "refuse":
            return None
        name = email or subject or "?"
        return Identity(name=name, role="viewer", mode="shared", email=email or None,
                        listed=False, mismatch=mismatch, **account)  # fmt: skip
    role = str(user["role"]) if user.get("role") in ROLES else "viewer"
    raw = user.get("bureaus") or ""
    bureaus = tuple(c for c in str(raw).split(";") if c) if role == "editor" else ()
    name = normalise_email(user.get("email")) or email
    key = key or ("subject" if user.get("subject") else "email")
    return Identity(name=name, role=role, bureaus=bureaus, mode="shared", email=name,
                    key=key, **account)  # fmt: skip


def rights_record(ident: Identity) -> dict[str, str | None]:
    """The rights a change was allowed by, as the history records them: role, bureaus and
    how the person was known (``os``: the operating-system account — command line, personal
    mode; ``subject`` or ``email``: a listed account)."""
    key = ident.key or ("os" if ident.mode == "personal" else "unlisted")
    return {
        "user_role": ident.role,
        "user_bureaus": ";".join(ident.bureaus) or None,
        "user_key": key,
    }


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
    reason = undo_reason(ident, target)
    return None if reason is None else reason.text(lang)


def undo_reason(ident: Identity, target: Mapping | None) -> Refused | None:
    """:func:`undo_refusal` as a :class:`Refused` (to raise, and say in any language)."""
    if target is None:
        return None
    if ident.role == "admin":
        return None
    if ident.role != "editor":
        return Refused("auth.undo.viewer")
    if target.get("action") != "import":
        return Refused("auth.undo.admin_only")
    version = target.get("version")
    if (target.get("user_name") or "").lower() != ident.name.lower():
        return Refused("auth.undo.other_user", version=version, user=target.get("user_name"))
    scope = [c for c in str(target.get("bureau_scope") or "").split(";") if c]
    if not scope or not set(scope) <= set(ident.bureaus):
        return Refused("auth.undo.bureaus", version=version)
    return None


def write_refusal(
    ident: Identity | None,
    action: str,
    *,
    bureaus: Iterable[str] = (),
    target: Mapping | None = None,
    bureau_names: Callable[[Sequence[str], str], str] | None = None,
) -> Refused | None:
    """Why ``ident`` — their rights as read at the moment of the write — may not do
    ``action``: ``import`` rows of ``bureaus``, ``undo`` the history record ``target``,
    ``users`` (change the list of users). None when they may. ``bureau_names(codes,
    lang)`` names bureaus in a refusal (codes without it).
    """
    if ident is None or (ident.mode == "shared" and not ident.listed):
        return Refused("auth.write.not_listed")

    def role(lang: str) -> str:
        return t("auth.role." + ident.role, lang, bureaus=names(ident.bureaus, lang))

    def names(codes: Sequence[str], lang: str) -> str:
        return bureau_names(codes, lang) if bureau_names else ", ".join(codes)

    if action == "users":
        return None if can_manage_users(ident) else Refused("auth.write.users", role=role)
    if action == "undo":
        return undo_reason(ident, target)
    if action != "import":
        raise ValueError(f"unknown action {action!r}")
    if ident.role == "admin":
        return None
    if not can_import(ident):
        return Refused("auth.write.import", role=role)
    outside = sorted(set(bureaus) - set(ident.bureaus))
    if outside:
        return Refused("auth.write.bureaus", role=role, outside=lambda lang: names(outside, lang))
    return None


def can_manage_users(ident: Identity) -> bool:
    return ident.role == "admin"


def describe(ident: Identity, bureau_names: Sequence[str] = ()) -> str:
    """One line: ``alice@example.org — editor (Tokachi)``."""
    extra = f" ({', '.join(bureau_names)})" if bureau_names else ""
    return f"{ident.name} — {ident.role}{extra}"
