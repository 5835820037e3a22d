"""Rights read again at the moment of every write; who a signed-in person is; the origin
of a personal session; the static folder Streamlit serves (issue #21).

Without a browser: the write path (imports, undo, changes of the users list) against a
test's own copy of the database (``dbp``), the ``users`` command line, the schema upgrade of the users
list, and the pure decisions of :mod:`regionmap.auth`. A real ``streamlit run`` checks the
origin and the static folder over Streamlit's own WebSocket protocol. The same story
through the real OpenID Connect provider and chromium is in ``test_signin_browser.py``.
"""

from __future__ import annotations

import csv
import io
import urllib.request
from pathlib import Path

import duckdb
import pytest

from regionmap import auth, db, settings
from regionmap.__main__ import main
from regionmap.db import audit, importer, users
from regionmap.i18n import t
from regionmap.ui.views import data as dataview

TOKACHI, KUSHIRO = "12", "13"
TOKACHI_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,3\n2016,01631,相互交流,2\n"
# 帯広市 (Tokachi) and 釧路市 (Kushiro)
TWO_BUREAUS_FILE = "年度,市町村コード,派遣区分,人数\n2017,01207,相互交流,6\n2017,01206,相互交流,1\n"
ISSUER = "https://login.example.org/tenant/v2.0"


def signed_in(email: str, role: str = "viewer", bureaus=(), **account) -> auth.Identity:
    """The identity the page drew its buttons with (as ``ui.access`` makes it)."""
    account.setdefault("email_verified", True)
    return auth.Identity(email, role, tuple(bureaus), "shared", email, key="email", **account)


def _cli(*argv: str, path: Path) -> int:
    return main([*argv, "--db", str(path)])


def _count(path: Path) -> int:
    return len(db.history(path))


# --- defect 1: a removed role no longer acts ---------------------------------------------


def test_an_editor_demoted_after_the_preview_is_refused_and_nothing_is_written(dbp, capsys):
    assert _cli("users", "add", "alice@example.org", "--role", "editor", "--bureau", "tokachi",
                path=dbp) == 0  # fmt: skip
    alice = signed_in("alice@example.org", "editor", (TOKACHI,))
    preview = dataview.check_upload(TOKACHI_FILE.encode(), "t.csv", db_path=dbp,
                                    bureaus=auth.import_scope(alice))  # fmt: skip
    assert preview.ok and preview.changed  # the 取り込む button is drawn, enabled
    # an administrator makes her a viewer, on the command line
    assert _cli("users", "add", "alice@example.org", "--role", "viewer", path=dbp) == 0
    before = _count(dbp)
    out = dataview.commit_upload(TOKACHI_FILE.encode(), "t.csv", lang="ja", user=alice.name,
                                 db_path=dbp, bureaus=auth.import_scope(alice),
                                 identity=alice)  # fmt: skip
    assert out.kind == "error" and out.version is None
    assert out.text.startswith(
        "取り込みませんでした：あなたの現在の権限（閲覧者）では取り込めません"
    )
    assert "何も書き込んでいません" in out.text and "Traceback" not in out.text
    assert _count(dbp) == before  # nothing written
    assert "import" not in set(db.history(dbp).query("user_name == @alice.name")["action"])
    # the same in English
    en = dataview.commit_upload(TOKACHI_FILE.encode(), "t.csv", lang="en", user=alice.name,
                                db_path=dbp, bureaus=(TOKACHI,), identity=alice)  # fmt: skip
    assert en.text.startswith("Not imported: your role now (viewer) may not import.")
    assert _count(dbp) == before


