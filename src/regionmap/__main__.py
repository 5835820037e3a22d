"""Command line: ``python -m regionmap geo build|db ...|users ...|report ...|setup|serve|settings``.

Each subcommand is a thin wrapper: the work lives in the package modules (``db`` and
``users``: :mod:`regionmap.db.cli`).
Exit code 0 on success, 1 when the input is refused (with a message on
standard error that says what and where), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys

from regionmap import db, geo, importable, serve, settings
from regionmap.db import cli as db_cli
from regionmap.db.store import DatabaseError
from regionmap.geo.build import cli_build
from regionmap.render import handout


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m regionmap",
        description="regionmap: boundary layers, policy database, handouts and settings.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    # geo ------------------------------------------------------------------
    geo = sub.add_parser("geo", help="boundary layers").add_subparsers(dest="action", required=True)
    build = geo.add_parser("build", help="build the boundary layers from an N03 source")
    build.add_argument("--source", help="path or URL of the N03 source (default: MLIT download)")
    build.add_argument("--out", help="output folder (default: geo/)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument(
        "--force",
        action="store_true",
        help="build even if the total area differs from Hokkaido's or the previous build's "
        "by more than the tolerance",
    )

    # db -------------------------------------------------------------------
    db = sub.add_parser("db", help="the policy database").add_subparsers(
        dest="action", required=True
    )
    for name, text in [
        ("init", "create the database (reference, document facts, sample figures)"),
        ("import", "import a CSV or Excel file into a table"),
        ("export", "export a table to CSV or Excel"),
        ("history", "list the imports"),
        ("undo", "undo the last import"),
        ("publish", "publish a checksummed snapshot of the database for replicas to follow"),
    ]:
        p = db.add_parser(name, help=text)
        p.add_argument("--db", help="database file (default: data/regionmap.duckdb)")
        if name == "init":
            p.add_argument("--force", action="store_true", help="recreate even if it exists")
        if name == "import":
            p.add_argument("file", help="CSV (UTF-8, UTF-8 with BOM, Shift_JIS) or .xlsx")
            p.add_argument(
                "--table",
                choices=importable.NAMES,
                help="target table (guessed from the headers if omitted; a ministry's workbook of "
                "key fiscal indicators is recognised by its header: fiscal_indicators)",
            )
            p.add_argument(
                "--dry-run", action="store_true", help="show what would change, write nothing"
            )
            p.add_argument(
                "--fiscal-year",
                type=int,
                help="fiscal year of a ministry's workbook whose title does not say it (2015)",
            )
            p.add_argument("--user", help="who is importing (recorded in the history)")
        if name == "publish":
            p.add_argument("--to", required=True, help="snapshot folder (shared with the replicas)")
            p.add_argument("--keep", type=int, help="snapshots to keep (default: the setting)")
        if name == "export":
            p.add_argument("table", help="table name")
            p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    # users ----------------------------------------------------------------
    usr = sub.add_parser("users", help="who may change what (kept in the database)")
    uact = usr.add_subparsers(dest="action", required=True)
    add = uact.add_parser("add", help="add a user, or change their role")
    add.add_argument("email", help="the e-mail address they sign in with")
    add.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    add.add_argument(
        "--bureau",
        action="append",
        default=[],
        help="bureau an editor maintains (id, code or name: tokachi, 12, 十勝); repeatable",
    )
    add.add_argument(
        "--subject",
        help="bind the record to this account: the ID token's subject (sub), with --issuer; "
        "without them it matches the e-mail only when the provider says it is verified",
    )
    add.add_argument("--issuer", help="the provider's issuer URL (the ID token's iss)")
    rm = uact.add_parser("remove", help="remove a user (they become an unlisted user)")
    rm.add_argument("email")
    uact.add_parser("list", help="list the users and their roles")
    for p in (add, rm, *uact.choices.values()):
        if not any(a.dest == "db" for a in p._actions):
            p.add_argument("--db", help="database file (default: data/regionmap.duckdb)")

    # report ---------------------------------------------------------------
    rep = sub.add_parser("report", help="PDF handouts per bureau or region")
    which = rep.add_mutually_exclusive_group(required=True)
    which.add_argument("--bureau", help="bureau code or id (e.g. 01 or sorachi)")
    which.add_argument("--region", help="region code or id (e.g. 1 or doo)")
    which.add_argument("--all", action="store_true", help="every bureau and region")
    rep.add_argument("--out", default="reports", help="output folder (default: reports/)")
    rep.add_argument("--db", help="database file")
    rep.add_argument("--lang", choices=["ja", "en"], default="ja")

    # setup ----------------------------------------------------------------
    setup = sub.add_parser(
        "setup", help="build the boundary layers and the database where they are missing"
    )
    setup.add_argument("--source", help="N03 source for the layers (default: the setting)")
    setup.add_argument("--quiet", action="store_true", help="no progress bar")

    # serve ----------------------------------------------------------------
    serve = sub.add_parser(
        "serve", help="many viewers: Streamlit replicas behind nginx (make run serves one)"
    )
    serve.add_argument(
        "--replicas", type=int, help="Streamlit processes (default: the number of cores)"
    )
    serve.add_argument("--port", type=int, default=8501, help="nginx's port (default 8501)")
    serve.add_argument("--host", default="0.0.0.0", help="nginx's address (default: all)")
    serve.add_argument(
        "--snapshots", help="follow the newest published snapshot in this folder (db publish)"
    )
    serve.add_argument("--runtime-dir", help="nginx configuration, logs, temp files (run/)")

    # data -----------------------------------------------------------------
    data = sub.add_parser("data", help="the committed data files").add_subparsers(
        dest="action", required=True
    )
    bp = data.add_parser(
        "build-public",
        help="build data/public/soumu_zaisei_hokkaido.csv from the ministry's fiscal workbooks",
    )
    bp.add_argument(
        "--from",
        dest="source",
        required=True,
        help="folder of the editions as published (H17.xls … R3.xlsx), e.g. ../shared/data/soumu/zaisei",
    )
    bp.add_argument("--out", help="output file (default: the committed extract)")

    # settings -------------------------------------------------------------
    sub.add_parser("settings", help="list the settings, their values and environment variables")
    return parser


def _setup(args: argparse.Namespace) -> int:
    """Build what is missing, where the settings say (``REGIONMAP_GEO_DIR``, ``REGIONMAP_DB_PATH``)."""

    if geo.layers_available():
        print(f"boundary layers: present in {settings.get('geo_dir')}")
    else:
        build_args = argparse.Namespace(source=args.source, out=None, quiet=args.quiet)
        code = cli_build(build_args)
        if code:
            return code
    path = db.ensure_database()
    print(f"database: ready at {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)

    try:
        return _dispatch(args)
    except DatabaseError as exc:  # a damaged database file: the message says what to do
        print(f"regionmap: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "geo":
        return cli_build(args)
    if args.command == "db":
        return db_cli.db_command(args)
    if args.command == "serve":
        return serve.cli(args)
    if args.command == "report":
        return handout.cli(args)
    if args.command == "users":
        return db_cli.users_command(args)
    if args.command == "setup":
        return _setup(args)
    if args.command == "data":
        from regionmap.db import public

        return public.cli_build(args.source, args.out)
    if args.command == "settings":
        for s in settings.describe():
            print(f"{s['env']}={s['value']}\n    {s['help']} (default: {s['default']})")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
