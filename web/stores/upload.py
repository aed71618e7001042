"""The store traffic / POS upload pages (C12): ``/h5/stores/upload`` checks what is cheap,
saves the file and queues jobs.store_uploads (handlers/stores/uploads.py reads it); the
result page follows the upload's state (models/imports/uploads.py). Registered on the
``stores`` blueprint (web/stores/common.py) when web/stores/pages.py is imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from handlers.stores.uploads import AREA as UPLOAD_AREA
from jobs import store_uploads
from lib import sheets
from models.imports import uploads
from models.org.user import User
from web.auth.guard import human_size, login_required, max_body
from web.auth.pages import message_page
from web.stores import texts as S
from web.stores.common import bp

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_ROLES = ("hq", "store_manager")
UPLOAD_SUFFIXES = (".csv", ".xlsx")


def _upload_form(user: User, *, kind: str = "traffic", error: str | None = None,
                 status: int = 200) -> tuple[str, int]:
    return render_template("h5/store_upload.html", user=user, S=S, kind=kind, error=error,
                           limit=human_size(MAX_UPLOAD)), status


@bp.route("/h5/stores/upload", methods=["GET", "POST"])
@max_body(MAX_UPLOAD + 64 * 1024)
@login_required(roles=UPLOAD_ROLES)
def upload(user: User) -> tuple[str, int] | Response:
    """Checks what is cheap (kind, a file, its type, a zip directory), saves the file and
    queues jobs.store_uploads; the result page follows the job."""
    if request.method == "GET":
        return _upload_form(user)
    kind = request.form.get("kind", "")
    if kind not in S.UPLOAD_KINDS:
        return _upload_form(user, error=S.UPLOAD_BAD_KIND, status=422)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _upload_form(user, kind=kind, error=S.UPLOAD_NO_FILE, status=422)
    suffix = Path(file.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return _upload_form(user, kind=kind, status=422, error=S.UPLOAD_BAD_SUFFIX.format(
            suffix=suffix or file.filename))
    upload_id, path = uploads.new_path(UPLOAD_AREA, suffix)
    file.save(path)
    problem = None
    if path.stat().st_size == 0:
        problem = S.UPLOAD_EMPTY
    elif suffix == ".xlsx":
        try:
            sheets.check_readable(path)  # the zip directory only; unpacking is the job's
        except sheets.SheetError as exc:
            problem = exc.message
    if problem is not None:
        uploads.discard(path)
        return _upload_form(user, kind=kind, error=problem, status=422)
    uploads.queue(UPLOAD_AREA, upload_id, store_uploads.run_upload, path=path,
                  uploader=user.wecom_userid, kind=kind)
    return redirect(url_for(".upload_result", upload_id=upload_id), 303)


def _upload_view(meta: dict[str, Any]) -> dict[str, Any]:
    return uploads.progress_view(meta, S.UPLOAD_STATUS, S.UPLOAD_WAITING)


@bp.get("/h5/stores/upload/<upload_id>")
@login_required(roles=UPLOAD_ROLES)
def upload_result(upload_id: str, user: User) -> tuple[str, int]:
    meta = uploads.state_for(UPLOAD_AREA, upload_id, user.wecom_userid)
    if meta is None:
        return message_page(S.UPLOAD_NOT_FOUND, "", status=404, user=user,
                            buttons=[(S.UPLOAD_ANOTHER, url_for(".upload"), True)])
    more = meta["row_count"] - len(meta["rows"])
    return render_template("h5/store_upload_status.html", user=user, S=S, meta=meta,
                           view=_upload_view(meta), more=more,
                           kind_label=S.UPLOAD_KINDS.get(meta["kind"], meta["kind"]),
                           status_url=url_for(".upload_result_json", upload_id=upload_id)), 200


@bp.get("/h5/stores/upload/<upload_id>/status.json")
@login_required(roles=UPLOAD_ROLES, api=True)
def upload_result_json(upload_id: str, user: User) -> Response | tuple[Response, int]:
    meta = uploads.state_for(UPLOAD_AREA, upload_id, user.wecom_userid)
    if meta is None:
        return jsonify({"error": S.UPLOAD_NOT_FOUND}), 404
    return jsonify(_upload_view(meta))