def test_an_editor_whose_bureaus_shrank_may_not_import_the_other_bureau(dbp):
    users.add("alice@example.org", "editor", ["tokachi", "kushiro"], path=dbp)
    alice = signed_in("alice@example.org", "editor", (TOKACHI, KUSHIRO))
    assert dataview.check_upload(TWO_BUREAUS_FILE.encode(), "two.csv", db_path=dbp,
                                 bureaus=(TOKACHI, KUSHIRO)).ok  # fmt: skip
    users.add("alice@example.org", "editor", ["tokachi"], path=dbp)  # Kushiro taken away
    before = _count(dbp)
    out = dataview.commit_upload(TWO_BUREAUS_FILE.encode(), "two.csv", lang="ja",
                                 user=alice.name, db_path=dbp, bureaus=(TOKACHI, KUSHIRO),
                                 identity=alice)  # fmt: skip
    assert out.kind == "error"
    assert "担当外の振興局（釧路）の行があります" in out.text, out.text
    assert _count(dbp) == before


def test_an_administrator_removed_after_the_page_was_drawn_cannot_undo(dbp):
    users.add("boss@example.org", "admin", path=dbp)
    boss = signed_in("boss@example.org", "admin")
    importer.commit(TOKACHI_FILE.encode(), "t.csv", user="someone", db_path=dbp)
    target = dataview.undo_target(dataview.history_frame(dbp))
    assert auth.undo_refusal(boss, target) is None  # the undo button is drawn, enabled
    assert _cli("users", "remove", "boss@example.org", path=dbp) == 0
    before = _count(dbp)
    out = dataview.undo_latest(lang="ja", user=boss.name, db_path=dbp, identity=boss)
    assert out.kind == "error", out.text
    assert out.text.startswith("取り消しませんでした：あなたは現在、利用者一覧に登録されていません")
    assert _count(dbp) == before
    assert dataview.undo_target(dataview.history_frame(dbp))["version"] == target["version"]


def test_refused_the_same_way_when_unlisted_users_are_refused(dbp, monkeypatch):
    monkeypatch.setenv("REGIONMAP_UNLISTED_USERS", "refuse")
    users.add("boss@example.org", "admin", path=dbp)
    boss = signed_in("boss@example.org", "admin")
    importer.commit(TOKACHI_FILE.encode(), "t.csv", user="someone", db_path=dbp)
    users.remove("boss@example.org", path=dbp)
    before = _count(dbp)
    out = dataview.undo_latest(lang="en", user=boss.name, db_path=dbp, identity=boss)
    assert out.kind == "error" and "not on the list of users" in out.text
    assert _count(dbp) == before


def test_a_demoted_administrator_cannot_change_the_users(dbp):
    users.add("boss@example.org", "admin", path=dbp)
    boss = signed_in("boss@example.org", "admin")
    rec = users.add("carol@example.org", "viewer", actor=boss, path=dbp)
    assert (rec["user_name"], rec["user_role"], rec["user_key"]) == (
        "boss@example.org",
        "admin",
        "email",
    )
    assert users.list_users(dbp).set_index("email").loc["carol@example.org", "added_by"] == (
        "boss@example.org"
    )
    users.add("boss@example.org", "editor", ["tokachi"], path=dbp)
    before = _count(dbp)
    with pytest.raises(auth.Refused) as err:
        users.add("mallory@example.org", "admin", actor=boss, path=dbp)
    assert err.value.text("ja") == (
        "利用者と権限を変更できるのは管理者だけです（あなたの現在の権限：振興局の編集者：十勝）"
    )
    with pytest.raises(auth.Refused):
        users.remove("carol@example.org", actor=boss, path=dbp)
    assert _count(dbp) == before
    assert "mallory@example.org" not in set(users.list_users(dbp)["email"])


