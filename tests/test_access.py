"""Run modes, roles and the audit trail without a browser (issue #12).

Pure tests of :mod:`regionmap.auth`; the ``users`` command line and the history it
records; the history surviving undo and pruning; editors' imports and undos; the web
hygiene settings (XSRF on, upload cap, no secrets committed, loopback by default); the
app refusing to run in personal mode on a non-loopback address.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from regionmap import auth, settings
from regionmap.__main__ import main
from regionmap.db import audit, importer, users
from regionmap.settings import PROJECT_ROOT

TOKACHI = "12"
TOKACHI_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,3\n2016,01631,相互交流,2\n"
MIXED_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,4\n2016,01100,相互交流,2\n"


# --- pure: modes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("127.0.1.1", True), ("", False), (None, False), ("0.0.0.0", False),
     ("192.168.1.5", False), ("::", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(address, loopback):
    assert auth.is_loopback(address) is loopback


AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "c",
    "client_secret": "s",
    "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
}


def test_auth_configured_top_level_or_named_provider():
    assert auth.auth_configured(AUTH)
    named = {k: AUTH[k] for k in auth.AUTH_REQUIRED} | {
        "microsoft": {k: AUTH[k] for k in auth.PROVIDER_REQUIRED}
    }
    assert auth.auth_configured(named)
    assert not auth.auth_configured(None)
    assert not auth.auth_configured({k: v for k, v in AUTH.items() if k != "cookie_secret"})
    assert not auth.auth_configured({k: AUTH[k] for k in auth.AUTH_REQUIRED})


def test_start_refusal_names_the_setting():
    assert auth.start_refusal("personal", "127.0.0.1", False) is None
    assert auth.start_refusal("shared", "0.0.0.0", True) is None
    msg = auth.start_refusal("personal", "0.0.0.0", False)
    assert "server.address" in msg and "REGIONMAP_MODE=shared" in msg and "[auth]" in msg
    assert "every network interface" in auth.start_refusal("personal", "", True)
    msg = auth.start_refusal("shared", "127.0.0.1", False)
    assert "[auth]" in msg and "secrets.toml" in msg


def test_request_is_local():
    assert auth.request_is_local(None)
    assert auth.request_is_local({"Host": "localhost:8501"})
    assert auth.request_is_local({"Host": "127.0.0.1:8501"})
    assert auth.request_is_local({"Host": "[::1]:8501"})
    assert not auth.request_is_local({"Host": "dashboard.pref.example:80"})
    assert not auth.request_is_local({"Host": "127.0.0.1:8501", "X-Forwarded-For": "10.0.0.9"})
    assert not auth.request_is_local({"Host": "localhost", "Forwarded": "for=10.0.0.9"})


# --- pure: identities and permissions ---------------------------------------------------


def test_personal_mode_is_admin_locally_and_read_only_from_elsewhere():
    me = auth.personal_identity("hanako")
    assert me.role == "admin" and me.name == "hanako" and auth.can_import(me)
    remote = auth.personal_identity("hanako", local=False)
    assert remote.role == "viewer" and remote.remote and not auth.can_import(remote)


def test_shared_identities():
    unlisted = auth.shared_identity("Who@Example.org", None, "viewer")
    assert unlisted.role == "viewer" and not unlisted.listed and unlisted.name == "who@example.org"
    assert auth.shared_identity("who@example.org", None, "refuse") is None
    ed = auth.shared_identity("a@x.jp", {"role": "editor", "bureaus": "05;12"})
    assert ed.bureaus == ("05", "12") and auth.import_scope(ed) == ("05", "12")
    admin = auth.shared_identity("b@x.jp", {"role": "admin", "bureaus": None})
    assert auth.import_scope(admin) is None and auth.can_manage_users(admin)
    with pytest.raises(PermissionError):
        auth.import_scope(unlisted)
    # an editor without bureaus, or an unknown role, may not import
    assert not auth.can_import(auth.shared_identity("c@x.jp", {"role": "editor", "bureaus": ""}))
    assert auth.shared_identity("d@x.jp", {"role": "root"}).role == "viewer"


def test_undo_refusal():
    ed = auth.Identity("a@x.jp", "editor", ("12",), "shared", "a@x.jp")
    own = {"version": 7, "action": "import", "user_name": "A@x.jp", "bureau_scope": "12"}
    assert auth.undo_refusal(ed, own) is None
    assert "imported by b@x.jp" in auth.undo_refusal(ed, {**own, "user_name": "b@x.jp"})
    assert "beyond" in auth.undo_refusal(ed, {**own, "bureau_scope": "05;12"})
    assert "beyond" in auth.undo_refusal(ed, {**own, "bureau_scope": None})
    assert "administrator" in auth.undo_refusal(ed, {**own, "action": "init"})
    viewer = auth.Identity("v@x.jp", "viewer", mode="shared")
    assert auth.undo_refusal(viewer, own)
    assert auth.undo_refusal(auth.Identity("r", "admin"), {**own, "user_name": "b"}) is None


def test_bureau_codes():
    assert users.bureau_codes(["tokachi", "十勝", "12", "sorachi,01"]) == ("01", "12")
    with pytest.raises(ValueError, match="tokachi"):
        users.bureau_codes(["tokyo"])


def test_settings_mode_and_unlisted(monkeypatch):
    assert settings.get("mode") == "personal"
    assert settings.get("unlisted_users") == "viewer"
    monkeypatch.setenv("REGIONMAP_MODE", "public")
    with pytest.raises(ValueError, match="REGIONMAP_MODE"):
        settings.get("mode")


# --- the database: users, history, undo, pruning ------------------------------------------


@pytest.fixture
def own_db(db_path, tmp_path, monkeypatch) -> Path:
    """A copy of the session's database (this module changes it)."""
    path = tmp_path / "data" / "regionmap.duckdb"
    path.parent.mkdir()
    shutil.copyfile(db_path, path)
    monkeypatch.setenv("REGIONMAP_DB_PATH", str(path))
    return path


