"""Changing custom field definitions (C8): create, rename, retype, retire, reorder and
restore — each validated first (``FieldRefused``, nothing changed) and written to the audit
log (``models.config.audit``) so it can be undone (``models.config.undo``). A change that
would lose stored values is refused. Callers use the ``models.config.custom_fields``
package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.base import utcnow
from models.config.audit import AREA_FIELD, COMPANY, new_batch, record_change
from models.config.custom_fields.definitions import (
    ALREADY_ACTIVE,
    ALREADY_RETIRED,
    COMPANY_FIELD,
    DATE,
    ENTITY_NAMES,
    KIND_CHANGE_LOSES,
    KIND_CHANGE_PHOTO,
    KIND_NAMES,
    MULTI,
    NAME_TAKEN,
    NAME_TAKEN_RETIRED,
    NOT_FOUND,
    NOT_IN_ENTITY,
    NUMBER,
    OPTION_IN_USE,
    OPTIONS_MISSING,
    OPTIONS_NOT_ALLOWED,
    ORDER_DUPLICATE,
    PHOTO,
    SELECT,
    TEXT,
    TEXT_MAX,
    FieldDef,
    FieldRefused,
    FieldValue,
    clean_entity,
    clean_field_name,
    clean_kind,
    fields_of,
    get_field,
    in_team,
    parse_options,
)
from models.config.custom_fields.values import number_text, to_date, to_number


def _for_change(session: Session, field_id: int, scope: str | None) -> FieldDef:
    """The field ``field_id`` if a person changing ``scope`` may change it (``None``: any
    field — an admin's or a director's change, or an undo already checked)."""
    field = get_field(session, field_id, scope)
    if field is None:
        raise FieldRefused(NOT_FOUND)
    if scope is not None and field.team != scope:
        raise FieldRefused(COMPANY_FIELD.format(name=field.name))
    return field


def _check_name_free(session: Session, entity: str, name: str,
                     except_id: int | None = None, team: str = COMPANY) -> None:
    # A team's field may not shadow a company one; a company field may not take a name
    # any team uses (its people would see two fields of one name).
    stmt = select(FieldDef).where(FieldDef.entity == entity, FieldDef.name == name.strip())
    if team != COMPANY:
        stmt = stmt.where(in_team(team))
    if except_id is not None:
        stmt = stmt.where(FieldDef.id != except_id)
    other = session.exec(stmt.order_by(col(FieldDef.active).desc())).first()
    if other is not None:
        template = NAME_TAKEN if other.active else NAME_TAKEN_RETIRED
        raise FieldRefused(template.format(entity=ENTITY_NAMES[entity], name=name))


def _check_options(kind: str, options: list[str]) -> None:
    if kind in (SELECT, MULTI) and not options:
        raise FieldRefused(OPTIONS_MISSING)
    if kind not in (SELECT, MULTI) and options:
        raise FieldRefused(OPTIONS_NOT_ALLOWED)


# -- changing definitions (each one audited) ----------------------------------------------

def _audit(session: Session, actor: str, before: dict[str, Any] | None, field: FieldDef,
           batch: str | None) -> None:
    record_change(session, actor=actor, area=AREA_FIELD, key=str(field.id),
                     before=before, after=field.snapshot(), batch=batch, team=field.team)


def create_field(session: Session, *, actor: str, entity: str, name: str, kind: str,
                 options: str | Sequence[str] | None = None, required: bool = False,
                 preset: str | None = None, batch: str | None = None,
                 team: str = COMPANY) -> FieldDef:
    """A new field owned by ``team`` (the company's when COMPANY)."""
    entity = clean_entity(entity)
    kind = clean_kind(kind)
    name = clean_field_name(name)
    opts = parse_options(options)
    _check_options(kind, opts)
    _check_name_free(session, entity, name, team=team)
    last = session.exec(select(func.max(FieldDef.position))
                        .where(FieldDef.entity == entity, FieldDef.team == team)).one()
    field = FieldDef(entity=entity, name=name, kind=kind, options=opts, required=required,
                     position=(last or 0) + 1, preset=preset, created_by=actor, team=team)
    session.add(field)
    session.flush()
    _audit(session, actor, None, field, batch)
    return field


def _values_not_fitting(session: Session, field: FieldDef, kind: str,
                        options: list[str]) -> tuple[int, str | None]:
    """How many stored values of ``field`` the new kind/options could not hold."""
    rows = session.exec(select(FieldValue).where(FieldValue.field_id == field.id)).all()
    bad = [r for r in rows if not _fits(r, field.kind, kind, options)]
    return len({r.entity_id for r in bad}), (_shown(bad[0], field.kind) if bad else None)


def _shown(row: FieldValue, kind: str) -> str:
    if kind == NUMBER and row.value_num is not None:
        return number_text(row.value_num)
    if kind == DATE and row.value_date is not None:
        return row.value_date.isoformat()
    return row.value_text or ""


def _fits(row: FieldValue, old: str, new: str, options: list[str]) -> bool:
    text = _shown(row, old)
    try:
        if new == NUMBER:
            to_number(text)
        elif new == DATE:
            to_date(text)
        elif new in (SELECT, MULTI):
            return text in options
        elif new == TEXT:
            return len(text) <= TEXT_MAX
    except ValueError:
        return False
    return True


def _check_retype(session: Session, field: FieldDef, new_kind: str,
                  new_options: list[str]) -> None:
    """Refuse a type or option change that would lose stored values; else convert them."""
    if new_kind != field.kind and PHOTO in (new_kind, field.kind):
        raise FieldRefused(KIND_CHANGE_PHOTO)
    if new_kind != field.kind or (new_kind in (SELECT, MULTI)
                                  and set(new_options) != set(field.options)):
        if new_kind in (SELECT, MULTI) and new_kind == field.kind:
            for option in set(field.options) - set(new_options):
                used = int(session.exec(select(func.count()).select_from(FieldValue).where(
                    FieldValue.field_id == field.id, FieldValue.value_text == option)).one())
                if used:
                    raise FieldRefused(OPTION_IN_USE.format(option=option, count=used))
        else:
            count, example = _values_not_fitting(session, field, new_kind, new_options)
            if count:
                raise FieldRefused(KIND_CHANGE_LOSES.format(
                    count=count, kind=KIND_NAMES[new_kind], example=example))
            if new_kind == SELECT and field.kind == MULTI:
                multi = session.exec(select(FieldValue.entity_id).where(
                    FieldValue.field_id == field.id).group_by(col(FieldValue.entity_id))
                    .having(func.count() > 1)).first()
                if multi is not None:
                    raise FieldRefused(KIND_CHANGE_LOSES.format(
                        count=1, kind=KIND_NAMES[SELECT], example="多个选项"))
            _retype_values(session, field, new_kind)


def update_field(session: Session, field_id: int, *, actor: str, name: str | None = None,
                 kind: str | None = None, options: str | Sequence[str] | None = None,
                 required: bool | None = None, batch: str | None = None,
                 scope: str | None = None) -> FieldDef:
    """Rename, change type, options or required. A change that would lose data (a value
    the new type cannot hold, an option still in use) is refused and nothing changes.
    ``scope``: the team the person changing it owns (None: any field)."""
    field = _for_change(session, field_id, scope)
    before = field.snapshot()
    new_name = clean_field_name(name) if name is not None else field.name
    new_kind = clean_kind(kind) if kind is not None else field.kind
    new_options = parse_options(options) if options is not None else (
        list(field.options) if new_kind in (SELECT, MULTI) else [])
    _check_options(new_kind, new_options)
    if new_name != field.name:
        _check_name_free(session, field.entity, new_name, except_id=field.id, team=field.team)
    _check_retype(session, field, new_kind, new_options)
    field.name, field.kind, field.options = new_name, new_kind, new_options
    if required is not None:
        field.required = required
    field.updated_at = utcnow()
    session.add(field)
    session.flush()
    if field.snapshot() != before:
        _audit(session, actor, before, field, batch)
    return field


def _retype_values(session: Session, field: FieldDef, kind: str) -> None:
    for row in session.exec(select(FieldValue).where(FieldValue.field_id == field.id)).all():
        text = _shown(row, field.kind)
        row.value_text = row.value_num = row.value_date = None
        if kind == NUMBER:
            row.value_num = to_number(text)
        elif kind == DATE:
            row.value_date = to_date(text)
        else:
            row.value_text = text
        session.add(row)


def set_active(session: Session, field_id: int, *, actor: str, active: bool,
               batch: str | None = None, scope: str | None = None) -> FieldDef:
    """Retire (values kept, hidden everywhere) or restore a field."""
    field = _for_change(session, field_id, scope)
    if field.active == active:
        raise FieldRefused((ALREADY_ACTIVE if active else ALREADY_RETIRED).format(
            name=field.name))
    if active:
        _check_name_free(session, field.entity, field.name, except_id=field.id,
                         team=field.team)
    before = field.snapshot()
    field.active = active
    field.updated_at = utcnow()
    session.add(field)
    session.flush()
    _audit(session, actor, before, field, batch)
    return field


def _set_order(session: Session, order: list[FieldDef], actor: str) -> None:
    batch = new_batch()  # one reorder, one undo
    for position, item in enumerate(order, 1):
        if item.position != position:
            before = item.snapshot()
            item.position = position
            item.updated_at = utcnow()
            session.add(item)
            session.flush()
            _audit(session, actor, before, item, batch)


def _owned(session: Session, entity: str, team: str) -> list[FieldDef]:
    """The active fields ``team`` owns (their order is the team's own)."""
    return [f for f in fields_of(session, entity, team=team) if f.team == team]


def move_field(session: Session, field_id: int, *, actor: str, offset: int,
               scope: str | None = None) -> FieldDef:
    """Move a field up (-1) or down (+1) among the active fields of its entity and team."""
    field = _for_change(session, field_id, scope)
    if not field.active:
        raise FieldRefused(NOT_FOUND)
    order = _owned(session, field.entity, field.team)
    index = next(i for i, f in enumerate(order) if f.id == field.id)
    target = index + offset
    if 0 <= target < len(order):
        order.insert(target, order.pop(index))
        _set_order(session, order, actor)
    return field


def reorder_fields(session: Session, entity: str, names: Sequence[str], *,
                   actor: str, scope: str = COMPANY) -> list[FieldDef]:
    """The named active fields of ``scope`` first, in the given order, then the others as
    they were; returns the fields as ``scope`` sees them."""
    entity = clean_entity(entity)
    order = _owned(session, entity, scope)
    by_name = {f.name: f for f in order}
    for name in names:
        if name not in by_name:
            raise FieldRefused(NOT_IN_ENTITY.format(entity=ENTITY_NAMES[entity], name=name))
    if len(set(names)) != len(names):
        raise FieldRefused(ORDER_DUPLICATE)
    first = [by_name[n] for n in names]
    _set_order(session, first + [f for f in order if f.name not in names], actor)
    return fields_of(session, entity, team=scope)


def restore(session: Session, snapshot: Mapping[str, Any] | None, field_id: int, *,
            actor: str, batch: str | None) -> None:
    """Put a field back as ``snapshot`` says (the undo of a change); a field that did not
    exist before is retired (its values are kept, as with any retirement)."""
    field = _for_change(session, field_id, None)
    if snapshot is None:
        if field.active:
            set_active(session, field_id, actor=actor, active=False, batch=batch)
        return
    before = field.snapshot()
    if snapshot["name"] != field.name:
        _check_name_free(session, field.entity, snapshot["name"], except_id=field.id,
                         team=field.team)
    _check_retype(session, field, snapshot["kind"], list(snapshot["options"]))
    field.kind = snapshot["kind"]
    field.name, field.required = snapshot["name"], bool(snapshot["required"])
    field.position, field.active = int(snapshot["position"]), bool(snapshot["active"])
    field.options = list(snapshot["options"])
    field.updated_at = utcnow()
    session.add(field)
    session.flush()
    _audit(session, actor, before, field, batch)
