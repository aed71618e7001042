"""Configuration pages for supervisors, directors and admins (C8): custom fields, team
presets with a preview of what a switch touches, team settings, and the change log with
undo. WeUI pages that work on the phone and on a desktop browser.

``/admin/fields?entity=visit``       list, create, edit (name/type/options/required),
                                     reorder, retire (after a preview) and restore
``/admin/presets``                   presets, team settings, the rule switches' state
``/admin/presets/<code>``            GET: the preview; POST: apply it
``/admin/changes``                   the audit log; POST ``/admin/changes/<id>/undo``

Every change goes through models.config.custom_fields / models.config.presets /
models.config.team_config, which refuse a bad change with a Chinese message and change nothing;
the message is shown on the page where the change was asked for. Reps and finance get the
forbidden page.
Whose configuration a page changes is the person's (``team_config.scope_of``): a
supervisor's own team, else the company's; every field, preset, setting and undo is
checked against ``team_config.may_change`` — a supervisor never reaches another team's or
the company's configuration, and only an admin switches rules."""

from __future__ import annotations

import json
from typing import Any, NotRequired, TypedDict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.wrappers import Response

from models.config import custom_fields as cf
from models.config import presets
from models.config import team_config as tc
from models.config import undo as config_undo
from models.org.user import User
from web.admin import fields_texts as texts
from web.admin import rules as admin_rules
from web.auth.guard import login_required
from web.customers.common import local_time, user_names
from zhongshu import clock
from zhongshu.db import session_scope

bp = Blueprint("admin_fields", __name__)

CONFIG_ROLES = ("supervisor", "director", "admin")
SWITCHABLE = (tc.VISIT_VALIDATION, tc.HEALTH_KPIS, tc.FOLLOWUP_BOARD)


class FieldForm(TypedDict):
    """The create/edit form as posted, shown again when the change is refused."""
    field_id: NotRequired[int]
    name: str
    kind: str
    options: str
    required: bool


def _entity() -> str:
    value = request.values.get("entity", cf.CUSTOMER)
    return value if value in cf.ENTITIES else cf.CUSTOMER


def _field_scope(user: User) -> str | None:
    """The team whose fields ``user`` may change: None = every field (admins, directors)."""
    return None if tc.sees_every_team(user) else tc.scope_of(user)


def _team_names(db: Session, teams: list[str]) -> dict[str, str]:
    names = user_names(db, [t for t in teams if t])
    return {team: (texts.SCOPE_COMPANY if not team else
                   texts.SCOPE_TEAM.format(name=names.get(team, team))) for team in teams}


def _fields_page(user: User, entity: str, *, error: str | None = None,
                 form: FieldForm | None = None, status: int = 200) -> tuple[str, int]:
    with session_scope() as db:
        fields = cf.fields_of(db, entity, include_retired=True, team=_field_scope(user))
        counts = {f.id: cf.values_count(db, f.id) for f in fields if f.id is not None}
        scopes = _team_names(db, sorted({f.team for f in fields}))
    editable = {f.id for f in fields
                if tc.may_change(user, area=tc.AREA_FIELD, team=f.team)}
    return render_template(
        "admin/fields.html", user=user, entity=entity, C=texts, editable=editable,
        scopes=scopes, scope_note=(texts.FIELDS_SCOPE_COMPANY if tc.scope_of(user) == tc.COMPANY
                                   else texts.FIELDS_SCOPE_SUPERVISOR),
        active=[f for f in fields if f.active], retired=[f for f in fields if not f.active],
        counts=counts, kinds=cf.KIND_NAMES, error=error, form=form or {},
        error_field=form.get("field_id") if form is not None else None), status


@bp.get("/admin/fields")
@login_required(roles=CONFIG_ROLES)
def fields(user: User) -> tuple[str, int]:
    return _fields_page(user, _entity())


def _back(entity: str, message: str) -> Response:
    flash(message)
    return redirect(url_for(".fields", entity=entity), 303)


