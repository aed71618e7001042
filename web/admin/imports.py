"""The admin's import page (C3): upload a customers or orders spreadsheet, watch it run,
download the error report.

The upload is size-capped from its Content-Length before the body is read (web.auth's
guard), checked cheaply here (type, not empty, a zip directory; nothing is unpacked in
the request), saved under ``instance/imports/<id>/`` and handed to models.imports.tracked
(run by jobs.imports); the page then polls a small JSON endpoint. Only admins start
imports; an import's page, numbers and report are shown to admins and to whoever uploaded
it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from lib.sheets import SheetError, check_readable
from models.config.custom_fields import CUSTOMER, PHOTO
from models.imports import tracked as imports
from models.org.user import User
from web import texts
from web.auth.guard import human_size, login_required, max_body
from web.auth.pages import message_page
from web.custom_fields import active_fields
from zhongshu.settings import get_settings

bp = Blueprint("admin_import", __name__)

MAX_UPLOAD = 20 * 1024 * 1024
BODY_SLACK = 64 * 1024  # multipart boundaries and the small fields around the file
SUFFIXES = (".xlsx", ".csv")
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_ID = re.compile(r"^[0-9a-f]{24}$")
ADMIN = ("admin",)


def imports_dir() -> Path:
    return (get_settings().instance_dir / "imports").resolve()


def _form(user: User, *, error: str | None = None, kind: str = "customers",
          overwrite: bool = False, status: int = 200) -> tuple[str, int]:
    columns = dict(texts.IMPORT_COLUMNS)
    custom = [f.name for f in active_fields(CUSTOMER) if f.kind != PHOTO]
    if custom:  # a column named like a custom field fills it (C8)
        columns["customers"] += texts.IMPORT_CUSTOM_COLUMNS.format(names="、".join(custom))
    return render_template("h5/import.html", user=user, error=error, kind=kind,
                           kinds=texts.IMPORT_KINDS, columns=columns, overwrite=overwrite,
                           limit=human_size(MAX_UPLOAD)), status


def _display_name(raw: str) -> str:
    # Browsers on Windows may send a full path; only the last part is the name.
    return re.split(r"[\\/]", raw)[-1].strip()[:100] or "upload"


def _check_file(path: Path, suffix: str) -> str | None:
    """Why this saved upload can't be imported, found without reading all of it."""
    size = path.stat().st_size
    if size == 0:
        return texts.IMPORT_EMPTY_FILE
    if size > MAX_UPLOAD:
        return texts.BODY_TOO_LARGE_DESC.format(limit=human_size(MAX_UPLOAD))
    if suffix == ".xlsx":
        with path.open("rb") as fh:
            if fh.read(4) != XLSX_MAGIC:
                return texts.IMPORT_NOT_XLSX
        # The zip directory only: unpacking happens in the job, under lib.sheets'
        # limits (a few hundred kB can unpack into gigabytes).
        try:
            check_readable(path)
        except SheetError:
            return texts.IMPORT_UNREADABLE
    return None


@bp.route("/admin/import", methods=["GET", "POST"])
@max_body(MAX_UPLOAD + BODY_SLACK)
@login_required(roles=ADMIN)
def upload(user: User) -> tuple[str, int] | Response:
    if request.method == "GET":
        return _form(user)
    kind = request.form.get("kind", "")
    overwrite = request.form.get("overwrite") == "1"
    if kind not in imports.KINDS:
        return _form(user, error=texts.IMPORT_BAD_KIND, overwrite=overwrite, status=400)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _form(user, error=texts.IMPORT_NO_FILE, kind=kind, overwrite=overwrite,
                     status=400)
    filename = _display_name(file.filename)
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        return _form(user, error=texts.IMPORT_BAD_SUFFIX.format(suffix=suffix or filename),
                     kind=kind, overwrite=overwrite, status=400)

    import_id = imports.new_import_id()
    folder = imports_dir() / import_id
    folder.mkdir(parents=True, exist_ok=True)
    # Our own file name on disk; the person's name is only ever displayed.
    path = folder / f"upload{suffix}"
    file.save(path)
    problem = _check_file(path, suffix)
    if problem is not None:
        shutil.rmtree(folder, ignore_errors=True)
        return _form(user, error=problem, kind=kind, overwrite=overwrite, status=400)
    imports.create(import_id, kind=kind, path=path, filename=filename,
                   uploader=user.wecom_userid, overwrite=overwrite)
    imports.enqueue(import_id)
    return redirect(url_for(".status_page", import_id=import_id), 303)


