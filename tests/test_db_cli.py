"""``python -m regionmap db history`` says the rights each write was allowed by (issue #21,
left over: the Data page's history and the audit CSV showed them, the command line did not).
"""

from __future__ import annotations

import pandas as pd

from regionmap import auth, db
from regionmap.__main__ import main
from regionmap.db import cli as db_cli
from regionmap.db import importer, users

TOKACHI = "12"
TOKACHI_FILE = "年度,市町村コード,派遣区分,人数\n2016,01207,相互交流,3\n2016,01631,相互交流,2\n"
HEADER = ["version", "action", "table", "file", "added", "replaced", "sample", "removed", "user",
          "time", "(JST)", "undone", "by", "undoes", "from", "bytes", "sha256", "changes"]  # fmt: skip


def _history(dbp, capsys) -> list[str]:
    capsys.readouterr()
    assert main(["db", "history", "--db", str(dbp)]) == 0
    return capsys.readouterr().out.splitlines()


def test_history_names_the_rights_each_write_was_allowed_by(dbp, capsys, tmp_path):
    users.add("alice@example.org", "editor", ["tokachi"], path=dbp)
    alice = auth.Identity("alice@example.org", "editor", (TOKACHI,), "shared", "alice@example.org",
                          key="email", email_verified=True)  # fmt: skip
    res = importer.commit(TOKACHI_FILE.encode(), "tokachi.csv", user=alice.name, db_path=dbp,
                          allowed_bureaus=(TOKACHI,), actor=alice)  # fmt: skip
    assert res.committed, [str(e) for e in res.errors]
    f = tmp_path / "cli.csv"
    f.write_text(TOKACHI_FILE.replace("2016", "2017"), encoding="utf-8")
    assert main(["db", "import", str(f), "--user", "hanako", "--db", str(dbp)]) == 0

    lines = _history(dbp, capsys)
    assert lines[0].split() == HEADER  # the columns as before: the rights are the user's
    by_file = {line.split()[3]: line for line in lines[2:] if "import" in line.split()[:2]}
    assert "alice@example.org (bureau editor: Tokachi; verified e-mail)" in by_file["tokachi.csv"]
    assert "hanako (administrator; operating-system account)" in by_file["cli.csv"]
    roles = [line for line in lines[2:] if line.split()[1] == "role"]
    assert roles and "(administrator; operating-system account)" in roles[0]  # users add
    # the same rights as the record holds
    hist = db.history(dbp).set_index("file_name")
    assert hist.loc["tokachi.csv", ["user_role", "user_bureaus", "user_key"]].tolist() == [
        "editor",
        TOKACHI,
        "email",
    ]


def test_the_rights_in_words_and_none_for_a_record_from_before_they_were_kept():
    assert db_cli.rights_text("editor", "12;13", "subject") == (
        "bureau editor: Tokachi, Kushiro; account (issuer + subject)"
    )
    assert db_cli.rights_text("viewer", None, "unlisted") == "viewer; unlisted user"
    assert db_cli.rights_text("editor", "12", "email", "ja") == (
        "振興局の編集者：十勝。確認済みメールアドレス"
    )
    # a record written before schema 6 kept no rights: the user column is the user alone
    assert db_cli.rights_text(None, None, None) == ""
    old = pd.DataFrame([{"version": 1, "action": "init", "user_name": "root", "user_role": None}])
    assert db_cli.history_text(old).splitlines()[2].split() == ["1", "init", "root"]