@bp.post("/admin/fields")
@login_required(roles=CONFIG_ROLES)
def create(user: User) -> Response | tuple[str, int]:
    entity = _entity()
    form: FieldForm = {"name": request.form.get("name", ""),
                       "kind": request.form.get("kind", ""),
                       "options": request.form.get("options", ""),
                       "required": bool(request.form.get("required"))}
    try:
        with session_scope() as db:
            field = cf.create_field(db, actor=user.wecom_userid, entity=entity,
                                    name=form["name"], kind=form["kind"],
                                    options=form["options"] or None,
                                    required=form["required"], team=tc.scope_of(user))
            name = field.name
    except cf.FieldRefused as refused:
        return _fields_page(user, entity, error=refused.message, form=form, status=422)
    except IntegrityError:  # the same name created by someone else a moment ago
        return _fields_page(user, entity, status=422, form=form, error=cf.NAME_TAKEN.format(
            entity=cf.ENTITY_NAMES[entity], name=form["name"].strip()))
    return _back(entity, texts.CREATED.format(name=name))


def _field_entity(db: Session, field_id: int, user: User) -> str | None:
    field = cf.get_field(db, field_id, _field_scope(user))
    return field.entity if field is not None else None


@bp.post("/admin/fields/<int:field_id>/edit")
@login_required(roles=CONFIG_ROLES)
def edit(field_id: int, user: User) -> Response | tuple[str, int]:
    entity = _entity()
    form: FieldForm = {"field_id": field_id, "name": request.form.get("name", ""),
                       "kind": request.form.get("kind", ""),
                       "options": request.form.get("options", ""),
                       "required": bool(request.form.get("required"))}
    try:
        with session_scope() as db:
            entity = _field_entity(db, field_id, user) or entity
            field = cf.update_field(db, field_id, actor=user.wecom_userid, name=form["name"],
                                    kind=form["kind"] or None,
                                    options=form["options"] if form["kind"] in (
                                        cf.SELECT, cf.MULTI) else None,
                                    required=form["required"], scope=_field_scope(user))
            name = field.name
    except cf.FieldRefused as refused:
        return _fields_page(user, entity, error=refused.message, form=form, status=422)
    return _back(entity, texts.UPDATED.format(name=name))


@bp.post("/admin/fields/<int:field_id>/move")
@login_required(roles=CONFIG_ROLES)
def move(field_id: int, user: User) -> Response | tuple[str, int]:
    offset = -1 if request.form.get("dir") == "up" else 1
    try:
        with session_scope() as db:
            field = cf.move_field(db, field_id, actor=user.wecom_userid, offset=offset,
                                  scope=_field_scope(user))
            entity = field.entity
    except cf.FieldRefused as refused:
        return _fields_page(user, _entity(), error=refused.message, status=404)
    return _back(entity, texts.MOVED)


@bp.route("/admin/fields/<int:field_id>/retire", methods=["GET", "POST"])
@login_required(roles=CONFIG_ROLES)
def retire(field_id: int, user: User) -> Response | tuple[str, int]:
    if request.method == "GET":
        with session_scope() as db:
            field = cf.get_field(db, field_id, _field_scope(user))
            if field is None or not field.active:
                return _fields_page(user, _entity(), error=cf.NOT_FOUND, status=404)
            if not tc.may_change(user, area=tc.AREA_FIELD, team=field.team):
                return _fields_page(user, field.entity, status=403,
                                    error=cf.COMPANY_FIELD.format(name=field.name))
            count = cf.values_count(db, field_id)
        forms = {cf.CUSTOMER: "客户报备、客户详情", cf.VISIT: "拜访签到",
                 cf.CONTRACT: "合同"}[field.entity]
        return render_template("admin/field_retire.html", user=user, field=field, count=count,
                               forms=forms, C=texts), 200
    return _set_active(user, field_id, active=False)


