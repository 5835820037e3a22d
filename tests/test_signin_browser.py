"""Shared mode end to end: a real OpenID Connect provider, Streamlit's st.login, chromium.

``oidc-provider-mock`` runs on a loopback port in this process; a temporary
``secrets.toml`` points the app's ``[auth]`` at it; the app runs in shared mode
(``REGIONMAP_MODE=shared``) on its own server and its own copy of the database, where an
administrator and a Tokachi editor are listed. Each user signs in in a fresh browser
context by typing their e-mail into the provider's form (the mock issues an ID token with
that ``email``), then the test checks what the データ page lets them do:

- an unlisted user is a viewer: no import widgets, no undo, the audit download is there;
- the Tokachi editor is refused a file with a Sapporo row (nothing written), imports a
  Tokachi file, and the audit trail names their e-mail;
- the administrator sees the users and may undo anybody's import;
- rights are read again when a button acts (issue #21): an editor previews a file, an
  administrator makes her a viewer on the command line, she clicks 取り込む: refused in
  Japanese, nothing written; an administrator signed in by their account (issuer +
  subject, no verified e-mail) is removed, then clicks undo: refused, nothing written.

The provider says the listed e-mails are verified (``email_verified``): a listed e-mail
counts only then.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from regionmap import serve
from regionmap.i18n import t

pytestmark = pytest.mark.browser

EDITOR = "alice@example.org"
ADMIN = "boss@example.org"
VISITOR = "visitor@example.org"
HANA = "hana@example.org"  # a second Tokachi editor, demoted while a file is in preview
CHIEF = "chief@example.org"  # an administrator bound to their account, then removed
CHIEF_SUB = "chief-0001"
TOKACHI_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,3\n2016,01631,相互交流,2\n"
MIXED_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,4\n2016,01100,相互交流,2\n"


@pytest.fixture(scope="module")
def provider():
    oidc = pytest.importorskip("oidc_provider_mock")
    with oidc.run_server_in_thread(port=0) as server:
        url = f"http://localhost:{server.server_port}"
        for email in (EDITOR, ADMIN, VISITOR, HANA):  # signed in by typing the e-mail
            _claims(url, email, {"email": email, "email_verified": True})
        _claims(url, CHIEF_SUB, {"email": CHIEF})  # an e-mail the provider does not verify
        yield url


def _claims(provider: str, sub: str, claims: dict) -> None:
    """Tell the provider the claims of the account ``sub`` (oidc-provider-mock's API)."""
    req = urllib.request.Request(
        f"{provider}/users/{sub}",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204


@pytest.fixture(scope="module")
def shared_app(provider, db_path, geo_dir, tmp_path_factory):
    """The app in shared mode against ``provider``, on a copy of the session database."""
    import test_browser

    from regionmap.db import users

    work = tmp_path_factory.mktemp("shared")
    db = work / "data" / "regionmap.duckdb"
    db.parent.mkdir()
    shutil.copyfile(db_path, db)
    users.add(EDITOR, "editor", ["tokachi"], path=db, actor="test-admin")
    users.add(ADMIN, "admin", path=db, actor="test-admin")
    users.add(HANA, "editor", ["tokachi"], path=db, actor="test-admin")
    users.add(CHIEF, "admin", subject=CHIEF_SUB, issuer=provider, path=db, actor="test-admin")
    port = serve.free_port()
    secrets_file = work / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "regionmap-test"\n'
        'client_secret = "regionmap-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    with test_browser.running_app(
        "streamlit-shared.log",
        port=port,
        url_host="localhost",
        extra_args=("--secrets.files", str(secrets_file)),
        REGIONMAP_MODE="shared",
        REGIONMAP_DB_PATH=str(db),
    ) as url:
        yield url, db


def _sign_in(browser, url: str, email: str, sub: str | None = None):
    """A fresh context signed in as ``email`` (the account ``sub``, the e-mail when None)
    through the provider's form, on the データ page."""
    ctx = browser.new_context(accept_downloads=True)
    page = ctx.new_page()
    page.goto(url + "/data")
    page.get_by_role("button", name=t("auth.sign_in", "ja")).click(timeout=60_000)
    page.wait_for_selector("input[name=sub]", timeout=30_000)  # the provider's page
    page.fill("input[name=sub]", sub or email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(url + "/**", timeout=30_000)
    page.goto(url + "/data")
    page.get_by_text(email, exact=False).first.wait_for(timeout=60_000)
    page.get_by_role("heading", name=t("page.data", "ja")).wait_for(timeout=60_000)
    return ctx, page


def _upload(page, name: str, text: str) -> None:
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )


def _audit_csv(page) -> str:
    page.get_by_role("tab", name=t("data.history", "ja")).click()
    with page.expect_download() as dl:
        page.get_by_role("button", name=t("data.audit.download", "ja")).click()
    return Path(dl.value.path()).read_text(encoding="utf-8-sig")


def test_roles_through_a_real_oidc_provider(shared_app, browser):
    url, db = shared_app
    from regionmap import db as dbmod

    # anonymous: a sign-in button and nothing else
    anon = browser.new_context()
    page = anon.new_page()
    page.goto(url + "/data")
    page.get_by_role("button", name=t("auth.sign_in", "ja")).wait_for(timeout=60_000)
    assert page.locator("input[type=file]").count() == 0
    anon.close()

    # an unlisted user is a viewer: no import widgets, no undo; the history is there
    ctx, page = _sign_in(browser, url, VISITOR)
    page.get_by_text(t("auth.role.viewer", "ja")).first.wait_for()
    page.get_by_text("閲覧者は履歴の確認").wait_for()
    assert page.locator("input[type=file]").count() == 0
    assert VISITOR not in _audit_csv(page)  # nothing done yet by them
    assert page.get_by_role("button", name=t("data.undo", "ja")).count() == 0
    ctx.close()

    # the Tokachi editor: another bureau's row refuses the whole file; their own file goes in
    ctx, page = _sign_in(browser, url, EDITOR)
    page.get_by_text("十勝 の市町村の行だけ").wait_for()
    before = len(dbmod.history(db))
    _upload(page, "mixed.csv", MIXED_FILE)
    page.get_by_text("mixed.csv: 1件の問題があるため取り込みませんでした").wait_for(timeout=60_000)
    assert page.get_by_role("button", name=t("data.commit", "ja"), exact=True).count() == 0
    assert len(dbmod.history(db)) == before
    _upload(page, "tokachi.csv", TOKACHI_FILE)
    page.get_by_role("button", name=t("data.commit", "ja"), exact=True).click(timeout=60_000)
    page.get_by_text("削除したサンプル").wait_for(timeout=60_000)
    last = dbmod.history(db).iloc[0]
    assert (last["action"], last["user_name"], last["file_name"]) == (
        "import",
        EDITOR,
        "tokachi.csv",
    )
    assert last["bureau_scope"] == "12"
    # the rights that allowed it, as read when it was written
    assert (last["user_role"], last["user_bureaus"], last["user_key"]) == ("editor", "12", "email")
    trail = _audit_csv(page)
    assert EDITOR in trail and "tokachi.csv" in trail and last["sha256"] in trail
    assert page.get_by_role("button", name=t("data.undo", "ja")).is_enabled()
    ctx.close()

    # the administrator: the users list, and the undo of someone else's import
    ctx, page = _sign_in(browser, url, ADMIN)
    page.locator("input[type=file]").wait_for(state="attached", timeout=60_000)
    page.get_by_role("tab", name=t("data.history", "ja")).click()
    page.get_by_role("heading", name=t("data.users", "ja")).wait_for()
    page.get_by_role("button", name=t("data.undo", "ja")).click()
    page.get_by_text("取り消しました", exact=False).first.wait_for(timeout=60_000)
    last = dbmod.history(db).iloc[0]
    assert (last["action"], last["user_name"]) == ("undo", ADMIN)
    ctx.close()


def _users_cli(*argv: str, db: Path) -> None:
    """``python -m regionmap users …`` as an administrator runs it, in its own process."""
    done = subprocess.run(
        [sys.executable, "-m", "regionmap", "users", *argv, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _no_traceback(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in page.content()


def test_a_role_taken_away_after_the_page_was_drawn_no_longer_acts(shared_app, browser):
    url, db = shared_app
    from regionmap import db as dbmod
    from regionmap.db import importer

    # an editor previews a file: the 取り込む button is there, enabled
    ctx, page = _sign_in(browser, url, HANA)
    page.get_by_text("十勝 の市町村の行だけ").wait_for()
    _upload(page, "hana.csv", "年度,市町村コード,派遣区分,人数\n2019,01207,相互交流,7\n")
    commit = page.get_by_role("button", name=t("data.commit", "ja"), exact=True)
    commit.wait_for(timeout=60_000)
    assert commit.is_enabled()
    # meanwhile an administrator makes her a viewer on the command line
    _users_cli("add", HANA, "--role", "viewer", db=db)
    before = len(dbmod.history(db))
    commit.click()
    page.get_by_text(
        "取り込みませんでした：あなたの現在の権限（閲覧者）では取り込めません"
    ).wait_for(timeout=60_000)
    page.get_by_text("何も書き込んでいません", exact=False).first.wait_for()
    hist = dbmod.history(db)
    assert len(hist) == before  # nothing written
    assert hist.query("user_name == @HANA and action == 'import'").empty
    _no_traceback(page)
    page.get_by_text("閲覧者は履歴の確認").wait_for(timeout=60_000)  # redrawn as a viewer
    ctx.close()

    # an administrator recognised by their account (the provider does not verify the
    # e-mail): something to undo, the undo button enabled
    rec = importer.commit(
        "年度,市町村コード,派遣区分,人数\n2019,01631,相互交流,2\n".encode(),
        "someone.csv",
        user="someone@example.org",
        db_path=db,
    ).record
    ctx, page = _sign_in(browser, url, CHIEF, sub=CHIEF_SUB)
    page.get_by_text(t("auth.key.subject", "ja")).wait_for(timeout=60_000)
    page.get_by_role("tab", name=t("data.history", "ja")).click()
    undo = page.get_by_role("button", name=t("data.undo", "ja"))
    undo.wait_for(timeout=60_000)
    assert undo.is_enabled()
    # … then removed from the list
    _users_cli("remove", CHIEF, db=db)
    before = len(dbmod.history(db))
    undo.click()
    page.get_by_text("取り消しませんでした：あなたは現在、利用者一覧に登録されていません").wait_for(
        timeout=60_000
    )
    hist = dbmod.history(db)
    assert len(hist) == before
    assert hist[hist["version"] == rec["version"]]["undone_by"].isna().all()  # still in place
    _no_traceback(page)
    ctx.close()
