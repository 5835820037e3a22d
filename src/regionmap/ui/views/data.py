"""The Data page (データ): import, history and undo, templates, export.

The page script (``pages/data.py``) calls :func:`page`. The work is done by
the importer (:mod:`regionmap.db.importer`), the database's versioned store
(:func:`regionmap.db.history`, :func:`regionmap.db.undo`) and
:mod:`regionmap.export`; this module only turns their results into what the
page shows, in small functions tested directly (``tests/test_pages.py``):

- :func:`check_upload` — validate an uploaded file (a dry run: never writes)
  and describe it: :func:`issues_frame` (file, row, column, reason),
  :func:`plan_counts` (rows to add / replace / leave / sample rows removed) and
  the preview of the normalised rows with their ``change`` (:func:`preview_table`:
  labels and values in the interface language, empty cells, never None);
- :func:`commit_upload` — write it as a new database version (all or nothing);
- :func:`history_frame`, :func:`history_table` (labelled, times in JST),
  :func:`undo_latest` — the versions and the undo;
- :func:`templates` — the import templates (CSV and Excel) per table;
- :func:`export_sources`, :func:`export_frame`, :func:`export_bytes` — any
  table, or the list of the dashboard's current filters, as CSV or Excel
  (formula-injection safe through :func:`regionmap.export.frame_bytes`).

A file is checked against the live database on every run while it is in the
uploader; the check is cached by the file's bytes and the database version, so
after a commit or an undo it is checked again (and then says "no change").
Messages of the last action are kept in session state under ``rm.data.*``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from regionmap import auth, db, i18n, importable, reference, settings
from regionmap import state as state_mod
from regionmap.db import audit, export, importer, users
from regionmap.i18n import CATALOG, month_text, t
from regionmap.plaintext import plain, shown_frame
from regionmap.style import MISSING
from regionmap.texttable import cell_text, local_time
from regionmap.ui import access, session
from regionmap.ui.cached import by_db_version
from regionmap.ui.components import cards, overlay

_OUTCOME = "rm.data.outcome"  # message of the last commit/undo: (kind, text)
PREVIEW_ROWS = 200
#: Lists of the dashboard that can be exported with the filter bar's filters.
VIEWS = ("dispatches", "sites", "evacuees", "priority_projects", "proposals", "bureau_projects")
#: Tables not offered for export (bookkeeping).
_HIDDEN_TABLES = {"meta", "users"}  # users: e-mails, shown to administrators only


# --- checking an upload -------------------------------------------------------------------


#: What the problems table shows for a problem of the whole file (no row, no column).
NO_CELL = MISSING


def issues_frame(result: importer.ImportResult, lang: str = "ja") -> pd.DataFrame:
    """The problems of a checked file, one row each: file, row, column, reason (in ``lang``).

    Row and column are text as the user reads them; a problem of the whole file (binary
    bytes, no header …) shows :data:`NO_CELL` there, never "None".
    """
    rows = [
        {
            "file": i.file,
            "row": NO_CELL if i.row is None else str(i.row),
            "column": i.column or NO_CELL,
            "reason": _issue_text(i, lang),
        }
        for i in result.errors
    ]
    return pd.DataFrame(rows, columns=["file", "row", "column", "reason"])


def _issue_text(issue: importer.Issue, lang: str) -> str:
    text = getattr(issue, "text", None)
    return text(lang) if callable(text) else issue.message


def plan_counts(result: importer.ImportResult) -> dict[str, Any]:
    """What committing would change: added, replaced, unchanged, removed (sample), periods."""
    p = result.plan or {}
    return {
        "added": int(p.get("added", 0)),
        "replaced": int(p.get("replaced", 0)),
        "unchanged": int(p.get("unchanged", 0)),
        "removed": int(p.get("removed", 0)),
        "periods": list(p.get("periods", [])),
    }


def preview_frame(result: importer.ImportResult, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first ``limit`` normalised rows with their spreadsheet row and ``change``."""
    df = result.preview()
    cols = [c for c in df.columns if c not in ("is_sample", "import_id", "_row")]
    first = [c for c in ("row", "change") if c in cols]  # what happens to each row, up front
    cols = first + [c for c in cols if c not in first]
    return df[cols].head(limit).reset_index(drop=True)