@bp.post("/admin/fields/<int:field_id>/restore")
@login_required(roles=CONFIG_ROLES)
def restore(field_id: int, user: User) -> Response | tuple[str, int]:
    return _set_active(user, field_id, active=True)


def _set_active(user: User, field_id: int, *, active: bool) -> Response | tuple[str, int]:
    """Retire or restore; a refusal re-shows the list with the model's message."""
    try:
        with session_scope() as db:
            field = cf.set_active(db, field_id, actor=user.wecom_userid, active=active,
                                  scope=_field_scope(user))
            entity, name = field.entity, field.name
    except cf.FieldRefused as refused:
        return _fields_page(user, _entity(), error=refused.message, status=422)
    return _back(entity, (texts.RESTORED if active else texts.RETIRED).format(name=name))


# -- presets and team settings ----------------------------------------------------------------
@bp.get("/admin/presets")
@login_required(roles=CONFIG_ROLES)
def presets_page(user: User) -> tuple[str, int]:
    scope = tc.scope_of(user)
    with session_scope() as db:
        settings = tc.all_settings(db, scope)
        rules = [(code, tc.rule_by_code(db, code)) for code in presets.PRESET_RULES]
        rule_rows = [(code, rule.name if rule else None, rule.enabled if rule else None)
                     for code, rule in rules]
    current = presets.PRESETS.get(settings.get(tc.PRESET) or "")
    note = (texts.PRESETS_SCOPE_COMPANY if scope == tc.COMPANY
            else texts.PRESETS_SCOPE_SUPERVISOR.format(name=user.name))
    return render_template("admin/presets.html", user=user, C=texts, presets=presets.PRESETS,
                           current=current, settings=settings, switchable=SWITCHABLE,
                           names=tc.CONFIG_NAMES, rules=rule_rows, scope_note=note), 200


@bp.post("/admin/settings")
@login_required(roles=CONFIG_ROLES)
def setting(user: User) -> Response:
    key = request.form.get("key", "")
    if key in SWITCHABLE:
        value = request.form.get("value") == "on"
        with session_scope() as db:
            tc.set_value(db, key, value, actor=user.wecom_userid, team=tc.scope_of(user))
        flash(texts.SETTING_CHANGED.format(state=texts.TURN_ON if value else texts.TURN_OFF,
                                           name=tc.CONFIG_NAMES[key]))
    return redirect(url_for(".presets_page"), 303)


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return texts.SETTING_ON if value else texts.SETTING_OFF
    if value in presets.PRESETS:
        return presets.PRESETS[value].title
    return texts.NOTHING if value is None else str(value)


@bp.route("/admin/presets/<code>", methods=["GET", "POST"])
@login_required(roles=CONFIG_ROLES)
def preset(code: str, user: User) -> Response | tuple[str, int]:
    if code not in presets.PRESETS:
        return redirect(url_for(".presets_page"), 303)
    scope, with_rules = tc.scope_of(user), user.role in tc.RULE_EDITORS
    if request.method == "POST":
        try:
            with session_scope() as db:
                presets.apply(db, code, actor=user.wecom_userid, team=scope,
                              with_rules=with_rules)
        except cf.FieldRefused as refused:
            # e.g. a company-wide preset field whose name a team already uses: nothing
            # of the switch was saved (one transaction).
            flash(refused.message)
            return redirect(url_for(".presets_page"), 303)
        flash(texts.APPLIED.format(name=presets.PRESETS[code].title))
        return redirect(url_for(".changes"), 303)
    with session_scope() as db:
        plan = presets.plan(db, code, team=scope, with_rules=with_rules)
    return render_template("admin/preset_preview.html", user=user, C=texts, plan=plan,
                           names=tc.CONFIG_NAMES, show=_setting_text,
                           kinds=cf.KIND_NAMES, entities=cf.ENTITY_NAMES), 200