def test_the_audit_records_the_rights_that_allowed_each_write(dbp):
    users.add("alice@example.org", "editor", ["tokachi"], path=dbp)
    alice = signed_in("alice@example.org", "editor", (TOKACHI,))
    out = dataview.commit_upload(TOKACHI_FILE.encode(), "t.csv", user=alice.name,
                                 db_path=dbp, bureaus=(TOKACHI,), identity=alice)  # fmt: skip
    assert out.kind == "success", out.text
    last = db.history(dbp).iloc[0]
    assert (last["user_name"], last["user_role"], last["user_bureaus"], last["user_key"]) == (
        "alice@example.org",
        "editor",
        TOKACHI,
        "email",
    )
    # the command line's writes: the operating-system account
    role_change = db.history(dbp).query("action == 'role'").iloc[0]
    assert (role_change["user_role"], role_change["user_key"]) == ("admin", "os")
    rows = list(csv.DictReader(io.StringIO(audit.audit_csv(dbp).decode("utf-8-sig"))))
    imp = next(r for r in rows if r["version"] == str(last["version"]))
    assert (imp["user_role"], imp["user_bureaus"], imp["user_key"]) == ("editor", "12", "email")
    # the Data page's history says it in words
    shown = dataview.history_table(dataview.history_frame(dbp), "ja")
    assert shown.iloc[0][t("data.col.user_role", "ja")] == "振興局の編集者：十勝"


def test_personal_mode_writes_keep_the_rights_of_the_mode(dbp):
    me = auth.personal_identity("hanako")
    out = dataview.commit_upload(TOKACHI_FILE.encode(), "t.csv", user=me.name, db_path=dbp,
                                 identity=me)  # fmt: skip
    assert out.kind == "success"
    assert db.history(dbp).iloc[0][["user_role", "user_key"]].tolist() == ["admin", "os"]
    remote = auth.personal_identity("hanako", local=False)
    before = _count(dbp)
    out = dataview.undo_latest(lang="en", db_path=dbp, identity=remote)
    assert out.kind == "error" and "viewers cannot undo" in out.text
    assert _count(dbp) == before


# --- who a signed-in person is: the account, or a verified e-mail ---------------------------


def test_pick_user_prefers_the_account_and_takes_only_verified_e_mail():
    by_mail = {"email": "a@x.jp", "role": "editor", "issuer": None, "subject": None}
    bound = {"email": "b@x.jp", "role": "admin", "issuer": ISSUER, "subject": "S-1"}
    records = [by_mail, bound]
    pick = auth.pick_user
    assert pick(records, email="A@X.jp", email_verified=True) == (by_mail, "email", None)
    assert pick(records, email="a@x.jp", email_verified=False) == (None, None, "unverified")
    # the bound record: by its account whatever the e-mail says, never by the e-mail alone
    assert pick(records, email="new@x.jp", issuer=ISSUER, subject="S-1") == (bound, "subject", None)
    assert pick(records, email="b@x.jp", email_verified=True, issuer=ISSUER, subject="S-2") == (
        None,
        None,
        "bound",
    )
    assert pick(records, email="b@x.jp", issuer="https://evil.example", subject="S-1")[0] is None
    assert pick(records, email="c@x.jp", email_verified=True) == (None, None, None)
    assert auth.claim_true(True) and auth.claim_true("true") and not auth.claim_true("false")
    assert not auth.claim_true(None) and not auth.claim_true(1)


def test_users_cli_binds_an_account_and_lists_how_each_is_matched(dbp, capsys):
    assert _cli("users", "add", "Chief@Example.org", "--role", "admin", "--subject", "S-1",
                "--issuer", ISSUER, path=dbp) == 0  # fmt: skip
    assert _cli("users", "add", "alice@example.org", "--role", "editor", "--bureau", "tokachi",
                path=dbp) == 0  # fmt: skip
    assert _cli("users", "add", "x@example.org", "--role", "admin", "--subject", "S-9",
                path=dbp) == 1  # fmt: skip
    assert "--subject and --issuer go together" in capsys.readouterr().err
    assert _cli("users", "add", "y@example.org", "--role", "admin", "--subject", "S-1",
                "--issuer", ISSUER, path=dbp) == 1  # fmt: skip
    assert "already chief@example.org's" in capsys.readouterr().err
    # a role change keeps the binding
    assert _cli("users", "add", "chief@example.org", "--role", "viewer", path=dbp) == 0
    capsys.readouterr()
    assert _cli("users", "list", path=dbp) == 0
    out = capsys.readouterr().out
    assert "matched by" in out
    chief = next(line for line in out.splitlines() if "chief@example.org" in line)
    assert f"account S-1 @ {ISSUER}" in chief and "viewer" in chief
    alice = next(line for line in out.splitlines() if "alice@example.org" in line)
    assert "verified e-mail" in alice
    listed = users.list_users(dbp).set_index("email")
    assert listed.loc["chief@example.org", "key"] == "subject"
    assert listed.loc["alice@example.org", "key"] == "email"
    # a sign-in with that account is the listed person, whatever e-mail it claims
    record, key, _ = users.find(dbp, email="other@x.jp", issuer=ISSUER, subject="S-1")
    assert (record["email"], key) == ("chief@example.org", "subject")
    assert users.find(dbp, email="chief@example.org", email_verified=True)[2] == "bound"