def _hist(path):
    from regionmap import db

    return db.history(path)


def test_users_cli_records_role_changes(own_db, capsys):
    assert main(["users", "add", "Alice@Example.org", "--role", "editor", "--bureau", "tokachi",
                 "--db", str(own_db)]) == 0  # fmt: skip
    assert "added alice@example.org" in capsys.readouterr().out
    assert main(["users", "add", "boss@example.org", "--role", "admin", "--db", str(own_db)]) == 0
    assert main(["users", "add", "bad@example.org", "--role", "editor", "--db", str(own_db)]) == 1
    assert "--bureau" in capsys.readouterr().err
    assert main(["users", "add", "x@example.org", "--role", "admin", "--bureau", "tokachi",
                 "--db", str(own_db)]) == 1  # fmt: skip
    assert main(["users", "list", "--db", str(own_db)]) == 0
    out = capsys.readouterr().out
    assert "alice@example.org" in out and "Tokachi" in out and "boss@example.org" in out
    assert main(["users", "remove", "boss@example.org", "--db", str(own_db)]) == 0
    assert main(["users", "remove", "boss@example.org", "--db", str(own_db)]) == 1
    assert "not in the list" in capsys.readouterr().err
    roles = _hist(own_db).query("action == 'role'")
    assert len(roles) == 3
    assert set(roles["user_name"]) == {importer_user()}
    assert "boss@example.org: admin → -" in audit.changes_text(roles.iloc[0]["changes"])
    assert main(["db", "history", "--db", str(own_db)]) == 0
    assert "alice@example.org: - → editor (Tokachi)" in capsys.readouterr().out


def importer_user() -> str:
    from regionmap.db.store import os_user

    return os_user()


def test_history_and_users_survive_undo_and_pruning(own_db, monkeypatch):
    monkeypatch.setenv("REGIONMAP_HISTORY_KEEP", "1")
    users.add("alice@example.org", "editor", ["tokachi"], path=own_db)
    res = importer.commit(TOKACHI_FILE.encode(), "tokachi.csv", user="alice@example.org",
                          db_path=own_db, allowed_bureaus=(TOKACHI,))  # fmt: skip
    assert res.committed, res.errors
    users.add("carol@example.org", "viewer", path=own_db)  # after the import
    rec = importer.commit(MIXED_FILE.encode(), "mixed.csv", db_path=own_db).record
    from regionmap import db

    db.undo(own_db)  # takes back mixed.csv: restores the file before it …
    # … but the users follow the live file, and the history keeps every record
    assert set(users.list_users(own_db)["email"]) == {"alice@example.org", "carol@example.org"}
    hist = _hist(own_db)
    imp = hist[hist["file_name"] == "tokachi.csv"].iloc[0]
    assert imp["user_name"] == "alice@example.org"
    assert imp["file_size"] == len(TOKACHI_FILE.encode())
    assert imp["from_version"] == imp["version"] - 1
    assert len(imp["sha256"]) == 64
    assert (
        audit.parse(imp["changes"])
        == {"dispatch": {TOKACHI: {"added": 2, "replaced": 0, "sample_removed": 5}}}
        or audit.parse(imp["changes"])["dispatch"][TOKACHI]["added"] == 2
    )
    assert rec["version"] in set(hist["undoes"].dropna())
    # history_keep=1: older snapshots pruned, every record kept
    snaps = list((own_db.parent / (own_db.name + ".history")).glob("0*.duckdb"))
    assert len(snaps) <= 1
    assert list(hist["version"]) == list(range(len(hist), 0, -1))
    # the audit export: every version, formulas neutralised
    data = audit.audit_csv(own_db).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == len(hist) and rows[-1]["action"] == "undo"
    assert any("Tokachi +2" in r["changes_text"] for r in rows)
    # the undo takes the import back: said so, not listed as one more addition
    assert rows[-1]["changes_text"].startswith("taken back: dispatch: "), rows[-1]
    assert not rows[-2]["changes_text"].startswith("taken back")


