"""Custom fields (C8) in H5 forms: the one reader of posted values and the template macro
``h5/_custom_fields.html`` that draws them, shared by every form that shows an entity's
fields (check-in, quick registration; the contract pages call the same two).

Usage in a view::

    fields = active_fields(CONTRACT)
    raw, uploads, upload_errors = read_form(fields)   # from flask.request
    values, errors = cf.clean_values(fields, raw)      # + upload_errors
    ... in the transaction that saves the record:
    cf.save_values(db, CONTRACT, record.id, store_uploads(values, uploads))

and in the template ``{% from "h5/_custom_fields.html" import custom_fields %}
{{ custom_fields(fields, values, errors) }}`` (``values`` keyed ``f_<id>``)."""

from __future__ import annotations

from typing import Any

from flask import request

from lib import photos
from models.config import custom_fields as cf
from zhongshu.db import session_scope
from zhongshu.settings import get_settings

UPLOADED = "(upload)"  # placeholder until the record is accepted and the file is written
PHOTO_MAX = photos.PhotoLimits().max_bytes


def active_fields(entity: str, user: Any | None = None) -> list[cf.FieldDef]:
    """The entity's active fields in form order (detached: safe to use after the session):
    those ``user``'s forms ask for (their team's and the company's), or every one."""
    with session_scope() as db:
        return cf.form_fields(db, entity, user) if user is not None else cf.fields_of(db, entity)


def read_form(fields: list[cf.FieldDef]) -> tuple[dict[str, Any], dict[str, bytes],
                                                   dict[str, str]]:
    """(raw values by ``f_<id>``, photo uploads by ``f_<id>``, upload problems)."""
    raw: dict[str, Any] = {}
    uploads: dict[str, bytes] = {}
    problems: dict[str, str] = {}
    for field in fields:
        if field.kind == cf.MULTI:
            raw[field.key] = request.form.getlist(field.key)
        elif field.kind == cf.PHOTO:
            upload = request.files.get(field.key)
            data = upload.read() if upload is not None else b""
            if not data:
                raw[field.key] = None
            elif len(data) > PHOTO_MAX or photos.sniff_format(data) not in (photos.JPEG,
                                                                          photos.PNG):
                problems[field.key] = cf.BAD_PHOTO.format(name=field.name)
            else:
                raw[field.key] = UPLOADED
                uploads[field.key] = data
        else:
            raw[field.key] = request.form.get(field.key, "")
    return raw, uploads, problems


def store_uploads(fields: list[cf.FieldDef], values: dict[int, cf.Cleaned],
                  uploads: dict[str, bytes]) -> dict[int, cf.Cleaned]:
    """Write the accepted photos (originals, never modified) and put their paths in."""
    folder = get_settings().instance_dir / "fields" / "originals"
    out = dict(values)
    for field in fields:
        data = uploads.get(field.key)
        if data is not None and field.id is not None:
            out[field.id] = cf.Cleaned(texts=(str(photos.store_original(data, folder)),))
    return out


def echo(fields: list[cf.FieldDef], raw: dict[str, Any]) -> dict[str, Any]:
    """What the form shows again after a refusal (never a photo: it is chosen again)."""
    return {f.key: raw.get(f.key) for f in fields if f.kind != cf.PHOTO}


def needs_multipart(fields: list[cf.FieldDef]) -> bool:
    return any(f.kind == cf.PHOTO for f in fields)