def test_an_older_users_list_is_kept_by_the_upgrade_as_e_mail_records(dbp):
    users.add("alice@example.org", "editor", ["tokachi"], path=dbp)
    users.add("boss@example.org", "admin", path=dbp)
    con = duckdb.connect(str(dbp))  # make it a schema-5 file: no issuer, subject, rights
    try:
        con.execute("ALTER TABLE users DROP COLUMN issuer")
        con.execute("ALTER TABLE users DROP COLUMN subject")
        for col in ("user_role", "user_bureaus", "user_key"):
            con.execute(f"ALTER TABLE import_history DROP COLUMN {col}")
        con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    finally:
        con.close()
    assert db.schema_version(dbp) == 5
    db.ensure_database(dbp)
    assert db.schema_version(dbp) == db.SCHEMA_VERSION
    listed = users.list_users(dbp).set_index("email")
    assert listed.loc["alice@example.org", ["role", "bureaus", "key"]].tolist() == [
        "editor",
        TOKACHI,
        "email",
    ]
    assert listed.loc["boss@example.org", "role"] == "admin"
    # and they still act, signed in with a verified e-mail
    alice = signed_in("alice@example.org", "editor", (TOKACHI,))
    out = dataview.commit_upload(TOKACHI_FILE.encode(), "t.csv", user=alice.name,
                                 db_path=dbp, bureaus=(TOKACHI,), identity=alice)  # fmt: skip
    assert out.kind == "success", out.text
    hist = db.history(dbp)
    assert hist.iloc[0]["user_role"] == "editor"
    assert hist["user_role"].isna().any()  # older records: no rights recorded, none invented


def test_an_unverified_e_mail_is_a_viewer_and_is_told_why(dbp):
    users.add("alice@example.org", "editor", ["tokachi"], path=dbp)
    record, key, mismatch = users.find(dbp, email="alice@example.org", email_verified=False)
    ident = auth.shared_identity("alice@example.org", record, "viewer", mismatch=mismatch)
    assert ident.role == "viewer" and not ident.listed and ident.mismatch == "unverified"
    from regionmap.ui import access

    assert "email_verified" in access.key_text(ident, "ja")
    assert "サブジェクト S-1" in access.account_line(ISSUER, "S-1", "ja")
    out = dataview.commit_upload(TOKACHI_FILE.encode(), "t.csv", db_path=dbp, identity=ident,
                                 bureaus=(TOKACHI,))  # fmt: skip
    assert out.kind == "error"


# --- personal mode: the app's own origin, port included ------------------------------------


def test_origin_refusal_compares_the_port():
    own = {"Host": "localhost:8501", "Origin": "http://localhost:8501"}
    assert auth.origin_refusal(own) is None
    assert (
        auth.origin_refusal({"Host": "127.0.0.1:8501", "Origin": "http://127.0.0.1:8501"}) is None
    )
    assert auth.origin_refusal({"Host": "localhost:8501"}) is None  # not a browser
    assert auth.origin_refusal(None) is None
    assert (
        auth.origin_refusal({**own, "Origin": "http://localhost:9999"}) == "http://localhost:9999"
    )
    assert (
        auth.origin_refusal({**own, "Origin": "http://127.0.0.1:8501"}) == "http://127.0.0.1:8501"
    )
    assert auth.origin_refusal({**own, "Origin": "null"}) == "null"
    assert auth.origin_refusal({**own, "Origin": "http://localhost"}) == "http://localhost"