def _preview_column(field_id: str) -> str:
    """A template field's column in the preview (i18n ``data.col.*``): the municipality's
    name beside its code, a name, operator or source in the interface language."""
    return "municipality" if field_id == "municipality_name" else field_id.removesuffix("_ja")


#: Columns of the import preview per table (the template's, importable.toml), after ``row``
#: and ``change``; the tables with a sample (the import-only ones are shown as read).
_PREVIEW_COLUMNS = {
    tb.table: tuple(_preview_column(f.id) for f in tb.template_fields)
    for tb in importable.TABLES
    if tb.sample
}


def preview_table(
    result: importer.ImportResult, lang: str = "ja", limit: int = PREVIEW_ROWS
) -> pd.DataFrame:
    """The preview as the page shows it: labelled columns and values in ``lang``.

    Spreadsheet row, what happens to it (追加/置換/変更なし), then the table's fields
    (municipality name beside its code; kind, status, source, prefecture in ``lang``);
    an empty cell where the file gave nothing, never None/NaN.
    """
    df = preview_frame(result, limit)
    if df.empty or result.table not in _PREVIEW_COLUMNS:
        return df

    en = lang == "en"
    munis = reference.municipalities()
    names = dict(zip(munis["code"], munis[i18n.col("name", lang)], strict=True))

    def pick(ja: str, en_col: str) -> pd.Series:
        col = df.get(en_col) if en else None
        base = df.get(ja, pd.Series([None] * len(df), index=df.index))
        return base if col is None else col.where(col.notna() & (col != ""), base)

    values = {
        "fiscal_year": df.get("fiscal_year"),
        "start_fy": df.get("start_fy"),
        "month": df.get("month", pd.Series(dtype=object)).map(lambda m: _month_cell(m, lang)),
        "municipality_code": df.get("municipality_code"),
        "municipality": df.get("municipality_code", pd.Series(dtype=object)).map(names),
        "kind": pick("kind_ja", "kind_en"),
        "persons": df.get("persons"),
        "status": df.get("status", pd.Series(dtype=object)).map(
            lambda v: t("data.status." + v, lang) if f"data.status.{v}" in CATALOG else v
        ),
        "source": pick("source_ja", "source_en"),
        "site_id": df.get("site_id"),
        "name": pick("name_ja", "name_en"),
        "lon": df.get("lon"),
        "lat": df.get("lat"),
        "operator": pick("operator_ja", "operator_en"),
        "prefecture": pick("prefecture_ja", "prefecture_en"),
    }
    out = pd.DataFrame(
        {
            t("data.col.row", lang): df["row"].map(cell_text),
            t("data.col.change", lang): [t("data.change." + c, lang) for c in df["change"]],
        }
    )
    for name in _PREVIEW_COLUMNS[result.table]:
        col = values[name]
        if name in ("persons", "lon", "lat") and col is not None and col.notna().all():
            out[t("data.col." + name, lang)] = col.to_numpy()
        else:
            cells = col if col is not None else [None] * len(df)
            out[t("data.col." + name, lang)] = [cell_text(v) for v in cells]
    return out


def _month_cell(value: Any, lang: str) -> str:
    """A month as people write it: 2015年3月 / 2015-03."""
    if not hasattr(value, "month"):
        return cell_text(value)
    return month_text(value, lang, numeric=True)