# -- the change log ---------------------------------------------------------------------------
def state_text(area: str, value: Any) -> str:
    """A before/after state as people read it."""
    if value is None:
        return texts.NOTHING
    if area == tc.AREA_FIELD and isinstance(value, dict):
        kind: str = value["kind"]
        parts = [f"{cf.ENTITY_NAMES.get(value['entity'], '')}·{value['name']}",
                 cf.KIND_NAMES.get(kind, kind)]
        if value.get("options"):
            parts.append("/".join(value["options"]))
        if value.get("required"):
            parts.append(texts.REQUIRED_TAG)
        parts.append(texts.SETTING_ON.replace("开启", "使用中") if value.get("active")
                     else "已停用")
        parts.append(f"第{value.get('position')}位")
        return "，".join(parts)
    if area == tc.AREA_RULE and isinstance(value, dict) and "enabled" in value:
        return texts.SETTING_ON if value["enabled"] else texts.SETTING_OFF
    if area in (tc.AREA_CONFIG, tc.AREA_PRESET):
        return _setting_text(value)
    return json.dumps(value, ensure_ascii=False)


def _change_key(row: Any) -> str:
    """What a change was about, by name (a rule's name, a field's, a setting's)."""
    if row.area == tc.AREA_RULE:
        return admin_rules.rule_name(row.key)
    if row.area == tc.AREA_FIELD:
        return str((row.after or row.before or {}).get("name", row.key))
    return tc.CONFIG_NAMES.get(row.key, row.key)


@bp.get("/admin/changes")
@login_required(roles=CONFIG_ROLES)
def changes(user: User) -> tuple[str, int]:
    tz = clock.business_tz()
    with session_scope() as db:
        rows = tc.history(db, limit=200, user=user)
        people: list[str | None] = [r.actor for r in rows]
        for r in rows:
            if r.area == tc.AREA_RULE:  # recipients picked by name
                for state in (r.before, r.after):
                    people += [t[5:] for t in (state or {}).get("recipients") or []
                               if str(t).startswith("user:")]
        names = user_names(db, people)
        scopes = _team_names(db, sorted({r.team for r in rows}))
        leaders = user_names(db, [r.team for r in rows if r.team])
        # A batch is undone as one: it needs the right of every change in it.
        batches: dict[str, list[tuple[str, str]]] = {}
        wanted = {r.batch for r in rows if r.batch}
        if wanted:
            for batch, area, team in db.exec(
                    select(tc.ConfigChange.batch, tc.ConfigChange.area, tc.ConfigChange.team)
                    .where(col(tc.ConfigChange.batch).in_(wanted))):
                if batch is not None:  # always: only the wanted batches' rows
                    batches.setdefault(batch, []).append((area, team))

    def rights(r: tc.ConfigChange) -> list[tuple[str, str]]:
        return batches.get(r.batch or "", []) or [(r.area, r.team)]

    items = [{"row": r, "when": local_time(r.at, tz),
              "who": admin_rules.author_name(r.actor, names),
              "scope": scopes[r.team],
              "owners": "；".join(dict.fromkeys(tc.owners_text(area, team, leaders.get(team))
                                               for area, team in rights(r))),
              "can_undo": all(tc.may_change(user, area=area, team=team)
                              for area, team in rights(r)),
              "area": tc.AREA_NAMES.get(r.area, r.area), "key": _change_key(r),
              "diff": (admin_rules.rule_diff(r.key, r.before, r.after, names)
                       if r.area == tc.AREA_RULE else []),
              "before": state_text(r.area, r.before), "after": state_text(r.area, r.after)}
             for r in rows]
    return render_template("admin/changes.html", user=user, C=texts, items=items), 200


@bp.post("/admin/changes/<int:change_id>/undo")
@login_required(roles=CONFIG_ROLES)
def undo(change_id: int, user: User) -> Response:
    try:
        with session_scope() as db:
            config_undo.undo(db, change_id, actor=user.wecom_userid, user=user)
        flash(texts.UNDO_DONE)
    except (config_undo.UndoRefused, cf.FieldRefused) as refused:
        flash(refused.message)
    return redirect(url_for(".changes"), 303)
