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
- the administrator sees the users and may undo anybody's import.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest

from regionmap import serve
from regionmap.i18n import t

pytestmark = pytest.mark.browser

EDITOR = "alice@example.org"
ADMIN = "boss@example.org"
VISITOR = "visitor@example.org"
TOKACHI_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,3\n2016,01631,相互交流,2\n"
MIXED_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,4\n2016,01100,相互交流,2\n"


@pytest.fixture(scope="module")
def provider():
    oidc = pytest.importorskip("oidc_provider_mock")
    with oidc.run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


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


def _sign_in(browser, url: str, email: str):
    """A fresh context signed in as ``email`` through the provider's form, on the データ page."""
    ctx = browser.new_context(accept_downloads=True)
    page = ctx.new_page()
    page.goto(url + "/data")
    page.get_by_role("button", name=t("auth.sign_in", "ja")).click(timeout=60_000)
    page.wait_for_selector("input[name=sub]", timeout=30_000)  # the provider's page
    page.fill("input[name=sub]", email)
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