def check_upload(
    data: bytes,
    filename: str,
    table: str | None = None,
    *,
    db_path: str | os.PathLike | None = None,
    bureaus: tuple[str, ...] | None = None,
    fiscal_year: int | None = None,
) -> importer.ImportResult:
    """Validate an uploaded file against the live database (a dry run, never writes).

    ``fiscal_year``: the year of a ministry's workbook whose title does not say it (the
    page's field; a file whose year is found nowhere is refused asking for it).

    ``bureaus``: the only bureaus the file may touch (a bureau editor's); a row of
    another bureau refuses the whole file, naming the row and its bureau. Anything
    unexpected while reading is reported as a problem of the file, so a malformed
    upload never takes the page down.
    """
    try:
        return importer.validate(
            data,
            filename,
            table or None,
            db_path=db_path,
            allowed_bureaus=bureaus,
            fiscal_year=fiscal_year,
        )
    except Exception as exc:  # noqa: BLE001 - reported to the user as the file's problem
        return importer.ImportResult(
            file_name=filename,
            errors=[
                importer.Issue(
                    filename,
                    None,
                    None,
                    "import.refused.unexpected",
                    error=f"{type(exc).__name__}: {exc}",
                )  # fmt: skip
            ],
        )


@by_db_version(max_entries=4)
def _check_cached(
    data: bytes,
    filename: str,
    table: str,
    db_path: str,
    bureaus=None,
    fiscal_year: int | None = None,
    *,
    db_version: str,
):
    return check_upload(
        data, filename, table or None, db_path=db_path, bureaus=bureaus, fiscal_year=fiscal_year
    )


@dataclass(frozen=True)
class Outcome:
    """The result of an action on the page, for a message: ``kind`` success|info|error."""

    kind: str
    text: str
    version: int | None = None


def commit_upload(
    data: bytes,
    filename: str,
    table: str | None = None,
    *,
    lang: str = "ja",
    user: str | None = None,
    db_path: str | os.PathLike | None = None,
    bureaus: tuple[str, ...] | None = None,
    identity: auth.Identity | None = None,
    fiscal_year: int | None = None,
) -> Outcome:
    """Import a file as a new database version (all or nothing) and say what happened.

    ``bureaus`` limits the rows to those bureaus (checked again here, not only in the
    preview); the history records ``user`` and the scope. ``identity``: who clicks — their
    rights are read again from the database when the import is written, so someone whose
    role was taken away after the preview is refused, in ``lang``, and nothing is written."""
    try:
        res = importer.commit(
            data,
            filename,
            table or None,
            user=user,
            db_path=db_path,
            allowed_bureaus=bureaus,
            actor=identity,
            fiscal_year=fiscal_year,
        )
    except auth.Refused as exc:
        return Outcome("error", t("data.commit.refused", lang, reason=exc.text(lang)))
    except Exception as exc:  # noqa: BLE001 - the database is left as it was
        return Outcome("error", t("data.commit.failed", lang, error=db.failure_reason(exc, lang)))
    if not res.ok:
        return Outcome("error", res.summary(lang))
    if not res.committed:
        return Outcome("info", res.summary(lang))
    return Outcome("success", res.summary(lang), int(res.record["version"]))


# --- history and undo ------------------------------------------------------------------------