def _load(import_id: str, user: User) -> dict[str, Any] | None:
    """The import if it exists and ``user`` may see it (admins, and its uploader)."""
    if not IMPORT_ID.match(import_id):
        return None
    meta = imports.state(import_id)
    if meta is None:
        return None
    if user.role != "admin" and meta.get("uploader") != user.wecom_userid:
        return None
    return meta


def _not_found(user: User) -> tuple[str, int]:
    return message_page(texts.IMPORT_NOT_FOUND, "", status=404, user=user,
                        buttons=[(texts.IMPORT_ANOTHER, url_for(".upload"), True)])


def _report_path(meta: dict[str, Any]) -> Path | None:
    """The error report, only if it is a file inside our imports folder."""
    raw = meta.get("report") or ""
    if not raw:
        return None
    path = Path(raw).resolve()
    if not path.is_relative_to(imports_dir()) or not path.is_file():
        return None
    return path


def _view(import_id: str, meta: dict[str, Any]) -> dict[str, Any]:
    """What the page and the JSON endpoint show."""
    status = meta["status"]
    total, done = meta["total"], min(meta["done"], meta["total"])
    percent = 100 if status == imports.STATUS_DONE else (done * 100 // total if total else 0)
    counts = {k: meta[k] for k in ("total", "inserted", "updated", "existing", "overwritten",
                                   "refused", "noted", "lines")}
    template = (texts.IMPORT_RESULT_CUSTOMERS if meta["kind"] == "customers"
                else texts.IMPORT_RESULT_ORDERS)
    error = None
    if status == imports.STATUS_FAILED:
        code = meta.get("error_code")
        if code == imports.ERROR_FILE:
            error = meta.get("error") or texts.IMPORT_UNREADABLE
        elif code == imports.ERROR_CORRUPT:
            error = texts.IMPORT_CORRUPT.format(detail=meta.get("error") or "")
        else:
            error = texts.IMPORT_FAILED_INTERNAL
    report = _report_path(meta) if status == imports.STATUS_DONE else None
    partial = status == imports.STATUS_DONE and meta["refused"] > 0
    return {
        "id": import_id, "kind": meta["kind"], "filename": meta["filename"],
        "status": status, "partial": partial,
        "status_label": texts.IMPORT_PARTIAL if partial
        else texts.IMPORT_STATUS.get(status, status),
        "finished": status in imports.FINISHED, "done": done, "total": total,
        "percent": percent,
        # Until the file has been counted there is no total to show.
        "progress_text": texts.IMPORT_PROGRESS.format(done=done, total=total) if total
        else texts.IMPORT_WAITING,
        "inserted": meta["inserted"], "updated": meta["updated"], "refused": meta["refused"],
        "existing": meta["existing"], "overwritten": meta["overwritten"],
        "noted": meta["noted"],
        "lines": meta["lines"], "blank": meta["blank"], "error": error,
        "summary": template.format(**counts) if status == imports.STATUS_DONE else None,
        "report_url": url_for(".report", import_id=import_id) if report else None,
    }


@bp.get("/admin/import/<import_id>")
@login_required
def status_page(import_id: str, user: User) -> tuple[str, int] | str:
    meta = _load(import_id, user)
    if meta is None:
        return _not_found(user)
    view = _view(import_id, meta)
    return render_template("h5/import_status.html", user=user, imp=view,
                           kind_label=texts.IMPORT_KINDS.get(view["kind"], view["kind"]),
                           status_url=url_for(".status_json", import_id=import_id))


@bp.get("/admin/import/<import_id>/status.json")
@login_required(api=True)
def status_json(import_id: str, user: User) -> Response | tuple[Response, int]:
    meta = _load(import_id, user)
    if meta is None:
        return jsonify({"error": texts.IMPORT_NOT_FOUND}), 404
    return jsonify(_view(import_id, meta))


@bp.get("/admin/import/<import_id>/report.xlsx")
@login_required
def report(import_id: str, user: User) -> Response | tuple[str, int]:
    meta = _load(import_id, user)
    path = _report_path(meta) if meta is not None else None
    if meta is None or path is None:
        return _not_found(user)
    stem = Path(meta["filename"]).stem or "import"
    return send_file(path, mimetype=XLSX_MIME, as_attachment=True,
                     download_name=texts.IMPORT_REPORT_NAME.format(stem=stem))