def test_editor_refused_other_bureaus_rows_whole(own_db):
    before = len(_hist(own_db))
    res = importer.commit(MIXED_FILE.encode(), "mixed.csv", user="alice@example.org",
                          db_path=own_db, allowed_bureaus=(TOKACHI,))  # fmt: skip
    assert not res.ok and not res.committed
    assert [(i.row, "01100" in i.message, "bureau 02" in i.message) for i in res.errors] == [
        (3, True, True)
    ]
    assert len(_hist(own_db)) == before  # nothing written


def test_editor_undoes_only_their_own_imports(own_db):
    from regionmap.ui.views import data as dataview

    # her rights are read again from the list when she writes: she is on it, by verified e-mail
    users.add("alice@example.org", "editor", ["tokachi"], path=own_db)
    alice = auth.Identity("alice@example.org", "editor", (TOKACHI,), "shared", "alice@example.org",
                          email_verified=True)  # fmt: skip
    importer.commit(TOKACHI_FILE.encode(), "tokachi.csv", user="admin@example.org",
                    db_path=own_db)  # fmt: skip
    out = dataview.undo_latest(lang="en", user=alice.name, db_path=own_db, identity=alice)
    assert out.kind == "error" and "imported by admin@example.org" in out.text
    own = "年度,市町村コード,派遣区分,人数\n2017,01207,相互交流,4\n"
    res = importer.commit(own.encode(), "own.csv", user=alice.name, db_path=own_db,
                          allowed_bureaus=(TOKACHI,))  # fmt: skip
    assert res.committed, res.errors
    out = dataview.undo_latest(lang="en", user=alice.name, db_path=own_db, identity=alice)
    assert out.kind == "success", out.text
    last = _hist(own_db).iloc[0]
    assert last["action"] == "undo" and last["user_name"] == alice.name


# --- hygiene ------------------------------------------------------------------------------


def test_streamlit_config_keeps_xsrf_upload_cap_and_loopback():
    cfg = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    server = cfg["server"]
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True
    assert server["maxUploadSize"] <= settings.REGISTRY["max_upload_mb"].default
    assert server["address"] == "127.0.0.1"
    assert "--server.address 127.0.0.1" in (PROJECT_ROOT / "Makefile").read_text()


def test_no_secrets_committed():
    assert ".streamlit/secrets.toml" in (PROJECT_ROOT / ".gitignore").read_text()
    try:
        files = subprocess.run(
            ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert not [f for f in files if f.endswith("secrets.toml")]
    assert not [f for f in files if "cookie_secret" in _read(PROJECT_ROOT / f)]


def _read(path: Path) -> str:
    if path.suffix not in {".toml", ".py", ".md", ".txt", ".cfg", ".ini", ".yml", ".yaml"}:
        return ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    # documentation and code may name the setting; a value assigned to it may not
    return "\n".join(
        line
        for line in text.splitlines()
        if line.strip().startswith("cookie_secret") and "=" in line and "…" not in line
        and "not-a-secret" not in line and "{" not in line
    )  # fmt: skip


def test_identity_text_is_escaped():
    from regionmap.ui.access import escape_markdown

    assert escape_markdown("<b>[x](javascript:alert(1))</b>") == (
        "\\<b\\>\\[x\\]\\(javascript:alert\\(1\\)\\)\\</b\\>"
    )


# --- the app refuses personal mode on a network address ------------------------------------


def _app(db_path):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)


def test_app_refuses_personal_mode_on_a_network_address(db_path):
    from streamlit import config

    old = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = _app(db_path).run()
    finally:
        config.set_option("server.address", old)
    text = " ".join(e.value for e in at.error)
    assert "personal mode" in text and "server.address" in text
    assert not at.get("file_uploader") and not at.button


def test_app_refuses_shared_mode_without_auth(db_path, monkeypatch):
    monkeypatch.setenv("REGIONMAP_MODE", "shared")
    at = _app(db_path).run()
    assert "[auth]" in " ".join(e.value for e in at.error)


def test_an_undo_refusal_is_said_in_the_interface_language():
    ed = auth.Identity("a@x.jp", "editor", ("01",))
    other = {"action": "import", "version": 3, "user_name": "b@x.jp", "bureau_scope": "01"}
    assert auth.undo_refusal(ed, other, "ja") == "版 3 は b@x.jp さんの取り込みです"
    assert (
        auth.undo_refusal(auth.Identity("v", "viewer"), other, "ja") == "閲覧者は取り消しできません"
    )
    assert "版 3 はあなたの担当外" in auth.undo_refusal(
        ed, {**other, "user_name": "a@x.jp", "bureau_scope": "05"}, "ja"
    )