# --- the static folder ----------------------------------------------------------------------


def test_static_dir_outside_the_app_folder_is_a_problem(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIONMAP_STATIC_DIR", str(settings.PROJECT_ROOT / "static"))
    assert settings.static_dir_problem() is None
    monkeypatch.setenv("REGIONMAP_STATIC_DIR", str(tmp_path / "elsewhere"))
    assert settings.static_dir_problem() == (
        tmp_path / "elsewhere",
        settings.PROJECT_ROOT / "static",
    )
    monkeypatch.setenv("REGIONMAP_STATIC_SERVED_BY", "proxy")  # nginx serves it (serve)
    assert settings.static_dir_problem() is None
    monkeypatch.setenv("REGIONMAP_STATIC_SERVED_BY", "apache")
    with pytest.raises(ValueError, match="REGIONMAP_STATIC_SERVED_BY"):
        settings.static_dir_problem()


def test_serve_tells_its_replicas_that_nginx_serves_the_static_folder(tmp_path):
    from regionmap import serve

    env = serve.Server(replicas=1, runtime_dir=tmp_path)._env()
    assert env["REGIONMAP_STATIC_SERVED_BY"] == "proxy"


# --- a real streamlit run, spoken to over its WebSocket ----------------------------------------


def streamlit_session(url: str, origin: str | None, page: str = "", timeout: float = 60) -> str:
    """Open Streamlit's WebSocket as a browser page of ``origin`` would, ask for one run of
    ``page`` and return the texts of every element it drew, joined, once the run ends."""
    import time

    from google.protobuf import text_format
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    texts: list[str] = []
    with connect(ws_url, origin=origin, subprotocols=["streamlit"], open_timeout=30) as ws:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = page
        ws.send(back.SerializeToString())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = msg.WhichOneof("type")
            if kind == "delta":
                texts.append(text_format.MessageToString(msg.delta, as_utf8=True))
            if kind == "script_finished":
                break
    return "\n".join(texts)


@pytest.fixture(scope="module")
def outside_static_app(geo_dir, db_path, tmp_path_factory):
    import test_browser

    elsewhere = tmp_path_factory.mktemp("static-elsewhere")
    with test_browser.running_app(
        "streamlit-static-elsewhere.log", REGIONMAP_STATIC_DIR=str(elsewhere)
    ) as url:
        yield url, elsewhere


def test_a_page_of_another_local_origin_gets_nothing(server):
    port = server.rsplit(":", 1)[1]
    own = streamlit_session(server, f"http://127.0.0.1:{port}", "data")
    assert "file_uploader" in own  # the person at the machine: the import
    foreign = streamlit_session(server, "http://localhost:9999", "data")
    assert "http://localhost:9999" in foreign.replace("\\\\", "")
    assert "file_uploader" not in foreign and "Traceback" not in foreign
    assert "ポート番号まで同じ" in foreign


def test_streamlit_run_refuses_a_static_folder_it_does_not_serve(outside_static_app):
    url, elsewhere = outside_static_app
    port = url.rsplit(":", 1)[1]
    shown = streamlit_session(url, f"http://127.0.0.1:{port}")
    assert "REGIONMAP_STATIC_DIR" in shown and "static" in shown
    assert "REGIONMAP_STATIC_SERVED_BY=proxy" in shown
    assert "file_uploader" not in shown and "deck_gl_json_chart" not in shown
    assert not any(elsewhere.rglob("*.json"))  # nothing was written where nobody serves it
    with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
        assert r.read() == b"ok"