def history_frame(db_path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The database versions, newest first (:func:`regionmap.db.history`)."""
    cols = ["version", "action", "table_name", "file_name", "rows_added", "rows_replaced",
            "rows_removed", "user_name", "created_at", "undone_by", "undoes", "from_version",
            "changes", "bureau_scope", "undoable", "user_role", "user_bureaus"]  # fmt: skip
    df = db.history(db_path)
    return df[[c for c in cols if c in df.columns]].reset_index(drop=True)


def history_table(history: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The versions as the page shows them: labelled columns, action and table in ``lang``,
    times in Japan's time (``2026-11-28 23:32``), empty cells for missing values."""
    out = pd.DataFrame(index=history.index)
    for col, key in (
        ("version", "data.col.version"),
        ("action", "data.col.action"),
        ("table_name", "data.col.table"),
        ("file_name", "data.col.file"),
        ("rows_added", "data.count.added"),
        ("rows_replaced", "data.count.replaced"),
        ("rows_removed", "data.count.removed"),
        ("user_name", "data.col.user"),
        ("user_role", "data.col.user_role"),
        ("created_at", "data.col.time_local"),
        ("undone_by", "data.col.undone_by"),
        ("undoes", "data.col.undoes"),
        ("from_version", "data.col.from_version"),
        ("changes", "data.col.changes"),
    ):
        if col not in history:
            continue
        values = history[col]
        if col == "action":
            cells = [
                t("data.action." + a, lang) if f"data.action.{a}" in CATALOG else cell_text(a)
                for a in values
            ]
        elif col == "table_name":
            cells = [
                _table_label(v, lang) if v in importer.IMPORT_TABLES else cell_text(v)
                for v in values
            ]
        elif col == "created_at":
            cells = [local_time(v) for v in values]
        elif col == "user_role":  # the rights the change was allowed by, when it was made
            codes = history.get("user_bureaus", pd.Series([None] * len(values), index=values.index))
            cells = [_rights_cell(r, c, lang) for r, c in zip(values, codes, strict=True)]
        elif col == "changes":
            actions = history["action"] if "action" in history else [None] * len(values)
            cells = [audit.changes_text(v, lang, a) for v, a in zip(values, actions, strict=True)]
        else:
            cells = [cell_text(v) for v in values]
        out[t(key, lang)] = cells
    return out.reset_index(drop=True)


def _rights_cell(role: Any, codes: Any, lang: str) -> str:
    """A history record's role as people read it (an editor with their bureaus then)."""
    if role not in auth.ROLES:
        return cell_text(role)
    label = users.bureau_label(users.split_codes(codes), lang)
    return t("auth.role." + role, lang, bureaus=label)


def undo_target(history: pd.DataFrame) -> dict | None:
    """The version an undo would take back (None when there is nothing to undo)."""
    hit = history[history["undoable"].astype(bool)] if "undoable" in history else history.iloc[0:0]
    return None if hit.empty else hit.iloc[0].to_dict()


def undo_latest(
    *,
    lang: str = "ja",
    user: str | None = None,
    db_path: str | os.PathLike | None = None,
    identity: auth.Identity | None = None,
) -> Outcome:
    """Undo the latest import not yet undone, as a new recorded version.

    With ``identity``, their rights are read again from the database under the writer
    lock, and the undo refused (in ``lang``, nothing written) unless they may undo that
    version now (:func:`regionmap.auth.undo_refusal`: an editor only their own imports).
    """
    try:
        rec = db.undo(db_path, user=user, actor=identity)
    except auth.Refused as exc:
        return Outcome("error", t("data.undo.refused_now", lang, reason=exc.text(lang)))
    except LookupError as exc:
        if str(exc) == "nothing to undo":
            return Outcome("info", t("data.undo.none", lang))
        return Outcome("info", t("data.undo.nothing", lang, reason=str(exc)))
    except Exception as exc:  # noqa: BLE001 - the database is left as it was
        return Outcome("error", t("data.undo.failed", lang, error=db.failure_reason(exc, lang)))
    return Outcome(
        "success",
        t(
            "data.undo.done",
            lang,
            undone=rec.get("undoes"),
            file=rec.get("file_name") or t("data.action.init", lang),
            version=rec.get("version"),
        ),
        int(rec["version"]),
    )


# --- templates and export -----------------------------------------------------------------


def templates() -> list[dict]:
    """Import templates: one dict per (table, format) with file name, bytes and MIME type."""
    out = []
    for table in importer.IMPORT_TABLES:
        for fmt, mime in (("csv", "text/csv"), ("xlsx", _XLSX)):
            out.append(
                {
                    "table": table,
                    "format": fmt,
                    "file_name": f"{table}_template.{fmt}",
                    "data": export.template_bytes(table, fmt),
                    "mime": mime,
                }
            )
    return out


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_sources() -> list[str]:
    """What can be exported: ``view:<list>`` (with the filter bar's filters) and ``table:<name>``."""
    return [f"view:{v}" for v in VIEWS] + [
        f"table:{name}" for name in db.TABLES if name not in _HIDDEN_TABLES
    ]


def view_filters(name: str, state, con) -> dict[str, Any]:
    """The filters of list ``name`` as its page shows it for ``state``.

    The same :func:`regionmap.state.query_filters` with the same years, months
    and kinds as the pages (:func:`regionmap.ui.components.overlay.page_filters`); the
    dispatch page's table shows the year shown, so its export does too.
    """

    years = months = kinds = None
    if name == "dispatches":
        years, kinds = db.fiscal_years("dispatch", con=con), db.DISPATCH_KINDS
    elif name == "sites":
        years, kinds = db.fiscal_years("sites", con=con), db.SITE_KINDS
    elif name == "evacuees":
        months = overlay.months_of(db.evacuees(con=con))
    return state_mod.query_filters(state, name, years=years, months=months, kinds=kinds)


def export_frame(source: str, state=None, *, db_path: str | os.PathLike | None = None):
    """The frame of an export source; ``view:`` sources what their page shows for ``state``."""
    kind, name = source.split(":", 1)
    con = db.connect(db_path)
    if kind == "table":
        if name not in db.TABLES or name in _HIDDEN_TABLES:
            raise KeyError(f"unknown table {name!r}")
        return db.read_table(name, con=con)
    if name not in VIEWS:
        raise KeyError(f"unknown view {name!r}")
    kwargs = view_filters(name, state, con) if state is not None else {}
    return getattr(db, name)(con=con, **kwargs)


def export_bytes(
    source: str, fmt: str, state=None, *, db_path: str | os.PathLike | None = None
) -> tuple[str, bytes, int]:
    """(file name, bytes, rows) of an export source as ``csv`` or ``xlsx``, formula-safe."""
    df = export_frame(source, state, db_path=db_path)
    name = source.split(":", 1)[1]
    data = export.frame_bytes(df, fmt, sheet_name=name)
    return f"regionmap_{name}.{fmt}", data, len(df)


@by_db_version(max_entries=8)
def _export_cached(source: str, fmt: str, state, db_path: str, *, db_version: str):
    return export_bytes(source, fmt, state, db_path=db_path)


# --- the page -------------------------------------------------------------------------------


def _db_path() -> str:
    return str(settings.get("db_path"))


def _set_outcome(outcome: Outcome) -> None:
    st.session_state[_OUTCOME] = outcome


def _show_outcome() -> None:
    outcome = st.session_state.pop(_OUTCOME, None)
    if isinstance(outcome, Outcome):
        {"success": st.success, "info": st.info, "error": st.error}[outcome.kind](
            plain(outcome.text)
        )


def _table_label(table: str, lang: str) -> str:
    if not table:
        return t("data.table.auto", lang)
    return importer.table_label(table, lang)


def import_section(ctx: session.Context) -> importer.ImportResult | None:
    """Upload, check (errors or dry-run summary and preview), commit.

    Only for those who may import (:func:`regionmap.auth.can_import`); a bureau editor's
    file is checked and committed against their bureaus only.
    """
    lang = ctx.lang
    st.subheader(t("data.import", lang))
    ident = access.identity()
    if not auth.can_import(ident):
        st.info(t("data.import.viewer", lang))
        return None
    scope = auth.import_scope(ident)
    if scope is not None:
        st.caption(t("data.import.scope", lang, bureaus=users.bureau_label(scope, lang)))
    cap_mb = int(settings.get("max_upload_mb"))
    st.caption(t("data.import.help", lang, mb=cap_mb, rows=f"{int(settings.get('max_rows')):,}"))
    table = st.selectbox(
        t("data.table", lang),
        options=["", *importer.IMPORT_TABLES],
        format_func=lambda v: _table_label(v, lang),
        key="rm.data.table",
    )
    upload = st.file_uploader(
        t("data.upload", lang),
        # exactly what the importer reads: CSV, .xlsx and Excel's "Unicode text" (UTF-16,
        # tab-separated .txt); Streamlit itself refuses the rest (an old .xls, a PDF)
        type=list(importer.UPLOAD_TYPES),
        key="rm.data.upload",
        max_upload_size=cap_mb,
        help=t("data.upload.help", lang, mb=cap_mb),
    )
    fiscal_year = st.number_input(
        t("data.fiscal_year", lang),
        min_value=1989,
        max_value=2100,
        value=None,
        step=1,
        format="%d",
        key="rm.data.fiscal_year",
        help=t("data.fiscal_year.help", lang),
    )
    fiscal_year = int(fiscal_year) if fiscal_year is not None else None
    if upload is None:
        st.caption(t("data.upload.none", lang))
        return None
    data = upload.getvalue()
    result = _check_cached(data, upload.name, table or "", _db_path(), scope, fiscal_year)
    notes = result.note_texts(lang) if hasattr(result, "note_texts") else result.notes
    for note in notes:
        st.caption(t("data.note", lang, note=plain(note)))
    if not result.ok:
        st.error(plain(result.summary(lang)))
        issues = issues_frame(result, lang)
        st.dataframe(
            shown_frame(issues).rename(
                columns={
                    "file": t("data.col.file", lang),
                    "row": t("data.col.row", lang),
                    "column": t("data.col.column", lang),
                    "reason": t("data.col.reason", lang),
                }
            ),
            hide_index=True,
            width="stretch",
            key="rm.data.issues",
        )
        return result
    counts = plan_counts(result)
    st.info(t("data.dry_run", lang) + " " + plain(result.summary(lang)))
    cols = st.columns(4)
    for col, key in zip(cols, ("added", "replaced", "unchanged", "removed"), strict=True):
        col.metric(t("data.count." + key, lang), f"{counts[key]:,}")
    if result.already_imported is not None:
        st.warning(t("data.already", lang, version=result.already_imported.get("version")))
    st.caption(
        t(
            "data.preview",
            lang,
            n=min(PREVIEW_ROWS, len(result.preview())),
            total=len(result.preview()),
        )
    )
    preview = preview_table(result, lang)
    st.dataframe(shown_frame(preview), hide_index=True, width="stretch", key="rm.data.preview")

    def do_commit() -> None:
        _set_outcome(
            commit_upload(
                data,
                upload.name,
                table or None,
                lang=lang,
                user=ident.name,
                db_path=_db_path(),
                bureaus=scope,
                identity=ident,
                fiscal_year=fiscal_year,
            )
        )

    st.button(
        t("data.commit", lang),
        type="primary",
        disabled=not result.changed,
        key="rm.data.commit",
        on_click=do_commit,
        help=None if result.changed else t("data.commit.nothing", lang),
    )
    return result


def history_section(ctx: session.Context) -> pd.DataFrame:
    """The versions of the database and the undo button."""
    lang = ctx.lang
    st.subheader(t("data.history", lang))
    hist = history_frame(_db_path())
    target = undo_target(hist)
    shown = history_table(hist, lang)
    st.caption(t("data.history.caption", lang, n=len(hist), keep=settings.get("history_keep")))
    st.dataframe(shown_frame(shown), hide_index=True, width="stretch", key="rm.data.history")
    st.download_button(
        t("data.audit.download", lang),
        data=_audit_cached(_db_path(), lang),
        file_name="regionmap_audit.csv",
        mime="text/csv",
        key="rm.data.audit",
        on_click="ignore",
    )
    ident = access.identity()
    if ident.role == "viewer":  # history only: no undo
        return hist
    refusal = auth.undo_refusal(ident, target, lang)
    if target is None:
        st.caption(t("data.undo.none", lang))
    else:
        st.caption(
            t(
                "data.undo.what",
                lang,
                version=target["version"],
                file=plain(target.get("file_name")) or t("data.action.init", lang),
            )
        )
    if refusal:
        st.caption(t("data.undo.refused", lang, version=target["version"], reason=plain(refusal)))
    st.button(
        t("data.undo", lang),
        key="rm.data.undo",
        disabled=target is None or refusal is not None,
        on_click=lambda: _set_outcome(
            undo_latest(lang=lang, user=ident.name, db_path=_db_path(), identity=ident)
        ),
    )
    if auth.can_manage_users(ident) and ident.mode == "shared":
        st.subheader(t("data.users", lang))
        st.caption(t("data.users.help", lang))
        listed = users.list_users(_db_path())
        listed["key"] = [t(f"data.users.key.{k}", lang) for k in listed["key"]]
        heads = {c: t(f"data.users.col.{c}", lang) for c in listed.columns}
        st.dataframe(
            shown_frame(listed.rename(columns=heads)), hide_index=True, key="rm.data.users"
        )
    return hist


@by_db_version(max_entries=4)
def _audit_cached(db_path: str, lang: str, *, db_version: str) -> bytes:
    return audit.audit_csv(db_path, lang)


def templates_section(ctx: session.Context) -> list[dict]:
    """Download buttons of the templates (CSV and Excel) per table."""
    lang = ctx.lang
    st.subheader(t("data.templates", lang))
    st.caption(t("data.templates.help", lang))
    items = _templates_cached()
    for table in importer.IMPORT_TABLES:
        cols = st.columns([2, 1, 1])
        cols[0].markdown(f"**{_table_label(table, lang)}**")
        for col, item in zip(cols[1:], [i for i in items if i["table"] == table], strict=True):
            col.download_button(
                t("data.download." + item["format"], lang),
                data=item["data"],
                file_name=item["file_name"],
                mime=item["mime"],
                key=f"rm.data.tpl.{table}.{item['format']}",
                on_click="ignore",
            )
    return items


@st.cache_data(show_spinner=False, max_entries=1)
def _templates_cached() -> list[dict]:
    return templates()


def _source_label(source: str, lang: str) -> str:
    kind, name = source.split(":", 1)
    if kind == "view":
        return t("data.export.view", lang, name=t("data.view." + name, lang))
    return t("data.export.table", lang, name=name)


def export_section(ctx: session.Context) -> None:
    """Export any table, or a list with the filter bar's filters, as CSV or Excel."""
    lang = ctx.lang
    st.subheader(t("data.export", lang))
    st.caption(t("data.export.help", lang, where=cards.where_text(ctx)))
    c1, c2 = st.columns([3, 1])
    source = c1.selectbox(
        t("data.export.source", lang),
        options=export_sources(),
        format_func=lambda v: _source_label(v, lang),
        key="rm.data.export_source",
    )
    fmt = c2.segmented_control(
        t("data.export.format", lang),
        options=["csv", "xlsx"],
        format_func=lambda v: {"csv": "CSV", "xlsx": "Excel"}[v],
        default="csv",
        key="rm.data.export_format",
    )
    fmt = fmt or "csv"
    try:
        name, data, n = _export_cached(
            source,
            fmt,
            ctx.state if source.startswith("view:") else None,
            _db_path(),
        )
    except Exception as exc:  # noqa: BLE001
        st.error(t("data.export.failed", lang, error=f"{type(exc).__name__}: {exc}"))
        return
    st.download_button(
        t("data.export.download", lang, n=f"{n:,}", file=name),
        data=data,
        file_name=name,
        mime="text/csv" if fmt == "csv" else _XLSX,
        key="rm.data.export",
        on_click="ignore",
    )


def page(ctx: session.Context) -> None:
    """データ: import, history and undo, templates, export."""
    lang = ctx.lang
    st.title(t("page.data", lang))
    st.caption(t("data.intro", lang))
    ident = access.identity()
    st.caption(access.mode_line(ident, lang))
    if ident.mode == "shared":  # how they were recognised, and the account to bind
        how = access.key_text(ident, lang)
        line = access.account_line(ident.issuer, ident.subject, lang)
        st.caption(plain(f"{how} {line}" if how else line))
    if not ctx.ready.database:
        st.info(t("notice.no_database", lang))
        return
    _show_outcome()
    tabs = st.tabs(
        [
            t("data.import", lang),
            t("data.history", lang),
            t("data.templates", lang),
            t("data.export", lang),
        ]
    )
    with tabs[0]:
        import_section(ctx)
    with tabs[1]:
        history_section(ctx)
    with tabs[2]:
        templates_section(ctx)
    with tabs[3]:
        export_section(ctx)
